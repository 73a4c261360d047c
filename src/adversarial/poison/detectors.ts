/**
 * Data-poisoning detectors. Model-free: label-noise suspects by k-NN disagreement, exact and near duplicates with
 * conflicting labels, per-class outliers (shrunk Mahalanobis distance, robust z-score). On embeddings: spectral
 * signatures (Tran et al. 2018) and activation clustering (Chen et al. 2018). Each detector returns per-row scores,
 * the flagged rows and the statistic that decides whether it is "triggered" (see docs/poisoning.md).
 */
import {
  centredRows,
  cholesky,
  gram,
  kmeans,
  mahalanobisSq,
  median,
  project,
  silhouette,
  topEigen,
  type Matrix,
} from './linalg.js';

/** Row indices of each class (label code → rows), in row order. */
export function rowsByClass(labels: Int32Array, nbClasses: number): number[][] {
  const out: number[][] = Array.from({ length: nbClasses }, () => []);
  for (let i = 0; i < labels.length; i++) (out[labels[i] as number] as number[]).push(i);
  return out;
}

// ------------------------------------------------------------------------------------------------ k-NN

export interface KnnResult {
  k: number;
  /** Share of a row's k nearest neighbours whose label differs from its own (0..1). */
  scores: Float64Array;
  /** Most frequent label among the k neighbours (ties: the smaller code). */
  majority: Int32Array;
  /** Rows whose disagreement ≥ threshold and whose neighbours' majority label differs from theirs. */
  flagged: number[];
}

/**
 * Exact k nearest neighbours (squared Euclidean distance, the row itself excluded, ties broken by lower row index),
 * brute force in blocks of rows so memory stays O(n·k). O(n²·d) time.
 */
export function knnIndices(m: Matrix, k: number, signal?: AbortSignal): Int32Array {
  const { data, n, d } = m;
  k = Math.min(k, n - 1);
  const out = new Int32Array(n * k);
  const bestD = new Float64Array(k);
  const bestI = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    if ((i & 1023) === 0) signal?.throwIfAborted();
    bestD.fill(Infinity);
    bestI.fill(-1);
    let worst = Infinity;
    const oi = i * d;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const oj = j * d;
      let s = 0;
      for (let t = 0; t < d && s < worst; t++) {
        const v = (data[oi + t] as number) - (data[oj + t] as number);
        s += v * v;
      }
      if (s >= worst) continue;
      // insertion into the sorted list (strictly smaller distance wins, so earlier rows win ties)
      let p = k - 1;
      while (p > 0 && (bestD[p - 1] as number) > s) {
        bestD[p] = bestD[p - 1] as number;
        bestI[p] = bestI[p - 1] as number;
        p--;
      }
      bestD[p] = s;
      bestI[p] = j;
      worst = bestD[k - 1] as number;
    }
    out.set(bestI, i * k);
  }
  return out;
}

export function knnDisagreement(
  std: Matrix,
  labels: Int32Array,
  nbClasses: number,
  k: number,
  threshold: number,
  signal?: AbortSignal,
): KnnResult {
  const n = std.n;
  const kk = Math.min(k, n - 1);
  const nn = knnIndices(std, kk, signal);
  const scores = new Float64Array(n);
  const majority = new Int32Array(n);
  const counts = new Int32Array(nbClasses);
  const flagged: number[] = [];
  for (let i = 0; i < n; i++) {
    counts.fill(0);
    for (let t = 0; t < kk; t++) counts[labels[nn[i * kk + t] as number] as number]++;
    let maj = 0;
    for (let c = 1; c < nbClasses; c++) if ((counts[c] as number) > (counts[maj] as number)) maj = c;
    majority[i] = maj;
    scores[i] = kk ? 1 - (counts[labels[i] as number] as number) / kk : 0;
    if (kk && (scores[i] as number) >= threshold && maj !== labels[i]) flagged.push(i);
  }
  return { k: kk, scores, majority, flagged };
}

