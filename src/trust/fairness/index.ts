/**
 * Fairness assessment: per-group rates, Fairlearn and AIF360 summaries, generalized entropy, consistency and seeded
 * bootstrap confidence intervals, as one versioned result object (schema in docs/fairness.md).
 */
import { UsageError } from '../../core/errors.js';
import type { Cell, Table } from '../data/table.js';
import type { FeatureSpec } from '../predict/index.js';
import {
  aggregate,
  aif360Summary,
  betweenGroupGeneralizedEntropyIndex,
  consistency,
  countByGroup,
  FRAME_METRICS,
  fairlearnSummary,
  generalizedEntropyIndex,
  mulberry32,
  quantile,
  RATE_METRICS,
  rates,
  theilIndex,
  type Aggregates,
  type Aif360Summary,
  type BinaryData,
  type FairlearnSummary,
  type FrameMetric,
  type GroupRates,
  type KnnFeatures,
} from './metrics.js';

export * from './metrics.js';

export const FAIRNESS_SCHEMA = 'https://bulwark.dev/schemas/fairness/v1';
export const FAIRNESS_RESULT_VERSION = 1;
export const DEFAULT_MIN_GROUP_SIZE = 30;
/** Separator of the values of several sensitive columns in an intersectional group label. */
export const GROUP_SEPARATOR = '|';
export const MISSING_GROUP = '(missing)';

export interface FairnessInput {
  /** True labels, one per row. */
  labels: Cell[];
  /** Predicted labels, one per row (same value space as labels). */
  predictions: Cell[];
  /** Sensitive columns by name (several → intersectional groups such as `Female|Black`). */
  sensitive: Array<{ name: string; values: Cell[] }>;
  /** The favorable (positive) label. Default: Fairlearn's pos_label=None rule, the largest label value. */
  favorable?: Cell;
  /** Privileged rows: column → accepted values (OR within a column, AND across columns). */
  privileged?: Record<string, Cell[]>;
  /** Unprivileged rows, same form (default: every row that is not privileged). */
  unprivileged?: Record<string, Cell[]>;
  /** Non-negative sample weights. */
  weights?: ArrayLike<number>;
  /** Groups with fewer rows are flagged (default 30). */
  minGroupSize?: number;
  /** α values of the generalized entropy index (default [2]; Theil α=1 is always reported). */
  geiAlphas?: number[];
  bootstrap?: { samples: number; seed: number; confidence?: number };
  /** Consistency (k-NN) over these features; `sample` query rows (seeded) against all rows, default 1000. */
  consistency?: { features: KnnFeatures; k?: number; sample?: number; seed?: number };
}

export interface GroupResult extends GroupRates {
  group: string;
  /** Value of each sensitive column for this group. */
  values: Record<string, Cell>;
  small: boolean;
}

export interface Interval {
  low: number;
  high: number;
}

export interface FairnessResult {
  $schema: typeof FAIRNESS_SCHEMA;
  version: typeof FAIRNESS_RESULT_VERSION;
  rows: number;
  sensitive: string[];
  favorable: Cell;
  weighted: boolean;
  overall: GroupRates;
  groups: GroupResult[];
  /** MetricFrame-style aggregates per metric. */
  aggregates: Record<FrameMetric, Aggregates>;
  fairlearn: FairlearnSummary;
  aif360:
    | (Omit<Aif360Summary, 'privileged' | 'unprivileged'> & {
        privileged: GroupRates & { definition: Record<string, Cell[]>; groups: string[] };
        unprivileged: GroupRates & { definition: Record<string, Cell[]> | 'complement'; groups: string[] };
      })
    | null;
  /** Four-fifths rule on min/max selection rate (no privileged group needed) and on AIF360 DI when available. */
  four_fifths: {
    ratio: number | null;
    passes: boolean | null;
    basis: 'disparate_impact' | 'demographic_parity_ratio';
  };
  inequality: {
    theil_index: number | null;
    generalized_entropy_index: Array<{ alpha: number; value: number | null }>;
    between_group_generalized_entropy_index: number | null;
  };
  consistency: { value: number | null; k: number; queries: number; rows: number } | null;
  bootstrap: {
    samples: number;
    seed: number;
    confidence: number;
    intervals: Record<string, Interval | null>;
  } | null;
  warnings: string[];
}

function key(v: Cell): string {
  return v === null ? MISSING_GROUP : String(v);
}

