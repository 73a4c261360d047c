/**
 * k-anonymity, ℓ-diversity and t-closeness of a table under generalisation hierarchies in ARX's CSV format, with
 * prosecutor-model re-identification risk.
 *
 * Definitions (as in ARX and the literature):
 *  - Equivalence class: records with the same (generalised) quasi-identifier values. k = size of the smallest class.
 *  - Distinct ℓ-diversity: number of distinct sensitive values in a class; the table's ℓ is the minimum over classes.
 *  - Entropy ℓ-diversity: exp(H) of the class's sensitive-value distribution (natural log); table ℓ = minimum.
 *  - t-closeness: Earth Mover's Distance between a class's sensitive distribution and the whole table's. Equal
 *    ground distance (categorical): EMD = ½ Σ |p_i − q_i|. Ordered distance (numeric/ordinal, m distinct values in
 *    order): EMD = (1 / (m − 1)) Σ_i |Σ_{j ≤ i} (p_j − q_j)|. The table's t is the maximum over classes.
 *  - Prosecutor risk: a record's re-identification risk is 1 / (size of its class). Highest risk = 1 / k; average
 *    risk = #classes / #records; records at risk = share of records whose risk exceeds a threshold.
 */
import { ParseError, UsageError } from '../../core/errors.js';

/** A generalisation hierarchy: value → [value, level 1, level 2, …]. */
export interface Hierarchy {
  /** Number of levels including level 0 (the original value). */
  height: number;
  map: Map<string, string[]>;
}

/**
 * Parses an ARX hierarchy CSV: one row per original value, `value;level1;level2;…;*`. Rows must have the same
 * number of fields; values must be unique.
 */
export function parseHierarchy(text: string, opts: { delimiter?: string; name?: string } = {}): Hierarchy {
  const delimiter = opts.delimiter ?? ';';
  const name = opts.name ?? 'hierarchy';
  const map = new Map<string, string[]>();
  let height = -1;
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const fields = line.split(delimiter).map((f) => f.trim());
    if (height === -1) height = fields.length;
    else if (fields.length !== height)
      throw new ParseError(
        `${name}: line ${i + 1} has ${fields.length} levels, expected ${height}; every row of an ARX hierarchy needs the same number of fields`,
      );
    if (map.has(fields[0]))
      throw new ParseError(`${name}: line ${i + 1} repeats a value; each original value must appear once`);
    map.set(fields[0], fields);
  });
  if (map.size === 0) throw new ParseError(`${name}: the hierarchy is empty; give one row per value`);
  return { height, map };
}

export interface QuasiIdentifier {
  column: string;
  hierarchy?: Hierarchy;
  /** Generalisation level (0 = original value). Requires a hierarchy when > 0. */
  level?: number;
}

export interface KAnonOptions {
  /** Target k (default 2). */
  k?: number;
  /** Sensitive attribute for ℓ-diversity and t-closeness. */
  sensitive?: string;
  /** Target distinct ℓ (default 2, used only with `sensitive`). */
  l?: number;
  /** Target t (default 0.2, used only with `sensitive`). */
  t?: number;
  /** Ground distance for t-closeness: 'equal' (categorical) or 'ordered' (numeric); default: ordered when every sensitive value is a number. */
  tDistance?: 'equal' | 'ordered';
  /** Record risk above this counts as "at risk" (default 0.2, i.e. classes smaller than 5). */
  riskThreshold?: number;
  /** Violating classes listed in the result (smallest first; default 100). */
  maxListed?: number;
  /**
   * Share of records that may be suppressed (removed before release), 0–1 (default 0): k-anonymity holds when the
   * records in classes smaller than k are at most this share.
   */
  suppressionLimit?: number;
}

export interface ClassInfo {
  /** Generalised quasi-identifier values, in QI order. */
  values: string[];
  size: number;
  distinctL?: number;
  entropyL?: number;
  t?: number;
}

export interface KAnonResult {
  rows: number;
  quasiIdentifiers: { column: string; level: number; height: number | null }[];
  classes: number;
  k: number;
  singletons: number;
  kTarget: number;
  /** Classes smaller than the target k, and the records in them. */
  violatingClasses: number;
  violatingRecords: number;
  /** Share of records that may be suppressed, and whether k holds once the violating records are suppressed. */
  suppressionLimit: number;
  satisfied: boolean;
  /** Smallest class left after suppressing the violating ones (0 when every record would go). */
  kAfterSuppression: number;
  /** Up to maxListed violating classes, smallest first. */
  violations: ClassInfo[];
  /** Class size → number of classes, for sizes 1…10 and "more". */
  sizeHistogram: Record<string, number>;
  risk: {
    model: 'prosecutor';
    highest: number;
    average: number;
    threshold: number;
    recordsAtRisk: number;
    shareAtRisk: number;
  };
  sensitive?: {
    column: string;
    distinctL: number;
    entropyL: number;
    lTarget: number;
    lViolatingClasses: number;
    t: number;
    tTarget: number;
    tDistance: 'equal' | 'ordered';
    tViolatingClasses: number;
    /** Up to maxListed classes violating ℓ or t, worst first. */
    violations: ClassInfo[];
  };
}

