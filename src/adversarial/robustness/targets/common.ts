/** Small helpers shared by the model targets. */
import { ConfigError } from '../../../core/errors.js';
import { inputSize, type Batch, type Capability, type ModelTarget } from '../target.js';

/** Index of the largest score in each row (first one on ties). */
export function argmaxRows(scores: Float32Array, n: number, k: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bv = scores[i * k];
    for (let j = 1; j < k; j++) {
      const v = scores[i * k + j];
      if (v > bv) {
        bv = v;
        best = j;
      }
    }
    out[i] = best;
  }
  return out;
}

/** Throws a one-line ConfigError when a batch does not hold `n` rows of the target's input size. */
export function checkBatch(t: Pick<ModelTarget, 'inputShape' | 'name'>, x: Batch): number {
  const size = inputSize(t);
  if (!Number.isInteger(x.n) || x.n < 0 || x.data.length !== x.n * size) {
    throw new ConfigError(
      `${t.name}: batch of ${x.n} rows holds ${x.data.length} values but each row needs ${size} (input shape [${t.inputShape.join(', ')}]); pass n × ${size} float32 values`,
    );
  }
  return size;
}

/** Throws when labels do not fit the batch or the class count. */
export function checkLabels(t: Pick<ModelTarget, 'nbClasses' | 'name'>, labels: Int32Array, n: number): void {
  if (labels.length !== n) {
    throw new ConfigError(
      `${t.name}: ${labels.length} labels for a batch of ${n} rows; pass one label per row`,
    );
  }
  for (const l of labels) {
    if (!Number.isInteger(l) || l < 0 || l >= t.nbClasses) {
      throw new ConfigError(`${t.name}: label ${l} is outside 0..${t.nbClasses - 1}; pass class indices`);
    }
  }
}

/**
 * Problems between the declared capabilities and the implemented methods (empty when they agree):
 * `gradients` needs `lossGradient`, `scores` needs `predict`, every target needs `predictLabels`, and a
 * method that is present must be declared.
 */
export function capabilityProblems(t: ModelTarget): string[] {
  const c = t.capabilities;
  const out: string[] = [];
  const has = (k: Capability) => c.has(k);
  if (has('gradients') && typeof t.lossGradient !== 'function')
    out.push('declares gradients but has no lossGradient');
  if (has('scores') && typeof t.predict !== 'function') out.push('declares scores but has no predict');
  if (!has('labels')) out.push('does not declare labels (every target answers labels)');
  if (typeof t.predictLabels !== 'function') out.push('has no predictLabels');
  if (typeof t.lossGradient === 'function' && !has('gradients'))
    out.push('has lossGradient but does not declare gradients');
  if (typeof t.predict === 'function' && !has('scores')) out.push('has predict but does not declare scores');
  if (has('gradients') && !has('scores')) out.push('declares gradients without scores');
  return out;
}

/** One line from an unknown error, without newlines. */
export function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/\s+/g, ' ').trim().slice(0, 300);
}

/** Mutable query counter (kept out of the public readonly surface). */
export class QueryCounter {
  value = 0;
  add(n: number): void {
    this.value += n;
  }
}
