import type { ScanContext } from '../../types.js';

/**
 * An analyzer for one kind of JSON document (Keras config, Hugging Face config.json, tokenizer_config.json…),
 * chosen by the document's content, never by its file name alone.
 */
export interface JsonAnalyzer {
  /** Stable id, also recorded as the recognised format (e.g. "keras-config"). */
  readonly id: string;
  /** How sure this analyzer is that `doc` is its kind of document: 0 = not mine, higher wins. `name` only breaks ties. */
  match(doc: unknown, name: string): number;
  analyze(doc: unknown, ctx: ScanContext, raw: { text: string; name: string }): Promise<void> | void;
}
