/**
 * `bulwark poison`: loads a labelled table (and optional per-row embeddings), runs the requested poisoning detectors
 * and returns a versioned `bulwark.poison` result with findings (BW-POISON-001..006) and metrics that
 * `bulwark audit --evidence` imports.
 */
import path from 'node:path';
import type { Finding } from '../../core/finding.js';
import { LimitError, UsageError } from '../../core/errors.js';
import { makeFinding } from '../../core/rules.js';
import { readTable, type Cell, type ReadTableOptions, type Table } from '../../trust/data/table.js';
import {
  activationClustering,
  classOutliers,
  duplicateConflicts,
  knnDisagreement,
  spectralSignatures,
  type ClusteringResult,
  type DuplicateResult,
  type KnnResult,
  type OutlierResult,
  type SpectralResult,
} from './detectors.js';
import { standardize, type Matrix } from './linalg.js';
import {
  POISON_CLUSTERING,
  POISON_DUPLICATE_CONFLICT,
  POISON_INCONCLUSIVE,
  POISON_LABEL_NOISE,
  POISON_OUTLIERS,
  POISON_SPECTRAL,
} from './rules.js';

export const POISON_SCHEMA_VERSION = 1;
export const POISON_CHECKS = ['knn', 'duplicates', 'outliers', 'spectral', 'clustering'] as const;
export type PoisonCheck = (typeof POISON_CHECKS)[number];

/** Defaults of every threshold (docs/poisoning.md explains each). */
export const POISON_DEFAULTS = Object.freeze({
  k: 10,
  knnThreshold: 0.8,
  maxSuspectShare: 0.1,
  tolerance: 0.01,
  maxConflictShare: 0.01,
  outlierThreshold: 3.5,
  shrinkage: 0.1,
  maxOutlierShare: 0.05,
  expectedPoison: 0.1,
  epsMultiplier: 1.5,
  minSeparation: 5,
  nbDims: 10,
  sizeThreshold: 0.35,
  silhouetteThreshold: 0.38,
  /** Exact k-NN is O(n²): refuse more rows than this. */
  maxKnnRows: 50_000,
  topSuspects: 20,
});

/** A labelled dataset in memory: numeric features and/or embeddings, one label code per row. */
export interface PoisonDataset {
  file: string;
  rows: number;
  featureNames: string[];
  /** Raw numeric features (n × d), or undefined when there are none. */
  features?: Matrix;
  embeddingNames: string[];
  embeddings?: Matrix;
  labels: Int32Array;
  /** Label code → the label as it appears in the data. */
  labelNames: string[];
  /** Feature cells that were missing and replaced by the column mean. */
  imputed: number;
  /** Columns left out of the default feature set because they are not numeric. */
  skippedColumns: string[];
}

export interface PoisonOptions {
  k?: number;
  knnThreshold?: number;
  maxSuspectShare?: number;
  tolerance?: number;
  maxConflictShare?: number;
  outlierThreshold?: number;
  shrinkage?: number;
  maxOutlierShare?: number;
  expectedPoison?: number;
  minSeparation?: number;
  silhouetteThreshold?: number;
  checks?: PoisonCheck[];
  topSuspects?: number;
  maxKnnRows?: number;
  toolVersion?: string;
  signal?: AbortSignal;
}

export interface Suspect {
  row: number;
  score: number;
  label: string;
  /** k-NN: the neighbours' majority label. */
  majority?: string;
}

export interface DetectorSummary {
  check: PoisonCheck;
  ran: boolean;
  /** Why it did not run or ran on part of the data. */
  note?: string;
  suspects: number;
  share: number;
  /** What "triggered" compares against (a share, or a per-class test). */
  threshold: number;
  triggered: boolean;
  /** Highest-scoring suspects, at most `topSuspects`. */
  top: Suspect[];
  stats: Record<string, unknown>;
}

export interface PoisonResult {
  kind: 'bulwark.poison';
  schemaVersion: number;
  tool: { name: 'bulwark'; version: string };
  generatedAt: string;
  data: {
    file: string;
    rows: number;
    features: string[];
    embeddingDims: number;
    classes: Array<{ label: string; rows: number }>;
    imputed: number;
    skippedColumns: string[];
  };
  options: Required<Omit<PoisonOptions, 'toolVersion' | 'signal' | 'checks' | 'maxKnnRows'>> & {
    checks: PoisonCheck[];
  };
  detectors: DetectorSummary[];
  findings: Finding[];
  metrics: Record<string, unknown>;
  /** Every flagged (row, check, score), for --suspects. Not serialised in JSON output (see toJson). */
  suspects: Array<{ row: number; check: PoisonCheck; score: number; label: string }>;
}

