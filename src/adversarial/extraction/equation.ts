/**
 * Equation-solving extraction of linear / logistic models (Tramèr et al., USENIX Security 2016). For a softmax
 * model p = softmax(W x + b), the log-odds against a reference class are linear in x:
 * log(p_c / p_ref) = (w_c − w_ref)·x + (b_c − b_ref). Querying a base point and the d points base + h·e_j gives
 * d + 1 equations per class, solved exactly; fresh check queries then test whether the target really is linear.
 * Only differences to the reference class are identifiable (adding a vector to every class changes nothing).
 */
import { BulwarkError, UsageError } from '../../core/errors.js';
import { mulberry32 } from '../../core/random.js';
import { solveLinear } from '../ml/models.js';
import { inputSize, type ModelTarget } from '../robustness/target.js';
import { hasScores } from './oracle.js';

export interface EquationSolvingOptions {
  /** Base point (default: middle of the clip range, or zeros when it is infinite). */
  base?: Float32Array;
  /** Step along each axis (default: a quarter of the clip range, or 1). */
  step?: number;
  /** Random check queries to test linearity and fidelity (default 50). */
  checkQueries?: number;
  /** Evaluation inputs on which agreement is measured (default: the check queries). */
  evalX?: Float32Array;
  evalRows?: number;
  /** Known parameters (`weights` k × d, `bias` k) to report the parameter error against. */
  truth?: { weights: ArrayLike<number>[]; bias: ArrayLike<number> };
  /** Log-odds error (relative to max(1, |log-odds|)) below which the target counts as linear (default 1e-3; plus
   * 1e-6 / min(p) per point for the float32 rounding of small probabilities). */
  tolerance?: number;
  seed?: number;
  batchSize?: number;
}

export interface EquationSolvingResult {
  target: string;
  inputSize: number;
  classes: number;
  /** Reference class: recovered parameters are differences to it. */
  referenceClass: number;
  /** Recovered (w_c − w_ref) for every class c (the reference row is zeros), `classes × inputSize`. */
  weights: number[][];
  bias: number[];
  /** Queries used to solve the system (d + 1). */
  solveQueries: number;
  checkQueries: number;
  /** Largest |predicted − observed| log-odds on the check queries, relative to max(1, |observed|). */
  maxLogOddsError: number;
  /** Whether the check queries are consistent with a linear model. */
  linear: boolean;
  /** Top-1 agreement of the recovered model with the target (on evalX or on the check queries). */
  agreement: number;
  agreementRows: number;
  /** Largest absolute error of the recovered relative parameters, when the truth was given. */
  maxParamError?: number;
  ms: number;
}

const P_FLOOR = 1e-300;

function logOdds(p: Float64Array, n: number, k: number, ref: number, areProbs: boolean): Float64Array {
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      const a = p[i * k + c];
      const b = p[i * k + ref];
      out[i * k + c] = areProbs ? Math.log(Math.max(a, P_FLOOR)) - Math.log(Math.max(b, P_FLOOR)) : a - b;
    }
  }
  return out;
}

