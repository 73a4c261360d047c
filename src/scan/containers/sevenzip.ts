/**
 * 7z archives through 7-Zip compiled to wasm (the `7z-wasm` package), plus zstd decoding for compress.ts.
 *
 * Sandboxing: the archive is copied into 7-Zip's in-memory file system (MEMFS); nothing 7-Zip writes reaches the
 * real disk. One wasm instance is created lazily and reused; jobs are serialised. After any abnormal exit (an
 * exception out of 7-Zip, or a limit hit inside it) the instance is dropped and a fresh one is made next time.
 *
 * Bounds:
 * - input archive at most {@link SEVENZIP_MAX_INPUT} bytes (LimitError 'sevenzip-input');
 * - declared sizes are checked before extraction (maxDecompressedBytes against budget.decompressed, compression
 *   ratio, {@link SEVENZIP_MAX_OUTPUT}); during extraction every write into MEMFS is counted and the job is
 *   aborted (LimitError) when the real output passes the bound, whatever the headers said;
 * - each extracted member is then moved into a bounded source (memory or a temporary file).
 * - 7-Zip runs synchronously: the deadline is only checked between writes, so one long write cannot be cut.
 *
 * Encryption (documented choice): an archive whose headers are encrypted makes {@link listSevenZip} and
 * {@link extractSevenZip} throw `BulwarkError('E_UNSUPPORTED', 'encrypted 7z archive ...')`. Encrypted members of
 * an otherwise readable archive are listed with `encrypted: true`, and {@link extractSevenZip} returns them with
 * `source: null` and `error` set to `BulwarkError('E_UNSUPPORTED', 'encrypted 7z member ...')`; the other
 * members are extracted. No password is ever tried (a fixed dummy password is passed so 7-Zip never prompts).
 *
 * Entry anomalies: 'unsafe-path:<kind>', 'symlink-escape', 'crc-mismatch', 'data-error', 'unlisted' (extracted
 * but absent from the listing). Listing anomalies: 'encrypted-members', 'extract-errors'.
 */
import { createRequire } from 'node:module';

import { BulwarkError, LimitError, ParseError, errorMessage } from '../../core/errors.js';
import type { ByteSource } from '../source.js';
import { isUnsafeMemberPath, symlinkEscapes } from './archive-safety.js';
import { BoundedSink, type DecodeContext } from './compress.js';

const require = createRequire(import.meta.url);

/** Largest archive (or zstd input) copied into the wasm file system. */
export const SEVENZIP_MAX_INPUT = 1024 * 1024 * 1024;
/** Largest total output of one 7z extraction (it is held in memory by the wasm file system). */
export const SEVENZIP_MAX_OUTPUT = 1024 * 1024 * 1024;
/** Largest listing text accepted from 7-Zip. */
const MAX_LISTING_TEXT = 64 * 1024 * 1024;
/** Passed with -p so that 7-Zip never prompts; never a real password. */
const DUMMY_PASSWORD = '-pbulwark-does-not-decrypt';

const SEVENZIP_MAGIC = [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c];

export function isSevenZip(head: Uint8Array): boolean {
  if (head.length < 6) return false;
  for (let i = 0; i < 6; i++) if (head[i] !== SEVENZIP_MAGIC[i]) return false;
  return true;
}

export interface SevenZipEntry {
  /** Path as 7-Zip lists it ('/' separators; control characters shown as '_'). */
  name: string;
  size: number;
  packedSize: number | null;
  isDirectory: boolean;
  isSymlink: boolean;
  encrypted: boolean;
  method: string;
  crc32: number | null;
  attributes: string;
  anomalies: string[];
}

export interface SevenZipListing {
  entries: SevenZipEntry[];
  /** True when any member is encrypted (header-encrypted archives throw instead). */
  encrypted: boolean;
  solid: boolean;
  anomalies: string[];
}

export interface SevenZipMember {
  /** Path of the extracted file relative to the archive root. */
  name: string;
  entry: SevenZipEntry;
  /** The member's bytes (close it when done); null for encrypted members and for links 7-Zip refused. */
  source: ByteSource | null;
  /** Target of a symbolic link member, when known. */
  linkTarget?: string;
  /** Why there is no source (encrypted member, data error). */
  error?: BulwarkError;
}

