/**
 * Small seeded classifiers for attacks that train their own models (extraction surrogates, shadow models, attack
 * models): multinomial logistic regression and a one-hidden-layer ReLU MLP, both trained with mini-batch Adam on
 * soft targets (probability vectors, or one-hot labels) in plain Float64 loops. Deterministic for a given seed.
 */
import { mulberry32 } from '../../core/random.js';

/** A trained classifier over `d` features and `k` classes. */
export interface Classifier {
  readonly kind: 'logistic' | 'mlp';
  readonly d: number;
  readonly k: number;
  /** Class probabilities, `n × k` row-major. */
  predictProba(x: ArrayLike<number>, n: number): Float64Array;
}

export interface TrainOptions {
  /** Passes over the data (default 100). */
  epochs?: number;
  /** Adam step size (default 0.01). */
  lr?: number;
  /** L2 penalty on weights (not biases), added to the mean loss as l2/2·‖W‖² (default 0). */
  l2?: number;
  /** Rows per mini-batch (default 32). */
  batchSize?: number;
  /** Seed of initialisation and shuffling (default 1). */
  seed?: number;
  /** Hidden units of the MLP (default 64). */
  hidden?: number;
}

/** Row-wise softmax in place over `k` columns. */
export function softmaxRows(z: Float64Array, n: number, k: number): Float64Array {
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let max = -Infinity;
    for (let c = 0; c < k; c++) if (z[o + c] > max) max = z[o + c];
    let s = 0;
    for (let c = 0; c < k; c++) {
      const e = Math.exp(z[o + c] - max);
      z[o + c] = e;
      s += e;
    }
    for (let c = 0; c < k; c++) z[o + c] /= s;
  }
  return z;
}

/** Arg-max of each row of an `n × k` matrix. */
export function argmaxRows(p: ArrayLike<number>, n: number, k: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (p[i * k + c] > p[i * k + best]) best = c;
    out[i] = best;
  }
  return out;
}

/** One-hot `n × k` targets from labels. */
export function oneHot(labels: ArrayLike<number>, k: number): Float64Array {
  const out = new Float64Array(labels.length * k);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= k) throw new RangeError(`label ${y} is not in 0..${k - 1}`);
    out[i * k + y] = 1;
  }
  return out;
}

/** Adam state over one flat parameter vector. */
class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;
  constructor(
    private readonly p: Float64Array,
    private readonly lr: number,
  ) {
    this.m = new Float64Array(p.length);
    this.v = new Float64Array(p.length);
  }
  step(g: Float64Array): void {
    this.t++;
    const b1 = 0.9;
    const b2 = 0.999;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    for (let i = 0; i < this.p.length; i++) {
      this.m[i] = b1 * this.m[i] + (1 - b1) * g[i];
      this.v[i] = b2 * this.v[i] + (1 - b2) * g[i] * g[i];
      this.p[i] -= (this.lr * (this.m[i] / c1)) / (Math.sqrt(this.v[i] / c2) + 1e-8);
    }
  }
}

function shuffled(n: number, rand: () => number): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx;
}

function checkData(x: ArrayLike<number>, n: number, d: number, y: ArrayLike<number>, k: number): void {
  if (!(n > 0) || !(d > 0) || !(k >= 2))
    throw new RangeError('need at least one row, one feature and two classes');
  if (x.length !== n * d) throw new RangeError(`x has ${x.length} values, expected ${n}×${d}`);
  if (y.length !== n * k) throw new RangeError(`targets have ${y.length} values, expected ${n}×${k}`);
}

/** Multinomial logistic regression: p = softmax(W x + b). `W` is `k × d` row-major. */
export class LogisticModel implements Classifier {
  readonly kind = 'logistic' as const;
  constructor(
    readonly d: number,
    readonly k: number,
    /** [W (k×d), b (k)] flattened. */
    readonly params: Float64Array = new Float64Array(k * d + k),
  ) {}
  logits(x: ArrayLike<number>, n: number): Float64Array {
    const { d, k, params } = this;
    const z = new Float64Array(n * k);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < k; c++) {
        let s = params[k * d + c];
        const w = c * d;
        const xo = i * d;
        for (let j = 0; j < d; j++) s += params[w + j] * x[xo + j];
        z[i * k + c] = s;
      }
    }
    return z;
  }
  predictProba(x: ArrayLike<number>, n: number): Float64Array {
    return softmaxRows(this.logits(x, n), n, this.k);
  }
}

