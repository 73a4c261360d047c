/**
 * PII and secret scanning of dataset files: CSV and JSON Lines (values read as raw strings so that long numbers
 * keep every digit), Parquet (through the shared table reader) and plain text (streamed line by line with a bounded
 * line length). Produces per-column summaries, masked samples, findings, and optionally a redacted copy written
 * atomically in the input's format.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse';
import { BulwarkError, LimitError, ParseError, UsageError } from '../../core/errors.js';
import type { Finding } from '../../core/finding.js';
import type { Severity } from '../../core/severity.js';
import { makeFinding } from '../../core/rules.js';
import { streamRows } from '../data/table.js';
import {
  maskPreview,
  nameToContextWords,
  PiiAnalyzer,
  redactText,
  type PiiMatch,
  type PiiOptions,
  type RedactMode,
} from './pii.js';
import type { EntityKind } from './recognizers.js';
import { PRIV_PII, PRIV_SECRET, PRIVACY_FRAMEWORKS } from './rules.js';

export type PiiInputFormat = 'csv' | 'jsonl' | 'parquet' | 'text';

export interface PiiScanOptions extends PiiOptions {
  format?: PiiInputFormat;
  /** CSV delimiter (default: sniffed from the header line among , ; tab |). */
  delimiter?: string;
  /** Write a redacted copy here (same format; Parquet input needs a .csv or .jsonl output). */
  redactTo?: string;
  redactMode?: RedactMode;
  /** Salt for hash redaction. */
  salt?: string;
  /** Longest text line or CSV/JSONL record in characters (default 1 MiB); longer text lines are analysed in pieces, longer records are an error. */
  maxLineChars?: number;
  /** Stop after this many rows/lines (default: all). */
  maxRows?: number;
  /** Masked samples kept per column (default 3). */
  samplesPerColumn?: number;
  /** Occurrences listed in the report (default 200; counts are always complete). */
  maxOccurrences?: number;
  /** Name shown in findings (default: the path as given). */
  displayName?: string;
}

export interface ColumnSummary {
  column: string;
  /** Rows where the column has a non-empty value. */
  nonEmpty: number;
  rowsWithPii: number;
  /** rowsWithPii / rows. */
  share: number;
  entities: Record<string, number>;
  samples: { entity: string; preview: string }[];
}

export interface PiiOccurrence {
  entity: string;
  kind: EntityKind;
  score: number;
  /** 1-based data row (CSV/JSONL/Parquet) or line (text). */
  row: number;
  column?: string;
  /** Character offset within the cell or line. */
  offset: number;
  preview: string;
}

export interface PiiScanReport {
  file: string;
  format: PiiInputFormat;
  rows: number;
  entities: string[];
  minScore: number;
  /** Per entity type: matches, rows that have one, kind. */
  counts: Record<string, { kind: EntityKind; matches: number; rows: number }>;
  rowsWithPii: number;
  columns?: ColumnSummary[];
  occurrences: PiiOccurrence[];
  occurrencesTruncated: boolean;
  /** Text lines longer than maxLineChars (analysed in pieces). */
  longLines: number;
  redacted?: { file: string; mode: RedactMode; replacements: number };
  findings: Finding[];
}

/** Severity of a BW-PRIV-001 finding per entity type. */
export const ENTITY_SEVERITY: Readonly<Record<string, Severity>> = Object.freeze({
  CREDIT_CARD: 'high',
  IBAN_CODE: 'high',
  US_SSN: 'high',
  US_ITIN: 'high',
  US_PASSPORT: 'high',
  US_DRIVER_LICENSE: 'high',
  UK_NHS: 'high',
  ES_NIF: 'high',
  ES_NIE: 'high',
  IT_FISCAL_CODE: 'high',
  PL_PESEL: 'high',
  FI_PERSONAL_ID: 'high',
  NL_BSN: 'high',
  CRYPTO: 'medium',
  EMAIL_ADDRESS: 'medium',
  PHONE_NUMBER: 'medium',
  PERSON: 'medium',
  LOCATION: 'low',
  IP_ADDRESS: 'low',
  MAC_ADDRESS: 'low',
  URL: 'low',
});

const DEFAULT_MAX_LINE = 1024 * 1024;

/** Picks the input format from the extension (.csv/.tsv, .jsonl/.ndjson, .parquet/.pq, anything else text). */
export function detectPiiFormat(file: string): PiiInputFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv' || ext === '.tsv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.parquet' || ext === '.pq') return 'parquet';
  return 'text';
}

/** A file written to a temporary name and renamed over the target on commit (never a partial file). */
class AtomicWriter {
  private readonly tmp: string;
  private readonly stream: WriteStream;
  private failed: Error | undefined;