export interface SevenZipExtraction {
  listing: SevenZipListing;
  members: SevenZipMember[];
}

// ---------------------------------------------------------------------------------------------------------------
// wasm instance
// ---------------------------------------------------------------------------------------------------------------

interface FsLike {
  open(path: string, flags: string): unknown;
  close(stream: unknown): void;
  write(
    stream: unknown,
    buf: ArrayBufferView,
    off: number,
    len: number,
    pos?: number,
    canOwn?: boolean,
  ): number;
  mkdir(path: string): unknown;
  readdir(path: string): string[];
  lstat(path: string): { mode: number; size: number };
  readFile(path: string): Uint8Array;
  readlink(path: string): string;
  unlink(path: string): void;
  rmdir(path: string): void;
  chmod(path: string, mode: number, dontFollow?: boolean): void;
  isDir(mode: number): boolean;
  isFile(mode: number): boolean;
  isLink(mode: number): boolean;
}

interface SevenZipModuleLike {
  FS: FsLike;
  callMain(args: string[]): unknown;
}

type ModuleFactory = (opts: Record<string, unknown>) => Promise<SevenZipModuleLike>;

interface Instance {
  m: SevenZipModuleLike;
  stdout: (c: number | null) => void;
  stderr: (c: number | null) => void;
  onWrite: ((n: number) => void) | null;
  /** An error raised inside a hook: 7-Zip's I/O layer may turn it into an errno, so it is kept here. */
  pending: unknown;
}

let instancePromise: Promise<Instance> | null = null;
let jobCounter = 0;
let chain: Promise<unknown> = Promise.resolve();

function serialise<T>(fn: () => Promise<T>): Promise<T> {
  const run = chain.then(fn, fn);
  chain = run.then(
    () => undefined,
    () => undefined,
  );
  return run;
}

async function createInstance(): Promise<Instance> {
  const mod = require('7z-wasm') as ModuleFactory | { default: ModuleFactory };
  const factory: ModuleFactory = typeof mod === 'function' ? mod : mod.default;
  const inst: Instance = {
    m: undefined as unknown as SevenZipModuleLike,
    stdout: noop,
    stderr: noop,
    onWrite: null,
    pending: null,
  };
  const m = await factory({
    stdin: () => null,
    stdout: (c: number | null) => inst.stdout(c),
    stderr: (c: number | null) => inst.stderr(c),
    print: noop,
    printErr: noop,
    quit: (_code: number, status: unknown) => {
      throw status;
    },
  });
  const fs = m.FS;
  const write = fs.write;
  fs.write = (stream, buf, off, len, pos, canOwn) => {
    if (inst.onWrite) {
      try {
        inst.onWrite(len);
      } catch (err) {
        inst.pending ??= err;
        throw err;
      }
    }
    return write(stream, buf, off, len, pos, canOwn);
  };
  // 7-Zip in wasm sets mode 000 on some extracted directories, which would make them unreadable.
  const chmod = fs.chmod;
  fs.chmod = (path, mode, dontFollow) => {
    if (!mode) return;
    chmod(path, mode, dontFollow);
  };
  inst.m = m;
  return inst;
}

function getInstance(): Promise<Instance> {
  if (!instancePromise) {
    instancePromise = createInstance().catch((err: unknown) => {
      instancePromise = null;
      throw new BulwarkError('E_UNSUPPORTED', `7-Zip (7z-wasm) could not be loaded: ${errorMessage(err)}`);
    });
  }
  return instancePromise;
}

function dropInstance(): void {
  instancePromise = null;
}

function noop(): void {}

interface CallResult {
  rc: number;
  stdout: string;
  stderr: string;
  /** Set when 7-Zip did not return normally (exception): the instance has been dropped. */
  crashed: boolean;
}

