/**
 * Small dense linear algebra for the poisoning detectors: standardisation, covariance, top eigenvectors by
 * orthogonal (subspace) iteration, 2-means with k-means++ seeding and restarts, and the silhouette coefficient.
 * Matrices are row-major Float64Arrays. Every routine is deterministic for a given seed.
 */
import { mulberry32 } from '../../core/random.js';

/** A row-major n × d matrix. */
export interface Matrix {
  data: Float64Array;
  n: number;
  d: number;
}

/** Column-wise z-scores (population sd). Constant columns become 0. Returns the scaled copy. */
export function standardize(m: Matrix): Matrix {
  const { data, n, d } = m;
  const mean = new Float64Array(d);
  const sq = new Float64Array(d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (data[i * d + j] as number);
  for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) / Math.max(1, n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      const v = (data[i * d + j] as number) - (mean[j] as number);
      sq[j] = (sq[j] as number) + v * v;
    }
  const out = new Float64Array(n * d);
  for (let j = 0; j < d; j++) {
    const sd = Math.sqrt((sq[j] as number) / Math.max(1, n));
    const inv = sd > 1e-12 ? 1 / sd : 0;
    for (let i = 0; i < n; i++) out[i * d + j] = ((data[i * d + j] as number) - (mean[j] as number)) * inv;
  }
  return { data: out, n, d };
}

/** The rows `idx` of `m`, centred on their mean. */
export function centredRows(m: Matrix, idx: ArrayLike<number>): Matrix {
  const { d } = m;
  const n = idx.length;
  const out = new Float64Array(n * d);
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    const o = (idx[r] as number) * d;
    for (let j = 0; j < d; j++) {
      const v = m.data[o + j] as number;
      out[r * d + j] = v;
      mean[j] = (mean[j] as number) + v;
    }
  }
  for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) / Math.max(1, n);
  for (let r = 0; r < n; r++)
    for (let j = 0; j < d; j++) out[r * d + j] = (out[r * d + j] as number) - (mean[j] as number);
  return { data: out, n, d };
}

/** Gram matrix XᵀX (d × d) of a (centred) matrix: its eigenvectors are the right singular vectors of X. */
export function gram(m: Matrix): Float64Array {
  const { data, n, d } = m;
  const g = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let a = 0; a < d; a++) {
      const va = data[o + a] as number;
      if (va === 0) continue;
      for (let b = a; b < d; b++) g[a * d + b] = (g[a * d + b] as number) + va * (data[o + b] as number);
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) g[a * d + b] = g[b * d + a] as number;
  return g;
}

/**
 * The top `k` eigenvectors (and eigenvalues) of a symmetric positive semi-definite d × d matrix, by orthogonal
 * iteration with Gram–Schmidt re-orthonormalisation (at most `maxIter` sweeps, stopping when the subspace settles).
 * Vectors are returned as rows of a k × d matrix, ordered by decreasing eigenvalue, sign fixed so the largest
 * component is positive.
 */
export function topEigen(
  sym: Float64Array,
  d: number,
  k: number,
  seed = 1,
  maxIter = 500,
): { vectors: Float64Array; values: Float64Array; k: number } {
  k = Math.max(0, Math.min(k, d));
  const rnd = mulberry32(seed);
  let q = new Float64Array(k * d);
  for (let i = 0; i < q.length; i++) q[i] = rnd() - 0.5;
  orthonormalize(q, k, d);
  const z = new Float64Array(k * d);
  for (let it = 0; it < maxIter; it++) {
    z.fill(0);
    for (let c = 0; c < k; c++)
      for (let a = 0; a < d; a++) {
        let s = 0;
        for (let b = 0; b < d; b++) s += (sym[a * d + b] as number) * (q[c * d + b] as number);
        z[c * d + a] = s;
      }
    orthonormalize(z, k, d);
    let delta = 0;
    for (let c = 0; c < k; c++) {
      let dot = 0;
      for (let a = 0; a < d; a++) dot += (z[c * d + a] as number) * (q[c * d + a] as number);
      delta = Math.max(delta, 1 - Math.abs(dot));
    }
    q = Float64Array.from(z);
    if (delta < 1e-15) break;
  }
  // Rayleigh quotients, then sort by eigenvalue.
  const values = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let a = 0; a < d; a++) {
      let t = 0;
      for (let b = 0; b < d; b++) t += (sym[a * d + b] as number) * (q[c * d + b] as number);
      s += t * (q[c * d + a] as number);
    }
    values[c] = s;
  }
  const order = [...Array(k).keys()].sort((a, b) => (values[b] as number) - (values[a] as number));
  const vectors = new Float64Array(k * d);
  const vals = new Float64Array(k);
  order.forEach((src, dst) => {
    vals[dst] = values[src] as number;
    let big = 0;
    for (let a = 0; a < d; a++) {
      const v = q[src * d + a] as number;
      if (Math.abs(v) > Math.abs(big)) big = v;
    }
    const sign = big < 0 ? -1 : 1;
    for (let a = 0; a < d; a++) vectors[dst * d + a] = sign * (q[src * d + a] as number);
  });
  return { vectors, values: vals, k };
}

