// PLACEHOLDER: the Keras analyzer (issue 2) replaces this file.
import type { ScanContext } from '../../types.js';
import type { JsonAnalyzer } from '../json/analyzers.js';

/** Analyses a Keras model config (config.json of .keras, model_config of .h5, keras_metadata.pb layers). */
export async function analyzeKerasConfig(
  _doc: unknown,
  _ctx: ScanContext,
  _opts: { source: string } = { source: 'config' },
): Promise<void> {}

export const kerasConfigAnalyzer: JsonAnalyzer = {
  id: 'keras-config',
  match: () => 0,
  analyze: () => undefined,
};