/** Runs 7-Zip. Bulwark errors thrown from hooks (limits) are rethrown after dropping the instance. */
function call7z(inst: Instance, args: string[], onStdout?: (c: number) => void): CallResult {
  const out: number[] = [];
  const err: number[] = [];
  inst.pending = null;
  inst.stdout = (c) => {
    if (c === null) return;
    try {
      if (inst.pending) throw inst.pending;
      if (onStdout) onStdout(c);
      else if (out.length < MAX_LISTING_TEXT) out.push(c);
      else throw new LimitError('sevenzip-listing', '7z: listing output is too large');
    } catch (err) {
      inst.pending ??= err;
      throw err;
    }
  };
  inst.stderr = (c) => {
    if (c !== null && err.length < 1024 * 1024) err.push(c);
  };
  let rc = 0;
  let crashed = false;
  try {
    const r = inst.m.callMain(args);
    rc = typeof r === 'number' ? r : 0;
  } catch (e) {
    dropInstance();
    if (e instanceof BulwarkError) throw e;
    crashed = true;
    rc = typeof (e as { status?: unknown })?.status === 'number' ? (e as { status: number }).status : -1;
  } finally {
    inst.stdout = noop;
    inst.stderr = noop;
    inst.onWrite = null;
  }
  if (inst.pending) {
    const err = inst.pending;
    inst.pending = null;
    dropInstance();
    throw err;
  }
  return {
    rc,
    stdout: Buffer.from(out).toString('utf8'),
    stderr: Buffer.from(err).toString('utf8'),
    crashed,
  };
}

/** Copies src[offset, offset+length) into MEMFS at `path`. */
async function copyIn(
  fs: FsLike,
  src: ByteSource,
  path: string,
  offset = 0,
  length = src.size,
): Promise<void> {
  if (length > SEVENZIP_MAX_INPUT) {
    throw new LimitError(
      'sevenzip-input',
      `7z: input of ${length} bytes exceeds ${SEVENZIP_MAX_INPUT} bytes`,
    );
  }
  const stream = fs.open(path, 'w');
  try {
    let pos = 0;
    for await (const chunk of src.stream(offset, length, 4 * 1024 * 1024)) {
      fs.write(stream, chunk, 0, chunk.length, pos);
      pos += chunk.length;
    }
  } finally {
    fs.close(stream);
  }
}

function removeTree(fs: FsLike, path: string): void {
  let st: { mode: number };
  try {
    st = fs.lstat(path);
  } catch {
    return;
  }
  try {
    if (fs.isDir(st.mode)) {
      try {
        fs.chmod(path, 0o777);
      } catch {
        /* ignore */
      }
      for (const name of fs.readdir(path)) {
        if (name !== '.' && name !== '..') removeTree(fs, `${path}/${name}`);
      }
      fs.rmdir(path);
    } else {
      fs.unlink(path);
    }
  } catch {
    /* best effort */
  }
}

// ---------------------------------------------------------------------------------------------------------------
// listing
// ---------------------------------------------------------------------------------------------------------------

function parseKeyValues(block: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of block.split('\n')) {
    const i = line.indexOf(' = ');
    if (i > 0) map.set(line.slice(0, i), line.slice(i + 3));
    else if (line.endsWith(' =')) map.set(line.slice(0, -2), '');
  }
  return map;
}

