import { BulwarkError } from '../../../core/errors.js';
import type { Batch } from '../target.js';
import { inputSize } from '../target.js';
import type { AttackInput, AttackOutput, Norm } from './types.js';

/** Rows sent per call to the target. */
export const BATCH_ROWS = 256;

export function clip(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** ‖a_i − b_i‖ for row i of length d. */
export function rowDistance(a: Float32Array, b: Float32Array, i: number, d: number, norm: Norm): number {
  let s = 0;
  const o = i * d;
  if (norm === 'inf') {
    for (let j = 0; j < d; j++) s = Math.max(s, Math.abs(a[o + j]! - b[o + j]!));
    return s;
  }
  for (let j = 0; j < d; j++) {
    const t = a[o + j]! - b[o + j]!;
    s += t * t;
  }
  return Math.sqrt(s);
}

/** ‖a_i‖ for row i. */
export function rowNorm(a: Float32Array, i: number, d: number, norm: Norm): number {
  let s = 0;
  const o = i * d;
  if (norm === 'inf') {
    for (let j = 0; j < d; j++) s = Math.max(s, Math.abs(a[o + j]!));
    return s;
  }
  for (let j = 0; j < d; j++) s += a[o + j]! * a[o + j]!;
  return Math.sqrt(s);
}

/**
 * Projects row i of `adv` onto the ε-ball around row i of `x` (L∞: clamp each coordinate; L2: rescale) and into the
 * clip range. `slack` shrinks the ball a hair so float32 rounding never leaves it.
 */
export function projectRow(
  adv: Float32Array,
  x: Float32Array,
  i: number,
  d: number,
  norm: Norm,
  eps: number,
  lo: number,
  hi: number,
): void {
  const o = i * d;
  const e = eps * (1 - 1e-6);
  if (norm === 'inf') {
    for (let j = 0; j < d; j++) {
      const xv = x[o + j]!;
      adv[o + j] = clip(clip(adv[o + j]!, xv - e, xv + e), lo, hi);
    }
    return;
  }
  // L2: clip first, then scale into the ball (scaling towards x keeps the clip range since x is inside it).
  for (let j = 0; j < d; j++) adv[o + j] = clip(adv[o + j]!, lo, hi);
  const dist = rowDistance(adv, x, i, d, '2');
  if (dist > e) {
    const f = e / dist;
    for (let j = 0; j < d; j++) adv[o + j] = x[o + j]! + (adv[o + j]! - x[o + j]!) * f;
  }
}

/** Copies rows `idx` of `src` (row length d) into a new array. */
export function gatherRows(src: Float32Array, idx: readonly number[], d: number): Float32Array {
  const out = new Float32Array(idx.length * d);
  for (let k = 0; k < idx.length; k++) out.set(src.subarray(idx[k]! * d, idx[k]! * d + d), k * d);
  return out;
}

/** Standard normal draw (Box–Muller) from a uniform PRNG. */
export function gaussian(rng: () => number): number {
  let u = 0;
  while (u === 0) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/**
 * Counts queries per sample and enforces the budget. Every call to the target goes through it, in batches of at
 * most BATCH_ROWS rows; `owners[k]` names the sample that row k is spent on.
 */
export class QueryLedger {
  readonly queries: Int32Array;
  readonly firstSuccess: Int32Array;
  readonly exhausted: Uint8Array;
  private total = 0;
  constructor(
    readonly input: AttackInput,
    readonly d = inputSize(input.target),
  ) {
    this.queries = new Int32Array(input.n);
    this.firstSuccess = new Int32Array(input.n).fill(-1);
    this.exhausted = new Uint8Array(input.n);
  }

  /** Queries left for sample i (Infinity when unbounded). */
  left(i: number): number {
    const per = this.input.budget.perSample ?? Infinity;
    const tot = this.input.budget.total ?? Infinity;
    return Math.max(0, Math.min(per - this.queries[i]!, tot - this.total));
  }

  /** True when sample i may spend `k` more queries; otherwise marks it exhausted. */
  canSpend(i: number, k = 1): boolean {
    if (this.left(i) >= k) return true;
    this.exhausted[i] = 1;
    return false;
  }

  /**
   * The samples of `list` that may each spend `k` more queries, in order, as long as the total budget covers them
   * all; the others are marked exhausted. Use before sending one batch for several samples.
   */
  admit(list: readonly number[], k = 1): number[] {
    const per = this.input.budget.perSample ?? Infinity;
    let room = (this.input.budget.total ?? Infinity) - this.total;
    const out: number[] = [];
    for (const i of list) {
      if (per - this.queries[i]! >= k && room >= k) {
        out.push(i);
        room -= k;
      } else this.exhausted[i] = 1;
    }
    return out;
  }

  private charge(owners: readonly number[]): void {
    for (const i of owners) this.queries[i]! += 1;
    this.total += owners.length;
  }

  /** Marks sample i as first broken now (if it was not already). */
  success(i: number): void {
    if (this.firstSuccess[i] === -1) this.firstSuccess[i] = this.queries[i]!;
  }

  async scores(data: Float32Array, owners: readonly number[]): Promise<Float32Array> {
    const t = this.input.target;
    if (!t.predict) throw new BulwarkError('E_UNSUPPORTED', `target ${t.name} gives no scores`);
    const k = t.nbClasses;
    const out = new Float32Array(owners.length * k);
    for (let s = 0; s < owners.length; s += BATCH_ROWS) {
      const m = Math.min(BATCH_ROWS, owners.length - s);
      const b: Batch = { data: data.subarray(s * this.d, (s + m) * this.d), n: m };
      out.set((await t.predict(b)).subarray(0, m * k), s * k);
      this.charge(owners.slice(s, s + m));
    }
    return out;
  }

  async labels(data: Float32Array, owners: readonly number[]): Promise<Int32Array> {
    const t = this.input.target;
    const out = new Int32Array(owners.length);
    for (let s = 0; s < owners.length; s += BATCH_ROWS) {
      const m = Math.min(BATCH_ROWS, owners.length - s);
      const b: Batch = { data: data.subarray(s * this.d, (s + m) * this.d), n: m };
      out.set((await t.predictLabels(b)).subarray(0, m), s);
      this.charge(owners.slice(s, s + m));
    }
    return out;
  }

  async gradient(data: Float32Array, labels: Int32Array, owners: readonly number[]): Promise<Float32Array> {
    const t = this.input.target;
    if (!t.lossGradient) throw new BulwarkError('E_UNSUPPORTED', `target ${t.name} gives no gradients`);
    const out = new Float32Array(owners.length * this.d);
    for (let s = 0; s < owners.length; s += BATCH_ROWS) {
      const m = Math.min(BATCH_ROWS, owners.length - s);
      const b: Batch = { data: data.subarray(s * this.d, (s + m) * this.d), n: m };
      out.set((await t.lossGradient(b, labels.subarray(s, s + m))).subarray(0, m * this.d), s * this.d);
      this.charge(owners.slice(s, s + m));
    }
    return out;
  }

  output(xAdv: Float32Array): AttackOutput {
    return { xAdv, queries: this.queries, firstSuccess: this.firstSuccess, exhausted: this.exhausted };
  }
}

/** Margin of row r in a score matrix: score of the true class minus the best other score (< 0: misclassified). */
export function margin(scores: Float32Array, r: number, k: number, label: number): number {
  let other = -Infinity;
  for (let c = 0; c < k; c++) if (c !== label) other = Math.max(other, scores[r * k + c]!);
  return scores[r * k + label]! - other;
}

/** Image layout [channels, height, width] of a flat input, for attacks that perturb square windows. */
export function imageLayout(shape: readonly number[]): [number, number, number] {
  if (shape.length === 3) {
    // NCHW when the first dimension is small, NHWC otherwise is not distinguishable here: assume channels first.
    return [shape[0]!, shape[1]!, shape[2]!];
  }
  if (shape.length === 2) return [1, shape[0]!, shape[1]!];
  const d = shape.reduce((a, b) => a * b, 1);
  const s = Math.round(Math.sqrt(d));
  return s * s === d ? [1, s, s] : [1, 1, d];
}
