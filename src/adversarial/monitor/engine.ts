/**
 * Drift engine: column typing and default test selection as Evidently (legacy data-drift preset), per-column tests,
 * dataset-level verdict (share of drifted columns ≥ drift share) and chart data. Columns are held as sorted
 * Float64Arrays (numerical) or category counts (categorical); windows reuse the prepared reference.
 */
import { ParseError, UsageError } from '../../core/errors.js';
import type { Cell } from '../../trust/data/table.js';
import {
  binnedNumericShares,
  chiSquareCounts,
  countDistinctSorted,
  countDistinctUnion,
  fillZeroShares,
  jensenShannonDistance,
  ksTwoSample,
  psi,
  wassersteinNormed,
  zTestProportions,
} from './stats.js';

export type ColumnKind = 'numerical' | 'categorical';
export type StatTestName = 'ks' | 'chisquare' | 'z' | 'psi' | 'wasserstein' | 'jensenshannon';

export interface StatTestInfo {
  display: string;
  /** 'p_value': drift when the p-value is below the threshold; 'distance': drift when the distance reaches it. */
  scoreKind: 'p_value' | 'distance';
  defaultThreshold: number;
  kinds: ColumnKind[];
}

/** The tests, their Evidently names, default thresholds and drift rule. */
export const STAT_TESTS: Readonly<Record<StatTestName, StatTestInfo>> = Object.freeze({
  ks: { display: 'K-S p_value', scoreKind: 'p_value', defaultThreshold: 0.05, kinds: ['numerical'] },
  chisquare: {
    display: 'chi-square p_value',
    scoreKind: 'p_value',
    defaultThreshold: 0.05,
    kinds: ['categorical', 'numerical'],
  },
  z: {
    display: 'Z-test p_value',
    scoreKind: 'p_value',
    defaultThreshold: 0.05,
    kinds: ['categorical', 'numerical'],
  },
  psi: { display: 'PSI', scoreKind: 'distance', defaultThreshold: 0.1, kinds: ['categorical', 'numerical'] },
  wasserstein: {
    display: 'Wasserstein distance (normed)',
    scoreKind: 'distance',
    defaultThreshold: 0.1,
    kinds: ['numerical'],
  },
  jensenshannon: {
    display: 'Jensen-Shannon distance',
    scoreKind: 'distance',
    defaultThreshold: 0.1,
    kinds: ['categorical', 'numerical'],
  },
});

export const STAT_TEST_NAMES = Object.keys(STAT_TESTS) as StatTestName[];

/** Evidently: integer columns with at most this many distinct reference values are categorical. */
export const NUMBER_UNIQUE_AS_CATEGORICAL = 5;
/** Evidently: above this many reference rows the default tests switch to distances. */
export const SMALL_REFERENCE_ROWS = 1000;
/** Evidently (get_binned_data): numerical columns with more distinct reference values are binned (Sturges). */
export const BINNING_MIN_DISTINCT = 20;
/** Evidently's default share of drifted columns for dataset drift. */
export const DEFAULT_DRIFT_SHARE = 0.5;
/** Most categories drawn in a chart (the rest are summed into one bar). */
const CHART_MAX_CATEGORIES = 24;

/** One column of one dataset, ready for testing. */
export interface PreparedColumn {
  name: string;
  kind: ColumnKind;
  /** Sorted finite values (numerical). */
  values?: Float64Array;
  /** Category → count (categorical; keys are String(value)). */
  counts?: Map<string, number>;
  /** Whether every category key is a number (sorts numerically). */
  numericKeys?: boolean;
  /** Non-missing values. */
  n: number;
  /** Missing values (null, empty, non-finite). */
  missing: number;
}

function isNum(v: Cell): v is number {
  return typeof v === 'number';
}

/**
 * The kind Evidently gives a column when nothing is declared: numbers → numerical, except integer-valued columns with
 * at most 5 distinct reference values (categorical); booleans and strings → categorical. `prediction` applies the
 * extra prediction rule (≤ 5 distinct numeric values outside [0, 1] → categorical).
 */
