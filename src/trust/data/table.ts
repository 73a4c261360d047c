/**
 * Tabular data readers: CSV (csv-parse, streamed), JSON Lines (line-streamed) and Parquet (hyparquet over a file
 * handle, so only the requested columns and row groups are read). Every reader is bounded (record/line size, columns,
 * rows) and reports malformed input as one-line errors naming the file, the line or row and the fix.
 */
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { CsvError, parse as parseCsv } from 'csv-parse';
import { BulwarkError, LimitError, ParseError, UsageError } from '../../core/errors.js';

/** One value of a table. Missing values (empty CSV fields, JSON null, absent JSONL keys, Parquet nulls) are null. */
export type Cell = string | number | boolean | null;

export type TableFormat = 'csv' | 'jsonl' | 'parquet';

/** A table held in memory, column by column. */
export interface Table {
  /** Column names in file order (JSONL: order of first appearance). */
  columns: string[];
  rowCount: number;
  /** The values of one column (the array is shared: do not modify it). Throws UsageError for an unknown column. */
  column(name: string): Cell[];
  /** One row as an object keyed by column name. */
  row(i: number): Record<string, Cell>;
  /** The file the table was read from and its format. */
  readonly source?: { file: string; format: TableFormat };
}

export interface ReadTableOptions {
  /** Input format; sniffed from the extension, then the content, when absent. */
  format?: TableFormat;
  /** Read only these columns (every named column must exist). */
  columns?: string[];
  /** Stop after this many data rows. */
  maxRows?: number;
  /** CSV field delimiter; sniffed from the header line (`,` `;` tab `|`) when absent. */
  delimiter?: string;
  signal?: AbortSignal;
  /** Longest CSV record / JSONL line in bytes (default 8 MiB). */
  maxRecordBytes?: number;
  /** Most columns accepted (default 10,000). */
  maxColumns?: number;
}

export const TABLE_LIMITS = Object.freeze({
  maxRecordBytes: 8 * 1024 * 1024,
  maxColumns: 10_000,
  /** readTable keeps everything in memory: refuse more rows than this unless maxRows says otherwise. */
  maxRows: 50_000_000,
});