  constructor(private readonly target: string) {
    const abs = path.resolve(target);
    this.tmp = path.join(
      path.dirname(abs),
      `.${path.basename(abs)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
    );
    this.stream = createWriteStream(this.tmp, { flags: 'wx', mode: 0o644 });
    this.stream.on('error', (err) => (this.failed = err));
  }

  async write(s: string): Promise<void> {
    if (this.failed) throw this.failed;
    if (!this.stream.write(s)) await new Promise<void>((resolve) => this.stream.once('drain', resolve));
  }

  async commit(): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.stream.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
    if (this.failed) throw this.failed;
    await rename(this.tmp, path.resolve(this.target));
  }

  async abort(): Promise<void> {
    this.stream.destroy();
    await rm(this.tmp, { force: true }).catch(() => undefined);
  }
}

function csvField(v: string, delimiter: string): string {
  if (v.includes(delimiter) || /["\r\n]/.test(v) || /^\s|\s$/.test(v)) return `"${v.replace(/"/g, '""')}"`;
  return v;
}

/** Streams a text file as lines, splitting lines longer than `max` characters into pieces. */
async function* textLines(
  file: string,
  max: number,
): AsyncGenerator<{ text: string; long: boolean; eol: string }> {
  let buf = '';
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 64 * 1024 });
  for await (const chunk of stream as AsyncIterable<string>) {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0 || buf.length > max) {
      if (nl < 0 || nl > max) {
        yield { text: buf.slice(0, max), long: true, eol: '' };
        buf = buf.slice(max);
        continue;
      }
      const cr = nl > 0 && buf[nl - 1] === '\r';
      yield { text: buf.slice(0, cr ? nl - 1 : nl), long: false, eol: cr ? '\r\n' : '\n' };
      buf = buf.slice(nl + 1);
    }
  }
  if (buf.length > 0) yield { text: buf, long: false, eol: '' };
}

async function sniffCsvDelimiter(file: string): Promise<string> {
  const fh = createReadStream(file, { encoding: 'utf8', start: 0, end: 64 * 1024 });
  let head = '';
  for await (const c of fh as AsyncIterable<string>) head += c;
  const line = head.split(/\r?\n/)[0] ?? '';
  let best = ',';
  let bestCount = 0;
  for (const d of [',', ';', '\t', '|']) {
    const n = line.split(d).length - 1;
    if (n > bestCount) {
      best = d;
      bestCount = n;
    }
  }
  return best;
}

/** Recursively visits the string values of a JSON value, replacing them with `fn`'s result. */
function mapStrings(v: unknown, pathName: string, fn: (s: string, field: string) => string): unknown {
  if (typeof v === 'string') return fn(v, pathName);
  if (Array.isArray(v)) return v.map((x) => mapStrings(x, pathName, fn));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = mapStrings(x, pathName ? `${pathName}.${k}` : k, fn);
    return out;
  }
  return v;
}

