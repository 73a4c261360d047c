/**
 * `monitorDrift`: reads a reference and a current table (CSV, JSON Lines, Parquet, or an inference log), tests every
 * monitored column, the prediction column and optional time or row windows, and returns a `bulwark.drift` result with
 * findings and scalar metrics (importable by `bulwark audit --evidence`).
 */

import { LimitError, ParseError, UsageError } from '../../core/errors.js';
import type { Finding } from '../../core/finding.js';
import { makeFinding } from '../../core/rules.js';
import {
  readTable,
  tableFromColumns,
  type Cell,
  type Table,
  type TableFormat,
} from '../../trust/data/table.js';
import {
  DEFAULT_DRIFT_SHARE,
  datasetDrift,
  inferKind,
  prepareColumn,
  STAT_TESTS,
  testColumn,
  type ColumnDrift,
  type ColumnKind,
  type DatasetDrift,
  type PreparedColumn,
  type StatTestName,
} from './engine.js';
import { DRIFT_DATASET, DRIFT_FEATURE, DRIFT_INCONCLUSIVE, DRIFT_PREDICTION } from './rules.js';

export const DRIFT_SCHEMA_VERSION = 1;
/** Default minimum of non-missing values per side below which BW-DRIFT-004 flags a column. */
export const DEFAULT_MIN_ROWS = 30;
/** Most windows a run may produce. */
export const MAX_WINDOWS = 5000;

export interface MonitorOptions {
  reference: string;
  current: string;
  /** Names shown in the report (default: the paths). */
  displayReference?: string;
  displayCurrent?: string;
  /** Columns to monitor (default: every column of the reference except timestamp and prediction). */
  columns?: string[];
  /** Columns forced categorical / numerical. */
  categorical?: string[];
  numerical?: string[];
  /** Prediction column, tested like a feature and reported separately. */
  prediction?: string;
  /** Timestamp column of the current data (needed for time windows). */
  timestamp?: string;
  /** Window: a duration (`1d`, `6h`, `30m`, `1w`, `90s`) or a row count (`5000` or `5000rows`). */
  window?: string;
  /** Test for every column (default: Evidently's selection). */
  stattest?: StatTestName;
  /** Per-column tests, overriding `stattest`. */
  columnStattests?: Record<string, StatTestName>;
  /** Threshold for every column (default: the test's). */
  threshold?: number;
  columnThresholds?: Record<string, number>;
  /** Share of drifted columns for dataset drift (default 0.5). */
  driftShare?: number;
  /** BW-DRIFT-004 below this many values per side (default 30). */
  minRows?: number;
  read?: { format?: TableFormat; delimiter?: string; maxRows?: number };
  toolVersion?: string;
}

export interface WindowResult {
  index: number;
  /** ISO start/end (time windows) or first/last row numbers, 1-based (row windows). */
  start: string;
  end: string;
  rows: number;
  numberOfColumns: number;
  numberOfDriftedColumns: number;
  shareOfDriftedColumns: number;
  datasetDrift: boolean;
  driftedColumns: string[];
  predictionDrift?: boolean;
  predictionScore?: number | null;
  /** Per column: test, score and verdict (no charts). */
  columns: Array<Pick<ColumnDrift, 'column' | 'test' | 'score' | 'threshold' | 'drifted' | 'currentCount'>>;
  tooFewRows?: boolean;
}