const NUMBER_RE = /^[+-]?(?:(?:0|[1-9]\d*)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * The number a CSV field denotes, or undefined when it is not a plain decimal number. Values with leading zeros
 * (`007`, zip codes) are kept as strings so that no information is lost.
 */
export function parseNumber(s: string): number | undefined {
  if (s.length === 0 || s.length > 64 || !NUMBER_RE.test(s)) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/** Sets a row field; a column named `__proto__` becomes an own property instead of changing the prototype. */
function setCell(row: Record<string, Cell>, name: string, value: Cell): void {
  if (name === '__proto__')
    Object.defineProperty(row, name, { value, enumerable: true, writable: true, configurable: true });
  else row[name] = value;
}

class ColumnTable implements Table {
  readonly columns: string[];
  readonly rowCount: number;
  readonly source?: { file: string; format: TableFormat };
  private readonly data: Map<string, Cell[]>;

  constructor(
    columns: string[],
    data: Map<string, Cell[]>,
    rowCount: number,
    source?: { file: string; format: TableFormat },
  ) {
    this.columns = columns;
    this.data = data;
    this.rowCount = rowCount;
    this.source = source;
  }

  column(name: string): Cell[] {
    const col = this.data.get(name);
    if (!col) {
      const where = this.source ? ` in ${path.basename(this.source.file)}` : '';
      throw new UsageError(
        `column '${name}' not found${where}; available columns: ${listColumns(this.columns)}`,
      );
    }
    return col;
  }

  row(i: number): Record<string, Cell> {
    if (!Number.isInteger(i) || i < 0 || i >= this.rowCount) {
      throw new RangeError(`row ${i} out of range 0..${this.rowCount - 1}`);
    }
    const out: Record<string, Cell> = {};
    for (const c of this.columns) setCell(out, c, (this.data.get(c) as Cell[])[i] ?? null);
    return out;
  }
}

/** Builds an in-memory table from column arrays (all of the same length). */
export function tableFromColumns(columns: Record<string, Cell[]>): Table {
  const names = Object.keys(columns);
  const n = names.length ? (columns[names[0] as string] as Cell[]).length : 0;
  const data = new Map<string, Cell[]>();
  for (const name of names) {
    const col = columns[name] as Cell[];
    if (col.length !== n) throw new UsageError(`column '${name}' has ${col.length} values, expected ${n}`);
    data.set(name, col);
  }
  return new ColumnTable(names, data, n);
}

function listColumns(cols: string[]): string {
  const shown = cols.slice(0, 20).join(', ');
  return cols.length > 20 ? `${shown}, … (${cols.length} in all)` : shown || '(none)';
}

function base(file: string): string {
  return path.basename(file);
}

/** Picks the format from the extension, then from the first bytes. */
export async function detectFormat(file: string): Promise<TableFormat> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.parquet' || ext === '.pq') return 'parquet';
  const fh = await openFile(file);
  try {
    const buf = Buffer.alloc(512);
    const { bytesRead } = await fh.read(buf, 0, 512, 0);
    const head = buf.subarray(0, bytesRead);
    if (bytesRead >= 4 && head.toString('latin1', 0, 4) === 'PAR1') return 'parquet';
    const text = head
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trimStart();
    if (text.startsWith('{')) return 'jsonl';
    return 'csv';
  } finally {
    await fh.close();
  }
}

async function openFile(file: string): Promise<import('node:fs/promises').FileHandle> {
  try {
    const st = await stat(file);
    if (!st.isFile())
      throw new UsageError(`${file} is not a regular file; pass a CSV, JSON Lines or Parquet file`);
    return await open(file, 'r');
  } catch (err) {
    if (err instanceof BulwarkError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new BulwarkError('E_NOT_FOUND', `${file} does not exist; check the data path`);
    throw new BulwarkError(
      'E_IO',
      `cannot read ${file} (${code ?? String(err)}); check the path and permissions`,
    );
  }
}

function resolveOpts(
  opts: ReadTableOptions | undefined,
): Required<Pick<ReadTableOptions, 'maxRows' | 'maxRecordBytes' | 'maxColumns'>> & ReadTableOptions {
  const o = { ...(opts ?? {}) };
  const maxRows = o.maxRows ?? TABLE_LIMITS.maxRows;
  if (!Number.isInteger(maxRows) || maxRows < 0)
    throw new UsageError(`maxRows must be a non-negative integer, got ${maxRows}`);
  if (o.delimiter !== undefined && (o.delimiter.length !== 1 || /["\r\n]/.test(o.delimiter))) {
    throw new UsageError(
      `CSV delimiter must be one character other than a quote or newline, got ${JSON.stringify(o.delimiter)}`,
    );
  }
  return {
    ...o,
    maxRows,
    maxRecordBytes: o.maxRecordBytes ?? TABLE_LIMITS.maxRecordBytes,
    maxColumns: o.maxColumns ?? TABLE_LIMITS.maxColumns,
  };
}

type Resolved = ReturnType<typeof resolveOpts>;

/** Destroys a file stream (which closes its handle) and waits until the handle is closed. */
async function closeStream(stream: import('node:fs').ReadStream): Promise<void> {
  if (stream.closed) return;
  await new Promise<void>((resolve) => {
    stream.once('close', () => resolve());
    stream.once('error', () => resolve());
    stream.destroy();
  });
}

// ---------------------------------------------------------------------------------------------------------------
// CSV

/** Picks the delimiter that splits the header line into the most fields (outside quotes). */
async function sniffDelimiter(file: string): Promise<string> {
  const fh = await openFile(file);
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const text = buf.toString('utf8', 0, bytesRead).replace(/^\uFEFF/, '');
    const nl = text.search(/\r?\n/);
    const line = nl >= 0 ? text.slice(0, nl) : text;
    const counts: Record<string, number> = { ',': 0, ';': 0, '\t': 0, '|': 0 };
    let inQuote = false;
    for (const ch of line) {
      if (ch === '"') inQuote = !inQuote;
      else if (!inQuote && ch in counts) counts[ch] = (counts[ch] as number) + 1;
    }
    let best = ',';
    for (const d of [';', '\t', '|']) if ((counts[d] as number) > (counts[best] as number)) best = d;
    return best;
  } finally {
    await fh.close();
  }
}

function csvError(file: string, err: unknown): BulwarkError {
  if (err instanceof BulwarkError) return err;
  const e = err as CsvError & { lines?: number; record?: unknown };
  const line = typeof e.lines === 'number' ? ` at line ${e.lines}` : '';
  switch (e.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
      return new ParseError(
        `${base(file)}${line}: wrong number of fields (expected as many as the header); check the delimiter (--delimiter) and quoting`,
      );
    case 'CSV_MAX_RECORD_SIZE':
      return new LimitError(
        'maxRecordBytes',
        `${base(file)}${line}: a record is longer than the record size limit; check the quoting or raise the limit`,
      );
    case 'CSV_QUOTE_NOT_CLOSED':
      return new ParseError(`${base(file)}${line}: a quoted field is never closed; fix the quoting`);
    case 'INVALID_OPENING_QUOTE':
      return new ParseError(
        `${base(file)}${line}: a quote inside an unquoted field; quote the whole field and double inner quotes ("")`,
      );
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return new ParseError(
        `${base(file)}${line}: text after a closing quote; escape quotes inside fields as ""`,
      );
    default:
      if (err instanceof CsvError || (typeof e.code === 'string' && e.code.startsWith('CSV_'))) {
        return new ParseError(
          `${base(file)}${line}: malformed CSV (${e.code}); check the file is CSV with a header row`,
        );
      }
      if (e && typeof (e as NodeJS.ErrnoException).code === 'string') {
        return new BulwarkError(
          'E_IO',
          `cannot read ${file} (${(e as NodeJS.ErrnoException).code}); check the path and permissions`,
        );
      }
      return new ParseError(`${base(file)}${line}: malformed CSV; check the file is CSV with a header row`);
  }
}

interface HeaderPlan {
  header: string[];
  /** Indices of the kept columns in the record. */
  keep: number[];
  names: string[];
}

function planHeader(file: string, header: string[], o: Resolved): HeaderPlan {
  if (header.length > o.maxColumns) {
    throw new LimitError(
      'maxColumns',
      `${base(file)}: ${header.length} columns, more than the limit of ${o.maxColumns}`,
    );
  }
  const seen = new Set<string>();
  header.forEach((h, i) => {
    if (h === '')
      throw new ParseError(`${base(file)} line 1: header field ${i + 1} is empty; every column needs a name`);
    if (seen.has(h))
      throw new ParseError(`${base(file)} line 1: duplicate column name '${h}'; rename one of them`);
    seen.add(h);
  });
  let keep = header.map((_, i) => i);
  if (o.columns) {
    for (const c of o.columns) {
      if (!seen.has(c)) {
        throw new UsageError(
          `column '${c}' not found in ${base(file)}; available columns: ${listColumns(header)}`,
        );
      }
    }
    const wanted = new Set(o.columns);
    keep = keep.filter((i) => wanted.has(header[i] as string));
  }
  return { header, keep, names: keep.map((i) => header[i] as string) };
}

/** Yields CSV records in batches (one per input chunk): far cheaper than one async step per record. */
async function* csvRecords(file: string, o: Resolved): AsyncGenerator<string[][]> {
  const delimiter = o.delimiter ?? (await sniffDelimiter(file));
  const fh = await openFile(file);
  const input = fh.createReadStream({ autoClose: true, highWaterMark: 256 * 1024 });
  const parser = parseCsv({
    delimiter,
    bom: true,
    skip_empty_lines: true,
    max_record_size: o.maxRecordBytes,
    relax_column_count: false,
  });
  let batch: string[][] = [];
  let failure: unknown;
  parser.on('data', (rec: string[]) => batch.push(rec));
  parser.on('error', (err) => (failure ??= err));
  const feed = (chunk?: Buffer): Promise<void> =>
    new Promise((resolve) => {
      if (failure) return resolve();
      const done = (err?: Error | null): void => {
        if (err) failure ??= err;
        resolve();
      };
      if (chunk) parser.write(chunk, done);
      else parser.end(done);
    });
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      o.signal?.throwIfAborted();
      await feed(chunk);
      if (failure) throw failure;
      if (batch.length) {
        const out = batch;
        batch = [];
        yield out;
      }
    }
    await feed();
    if (failure) throw failure;
    if (batch.length) yield batch;
  } catch (err) {
    if (o.signal?.aborted) throw o.signal.reason;
    throw csvError(file, err);
  } finally {
    parser.destroy();
    await closeStream(input);
  }
}

async function readCsv(file: string, o: Resolved): Promise<Table> {
  let plan: HeaderPlan | undefined;
  let cols: string[][] = [];
  let rows = 0;
  outer: for await (const batch of csvRecords(file, o)) {
    for (const rec of batch) {
      if (!plan) {
        plan = planHeader(file, rec, o);
        cols = plan.names.map(() => []);
        continue;
      }
      if (rows >= o.maxRows) break outer;
      const keep = plan.keep;
      for (let j = 0; j < keep.length; j++) (cols[j] as string[]).push(rec[keep[j] as number] as string);
      rows++;
    }
  }
  if (!plan) throw new ParseError(`${base(file)}: empty file; a CSV needs a header row`);
  const data = new Map<string, Cell[]>();
  plan.names.forEach((name, j) => data.set(name, typeColumn(cols[j] as string[])));
  return new ColumnTable(plan.names, data, rows, { file, format: 'csv' });
}

/** Converts a column of CSV strings: numbers when every non-empty value is a number; empty fields become null. */
function typeColumn(values: string[]): Cell[] {
  const out: Cell[] = new Array<Cell>(values.length);
  let numeric = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as string;
    if (v === '') {
      out[i] = null;
      continue;
    }
    if (numeric) {
      const n = parseNumber(v);
      if (n === undefined) numeric = false;
      else out[i] = n;
    }
  }
  if (numeric) return out;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as string;
    out[i] = v === '' ? null : v;
  }
  return out;
}