export function inferKind(ref: Cell[], cur: Cell[], opts: { prediction?: boolean } = {}): ColumnKind {
  let numeric = true;
  let integer = true;
  let seen = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of ref) {
    if (v === null) continue;
    seen++;
    if (!isNum(v)) {
      numeric = false;
      break;
    }
    if (!Number.isInteger(v)) integer = false;
  }
  if (seen === 0) {
    // Reference empty: take the type from the current data.
    for (const v of cur) {
      if (v === null) continue;
      seen++;
      if (!isNum(v)) {
        numeric = false;
        break;
      }
      if (!Number.isInteger(v)) integer = false;
    }
  }
  if (!numeric || seen === 0) return 'categorical';
  const src = ref.some((v) => v !== null) ? ref : cur;
  const distinct = new Set<number>();
  for (const v of src) {
    if (!isNum(v)) continue;
    if (distinct.size <= NUMBER_UNIQUE_AS_CATEGORICAL) distinct.add(v);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const few = distinct.size <= NUMBER_UNIQUE_AS_CATEGORICAL;
  if (integer && few) return 'categorical';
  if (opts.prediction && few && (max > 1 || min < 0)) return 'categorical';
  return 'numerical';
}

/** Builds the test input of one column. Throws ParseError for a non-numeric value in a numerical column. */
export function prepareColumn(
  name: string,
  cells: ArrayLike<Cell>,
  kind: ColumnKind,
  where: string,
  rows?: ArrayLike<number>,
): PreparedColumn {
  const count = rows ? rows.length : cells.length;
  if (kind === 'numerical') {
    const buf = new Float64Array(count);
    let n = 0;
    let missing = 0;
    for (let k = 0; k < count; k++) {
      const i = rows ? (rows[k] as number) : k;
      const v = cells[i] as Cell;
      if (v === null) {
        missing++;
        continue;
      }
      if (typeof v !== 'number') {
        throw new ParseError(
          `${where}: column '${name}' is numerical but row ${i + 1} holds a non-numeric value; clean the data or declare the column with --categorical ${name}`,
        );
      }
      if (!Number.isFinite(v)) {
        missing++;
        continue;
      }
      buf[n++] = v;
    }
    const values = buf.subarray(0, n).sort();
    return { name, kind, values, n, missing };
  }
  const counts = new Map<string, number>();
  let n = 0;
  let missing = 0;
  let numericKeys = true;
  for (let k = 0; k < count; k++) {
    const i = rows ? (rows[k] as number) : k;
    const v = cells[i] as Cell;
    if (v === null || (typeof v === 'number' && !Number.isFinite(v))) {
      missing++;
      continue;
    }
    if (typeof v !== 'number') numericKeys = false;
    const key = String(v);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    n++;
  }
  return { name, kind, counts, numericKeys, n, missing };
}

/** Category counts of a numerical column (for chi-squared, Z, and PSI/JS on ≤ 20 distinct values). */
function countsOf(col: PreparedColumn): Map<string, number> {
  if (col.counts) return col.counts;
  const out = new Map<string, number>();
  const a = col.values as Float64Array;
  let i = 0;
  while (i < a.length) {
    const v = a[i] as number;
    let j = i;
    while (j < a.length && a[j] === v) j++;
    out.set(String(v), j - i);
    i = j;
  }
  return out;
}

function unionKeys(a: Map<string, number>, b: Map<string, number>, numeric: boolean): string[] {
  const keys = new Set<string>(a.keys());
  for (const k of b.keys()) keys.add(k);
  const out = [...keys];
  if (numeric) out.sort((x, y) => Number(x) - Number(y));
  else out.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  return out;
}

function distinctUnion(ref: PreparedColumn, cur: PreparedColumn): number {
  if (ref.values && cur.values) return countDistinctUnion(ref.values, cur.values);
  const keys = new Set<string>(countsOf(ref).keys());
  for (const k of countsOf(cur).keys()) keys.add(k);
  return keys.size;
}

function distinctRef(ref: PreparedColumn): number {
  return ref.values ? countDistinctSorted(ref.values) : countsOf(ref).size;
}

/** Evidently's _get_default_stattest. */
export function defaultStatTest(
  kind: ColumnKind,
  referenceRows: number,
  distinctValues: number,
): StatTestName {
  if (referenceRows <= SMALL_REFERENCE_ROWS) {
    if (kind === 'numerical' && distinctValues > NUMBER_UNIQUE_AS_CATEGORICAL) return 'ks';
    return distinctValues > 2 ? 'chisquare' : 'z';
  }
  if (kind === 'numerical' && distinctValues > NUMBER_UNIQUE_AS_CATEGORICAL) return 'wasserstein';
  return 'jensenshannon';
}