/** Rows accessor: anything that gives a column's value for row i. */
export interface TableLike {
  rowCount: number;
  /** Values of a column as strings (null/undefined for missing). */
  column(name: string): ArrayLike<unknown>;
  columns: readonly string[];
}

/** Wraps an array of row objects as a TableLike. */
export function tableFromRows(rows: readonly Record<string, unknown>[]): TableLike {
  const columns = rows.length ? Object.keys(rows[0]) : [];
  return {
    rowCount: rows.length,
    columns,
    column: (name) => rows.map((r) => r[name]),
  };
}

function str(v: unknown): string {
  return v === null || v === undefined ? '' : String(v);
}

/** The values of a quasi-identifier's column; a usage error naming the columns when it has none. */
export function qiValues(table: TableLike, column: string): ArrayLike<unknown> {
  if (!table.columns.includes(column))
    throw new UsageError(`quasi-identifier ${column} is not a column; columns: ${table.columns.join(', ')}`);
  return table.column(column);
}

/** Row `row`'s value of a quasi-identifier at a generalisation level (0: the value itself, as a string). */
export function generalisedValue(q: QuasiIdentifier, value: unknown, level: number, row: number): string {
  const raw = str(value);
  if (level === 0) return raw;
  const levels = q.hierarchy!.map.get(raw);
  if (!levels)
    throw new ParseError(
      `row ${row + 1}: the value of ${q.column} is missing from its hierarchy; add a row for it to the hierarchy file`,
    );
  return levels[level];
}

