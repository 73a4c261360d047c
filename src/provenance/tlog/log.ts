/**
 * A local append-only transparency log of signing and attestation events: an RFC 9162 Merkle tree over canonical
 * JSON entries, stored durably in a directory (store.ts), with C2SP signed checkpoints (note.ts).
 *
 *   const log = await initLog('audit-log', { origin: 'example.com/models' });
 *   const { index, checkpoint } = await log.append({ type: 'sign', subjectDigest: 'sha256:…' });
 *   await log.verify({ checkpoints: [savedElsewhere] });
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { BulwarkError, LimitError, ParseError, UsageError, VerificationError } from '../../core/errors.js';
import {
  EMPTY_ROOT,
  consistencyProof,
  inclusionProof,
  isValidConsistency,
  leafHash,
  nodeHash,
  rootAt,
} from './merkle.js';
import {
  formatCheckpoint,
  generateNoteKey,
  isValidKeyName,
  openCheckpoint,
  parseSignerKey,
  parseVerifierKey,
  signNote,
  type Checkpoint,
  type NoteVerifier,
} from './note.js';
import {
  FILES,
  FORMAT,
  FORMAT_VERSION,
  MAX_ENTRY_BYTES,
  TreeFiles,
  TreeWriter,
  TruncatedError,
  acquireLock,
  findTornTail,
  fsyncDir,
  publishState,
  readConfig,
  readRecords,
  readState,
  writeFileDurable,
  type LogConfig,
  type LogState,
  type TornTail,
} from './store.js';

/** Built-in event types; any other lower-case type name is a custom event. */
export const EVENT_TYPES = ['sign', 'attest', 'verify', 'scan'] as const;

/** One log entry. Stored as canonical JSON (sorted keys, no white space). */
export interface LogEvent {
  /** 'sign' | 'attest' | 'verify' | 'scan', or a custom lower-case name. */
  type: string;
  /** ISO 8601 time; filled with the current time when absent. */
  time?: string;
  /** What the event is about, e.g. a model name or path. */
  subject?: string;
  /** Digest of the subject, `<algorithm>:<hex>`, e.g. `sha256:…`. */
  subjectDigest?: string;
  /** Digest of the signature bundle or attestation, `<algorithm>:<hex>`. */
  bundleDigest?: string;
  /** Signer identity (key hint, certificate subject, OIDC identity). */
  signer?: string;
  /** Any further JSON details. */
  details?: Record<string, unknown>;
}

const MAX_DEPTH = 32;

