/**
 * On-disk layout and durable writes of the local transparency log (see docs/transparency-log.md).
 *
 *   DIR/log.json           static description: format, origin, verifier key (written once, at init)
 *   DIR/signer.key         Ed25519 note signer key, mode 0600
 *   DIR/entries.bin        records: u32 big-endian payload length || payload || leaf hash (32 bytes, the checksum)
 *   DIR/leaves.bin         leaf hashes, 32 bytes each (level 0 of the tree)
 *   DIR/nodes/level-NN.bin hashes of the complete nodes of level NN >= 1, 32 bytes each, in index order
 *   DIR/state.json         the published state: size, entries bytes, signed checkpoint (temp + fsync + rename)
 *   DIR/checkpoints/       checkpoints saved by `checkpoint()` (compared by verify())
 *   DIR/lock               writer lock (O_EXCL; pid and host inside)
 *
 * Only what state.json publishes is part of the log. Bytes past the published lengths are the torn tail of an
 * append that did not finish: readers ignore them and the next writer truncates them (reported as a recovery).
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { BulwarkError, ParseError } from '../../core/errors.js';
import { HASH_SIZE, nodeHash, type NodeReader } from './merkle.js';

export const FORMAT = 'bulwark-tlog';
export const FORMAT_VERSION = 1;
/** Largest canonical entry accepted, in bytes. */
export const MAX_ENTRY_BYTES = 1024 * 1024;
const RECORD_OVERHEAD = 4 + HASH_SIZE;
/** Levels of stored nodes (2^48 leaves is far beyond what a local log holds). */
const MAX_LEVEL = 48;

export const FILES = {
  config: 'log.json',
  signer: 'signer.key',
  entries: 'entries.bin',
  leaves: 'leaves.bin',
  nodes: 'nodes',
  state: 'state.json',
  checkpoints: 'checkpoints',
  lock: 'lock',
} as const;

export interface LogConfig {
  format: typeof FORMAT;
  version: number;
  origin: string;
  verifierKey: string;
  createdAt: string;
}

export interface LogState {
  version: number;
  size: number;
  entriesBytes: number;
  /** The signed checkpoint note of this size. */
  checkpoint: string;
}

const levelFile = (dir: string, level: number): string =>
  level === 0
    ? path.join(dir, FILES.leaves)
    : path.join(dir, FILES.nodes, `level-${String(level).padStart(2, '0')}.bin`);

/** Complete nodes of `level` in a tree of `size` leaves. */
export const nodesAt = (size: number, level: number): number => Math.floor(size / 2 ** level);

/** fsync of a directory, so that a rename or a new file in it is durable. Not possible on Windows: skipped. */
export function fsyncDir(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `data` to `file` atomically and durably: temp file, fsync, rename, fsync of the directory. */
export function writeFileDurable(file: string, data: string | Uint8Array, mode = 0o644): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeAll(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data, 0);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, file);
  fsyncDir(dir);
}

export function writeAll(fd: number, data: Uint8Array, position: number): void {
  let off = 0;
  while (off < data.length) off += writeSync(fd, data, off, data.length - off, position + off);
}

export function readExact(fd: number, length: number, position: number): Buffer {
  const buf = Buffer.alloc(length);
  let off = 0;
  while (off < length) {
    const n = readSync(fd, buf, off, length - off, position + off);
    if (n === 0) break;
    off += n;
  }
  if (off !== length)
    throw new ParseError(`log file ends early: wanted ${length} bytes at offset ${position}`);
  return buf;
}

export function readConfig(dir: string): LogConfig {
  const file = path.join(dir, FILES.config);
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new BulwarkError(
        'E_NOT_FOUND',
        `${dir} is not a Bulwark log (no ${FILES.config}); create one with 'bulwark log init'`,
      );
    throw new BulwarkError('E_IO', `cannot read ${file}: ${(err as Error).message}`);
  }
  let c: Partial<LogConfig>;
  try {
    c = JSON.parse(raw) as Partial<LogConfig>;
  } catch {
    throw new ParseError(`${file} is not valid JSON; the log directory is damaged`);
  }
  if (c.format !== FORMAT || typeof c.origin !== 'string' || typeof c.verifierKey !== 'string')
    throw new ParseError(`${file} is not a ${FORMAT} description`);
  if (c.version !== FORMAT_VERSION)
    throw new ParseError(
      `${file} has format version ${String(c.version)}; this Bulwark reads version ${FORMAT_VERSION}`,
    );
  return c as LogConfig;
}

export function readState(dir: string): LogState {
  const file = path.join(dir, FILES.state);
  let s: Partial<LogState>;
  try {
    s = JSON.parse(readFileSync(file, 'utf8')) as Partial<LogState>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new ParseError(`${file} is missing; the log directory is damaged`);
    throw new ParseError(`${file} is not valid JSON; the log directory is damaged`);
  }
  if (
    s.version !== FORMAT_VERSION ||
    !Number.isSafeInteger(s.size) ||
    s.size! < 0 ||
    !Number.isSafeInteger(s.entriesBytes) ||
    s.entriesBytes! < 0 ||
    typeof s.checkpoint !== 'string'
  )
    throw new ParseError(`${file} is malformed; the log directory is damaged`);
  return s as LogState;
}