async function* streamCsv(file: string, o: Resolved): AsyncGenerator<Record<string, Cell>> {
  let plan: HeaderPlan | undefined;
  let rows = 0;
  for await (const batch of csvRecords(file, o)) {
    for (const rec of batch) {
      if (!plan) {
        plan = planHeader(file, rec, o);
        continue;
      }
      if (rows >= o.maxRows) return;
      const row: Record<string, Cell> = {};
      for (let j = 0; j < plan.keep.length; j++) {
        const v = rec[plan.keep[j] as number] as string;
        setCell(row, plan.names[j] as string, v === '' ? null : (parseNumber(v) ?? v));
      }
      rows++;
      yield row;
    }
  }
  if (!plan) throw new ParseError(`${base(file)}: empty file; a CSV needs a header row`);
}

// ---------------------------------------------------------------------------------------------------------------
// JSON Lines

async function* jsonlLines(file: string, o: Resolved): AsyncGenerator<{ line: number; text: string }> {
  const fh = await openFile(file);
  const input = fh.createReadStream({ autoClose: true, highWaterMark: 256 * 1024 });
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineNo = 0;
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      o.signal?.throwIfAborted();
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(10, start);
        if (nl < 0) break;
        const piece = chunk.subarray(start, nl);
        lineNo++;
        if (pendingBytes + piece.length > o.maxRecordBytes) throw lineTooLong(file, lineNo);
        const text = (pendingBytes ? Buffer.concat([...pending, piece]) : piece).toString('utf8');
        pending = [];
        pendingBytes = 0;
        yield { line: lineNo, text };
        start = nl + 1;
      }
      if (start < chunk.length) {
        const rest = chunk.subarray(start);
        pendingBytes += rest.length;
        if (pendingBytes > o.maxRecordBytes) throw lineTooLong(file, lineNo + 1);
        pending.push(Buffer.from(rest));
      }
    }
    if (pendingBytes) yield { line: lineNo + 1, text: Buffer.concat(pending).toString('utf8') };
  } catch (err) {
    if (err instanceof BulwarkError) throw err;
    if (o.signal?.aborted) throw o.signal.reason;
    const code = (err as NodeJS.ErrnoException).code;
    throw new BulwarkError(
      'E_IO',
      `cannot read ${file} (${code ?? String(err)}); check the path and permissions`,
    );
  } finally {
    await closeStream(input);
  }
}

