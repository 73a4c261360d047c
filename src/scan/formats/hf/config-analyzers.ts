// PLACEHOLDER: the Hugging Face analyzers (issue 2) replace this file.
import type { JsonAnalyzer } from '../json/analyzers.js';

export const hfConfigAnalyzers: JsonAnalyzer[] = [];