export function publishState(dir: string, state: LogState): void {
  writeFileDurable(path.join(dir, FILES.state), `${JSON.stringify(state, null, 2)}\n`);
}

// ---------------------------------------------------------------------------------------------------------------
// Lock
// ---------------------------------------------------------------------------------------------------------------

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface LockOptions {
  /** How long to wait for another writer, in milliseconds (default 10 s). */
  timeoutMs?: number;
}

/**
 * Takes the writer lock: `DIR/lock` created with O_EXCL, holding `pid host time`. A lock whose process is gone (same
 * host) is stale and is broken. Returns the release function.
 */
export async function acquireLock(dir: string, opts: LockOptions = {}): Promise<() => void> {
  const file = path.join(dir, FILES.lock);
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  const me = `${process.pid} ${hostname()} ${new Date().toISOString()}\n`;
  let delay = 2;
  while (true) {
    try {
      const fd = openSync(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644);
      try {
        writeAll(fd, Buffer.from(me), 0);
      } finally {
        closeSync(fd);
      }
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          if (readFileSync(file, 'utf8') === me) unlinkSync(file);
        } catch {
          // Already removed.
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder = '';
    try {
      holder = readFileSync(file, 'utf8');
    } catch {
      continue; // Released meanwhile.
    }
    const [pidText, host] = holder.split(' ');
    const pid = Number(pidText);
    const staleByAge = holder === '' && Date.now() - safeMtime(file) > 5_000;
    if ((Number.isSafeInteger(pid) && pid > 0 && host === hostname() && !alive(pid)) || staleByAge) {
      // Move the stale lock aside atomically; only one breaker wins the rename.
      const aside = `${file}.stale-${randomBytes(4).toString('hex')}`;
      try {
        renameSync(file, aside);
        const moved = readFileSync(aside, 'utf8');
        // If a live writer's fresh lock was moved by a racing breaker, put it back (link fails if a lock exists).
        if (moved !== holder) linkSync(aside, file);
      } catch {
        // Another process broke it first, or a new lock is already in place.
      }
      try {
        unlinkSync(aside);
      } catch {
        // Not moved.
      }
      continue;
    }
    if (Date.now() > deadline)
      throw new BulwarkError(
        'E_IO',
        `log ${dir} is locked by another writer (${holder.trim() || 'unknown'}); wait for it, or remove ${file} if that process is gone`,
      );
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 100);
  }
}