function compareCells(a: Cell, b: Cell): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = key(a);
  const y = key(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Fairlearn's default positive label (pos_label=None): the largest label value. */
export function defaultFavorable(labels: Cell[]): Cell {
  const distinct = new Set<Cell>(labels);
  distinct.delete(null);
  const seen = new Map<string, Cell>();
  for (const v of distinct) if (!seen.has(key(v))) seen.set(key(v), v);
  if (seen.size === 0) throw new UsageError('the label column has no values');
  const vals = [...seen.values()];
  if (vals.every((v) => typeof v === 'boolean')) return true;
  return vals.sort(compareCells)[vals.length - 1] as Cell;
}

/** 1 where the value equals the favorable label (numbers and their decimal strings compare equal). */
export function binarize(values: Cell[], favorable: Cell, what: string): Uint8Array {
  const out = new Uint8Array(values.length);
  const fk = key(favorable);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as Cell;
    if (v === favorable) out[i] = 1;
    else if (v === null)
      throw new UsageError(
        `${what} row ${i + 1} is empty; every row needs a value (drop or fill missing rows)`,
      );
    else if (typeof v !== typeof favorable && key(v) === fk) out[i] = 1;
  }
  return out;
}

/** Combines sensitive columns into group indices; labels join the values with `|` (e.g. `Female|Black`). */
export function groupRows(
  sensitive: Array<{ name: string; values: Cell[] }>,
  n: number,
): {
  groups: Int32Array;
  names: string[];
  values: Array<Record<string, Cell>>;
} {
  if (sensitive.length === 0)
    throw new UsageError('at least one sensitive column is needed (--sensitive COL)');
  // Code each column's values (Map on the value itself), then combine the codes in mixed radix.
  const colCodes: Int32Array[] = [];
  const colValues: Cell[][] = [];
  for (const s of sensitive) {
    const m = new Map<Cell, number>();
    const vals: Cell[] = [];
    const codes = new Int32Array(n);
    const src = s.values;
    for (let i = 0; i < n; i++) {
      const v = src[i] ?? null;
      let c = m.get(v);
      if (c === undefined) {
        c = vals.length;
        m.set(v, c);
        vals.push(v);
      }
      codes[i] = c;
    }
    colCodes.push(codes);
    colValues.push(vals);
  }
  // Combined codes index a flat table while the code space is small, else a Map.
  let space = 1;
  for (const v of colValues) space *= v.length;
  const table = space <= 1 << 20 ? new Int32Array(space).fill(-1) : undefined;
  const index = new Map<number, number>();
  const labelIndex = new Map<string, number>();
  const names: string[] = [];
  const values: Array<Record<string, Cell>> = [];
  const groups = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let combined = 0;
    for (let s = 0; s < colCodes.length; s++) combined = combined * colValues[s]!.length + colCodes[s]![i]!;
    let k = table ? table[combined]! : (index.get(combined) ?? -1);
    if (k < 0) {
      const rec: Record<string, Cell> = {};
      const parts: string[] = [];
      sensitive.forEach((s, c) => {
        const v = colValues[c]![colCodes[c]![i]!] ?? null;
        Object.defineProperty(rec, s.name, {
          value: v,
          enumerable: true,
          writable: true,
          configurable: true,
        });
        parts.push(key(v));
      });
      const label = parts.join(GROUP_SEPARATOR);
      // 1 and "1" (or null and "(missing)") share a label: they share a group.
      const known = labelIndex.get(label);
      if (known !== undefined) k = known;
      else {
        k = names.length;
        labelIndex.set(label, k);
        names.push(label);
        values.push(rec);
      }
      if (table) table[combined] = k;
      else index.set(combined, k);
    }
    groups[i] = k;
  }
  // Stable, readable order: sort groups by label and remap.
  const order = names.map((_, k) => k).sort((a, b) => compareGroup(values[a]!, values[b]!, sensitive));
  const remap = new Int32Array(names.length);
  order.forEach((old, pos) => (remap[old] = pos));
  for (let i = 0; i < n; i++) groups[i] = remap[groups[i]!]!;
  return { groups, names: order.map((k) => names[k]!), values: order.map((k) => values[k]!) };
}

function compareGroup(
  a: Record<string, Cell>,
  b: Record<string, Cell>,
  sensitive: Array<{ name: string }>,
): number {
  for (const s of sensitive) {
    const c = compareCells(a[s.name] ?? null, b[s.name] ?? null);
    if (c) return c;
  }
  return 0;
}