// ------------------------------------------------------------------------------------------------ duplicates

export interface DuplicateGroup {
  /** 'exact': identical feature vectors; 'near': same cell of the quantised standardised grid. */
  kind: 'exact' | 'near';
  rows: number[];
  /** Label code → rows with that label in the group. */
  labels: Record<number, number>;
}

export interface DuplicateResult {
  exactGroups: number;
  exactRows: number;
  conflicting: DuplicateGroup[];
  /** Rows in a conflicting group (exact or near). */
  flagged: number[];
  tolerance: number;
}

function groupBy(n: number, key: (i: number) => string): number[][] {
  const map = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const k = key(i);
    const g = map.get(k);
    if (g) g.push(i);
    else map.set(k, [i]);
  }
  return [...map.values()].filter((g) => g.length > 1);
}

/**
 * Exact duplicates (identical raw feature vectors) and near duplicates (identical after quantising the
 * standardised features to a grid of cell `tolerance`: rows in one cell differ by less than `tolerance` standard
 * deviations in every feature) whose labels disagree. A near group is reported only when it is not already one
 * exact group.
 */
export function duplicateConflicts(
  raw: Matrix,
  std: Matrix,
  labels: Int32Array,
  tolerance: number,
): DuplicateResult {
  const { n, d } = raw;
  const rowKey = (m: Matrix, f: (v: number) => number) => (i: number) => {
    const parts: number[] = new Array(d);
    for (let t = 0; t < d; t++) parts[t] = f(m.data[i * d + t] as number);
    return parts.join(',');
  };
  const conflicting: DuplicateGroup[] = [];
  const flagged = new Set<number>();
  const labelCounts = (rows: number[]) => {
    const c: Record<number, number> = {};
    for (const r of rows) c[labels[r] as number] = (c[labels[r] as number] ?? 0) + 1;
    return c;
  };
  const exact = groupBy(
    n,
    rowKey(raw, (v) => v),
  );
  const exactKey = new Map<number, number>();
  exact.forEach((g, gi) => g.forEach((r) => exactKey.set(r, gi)));
  for (const g of exact) {
    const c = labelCounts(g);
    if (Object.keys(c).length > 1) {
      conflicting.push({ kind: 'exact', rows: g, labels: c });
      for (const r of g) flagged.add(r);
    }
  }
  if (tolerance > 0) {
    const near = groupBy(
      n,
      rowKey(std, (v) => Math.round(v / tolerance)),
    );
    for (const g of near) {
      const first = exactKey.get(g[0] as number);
      if (first !== undefined && g.every((r) => exactKey.get(r) === first)) continue;
      const c = labelCounts(g);
      if (Object.keys(c).length > 1) {
        conflicting.push({ kind: 'near', rows: g, labels: c });
        for (const r of g) flagged.add(r);
      }
    }
  }
  return {
    exactGroups: exact.length,
    exactRows: exact.reduce((s, g) => s + g.length, 0),
    conflicting,
    flagged: [...flagged].sort((a, b) => a - b),
    tolerance,
  };
}

// ------------------------------------------------------------------------------------------------ outliers

export interface OutlierResult {
  /** Robust z-score of the row's Mahalanobis distance within its class (NaN when the class was skipped). */
  scores: Float64Array;
  flagged: number[];
  threshold: number;
  shrinkage: number;
  skippedClasses: number[];
}

/**
 * Per-class outliers: the Mahalanobis distance of each row to its class mean under the class covariance shrunk
 * towards a scaled identity (Σ' = (1−α)Σ + α·tr(Σ)/d·I), then the robust z-score of that distance within the class,
 * (D − median D) / (1.4826·MAD D). Rows with z > threshold (default 3.5, Iglewicz–Hoaglin) are flagged. Classes
 * with fewer than `minRows` rows are skipped.
 */