/** Canonical JSON: object keys sorted by code unit, no white space; rejects values JSON cannot carry exactly. */
export function canonicalJson(value: unknown, depth = 0): string {
  if (depth > MAX_DEPTH)
    throw new LimitError('entry-depth', `log entry is nested deeper than ${MAX_DEPTH} levels`);
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ParseError('log entry contains a number JSON cannot represent');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v, depth + 1)).join(',')}]`;
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k], depth + 1)}`).join(',')}}`;
  }
  throw new ParseError(`log entry contains a ${typeof value} value, which is not JSON`);
}

const DIGEST = /^[a-z0-9][a-z0-9-]{0,31}:[0-9a-f]{32,128}$/;
const TYPE = /^[a-z][a-z0-9._-]{0,63}$/;
const ALLOWED_KEYS = new Set([
  'type',
  'time',
  'subject',
  'subjectDigest',
  'bundleDigest',
  'signer',
  'details',
]);

/** Checks an event and fills its time; returns the canonical bytes that are hashed and stored. */
export function canonicalEvent(
  input: unknown,
  now: () => Date = () => new Date(),
): { event: LogEvent; bytes: Buffer } {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new ParseError('a log event must be a JSON object with at least a "type"');
  const e = input as Record<string, unknown>;
  for (const k of Object.keys(e))
    if (!ALLOWED_KEYS.has(k))
      throw new ParseError(
        `log event has unknown field ${JSON.stringify(k)}; put extra data under "details"`,
      );
  if (typeof e.type !== 'string' || !TYPE.test(e.type))
    throw new ParseError('log event "type" must be sign, attest, verify, scan or a lower-case custom name');
  for (const k of ['subject', 'signer'] as const)
    if (e[k] !== undefined && (typeof e[k] !== 'string' || (e[k] as string).length === 0))
      throw new ParseError(`log event "${k}" must be a non-empty string`);
  for (const k of ['subjectDigest', 'bundleDigest'] as const)
    if (e[k] !== undefined && (typeof e[k] !== 'string' || !DIGEST.test(e[k] as string)))
      throw new ParseError(`log event "${k}" must be <algorithm>:<lower-case hex>, e.g. sha256:…`);
  if (
    e.details !== undefined &&
    (typeof e.details !== 'object' || e.details === null || Array.isArray(e.details))
  )
    throw new ParseError('log event "details" must be a JSON object');
  let time = e.time;
  if (time === undefined) time = now().toISOString();
  if (typeof time !== 'string' || Number.isNaN(Date.parse(time)) || !/^\d{4}-\d\d-\d\dT/.test(time))
    throw new ParseError('log event "time" must be an ISO 8601 date-time');
  const event = { ...e, time } as unknown as LogEvent;
  const bytes = Buffer.from(canonicalJson(event), 'utf8');
  if (bytes.length > MAX_ENTRY_BYTES)
    throw new LimitError(
      'entry-bytes',
      `log event is ${bytes.length} bytes, above the ${MAX_ENTRY_BYTES}-byte bound`,
    );
  return { event, bytes };
}

export interface AppendResult {
  index: number;
  /** Hex leaf hash (SHA-256(0x00 || canonical entry)). */
  leafHash: string;
  size: number;
  /** Base64 root after the append. */
  root: string;
  /** The signed checkpoint of the new size. */
  checkpoint: string;
}

export interface InclusionProofDoc {
  type: 'inclusion';
  origin: string;
  index: number;
  treeSize: number;
  leafHash: string;
  proof: string[];
  root: string;
  /** Signed checkpoint, when treeSize is the log's current size. */
  checkpoint?: string;
}

export interface ConsistencyProofDoc {
  type: 'consistency';
  origin: string;
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[];
  checkpoint?: string;
}

export interface CheckpointResult {
  note: string;
  size: number;
  root: string;
  /** Where the checkpoint was saved inside the log (compared by every later verify()). */
  savedAs?: string;
}

export interface CheckedCheckpoint {
  source: string;
  size: number;
  root: string;
}

export interface VerifyReport {
  origin: string;
  size: number;
  root: string;
  verifierKey: string;
  entries: number;
  checkpoints: CheckedCheckpoint[];
  /** Torn tail from an interrupted append found beyond the published size (ignored; truncated by the next writer). */
  recovery: TornTail[];
}

export interface VerifyOptions {
  /** Checkpoints saved elsewhere (note text), each with a name for messages. */
  checkpoints?: { source: string; note: string }[];
  /** Verifier key to check signatures with, instead of the one in log.json (pin it: log.json is not signed). */
  verifierKey?: string;
}

export interface InitOptions {
  /** Log origin and key name (C2SP checkpoint origin); default `bulwark.local/log-<random>`. */
  origin?: string;
}

export interface OpenOptions extends InitOptions {
  /** Create the log when DIR has none. */
  create?: boolean;
  /** How long append() waits for another writer's lock, in milliseconds (default 10 s). */
  lockTimeoutMs?: number;
}

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');

/** Creates a new log in `dir` (made if missing; must not already hold a log). Returns the opened log. */
export async function initLog(dir: string, opts: InitOptions = {}): Promise<TransparencyLog> {
  const origin = opts.origin ?? `bulwark.local/log-${randomBytes(4).toString('hex')}`;
  if (!isValidKeyName(origin))
    throw new UsageError(
      `origin ${JSON.stringify(origin)} must be non-empty, without spaces or '+' (e.g. example.com/log)`,
    );
  mkdirSync(dir, { recursive: true });
  if (existsSync(path.join(dir, FILES.config)))
    throw new UsageError(`${dir} already holds a log; choose an empty directory`);
  const { signerKey, verifierKey } = generateNoteKey(origin);
  writeFileDurable(path.join(dir, FILES.signer), `${signerKey}\n`, 0o600);
  mkdirSync(path.join(dir, FILES.nodes), { recursive: true });
  mkdirSync(path.join(dir, FILES.checkpoints), { recursive: true });
  for (const f of [FILES.entries, FILES.leaves]) closeSync(openSync(path.join(dir, f), 'w', 0o644));
  fsyncDir(dir);
  const note = signNote(formatCheckpoint({ origin, size: 0, root: EMPTY_ROOT }), parseSignerKey(signerKey));
  publishState(dir, { version: FORMAT_VERSION, size: 0, entriesBytes: 0, checkpoint: note });
  const config: LogConfig = {
    format: FORMAT,
    version: FORMAT_VERSION,
    origin,
    verifierKey,
    createdAt: new Date().toISOString(),
  };
  // log.json last: its presence marks a completely initialised log.
  writeFileDurable(path.join(dir, FILES.config), `${JSON.stringify(config, null, 2)}\n`);
  return new TransparencyLog(dir, config, {});
}

/** Opens the log in `dir` (or creates it with `create`). */
export async function openLog(dir: string, opts: OpenOptions = {}): Promise<TransparencyLog> {
  if (opts.create && !existsSync(path.join(dir, FILES.config))) return initLog(dir, opts);
  const config = readConfig(dir);
  const log = new TransparencyLog(dir, config, opts);
  // Fail early on a damaged state file, and report a torn tail.
  log.recovery = findTornTail(dir, readState(dir));
  return log;
}

/** Appends one event to the log in `logDir` (for signing and attestation code). */
export async function recordEvent(logDir: string, event: LogEvent): Promise<AppendResult> {
  const log = await openLog(logDir);
  return log.append(event);
}

export class TransparencyLog {
  readonly verifier: NoteVerifier;
  /** Torn tail found when the log was opened (see {@link findTornTail}). */
  recovery: TornTail[] = [];

  constructor(
    readonly dir: string,
    readonly config: LogConfig,
    private readonly opts: OpenOptions,
  ) {
    this.verifier = parseVerifierKey(config.verifierKey);
  }

  get origin(): string {
    return this.config.origin;
  }

  /** The verifier key text (public). */
  get verifierKey(): string {
    return this.config.verifierKey;
  }

  /** The published state (size, checkpoint), re-read from disk. */
  state(): LogState {
    return readState(this.dir);
  }

  /** Size of the published log. */
  size(): number {
    return this.state().size;
  }

  private signer() {
    const file = path.join(this.dir, FILES.signer);
    let text: string;
    try {
      if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0)
        throw new BulwarkError('E_CONFIG', `${file} is readable by other users; run 'chmod 600 ${file}'`);
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if (err instanceof BulwarkError) throw err;
      throw new BulwarkError(
        'E_IO',
        `cannot read the log's signer key ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
    const signer = parseSignerKey(text);
    if (signer.verifier.text !== this.config.verifierKey || signer.name !== this.origin)
      throw new ParseError(
        `${file} does not belong to this log (its key differs from log.json's verifier key)`,
      );
    return signer;
  }

  /** Appends one event: durable (fsync) and atomic (published by renaming state.json) before it returns. */
  async append(event: LogEvent): Promise<AppendResult> {
    const [r] = await this.appendMany([event]);
    return r;
  }

  /** Appends events in order, all published by one state update (one fsync round). */
  async appendMany(events: LogEvent[]): Promise<AppendResult[]> {
    if (events.length === 0) return [];
    const prepared = events.map((e) => canonicalEvent(e));
    const signer = this.signer();
    const release = await acquireLock(this.dir, { timeoutMs: this.opts.lockTimeoutMs });
    try {
      const state = readState(this.dir);
      const torn = findTornTail(this.dir, state);
      if (torn.length > 0) this.recovery = torn;
      let writer: TreeWriter;
      try {
        writer = new TreeWriter(this.dir, state); // truncates a torn tail
      } catch (err) {
        if (err instanceof TruncatedError)
          throw new VerificationError(
            'log-rewritten',
            `log files are shorter than the published log: ${err.message}`,
          );
        throw err;
      }
      try {
        const indexes = prepared.map((p) => ({
          index: writer.append(p.bytes, leafHash(p.bytes)),
          bytes: p.bytes,
        }));
        writer.sync();
        const { size, entriesBytes } = writer.published;
        const root = rootAt(writer.read, size);
        const note = signNote(formatCheckpoint({ origin: this.origin, size, root }), signer);
        publishState(this.dir, { version: FORMAT_VERSION, size, entriesBytes, checkpoint: note });
        return indexes.map(({ index, bytes }) => ({
          index,
          leafHash: leafHash(bytes).toString('hex'),
          size,
          root: b64(root),
          checkpoint: note,
        }));
      } finally {
        writer.close();
      }
    } finally {
      release();
    }
  }

  /** The current signed checkpoint, opened with the log's key. */
  currentCheckpoint(): Checkpoint & { text: string } {
    const note = this.state().checkpoint;
    return { ...openCheckpoint(note, [this.verifier], this.origin), text: note };
  }

  /**
   * Returns the current signed checkpoint and (by default) saves a copy under checkpoints/, which every later
   * verify() checks the log against. Keep a copy outside the log as well: only a copy the key holder cannot reach
   * detects a rewrite by the key holder.
   */
  async checkpoint(opts: { save?: boolean } = {}): Promise<CheckpointResult> {
    const cp = this.currentCheckpoint();
    const out: CheckpointResult = { note: cp.text, size: cp.size, root: b64(cp.root) };
    if (opts.save !== false) {
      const dir = path.join(this.dir, FILES.checkpoints);
      mkdirSync(dir, { recursive: true });
      const name = `${String(cp.size).padStart(12, '0')}-${cp.root.toString('hex').slice(0, 16)}.txt`;
      const file = path.join(dir, name);
      if (!existsSync(file)) writeFileDurable(file, cp.text);
      out.savedAs = path.join(FILES.checkpoints, name);
    }
    return out;
  }

  private withTree<T>(size: number, fn: (t: TreeFiles) => T): T {
    const tree = new TreeFiles(this.dir, size);
    try {
      return fn(tree);
    } catch (err) {
      if (err instanceof TruncatedError)
        throw new VerificationError('log-rewritten', `log files are damaged: ${err.message}`);
      throw err;
    } finally {
      tree.close();
    }
  }

  /** Inclusion proof of entry `index` in the tree of `size` entries (default: the current size). */
  proveInclusion(index: number, size?: number): InclusionProofDoc {
    const cp = this.currentCheckpoint();
    const n = size ?? cp.size;
    if (!Number.isSafeInteger(n) || n < 1 || n > cp.size)
      throw new UsageError(`size ${n} is outside the log (1..${cp.size})`);
    if (!Number.isSafeInteger(index) || index < 0 || index >= n)
      throw new UsageError(`index ${index} is outside the tree of size ${n} (0..${n - 1})`);
    return this.withTree(cp.size, (t) => {
      const root = n === cp.size ? cp.root : rootAt(t.read, n);
      return {
        type: 'inclusion',
        origin: this.origin,
        index,
        treeSize: n,
        leafHash: b64(t.read(0, index)),
        proof: inclusionProof(t.read, index, n).map(b64),
        root: b64(root),
        ...(n === cp.size ? { checkpoint: cp.text } : {}),
      };
    });
  }

  /** Consistency proof from `oldSize` to `newSize` (default: the current size). */
  proveConsistency(oldSize: number, newSize?: number): ConsistencyProofDoc {
    const cp = this.currentCheckpoint();
    const n = newSize ?? cp.size;
    if (!Number.isSafeInteger(n) || n < 1 || n > cp.size)
      throw new UsageError(`size ${n} is outside the log (1..${cp.size})`);
    if (!Number.isSafeInteger(oldSize) || oldSize < 1 || oldSize > n)
      throw new UsageError(`old size ${oldSize} must be between 1 and ${n}`);
    return this.withTree(cp.size, (t) => ({
      type: 'consistency',
      origin: this.origin,
      size1: oldSize,
      size2: n,
      root1: b64(rootAt(t.read, oldSize)),
      root2: b64(n === cp.size ? cp.root : rootAt(t.read, n)),
      proof: consistencyProof(t.read, oldSize, n).map(b64),
      ...(n === cp.size ? { checkpoint: cp.text } : {}),
    }));
  }

  /** The entry at `index` (a scan of entries.bin: O(index)). */
  entry(index: number): { index: number; leafHash: string; event: LogEvent } {
    const st = this.state();
    if (!Number.isSafeInteger(index) || index < 0 || index >= st.size)
      throw new UsageError(`index ${index} is outside the log (0..${st.size - 1})`);
    for (const rec of this.records(st)) if (rec.index === index) return rec;
    throw new VerificationError('log-rewritten', `entry ${index} is missing from entries.bin`);
  }

  /** All published entries, in order. */
  *records(st: LogState = this.state()): Generator<{ index: number; leafHash: string; event: LogEvent }> {
    try {
      for (const r of readRecords(this.dir, st.entriesBytes))
        yield {
          index: r.index,
          leafHash: leafHash(r.payload).toString('hex'),
          event: JSON.parse(r.payload.toString('utf8')) as LogEvent,
        };
    } catch (err) {
      if (err instanceof TruncatedError)
        throw new VerificationError('log-rewritten', `the log was truncated: ${err.message}`);
      throw err;
    }
  }

  /**
   * Recomputes every leaf from the entries and the tree from the leaves; compares with the stored hashes, the signed
   * checkpoint, the checkpoints saved in the log and `opts.checkpoints` (consistency proofs). Throws
   * VerificationError('log-rewritten' | 'bad-signature' | 'wrong-key') on any difference.
   */
  async verify(opts: VerifyOptions = {}): Promise<VerifyReport> {
    const verifier = opts.verifierKey ? parseVerifierKey(opts.verifierKey) : this.verifier;
    if (verifier.name !== this.origin)
      throw new VerificationError(
        'wrong-key',
        `verifier key is for ${JSON.stringify(verifier.name)}, but the log's origin is ${JSON.stringify(this.origin)}`,
      );
    const st = this.state();
    const cp = openCheckpoint(st.checkpoint, [verifier], this.origin);
    if (cp.size !== st.size)
      throw new VerificationError(
        'log-rewritten',
        `state.json says ${st.size} entries but its signed checkpoint says ${cp.size}`,
      );

    // Checkpoints to compare with: saved in the log, and given by the caller.
    const others: { source: string; cp: Checkpoint }[] = [];
    const savedDir = path.join(this.dir, FILES.checkpoints);
    const saved = existsSync(savedDir)
      ? readdirSync(savedDir)
          .filter((f) => f.endsWith('.txt'))
          .sort()
      : [];
    for (const f of saved) {
      const source = path.join(FILES.checkpoints, f);
      others.push({
        source,
        cp: openCheckpoint(readFileSync(path.join(savedDir, f)), [verifier], this.origin),
      });
    }
    for (const c of opts.checkpoints ?? [])
      others.push({ source: c.source, cp: openCheckpoint(c.note, [verifier], this.origin) });
    for (const o of others)
      if (o.cp.size > st.size)
        throw new VerificationError(
          'log-rewritten',
          `the log was truncated or rolled back: checkpoint ${o.source} has ${o.cp.size} entries, the log now ${st.size}`,
          { checkpoint: o.source, checkpointSize: o.cp.size, size: st.size },
        );

    // Consistency proofs from the caller's checkpoints to the signed head, from the stored tree (a witness's check).
    this.withTree(st.size, (t) => {
      for (const c of opts.checkpoints ?? []) {
        const o = others.find((x) => x.source === c.source)!;
        if (o.cp.size === 0) continue; // The empty tree is a prefix of every tree.
        const proof = consistencyProof(t.read, o.cp.size, st.size);
        if (!isValidConsistency(o.cp.size, st.size, proof, o.cp.root, cp.root))
          throw new VerificationError(
            'log-rewritten',
            `the log is not consistent with checkpoint ${o.source} (size ${o.cp.size}): its history was rewritten`,
            { checkpoint: o.source, checkpointSize: o.cp.size, size: st.size },
          );
      }
    });

    // Full recomputation: entries -> leaves -> nodes -> roots.
    const wanted = new Map<number, Buffer | undefined>(others.map((o) => [o.cp.size, undefined]));
    if (wanted.has(0)) wanted.set(0, Buffer.from(EMPTY_ROOT));
    const stack: { level: number; index: number; hash: Buffer }[] = [];
    let count = 0;
    this.withTree(st.size, (t) => {
      const rewritten = (msg: string, details: Record<string, unknown> = {}) =>
        new VerificationError('log-rewritten', msg, details);
      try {
        for (const rec of readRecords(this.dir, st.entriesBytes)) {
          const i = rec.index;
          if (i >= st.size) throw rewritten(`entries.bin holds more than the ${st.size} published entries`);
          const leaf = leafHash(rec.payload);
          if (!leaf.equals(rec.storedLeaf))
            throw rewritten(`entry ${i} was changed after it was written (its checksum does not match)`, {
              index: i,
            });
          let canonical: string;
          try {
            canonical = canonicalJson(JSON.parse(rec.payload.toString('utf8')));
          } catch {
            throw rewritten(`entry ${i} is not valid JSON`, { index: i });
          }
          if (canonical !== rec.payload.toString('utf8'))
            throw rewritten(`entry ${i} is not canonical JSON`, { index: i });
          if (!leaf.equals(t.read(0, i)))
            throw rewritten(
              `entry ${i} does not match leaf ${i} in leaves.bin (entries changed or reordered)`,
              { index: i },
            );
          let cur = { level: 0, index: i, hash: leaf };
          while (stack.length > 0 && stack[stack.length - 1].level === cur.level) {
            const left = stack.pop()!;
            cur = {
              level: cur.level + 1,
              index: Math.floor(left.index / 2),
              hash: nodeHash(left.hash, cur.hash),
            };
            if (!cur.hash.equals(t.read(cur.level, cur.index)))
              throw rewritten(`stored tree node (${cur.level}, ${cur.index}) does not match the entries`);
          }
          stack.push(cur);
          count = i + 1;
          if (wanted.has(count)) {
            let acc = stack[stack.length - 1].hash;
            for (let k = stack.length - 2; k >= 0; k--) acc = nodeHash(stack[k].hash, acc);
            wanted.set(count, acc);
          }
        }
      } catch (err) {
        if (err instanceof TruncatedError) throw rewritten(`the log was truncated: ${err.message}`);
        throw err;
      }
    });
    if (count !== st.size)
      throw new VerificationError(
        'log-rewritten',
        `entries.bin holds ${count} entries but the log published ${st.size}`,
      );
    let root: Buffer = Buffer.from(EMPTY_ROOT);
    if (stack.length > 0) {
      root = stack[stack.length - 1].hash;
      for (let k = stack.length - 2; k >= 0; k--) root = nodeHash(stack[k].hash, root);
    }
    if (!root.equals(cp.root))
      throw new VerificationError(
        'log-rewritten',
        `the entries do not hash to the signed root of size ${st.size}`,
      );
    for (const o of others) {
      const r = wanted.get(o.cp.size);
      if (!r || !r.equals(o.cp.root))
        throw new VerificationError(
          'log-rewritten',
          `the first ${o.cp.size} entries differ from checkpoint ${o.source}: history was rewritten`,
          { checkpoint: o.source, checkpointSize: o.cp.size },
        );
    }
    return {
      origin: this.origin,
      size: st.size,
      root: b64(root),
      verifierKey: verifier.text,
      entries: count,
      checkpoints: others.map((o) => ({ source: o.source, size: o.cp.size, root: b64(o.cp.root) })),
      recovery: findTornTail(this.dir, st),
    };
  }
}
