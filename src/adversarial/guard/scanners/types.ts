import type { RuleMeta } from '../../../core/rules.js';

/** What the guard does when a scanner finds something. */
export type ScanMode = 'block' | 'redact' | 'log';
export const SCAN_MODES: readonly ScanMode[] = ['block', 'redact', 'log'];

/** One finding of a scanner in one text. Spans are UTF-16 offsets into the scanned text. */
export interface ScanHit {
  rule: RuleMeta;
  /** Short label of what matched, e.g. "override-instructions", "EMAIL_ADDRESS", "tag-characters". Never the value. */
  kind: string;
  start?: number;
  end?: number;
  /** Text that replaces the span in redact mode. Default `[REDACTED]`. */
  replacement?: string;
  score?: number;
}

/** A model-free text scanner. `scan` must be bounded in time by the text length (no catastrophic regexes). */
export interface TextScanner {
  readonly name: string;
  readonly mode: ScanMode;
  /** True when every hit has a span, so redact mode is possible. */
  readonly redactable: boolean;
  scan(text: string): ScanHit[];
}

/** Replaces the spans of `hits` (earliest first; overlapping spans are merged into the first). */
export function applyRedactions(text: string, hits: readonly ScanHit[]): string {
  const spans = hits
    .filter((h) => h.start !== undefined && h.end !== undefined && h.end > h.start)
    .sort((a, b) => a.start! - b.start! || b.end! - a.end!);
  if (spans.length === 0) return text;
  let out = '';
  let pos = 0;
  for (const h of spans) {
    if (h.start! < pos) continue;
    out += text.slice(pos, h.start) + (h.replacement ?? '[REDACTED]');
    pos = h.end!;
  }
  return out + text.slice(pos);
}