function safeMtime(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return Date.now();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------------------------

export function encodeRecord(payload: Uint8Array, leaf: Uint8Array): Buffer {
  const rec = Buffer.alloc(RECORD_OVERHEAD + payload.length);
  rec.writeUInt32BE(payload.length, 0);
  rec.set(payload, 4);
  rec.set(leaf, 4 + payload.length);
  return rec;
}

export interface RawRecord {
  index: number;
  offset: number;
  payload: Buffer;
  /** The leaf hash stored after the payload (the record checksum). */
  storedLeaf: Buffer;
}

/**
 * Reads the records in `[0, entriesBytes)` of entries.bin in order, in bounded chunks. Structural damage (a length
 * beyond the bound or past the published end) is a ParseError; content checks are the caller's.
 */
export function* readRecords(dir: string, entriesBytes: number): Generator<RawRecord> {
  const file = path.join(dir, FILES.entries);
  const fd = openSync(file, 'r');
  try {
    const have = fstatSync(fd).size;
    if (have < entriesBytes)
      throw new TruncatedError(`entries.bin has ${have} bytes but the published log has ${entriesBytes}`);
    let offset = 0;
    let index = 0;
    while (offset < entriesBytes) {
      if (offset + 4 > entriesBytes)
        throw new ParseError(`entries.bin: record ${index} header crosses the published end`);
      const len = readExact(fd, 4, offset).readUInt32BE(0);
      if (len > MAX_ENTRY_BYTES)
        throw new ParseError(
          `entries.bin: record ${index} claims ${len} bytes, above the ${MAX_ENTRY_BYTES}-byte bound`,
        );
      if (offset + RECORD_OVERHEAD + len > entriesBytes)
        throw new ParseError(`entries.bin: record ${index} crosses the published end`);
      const body = readExact(fd, len + HASH_SIZE, offset + 4);
      yield { index, offset, payload: body.subarray(0, len), storedLeaf: body.subarray(len) };
      offset += RECORD_OVERHEAD + len;
      index++;
    }
  } finally {
    closeSync(fd);
  }
}

/** The published log is shorter on disk than its state says: a truncation. */
export class TruncatedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TruncatedError';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Tree files
// ---------------------------------------------------------------------------------------------------------------

/** Read access to the stored node hashes of a published size. */
export class TreeFiles {
  private readonly fds = new Map<number, number>();

  constructor(
    private readonly dir: string,
    readonly size: number,
  ) {}

  private fd(level: number): number {
    let fd = this.fds.get(level);
    if (fd === undefined) {
      try {
        fd = openSync(levelFile(this.dir, level), 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT')
          throw new TruncatedError(`tree level ${level} file is missing`);
        throw err;
      }
      this.fds.set(level, fd);
    }
    return fd;
  }

  readonly read: NodeReader = (level, index) => {
    if (level > MAX_LEVEL || index >= nodesAt(this.size, level))
      throw new RangeError(`node (${level}, ${index}) is not in the published tree`);
    try {
      return readExact(this.fd(level), HASH_SIZE, index * HASH_SIZE);
    } catch (err) {
      if (err instanceof ParseError)
        throw new TruncatedError(`tree level ${level} is shorter than the published log`);
      throw err;
    }
  };

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}

export interface TornTail {
  file: string;
  publishedBytes: number;
  foundBytes: number;
}

/** Files longer than the published state: the torn tail of an unfinished append. */
export function findTornTail(dir: string, state: LogState): TornTail[] {
  const out: TornTail[] = [];
  const check = (file: string, want: number) => {
    let have: number;
    try {
      have = statSync(file).size;
    } catch {
      return;
    }
    if (have > want) out.push({ file: path.relative(dir, file), publishedBytes: want, foundBytes: have });
  };
  check(path.join(dir, FILES.entries), state.entriesBytes);
  for (let level = 0; level <= MAX_LEVEL; level++) {
    const file = levelFile(dir, level);
    if (level > 0 && !existsSync(file)) break;
    check(file, nodesAt(state.size, level) * HASH_SIZE);
  }
  return out;
}

/** Writer side: appends records and tree nodes for a published state, and makes them durable. */
export class TreeWriter {
  private readonly fds = new Map<number, number>();
  private readonly touched = new Set<number>();
  private entriesFd: number;
  private size: number;
  private entriesBytes: number;

  constructor(
    private readonly dir: string,
    state: LogState,
  ) {
    mkdirSync(path.join(dir, FILES.nodes), { recursive: true });
    this.entriesFd = openSync(path.join(dir, FILES.entries), constants.O_RDWR | constants.O_CREAT, 0o644);
    this.size = state.size;
    this.entriesBytes = state.entriesBytes;
    // Drop any torn tail, so that new data starts exactly at the published end.
    const have = fstatSync(this.entriesFd).size;
    if (have < state.entriesBytes) {
      this.close();
      throw new TruncatedError(
        `entries.bin has ${have} bytes but the published log has ${state.entriesBytes}`,
      );
    }
    if (have > state.entriesBytes) ftruncateSync(this.entriesFd, state.entriesBytes);
    for (let level = 0; level <= MAX_LEVEL; level++) {
      const want = nodesAt(state.size, level);
      if (level > 0 && want === 0 && !existsSync(levelFile(dir, level))) break;
      const fd = this.fd(level);
      const len = fstatSync(fd).size;
      if (len < want * HASH_SIZE) {
        this.close();
        throw new TruncatedError(`tree level ${level} is shorter than the published log`);
      }
      if (len > want * HASH_SIZE) ftruncateSync(fd, want * HASH_SIZE);
    }
  }

  private fd(level: number): number {
    let fd = this.fds.get(level);
    if (fd === undefined) {
      const file = levelFile(this.dir, level);
      if (!existsSync(file)) this.created = true;
      fd = openSync(file, constants.O_RDWR | constants.O_CREAT, 0o644);
      this.fds.set(level, fd);
    }
    return fd;
  }

  /** A level file was created: the directory entry must be made durable too. */
  private created = false;

  readonly read: NodeReader = (level, index) => readExact(this.fd(level), HASH_SIZE, index * HASH_SIZE);

  /** Appends one record and its leaf, and the complete nodes it closes. Not durable until {@link sync}. */
  append(payload: Uint8Array, leaf: Buffer): number {
    const rec = encodeRecord(payload, leaf);
    writeAll(this.entriesFd, rec, this.entriesBytes);
    this.entriesBytes += rec.length;
    const index = this.size;
    let level = 0;
    let idx = index;
    let hash = leaf;
    while (true) {
      writeAll(this.fd(level), hash, idx * HASH_SIZE);
      this.touched.add(level);
      if (idx % 2 === 0) break;
      hash = nodeHash(this.read(level, idx - 1), hash);
      level++;
      idx = Math.floor(idx / 2);
    }
    this.size++;
    return index;
  }

  /** fsyncs everything written since the last sync. */
  sync(): void {
    fsyncSync(this.entriesFd);
    for (const level of this.touched) fsyncSync(this.fd(level));
    this.touched.clear();
    if (this.created) {
      fsyncDir(path.join(this.dir, FILES.nodes));
      fsyncDir(this.dir);
      this.created = false;
    }
  }

  get published(): { size: number; entriesBytes: number } {
    return { size: this.size, entriesBytes: this.entriesBytes };
  }

  close(): void {
    closeSync(this.entriesFd);
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}
