/**
 * Per-sample losses of a binary ONNX classifier, for the membership-inference audit: the model is run through the
 * shared prediction module (src/trust/predict) and each row's cross-entropy loss −ln P(true label) is returned.
 * Members of the training set tend to have lower loss.
 */
import path from 'node:path';
import { ParseError } from '../../core/errors.js';
import type { Cell, Table } from '../data/table.js';
import { loadFeatureSpec, predictOnnx, type FeatureSpec } from '../predict/index.js';

/** Smallest probability used in a loss, so that a confidently wrong prediction gives a finite loss (≈ 27.6). */
export const MIN_PROBABILITY = 1e-12;

/** Binary cross-entropy per sample: −ln p when the label is positive, −ln(1 − p) otherwise. */
export function binaryLosses(pPositive: ArrayLike<number>, isPositive: readonly boolean[]): number[] {
  const out: number[] = new Array<number>(isPositive.length);
  for (let i = 0; i < isPositive.length; i++) {
    const p = Math.min(1 - MIN_PROBABILITY, Math.max(MIN_PROBABILITY, pPositive[i]));
    out[i] = -Math.log(isPositive[i] ? p : 1 - p);
  }
  return out;
}

/** The positive class of a feature spec: `positiveClass`, else the last of `classes`, else 1. */
export function positiveClassOf(spec: FeatureSpec): Cell {
  return spec.positiveClass ?? spec.classes?.[spec.classes.length - 1] ?? 1;
}

export interface ModelLossOptions {
  /** Feature spec file (default: MODEL.features.json next to the model). */
  features?: string;
  /** Column with the true label. */
  labelColumn: string;
}

/** Runs `model` on `table` and returns each row's loss. Labels are compared with the positive class as strings. */
export async function modelLosses(model: string, table: Table, opts: ModelLossOptions): Promise<number[]> {
  const specFile =
    opts.features ??
    path.join(path.dirname(model), `${path.basename(model, path.extname(model))}.features.json`);
  const spec = await loadFeatureSpec(specFile);
  const preds = await predictOnnx(model, table, { spec });
  if (!preds.scores)
    throw new ParseError(
      `${path.basename(model)} gives labels only; the audit needs probabilities or logits`,
    );
  const positive = String(positiveClassOf(spec));
  const labels = table.column(opts.labelColumn);
  return binaryLosses(
    preds.scores,
    labels.map((v) => String(v) === positive),
  );
}
