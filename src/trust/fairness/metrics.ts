/**
 * Group fairness metrics with the exact definitions of Fairlearn (MetricFrame aggregates, demographic parity,
 * equalized odds, equal opportunity) and AIF360 (signed privileged/unprivileged metrics, generalized entropy, Theil,
 * consistency). Everything is computed from per-group confusion counts gathered in one pass over typed arrays.
 * Definitions and formulas: docs/fairness.md.
 */

/** Binary outcomes: 1 = favorable / positive label, 0 = the other. */
export interface BinaryData {
  yTrue: Uint8Array;
  yPred: Uint8Array;
  /** Group index of each row (into groupNames). */
  groups: Int32Array;
  groupNames: string[];
  /** Sample weights (default 1 for every row). */
  weights?: Float64Array;
}

/** Weighted confusion counts of one group (or of everything). `count` is the unweighted number of rows. */
export interface Counts {
  count: number;
  /** Sum of weights. */
  n: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** Per-group rates. A rate whose denominator is 0 is null (see docs/fairness.md). */
export interface GroupRates {
  count: number;
  weight: number;
  selection_rate: number | null;
  base_rate: number | null;
  tpr: number | null;
  fpr: number | null;
  fnr: number | null;
  tnr: number | null;
  accuracy: number | null;
}

export const RATE_METRICS = ['selection_rate', 'base_rate', 'tpr', 'fpr', 'fnr', 'tnr', 'accuracy'] as const;
export type RateMetric = (typeof RATE_METRICS)[number];
/** Metrics aggregated MetricFrame-style (count is Fairlearn's `count`: unweighted rows). */
export const FRAME_METRICS = ['selection_rate', 'tpr', 'fpr', 'count'] as const;
export type FrameMetric = (typeof FRAME_METRICS)[number] | RateMetric;

function zeroCounts(): Counts {
  return { count: 0, n: 0, tp: 0, fp: 0, tn: 0, fn: 0 };
}

/** Confusion counts per group and overall, in one pass. Rows with group < 0 are skipped (not in any group). */
export function countByGroup(d: BinaryData, rows?: Int32Array): { groups: Counts[]; overall: Counts } {
  const g = d.groupNames.length;
  // Layout per group: count, n, tp, fp, tn, fn.
  const acc = new Float64Array(g * 6);
  const { yTrue, yPred, groups, weights } = d;
  const len = rows ? rows.length : yTrue.length;
  for (let r = 0; r < len; r++) {
    const i = rows ? (rows[r] as number) : r;
    const k = groups[i] as number;
    if (k < 0) continue;
    const w = weights ? (weights[i] as number) : 1;
    const o = k * 6;
    acc[o] += 1;
    acc[o + 1] += w;
    // slot = 2 + (tp, fp, tn, fn)
    const t = yTrue[i] as number;
    const p = yPred[i] as number;
    acc[o + (p ? (t ? 2 : 3) : t ? 5 : 4)] += w;
  }
  const out: Counts[] = [];
  const overall = zeroCounts();
  for (let k = 0; k < g; k++) {
    const o = k * 6;
    const c: Counts = {
      count: acc[o]!,
      n: acc[o + 1]!,
      tp: acc[o + 2]!,
      fp: acc[o + 3]!,
      tn: acc[o + 4]!,
      fn: acc[o + 5]!,
    };
    out.push(c);
    overall.count += c.count;
    overall.n += c.n;
    overall.tp += c.tp;
    overall.fp += c.fp;
    overall.tn += c.tn;
    overall.fn += c.fn;
  }
  return { groups: out, overall };
}

const div = (a: number, b: number): number | null => (b > 0 ? a / b : null);

export function rates(c: Counts): GroupRates {
  return {
    count: c.count,
    weight: c.n,
    selection_rate: div(c.tp + c.fp, c.n),
    base_rate: div(c.tp + c.fn, c.n),
    tpr: div(c.tp, c.tp + c.fn),
    fpr: div(c.fp, c.fp + c.tn),
    fnr: div(c.fn, c.tp + c.fn),
    tnr: div(c.tn, c.fp + c.tn),
    accuracy: div(c.tp + c.tn, c.n),
  };
}

/** Fairlearn MetricFrame aggregates of one metric over the groups (null groups are left out). */
export interface Aggregates {
  group_min: number | null;
  group_max: number | null;
  /** group_max − group_min. */
  difference_between_groups: number | null;
  /** max over groups of |group − overall|. */
  difference_to_overall: number | null;
  /** group_min / group_max. */
  ratio_between_groups: number | null;
  /** min over groups of group/overall, each inverted when above 1. */
  ratio_to_overall: number | null;
}

export function aggregate(values: Array<number | null>, overall: number | null): Aggregates {
  const vs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (vs.length === 0) {
    return {
      group_min: null,
      group_max: null,
      difference_between_groups: null,
      difference_to_overall: null,
      ratio_between_groups: null,
      ratio_to_overall: null,
    };
  }
  const min = Math.min(...vs);
  const max = Math.max(...vs);
  let dOverall: number | null = null;
  let rOverall: number | null = null;
  if (overall !== null) {
    dOverall = Math.max(...vs.map((v) => Math.abs(v - overall)));
    let r = Infinity;
    for (const v of vs) {
      // Fairlearn: ratio = v/overall; values above 1 are inverted. 0/0 is undefined.
      if (overall === 0) {
        r = NaN;
        break;
      }
      let q = v / overall;
      if (q > 1) q = 1 / q;
      r = Math.min(r, q);
    }
    rOverall = Number.isFinite(r) ? r : null;
  }
  return {
    group_min: min,
    group_max: max,
    difference_between_groups: max - min,
    difference_to_overall: dOverall,
    ratio_between_groups: max > 0 ? min / max : null,
    ratio_to_overall: rOverall,
  };
}

export type Method = 'between_groups' | 'to_overall';

/** Fairlearn's disparity summaries. */
export interface FairlearnSummary {
  demographic_parity_difference: Record<Method, number | null>;
  demographic_parity_ratio: Record<Method, number | null>;
  equalized_odds_difference: Record<Method, { worst_case: number | null; mean: number | null }>;
  equalized_odds_ratio: Record<Method, { worst_case: number | null; mean: number | null }>;
  equal_opportunity_difference: Record<Method, number | null>;
  equal_opportunity_ratio: Record<Method, number | null>;
}

function both(a: number | null, b: number | null, f: (x: number, y: number) => number): number | null {
  return a === null || b === null ? null : f(a, b);
}

export function fairlearnSummary(agg: Record<FrameMetric, Aggregates>): FairlearnSummary {
  const diff = (m: FrameMetric, method: Method): number | null =>
    method === 'between_groups' ? agg[m].difference_between_groups : agg[m].difference_to_overall;
  const ratio = (m: FrameMetric, method: Method): number | null =>
    method === 'between_groups' ? agg[m].ratio_between_groups : agg[m].ratio_to_overall;
  const per = <T>(f: (method: Method) => T): Record<Method, T> => ({
    between_groups: f('between_groups'),
    to_overall: f('to_overall'),
  });
  return {
    demographic_parity_difference: per((m) => diff('selection_rate', m)),
    demographic_parity_ratio: per((m) => ratio('selection_rate', m)),
    equalized_odds_difference: per((m) => ({
      worst_case: both(diff('tpr', m), diff('fpr', m), Math.max),
      mean: both(diff('tpr', m), diff('fpr', m), (a, b) => (a + b) / 2),
    })),
    equalized_odds_ratio: per((m) => ({
      worst_case: both(ratio('tpr', m), ratio('fpr', m), Math.min),
      mean: both(ratio('tpr', m), ratio('fpr', m), (a, b) => (a + b) / 2),
    })),
    equal_opportunity_difference: per((m) => diff('tpr', m)),
    equal_opportunity_ratio: per((m) => ratio('tpr', m)),
  };
}

/** AIF360's signed metrics: unprivileged minus (or over) privileged. */
export interface Aif360Summary {
  /** P(ŷ=1 | unpriv) / P(ŷ=1 | priv). Four-fifths rule passes at >= 0.8. */
  disparate_impact: number | null;
  /** P(ŷ=1 | unpriv) − P(ŷ=1 | priv). */
  statistical_parity_difference: number | null;
  /** TPR_u − TPR_p. */
  equal_opportunity_difference: number | null;
  /** ½[(FPR_u − FPR_p) + (TPR_u − TPR_p)]. */
  average_odds_difference: number | null;
  /** ½[|FPR_u − FPR_p| + |TPR_u − TPR_p|]. */
  average_abs_odds_difference: number | null;
  /** FNR_u − FNR_p. */
  false_negative_rate_difference: number | null;
  /** FPR_u − FPR_p. */
  false_positive_rate_difference: number | null;
  /** Dataset (label) metrics: base-rate disparate impact and difference (BinaryLabelDatasetMetric). */
  base_rate_disparate_impact: number | null;
  base_rate_difference: number | null;
  privileged: GroupRates;
  unprivileged: GroupRates;
}

function sumCounts(cs: Counts[]): Counts {
  const s = zeroCounts();
  for (const c of cs) {
    s.count += c.count;
    s.n += c.n;
    s.tp += c.tp;
    s.fp += c.fp;
    s.tn += c.tn;
    s.fn += c.fn;
  }
  return s;
}

/** AIF360 metrics from group counts; `privileged` / `unprivileged` are group indices (each set pooled). */
export function aif360Summary(groups: Counts[], privileged: number[], unprivileged: number[]): Aif360Summary {
  const p = rates(sumCounts(privileged.map((k) => groups[k] as Counts)));
  const u = rates(sumCounts(unprivileged.map((k) => groups[k] as Counts)));
  const d = (a: number | null, b: number | null): number | null => both(a, b, (x, y) => x - y);
  const r = (a: number | null, b: number | null): number | null =>
    a === null || b === null || b === 0 ? null : a / b;
  const dTpr = d(u.tpr, p.tpr);
  const dFpr = d(u.fpr, p.fpr);
  return {
    disparate_impact: r(u.selection_rate, p.selection_rate),
    statistical_parity_difference: d(u.selection_rate, p.selection_rate),
    equal_opportunity_difference: dTpr,
    average_odds_difference: both(dFpr, dTpr, (a, b) => (a + b) / 2),
    average_abs_odds_difference: both(dFpr, dTpr, (a, b) => (Math.abs(a) + Math.abs(b)) / 2),
    false_negative_rate_difference: d(u.fnr, p.fnr),
    false_positive_rate_difference: dFpr,
    base_rate_disparate_impact: r(u.base_rate, p.base_rate),
    base_rate_difference: d(u.base_rate, p.base_rate),
    privileged: p,
    unprivileged: u,
  };
}

/**
 * AIF360 generalized entropy index of the benefits b_i = ŷ_i − y_i + 1 (unweighted, as AIF360):
 * α ∉ {0,1}: 1/(n·α(α−1)) Σ[(b_i/μ)^α − 1]; α = 1 (Theil): (1/n) Σ (b_i/μ) ln(b_i/μ) with 0·ln 0 = 0;
 * α = 0: −(1/n) Σ ln(b_i/μ).
 */
export function generalizedEntropyIndex(
  yTrue: Uint8Array,
  yPred: Uint8Array,
  alpha = 2,
  rows?: Int32Array,
): number | null {
  const n = rows ? rows.length : yTrue.length;
  if (n === 0) return null;
  // b takes only the values 0, 1, 2: count them.
  const cnt = [0, 0, 0];
  for (let r = 0; r < n; r++) {
    const i = rows ? (rows[r] as number) : r;
    cnt[(yPred[i] as number) - (yTrue[i] as number) + 1]! += 1;
  }
  return geiFromValues([0, 1, 2], cnt, n, alpha);
}

function geiFromValues(values: number[], weights: number[], n: number, alpha: number): number | null {
  let sum = 0;
  for (let k = 0; k < values.length; k++) sum += (values[k] as number) * (weights[k] as number);
  const mu = sum / n;
  if (!(mu > 0)) return null;
  let acc = 0;
  for (let k = 0; k < values.length; k++) {
    const w = weights[k] as number;
    if (w === 0) continue;
    const q = (values[k] as number) / mu;
    if (alpha === 1) acc += q > 0 ? w * q * Math.log(q) : 0;
    else if (alpha === 0) {
      if (q === 0) return Infinity;
      acc += w * -Math.log(q);
    } else acc += w * (Math.pow(q, alpha) - 1);
  }
  if (alpha === 1 || alpha === 0) return acc / n;
  return acc / (n * alpha * (alpha - 1));
}

export function theilIndex(yTrue: Uint8Array, yPred: Uint8Array, rows?: Int32Array): number | null {
  return generalizedEntropyIndex(yTrue, yPred, 1, rows);
}

/** AIF360 between-group GEI: every b_i replaced by the mean benefit of its group. */
export function betweenGroupGeneralizedEntropyIndex(d: BinaryData, alpha = 2): number | null {
  const g = d.groupNames.length;
  const sum = new Float64Array(g);
  const cnt = new Float64Array(g);
  let n = 0;
  for (let i = 0; i < d.yTrue.length; i++) {
    const k = d.groups[i] as number;
    if (k < 0) continue;
    sum[k] += (d.yPred[i] as number) - (d.yTrue[i] as number) + 1;
    cnt[k] += 1;
    n++;
  }
  const values: number[] = [];
  const weights: number[] = [];
  for (let k = 0; k < g; k++) {
    if (cnt[k]! > 0) {
      values.push(sum[k]! / cnt[k]!);
      weights.push(cnt[k]!);
    }
  }
  return n ? geiFromValues(values, weights, n, alpha) : null;
}

/** Input of the consistency metric: per-row features as codes (categorical) and standardised numbers. */
export interface KnnFeatures {
  n: number;
  /** Numeric features, row-major: numeric[i * numericCount + f] (already scaled). */
  numeric: Float64Array;
  numericCount: number;
  /** Categorical codes, row-major: codes[i * categoricalCount + f]; −1 = missing/unknown (all-zero one-hot). */
  codes: Int32Array;
  categoricalCount: number;
}

/**
 * AIF360 consistency: 1 − (1/m) Σ_i |ŷ_i − mean(ŷ over the k nearest neighbours of x_i)|, the point itself counting
 * as one of its neighbours. Distances are Euclidean over the one-hot encoding (a category mismatch adds 2, one
 * missing side adds 1), computed exactly by brute force for the query rows `queries` (default: every row).
 * Ties at the k-th distance are broken by row order (sklearn's ball tree may pick others).
 */
export function consistency(f: KnnFeatures, yPred: Uint8Array, k = 5, queries?: Int32Array): number | null {
  const n = f.n;
  if (n === 0) return null;
  const kk = Math.min(k, n);
  const m = queries ? queries.length : n;
  const bestD = new Float64Array(kk);
  const bestI = new Int32Array(kk);
  let total = 0;
  const { numeric, codes, numericCount: nf, categoricalCount: cf } = f;
  const qc = new Int32Array(cf);
  const qn = new Float64Array(nf);
  for (let q = 0; q < m; q++) {
    const i = queries ? (queries[q] as number) : q;
    bestD.fill(Infinity);
    bestI.fill(-1);
    for (let c = 0; c < cf; c++) qc[c] = codes[i * cf + c] as number;
    for (let c = 0; c < nf; c++) qn[c] = numeric[i * nf + c] as number;
    let worst = Infinity;
    for (let j = 0; j < n; j++) {
      let d = 0;
      const cb = j * cf;
      for (let c = 0; c < cf && d <= worst; c++) {
        const a = qc[c] as number;
        const b = codes[cb + c] as number;
        if (a !== b) d += a < 0 || b < 0 ? 1 : 2;
      }
      const nb = j * nf;
      for (let c = 0; c < nf && d <= worst; c++) {
        const t = (qn[c] as number) - (numeric[nb + c] as number);
        d += t * t;
      }
      if (d >= worst) continue;
      // insert into the sorted top-k
      let pos = kk - 1;
      while (pos > 0 && (bestD[pos - 1] as number) > d) {
        bestD[pos] = bestD[pos - 1] as number;
        bestI[pos] = bestI[pos - 1] as number;
        pos--;
      }
      bestD[pos] = d;
      bestI[pos] = j;
      worst = bestI[kk - 1] === -1 ? Infinity : (bestD[kk - 1] as number);
    }
    let s = 0;
    for (let t = 0; t < kk; t++) s += yPred[bestI[t] as number] as number;
    total += Math.abs((yPred[i] as number) - s / kk);
  }
  return 1 - total / m;
}

// ---------------------------------------------------------------------------------------------------------------
// PRNG and bootstrap

export { mulberry32 } from '../../core/random.js';

/** Linear-interpolated quantile of sorted values (numpy's default "linear" method). */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return (sorted[lo] as number) + (h - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
}