// ------------------------------------------------------------------------------------------------ loading

function numericCell(v: Cell): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}

function isNumericColumn(cells: Cell[]): boolean {
  let seen = false;
  for (const v of cells) {
    if (v === null) continue;
    if (numericCell(v) === undefined) return false;
    seen = true;
  }
  return seen;
}

/** Numeric matrix of `columns` (missing cells: column mean). Throws UsageError naming a non-numeric column. */
function matrixOf(table: Table, columns: string[], where: string): { m: Matrix; imputed: number } {
  const n = table.rowCount;
  const d = columns.length;
  const data = new Float64Array(n * d);
  let imputed = 0;
  columns.forEach((name, j) => {
    const cells = table.column(name);
    let sum = 0;
    let cnt = 0;
    const missing: number[] = [];
    for (let i = 0; i < n; i++) {
      const v = cells[i] ?? null;
      if (v === null) {
        missing.push(i);
        continue;
      }
      const x = numericCell(v);
      if (x === undefined)
        throw new UsageError(
          `${where}: column ${JSON.stringify(name)} is not numeric (row ${i + 1}); one-hot or ordinal-encode categorical columns, or leave it out of --features`,
        );
      data[i * d + j] = x;
      sum += x;
      cnt++;
    }
    const mean = cnt ? sum / cnt : 0;
    for (const i of missing) data[i * d + j] = mean;
    imputed += missing.length;
  });
  return { m: { data, n, d }, imputed };
}

export interface DatasetSpec {
  label: string;
  features?: string[];
  /** Columns of the data whose names start with this prefix are the embeddings. */
  embeddingPrefix?: string;
  /** A separate table of per-row embeddings (every column numeric, same row order and count). */
  embeddingTable?: Table;
  file?: string;
}

/** Builds a dataset from tables (the library entry point for in-memory data). */
export function datasetFromTable(table: Table, spec: DatasetSpec): PoisonDataset {
  const where = spec.file ?? table.source?.file ?? 'data';
  if (!table.columns.includes(spec.label))
    throw new UsageError(
      `${where}: no label column ${JSON.stringify(spec.label)}; columns are ${table.columns.slice(0, 20).join(', ')}`,
    );
  if (table.rowCount < 2) throw new UsageError(`${where}: needs at least 2 rows, has ${table.rowCount}`);
  const labelCells = table.column(spec.label);
  const codes = new Map<string, number>();
  const labels = new Int32Array(table.rowCount);
  for (let i = 0; i < table.rowCount; i++) {
    const v = labelCells[i] ?? null;
    if (v === null)
      throw new UsageError(
        `${where}: row ${i + 1} has no label in ${JSON.stringify(spec.label)}; drop unlabelled rows`,
      );
    const key = String(v);
    let c = codes.get(key);
    if (c === undefined) {
      c = codes.size;
      codes.set(key, c);
    }
    labels[i] = c;
  }
  const prefix = spec.embeddingPrefix;
  const embCols = prefix ? table.columns.filter((c) => c.startsWith(prefix) && c !== spec.label) : [];
  if (prefix && !embCols.length)
    throw new UsageError(`${where}: no column starts with --embedding-cols ${JSON.stringify(prefix)}`);
  const skipped: string[] = [];
  let featureNames: string[];
  if (spec.features?.length) {
    for (const f of spec.features)
      if (!table.columns.includes(f))
        throw new UsageError(`${where}: no feature column ${JSON.stringify(f)}`);
    featureNames = spec.features;
  } else {
    featureNames = [];
    for (const c of table.columns) {
      if (c === spec.label || embCols.includes(c)) continue;
      if (isNumericColumn(table.column(c))) featureNames.push(c);
      else skipped.push(c);
    }
  }
  let imputed = 0;
  let features: Matrix | undefined;
  if (featureNames.length) {
    const r = matrixOf(table, featureNames, where);
    features = r.m;
    imputed += r.imputed;
  }
  let embeddings: Matrix | undefined;
  let embeddingNames: string[] = embCols;
  if (embCols.length) {
    const r = matrixOf(table, embCols, where);
    embeddings = r.m;
    imputed += r.imputed;
  } else if (spec.embeddingTable) {
    const et = spec.embeddingTable;
    if (et.rowCount !== table.rowCount)
      throw new UsageError(
        `embeddings have ${et.rowCount} rows but the data has ${table.rowCount}; give one vector per data row, in the same order`,
      );
    embeddingNames = et.columns;
    const r = matrixOf(et, et.columns, et.source?.file ? path.basename(et.source.file) : 'embeddings');
    embeddings = r.m;
    imputed += r.imputed;
  }
  return {
    file: where,
    rows: table.rowCount,
    featureNames,
    ...(features ? { features } : {}),
    embeddingNames,
    ...(embeddings ? { embeddings } : {}),
    labels,
    labelNames: [...codes.keys()],
    imputed,
    skippedColumns: skipped,
  };
}