export interface DriftResult {
  kind: 'bulwark.drift';
  schemaVersion: number;
  tool: { name: 'bulwark'; version: string };
  generatedAt: string;
  reference: { file: string; rows: number };
  current: { file: string; rows: number };
  options: {
    stattest: StatTestName | 'auto';
    threshold: number | 'default';
    driftShare: number;
    minRows: number;
    prediction?: string;
    timestamp?: string;
    window?: string;
  };
  dataset: DatasetDrift;
  columns: ColumnDrift[];
  prediction?: ColumnDrift;
  /** Monitored columns absent from the current data. */
  missingColumns: string[];
  windows?: WindowResult[];
  firstDriftedWindow?: { index: number; start: string; end: string; driftedColumns: string[] };
  findings: Finding[];
  metrics: Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------- loading

/**
 * Expands an inference log's `features` object column (JSON Lines `{"timestamp", "features": {...}, "prediction"}`)
 * into one column per key. Keys that clash with a top-level column are named `features.<key>`.
 */
export function expandInferenceLog(table: Table, where: string): Table {
  if (!table.columns.includes('features')) return table;
  const col = table.column('features');
  const objects: Array<Record<string, unknown> | null> = new Array(col.length);
  let seen = 0;
  for (let i = 0; i < col.length; i++) {
    const v = col[i];
    if (v === null) {
      objects[i] = null;
      continue;
    }
    if (typeof v !== 'string' || !v.startsWith('{')) return table; // an ordinary column named "features"
    let o: unknown;
    try {
      o = JSON.parse(v);
    } catch {
      return table;
    }
    if (o === null || typeof o !== 'object' || Array.isArray(o)) return table;
    objects[i] = o as Record<string, unknown>;
    seen++;
  }
  if (seen === 0) return table;
  const out: Record<string, Cell[]> = {};
  for (const c of table.columns) if (c !== 'features') out[c] = table.column(c);
  const names = new Map<string, string>();
  objects.forEach((o, i) => {
    if (!o) return;
    for (const [k, v] of Object.entries(o)) {
      let name = names.get(k);
      if (name === undefined) {
        name = k in out ? `features.${k}` : k;
        if (names.size >= 10_000)
          throw new LimitError('maxColumns', `${where}: more than 10000 distinct feature keys`);
        names.set(k, name);
        out[name] = new Array<Cell>(col.length).fill(null);
      }
      (out[name] as Cell[])[i] = toCell(v);
    }
  });
  return tableFromColumns(out);
}

function toCell(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}

async function load(file: string, shown: string, opts: MonitorOptions): Promise<Table> {
  const t = await readTable(file, {
    format: opts.read?.format,
    delimiter: opts.read?.delimiter,
    maxRows: opts.read?.maxRows,
  });
  if (t.rowCount === 0)
    throw new ParseError(`${shown}: no data rows; drift needs at least one row on each side`);
  return expandInferenceLog(t, shown);
}

// ---------------------------------------------------------------------------------------------- windows

/** Parses `1d`, `12h`, `30m`, `90s`, `1w` (milliseconds) or `5000` / `5000rows` (rows). */
export function parseWindow(spec: string): { ms: number } | { rows: number } {
  const s = spec.trim().toLowerCase();
  const rows = /^(\d+)\s*(?:rows?)?$/.exec(s);
  if (rows) {
    const n = Number(rows[1]);
    if (!Number.isSafeInteger(n) || n < 1)
      throw new UsageError(`--window ${spec}: the row count must be ≥ 1`);
    return { rows: n };
  }
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d|w)$/.exec(s);
  if (!m) {
    throw new UsageError(
      `--window ${JSON.stringify(spec)} is not a duration (e.g. 1d, 6h, 30m, 1w) or a row count (e.g. 5000rows)`,
    );
  }
  const unit = { ms: 1, s: 1e3, m: 6e4, min: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8 }[m[2] as string] as number;
  const ms = Number(m[1]) * unit;
  if (!(ms >= 1)) throw new UsageError(`--window ${spec}: the duration must be at least 1 ms`);
  return { ms };
}

/**
 * Milliseconds since the epoch of a timestamp cell: ISO 8601 / RFC 2822 strings, or numbers (seconds below 1e11,
 * milliseconds above, as most logs write them).
 */