function orthonormalize(q: Float64Array, k: number, d: number): void {
  for (let c = 0; c < k; c++) {
    for (let p = 0; p < c; p++) {
      let dot = 0;
      for (let a = 0; a < d; a++) dot += (q[c * d + a] as number) * (q[p * d + a] as number);
      for (let a = 0; a < d; a++) q[c * d + a] = (q[c * d + a] as number) - dot * (q[p * d + a] as number);
    }
    let norm = 0;
    for (let a = 0; a < d; a++) norm += (q[c * d + a] as number) ** 2;
    norm = Math.sqrt(norm);
    if (norm < 1e-300) {
      // Degenerate direction (rank-deficient input): replace by a unit vector orthogonal to the previous ones.
      for (let a = 0; a < d; a++) q[c * d + a] = a === c % d ? 1 : 0;
      for (let p = 0; p < c; p++) {
        let dot = 0;
        for (let a = 0; a < d; a++) dot += (q[c * d + a] as number) * (q[p * d + a] as number);
        for (let a = 0; a < d; a++) q[c * d + a] = (q[c * d + a] as number) - dot * (q[p * d + a] as number);
      }
      norm = Math.sqrt(q.subarray(c * d, c * d + d).reduce((s, v) => s + v * v, 0)) || 1;
    }
    for (let a = 0; a < d; a++) q[c * d + a] = (q[c * d + a] as number) / norm;
  }
}

/** Projects the rows of a centred matrix on the rows of `vectors` (k × d): returns n × k. */
export function project(m: Matrix, vectors: Float64Array, k: number): Matrix {
  const { data, n, d } = m;
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let a = 0; a < d; a++) s += (data[i * d + a] as number) * (vectors[c * d + a] as number);
      out[i * k + c] = s;
    }
  return { data: out, n, d: k };
}

function sqDist(a: Float64Array, i: number, b: Float64Array, j: number, d: number): number {
  let s = 0;
  for (let t = 0; t < d; t++) {
    const v = (a[i * d + t] as number) - (b[j * d + t] as number);
    s += v * v;
  }
  return s;
}

/**
 * k-means with k-means++ seeding (Lloyd iterations, `restarts` seeded restarts, the lowest inertia wins), as
 * scikit-learn's KMeans with n_init restarts. Returns the cluster of each row and the inertia.
 */
