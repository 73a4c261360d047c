import { inputSize } from '../target.js';
import type { Attack, AttackInput, AttackOutput, Norm } from './types.js';
import { clip, gaussian, rowDistance, QueryLedger } from './util.js';

export interface HopSkipJumpOptions {
  /** Iterations (ART default 50). */
  maxIter?: number;
  /** Most gradient-estimation queries per iteration (ART default 10,000). */
  maxEval?: number;
  /** Gradient-estimation queries at the first iteration, growing with √iteration (ART default 100). */
  initEval?: number;
  /** Random draws tried to find a first adversarial point (ART default 100). */
  initSize?: number;
}

/** Random-start draws sent per batch while looking for a first adversarial point. */
const INIT_CHUNK = 10;

/**
 * HopSkipJump (Chen, Jordan & Wainwright 2020; ART `HopSkipJump`, untargeted), decision-based: needs only labels.
 * Per sample: a random adversarial start found by uniform noise, a binary search to the decision boundary, then
 * `max_iter` rounds of (Monte-Carlo gradient-direction estimate from `init_eval·√t` boundary probes sent as one
 * batch, geometric step search, binary search back to the boundary). A minimal-perturbation attack: it stops as soon
 * as the perturbation is at most ε.
 */
async function hsjRun(input: AttackInput, o: Required<HopSkipJumpOptions>): Promise<AttackOutput> {
  const { target, x, y, n, norm, eps, rng } = input;
  const d = inputSize(target);
  const [lo, hi] = target.clipValues;
  const range = hi - lo;
  const ledger = new QueryLedger(input, d);
  const xAdv = Float32Array.from(x);
  const trace: number[][] = Array.from({ length: n }, () => []);
  const theta = norm === '2' ? 0.01 / Math.sqrt(d) : 0.01 / d;
  for (let i = 0; i < n; i++) {
    const x0 = x.subarray(i * d, i * d + d);
    const label = y[i]!;
    const owners = (m: number) => new Array<number>(m).fill(i);
    /** Which of `m` rows are adversarial, or undefined when the budget cannot pay for them. */
    const adversarial = async (rows: Float32Array, m: number): Promise<boolean[] | undefined> => {
      if (!ledger.canSpend(i, m)) return undefined;
      const p = await ledger.labels(rows, owners(m));
      return Array.from(p, (v) => v !== label);
    };
    const interpolate = (cur: Float32Array, alpha: number): Float32Array => {
      const out = new Float32Array(d);
      for (let j = 0; j < d; j++)
        out[j] =
          norm === '2'
            ? (1 - alpha) * x0[j]! + alpha * cur[j]!
            : clip(cur[j]!, x0[j]! - alpha, x0[j]! + alpha);
      return out;
    };
    /** Binary search on the segment (L2) or box (L∞) between x0 and the adversarial `cur`. */
    const binarySearch = async (cur: Float32Array): Promise<Float32Array | undefined> => {
      let low = 0;
      let up = norm === '2' ? 1 : rowDistance(cur, x0, 0, d, 'inf');
      const threshold = norm === '2' ? theta : Math.min(up * theta, theta);
      while (up - low > threshold) {
        const mid = (up + low) / 2;
        const a = await adversarial(interpolate(cur, mid), 1);
        if (!a) return undefined;
        if (a[0]) up = mid;
        else low = mid;
      }
      return interpolate(cur, up);
    };

    // 1. A first adversarial point: uniform noise over the clip range.
    let start: Float32Array | undefined;
    for (let tried = 0; tried < o.initSize && !start; tried += INIT_CHUNK) {
      const m = Math.min(INIT_CHUNK, o.initSize - tried);
      const rows = new Float32Array(m * d);
      for (let j = 0; j < rows.length; j++) rows[j] = lo + rng() * range;
      const a = await adversarial(rows, m);
      if (!a) break;
      const k = a.indexOf(true);
      if (k >= 0) start = rows.slice(k * d, k * d + d);
    }
    if (!start) continue;
    let cur = await binarySearch(start);
    if (!cur) continue;
    let dist = rowDistance(cur, x0, 0, d, norm);
    let distPost = dist;
    let best = cur;
    trace[i]!.push(ledger.queries[i]!, dist);
    for (let it = 0; it < o.maxIter; it++) {
      if (dist <= eps) {
        ledger.success(i);
        break;
      }
      // 2. Gradient direction at the boundary point from num_eval random probes (one batch).
      const delta = it === 0 ? 0.1 * range : (norm === '2' ? Math.sqrt(d) : d) * theta * distPost;
      const numEval = Math.min(Math.floor(o.initEval * Math.sqrt(it + 1)), o.maxEval);
      const probes = new Float32Array(numEval * d);
      const rv = new Float32Array(numEval * d);
      for (let r = 0; r < numEval; r++) {
        let s = 0;
        for (let j = 0; j < d; j++) {
          const v = norm === '2' ? gaussian(rng) : 2 * rng() - 1;
          rv[r * d + j] = v;
          s += v * v;
        }
        const f = 1 / Math.sqrt(s || 1);
        for (let j = 0; j < d; j++) {
          const p = clip(cur[j]! + delta * rv[r * d + j]! * f, lo, hi);
          probes[r * d + j] = p;
          rv[r * d + j] = (p - cur[j]!) / delta;
        }
      }
      const dec = await adversarial(probes, numEval);
      if (!dec) break;
      const fval = dec.map((b) => (b ? 1 : -1));
      const mean = fval.reduce((a, b) => a + b, 0) / numEval;
      const grad = new Float64Array(d);
      for (let r = 0; r < numEval; r++) {
        const w = mean === 1 || mean === -1 ? mean : fval[r]! - mean;
        for (let j = 0; j < d; j++) grad[j]! += (w * rv[r * d + j]!) / numEval;
      }
      let gn = 0;
      for (let j = 0; j < d; j++) gn += grad[j]! * grad[j]!;
      gn = Math.sqrt(gn) || 1;
      const update = Float64Array.from(grad, (g) => (norm === '2' ? g / gn : Math.sign(g)));
      // 3. Geometric step search: halve the step until the point is still adversarial.
      let stepSize = (2 * dist) / Math.sqrt(it + 1);
      let next: Float32Array | undefined;
      while (stepSize > 1e-12 * range) {
        stepSize /= 2;
        const cand = Float32Array.from(cur, (v, j) => clip(v + stepSize * update[j]!, lo, hi));
        const a = await adversarial(cand, 1);
        if (!a) break;
        if (a[0]) {
          next = cand;
          break;
        }
      }
      if (!next) break;
      // 4. Back to the boundary.
      const b = await binarySearch(next);
      if (!b) break;
      cur = b;
      distPost = rowDistance(cur, x0, 0, d, norm);
      dist = distPost;
      if (dist < rowDistance(best, x0, 0, d, norm)) {
        best = cur;
        trace[i]!.push(ledger.queries[i]!, dist);
      }
    }
    if (dist <= eps) ledger.success(i);
    // ART returns the last boundary point; keep the closest adversarial point seen (both are adversarial).
    xAdv.set(best, i * d);
    if (ledger.firstSuccess[i] !== -1) ledger.exhausted[i] = 0;
  }
  return { ...ledger.output(xAdv), trace };
}

/** HopSkipJump with ART's defaults: norm 2 or ∞, max_iter 50, max_eval 10,000, init_eval 100, init_size 100. */
export function hopSkipJump(opts: HopSkipJumpOptions = {}): Attack {
  const o: Required<HopSkipJumpOptions> = {
    maxIter: opts.maxIter ?? 50,
    maxEval: opts.maxEval ?? 10_000,
    initEval: opts.initEval ?? 100,
    initSize: opts.initSize ?? 100,
  };
  const norms: readonly Norm[] = ['2', 'inf'];
  return {
    name: 'hsj',
    requires: 'labels',
    norms,
    mode: 'minimal',
    params: {
      max_iter: o.maxIter,
      max_eval: o.maxEval,
      init_eval: o.initEval,
      init_size: o.initSize,
      targeted: false,
    },
    run: (input) => hsjRun(input, o),
  };
}