export function classOutliers(
  std: Matrix,
  labels: Int32Array,
  nbClasses: number,
  threshold: number,
  shrinkage: number,
  minRows = 10,
): OutlierResult {
  const { n, d } = std;
  const scores = new Float64Array(n).fill(NaN);
  const flagged: number[] = [];
  const skipped: number[] = [];
  rowsByClass(labels, nbClasses).forEach((rows, c) => {
    if (rows.length < minRows || d === 0) {
      if (rows.length) skipped.push(c);
      return;
    }
    const x = centredRows(std, rows);
    const g = gram(x);
    let trace = 0;
    for (let a = 0; a < d; a++) trace += g[a * d + a] as number;
    const scale = trace / d / rows.length;
    const cov = new Float64Array(d * d);
    for (let a = 0; a < d; a++)
      for (let b = 0; b < d; b++)
        cov[a * d + b] =
          (1 - shrinkage) * ((g[a * d + b] as number) / rows.length) +
          (a === b ? shrinkage * scale + 1e-9 : 0);
    const l = cholesky(cov, d);
    if (!l) {
      skipped.push(c);
      return;
    }
    const tmp = new Float64Array(d);
    const dist = rows.map((_, r) => Math.sqrt(mahalanobisSq(l, d, x.data, r * d, tmp)));
    const med = median(dist);
    const mad = median(dist.map((v) => Math.abs(v - med))) * 1.4826;
    rows.forEach((row, r) => {
      const z = mad > 1e-12 ? ((dist[r] as number) - med) / mad : 0;
      scores[row] = z;
      if (z > threshold) flagged.push(row);
    });
  });
  flagged.sort((a, b) => a - b);
  return { scores, flagged, threshold, shrinkage, skippedClasses: skipped };
}

// ------------------------------------------------------------------------------------------------ spectral

export interface SpectralClass {
  label: number;
  rows: number;
  flagged: number;
  /** Score cut-off: the (1 − 1.5·ε) quantile of the class's scores. */
  cutoff: number;
  /** λ1 / λ2 of the centred class representations (how dominant the top direction is). */
  spectralRatio: number;
  /** Bimodality of the projections on the top singular vector: Ashman's D of their 2-means split. */
  separation: number;
  /** Share of the smaller side of that split. */
  minorShare: number;
  suspicious: boolean;
}

export interface SpectralResult {
  /** Squared projection of each row on its class's top singular vector. */
  scores: Float64Array;
  /** Rows at or above their class's cut-off, in classes judged suspicious. */
  flagged: number[];
  /** Rows at or above their class's cut-off in every class (ART's removal set). */
  removalSet: number[];
  classes: SpectralClass[];
  epsMultiplier: number;
  expectedPoison: number;
}

/** Two-means in one dimension (optimal split of the sorted values) and Ashman's D of the two sides. */
export function bimodality(values: ArrayLike<number>): { separation: number; minorShare: number } {
  const s = Float64Array.from(values).sort();
  const n = s.length;
  if (n < 4) return { separation: 0, minorShare: 0 };
  const pre = new Float64Array(n + 1);
  const pre2 = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    pre[i + 1] = (pre[i] as number) + (s[i] as number);
    pre2[i + 1] = (pre2[i] as number) + (s[i] as number) ** 2;
  }
  const sse = (a: number, b: number) => {
    const m = b - a;
    const sum = (pre[b] as number) - (pre[a] as number);
    return (pre2[b] as number) - (pre2[a] as number) - (sum * sum) / m;
  };
  let best = Infinity;
  let cut = 1;
  for (let c = 2; c <= n - 2; c++) {
    const v = sse(0, c) + sse(c, n);
    if (v < best) {
      best = v;
      cut = c;
    }
  }
  const m1 = ((pre[cut] as number) - (pre[0] as number)) / cut;
  const m2 = ((pre[n] as number) - (pre[cut] as number)) / (n - cut);
  const v1 = Math.max(0, sse(0, cut) / cut);
  const v2 = Math.max(0, sse(cut, n) / (n - cut));
  const separation = (Math.SQRT2 * Math.abs(m1 - m2)) / Math.sqrt(v1 + v2 + 1e-300);
  return { separation, minorShare: Math.min(cut, n - cut) / n };
}