export type ChartData =
  | { type: 'histogram'; edges: number[]; reference: number[]; current: number[] }
  | { type: 'bars'; categories: string[]; reference: number[]; current: number[]; otherCategories?: number };

export interface ColumnDrift {
  column: string;
  kind: ColumnKind;
  test: StatTestName;
  testName: string;
  scoreKind: 'p_value' | 'distance';
  /** p-value or distance; null when the column could not be tested. */
  score: number | null;
  /** The test statistic where it differs from the score (KS D, chi-squared, z). */
  statistic?: number;
  threshold: number;
  drifted: boolean;
  referenceCount: number;
  currentCount: number;
  referenceMissing: number;
  currentMissing: number;
  /** Distinct values of reference and current together. */
  distinctValues: number;
  /** KS: 'exact' or 'asymp' (+ how the asymptotic value was evaluated). */
  method?: string;
  /** Why the column was not tested. */
  skipped?: string;
  chart?: ChartData;
}

export interface TestOptions {
  /** Force this test (else Evidently's default selection). */
  test?: StatTestName;
  /** Threshold (else the test's default). */
  threshold?: number;
  /** Build chart data (off for windows). */
  chart?: boolean;
}

/** Shares of the binned or per-value distribution, as Evidently's get_binned_data (zero fill applied by callers). */
function binnedShares(
  ref: PreparedColumn,
  cur: PreparedColumn,
): { ref: Float64Array; cur: Float64Array; edges?: Float64Array; keys?: string[] } {
  if (ref.kind === 'numerical' && ref.values && cur.values && distinctRef(ref) > BINNING_MIN_DISTINCT) {
    return binnedNumericShares(ref.values, cur.values);
  }
  const rc = countsOf(ref);
  const cc = countsOf(cur);
  const keys = unionKeys(rc, cc, ref.kind === 'numerical' || (!!ref.numericKeys && !!cur.numericKeys));
  const r = new Float64Array(keys.length);
  const c = new Float64Array(keys.length);
  keys.forEach((k, i) => {
    r[i] = (rc.get(k) ?? 0) / ref.n;
    c[i] = (cc.get(k) ?? 0) / cur.n;
  });
  return { ref: r, cur: c, keys };
}

/** Runs one drift test on one column. */
export function testColumn(ref: PreparedColumn, cur: PreparedColumn, opts: TestOptions = {}): ColumnDrift {
  const base = {
    column: ref.name,
    kind: ref.kind,
    referenceCount: ref.n,
    currentCount: cur.n,
    referenceMissing: ref.missing,
    currentMissing: cur.missing,
  };
  if (ref.n === 0 || cur.n === 0) {
    const test = opts.test ?? defaultStatTest(ref.kind, ref.n, 0);
    return {
      ...base,
      test,
      testName: STAT_TESTS[test].display,
      scoreKind: STAT_TESTS[test].scoreKind,
      score: null,
      threshold: opts.threshold ?? STAT_TESTS[test].defaultThreshold,
      drifted: false,
      distinctValues: 0,
      skipped: ref.n === 0 ? 'no values in the reference' : 'no values in the current data',
    };
  }
  const distinctValues = distinctUnion(ref, cur);
  const test = opts.test ?? defaultStatTest(ref.kind, ref.n, distinctValues);
  const info = STAT_TESTS[test];
  if (!info.kinds.includes(ref.kind)) {
    throw new UsageError(
      `test '${test}' needs a numerical column but '${ref.name}' is categorical; choose chisquare, z, psi or jensenshannon`,
    );
  }
  const threshold = opts.threshold ?? info.defaultThreshold;
  let score: number;
  let statistic: number | undefined;
  let method: string | undefined;
  switch (test) {
    case 'ks': {
      const r = ksTwoSample(ref.values as Float64Array, cur.values as Float64Array);
      score = r.pValue;
      statistic = r.statistic;
      method = r.approximation ? `${r.method} (${r.approximation})` : r.method;
      break;
    }
    case 'wasserstein':
      score = wassersteinNormed(ref.values as Float64Array, cur.values as Float64Array);
      break;
    case 'chisquare': {
      const rc = countsOf(ref);
      const cc = countsOf(cur);
      const keys = unionKeys(rc, cc, false);
      const r = chiSquareCounts(
        keys.map((k) => rc.get(k) ?? 0),
        keys.map((k) => cc.get(k) ?? 0),
      );
      score = r.pValue;
      statistic = r.statistic;
      break;
    }
    case 'z': {
      const rc = countsOf(ref);
      const cc = countsOf(cur);
      const numericKeys = ref.kind === 'numerical' || (!!ref.numericKeys && !!cur.numericKeys);
      const keys = unionKeys(rc, cc, numericKeys);
      if (rc.size === 1 && cc.size === 1 && keys.length === 1) {
        score = 1;
        statistic = 0;
      } else {
        const first = keys[0] as string;
        const r = zTestProportions(ref.n - (rc.get(first) ?? 0), ref.n, cur.n - (cc.get(first) ?? 0), cur.n);
        score = r.pValue;
        statistic = r.statistic;
      }
      break;
    }
    case 'psi': {
      const b = binnedShares(ref, cur);
      score = psi(fillZeroShares(b.ref), fillZeroShares(b.cur));
      break;
    }
    case 'jensenshannon': {
      const b = binnedShares(ref, cur);
      score = jensenShannonDistance(b.ref, b.cur);
      break;
    }
  }
  const drifted =
    info.scoreKind === 'distance'
      ? score >= threshold
      : test === 'ks'
        ? score <= threshold
        : score < threshold;
  const out: ColumnDrift = {
    ...base,
    test,
    testName: info.display,
    scoreKind: info.scoreKind,
    score,
    threshold,
    drifted,
    distinctValues,
  };
  if (statistic !== undefined) out.statistic = statistic;
  if (method) out.method = method;
  if (opts.chart) out.chart = chartData(ref, cur);
  return out;
}