function lineTooLong(file: string, line: number): LimitError {
  return new LimitError(
    'maxRecordBytes',
    `${base(file)} line ${line}: line longer than the line size limit; is this JSON Lines (one object per line)?`,
  );
}

function toCell(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  } catch {
    return String(v);
  }
}

async function* jsonlObjects(file: string, o: Resolved): AsyncGenerator<Record<string, unknown>> {
  let rows = 0;
  for await (const { line, text } of jsonlLines(file, o)) {
    const t = text.trim();
    if (t === '') continue;
    if (rows >= o.maxRows) return;
    let v: unknown;
    try {
      v = JSON.parse(line === 1 ? t.replace(/^\uFEFF/, '') : t);
    } catch {
      throw new ParseError(
        `${base(file)} line ${line}: not valid JSON; JSON Lines needs one JSON object per line`,
      );
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      throw new ParseError(
        `${base(file)} line ${line}: not a JSON object; each line must be an object like {"col": value}`,
      );
    }
    rows++;
    yield v as Record<string, unknown>;
  }
}

async function readJsonl(file: string, o: Resolved): Promise<Table> {
  const names: string[] = [];
  const data = new Map<string, Cell[]>();
  const wanted = o.columns ? new Set(o.columns) : undefined;
  let rows = 0;
  for await (const obj of jsonlObjects(file, o)) {
    for (const k of Object.keys(obj)) {
      if (wanted && !wanted.has(k)) continue;
      let col = data.get(k);
      if (!col) {
        if (names.length >= o.maxColumns) {
          throw new LimitError(
            'maxColumns',
            `${base(file)} row ${rows + 1}: more than ${o.maxColumns} distinct keys`,
          );
        }
        col = new Array<Cell>(rows).fill(null);
        data.set(k, col);
        names.push(k);
      }
      col[rows] = toCell(obj[k]);
    }
    rows++;
    for (const col of data.values()) if (col.length < rows) col.length = rows;
  }
  for (const col of data.values()) for (let i = 0; i < rows; i++) if (col[i] === undefined) col[i] = null;
  if (o.columns) {
    for (const c of o.columns) {
      if (!data.has(c))
        throw new UsageError(
          `column '${c}' not found in ${base(file)}; available columns: ${listColumns(names)}`,
        );
    }
    names.sort((a, b) => o.columns!.indexOf(a) - o.columns!.indexOf(b));
  }
  return new ColumnTable(names, data, rows, { file, format: 'jsonl' });
}