/**
 * Spectral signatures (Tran, Li & Madry 2018), as ART's SpectralSignatureDefense: per class, centre the
 * representations, take the top right singular vector (power iteration on the Gram matrix), score each row by its
 * squared projection, and mark rows at or above the (1 − epsMultiplier·expectedPoison) quantile. A class is judged
 * suspicious when its projections split into two well-separated groups (Ashman's D ≥ `minSeparation`) and the
 * smaller group is below `maxMinorShare` of the class; only suspicious classes contribute flagged rows.
 */
export function spectralSignatures(
  emb: Matrix,
  labels: Int32Array,
  nbClasses: number,
  expectedPoison: number,
  epsMultiplier = 1.5,
  minSeparation = 5,
  maxMinorShare = 0.35,
  minRows = 10,
): SpectralResult {
  const scores = new Float64Array(emb.n);
  const flagged: number[] = [];
  const removal: number[] = [];
  const classes: SpectralClass[] = [];
  const q = Math.max(0, 1 - epsMultiplier * expectedPoison);
  rowsByClass(labels, nbClasses).forEach((rows, c) => {
    if (rows.length < minRows) return;
    const x = centredRows(emb, rows);
    const eig = topEigen(gram(x), x.d, Math.min(2, x.d), 17 + c);
    const proj = project(x, eig.vectors, 1);
    const sc = Array.from(proj.data, (v) => v * v);
    const sorted = Float64Array.from(sc).sort();
    // numpy's default (linear) quantile
    const pos = q * (sorted.length - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(sorted.length - 1, lo + 1);
    const cutoff = (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
    const bm = bimodality(proj.data);
    const suspicious = bm.separation >= minSeparation && bm.minorShare > 0 && bm.minorShare < maxMinorShare;
    let nf = 0;
    rows.forEach((row, r) => {
      scores[row] = sc[r] as number;
      if ((sc[r] as number) >= cutoff) {
        removal.push(row);
        nf++;
        if (suspicious) flagged.push(row);
      }
    });
    const l2 = eig.k > 1 ? (eig.values[1] as number) : 0;
    classes.push({
      label: c,
      rows: rows.length,
      flagged: nf,
      cutoff,
      spectralRatio: l2 > 0 ? (eig.values[0] as number) / l2 : Infinity,
      separation: bm.separation,
      minorShare: bm.minorShare,
      suspicious,
    });
  });
  return {
    scores,
    flagged: flagged.sort((a, b) => a - b),
    removalSet: removal.sort((a, b) => a - b),
    classes,
    epsMultiplier,
    expectedPoison,
  };
}

// ------------------------------------------------------------------------------------------------ clustering

export interface ClusterClass {
  label: number;
  rows: number;
  dims: number;
  /** Relative size of the smaller of the two clusters. */
  minorShare: number;
  silhouette: number;
  /**
   * Distance of the smaller cluster's centroid to its class's larger cluster, divided by its distance to the
   * nearest other class's mean (full representation space). Above 1: the small cluster looks like another class.
   */
  distanceRatio: number;
  /** The class whose mean is nearest to the smaller cluster's centroid. */
  nearestClass: number;
  suspicious: boolean;
}

export interface ClusteringResult {
  /** 1 for rows in the smaller cluster of their class, else 0. */
  minor: Uint8Array;
  /** Rows of the smaller cluster in classes judged suspicious. */
  flagged: number[];
  classes: ClusterClass[];
  nbDims: number;
  sizeThreshold: number;
  silhouetteThreshold: number;
  distanceThreshold: number;
}

function meanOf(m: Matrix, rows: number[]): Float64Array {
  const { d } = m;
  const out = new Float64Array(d);
  for (const r of rows)
    for (let t = 0; t < d; t++) out[t] = (out[t] as number) + (m.data[r * d + t] as number);
  for (let t = 0; t < d; t++) out[t] = (out[t] as number) / Math.max(1, rows.length);
  return out;
}

function dist(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let t = 0; t < a.length; t++) s += ((a[t] as number) - (b[t] as number)) ** 2;
  return Math.sqrt(s);
}

/**
 * Activation clustering (Chen et al. 2018), following ART's ActivationDefence defaults: per class, project the
 * centred representations on their top `nbDims` (10) principal components and split them with 2-means (k-means++,
 * 10 restarts). The class is judged poisoned when the smaller cluster holds less than `sizeThreshold` (0.35) of the
 * class AND the 2-means split is well formed (mean silhouette ≥ `silhouetteThreshold`, default 0.38: ART's
 * "silhouette-scores" analysis with Bulwark's measured threshold). Optionally (`distanceThreshold` > 0, default 0:
 * off) the smaller cluster must also lie at least that ratio of its distance to the nearest other class away from its
 * own class's larger cluster, after ART's "distance" analysis. Natural sub-modes of a class (two ways to write a
 * digit) can pass both tests: see docs/poisoning.md for the measured false-alarm rate.
 */
export function activationClustering(
  emb: Matrix,
  labels: Int32Array,
  nbClasses: number,
  nbDims = 10,
  sizeThreshold = 0.35,
  silhouetteThreshold = 0.38,
  distanceThreshold = 0,
  minRows = 10,
): ClusteringResult {
  const minor = new Uint8Array(emb.n);
  const flagged: number[] = [];
  const classes: ClusterClass[] = [];
  const byClass = rowsByClass(labels, nbClasses);
  const means = byClass.map((rows) => (rows.length ? meanOf(emb, rows) : undefined));
  byClass.forEach((rows, c) => {
    if (rows.length < minRows) return;
    const x = centredRows(emb, rows);
    const dims = Math.min(nbDims, x.d);
    const eig = topEigen(gram(x), x.d, dims, 29 + c);
    const red = project(x, eig.vectors, dims);
    const km = kmeans(red, 2, 41 + c);
    let ones = 0;
    for (const l of km.labels) ones += l;
    const small = ones * 2 <= rows.length ? 1 : 0;
    const minorRows = rows.filter((_, r) => km.labels[r] === small);
    const majorRows = rows.filter((_, r) => km.labels[r] !== small);
    const minorShare = minorRows.length / rows.length;
    const sil = silhouette(red, km.labels, 2, 53 + c);
    const cMinor = meanOf(emb, minorRows);
    const own = dist(cMinor, meanOf(emb, majorRows));
    let nearest = -1;
    let other = Infinity;
    means.forEach((m, o) => {
      if (o === c || !m) return;
      const dd = dist(cMinor, m);
      if (dd < other) {
        other = dd;
        nearest = o;
      }
    });
    const distanceRatio = Number.isFinite(other) && other > 0 ? own / other : 0;
    const suspicious =
      minorShare > 0 &&
      minorShare < sizeThreshold &&
      sil >= silhouetteThreshold &&
      (distanceThreshold <= 0 || distanceRatio >= distanceThreshold);
    for (const row of minorRows) {
      minor[row] = 1;
      if (suspicious) flagged.push(row);
    }
    classes.push({
      label: c,
      rows: rows.length,
      dims,
      minorShare,
      silhouette: sil,
      distanceRatio,
      nearestClass: nearest,
      suspicious,
    });
  });
  return {
    minor,
    flagged: flagged.sort((a, b) => a - b),
    classes,
    nbDims,
    sizeThreshold,
    silhouetteThreshold,
    distanceThreshold,
  };
}