// ------------------------------------------------------------------------------------------------ analysis

function topOf(
  rows: number[],
  score: (r: number) => number,
  ds: PoisonDataset,
  limit: number,
  majority?: Int32Array,
): Suspect[] {
  return [...rows]
    .sort((a, b) => score(b) - score(a) || a - b)
    .slice(0, limit)
    .map((row) => ({
      row,
      score: round(score(row)),
      label: ds.labelNames[ds.labels[row] as number] as string,
      ...(majority ? { majority: ds.labelNames[majority[row] as number] as string } : {}),
    }));
}

function round(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 1e4) / 1e4 : x;
}

/** Runs the detectors on an in-memory dataset. */
export function analysePoison(ds: PoisonDataset, opts: PoisonOptions = {}): PoisonResult {
  const D = POISON_DEFAULTS;
  const o = {
    k: opts.k ?? D.k,
    knnThreshold: opts.knnThreshold ?? D.knnThreshold,
    maxSuspectShare: opts.maxSuspectShare ?? D.maxSuspectShare,
    tolerance: opts.tolerance ?? D.tolerance,
    maxConflictShare: opts.maxConflictShare ?? D.maxConflictShare,
    outlierThreshold: opts.outlierThreshold ?? D.outlierThreshold,
    shrinkage: opts.shrinkage ?? D.shrinkage,
    maxOutlierShare: opts.maxOutlierShare ?? D.maxOutlierShare,
    expectedPoison: opts.expectedPoison ?? D.expectedPoison,
    minSeparation: opts.minSeparation ?? D.minSeparation,
    silhouetteThreshold: opts.silhouetteThreshold ?? D.silhouetteThreshold,
    topSuspects: opts.topSuspects ?? D.topSuspects,
  };
  const maxKnnRows = opts.maxKnnRows ?? D.maxKnnRows;
  const checks: PoisonCheck[] =
    opts.checks ?? (ds.embeddings ? [...POISON_CHECKS] : ['knn', 'duplicates', 'outliers']);
  const n = ds.rows;
  const nbClasses = ds.labelNames.length;
  const file = ds.file;
  const detectors: DetectorSummary[] = [];
  const findings: Finding[] = [];
  const suspects: PoisonResult['suspects'] = [];
  const std = ds.features ? standardize(ds.features) : undefined;
  const labelOf = (row: number): string => ds.labelNames[ds.labels[row] as number] as string;
  const share = (c: number) => (n ? c / n : 0);
  const skip = (check: PoisonCheck, note: string, threshold: number) => {
    detectors.push({
      check,
      ran: false,
      note,
      suspects: 0,
      share: 0,
      threshold,
      triggered: false,
      top: [],
      stats: {},
    });
    findings.push(
      makeFinding(POISON_INCONCLUSIVE, {
        message: `${check}: ${note}`,
        location: { file },
        evidence: { check },
      }),
    );
  };

  for (const check of checks) {
    opts.signal?.throwIfAborted();
    if (check === 'knn') {
      if (!std) {
        skip(check, 'no numeric feature columns', o.maxSuspectShare);
        continue;
      }
      if (n > maxKnnRows)
        throw new LimitError(
          'maxKnnRows',
          `${file}: ${n} rows is more than the ${maxKnnRows} exact k-NN handles; pass --max-rows or a sample`,
        );
      const r: KnnResult = knnDisagreement(std, ds.labels, nbClasses, o.k, o.knnThreshold, opts.signal);
      for (const row of r.flagged)
        suspects.push({ row, check, score: r.scores[row] as number, label: labelOf(row) });
      const s = share(r.flagged.length);
      const triggered = s > o.maxSuspectShare;
      const det: DetectorSummary = {
        check,
        ran: true,
        suspects: r.flagged.length,
        share: round(s),
        threshold: o.maxSuspectShare,
        triggered,
        top: topOf(r.flagged, (i) => r.scores[i] as number, ds, o.topSuspects, r.majority),
        stats: {
          k: r.k,
          disagreementThreshold: o.knnThreshold,
          meanDisagreement: round(r.scores.reduce((a, b) => a + b, 0) / Math.max(1, n)),
        },
      };
      detectors.push(det);
      if (r.flagged.length)
        findings.push(
          makeFinding(POISON_LABEL_NOISE, {
            message: `${r.flagged.length} row(s) (${pct(s)}) disagree with the majority label of their ${r.k} nearest neighbours (score ≥ ${o.knnThreshold})${triggered ? `, more than the ${pct(o.maxSuspectShare)} allowed` : ''}`,
            location: { file },
            evidence: {
              suspects: r.flagged.length,
              share: det.share,
              top: det.top.slice(0, 10),
              ...det.stats,
            },
            ...(triggered ? {} : { severity: 'low' as const }),
          }),
        );
    } else if (check === 'duplicates') {
      if (!ds.features || !std) {
        skip(check, 'no numeric feature columns', o.maxConflictShare);
        continue;
      }
      const r: DuplicateResult = duplicateConflicts(ds.features, std, ds.labels, o.tolerance);
      const groupOf = new Map<number, number>();
      r.conflicting.forEach((g, gi) => g.rows.forEach((row) => groupOf.set(row, gi)));
      for (const row of r.flagged) suspects.push({ row, check, score: 1, label: labelOf(row) });
      const s = share(r.flagged.length);
      const triggered = s > o.maxConflictShare;
      const groups = r.conflicting.slice(0, o.topSuspects).map((g) => ({
        kind: g.kind,
        rows: g.rows.slice(0, 20),
        size: g.rows.length,
        labels: Object.fromEntries(Object.entries(g.labels).map(([c, k]) => [ds.labelNames[Number(c)], k])),
      }));
      const det: DetectorSummary = {
        check,
        ran: true,
        suspects: r.flagged.length,
        share: round(s),
        threshold: o.maxConflictShare,
        triggered,
        top: r.flagged.slice(0, o.topSuspects).map((row) => ({
          row,
          score: 1,
          label: ds.labelNames[ds.labels[row] as number] as string,
        })),
        stats: {
          exactDuplicateGroups: r.exactGroups,
          exactDuplicateRows: r.exactRows,
          conflictingGroups: r.conflicting.length,
          conflictingExact: r.conflicting.filter((g) => g.kind === 'exact').length,
          conflictingNear: r.conflicting.filter((g) => g.kind === 'near').length,
          tolerance: o.tolerance,
          groups,
        },
      };
      detectors.push(det);
      if (r.conflicting.length)
        findings.push(
          makeFinding(POISON_DUPLICATE_CONFLICT, {
            message: `${r.conflicting.length} group(s) of duplicate rows carry conflicting labels (${r.flagged.length} rows, ${pct(s)})`,
            location: { file },
            evidence: { suspects: r.flagged.length, share: det.share, groups: groups.slice(0, 10) },
            ...(triggered ? {} : { severity: 'low' as const }),
          }),
        );
    } else if (check === 'outliers') {
      if (!std) {
        skip(check, 'no numeric feature columns', o.maxOutlierShare);
        continue;
      }
      const r: OutlierResult = classOutliers(std, ds.labels, nbClasses, o.outlierThreshold, o.shrinkage);
      for (const row of r.flagged)
        suspects.push({ row, check, score: r.scores[row] as number, label: labelOf(row) });
      const s = share(r.flagged.length);
      const triggered = s > o.maxOutlierShare;
      const det: DetectorSummary = {
        check,
        ran: true,
        suspects: r.flagged.length,
        share: round(s),
        threshold: o.maxOutlierShare,
        triggered,
        top: topOf(r.flagged, (i) => r.scores[i] as number, ds, o.topSuspects),
        stats: {
          zThreshold: o.outlierThreshold,
          shrinkage: o.shrinkage,
          skippedClasses: r.skippedClasses.map((c) => ds.labelNames[c]),
        },
      };
      if (r.skippedClasses.length)
        det.note = `${r.skippedClasses.length} class(es) with fewer than 10 rows skipped`;
      detectors.push(det);
      if (r.flagged.length)
        findings.push(
          makeFinding(POISON_OUTLIERS, {
            message: `${r.flagged.length} row(s) (${pct(s)}) lie far from their class (robust z > ${o.outlierThreshold})`,
            location: { file },
            evidence: {
              suspects: r.flagged.length,
              share: det.share,
              top: det.top.slice(0, 10),
              ...det.stats,
            },
            ...(triggered ? {} : { severity: 'low' as const }),
          }),
        );
    } else {
      if (!ds.embeddings) {
        skip(check, 'no embeddings (give --embeddings FILE or --embedding-cols PREFIX)', 0);
        continue;
      }
      if (check === 'spectral') {
        const r: SpectralResult = spectralSignatures(
          ds.embeddings,
          ds.labels,
          nbClasses,
          o.expectedPoison,
          D.epsMultiplier,
          o.minSeparation,
          D.sizeThreshold,
        );
        for (const row of r.flagged)
          suspects.push({ row, check, score: r.scores[row] as number, label: labelOf(row) });
        const bad = r.classes.filter((c) => c.suspicious);
        const det: DetectorSummary = {
          check,
          ran: true,
          suspects: r.flagged.length,
          share: round(share(r.flagged.length)),
          threshold: o.minSeparation,
          triggered: bad.length > 0,
          top: topOf(r.flagged, (i) => r.scores[i] as number, ds, o.topSuspects),
          stats: {
            expectedPoison: o.expectedPoison,
            epsMultiplier: r.epsMultiplier,
            removalSetSize: r.removalSet.length,
            classes: r.classes.map((c) => ({
              label: ds.labelNames[c.label],
              rows: c.rows,
              separation: round(c.separation),
              minorShare: round(c.minorShare),
              spectralRatio: round(c.spectralRatio),
              suspicious: c.suspicious,
            })),
          },
        };
        detectors.push(det);
        if (bad.length)
          findings.push(
            makeFinding(POISON_SPECTRAL, {
              message: `spectral signature in class(es) ${bad.map((c) => JSON.stringify(ds.labelNames[c.label])).join(', ')} (separation ${bad.map((c) => round(c.separation)).join(', ')} ≥ ${o.minSeparation}): ${r.flagged.length} suspect row(s)`,
              location: { file },
              evidence: { suspects: r.flagged.length, top: det.top.slice(0, 10), classes: det.stats.classes },
            }),
          );
      } else {
        const r: ClusteringResult = activationClustering(
          ds.embeddings,
          ds.labels,
          nbClasses,
          D.nbDims,
          D.sizeThreshold,
          o.silhouetteThreshold,
        );
        for (const row of r.flagged) suspects.push({ row, check, score: 1, label: labelOf(row) });
        const bad = r.classes.filter((c) => c.suspicious);
        const det: DetectorSummary = {
          check,
          ran: true,
          suspects: r.flagged.length,
          share: round(share(r.flagged.length)),
          threshold: o.silhouetteThreshold,
          triggered: bad.length > 0,
          top: r.flagged.slice(0, o.topSuspects).map((row) => ({
            row,
            score: 1,
            label: ds.labelNames[ds.labels[row] as number] as string,
          })),
          stats: {
            nbDims: r.nbDims,
            sizeThreshold: r.sizeThreshold,
            silhouetteThreshold: r.silhouetteThreshold,
            classes: r.classes.map((c) => ({
              label: ds.labelNames[c.label],
              rows: c.rows,
              minorShare: round(c.minorShare),
              silhouette: round(c.silhouette),
              distanceRatio: round(c.distanceRatio),
              nearestClass: c.nearestClass >= 0 ? ds.labelNames[c.nearestClass] : null,
              suspicious: c.suspicious,
            })),
          },
        };
        detectors.push(det);
        if (bad.length)
          findings.push(
            makeFinding(POISON_CLUSTERING, {
              message: `small, well separated activation cluster in class(es) ${bad.map((c) => `${JSON.stringify(ds.labelNames[c.label])} (${pct(c.minorShare)} of the class, silhouette ${round(c.silhouette)})`).join(', ')}: ${r.flagged.length} suspect row(s)`,
              location: { file },
              evidence: { suspects: r.flagged.length, top: det.top.slice(0, 10), classes: det.stats.classes },
            }),
          );
      }
    }
  }

  const counts = new Int32Array(nbClasses);
  for (const l of ds.labels) counts[l]++;
  const metrics: Record<string, unknown> = {
    rows: n,
    classes: nbClasses,
    suspectRows: new Set(suspects.map((s) => s.row)).size,
    triggeredDetectors: detectors.filter((d) => d.triggered).length,
  };
  for (const d of detectors)
    if (d.ran) metrics[d.check] = { suspects: d.suspects, share: d.share, triggered: d.triggered ? 1 : 0 };
  return {
    kind: 'bulwark.poison',
    schemaVersion: POISON_SCHEMA_VERSION,
    tool: { name: 'bulwark', version: opts.toolVersion ?? '0.0.0' },
    generatedAt: new Date().toISOString(),
    data: {
      file,
      rows: n,
      features: ds.featureNames,
      embeddingDims: ds.embeddings?.d ?? 0,
      classes: ds.labelNames.map((label, c) => ({ label, rows: counts[c] as number })),
      imputed: ds.imputed,
      skippedColumns: ds.skippedColumns,
    },
    options: { ...o, checks },
    detectors,
    findings,
    metrics,
    suspects,
  };
}