/** Recovers a linear model's parameters from d + 1 score queries and checks the result on fresh queries. */
export async function equationSolvingExtraction(
  target: ModelTarget,
  opts: EquationSolvingOptions = {},
): Promise<EquationSolvingResult> {
  const t0 = performance.now();
  if (!hasScores(target))
    throw new BulwarkError(
      'E_UNSUPPORTED',
      `${target.name} returns labels only; equation-solving extraction needs class scores (use the surrogate attack instead)`,
    );
  const d = inputSize(target);
  const k = target.nbClasses;
  if (k < 2) throw new UsageError('equation-solving extraction needs at least two classes');
  const areProbs = target.scoresAreProbabilities !== false;
  const [lo, hi] = target.clipValues;
  const finite = Number.isFinite(lo) && Number.isFinite(hi) && hi > lo;
  const base = opts.base ?? new Float32Array(d).fill(finite ? (lo + hi) / 2 : 0);
  if (base.length !== d) throw new UsageError(`base point must have ${d} values`);
  const step = opts.step ?? (finite ? (hi - lo) / 4 : 1);
  if (!(step > 0)) throw new UsageError('step must be positive');
  const oracle = new CountingOracle(target, opts.batchSize ?? 256);

  // d + 1 queries: base and base + step·e_j.
  const m = d + 1;
  const q = new Float32Array(m * d);
  for (let r = 0; r < m; r++) {
    q.set(base, r * d);
    if (r > 0) q[r * d + (r - 1)] += step;
  }
  const s = await oracle.scores(q, m);
  // Reference class: the most probable one at the base point (best-conditioned log-odds).
  let ref = 0;
  for (let c = 1; c < k; c++) if (s[c] > s[ref]) ref = c;
  const lo0 = logOdds(s, m, k, ref, areProbs);
  // System rows [1, x_r] θ = log-odds_r, for all classes at once.
  const A = new Float64Array(m * m);
  for (let r = 0; r < m; r++) {
    A[r * m] = 1;
    for (let j = 0; j < d; j++) A[r * m + 1 + j] = q[r * d + j];
  }
  const theta = solveLinear(A, lo0, m, k);
  if (!theta)
    throw new BulwarkError('E_UNSUPPORTED', 'the query system is singular; choose a different --step');
  const weights: number[][] = [];
  const bias: number[] = [];
  for (let c = 0; c < k; c++) {
    bias.push(theta[c]);
    const w: number[] = [];
    for (let j = 0; j < d; j++) w.push(theta[(1 + j) * k + c]);
    weights.push(w);
  }
  const predictLogOdds = (x: Float32Array, n: number): Float64Array => {
    const out = new Float64Array(n * k);
    for (let i = 0; i < n; i++)
      for (let c = 0; c < k; c++) {
        let v = bias[c];
        const w = weights[c];
        for (let j = 0; j < d; j++) v += w[j] * x[i * d + j];
        out[i * k + c] = v;
      }
    return out;
  };

  // Check queries: uniform in the box base ± 2·step (clipped).
  const nc = Math.max(1, Math.min(100_000, opts.checkQueries ?? 50));
  const rand = mulberry32(opts.seed ?? 1);
  const cx = new Float32Array(nc * d);
  for (let i = 0; i < nc; i++)
    for (let j = 0; j < d; j++) {
      let v = base[j] + (rand() * 4 - 2) * step;
      if (finite) v = Math.min(hi, Math.max(lo, v));
      cx[i * d + j] = v;
    }
  const cs = await oracle.scores(cx, nc);
  const obs = logOdds(cs, nc, k, ref, areProbs);
  const pred = predictLogOdds(cx, nc);
  // Float32 probabilities carry ~6e-8 absolute error, so log p carries ~6e-8 / p: allow for it per point.
  const tol = opts.tolerance ?? 1e-3;
  let maxErr = 0;
  let linear = true;
  for (let i = 0; i < obs.length; i++) {
    const pc = cs[i];
    const pr = cs[Math.floor(i / k) * k + ref];
    // Saturated probabilities carry no usable log-odds.
    if (areProbs && (pc < 1e-12 || pr < 1e-12)) continue;
    const err = Math.abs(pred[i] - obs[i]) / Math.max(1, Math.abs(obs[i]));
    maxErr = Math.max(maxErr, err);
    const noise = areProbs ? 1e-6 / Math.min(pc, pr) : 0;
    if (err > tol + noise) linear = false;
  }

  // Agreement on evalX (labels from the target) or on the check queries.
  let ex: Float32Array = cx;
  let en = nc;
  let targetLabels: Int32Array;
  if (opts.evalX && opts.evalRows) {
    if (opts.evalX.length !== opts.evalRows * d)
      throw new UsageError(`evaluation rows must have ${d} features`);
    ex = opts.evalX;
    en = opts.evalRows;
    targetLabels = argmax(await oracle.scores(ex, en), en, k);
  } else targetLabels = argmax(cs, nc, k);
  const ours = argmax(predictLogOdds(ex, en), en, k);
  let agree = 0;
  for (let i = 0; i < en; i++) if (ours[i] === targetLabels[i]) agree++;

  let maxParamError: number | undefined;
  if (opts.truth) {
    const { weights: tw, bias: tb } = opts.truth;
    if (tw.length !== k || tb.length !== k || tw.some((w) => w.length !== d))
      throw new UsageError(`truth must have ${k} weight rows of ${d} values and ${k} biases`);
    maxParamError = 0;
    for (let c = 0; c < k; c++) {
      maxParamError = Math.max(maxParamError, Math.abs(tb[c] - tb[ref] - bias[c]));
      for (let j = 0; j < d; j++)
        maxParamError = Math.max(maxParamError, Math.abs(tw[c][j] - tw[ref][j] - weights[c][j]));
    }
  }
  return {
    target: target.name,
    inputSize: d,
    classes: k,
    referenceClass: ref,
    weights,
    bias,
    solveQueries: m,
    checkQueries: nc,
    maxLogOddsError: maxErr,
    linear,
    agreement: agree / en,
    agreementRows: en,
    ...(maxParamError !== undefined ? { maxParamError } : {}),
    ms: Math.round(performance.now() - t0),
  };
}

function argmax(p: Float64Array, n: number, k: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let b = 0;
    for (let c = 1; c < k; c++) if (p[i * k + c] > p[i * k + b]) b = c;
    out[i] = b;
  }
  return out;
}

/** Raw-score access in batches (probabilities kept as returned; logits not softmaxed). */
class CountingOracle {
  queries = 0;
  constructor(
    readonly target: ModelTarget,
    readonly batchSize: number,
  ) {}
  async scores(x: Float32Array, n: number): Promise<Float64Array> {
    const t = this.target;
    const k = t.nbClasses;
    const d = inputSize(t);
    const out = new Float64Array(n * k);
    for (let s = 0; s < n; s += this.batchSize) {
      const e = Math.min(n, s + this.batchSize);
      const sc = await t.predict!({ data: x.subarray(s * d, e * d), n: e - s });
      if (sc.length !== (e - s) * k)
        throw new BulwarkError(
          'E_UNSUPPORTED',
          `target returned ${sc.length} scores for ${e - s} rows × ${k} classes`,
        );
      for (let i = 0; i < sc.length; i++) {
        if (!Number.isFinite(sc[i]))
          throw new BulwarkError('E_UNSUPPORTED', 'target returned a non-finite score');
        out[s * k + i] = sc[i];
      }
      this.queries += e - s;
    }
    return out;
  }
}