/** Trains multinomial logistic regression on soft targets `y` (`n × k`). */
export function trainLogistic(
  x: ArrayLike<number>,
  n: number,
  d: number,
  y: ArrayLike<number>,
  k: number,
  opts: TrainOptions = {},
): LogisticModel {
  checkData(x, n, d, y, k);
  const model = new LogisticModel(d, k);
  const p = model.params;
  const rand = mulberry32(opts.seed ?? 1);
  const l2 = opts.l2 ?? 0;
  const bs = Math.max(1, Math.min(n, opts.batchSize ?? 32));
  const adam = new Adam(p, opts.lr ?? 0.01);
  const g = new Float64Array(p.length);
  const z = new Float64Array(k);
  for (let e = 0; e < (opts.epochs ?? 100); e++) {
    const idx = shuffled(n, rand);
    for (let s = 0; s < n; s += bs) {
      const end = Math.min(n, s + bs);
      const m = end - s;
      g.fill(0);
      for (let t = s; t < end; t++) {
        const i = idx[t];
        const xo = i * d;
        let max = -Infinity;
        for (let c = 0; c < k; c++) {
          let v = p[k * d + c];
          for (let j = 0; j < d; j++) v += p[c * d + j] * x[xo + j];
          z[c] = v;
          if (v > max) max = v;
        }
        let sum = 0;
        for (let c = 0; c < k; c++) sum += z[c] = Math.exp(z[c] - max);
        for (let c = 0; c < k; c++) {
          const delta = (z[c] / sum - y[i * k + c]) / m;
          if (delta === 0) continue;
          for (let j = 0; j < d; j++) g[c * d + j] += delta * x[xo + j];
          g[k * d + c] += delta;
        }
      }
      if (l2 > 0) for (let j = 0; j < k * d; j++) g[j] += l2 * p[j];
      adam.step(g);
    }
  }
  return model;
}

/** One-hidden-layer ReLU network: p = softmax(W2 relu(W1 x + b1) + b2). */
export class MlpModel implements Classifier {
  readonly kind = 'mlp' as const;
  constructor(
    readonly d: number,
    readonly h: number,
    readonly k: number,
    /** [W1 (h×d), b1 (h), W2 (k×h), b2 (k)] flattened. */
    readonly params: Float64Array,
  ) {}
  predictProba(x: ArrayLike<number>, n: number): Float64Array {
    const { d, h, k, params: p } = this;
    const out = new Float64Array(n * k);
    const a = new Float64Array(h);
    const oB1 = h * d;
    const oW2 = oB1 + h;
    const oB2 = oW2 + k * h;
    for (let i = 0; i < n; i++) {
      const xo = i * d;
      for (let u = 0; u < h; u++) {
        let s = p[oB1 + u];
        for (let j = 0; j < d; j++) s += p[u * d + j] * x[xo + j];
        a[u] = s > 0 ? s : 0;
      }
      for (let c = 0; c < k; c++) {
        let s = p[oB2 + c];
        for (let u = 0; u < h; u++) s += p[oW2 + c * h + u] * a[u];
        out[i * k + c] = s;
      }
    }
    return softmaxRows(out, n, k);
  }
}