function matches(values: Record<string, Cell>, def: Record<string, Cell[]>): boolean {
  for (const [col, accepted] of Object.entries(def)) {
    if (!(col in values))
      throw new UsageError(
        `privileged/unprivileged column '${col}' is not a sensitive column; add it to --sensitive`,
      );
    const v = key(values[col] ?? null);
    if (!accepted.some((a) => key(a) === v)) return false;
  }
  return true;
}

function checkLengths(input: FairnessInput): number {
  const n = input.labels.length;
  if (n === 0) throw new UsageError('no rows to assess');
  if (input.predictions.length !== n)
    throw new UsageError(`${input.predictions.length} predictions for ${n} labels`);
  for (const s of input.sensitive) {
    if (s.values.length !== n)
      throw new UsageError(`sensitive column '${s.name}' has ${s.values.length} values, expected ${n}`);
  }
  if (input.weights && input.weights.length !== n)
    throw new UsageError(`${input.weights.length} weights for ${n} rows`);
  return n;
}

function toWeights(w: ArrayLike<number> | undefined): Float64Array | undefined {
  if (!w) return undefined;
  const out = new Float64Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const v = w[i] as number;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new UsageError(`weight in row ${i + 1} is not a non-negative number; fix the weights column`);
    }
    out[i] = v;
  }
  return out;
}

interface Core {
  frame: Record<FrameMetric, Aggregates>;
  fairlearn: FairlearnSummary;
  aif: Aif360Summary | null;
  theil: number | null;
}

function computeCore(
  d: BinaryData,
  priv: number[] | null,
  unpriv: number[] | null,
  rows?: Int32Array,
): Core & {
  groupRates: GroupRates[];
  overall: GroupRates;
} {
  const { groups, overall } = countByGroup(d, rows);
  const groupRates = groups.map(rates);
  const o = rates(overall);
  const frame = {} as Record<FrameMetric, Aggregates>;
  for (const m of [...FRAME_METRICS, ...RATE_METRICS] as FrameMetric[]) {
    const pick = (r: GroupRates): number | null => (m === 'count' ? r.count : r[m]);
    // A group absent from a bootstrap resample has no rows: leave it out.
    frame[m] = aggregate(
      groupRates.map((r) => (r.count > 0 ? pick(r) : null)),
      pick(o),
    );
  }
  return {
    frame,
    fairlearn: fairlearnSummary(frame),
    aif: priv && unpriv ? aif360Summary(groups, priv, unpriv) : null,
    theil: theilIndex(d.yTrue, d.yPred, rows),
    groupRates,
    overall: o,
  };
}

/** Summary metrics that get bootstrap intervals. */
function summaryValues(c: Core): Record<string, number | null> {
  const out: Record<string, number | null> = {
    demographic_parity_difference: c.fairlearn.demographic_parity_difference.between_groups,
    demographic_parity_ratio: c.fairlearn.demographic_parity_ratio.between_groups,
    equalized_odds_difference: c.fairlearn.equalized_odds_difference.between_groups.worst_case,
    equalized_odds_ratio: c.fairlearn.equalized_odds_ratio.between_groups.worst_case,
    equal_opportunity_difference: c.fairlearn.equal_opportunity_difference.between_groups,
    theil_index: c.theil,
  };
  if (c.aif) {
    out['aif360.disparate_impact'] = c.aif.disparate_impact;
    out['aif360.statistical_parity_difference'] = c.aif.statistical_parity_difference;
    out['aif360.equal_opportunity_difference'] = c.aif.equal_opportunity_difference;
    out['aif360.average_odds_difference'] = c.aif.average_odds_difference;
  }
  return out;
}