function pct(x: number): string {
  return `${Math.round(x * 1000) / 10}%`;
}

export interface DetectPoisonOptions extends PoisonOptions, Omit<DatasetSpec, 'embeddingTable' | 'file'> {
  data: string;
  /** Name to show for the data file (default: its base name). */
  display?: string;
  /** A separate table of per-row embeddings. */
  embeddings?: string;
  read?: Pick<ReadTableOptions, 'format' | 'delimiter' | 'maxRows'>;
}

/** Reads the data (and embeddings) and runs the detectors. */
export async function detectPoison(opts: DetectPoisonOptions): Promise<PoisonResult> {
  const table = await readTable(opts.data, { ...opts.read, ...(opts.signal ? { signal: opts.signal } : {}) });
  const embeddingTable = opts.embeddings
    ? await readTable(opts.embeddings, {
        ...(opts.read?.maxRows !== undefined ? { maxRows: opts.read.maxRows } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      })
    : undefined;
  const ds = datasetFromTable(table, {
    label: opts.label,
    ...(opts.features ? { features: opts.features } : {}),
    ...(opts.embeddingPrefix ? { embeddingPrefix: opts.embeddingPrefix } : {}),
    ...(embeddingTable ? { embeddingTable } : {}),
    file: opts.display ?? path.basename(opts.data),
  });
  return analysePoison(ds, opts);
}

/** True when any detector's suspicion exceeded its threshold (the CLI then exits 1). */
export function poisonDetected(r: PoisonResult): boolean {
  return r.detectors.some((d) => d.triggered);
}

/** The JSON document (without the full suspect list, which goes to --suspects). */
export function poisonToJson(r: PoisonResult): string {
  const { suspects: _s, ...rest } = r;
  return `${JSON.stringify(rest, null, 2)}\n`;
}

/** CSV of every flagged row: `row,check,score,label` (row = 0-based data row index). */
export function suspectsCsv(r: PoisonResult): string {
  const esc = (s: string) => (/[",\r\n]/.test(s) || /^[=+\-@\t]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = ['row,check,score,label'];
  const sorted = [...r.suspects].sort((a, b) => a.row - b.row || a.check.localeCompare(b.check));
  for (const s of sorted) lines.push(`${s.row},${s.check},${round(s.score)},${esc(s.label)}`);
  return `${lines.join('\n')}\n`;
}

/** Human-readable summary. `safe` neutralises control characters in names from the data. */
export function renderPoisonText(r: PoisonResult, safe: (s: string) => string = (s) => s): string {
  const out: string[] = [];
  out.push(
    `poisoning checks on ${safe(r.data.file)}: ${r.data.rows} rows, ${r.data.classes.length} classes, ${r.data.features.length} features${r.data.embeddingDims ? `, ${r.data.embeddingDims}-dim embeddings` : ''}`,
  );
  for (const d of r.detectors) {
    if (!d.ran) {
      out.push(`  ${d.check.padEnd(10)} skipped: ${safe(d.note ?? '')}`);
      continue;
    }
    const rows = d.top
      .slice(0, 5)
      .map((s) => `${s.row}${s.majority !== undefined ? ` (${safe(s.label)}→${safe(s.majority)})` : ''}`)
      .join(', ');
    out.push(
      `  ${d.check.padEnd(10)} ${d.triggered ? 'SUSPICIOUS' : 'ok        '} ${d.suspects} suspect row(s) (${pct(d.share)})${rows ? `; top: ${rows}` : ''}${d.note ? `; ${safe(d.note)}` : ''}`,
    );
  }
  out.push(
    poisonDetected(r)
      ? `verdict: possible poisoning (${r.detectors
          .filter((d) => d.triggered)
          .map((d) => d.check)
          .join(', ')})`
      : 'verdict: no detector exceeded its threshold',
  );
  return `${out.join('\n')}\n`;
}