function toInt(v: string | undefined): number | null {
  if (v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

function parseListing(text: string, maxMembers: number): SevenZipListing {
  const t = text.replace(/\r\n/g, '\n');
  const sep = t.indexOf('\n----------\n');
  if (sep < 0) throw new ParseError('7z: no listing in 7-Zip output');
  const props = parseKeyValues(t.slice(t.lastIndexOf('\n--\n', sep) + 1, sep));
  const entries: SevenZipEntry[] = [];
  for (const block of t.slice(sep + 12).split(/\n\n+/)) {
    const kv = parseKeyValues(block);
    const name = kv.get('Path');
    if (name === undefined) continue;
    if (entries.length >= maxMembers) {
      throw new LimitError('maxMembers', `7z: more than ${maxMembers} members`);
    }
    const attributes = kv.get('Attributes') ?? '';
    const crc = kv.get('CRC');
    const entry: SevenZipEntry = {
      name,
      size: toInt(kv.get('Size')) ?? 0,
      packedSize: toInt(kv.get('Packed Size')),
      isDirectory:
        kv.get('Folder') === '+' || /^D/.test(attributes) || /(^|\s)d[rwxsStT-]{9}/.test(attributes),
      isSymlink: /(^|\s)l[rwxsStT-]{9}/.test(attributes),
      encrypted: kv.get('Encrypted') === '+',
      method: kv.get('Method') ?? '',
      crc32: crc && /^[0-9A-Fa-f]{8}$/.test(crc) ? parseInt(crc, 16) : null,
      attributes,
      anomalies: [],
    };
    const unsafe = isUnsafeMemberPath(name);
    if (unsafe) entry.anomalies.push(`unsafe-path:${unsafe}`);
    entries.push(entry);
  }
  const listing: SevenZipListing = {
    entries,
    encrypted: entries.some((e) => e.encrypted),
    solid: props.get('Solid') === '+',
    anomalies: [],
  };
  if (listing.encrypted) listing.anomalies.push('encrypted-members');
  return listing;
}

const AES_CODER_ID = [0x06, 0xf1, 0x07, 0x01];

/** True when the 7z "next header" is an encoded header whose coders include 7zAES (headers encrypted). */
async function headersEncrypted(src: ByteSource): Promise<boolean> {
  const start = await src.read(0, 32);
  if (start.length < 32 || !isSevenZip(start)) return false;
  const off = readU64(start, 12);
  const size = readU64(start, 20);
  if (off === null || size === null || size > 1024 * 1024 || 32 + off + size > src.size) return false;
  const next = await src.read(32 + off, size);
  if (next[0] !== 0x17) return false; // kEncodedHeader
  for (let i = 0; i + 4 <= next.length; i++) {
    if (AES_CODER_ID.every((b, k) => next[i + k] === b)) return true;
  }
  return false;
}

function readU64(b: Uint8Array, at: number): number | null {
  const lo = (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)) + b[at + 3] * 0x1000000;
  const hi = (b[at + 4] | (b[at + 5] << 8) | (b[at + 6] << 16)) + b[at + 7] * 0x1000000;
  const v = hi * 2 ** 32 + lo;
  return Number.isSafeInteger(v) ? v : null;
}

function firstErrorLine(r: CallResult): string {
  const lines = `${r.stderr}\n${r.stdout}`
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /error|warning|cannot|can not|unsupported|wrong/i.test(l));
  return lines.slice(0, 3).join('; ') || `7-Zip exit code ${r.rc}`;
}

async function listIn(
  inst: Instance,
  src: ByteSource,
  path: string,
  maxMembers: number,
): Promise<SevenZipListing> {
  const r = call7z(inst, ['l', '-slt', '-sccUTF-8', '-bd', '-t7z', DUMMY_PASSWORD, path]);
  const encryptedHeaders = async (): Promise<boolean> =>
    /wrong password|encrypted archive/i.test(r.stderr + r.stdout) || (await headersEncrypted(src));
  if (r.crashed || r.rc !== 0) {
    if (await encryptedHeaders()) {
      throw new BulwarkError(
        'E_UNSUPPORTED',
        'encrypted 7z archive (headers are encrypted); cannot be scanned',
      );
    }
    throw new ParseError(`7z: cannot list archive: ${firstErrorLine(r)}`);
  }
  return parseListing(r.stdout, maxMembers);
}