/** Runs every fairness metric on binary outcomes derived from the labels and predictions. */
export function assessFairness(input: FairnessInput): FairnessResult {
  const n = checkLengths(input);
  const warnings: string[] = [];
  const favorable = input.favorable ?? defaultFavorable(input.labels);
  const yTrue = binarize(input.labels, favorable, 'label');
  const yPred = binarize(input.predictions, favorable, 'prediction');
  if (!yTrue.some((v) => v === 1))
    warnings.push(`no row has the favorable label ${JSON.stringify(favorable)}; check --favorable`);
  if (!yPred.some((v) => v === 1)) {
    const seen = [...new Set(input.predictions.slice(0, 10_000).map((v) => JSON.stringify(v)))]
      .slice(0, 5)
      .join(', ');
    warnings.push(
      `no prediction equals the favorable label ${JSON.stringify(favorable)} (predictions look like ${seen}); check --favorable, --threshold or the prediction column`,
    );
  }
  const weights = toWeights(input.weights);
  const { groups, names, values } = groupRows(input.sensitive, n);
  const d: BinaryData = { yTrue, yPred, groups, groupNames: names, weights };
  const minGroupSize = input.minGroupSize ?? DEFAULT_MIN_GROUP_SIZE;

  let priv: number[] | null = null;
  let unpriv: number[] | null = null;
  if (input.privileged) {
    priv = values.map((v, k) => (matches(v, input.privileged!) ? k : -1)).filter((k) => k >= 0);
    unpriv = input.unprivileged
      ? values.map((v, k) => (matches(v, input.unprivileged!) ? k : -1)).filter((k) => k >= 0)
      : values.map((_, k) => k).filter((k) => !priv!.includes(k));
    if (priv.length === 0)
      throw new UsageError(
        `no rows match the privileged group ${JSON.stringify(input.privileged)}; check --privileged COL=VALUE`,
      );
    if (unpriv.length === 0)
      throw new UsageError('no rows are in the unprivileged group; check --privileged / --unprivileged');
    const overlap = unpriv.filter((k) => priv!.includes(k));
    if (overlap.length)
      throw new UsageError(`group ${names[overlap[0]!]} is both privileged and unprivileged`);
  } else if (input.unprivileged) {
    throw new UsageError('--unprivileged needs --privileged');
  }

  const core = computeCore(d, priv, unpriv);
  const groupResults: GroupResult[] = core.groupRates.map((r, k) => ({
    group: names[k]!,
    values: values[k]!,
    ...r,
    small: r.count < minGroupSize,
  }));
  for (const g of groupResults) {
    if (g.small)
      warnings.push(
        `group ${g.group} has ${g.count} rows, fewer than the minimum of ${minGroupSize}: its rates are unreliable`,
      );
    for (const m of ['tpr', 'fpr'] as const) {
      if (g[m] === null) {
        warnings.push(
          `group ${g.group} has no ${m === 'tpr' ? 'favorable' : 'unfavorable'} labels: its ${m.toUpperCase()} is undefined and left out of the aggregates (Fairlearn would count it as 0)`,
        );
      }
    }
  }
  if (names.length < 2) warnings.push('only one group: disparities are 0 by definition');

  let aif: FairnessResult['aif360'] = null;
  if (core.aif && priv && unpriv) {
    const { privileged: p, unprivileged: u, ...rest } = core.aif;
    aif = {
      ...rest,
      privileged: { ...p, definition: input.privileged!, groups: priv.map((k) => names[k]!) },
      unprivileged: {
        ...u,
        definition: input.unprivileged ?? 'complement',
        groups: unpriv.map((k) => names[k]!),
      },
    };
  }
  const fourFifths: FairnessResult['four_fifths'] = aif
    ? {
        ratio: aif.disparate_impact,
        passes: aif.disparate_impact === null ? null : aif.disparate_impact >= 0.8,
        basis: 'disparate_impact',
      }
    : (() => {
        const r = core.fairlearn.demographic_parity_ratio.between_groups;
        return { ratio: r, passes: r === null ? null : r >= 0.8, basis: 'demographic_parity_ratio' as const };
      })();

  const alphas = input.geiAlphas ?? [2];
  const inequality = {
    theil_index: core.theil,
    generalized_entropy_index: alphas.map((alpha) => ({
      alpha,
      value: generalizedEntropyIndex(yTrue, yPred, alpha),
    })),
    between_group_generalized_entropy_index: betweenGroupGeneralizedEntropyIndex(d, 2),
  };

  let cons: FairnessResult['consistency'] = null;
  if (input.consistency) {
    const f = input.consistency.features;
    if (f.n !== n) throw new UsageError(`consistency features have ${f.n} rows, expected ${n}`);
    const k = input.consistency.k ?? 5;
    const sample = input.consistency.sample ?? 1000;
    let queries: Int32Array | undefined;
    if (sample > 0 && sample < n) queries = sampleRows(n, sample, input.consistency.seed ?? 0);
    cons = { value: consistency(f, yPred, k, queries), k, queries: queries ? queries.length : n, rows: n };
  }

  let bootstrap: FairnessResult['bootstrap'] = null;
  if (input.bootstrap && input.bootstrap.samples > 0) {
    bootstrap = runBootstrap(
      d,
      priv,
      unpriv,
      input.bootstrap.samples,
      input.bootstrap.seed,
      input.bootstrap.confidence ?? 0.95,
    );
  }

  return {
    $schema: FAIRNESS_SCHEMA,
    version: FAIRNESS_RESULT_VERSION,
    rows: n,
    sensitive: input.sensitive.map((s) => s.name),
    favorable,
    weighted: weights !== undefined,
    overall: core.overall,
    groups: groupResults,
    aggregates: core.frame,
    fairlearn: core.fairlearn,
    aif360: aif,
    four_fifths: fourFifths,
    inequality,
    consistency: cons,
    bootstrap,
    warnings,
  };
}