/** Scans a dataset file for PII and secrets. */
export async function scanPiiFile(file: string, opts: PiiScanOptions = {}): Promise<PiiScanReport> {
  const analyzer = new PiiAnalyzer(opts);
  const format = opts.format ?? detectPiiFormat(file);
  const maxLine = opts.maxLineChars ?? DEFAULT_MAX_LINE;
  const maxRows = opts.maxRows ?? Infinity;
  const samplesPerColumn = opts.samplesPerColumn ?? 3;
  const maxOcc = opts.maxOccurrences ?? 200;
  const mode = opts.redactMode ?? 'replace';
  const display = opts.displayName ?? file;
  try {
    const st = await stat(file);
    if (!st.isFile())
      throw new UsageError(`${display} is not a regular file; pass a CSV, JSONL, Parquet or text file`);
  } catch (err) {
    if (err instanceof BulwarkError) throw err;
    throw new BulwarkError('E_NOT_FOUND', `${display} does not exist or cannot be read; check the data path`);
  }
  let redactFormat: PiiInputFormat | undefined;
  if (opts.redactTo) {
    if (path.resolve(opts.redactTo) === path.resolve(file))
      throw new UsageError('--redact must name a new file, not the input');
    redactFormat = format;
    if (format === 'parquet') {
      const ext = detectPiiFormat(opts.redactTo);
      if (ext !== 'csv' && ext !== 'jsonl')
        throw new UsageError(
          'redacting Parquet input writes CSV or JSON Lines; give --redact a .csv or .jsonl file',
        );
      redactFormat = ext;
    }
    if (mode === 'hash' && !opts.salt)
      throw new UsageError('--redact-mode hash needs a salt; pass --salt or set BULWARK_REDACT_SALT');
  }

  const counts: PiiScanReport['counts'] = {};
  const columns = new Map<string, ColumnSummary>();
  const occurrences: PiiOccurrence[] = [];
  let occurrencesTruncated = false;
  let rows = 0;
  let rowsWithPii = 0;
  let longLines = 0;
  let replacements = 0;
  const contextCache = new Map<string, string[]>();

  /** Analyses one cell/line; records stats; returns its redacted text (or the text when not redacting). */
  const visit = (text: string, row: number, column: string | undefined, seen: Set<string>): string => {
    let ctx: string[] | undefined;
    if (column !== undefined) {
      ctx = contextCache.get(column);
      if (!ctx) contextCache.set(column, (ctx = nameToContextWords(column)));
    }
    const matches = text.length > 0 ? analyzer.analyze(text, { contextWords: ctx }) : [];
    let col: ColumnSummary | undefined;
    if (column !== undefined) {
      col = columns.get(column);
      if (!col)
        columns.set(
          column,
          (col = { column, nonEmpty: 0, rowsWithPii: 0, share: 0, entities: {}, samples: [] }),
        );
      if (text.length > 0) col.nonEmpty++;
      if (matches.length > 0) col.rowsWithPii++;
    }
    for (const m of matches) record(m, text, row, column, col, seen);
    if (!opts.redactTo || matches.length === 0) return text;
    replacements += matches.length;
    return redactText(text, matches, mode, opts.salt);
  };

  const record = (
    m: PiiMatch,
    text: string,
    row: number,
    column: string | undefined,
    col: ColumnSummary | undefined,
    seen: Set<string>,
  ): void => {
    const c = (counts[m.entity] ??= { kind: m.kind, matches: 0, rows: 0 });
    c.matches++;
    if (!seen.has(m.entity)) {
      seen.add(m.entity);
      c.rows++;
    }
    const preview = maskPreview(text.slice(m.start, m.end), m.kind);
    if (col) {
      col.entities[m.entity] = (col.entities[m.entity] ?? 0) + 1;
      if (col.samples.length < samplesPerColumn) col.samples.push({ entity: m.entity, preview });
    }
    if (occurrences.length < maxOcc) {
      const o: PiiOccurrence = {
        entity: m.entity,
        kind: m.kind,
        score: m.score,
        row,
        offset: m.start,
        preview,
      };
      if (column !== undefined) o.column = column;
      occurrences.push(o);
    } else occurrencesTruncated = true;
  };

  const writer = opts.redactTo ? new AtomicWriter(opts.redactTo) : undefined;
  try {
    if (format === 'text') {
      for await (const line of textLines(file, maxLine)) {
        if (rows >= maxRows) break;
        rows++;
        if (line.long) longLines++;
        const seen = new Set<string>();
        const out = visit(line.text, rows, undefined, seen);
        if (seen.size) rowsWithPii++;
        if (writer) await writer.write(out + line.eol);
      }
    } else if (format === 'csv') {
      const delimiter = opts.delimiter ?? (await sniffCsvDelimiter(file));
      const parser = createReadStream(file).pipe(
        parseCsv({
          delimiter,
          bom: true,
          max_record_size: maxLine,
          skip_empty_lines: true,
          relax_quotes: false,
        }),
      );
      let header: string[] | undefined;
      try {
        for await (const rec of parser as AsyncIterable<string[]>) {
          if (!header) {
            header = rec.map((h, i) => h || `column_${i + 1}`);
            if (writer) await writer.write(`${rec.map((h) => csvField(h, delimiter)).join(delimiter)}\n`);
            continue;
          }
          if (rows >= maxRows) break;
          rows++;
          const seen = new Set<string>();
          const out = rec.map((v, i) => visit(v, rows, header![i] ?? `column_${i + 1}`, seen));
          if (seen.size) rowsWithPii++;
          if (writer) await writer.write(`${out.map((v) => csvField(v, delimiter)).join(delimiter)}\n`);
        }
      } catch (err) {
        if (err instanceof BulwarkError) throw err;
        const e = err as { code?: string; lines?: number; message?: string };
        if (e.code === 'CSV_MAX_RECORD_SIZE')
          throw new LimitError(
            'maxLineChars',
            `${display}: a CSV record is longer than ${maxLine} characters; raise --max-line or check the file`,
          );
        throw new ParseError(
          `${display}: malformed CSV near line ${e.lines ?? '?'} (${e.code ?? 'parse error'}); check quoting and the delimiter`,
        );
      }
    } else if (format === 'jsonl') {
      for await (const line of textLines(file, maxLine)) {
        if (line.long)
          throw new LimitError(
            'maxLineChars',
            `${display}: a JSON line is longer than ${maxLine} characters; raise --max-line or check the file`,
          );
        if (line.text.trim() === '') {
          if (writer) await writer.write(line.text + line.eol);
          continue;
        }
        if (rows >= maxRows) break;
        rows++;
        let obj: unknown;
        try {
          obj = JSON.parse(line.text);
        } catch {
          throw new ParseError(
            `${display}: line ${rows} is not valid JSON; each line must be one JSON value`,
          );
        }
        const seen = new Set<string>();
        const out = mapStrings(obj, '', (s, field) => visit(s, rows, field || '(value)', seen));
        if (seen.size) rowsWithPii++;
        if (writer) await writer.write(`${JSON.stringify(out)}${line.eol || '\n'}`);
      }
    } else {
      let header: string[] | undefined;
      for await (const row of streamRows(file, { format: 'parquet' })) {
        if (rows >= maxRows) break;
        rows++;
        if (!header) {
          header = Object.keys(row);
          if (writer && redactFormat === 'csv')
            await writer.write(`${header.map((h) => csvField(h, ',')).join(',')}\n`);
        }
        const seen = new Set<string>();
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(row))
          out[k] = typeof v === 'string' ? visit(v, rows, k, seen) : v;
        if (seen.size) rowsWithPii++;
        if (writer) {
          if (redactFormat === 'csv')
            await writer.write(
              `${header.map((h) => csvField(out[h] === null || out[h] === undefined ? '' : String(out[h]), ',')).join(',')}\n`,
            );
          else await writer.write(`${JSON.stringify(out)}\n`);
        }
      }
    }
    if (writer) await writer.commit();
  } catch (err) {
    if (writer) await writer.abort();
    throw err;
  }

  const colList = columns.size ? [...columns.values()] : undefined;
  if (colList) for (const c of colList) c.share = rows ? c.rowsWithPii / rows : 0;
  const report: PiiScanReport = {
    file: display,
    format,
    rows,
    entities: analyzer.entities(),
    minScore: analyzer.minScore,
    counts,
    rowsWithPii,
    occurrences,
    occurrencesTruncated,
    longLines,
    findings: [],
  };
  if (colList) report.columns = colList;
  if (opts.redactTo) report.redacted = { file: opts.redactTo, mode, replacements };
  report.findings = piiFindings(report);
  return report;
}