export function parseTimestamp(v: Cell): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? (Math.abs(v) < 1e11 ? v * 1000 : v) : undefined;
  if (typeof v === 'string') {
    const t = v.trim();
    if (/^[+-]?\d+(\.\d+)?$/.test(t)) return parseTimestamp(Number(t));
    const ms = Date.parse(t);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

interface WindowPlan {
  /** Row indices of each window, in window order. */
  rows: Int32Array[];
  start: string[];
  end: string[];
}

function planWindows(table: Table, spec: string, timestamp: string | undefined, where: string): WindowPlan {
  const w = parseWindow(spec);
  const n = table.rowCount;
  if ('rows' in w) {
    const count = Math.ceil(n / w.rows);
    if (count > MAX_WINDOWS)
      throw new LimitError(
        'windows',
        `--window ${spec} makes ${count} windows (limit ${MAX_WINDOWS}); use larger windows`,
      );
    // Row windows follow the timestamp order when a timestamp is given, else the file order.
    let order: Int32Array = Int32Array.from({ length: n }, (_, i) => i);
    if (timestamp) {
      const ts = timestamps(table, timestamp, where);
      order = order.sort((a, b) => (ts[a] as number) - (ts[b] as number) || a - b);
    }
    const plan: WindowPlan = { rows: [], start: [], end: [] };
    for (let k = 0; k < count; k++) {
      plan.rows.push(order.subarray(k * w.rows, Math.min(n, (k + 1) * w.rows)));
      plan.start.push(`row ${k * w.rows + 1}`);
      plan.end.push(`row ${Math.min(n, (k + 1) * w.rows)}`);
    }
    return plan;
  }
  if (!timestamp)
    throw new UsageError(`--window ${spec} is a duration: give the time column with --timestamp COL`);
  const ts = timestamps(table, timestamp, where);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    lo = Math.min(lo, ts[i] as number);
    hi = Math.max(hi, ts[i] as number);
  }
  const first = Math.floor(lo / w.ms);
  const count = Math.floor(hi / w.ms) - first + 1;
  if (count > MAX_WINDOWS)
    throw new LimitError(
      'windows',
      `--window ${spec} spans ${count} windows (limit ${MAX_WINDOWS}); use larger windows`,
    );
  const idx = new Int32Array(n);
  const sizes = new Int32Array(count);
  for (let i = 0; i < n; i++) {
    const k = Math.floor((ts[i] as number) / w.ms) - first;
    idx[i] = k;
    sizes[k] = (sizes[k] as number) + 1;
  }
  const plan: WindowPlan = { rows: [], start: [], end: [] };
  const fill = new Int32Array(count);
  const buckets = Array.from(sizes, (s) => new Int32Array(s));
  for (let i = 0; i < n; i++) {
    const k = idx[i] as number;
    (buckets[k] as Int32Array)[fill[k]!] = i;
    fill[k] = (fill[k] as number) + 1;
  }
  for (let k = 0; k < count; k++) {
    if ((sizes[k] as number) === 0) continue; // empty windows are not tested
    plan.rows.push(buckets[k] as Int32Array);
    plan.start.push(new Date((first + k) * w.ms).toISOString());
    plan.end.push(new Date((first + k + 1) * w.ms).toISOString());
  }
  return plan;
}

