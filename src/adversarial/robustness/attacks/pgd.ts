import { inputSize } from '../target.js';
import type { Attack, AttackInput, AttackOutput, Norm } from './types.js';
import { gatherRows, gaussian, projectRow, QueryLedger } from './util.js';

export interface PgdOptions {
  /** Step size. Default: ε/3, the ratio of ART's defaults (eps 0.3, eps_step 0.1). */
  epsStep?: number;
  /** Iterations per restart (ART default 100). */
  maxIter?: number;
  /** Random starts inside the ε-ball; 0 starts at x (ART default 0). More than one keeps the first success. */
  numRandomInit?: number;
  /** Norms offered (both by default). */
  norms?: readonly Norm[];
}

/** Uniform start in the ε-ball (L∞: uniform cube; L2: uniform direction and radius ε·u^(1/d), as ART's random_sphere). */
function randomStart(row: Float32Array, d: number, norm: Norm, eps: number, rng: () => number): void {
  if (norm === 'inf') {
    for (let j = 0; j < d; j++) row[j]! += (2 * rng() - 1) * eps;
    return;
  }
  const dir = new Float64Array(d);
  let s = 0;
  for (let j = 0; j < d; j++) {
    dir[j] = gaussian(rng);
    s += dir[j]! * dir[j]!;
  }
  const r = (eps * Math.pow(rng(), 1 / d)) / Math.sqrt(s || 1);
  for (let j = 0; j < d; j++) row[j]! += dir[j]! * r;
}

/**
 * Projected gradient descent (Madry et al. 2018) on the cross-entropy loss, untargeted, L∞ (sign steps) or L2
 * (normalised gradient steps), each step projected onto the ε-ball and the clip range. A sample stops as soon as it is
 * misclassified (the point found is inside the ball, so robust accuracy is the same as running every iteration).
 * Every iteration sends the active rows as one batch: one gradient query and one label query per row.
 */
export async function pgdRun(
  input: AttackInput,
  o: Required<Pick<PgdOptions, 'maxIter' | 'numRandomInit'>> & { epsStep: number },
): Promise<AttackOutput> {
  const { target, x, y, n, norm, eps, rng } = input;
  const d = inputSize(target);
  const [lo, hi] = target.clipValues;
  const ledger = new QueryLedger(input, d);
  const xAdv = Float32Array.from(x);
  const broken = new Uint8Array(n);
  const restarts = Math.max(1, o.numRandomInit);
  for (let r = 0; r < restarts; r++) {
    const cur = Float32Array.from(x);
    let active = [...Array(n).keys()].filter((i) => !broken[i]);
    if (o.numRandomInit > 0)
      for (const i of active) {
        randomStart(cur.subarray(i * d, i * d + d), d, norm, eps, rng);
        projectRow(cur, x, i, d, norm, eps, lo, hi);
      }
    for (let it = 0; it < o.maxIter && active.length; it++) {
      active = ledger.admit(active, 2);
      if (!active.length) break;
      const rows = gatherRows(cur, active, d);
      const labels = Int32Array.from(active, (i) => y[i]!);
      const g = await ledger.gradient(rows, labels, active);
      for (let k = 0; k < active.length; k++) {
        const i = active[k]!;
        const off = k * d;
        if (norm === 'inf') {
          for (let j = 0; j < d; j++) cur[i * d + j]! += o.epsStep * Math.sign(g[off + j]!);
        } else {
          let s = 0;
          for (let j = 0; j < d; j++) s += g[off + j]! * g[off + j]!;
          const f = o.epsStep / Math.max(Math.sqrt(s), 1e-12);
          for (let j = 0; j < d; j++) cur[i * d + j]! += g[off + j]! * f;
        }
        projectRow(cur, x, i, d, norm, eps, lo, hi);
      }
      const pred = await ledger.labels(gatherRows(cur, active, d), active);
      const still: number[] = [];
      for (let k = 0; k < active.length; k++) {
        const i = active[k]!;
        if (pred[k] !== y[i]) {
          broken[i] = 1;
          ledger.success(i);
          xAdv.set(cur.subarray(i * d, i * d + d), i * d);
        } else still.push(i);
      }
      active = still;
    }
    for (let i = 0; i < n; i++) if (!broken[i]) xAdv.set(cur.subarray(i * d, i * d + d), i * d);
  }
  // A sample that ran out of budget without being broken: its result is only a lower bound.
  for (let i = 0; i < n; i++) if (broken[i]) ledger.exhausted[i] = 0;
  return ledger.output(xAdv);
}

/** PGD with ART's defaults (max_iter 100, num_random_init 0, eps_step = ε/3, untargeted). */
export function pgd(opts: PgdOptions = {}): Attack {
  const maxIter = opts.maxIter ?? 100;
  const numRandomInit = opts.numRandomInit ?? 0;
  return {
    name: 'pgd',
    requires: 'gradients',
    norms: opts.norms ?? ['inf', '2'],
    mode: 'bounded',
    params: {
      eps_step: opts.epsStep ?? 'eps/3',
      max_iter: maxIter,
      num_random_init: numRandomInit,
      targeted: false,
    },
    run: (input) => pgdRun(input, { maxIter, numRandomInit, epsStep: opts.epsStep ?? input.eps / 3 }),
  };
}