/** Computes equivalence classes, k, ℓ, t and prosecutor risk. */
export function kAnonymity(
  table: TableLike,
  qis: readonly QuasiIdentifier[],
  opts: KAnonOptions = {},
): KAnonResult {
  const kTarget = opts.k ?? 2;
  const lTarget = opts.l ?? 2;
  const tTarget = opts.t ?? 0.2;
  const threshold = opts.riskThreshold ?? 0.2;
  const maxListed = opts.maxListed ?? 100;
  const suppressionLimit = opts.suppressionLimit ?? 0;
  if (!(suppressionLimit >= 0 && suppressionLimit <= 1))
    throw new UsageError('--suppression-limit must be between 0 and 1');
  if (!Number.isInteger(kTarget) || kTarget < 1) throw new UsageError('--k must be a positive integer');
  if (!Number.isInteger(lTarget) || lTarget < 1) throw new UsageError('--l must be a positive integer');
  if (!(tTarget >= 0 && tTarget <= 1)) throw new UsageError('--t must be between 0 and 1');
  if (qis.length === 0)
    throw new UsageError('give at least one quasi-identifier with --qi COLUMN[=HIERARCHY.csv[:LEVEL]]');
  const n = table.rowCount;
  const cols = qis.map((q) => {
    const values = qiValues(table, q.column);
    const level = q.level ?? 0;
    const height = q.hierarchy?.height ?? 1;
    if (!Number.isInteger(level) || level < 0 || level >= height)
      throw new UsageError(
        `level ${level} for ${q.column} is out of range; its hierarchy has levels 0 to ${height - 1}`,
      );
    return { q, level, values };
  });
  let sensValues: ArrayLike<unknown> | undefined;
  if (opts.sensitive !== undefined) {
    if (!table.columns.includes(opts.sensitive))
      throw new UsageError(`sensitive attribute ${opts.sensitive} is not a column`);
    sensValues = table.column(opts.sensitive);
  }

  // Group by the joined generalised values. Sensitive values are interned to small integers per class.
  const classes = new Map<string, { values: string[]; size: number; sens?: Map<string, number> }>();
  const key: string[] = new Array(cols.length);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < cols.length; c++) {
      const { q, level, values } = cols[c];
      key[c] = generalisedValue(q, values[i], level, i);
    }
    const k = key.join('\u0000');
    let cls = classes.get(k);
    if (!cls) {
      cls = { values: [...key], size: 0 };
      if (sensValues) cls.sens = new Map();
      classes.set(k, cls);
    }
    cls.size++;
    if (sensValues) {
      const s = str(sensValues[i]);
      cls.sens!.set(s, (cls.sens!.get(s) ?? 0) + 1);
    }
  }

  let minSize = Infinity;
  let singletons = 0;
  let violatingClasses = 0;
  let violatingRecords = 0;
  let recordsAtRisk = 0;
  let kAfter = Infinity;
  const hist: Record<string, number> = {};
  const violators: ClassInfo[] = [];
  for (const cls of classes.values()) {
    minSize = Math.min(minSize, cls.size);
    if (cls.size === 1) singletons++;
    const bucket = cls.size > 10 ? '>10' : String(cls.size);
    hist[bucket] = (hist[bucket] ?? 0) + 1;
    if (cls.size >= kTarget) kAfter = Math.min(kAfter, cls.size);
    if (cls.size < kTarget) {
      violatingClasses++;
      violatingRecords += cls.size;
      violators.push({ values: cls.values, size: cls.size });
    }
    if (1 / cls.size > threshold) recordsAtRisk += cls.size;
  }
  violators.sort((a, b) => a.size - b.size || a.values.join().localeCompare(b.values.join()));

  const result: KAnonResult = {
    rows: n,
    quasiIdentifiers: cols.map((c) => ({
      column: c.q.column,
      level: c.level,
      height: c.q.hierarchy?.height ?? null,
    })),
    classes: classes.size,
    k: n === 0 ? 0 : minSize,
    singletons,
    kTarget,
    violatingClasses,
    violatingRecords,
    suppressionLimit,
    satisfied: violatingRecords <= suppressionLimit * n,
    kAfterSuppression: kAfter === Infinity ? 0 : kAfter,
    violations: violators.slice(0, maxListed),
    sizeHistogram: hist,
    risk: {
      model: 'prosecutor',
      highest: n === 0 ? 0 : 1 / minSize,
      average: n === 0 ? 0 : classes.size / n,
      threshold,
      recordsAtRisk,
      shareAtRisk: n === 0 ? 0 : recordsAtRisk / n,
    },
  };

  if (sensValues && opts.sensitive !== undefined) {
    // Global distribution, and the order of values for the ordered distance.
    const global = new Map<string, number>();
    for (const cls of classes.values())
      for (const [v, c] of cls.sens!) global.set(v, (global.get(v) ?? 0) + c);
    const allNumeric = [...global.keys()].every((v) => v.trim() !== '' && Number.isFinite(Number(v)));
    const tDistance = opts.tDistance ?? (allNumeric ? 'ordered' : 'equal');
    if (tDistance === 'ordered' && !allNumeric)
      throw new UsageError(
        `ordered t-closeness needs numeric values in ${opts.sensitive}; use --t-distance equal`,
      );
    const order = [...global.keys()].sort((a, b) =>
      allNumeric ? Number(a) - Number(b) : a.localeCompare(b),
    );
    const P = order.map((v) => global.get(v)! / n);
    const m = order.length;
    let minDistinct = Infinity;
    let minEntropy = Infinity;
    let maxT = 0;
    let lViol = 0;
    let tViol = 0;
    const sv: ClassInfo[] = [];
    for (const cls of classes.values()) {
      const counts = cls.sens!;
      const distinctL = counts.size;
      let h = 0;
      for (const c of counts.values()) {
        const p = c / cls.size;
        h -= p * Math.log(p);
      }
      const entropyL = Math.exp(h);
      let t = 0;
      if (tDistance === 'equal') {
        for (let i = 0; i < m; i++) t += Math.abs((counts.get(order[i]) ?? 0) / cls.size - P[i]);
        t /= 2;
      } else if (m > 1) {
        let cum = 0;
        for (let i = 0; i < m - 1; i++) {
          cum += (counts.get(order[i]) ?? 0) / cls.size - P[i];
          t += Math.abs(cum);
        }
        t /= m - 1;
      }
      minDistinct = Math.min(minDistinct, distinctL);
      minEntropy = Math.min(minEntropy, entropyL);
      maxT = Math.max(maxT, t);
      const badL = distinctL < lTarget;
      const badT = t > tTarget + 1e-12;
      if (badL) lViol++;
      if (badT) tViol++;
      if (badL || badT) sv.push({ values: cls.values, size: cls.size, distinctL, entropyL, t });
    }
    sv.sort((a, b) => a.distinctL! - b.distinctL! || b.t! - a.t!);
    result.sensitive = {
      column: opts.sensitive,
      distinctL: n === 0 ? 0 : minDistinct,
      entropyL: n === 0 ? 0 : minEntropy,
      lTarget,
      lViolatingClasses: lViol,
      t: maxT,
      tTarget,
      tDistance,
      tViolatingClasses: tViol,
      violations: sv.slice(0, maxListed),
    };
  }
  return result;
}
