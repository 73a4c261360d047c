// PLACEHOLDER: replaced by the identification of other model families (issue 2).
import type { FormatScanner } from '../../types.js';

export const otherFormatScanners: FormatScanner[] = [];