async function* streamJsonl(file: string, o: Resolved): AsyncGenerator<Record<string, Cell>> {
  for await (const obj of jsonlObjects(file, o)) {
    const row: Record<string, Cell> = {};
    if (o.columns) for (const c of o.columns) setCell(row, c, toCell(Object.hasOwn(obj, c) ? obj[c] : null));
    else for (const k of Object.keys(obj)) setCell(row, k, toCell(obj[k]));
    yield row;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Parquet

interface ParquetHandle {
  close(): Promise<void>;
  file: import('hyparquet').AsyncBuffer;
  metadata: import('hyparquet').FileMetaData;
  columns: string[];
  rowCount: number;
  /** [start, end) row offsets of each row group. */
  groups: Array<[number, number]>;
}

async function openParquet(file: string, o: Resolved): Promise<ParquetHandle> {
  const hp = await import('hyparquet');
  const fh = await openFile(file);
  const { size } = await fh.stat();
  const asyncBuffer: import('hyparquet').AsyncBuffer = {
    byteLength: size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const stop = Math.min(end ?? size, size);
      const len = Math.max(0, stop - start);
      const buf = new ArrayBuffer(len);
      let done = 0;
      while (done < len) {
        const { bytesRead } = await fh.read(new Uint8Array(buf, done), 0, len - done, start + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return buf;
    },
  };
  try {
    if (size < 12) throw new Error('too small');
    const metadata = await hp.parquetMetadataAsync(asyncBuffer);
    const top = hp.parquetSchema(metadata).children.map((c) => c.element.name);
    if (top.length > o.maxColumns) {
      throw new LimitError(
        'maxColumns',
        `${base(file)}: ${top.length} columns, more than the limit of ${o.maxColumns}`,
      );
    }
    const groups: Array<[number, number]> = [];
    let at = 0;
    for (const rg of metadata.row_groups) {
      const n = Number(rg.num_rows);
      groups.push([at, at + n]);
      at += n;
    }
    return {
      close: () => fh.close(),
      file: asyncBuffer,
      metadata,
      columns: top,
      rowCount: Number(metadata.num_rows),
      groups,
    };
  } catch (err) {
    await fh.close().catch(() => undefined);
    if (err instanceof BulwarkError) throw err;
    throw new ParseError(
      `${base(file)}: not a readable Parquet file (${(err as Error).message}); check the file is complete`,
    );
  }
}

function parquetColumns(file: string, h: ParquetHandle, o: Resolved): string[] {
  if (!o.columns) return h.columns;
  for (const c of o.columns) {
    if (!h.columns.includes(c))
      throw new UsageError(
        `column '${c}' not found in ${base(file)}; available columns: ${listColumns(h.columns)}`,
      );
  }
  return [...o.columns];
}

async function readParquetRange(
  file: string,
  h: ParquetHandle,
  columns: string[],
  rowStart: number,
  rowEnd: number,
): Promise<Record<string, unknown>[]> {
  const hp = await import('hyparquet');
  try {
    return await hp.parquetReadObjects({ file: h.file, metadata: h.metadata, columns, rowStart, rowEnd });
  } catch (err) {
    throw new ParseError(
      `${base(file)} rows ${rowStart}..${rowEnd - 1}: cannot decode Parquet data (${(err as Error).message}); write the file with snappy or no compression`,
    );
  }
}

async function readParquet(file: string, o: Resolved): Promise<Table> {
  const h = await openParquet(file, o);
  try {
    const names = parquetColumns(file, h, o);
    const total = Math.min(h.rowCount, o.maxRows);
    const data = new Map<string, Cell[]>();
    for (const n of names) data.set(n, new Array<Cell>(total));
    let at = 0;
    for (const [start, end] of h.groups) {
      if (at >= total) break;
      o.signal?.throwIfAborted();
      const stop = Math.min(end, total);
      const rows = await readParquetRange(file, h, names, start, stop);
      for (const n of names) {
        const col = data.get(n) as Cell[];
        for (let i = 0; i < rows.length; i++) col[at + i] = toCell((rows[i] as Record<string, unknown>)[n]);
      }
      at += rows.length;
    }
    return new ColumnTable(names, data, at, { file, format: 'parquet' });
  } finally {
    await h.close().catch(() => undefined);
  }
}

async function* streamParquet(file: string, o: Resolved): AsyncGenerator<Record<string, Cell>> {
  const h = await openParquet(file, o);
  try {
    const names = parquetColumns(file, h, o);
    const total = Math.min(h.rowCount, o.maxRows);
    let at = 0;
    for (const [start, end] of h.groups) {
      if (at >= total) return;
      // Bound memory: read big row groups in slices.
      for (let s = start; s < Math.min(end, total); s += 65_536) {
        o.signal?.throwIfAborted();
        const rows = await readParquetRange(file, h, names, s, Math.min(end, total, s + 65_536));
        for (const r of rows) {
          const row: Record<string, Cell> = {};
          for (const n of names) setCell(row, n, toCell(r[n]));
          at++;
          yield row;
        }
      }
    }
  } finally {
    await h.close().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Public API

/** Reads a whole table into memory (columnar). CSV columns become numbers when every non-empty value is a number. */
export async function readTable(file: string, opts?: ReadTableOptions): Promise<Table> {
  const o = resolveOpts(opts);
  const format = o.format ?? (await detectFormat(file));
  o.signal?.throwIfAborted();
  const t =
    format === 'csv'
      ? await readCsv(file, o)
      : format === 'jsonl'
        ? await readJsonl(file, o)
        : await readParquet(file, o);
  if (opts?.maxRows === undefined && t.rowCount >= TABLE_LIMITS.maxRows) {
    throw new LimitError(
      'maxRows',
      `${base(file)}: more than ${TABLE_LIMITS.maxRows} rows; pass maxRows or use streamRows`,
    );
  }
  return t;
}

/**
 * Streams rows one at a time with bounded memory. CSV cells are typed one by one (a cell that looks like a plain
 * number becomes a number), since a stream cannot see the whole column; use readTable for column-wide typing.
 */
export async function* streamRows(
  file: string,
  opts?: ReadTableOptions,
): AsyncGenerator<Record<string, Cell>> {
  const o = resolveOpts(opts);
  const format = o.format ?? (await detectFormat(file));
  if (format === 'csv') yield* streamCsv(file, o);
  else if (format === 'jsonl') yield* streamJsonl(file, o);
  else yield* streamParquet(file, o);
}