/** Lists a 7z archive. Throws ParseError when it is not a readable 7z, E_UNSUPPORTED when headers are encrypted. */
export function listSevenZip(src: ByteSource, opts: { maxMembers: number }): Promise<SevenZipListing> {
  return serialise(async () => {
    const inst = await getInstance();
    const dir = `/bw${++jobCounter}`;
    inst.m.FS.mkdir(dir);
    try {
      await copyIn(inst.m.FS, src, `${dir}/in.7z`);
      return await listIn(inst, src, `${dir}/in.7z`, opts.maxMembers);
    } finally {
      removeTree(inst.m.FS, dir);
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// extraction
// ---------------------------------------------------------------------------------------------------------------

/** Name as 7-Zip's listing shows it: control characters become '_'. */
function listingName(name: string): string {
  return name.replace(/[\x00-\x1f\x7f]/g, '_');
}

/**
 * Lists and extracts a 7z archive under the limits (see the module comment). Directories are not returned.
 */
export function extractSevenZip(
  src: ByteSource,
  ctx: DecodeContext,
  opts: { maxMembers?: number } = {},
): Promise<SevenZipExtraction> {
  const { limits, budget } = ctx;
  const maxMembers = opts.maxMembers ?? limits.maxMembers;
  return serialise(async () => {
    const inst = await getInstance();
    const fs = inst.m.FS;
    const dir = `/bw${++jobCounter}`;
    fs.mkdir(dir);
    const members: SevenZipMember[] = [];
    try {
      await copyIn(fs, src, `${dir}/in.7z`);
      const listing = await listIn(inst, src, `${dir}/in.7z`, maxMembers);
      const remaining = Math.max(0, limits.maxDecompressedBytes - budget.decompressed);
      const declared = listing.entries.reduce((s, e) => s + (e.isDirectory || e.encrypted ? 0 : e.size), 0);
      if (declared > remaining) {
        throw new LimitError(
          'maxDecompressedBytes',
          `7z: members declare ${declared} bytes, over the ${remaining} bytes left of maxDecompressedBytes`,
        );
      }
      if (
        declared > limits.ratioFloorBytes &&
        declared > limits.maxCompressionRatio * Math.max(1, src.size)
      ) {
        throw new LimitError('maxCompressionRatio', `7z: ${declared} bytes from ${src.size}; likely a bomb`);
      }
      if (declared > SEVENZIP_MAX_OUTPUT) {
        throw new LimitError('sevenzip-output', `7z: ${declared} bytes exceed ${SEVENZIP_MAX_OUTPUT} bytes`);
      }
      const byName = new Map<string, SevenZipEntry>();
      for (const e of listing.entries) byName.set(e.name, e);
      const wanted = listing.entries.filter((e) => !e.isDirectory && !e.encrypted);
      const cap = Math.min(SEVENZIP_MAX_OUTPUT, remaining);
      const refusedLinks = new Map<string, string>();
      const entryErrors = new Map<string, string>();
      if (wanted.length > 0) {
        let written = 0;
        inst.onWrite = (n) => {
          written += n;
          if (written > cap) {
            throw new LimitError('maxDecompressedBytes', `7z: extracted data exceeds ${cap} bytes`);
          }
          if (Date.now() > budget.deadline) {
            throw new LimitError('timeoutMs', '7z: time budget for this file ran out while extracting');
          }
        };
        const r = call7z(inst, ['x', '-y', '-bd', '-t7z', DUMMY_PASSWORD, `-o${dir}/out`, `${dir}/in.7z`]);
        if (r.crashed) throw new ParseError(`7z: extraction failed: ${firstErrorLine(r)}`);
        for (const line of r.stderr.split('\n')) {
          const link = /Dangerous link path was ignored : (.*) : (.*)$/.exec(line);
          if (link) {
            refusedLinks.set(link[1], link[2]);
            continue;
          }
          const bad =
            /^ERROR: (CRC Failed|Data Error|Unsupported Method|Headers Error|.*?)(?: in encrypted file.*?)? : (.*)$/.exec(
              line.trim(),
            );
          if (bad) entryErrors.set(bad[2], bad[1]);
        }
        if (r.rc !== 0 && entryErrors.size + refusedLinks.size === 0)
          listing.anomalies.push('extract-errors');
      }
      // collect extracted files
      const found = new Set<string>();
      const walk = async (rel: string): Promise<void> => {
        const abs = rel ? `${dir}/out/${rel}` : `${dir}/out`;
        let names: string[];
        try {
          names = fs.readdir(abs);
        } catch {
          return;
        }
        for (const n of names) {
          if (n === '.' || n === '..') continue;
          const childRel = rel ? `${rel}/${n}` : n;
          const childAbs = `${dir}/out/${childRel}`;
          const st = fs.lstat(childAbs);
          if (fs.isDir(st.mode)) {
            await walk(childRel);
            continue;
          }
          const shown = listingName(childRel);
          let entry = byName.get(shown);
          if (!entry) {
            entry = {
              name: shown,
              size: st.size,
              packedSize: null,
              isDirectory: false,
              isSymlink: fs.isLink(st.mode),
              encrypted: false,
              method: '',
              crc32: null,
              attributes: '',
              anomalies: ['unlisted'],
            };
          }
          found.add(entry.name);
          if (entry.encrypted) {
            fs.unlink(childAbs);
            continue; // partial output of an undecryptable member
          }
          const why = entryErrors.get(entry.name);
          if (why) entry.anomalies.push(/CRC/i.test(why) ? 'crc-mismatch' : 'data-error');
          if (fs.isLink(st.mode)) {
            const target = fs.readlink(childAbs);
            entry.isSymlink = true;
            if (symlinkEscapes(childRel, target)) entry.anomalies.push('symlink-escape');
            members.push({ name: childRel, entry, source: null, linkTarget: target });
            fs.unlink(childAbs);
            continue;
          }
          const data = fs.readFile(childAbs);
          fs.unlink(childAbs);
          const sink = new BoundedSink(ctx, src.size, `7z:${childRel}`);
          try {
            sink.push(data);
            members.push({ name: childRel, entry, source: await sink.finish() });
          } catch (err) {
            sink.discard();
            throw err;
          }
        }
      };
      await walk('');
      for (const e of listing.entries) {
        if (e.isDirectory || found.has(e.name)) continue;
        if (e.encrypted) {
          members.push({
            name: e.name,
            entry: e,
            source: null,
            error: new BulwarkError('E_UNSUPPORTED', `encrypted 7z member ${e.name}; cannot be scanned`),
          });
          continue;
        }
        const target = refusedLinks.get(e.name);
        if (target !== undefined) {
          e.isSymlink = true;
          if (symlinkEscapes(e.name, target)) e.anomalies.push('symlink-escape');
          members.push({ name: e.name, entry: e, source: null, linkTarget: target });
          continue;
        }
        if (e.size === 0) {
          // 7-Zip may skip creating some empty files; nothing to scan
          const sink = new BoundedSink(ctx, src.size, `7z:${e.name}`);
          members.push({ name: e.name, entry: e, source: await sink.finish() });
          continue;
        }
        const why = entryErrors.get(e.name);
        members.push({
          name: e.name,
          entry: e,
          source: null,
          error: new ParseError(`7z: member ${e.name} was not extracted${why ? `: ${why}` : ''}`),
        });
      }
      return { listing, members };
    } catch (err) {
      for (const m of members) await m.source?.close();
      throw err instanceof BulwarkError ? err : new ParseError(`7z: ${errorMessage(err)}`);
    } finally {
      removeTree(fs, dir);
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// single streams (zstd; xz with SHA-256 checks) for compress.ts
// ---------------------------------------------------------------------------------------------------------------

const STREAM_OUT_CHUNK = 1024 * 1024;

/**
 * Decodes one compressed stream with 7-Zip, streaming its stdout into the sink (which enforces the limits: a
 * LimitError raised there aborts 7-Zip). The input is copied into memory first; callers bound its size.
 */
export function decodeWith7z(
  type: 'zstd' | 'xz',
  src: ByteSource,
  offset: number,
  length: number,
  sink: BoundedSink,
): Promise<void> {
  return serialise(async () => {
    const inst = await getInstance();
    const dir = `/bw${++jobCounter}`;
    inst.m.FS.mkdir(dir);
    try {
      await copyIn(inst.m.FS, src, `${dir}/in`, offset, length);
      let buf = new Uint8Array(STREAM_OUT_CHUNK);
      let n = 0;
      const r = call7z(inst, ['e', '-so', '-bd', `-t${type}`, `${dir}/in`], (c) => {
        buf[n++] = c;
        if (n === STREAM_OUT_CHUNK) {
          const full = buf;
          buf = new Uint8Array(STREAM_OUT_CHUNK);
          n = 0;
          sink.push(full);
        }
      });
      if (n > 0) sink.push(buf.subarray(0, n));
      if (r.crashed || r.rc !== 0) throw new ParseError(`${type}: ${firstErrorLine(r)}`, offset);
    } finally {
      removeTree(inst.m.FS, dir);
    }
  });
}