/** One finding per entity type found: BW-PRIV-001 for PII (severity by type), BW-PRIV-002 for secrets. */
export function piiFindings(
  report: Pick<PiiScanReport, 'file' | 'rows' | 'counts' | 'columns' | 'occurrences'>,
): Finding[] {
  const out: Finding[] = [];
  for (const [entity, c] of Object.entries(report.counts).sort()) {
    const cols = (report.columns ?? [])
      .filter((col) => col.entities[entity])
      .map((col) => ({ column: col.column, matches: col.entities[entity], share: col.share }));
    const locations = report.occurrences
      .filter((o) => o.entity === entity)
      .slice(0, 10)
      .map((o) => ({
        row: o.row,
        ...(o.column !== undefined ? { column: o.column } : {}),
        offset: o.offset,
        preview: o.preview,
      }));
    const evidence = {
      entity,
      matches: c.matches,
      rows: c.rows,
      rowsScanned: report.rows,
      ...(cols.length ? { columns: cols } : {}),
      samples: locations,
      frameworks: PRIVACY_FRAMEWORKS,
    };
    const where = cols.length
      ? ` in column${cols.length > 1 ? 's' : ''} ${cols.map((x) => x.column).join(', ')}`
      : '';
    if (c.kind === 'secret')
      out.push(
        makeFinding(PRIV_SECRET, {
          message: `${c.matches} ${entity} secret${c.matches > 1 ? 's' : ''} in ${c.rows} row${c.rows > 1 ? 's' : ''}${where}`,
          location: { file: report.file },
          evidence,
          severity: entity === 'PRIVATE_KEY' || entity === 'AWS_SECRET_ACCESS_KEY' ? 'critical' : 'high',
        }),
      );
    else
      out.push(
        makeFinding(PRIV_PII, {
          message: `${c.matches} ${entity} value${c.matches > 1 ? 's' : ''} in ${c.rows} of ${report.rows} rows${where}`,
          location: { file: report.file },
          evidence,
          severity: ENTITY_SEVERITY[entity] ?? 'medium',
        }),
      );
  }
  return out;
}