/** Chart data: a histogram over common edges for numerical columns, per-category shares otherwise. */
export function chartData(ref: PreparedColumn, cur: PreparedColumn): ChartData {
  if (ref.kind === 'numerical' && ref.values && cur.values && distinctRef(ref) > BINNING_MIN_DISTINCT) {
    const b = binnedNumericShares(ref.values, cur.values);
    return { type: 'histogram', edges: [...b.edges], reference: [...b.ref], current: [...b.cur] };
  }
  const rc = countsOf(ref);
  const cc = countsOf(cur);
  const numeric = ref.kind === 'numerical' || (!!ref.numericKeys && !!cur.numericKeys);
  let keys = unionKeys(rc, cc, numeric);
  let other = 0;
  let otherRef = 0;
  let otherCur = 0;
  if (keys.length > CHART_MAX_CATEGORIES) {
    const weight = (k: string): number => (rc.get(k) ?? 0) / ref.n + (cc.get(k) ?? 0) / cur.n;
    const ranked = [...keys].sort((a, b) => weight(b) - weight(a));
    const kept = new Set(ranked.slice(0, CHART_MAX_CATEGORIES - 1));
    for (const k of keys) {
      if (kept.has(k)) continue;
      other++;
      otherRef += rc.get(k) ?? 0;
      otherCur += cc.get(k) ?? 0;
    }
    keys = keys.filter((k) => kept.has(k));
  }
  const out: ChartData = {
    type: 'bars',
    categories: keys,
    reference: keys.map((k) => (rc.get(k) ?? 0) / ref.n),
    current: keys.map((k) => (cc.get(k) ?? 0) / cur.n),
  };
  if (other) {
    out.categories.push(`(${other} others)`);
    out.reference.push(otherRef / ref.n);
    out.current.push(otherCur / cur.n);
    out.otherCategories = other;
  }
  return out;
}

export interface DatasetDrift {
  numberOfColumns: number;
  numberOfDriftedColumns: number;
  shareOfDriftedColumns: number;
  driftShare: number;
  datasetDrift: boolean;
  driftedColumns: string[];
}

/** Evidently's dataset verdict: drift when the share of drifted (tested) columns is at least `driftShare`. */
export function datasetDrift(columns: ColumnDrift[], driftShare = DEFAULT_DRIFT_SHARE): DatasetDrift {
  const tested = columns.filter((c) => c.score !== null);
  const drifted = tested.filter((c) => c.drifted).map((c) => c.column);
  const share = tested.length ? drifted.length / tested.length : 0;
  return {
    numberOfColumns: tested.length,
    numberOfDriftedColumns: drifted.length,
    shareOfDriftedColumns: share,
    driftShare,
    datasetDrift: tested.length > 0 && share >= driftShare,
    driftedColumns: drifted,
  };
}
