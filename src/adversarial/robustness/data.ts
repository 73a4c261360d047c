/**
 * Test data for robustness evaluations: a table (CSV, JSON Lines, Parquet: one feature per column plus a label
 * column), a JSON file `{"x": [[...], ...], "y": [...]}`, or a fixture manifest
 * (`{"n_test": N, "test_bin": {"file": "x.bin"}}` next to a binary file of N·d float32 inputs then N int32 labels,
 * little-endian). Labels must be integer class indices.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { LimitError, ParseError, UsageError } from '../../core/errors.js';
import { readTable, type TableFormat } from '../../trust/data/table.js';
import type { RobustnessData } from './runner.js';

export interface ReadRobustnessDataOptions {
  /** Values per input row (the model's input size). */
  inputSize: number;
  nbClasses: number;
  /** Label column of a table (default `label`). */
  label?: string;
  /** Feature columns of a table, in model input order (default: every column but the label). */
  features?: string[];
  format?: TableFormat;
  /** Keep only the first N rows. */
  maxRows?: number;
}

/** Largest JSON data or manifest file read (bytes). */
const MAX_JSON_BYTES = 256 * 1024 * 1024;

function fail(file: string, what: string): never {
  throw new ParseError(`${path.basename(file)}: ${what}`);
}

function checkLabels(file: string, y: ArrayLike<number>, k: number): void {
  for (let i = 0; i < y.length; i++)
    if (!Number.isInteger(y[i]) || y[i]! < 0 || y[i]! >= k)
      fail(file, `label ${String(y[i])} on row ${i + 1} is not a class index in 0..${k - 1}`);
}

function fromArrays(file: string, xs: unknown, ys: unknown, o: ReadRobustnessDataOptions): RobustnessData {
  if (!Array.isArray(xs) || !Array.isArray(ys)) fail(file, 'expected {"x": [[...]], "y": [...]}');
  if (xs.length !== ys.length) fail(file, `${xs.length} inputs but ${ys.length} labels`);
  const n = Math.min(xs.length, o.maxRows ?? Infinity);
  const d = o.inputSize;
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const row: unknown = xs[i];
    const flat = Array.isArray(row) ? (row.flat(4) as unknown[]) : undefined;
    if (!flat || flat.length !== d)
      fail(file, `row ${i + 1} has ${flat?.length ?? 0} values; the model takes ${d}`);
    for (let j = 0; j < d; j++) {
      const v = flat[j];
      if (typeof v !== 'number' || !Number.isFinite(v))
        fail(file, `row ${i + 1} value ${j + 1} is not a finite number`);
      x[i * d + j] = v;
    }
  }
  const y = Int32Array.from(ys.slice(0, n) as number[]);
  checkLabels(file, ys.slice(0, n) as number[], o.nbClasses);
  return { x, y, n };
}

/** Reads test inputs and labels; throws a one-line ParseError (exit 2) or UsageError (exit 3) on bad input. */
export async function readRobustnessData(
  file: string,
  o: ReadRobustnessDataOptions,
): Promise<RobustnessData> {
  const st = await stat(file).catch(() => undefined);
  if (!st?.isFile()) throw new UsageError(`data file ${file} not found; check --data`);
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json' && o.format === undefined) {
    if (st.size > MAX_JSON_BYTES)
      throw new LimitError('data-bytes', `${path.basename(file)} is over ${MAX_JSON_BYTES} bytes`);
    let doc: unknown;
    try {
      doc = JSON.parse(await readFile(file, 'utf8'));
    } catch {
      fail(file, 'not valid JSON');
    }
    if (!doc || typeof doc !== 'object') fail(file, 'expected a JSON object');
    const obj = doc as Record<string, unknown>;
    if ('x' in obj) return fromArrays(file, obj.x, obj.y, o);
    const bin = (obj.test_bin as { file?: unknown } | undefined)?.file;
    if (typeof obj.n_test === 'number' && typeof bin === 'string') return readBin(file, bin, obj.n_test, o);
    fail(file, 'expected {"x": [[...]], "y": [...]} or a fixture manifest with n_test and test_bin.file');
  }
  const table = await readTable(file, { format: o.format, maxRows: o.maxRows });
  const label = o.label ?? 'label';
  if (!table.columns.includes(label))
    throw new UsageError(`label column ${JSON.stringify(label)} not in ${path.basename(file)}; pass --label`);
  const features = o.features?.length ? o.features : table.columns.filter((c) => c !== label);
  if (features.length !== o.inputSize)
    throw new UsageError(
      `${features.length} feature column(s) but the model takes ${o.inputSize} values per row; pass --features`,
    );
  const n = table.rowCount;
  const x = new Float32Array(n * o.inputSize);
  features.forEach((c, j) => {
    const col = table.column(c);
    for (let i = 0; i < n; i++) {
      const v = col[i];
      if (typeof v !== 'number' || !Number.isFinite(v))
        fail(file, `column ${c} row ${i + 1} is not a number`);
      x[i * o.inputSize + j] = v;
    }
  });
  const lab = table.column(label);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = typeof lab[i] === 'string' ? Number(lab[i]) : lab[i];
    if (typeof v !== 'number') fail(file, `label on row ${i + 1} is not a class index`);
    y[i] = v;
    if (y[i] !== v) fail(file, `label ${v} on row ${i + 1} is not an integer`);
  }
  checkLabels(file, y, o.nbClasses);
  return { x, y, n };
}

async function readBin(
  manifest: string,
  bin: string,
  nTest: number,
  o: ReadRobustnessDataOptions,
): Promise<RobustnessData> {
  const file = path.resolve(path.dirname(manifest), bin);
  if (path.dirname(file) !== path.dirname(path.resolve(manifest)))
    fail(manifest, 'test_bin.file must name a file in the same directory');
  if (!Number.isInteger(nTest) || nTest < 1) fail(manifest, 'n_test must be a positive integer');
  const d = o.inputSize;
  const need = nTest * d * 4 + nTest * 4;
  const st = await stat(file).catch(() => undefined);
  if (!st?.isFile()) fail(manifest, `test_bin ${bin} not found`);
  if (st.size < need)
    fail(
      manifest,
      `${bin} has ${st.size} bytes, fewer than ${need} for ${nTest} rows of ${d} float32 values and labels`,
    );
  const buf = await readFile(file);
  const n = Math.min(nTest, o.maxRows ?? Infinity);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const x = new Float32Array(n * d);
  for (let q = 0; q < n * d; q++) x[q] = dv.getFloat32(q * 4, true);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = dv.getInt32(nTest * d * 4 + i * 4, true);
  checkLabels(file, y, o.nbClasses);
  return { x, y, n };
}
