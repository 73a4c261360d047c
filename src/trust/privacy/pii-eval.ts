/**
 * Span-level evaluation of the PII engine against a labelled corpus (e.g. presidio-research `synth_dataset_v2.json`).
 *
 * Matching rules:
 *  - `exact`: a prediction is a true positive when a gold span of the same (mapped) entity type has the same start
 *    and end offsets.
 *  - `overlap`: a true positive when a gold span of the same type overlaps it by at least half of the longer of the
 *    two spans (intersection ≥ 0.5 × max(len_pred, len_gold)).
 * Each gold span matches at most one prediction. Predictions whose type has no gold label in a record are false
 * positives (including predictions of types the corpus never labels). Gold spans of types we do not map are
 * ignored as gold, but a prediction on them is still a false positive.
 */
import type { PiiAnalyzer } from './pii.js';

export interface GoldSpan {
  entity_type: string;
  start_position: number;
  end_position: number;
}

export interface LabelledRecord {
  full_text: string;
  spans: GoldSpan[];
}

/** presidio-research labels → Bulwark entity types (DOMAIN_NAME spans in that corpus are full URLs). */
export const PRESIDIO_LABEL_MAP: Readonly<Record<string, string>> = Object.freeze({
  CREDIT_CARD: 'CREDIT_CARD',
  IBAN_CODE: 'IBAN_CODE',
  EMAIL_ADDRESS: 'EMAIL_ADDRESS',
  IP_ADDRESS: 'IP_ADDRESS',
  PHONE_NUMBER: 'PHONE_NUMBER',
  US_SSN: 'US_SSN',
  US_DRIVER_LICENSE: 'US_DRIVER_LICENSE',
  DOMAIN_NAME: 'URL',
  PERSON: 'PERSON',
  GPE: 'LOCATION',
});

export interface TypeScore {
  tp: number;
  fp: number;
  fn: number;
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

export interface EvalResult {
  records: number;
  exact: Record<string, TypeScore>;
  overlap: Record<string, TypeScore>;
}

type Counts = Record<string, { tp: number; fp: number; fn: number }>;

function bump(c: Counts, type: string, key: 'tp' | 'fp' | 'fn'): void {
  (c[type] ??= { tp: 0, fp: 0, fn: 0 })[key]++;
}

function finish(c: Counts): Record<string, TypeScore> {
  const out: Record<string, TypeScore> = {};
  for (const type of Object.keys(c).sort()) {
    const { tp, fp, fn } = c[type];
    const precision = tp + fp > 0 ? tp / (tp + fp) : null;
    const recall = tp + fn > 0 ? tp / (tp + fn) : null;
    const f1 =
      precision !== null && recall !== null && precision + recall > 0
        ? (2 * precision * recall) / (precision + recall)
        : null;
    out[type] = { tp, fp, fn, precision, recall, f1 };
  }
  return out;
}

/** Evaluates `analyzer` on `records`, counting only entity types in `types` (default: the analyzer's types). */
export function evaluatePii(
  analyzer: PiiAnalyzer,
  records: readonly LabelledRecord[],
  opts: { labelMap?: Readonly<Record<string, string>>; types?: readonly string[] } = {},
): EvalResult {
  const map = opts.labelMap ?? PRESIDIO_LABEL_MAP;
  const types = new Set(opts.types ?? analyzer.entities());
  const exact: Counts = {};
  const overlap: Counts = {};
  for (const t of types) {
    exact[t] = { tp: 0, fp: 0, fn: 0 };
    overlap[t] = { tp: 0, fp: 0, fn: 0 };
  }
  for (const rec of records) {
    const gold = rec.spans
      .map((s) => ({ type: map[s.entity_type], start: s.start_position, end: s.end_position }))
      .filter(
        (g): g is { type: string; start: number; end: number } => g.type !== undefined && types.has(g.type),
      );
    const preds = analyzer.analyze(rec.full_text).filter((p) => types.has(p.entity));
    for (const [counts, rule] of [
      [exact, 'exact'],
      [overlap, 'overlap'],
    ] as const) {
      const used = new Set<number>();
      for (const p of preds) {
        const gi = gold.findIndex(
          (g, i) =>
            !used.has(i) &&
            g.type === p.entity &&
            (rule === 'exact'
              ? g.start === p.start && g.end === p.end
              : Math.min(g.end, p.end) - Math.max(g.start, p.start) >=
                0.5 * Math.max(g.end - g.start, p.end - p.start)),
        );
        if (gi >= 0) {
          used.add(gi);
          bump(counts, p.entity, 'tp');
        } else bump(counts, p.entity, 'fp');
      }
      gold.forEach((g, i) => {
        if (!used.has(i)) bump(counts, g.type, 'fn');
      });
    }
  }
  return { records: records.length, exact: finish(exact), overlap: finish(overlap) };
}