export function kmeans(
  m: Matrix,
  k: number,
  seed = 1,
  restarts = 10,
  maxIter = 300,
): { labels: Int32Array; inertia: number; centres: Float64Array } {
  const { data, n, d } = m;
  const rnd = mulberry32(seed);
  let best: { labels: Int32Array; inertia: number; centres: Float64Array } | undefined;
  for (let r = 0; r < Math.max(1, restarts); r++) {
    const centres = new Float64Array(k * d);
    const first = Math.floor(rnd() * n);
    centres.set(data.subarray(first * d, first * d + d), 0);
    const dist = new Float64Array(n).fill(Infinity);
    for (let c = 1; c < k; c++) {
      let total = 0;
      for (let i = 0; i < n; i++) {
        dist[i] = Math.min(dist[i] as number, sqDist(data, i, centres, c - 1, d));
        total += dist[i] as number;
      }
      let pick = n - 1;
      let u = rnd() * total;
      for (let i = 0; i < n; i++) {
        u -= dist[i] as number;
        if (u <= 0) {
          pick = i;
          break;
        }
      }
      centres.set(data.subarray(pick * d, pick * d + d), c * d);
    }
    const labels = new Int32Array(n);
    let inertia = 0;
    for (let it = 0; it < maxIter; it++) {
      let changed = false;
      inertia = 0;
      for (let i = 0; i < n; i++) {
        let bc = 0;
        let bd = Infinity;
        for (let c = 0; c < k; c++) {
          const s = sqDist(data, i, centres, c, d);
          if (s < bd) {
            bd = s;
            bc = c;
          }
        }
        if (labels[i] !== bc) changed = true;
        labels[i] = bc;
        inertia += bd;
      }
      const counts = new Float64Array(k);
      const sums = new Float64Array(k * d);
      for (let i = 0; i < n; i++) {
        const c = labels[i] as number;
        counts[c] = (counts[c] as number) + 1;
        for (let t = 0; t < d; t++)
          sums[c * d + t] = (sums[c * d + t] as number) + (data[i * d + t] as number);
      }
      for (let c = 0; c < k; c++)
        if ((counts[c] as number) > 0)
          for (let t = 0; t < d; t++)
            centres[c * d + t] = (sums[c * d + t] as number) / (counts[c] as number);
      if (!changed && it > 0) break;
    }
    if (!best || inertia < best.inertia) best = { labels, inertia, centres };
  }
  return best as { labels: Int32Array; inertia: number; centres: Float64Array };
}

/**
 * Mean silhouette coefficient of a clustering (Rousseeuw 1987), on at most `maxRows` rows (a seeded sample beyond
 * that, so the cost stays O(maxRows²)). Rows in singleton clusters count 0, as scikit-learn does.
 */
export function silhouette(m: Matrix, labels: Int32Array, k: number, seed = 1, maxRows = 2000): number {
  const { data, n, d } = m;
  let idx = [...Array(n).keys()];
  if (n > maxRows) {
    const rnd = mulberry32(seed);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [idx[i], idx[j]] = [idx[j] as number, idx[i] as number];
    }
    idx = idx.slice(0, maxRows);
  }
  const size = new Float64Array(k);
  for (const i of idx) size[labels[i] as number] = (size[labels[i] as number] as number) + 1;
  let total = 0;
  const sums = new Float64Array(k);
  for (const i of idx) {
    sums.fill(0);
    for (const j of idx)
      if (j !== i)
        sums[labels[j] as number] =
          (sums[labels[j] as number] as number) + Math.sqrt(sqDist(data, i, data, j, d));
    const own = labels[i] as number;
    if ((size[own] as number) <= 1) continue;
    const a = (sums[own] as number) / ((size[own] as number) - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++)
      if (c !== own && (size[c] as number) > 0) b = Math.min(b, (sums[c] as number) / (size[c] as number));
    if (!Number.isFinite(b)) continue;
    const s = Math.max(a, b) > 0 ? (b - a) / Math.max(a, b) : 0;
    total += s;
  }
  return idx.length ? total / idx.length : 0;
}

/** Median of a numeric array (copy sorted). */
export function median(xs: ArrayLike<number>): number {
  const s = Float64Array.from(xs).sort();
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? (s[(n - 1) / 2] as number) : ((s[n / 2 - 1] as number) + (s[n / 2] as number)) / 2;
}

/** Solves A x = b for a symmetric positive-definite A (d × d) by Cholesky; returns the factor L (lower, row-major). */
export function cholesky(a: Float64Array, d: number): Float64Array | undefined {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j] as number;
      for (let t = 0; t < j; t++) s -= (l[i * d + t] as number) * (l[j * d + t] as number);
      if (i === j) {
        if (s <= 0) return undefined;
        l[i * d + i] = Math.sqrt(s);
      } else l[i * d + j] = s / (l[j * d + j] as number);
    }
  return l;
}

/** ‖L⁻¹ x‖² for a Cholesky factor L: the squared Mahalanobis norm of x under LLᵀ. */
export function mahalanobisSq(
  l: Float64Array,
  d: number,
  x: Float64Array,
  xo: number,
  tmp: Float64Array,
): number {
  let s = 0;
  for (let i = 0; i < d; i++) {
    let v = x[xo + i] as number;
    for (let t = 0; t < i; t++) v -= (l[i * d + t] as number) * (tmp[t] as number);
    v /= l[i * d + i] as number;
    tmp[i] = v;
    s += v * v;
  }
  return s;
}