function timestamps(table: Table, column: string, where: string): Float64Array {
  if (!table.columns.includes(column))
    throw new UsageError(
      `--timestamp ${column}: no such column in ${where}; available: ${table.columns.slice(0, 20).join(', ')}`,
    );
  const cells = table.column(column);
  const out = new Float64Array(cells.length);
  for (let i = 0; i < cells.length; i++) {
    const t = parseTimestamp(cells[i] as Cell);
    if (t === undefined)
      throw new ParseError(
        `${where}: row ${i + 1} of timestamp column '${column}' is not a date (ISO 8601 or epoch seconds/milliseconds); fix or drop the row`,
      );
    out[i] = t;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------- main

function validateThreshold(name: string, v: number | undefined): void {
  if (v !== undefined && !(Number.isFinite(v) && v >= 0))
    throw new UsageError(`${name} must be a non-negative number, got ${v}`);
}

/** Runs the drift checks. Throws UsageError for bad options, ParseError / BulwarkError for unreadable data. */
export async function monitorDrift(opts: MonitorOptions): Promise<DriftResult> {
  const refName = opts.displayReference ?? opts.reference;
  const curName = opts.displayCurrent ?? opts.current;
  const driftShare = opts.driftShare ?? DEFAULT_DRIFT_SHARE;
  if (!(driftShare > 0 && driftShare <= 1))
    throw new UsageError(`--drift-share must be in (0, 1], got ${driftShare}`);
  const minRows = opts.minRows ?? DEFAULT_MIN_ROWS;
  validateThreshold('--threshold', opts.threshold);
  for (const [c, t] of Object.entries(opts.columnThresholds ?? {})) validateThreshold(`threshold of ${c}`, t);
  if (opts.window === undefined && opts.timestamp !== undefined) {
    // A timestamp alone is allowed (it is then only excluded from the features).
  }
  if (opts.window !== undefined) parseWindow(opts.window);

  const ref = await load(opts.reference, refName, opts);
  const cur = await load(opts.current, curName, opts);

  const utility = new Set([opts.timestamp, opts.prediction].filter((x): x is string => !!x));
  let columns: string[];
  if (opts.columns?.length) {
    for (const c of opts.columns) {
      if (!ref.columns.includes(c))
        throw new UsageError(
          `--columns ${c}: no such column in ${refName}; available: ${ref.columns.slice(0, 20).join(', ')}`,
        );
    }
    columns = opts.columns.filter((c) => !utility.has(c));
  } else {
    columns = ref.columns.filter((c) => !utility.has(c));
  }
  const forcedCat = new Set(opts.categorical ?? []);
  const forcedNum = new Set(opts.numerical ?? []);
  for (const c of [...forcedCat, ...forcedNum]) {
    if (!ref.columns.includes(c))
      throw new UsageError(`--categorical/--numerical ${c}: no such column in ${refName}`);
    if (forcedCat.has(c) && forcedNum.has(c))
      throw new UsageError(`column ${c} cannot be both categorical and numerical`);
  }
  if (opts.prediction !== undefined) {
    if (!ref.columns.includes(opts.prediction))
      throw new UsageError(`--prediction ${opts.prediction}: no such column in ${refName}`);
    if (!cur.columns.includes(opts.prediction))
      throw new UsageError(`--prediction ${opts.prediction}: no such column in ${curName}`);
  }
  if (opts.timestamp !== undefined && !cur.columns.includes(opts.timestamp))
    throw new UsageError(`--timestamp ${opts.timestamp}: no such column in ${curName}`);

  const missingColumns = columns.filter((c) => !cur.columns.includes(c));
  const present = columns.filter((c) => cur.columns.includes(c));
  if (present.length === 0 && opts.prediction === undefined)
    throw new UsageError(
      `no monitored column of ${refName} is present in ${curName}; check that both files have the same header`,
    );

  const kindOf = (c: string, isPrediction = false): ColumnKind =>
    forcedCat.has(c)
      ? 'categorical'
      : forcedNum.has(c)
        ? 'numerical'
        : inferKind(ref.column(c), cur.column(c), { prediction: isPrediction });
  // A per-column test is strict (an unsuitable one is a usage error); the global test applies to the columns whose
  // type it supports, the others keep the default selection (like Evidently's num_stattest / cat_stattest).
  // The global --threshold goes with the global test (or with the default selection when there is none).
  const testFor = (c: string, kind: ColumnKind) => {
    const perColumn = opts.columnStattests?.[c];
    const globalApplies = opts.stattest ? STAT_TESTS[opts.stattest].kinds.includes(kind) : true;
    return {
      test: perColumn ?? (globalApplies ? opts.stattest : undefined),
      threshold:
        opts.columnThresholds?.[c] ?? (perColumn === undefined && globalApplies ? opts.threshold : undefined),
    };
  };

  interface Monitored {
    name: string;
    kind: ColumnKind;
    ref: PreparedColumn;
    cells: Cell[];
    isPrediction: boolean;
  }
  const monitored: Monitored[] = [];
  for (const c of present) {
    const kind = kindOf(c);
    monitored.push({
      name: c,
      kind,
      ref: prepareColumn(c, ref.column(c), kind, refName),
      cells: cur.column(c),
      isPrediction: false,
    });
  }
  if (opts.prediction !== undefined) {
    const c = opts.prediction;
    const kind = kindOf(c, true);
    monitored.push({
      name: c,
      kind,
      ref: prepareColumn(c, ref.column(c), kind, refName),
      cells: cur.column(c),
      isPrediction: true,
    });
  }

  const results: ColumnDrift[] = [];
  let prediction: ColumnDrift | undefined;
  for (const m of monitored) {
    const curCol = prepareColumn(m.name, m.cells, m.kind, curName);
    const r = testColumn(m.ref, curCol, { ...testFor(m.name, m.kind), chart: true });
    if (m.isPrediction) prediction = r;
    else results.push(r);
  }
  const dataset = datasetDrift(results, driftShare);

  let windows: WindowResult[] | undefined;
  if (opts.window !== undefined) {
    const plan = planWindows(cur, opts.window, opts.timestamp, curName);
    windows = [];
    for (let k = 0; k < plan.rows.length; k++) {
      const rows = plan.rows[k] as Int32Array;
      const cols: ColumnDrift[] = [];
      let pred: ColumnDrift | undefined;
      for (const m of monitored) {
        const curCol = prepareColumn(m.name, m.cells, m.kind, curName, rows);
        const r = testColumn(m.ref, curCol, testFor(m.name, m.kind));
        if (m.isPrediction) pred = r;
        else cols.push(r);
      }
      const d = datasetDrift(cols, driftShare);
      const wr: WindowResult = {
        index: k,
        start: plan.start[k] as string,
        end: plan.end[k] as string,
        rows: rows.length,
        numberOfColumns: d.numberOfColumns,
        numberOfDriftedColumns: d.numberOfDriftedColumns,
        shareOfDriftedColumns: d.shareOfDriftedColumns,
        datasetDrift: d.datasetDrift,
        driftedColumns: d.driftedColumns,
        columns: cols.map((c) => ({
          column: c.column,
          test: c.test,
          score: c.score,
          threshold: c.threshold,
          drifted: c.drifted,
          currentCount: c.currentCount,
        })),
      };
      if (pred) {
        wr.predictionDrift = pred.drifted;
        wr.predictionScore = pred.score;
      }
      if (rows.length < minRows) wr.tooFewRows = true;
      windows.push(wr);
    }
  }

  const result: DriftResult = {
    kind: 'bulwark.drift',
    schemaVersion: DRIFT_SCHEMA_VERSION,
    tool: { name: 'bulwark', version: opts.toolVersion ?? '0.0.0' },
    generatedAt: new Date().toISOString(),
    reference: { file: refName, rows: ref.rowCount },
    current: { file: curName, rows: cur.rowCount },
    options: {
      stattest: opts.stattest ?? 'auto',
      threshold: opts.threshold ?? 'default',
      driftShare,
      minRows,
      ...(opts.prediction !== undefined ? { prediction: opts.prediction } : {}),
      ...(opts.timestamp !== undefined ? { timestamp: opts.timestamp } : {}),
      ...(opts.window !== undefined ? { window: opts.window } : {}),
    },
    dataset,
    columns: results,
    missingColumns,
    findings: [],
    metrics: {},
  };
  if (prediction) result.prediction = prediction;
  if (windows) {
    result.windows = windows;
    const first = windows.find((w) => w.datasetDrift || w.predictionDrift);
    if (first)
      result.firstDriftedWindow = {
        index: first.index,
        start: first.start,
        end: first.end,
        driftedColumns: first.driftedColumns,
      };
  }
  result.findings = driftFindings(result, curName, minRows);
  result.metrics = driftMetrics(result);
  return result;
}

function fmt(x: number | null): string {
  if (x === null) return 'n/a';
  if (x !== 0 && Math.abs(x) < 1e-3) return x.toExponential(2);
  return String(Math.round(x * 1e4) / 1e4);
}

function columnEvidence(c: ColumnDrift): Record<string, unknown> {
  return {
    column: c.column,
    kind: c.kind,
    test: c.test,
    score: c.score,
    scoreKind: c.scoreKind,
    threshold: c.threshold,
    ...(c.statistic !== undefined ? { statistic: c.statistic } : {}),
    referenceCount: c.referenceCount,
    currentCount: c.currentCount,
  };
}

/** The findings of a drift result (BW-DRIFT-001..004). */
export function driftFindings(r: DriftResult, file: string, minRows: number): Finding[] {
  const out: Finding[] = [];
  const loc = { file };
  const d = r.dataset;
  if (d.datasetDrift) {
    out.push(
      makeFinding(DRIFT_DATASET, {
        message: `dataset drift: ${d.numberOfDriftedColumns} of ${d.numberOfColumns} columns drifted (share ${fmt(d.shareOfDriftedColumns)} ≥ ${d.driftShare}): ${d.driftedColumns.slice(0, 10).join(', ')}${d.driftedColumns.length > 10 ? ', …' : ''}`,
        location: loc,
        evidence: { ...d },
      }),
    );
  }
  const driftedWindows = (r.windows ?? []).filter((w) => w.datasetDrift);
  if (driftedWindows.length && r.firstDriftedWindow) {
    const w = driftedWindows[0] as WindowResult;
    out.push(
      makeFinding(DRIFT_DATASET, {
        message: `dataset drift in ${driftedWindows.length} of ${(r.windows ?? []).length} windows, first in window ${w.index + 1} (${w.start} – ${w.end}): ${w.driftedColumns.slice(0, 10).join(', ')}`,
        location: loc,
        evidence: {
          window: r.options.window,
          driftedWindows: driftedWindows.length,
          windows: (r.windows ?? []).length,
          firstDriftedWindow: {
            index: w.index,
            start: w.start,
            end: w.end,
            rows: w.rows,
            share: w.shareOfDriftedColumns,
            driftedColumns: w.driftedColumns,
          },
        },
      }),
    );
  }
  for (const c of r.columns) {
    if (!c.drifted) continue;
    out.push(
      makeFinding(DRIFT_FEATURE, {
        message: `column '${c.column}' drifted: ${c.testName} ${fmt(c.score)} ${c.scoreKind === 'p_value' ? (c.test === 'ks' ? '≤' : '<') : '≥'} threshold ${c.threshold}`,
        location: loc,
        evidence: columnEvidence(c),
      }),
    );
  }
  if (r.prediction?.drifted) {
    const c = r.prediction;
    out.push(
      makeFinding(DRIFT_PREDICTION, {
        message: `prediction column '${c.column}' drifted: ${c.testName} ${fmt(c.score)} (threshold ${c.threshold})`,
        location: loc,
        evidence: columnEvidence(c),
      }),
    );
  } else if (r.windows?.some((w) => w.predictionDrift)) {
    const ws = r.windows.filter((w) => w.predictionDrift);
    const w = ws[0] as WindowResult;
    out.push(
      makeFinding(DRIFT_PREDICTION, {
        message: `prediction column '${r.options.prediction}' drifted in ${ws.length} windows, first in window ${w.index + 1} (${w.start} – ${w.end}): score ${fmt(w.predictionScore ?? null)}`,
        location: loc,
        evidence: {
          windows: ws.length,
          firstWindow: { index: w.index, start: w.start, end: w.end, score: w.predictionScore },
        },
      }),
    );
  }
  for (const c of r.missingColumns) {
    out.push(
      makeFinding(DRIFT_INCONCLUSIVE, {
        message: `column '${c}' of the reference is missing from the current data; it was not tested`,
        location: loc,
        evidence: { column: c, reason: 'missing-column' },
      }),
    );
  }
  for (const c of [...r.columns, ...(r.prediction ? [r.prediction] : [])]) {
    if (c.skipped) {
      out.push(
        makeFinding(DRIFT_INCONCLUSIVE, {
          message: `column '${c.column}' was not tested: ${c.skipped}`,
          location: loc,
          evidence: {
            column: c.column,
            reason: 'no-values',
            referenceCount: c.referenceCount,
            currentCount: c.currentCount,
          },
        }),
      );
    } else if (c.referenceCount < minRows || c.currentCount < minRows) {
      out.push(
        makeFinding(DRIFT_INCONCLUSIVE, {
          message: `column '${c.column}' has too few values to test reliably (reference ${c.referenceCount}, current ${c.currentCount}, minimum ${minRows})`,
          location: loc,
          evidence: {
            column: c.column,
            reason: 'too-few-rows',
            referenceCount: c.referenceCount,
            currentCount: c.currentCount,
            minRows,
          },
        }),
      );
    }
  }
  const small = (r.windows ?? []).filter((w) => w.tooFewRows);
  if (small.length) {
    out.push(
      makeFinding(DRIFT_INCONCLUSIVE, {
        message: `${small.length} of ${(r.windows ?? []).length} windows have fewer than ${minRows} rows; their results are unreliable (use longer windows)`,
        location: loc,
        evidence: {
          reason: 'small-windows',
          windows: small.slice(0, 20).map((w) => ({ index: w.index, start: w.start, rows: w.rows })),
          minRows,
        },
      }),
    );
  }
  return out;
}

/** Scalar metrics for `bulwark audit --evidence` (booleans as 0/1). */
export function driftMetrics(r: DriftResult): Record<string, unknown> {
  const m: Record<string, unknown> = {
    datasetDrift: r.dataset.datasetDrift ? 1 : 0,
    shareOfDriftedColumns: r.dataset.shareOfDriftedColumns,
    numberOfColumns: r.dataset.numberOfColumns,
    numberOfDriftedColumns: r.dataset.numberOfDriftedColumns,
    driftShare: r.dataset.driftShare,
    referenceRows: r.reference.rows,
    currentRows: r.current.rows,
    missingColumns: r.missingColumns.length,
  };
  if (r.prediction) {
    m.predictionDrift = r.prediction.drifted ? 1 : 0;
    if (r.prediction.score !== null) m.predictionScore = r.prediction.score;
  }
  if (r.windows) {
    m.windows = r.windows.length;
    m.driftedWindows = r.windows.filter((w) => w.datasetDrift).length;
    m.maxWindowShareOfDriftedColumns = r.windows.reduce((x, w) => Math.max(x, w.shareOfDriftedColumns), 0);
    if (r.firstDriftedWindow) m.firstDriftedWindow = r.firstDriftedWindow.index;
  }
  const scores: Record<string, number> = {};
  for (const c of r.columns.slice(0, 150))
    if (c.score !== null && Number.isFinite(c.score)) scores[c.column] = c.score;
  m.columnScores = scores;
  return m;
}

/** Exit status of a drift run: 1 when dataset or prediction drift was detected (overall or in a window). */
export function driftDetected(r: DriftResult): boolean {
  return r.findings.some((f) => f.ruleId === DRIFT_DATASET.id || f.ruleId === DRIFT_PREDICTION.id);
}