/** Trains a one-hidden-layer MLP on soft targets `y` (`n × k`) with He-initialised weights. */
export function trainMlp(
  x: ArrayLike<number>,
  n: number,
  d: number,
  y: ArrayLike<number>,
  k: number,
  opts: TrainOptions = {},
): MlpModel {
  checkData(x, n, d, y, k);
  const h = Math.max(1, Math.min(4096, Math.floor(opts.hidden ?? 64)));
  const oB1 = h * d;
  const oW2 = oB1 + h;
  const oB2 = oW2 + k * h;
  const p = new Float64Array(oB2 + k);
  const rand = mulberry32(opts.seed ?? 1);
  const gauss = () => {
    const u = Math.max(rand(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  const s1 = Math.sqrt(2 / d);
  const s2 = Math.sqrt(1 / h);
  for (let i = 0; i < oB1; i++) p[i] = gauss() * s1;
  for (let i = oW2; i < oB2; i++) p[i] = gauss() * s2;
  const l2 = opts.l2 ?? 0;
  const bs = Math.max(1, Math.min(n, opts.batchSize ?? 32));
  const adam = new Adam(p, opts.lr ?? 0.01);
  const g = new Float64Array(p.length);
  const pre = new Float64Array(h);
  const act = new Float64Array(h);
  const da = new Float64Array(h);
  const z = new Float64Array(k);
  for (let e = 0; e < (opts.epochs ?? 100); e++) {
    const idx = shuffled(n, rand);
    for (let s = 0; s < n; s += bs) {
      const end = Math.min(n, s + bs);
      const m = end - s;
      g.fill(0);
      for (let t = s; t < end; t++) {
        const i = idx[t];
        const xo = i * d;
        for (let u = 0; u < h; u++) {
          let v = p[oB1 + u];
          const wo = u * d;
          for (let j = 0; j < d; j++) v += p[wo + j] * x[xo + j];
          pre[u] = v;
          act[u] = v > 0 ? v : 0;
        }
        let max = -Infinity;
        for (let c = 0; c < k; c++) {
          let v = p[oB2 + c];
          const wo = oW2 + c * h;
          for (let u = 0; u < h; u++) v += p[wo + u] * act[u];
          z[c] = v;
          if (v > max) max = v;
        }
        let sum = 0;
        for (let c = 0; c < k; c++) sum += z[c] = Math.exp(z[c] - max);
        da.fill(0);
        for (let c = 0; c < k; c++) {
          const delta = (z[c] / sum - y[i * k + c]) / m;
          const wo = oW2 + c * h;
          for (let u = 0; u < h; u++) {
            g[wo + u] += delta * act[u];
            da[u] += delta * p[wo + u];
          }
          g[oB2 + c] += delta;
        }
        for (let u = 0; u < h; u++) {
          if (pre[u] <= 0) continue;
          const du = da[u];
          const wo = u * d;
          for (let j = 0; j < d; j++) g[wo + j] += du * x[xo + j];
          g[oB1 + u] += du;
        }
      }
      if (l2 > 0) {
        for (let j = 0; j < oB1; j++) g[j] += l2 * p[j];
        for (let j = oW2; j < oB2; j++) g[j] += l2 * p[j];
      }
      adam.step(g);
    }
  }
  return new MlpModel(d, h, k, p);
}

export type ModelKind = 'logistic' | 'mlp';

/** Trains a classifier of the given kind. */
export function trainClassifier(
  kind: ModelKind,
  x: ArrayLike<number>,
  n: number,
  d: number,
  y: ArrayLike<number>,
  k: number,
  opts: TrainOptions = {},
): Classifier {
  return kind === 'mlp' ? trainMlp(x, n, d, y, k, opts) : trainLogistic(x, n, d, y, k, opts);
}

/**
 * Solves A X = B for `r` right-hand sides (A `m × m`, B `m × r`, both row-major) by Gaussian elimination with
 * partial pivoting. Returns X (`m × r`), or null when A is singular to working precision.
 */
export function solveLinear(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  r = 1,
): Float64Array | null {
  if (a.length !== m * m || b.length !== m * r) throw new RangeError('solveLinear: bad dimensions');
  const A = Float64Array.from(a);
  const X = Float64Array.from(b);
  let scale = 0;
  for (let i = 0; i < A.length; i++) scale = Math.max(scale, Math.abs(A[i]));
  const eps = Math.max(scale, 1) * m * 1e-13;
  for (let col = 0; col < m; col++) {
    let piv = col;
    for (let row = col + 1; row < m; row++)
      if (Math.abs(A[row * m + col]) > Math.abs(A[piv * m + col])) piv = row;
    if (Math.abs(A[piv * m + col]) <= eps) return null;
    if (piv !== col) {
      for (let c = 0; c < m; c++) {
        const t = A[col * m + c];
        A[col * m + c] = A[piv * m + c];
        A[piv * m + c] = t;
      }
      for (let c = 0; c < r; c++) {
        const t = X[col * r + c];
        X[col * r + c] = X[piv * r + c];
        X[piv * r + c] = t;
      }
    }
    const d = A[col * m + col];
    for (let row = col + 1; row < m; row++) {
      const f = A[row * m + col] / d;
      if (f === 0) continue;
      for (let c = col; c < m; c++) A[row * m + c] -= f * A[col * m + c];
      for (let c = 0; c < r; c++) X[row * r + c] -= f * X[col * r + c];
    }
  }
  for (let row = m - 1; row >= 0; row--) {
    for (let c = 0; c < r; c++) {
      let s = X[row * r + c];
      for (let j = row + 1; j < m; j++) s -= A[row * m + j] * X[j * r + c];
      X[row * r + c] = s / A[row * m + row];
    }
  }
  return X;
}
