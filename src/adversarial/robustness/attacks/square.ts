import { inputSize } from '../target.js';
import type { Attack, AttackInput, AttackOutput } from './types.js';
import { clip, gatherRows, imageLayout, margin, QueryLedger } from './util.js';

export interface SquareOptions {
  /** Iterations (ART default 100). */
  maxIter?: number;
  /** Initial fraction of pixels changed per window (ART default 0.8). */
  pInit?: number;
  /** Restarts (ART default 1). */
  nbRestarts?: number;
}

const INTERVALS = [0.001, 0.005, 0.02, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8];

/** ART's schedule of the window size: p_init halved at each boundary of i/max_iter in INTERVALS. */
export function squarePercentage(iter: number, maxIter: number, pInit: number): number {
  const ip = iter / maxIter;
  let k = 0;
  while (k < INTERVALS.length && INTERVALS[k]! < ip) k++;
  return pInit / 2 ** k;
}

async function squareRun(
  input: AttackInput,
  maxIter: number,
  pInit: number,
  restarts: number,
): Promise<AttackOutput> {
  const { target, x, y, n, eps, rng } = input;
  const d = inputSize(target);
  const k = target.nbClasses;
  const [lo, hi] = target.clipValues;
  const [c, h, w] = imageLayout(target.inputShape);
  const ledger = new QueryLedger(input, d);
  const xAdv = Float32Array.from(x);
  const broken = new Uint8Array(n);
  const sign = () => (rng() < 0.5 ? -1 : 1);
  for (let r = 0; r < restarts; r++) {
    let active = ledger.admit([...Array(n).keys()].filter((i) => !broken[i]));
    if (!active.length) break;
    // Initialisation: vertical stripes of ±ε (one sign per channel and column).
    const cur = Float32Array.from(x);
    for (const i of active)
      for (let ch = 0; ch < c; ch++)
        for (let col = 0; col < w; col++) {
          const s = sign() * eps;
          for (let row = 0; row < h; row++) {
            const j = i * d + ch * h * w + row * w + col;
            cur[j] = clip(x[j]! + s, lo, hi);
          }
        }
    const m = new Float64Array(n);
    const sc = await ledger.scores(gatherRows(cur, active, d), active);
    active.forEach((i, q) => (m[i] = margin(sc, q, k, y[i]!)));
    const mark = (list: number[]) =>
      list.filter((i) => {
        if (m[i]! >= 0) return true;
        broken[i] = 1;
        ledger.success(i);
        return false;
      });
    active = mark(active);
    for (let it = 0; it < maxIter && active.length; it++) {
      active = ledger.admit(active);
      if (!active.length) break;
      const p = squarePercentage(it, maxIter, pInit);
      const area = Math.max(1, Math.round(p * h * w));
      const th = Math.min(h, Math.max(1, Math.round(Math.sqrt(area))));
      const tw = Math.min(w, Math.max(1, Math.round(area / th)));
      const cand = gatherRows(cur, active, d);
      for (let q = 0; q < active.length; q++) {
        const i = active[q]!;
        const r0 = Math.floor(rng() * (h - th + 1));
        const c0 = Math.floor(rng() * (w - tw + 1));
        for (let ch = 0; ch < c; ch++) {
          const delta = sign() * 2 * eps;
          for (let row = r0; row < r0 + th; row++)
            for (let col = c0; col < c0 + tw; col++) {
              const off = ch * h * w + row * w + col;
              const xv = x[i * d + off]!;
              cand[q * d + off] = clip(clip(cand[q * d + off]! + delta, xv - eps, xv + eps), lo, hi);
            }
        }
      }
      const s2 = await ledger.scores(cand, active);
      for (let q = 0; q < active.length; q++) {
        const i = active[q]!;
        const mm = margin(s2, q, k, y[i]!);
        if (mm < m[i]!) {
          m[i] = mm;
          cur.set(cand.subarray(q * d, q * d + d), i * d);
        }
      }
      active = mark(active);
    }
    for (let i = 0; i < n; i++) xAdv.set(cur.subarray(i * d, i * d + d), i * d);
  }
  for (let i = 0; i < n; i++) if (broken[i]) ledger.exhausted[i] = 0;
  return ledger.output(xAdv);
}

/**
 * Square Attack L∞ (Andriushchenko et al. 2020; ART `SquareAttack` defaults max_iter 100, p_init 0.8, nb_restarts 1):
 * score-based random search on the margin loss with square windows of ±2ε, window size following ART's p schedule.
 * One query per active sample per iteration, all active samples in one batch.
 */
export function square(opts: SquareOptions = {}): Attack {
  const maxIter = opts.maxIter ?? 100;
  const pInit = opts.pInit ?? 0.8;
  const nbRestarts = opts.nbRestarts ?? 1;
  return {
    name: 'square',
    requires: 'scores',
    norms: ['inf'],
    mode: 'bounded',
    params: { max_iter: maxIter, p_init: pInit, nb_restarts: nbRestarts, loss: 'margin' },
    run: (input) => squareRun(input, maxIter, pInit, nbRestarts),
  };
}