/** `m` distinct row indices chosen with a seeded partial Fisher–Yates shuffle, sorted. */
export function sampleRows(n: number, m: number, seed: number): Int32Array {
  const rnd = mulberry32(seed);
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(rnd() * (n - i));
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  return idx.slice(0, m).sort();
}

function runBootstrap(
  d: BinaryData,
  priv: number[] | null,
  unpriv: number[] | null,
  samples: number,
  seed: number,
  confidence: number,
): NonNullable<FairnessResult['bootstrap']> {
  if (!Number.isInteger(samples) || samples < 1 || samples > 100_000) {
    throw new UsageError(`bootstrap samples must be an integer in 1..100000, got ${samples}`);
  }
  if (!(confidence > 0 && confidence < 1))
    throw new UsageError(`bootstrap confidence must be in (0, 1), got ${confidence}`);
  const n = d.yTrue.length;
  const rnd = mulberry32(seed);
  const rows = new Int32Array(n);
  const draws: Record<string, number[]> = {};
  for (let b = 0; b < samples; b++) {
    for (let i = 0; i < n; i++) rows[i] = Math.floor(rnd() * n);
    const c = computeCore(d, priv, unpriv, rows);
    for (const [k, v] of Object.entries(summaryValues(c))) {
      draws[k] ??= [];
      if (v !== null && Number.isFinite(v)) draws[k].push(v);
    }
  }
  const lo = (1 - confidence) / 2;
  const intervals: Record<string, Interval | null> = {};
  for (const [k, vs] of Object.entries(draws)) {
    vs.sort((a, b) => a - b);
    intervals[k] = vs.length ? { low: quantile(vs, lo), high: quantile(vs, 1 - lo) } : null;
  }
  return { samples, seed, confidence, intervals };
}

/** Builds k-NN features for consistency from table columns described by a feature spec. */
export function knnFeaturesFromSpec(table: Table, spec: FeatureSpec): KnnFeatures {
  const n = table.rowCount;
  const numericF = spec.features.filter((f) => f.type === 'numeric');
  const catF = spec.features.filter((f) => f.type === 'onehot');
  const numeric = new Float64Array(numericF.length * n);
  const codes = new Int32Array(catF.length * n);
  numericF.forEach((f, c) => {
    const col = table.column(f.column);
    const mean = f.mean ?? 0;
    const std = f.std ?? 1;
    for (let i = 0; i < n; i++) {
      const v = col[i];
      const x = typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : (f.fill ?? mean);
      numeric[i * numericF.length + c] = (x - mean) / std;
    }
  });
  catF.forEach((f, c) => {
    const col = table.column(f.column);
    const index = new Map<string, number>();
    f.categories.forEach((v, k) => index.set(String(v), k));
    for (let i = 0; i < n; i++) {
      const v = col[i];
      codes[i * catF.length + c] = v === null || v === undefined ? -1 : (index.get(String(v)) ?? -1);
    }
  });
  return { n, numeric, numericCount: numericF.length, codes, categoricalCount: catF.length };
}

/** Builds k-NN features from plain columns: numbers are standardised (z-score), anything else is categorical. */
export function knnFeaturesFromColumns(table: Table, columns: string[]): KnnFeatures {
  const spec: FeatureSpec = { version: 1, features: [] };
  for (const c of columns) {
    const col = table.column(c);
    if (col.every((v) => v === null || typeof v === 'number')) {
      let s = 0;
      let s2 = 0;
      let m = 0;
      for (const v of col) {
        if (typeof v === 'number') {
          s += v;
          s2 += v * v;
          m++;
        }
      }
      const mean = m ? s / m : 0;
      const std = m ? Math.sqrt(Math.max(0, s2 / m - mean * mean)) : 1;
      spec.features.push({ column: c, type: 'numeric', mean, std: std > 0 ? std : 1 });
    } else {
      const cats = [
        ...new Set(col.filter((v): v is string | number | boolean => v !== null).map((v) => String(v))),
      ];
      spec.features.push({ column: c, type: 'onehot', categories: cats });
    }
  }
  return knnFeaturesFromSpec(table, spec);
}
