/**
 * Batched, budgeted access to a target: every attack query goes through here, so the budget is enforced in one
 * place and counted from the target's own query counter.
 */
import { BulwarkError, LimitError } from '../../core/errors.js';
import { type ModelTarget, inputSize } from '../robustness/target.js';
import { argmaxRows } from '../ml/models.js';

export interface OracleAnswers {
  /** Labels, always present. */
  labels: Int32Array;
  /** Probabilities `n × k` when the target returns scores and they were asked for. */
  probs?: Float64Array;
}

/** True when the target returns class scores. */
export function hasScores(t: ModelTarget): boolean {
  return t.capabilities.has('scores') && typeof t.predict === 'function';
}

/** Turns raw scores into probabilities (softmax when the target returns logits). */
export function toProbabilities(
  scores: Float32Array,
  n: number,
  k: number,
  areProbabilities: boolean,
): Float64Array {
  const p = Float64Array.from(scores);
  if (p.length !== n * k)
    throw new BulwarkError(
      'E_UNSUPPORTED',
      `target returned ${p.length} scores for ${n} rows × ${k} classes`,
    );
  for (let i = 0; i < p.length; i++)
    if (!Number.isFinite(p[i])) throw new BulwarkError('E_UNSUPPORTED', 'target returned a non-finite score');
  if (areProbabilities) return p;
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, p[i * k + c]);
    let s = 0;
    for (let c = 0; c < k; c++) s += p[i * k + c] = Math.exp(p[i * k + c] - max);
    for (let c = 0; c < k; c++) p[i * k + c] /= s;
  }
  return p;
}

export class Oracle {
  private used = 0;
  constructor(
    readonly target: ModelTarget,
    /** Most rows this oracle may send (Infinity for none). */
    readonly budget: number,
    readonly batchSize = 256,
  ) {}
  get queries(): number {
    return this.used;
  }
  /** Queries `n` rows of `x` in batches; scores when `wantScores` and available, else labels. */
  async query(x: Float32Array, n: number, wantScores: boolean): Promise<OracleAnswers> {
    const t = this.target;
    const d = inputSize(t);
    const k = t.nbClasses;
    if (x.length !== n * d) throw new RangeError(`query has ${x.length} values, expected ${n}×${d}`);
    if (this.used + n > this.budget)
      throw new LimitError(
        'queryBudget',
        `query budget of ${this.budget} exceeded (${this.used} used, ${n} more asked); raise the budget`,
      );
    const scores = wantScores && hasScores(t);
    const labels = new Int32Array(n);
    const probs = scores ? new Float64Array(n * k) : undefined;
    const bs = Math.max(1, this.batchSize);
    for (let s = 0; s < n; s += bs) {
      const e = Math.min(n, s + bs);
      const batch = { data: x.subarray(s * d, e * d), n: e - s };
      if (probs) {
        const p = toProbabilities(await t.predict!(batch), e - s, k, t.scoresAreProbabilities !== false);
        probs.set(p, s * k);
        labels.set(argmaxRows(p, e - s, k), s);
      } else {
        const l = await t.predictLabels(batch);
        if (l.length !== e - s)
          throw new BulwarkError('E_UNSUPPORTED', `target returned ${l.length} labels for ${e - s} rows`);
        labels.set(l, s);
      }
      this.used += e - s;
    }
    return { labels, ...(probs ? { probs } : {}) };
  }
}

/** A view of a target that reveals only predicted labels (as a label-only API would); queries still count. */
export function labelsOnly(t: ModelTarget): ModelTarget {
  return {
    name: t.name,
    capabilities: new Set(['labels'] as const),
    inputShape: t.inputShape,
    nbClasses: t.nbClasses,
    clipValues: t.clipValues,
    predictLabels: (x) => t.predictLabels(x),
    get queries() {
      return t.queries;
    },
    ...(t.dispose ? { dispose: () => t.dispose!() } : {}),
  };
}
