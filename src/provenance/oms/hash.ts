import { createHash } from 'node:crypto';
import { closeSync, constants as fsConstants, fstatSync, openSync, readSync } from 'node:fs';
import { lstat, open, readdir, realpath, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { BulwarkError, LimitError, UsageError } from '../../core/errors.js';
import {
  DEFAULT_GIT_IGNORES,
  DEFAULT_SHARD_SIZE,
  MAX_RESOURCES,
  type HashOptions,
  type HashProgress,
  type ModelManifest,
  type OmsHashType,
  type OmsResource,
  type OmsSerialization,
} from './types.js';

/** A regular file of the model, as enumerated for hashing. */
export interface ModelFile {
  /** POSIX path relative to the model root; `.` when the model is a single file. */
  name: string;
  /** Path to read (a symlink's resolved target when symlinks are allowed). */
  abs: string;
  size: number;
}

/** Python `model_signing` order: POSIX paths compared component by component, each by code points. */
export function compareOmsPaths(a: string, b: string): number {
  const A = a.split('/');
  const B = b.split('/');
  const n = Math.min(A.length, B.length);
  for (let i = 0; i < n; i++) {
    const c = compareCodePoints(A[i], B[i]);
    if (c !== 0) return c;
  }
  return A.length - B.length;
}

/** Compares strings by Unicode code point (Python `str` order), not by UTF-16 code unit (JS `<`). */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

/** Shard resource names sort by path (component-wise), then numerically by start and end. */
export function compareShardNames(a: string, b: string): number {
  const pa = splitShardName(a);
  const pb = splitShardName(b);
  if (!pa || !pb) return compareOmsPaths(a, b);
  return compareOmsPaths(pa.path, pb.path) || pa.start - pb.start || pa.end - pb.end;
}

/** `"dir/file.bin:0:100"` → `{path, start, end}`; undefined when the name has no shard suffix. */
export function splitShardName(name: string): { path: string; start: number; end: number } | undefined {
  const m = /^(.*):(\d+):(\d+)$/s.exec(name);
  if (!m) return undefined;
  return { path: m[1], start: Number(m[2]), end: Number(m[3]) };
}

/** Root digest of an OMS manifest: SHA-256 over the raw bytes of every resource digest, in the order given. */
export function omsRootDigest(resources: readonly Pick<OmsResource, 'digest'>[]): string {
  const h = createHash('sha256');
  for (const r of resources) h.update(Buffer.from(r.digest, 'hex'));
  return h.digest('hex');
}

/** Normalises ignore paths to POSIX paths relative to the model root; paths outside the root are dropped. */
export function relativeIgnorePaths(root: string, ignorePaths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of ignorePaths) {
    const abs = path.resolve(root, p);
    const rel = path.relative(root, abs);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) continue;
    const posix = rel.split(path.sep).join('/');
    if (!out.includes(posix)) out.push(posix);
  }
  return out;
}

function isIgnored(rel: string, ignores: readonly string[]): boolean {
  for (const ig of ignores) if (rel === ig || rel.startsWith(`${ig}/`)) return true;
  return false;
}

function ioError(what: string, err: unknown): BulwarkError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? 'error';
  return new BulwarkError('E_IO', `cannot read ${what} (${code}); check it exists and is readable`);
}

/**
 * Lists the regular files of a model as `model_signing` does: a single file is named `.`; in a directory every
 * regular file below it, minus ignored paths. Symlinks are an error unless allowed (then the target is read under
 * the link's name, with directory cycles cut); sockets, FIFOs and devices are always an error.
 */
export async function listModelFiles(
  modelPath: string,
  opts: Pick<HashOptions, 'allowSymlinks' | 'ignorePaths' | 'ignoreGitPaths'> = {},
): Promise<ModelFile[]> {
  const root = path.resolve(modelPath);
  let st;
  try {
    st = await lstat(root);
  } catch {
    throw new BulwarkError(
      'E_NOT_FOUND',
      `model path ${JSON.stringify(modelPath)} does not exist; check the path`,
    );
  }
  let rootAbs = root;
  if (st.isSymbolicLink()) {
    if (!opts.allowSymlinks)
      throw new UsageError(
        `model path ${JSON.stringify(modelPath)} is a symbolic link; pass --allow-symlinks to hash its target`,
      );
    try {
      st = await stat(root);
      rootAbs = await realpath(root);
    } catch {
      throw new UsageError(`model path ${JSON.stringify(modelPath)} is a symbolic link to nothing`);
    }
  }
  if (st.isFile()) return [{ name: '.', abs: rootAbs, size: st.size }];
  if (!st.isDirectory())
    throw new UsageError(`model path ${JSON.stringify(modelPath)} is neither a file nor a directory`);

  const ignores = relativeIgnorePaths(root, [
    ...(opts.ignorePaths ?? []),
    ...(opts.ignoreGitPaths === false ? [] : DEFAULT_GIT_IGNORES),
  ]);
  const files: ModelFile[] = [];

  // `ancestors`: real paths of the directories on the current path. A symlinked directory that is one of them is a
  // cycle and is cut; any other symlinked directory is hashed under the link's name (even if also reachable otherwise).
  const walk = async (dirAbs: string, dirRel: string, ancestors: string[]): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dirAbs, { withFileTypes: true });
    } catch (err) {
      throw ioError(`directory ${JSON.stringify(dirRel || '.')}`, err);
    }
    const here = ancestors[ancestors.length - 1];
    for (const e of entries) {
      const rel = dirRel === '' ? e.name : `${dirRel}/${e.name}`;
      if (isIgnored(rel, ignores)) continue;
      const abs = path.join(dirAbs, e.name);
      if (e.isSymbolicLink()) {
        if (!opts.allowSymlinks)
          throw new UsageError(
            `${JSON.stringify(rel)} is a symbolic link; pass --allow-symlinks to hash link targets, or ignore it with --ignore-paths`,
          );
        let target;
        let real;
        try {
          target = await stat(abs);
          real = await realpath(abs);
        } catch {
          throw new UsageError(`symbolic link ${JSON.stringify(rel)} points to nothing; remove or ignore it`);
        }
        if (target.isFile()) files.push({ name: rel, abs: real, size: target.size });
        else if (target.isDirectory()) {
          if (ancestors.includes(real)) continue; // a cycle: the directory is already being walked
          await walk(abs, rel, [...ancestors, real]);
        } else throw new UsageError(`${JSON.stringify(rel)} links to a special file; remove or ignore it`);
      } else if (e.isFile()) {
        let size;
        try {
          size = (await lstat(abs)).size;
        } catch (err) {
          throw ioError(JSON.stringify(rel), err);
        }
        files.push({ name: rel, abs, size });
      } else if (e.isDirectory()) {
        await walk(abs, rel, [...ancestors, path.join(here, e.name)]);
      } else {
        throw new UsageError(
          `${JSON.stringify(rel)} is not a regular file (socket, FIFO or device); remove or ignore it`,
        );
      }
    }
  };
  await walk(root, '', [await realpath(root)]);
  files.sort((a, b) => compareOmsPaths(a.name, b.name));
  return files;
}

/** Incremental hasher for one OMS hash type. */
export interface Hasher {
  update(chunk: Uint8Array): void;
  digestHex(): string;
}

export async function createHasher(type: OmsHashType): Promise<Hasher> {
  return (await hasherFactory(type))();
}

/**
 * A synchronous source of fresh hashers for one type. BLAKE2b/BLAKE3 reuse one WebAssembly instance (reset per
 * hasher), so a hasher must be finished before the next is made: use one factory per sequential consumer.
 */
export async function hasherFactory(type: OmsHashType): Promise<() => Hasher> {
  if (type === 'sha256')
    return () => {
      const h = createHash('sha256');
      return { update: (c) => h.update(c), digestHex: () => h.digest('hex') };
    };
  // Loaded on first use: SHA-256 (the default) needs no WebAssembly, which keeps worker start-up short.
  const { createBLAKE2b, createBLAKE3 } = await import('hash-wasm');
  // Python hashlib.blake2b() defaults to a 64-byte digest; blake3 to 32 bytes.
  const h = type === 'blake2b' ? await createBLAKE2b(512) : await createBLAKE3(256);
  return () => {
    h.init();
    return { update: (c) => void h.update(c), digestHex: () => h.digest('hex') };
  };
}

/** Bytes read per call. Python reads 1 MiB too; the size does not change the digest. */
export const CHUNK = 1 << 20;

/** Flags for opening a file to hash: never follow a symlink swapped in after listing, never block on a FIFO. */
const OPEN_FLAGS = fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0) | (fsConstants.O_NONBLOCK ?? 0);

/** The work items of a manifest: one per file (files mode) or per shard (shards mode). */
export interface HashTask {
  name: string;
  abs: string;
  start: number;
  end: number;
  /** Size of the whole file when it was listed: a different size when hashing is an error (file changed). */
  size?: number;
}

function changed(task: Pick<HashTask, 'name'>, detail: string): BulwarkError {
  return new BulwarkError(
    'E_IO',
    `${JSON.stringify(task.name)} changed while it was hashed (${detail}); hash the model again once it is stable`,
  );
}

function checkOpened(task: HashTask, st: { isFile(): boolean; size: number }): void {
  if (!st.isFile()) throw changed(task, 'it is no longer a regular file');
  if (task.size !== undefined && st.size !== task.size)
    throw changed(task, `size ${task.size} when listed, ${st.size} now`);
}

/**
 * Hashes bytes [start, end) of one task on this thread, asynchronously, reading the next chunk while the current
 * one is hashed. Fails (instead of producing a digest of other bytes) when the file shrank, grew or was replaced.
 */
export async function hashTaskAsync(
  task: HashTask,
  newHasher: () => Hasher,
  onBytes?: (n: number) => void,
  signal?: AbortSignal,
  buffers: [Buffer, Buffer] = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)],
): Promise<string> {
  let fh: FileHandle;
  try {
    fh = await open(task.abs, OPEN_FLAGS);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw changed(task, 'it is now a symbolic link');
    throw ioError(JSON.stringify(task.name), err);
  }
  try {
    checkOpened(task, await fh.stat());
    const hasher = newHasher();
    let pos = task.start;
    let i = 0;
    const chunk = buffers[0].length;
    const readAt = (buf: Buffer, at: number) => {
      const p = fh.read(buf, 0, Math.min(chunk, task.end - at), at);
      p.catch(() => undefined); // awaited below; never an unhandled rejection if we stop early
      return p;
    };
    let pending = pos < task.end ? readAt(buffers[0], pos) : undefined;
    while (pending) {
      const { bytesRead } = await pending;
      signal?.throwIfAborted();
      if (bytesRead === 0) throw changed(task, `ended at byte ${pos} of ${task.end}`);
      const cur = buffers[i];
      pos += bytesRead;
      i ^= 1;
      pending = pos < task.end ? readAt(buffers[i], pos) : undefined;
      hasher.update(cur.subarray(0, bytesRead));
      onBytes?.(bytesRead);
    }
    checkOpened(task, await fh.stat());
    return hasher.digestHex();
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/** Synchronous twin of hashTaskAsync, for worker threads (which have nothing else to do while reading). */
export function hashTaskSync(
  task: HashTask,
  newHasher: () => Hasher,
  onBytes?: (n: number) => void,
  buffer: Buffer = Buffer.allocUnsafe(CHUNK),
): string {
  let fd: number;
  try {
    fd = openSync(task.abs, OPEN_FLAGS);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw changed(task, 'it is now a symbolic link');
    throw ioError(JSON.stringify(task.name), err);
  }
  try {
    checkOpened(task, fstatSync(fd));
    const hasher = newHasher();
    let pos = task.start;
    while (pos < task.end) {
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, task.end - pos), pos);
      if (n === 0) throw changed(task, `ended at byte ${pos} of ${task.end}`);
      hasher.update(buffer.subarray(0, n));
      pos += n;
      onBytes?.(n);
    }
    checkOpened(task, fstatSync(fd));
    return hasher.digestHex();
  } finally {
    closeSync(fd);
  }
}

/** Hashes bytes [start, end) of a file, streamed in 1 MiB chunks. */
export async function hashFileRange(
  file: string,
  type: OmsHashType,
  start: number,
  end: number,
  onBytes?: (n: number) => void,
  signal?: AbortSignal,
): Promise<string> {
  return hashTaskAsync({ name: file, abs: file, start, end }, await hasherFactory(type), onBytes, signal);
}

/**
 * Splits files into hashing tasks, in manifest order: one per file (files mode), or one per `shardSize` range with
 * numeric offsets (shards mode; an empty file has no shard). Throws LimitError past MAX_RESOURCES tasks.
 */
export function planTasks(
  files: readonly ModelFile[],
  method: 'files' | 'shards',
  shardSize: number,
): HashTask[] {
  if (method === 'files') {
    if (files.length > MAX_RESOURCES) throw tooMany(files.length, 'files');
    return files.map((f) => ({ name: f.name, abs: f.abs, start: 0, end: f.size, size: f.size }));
  }
  let count = 0;
  for (const f of files) count += Math.ceil(f.size / shardSize);
  if (count > MAX_RESOURCES) throw tooMany(count, 'shards');
  // Files are already in Python path order and shards are made in ascending offsets: the result is sorted.
  const tasks: HashTask[] = [];
  for (const f of files)
    for (let start = 0; start < f.size; start += shardSize) {
      const end = Math.min(f.size, start + shardSize);
      tasks.push({ name: `${f.name}:${start}:${end}`, abs: f.abs, start, end, size: f.size });
    }
  return tasks;
}

function tooMany(n: number, what: string): LimitError {
  return new LimitError(
    'maxResources',
    `the model would have ${n} ${what}, more than the limit of ${MAX_RESOURCES}; ${
      what === 'shards' ? 'use a larger --shard-size' : 'hash a smaller directory or ignore part of it'
    }`,
  );
}

/** Resolves the effective serialization parameters (BLAKE3 + shards falls back to files, as model_signing does). */
export function resolveSerialization(
  modelPath: string,
  opts: HashOptions,
): OmsSerialization & { shard_size: number } {
  const hashType = opts.hashType ?? 'sha256';
  if (hashType !== 'sha256' && hashType !== 'blake2b' && hashType !== 'blake3')
    throw new UsageError(`unknown hash type ${JSON.stringify(hashType)}; use sha256, blake2b or blake3`);
  let method = opts.method ?? 'files';
  if (method !== 'files' && method !== 'shards')
    throw new UsageError(`unknown serialization method ${JSON.stringify(method)}; use files or shards`);
  if (method === 'shards' && hashType === 'blake3') method = 'files';
  const shardSize = opts.shardSize ?? DEFAULT_SHARD_SIZE;
  if (!Number.isSafeInteger(shardSize) || shardSize <= 0)
    throw new UsageError(`shard size ${shardSize} is not a positive integer; pass a byte count`);
  const root = path.resolve(modelPath);
  const ignore = [...(opts.ignorePaths ?? []), ...(opts.ignoreGitPaths === false ? [] : DEFAULT_GIT_IGNORES)];
  return {
    method,
    hash_type: hashType,
    allow_symlinks: opts.allowSymlinks === true,
    ignore_paths: relativeIgnorePaths(root, ignore),
    shard_size: shardSize,
  };
}

/** Resource algorithm name as `model_signing` (Python) writes it. */
export function resourceAlgorithm(s: {
  method: string;
  hash_type: OmsHashType;
  shard_size?: number;
}): string {
  return s.method === 'shards' ? `${s.hash_type}-sharded-${s.shard_size ?? DEFAULT_SHARD_SIZE}` : s.hash_type;
}

export function defaultModelName(modelPath: string): string {
  return path.basename(path.resolve(modelPath));
}

/** Everything decided before any byte is hashed: parameters, the task list in manifest order, totals. */
export interface HashPlan {
  serialization: OmsSerialization;
  hashType: OmsHashType;
  algorithm: string;
  tasks: HashTask[];
  bytesTotal: number;
  modelName: string;
}

/** Lists the model and plans its hashing (shared by hashModelSerial and the parallel hashModel). */
export async function planModelHash(modelPath: string, opts: HashOptions = {}): Promise<HashPlan> {
  opts.signal?.throwIfAborted();
  const ser = resolveSerialization(modelPath, opts);
  let files = await listModelFiles(modelPath, opts);
  if (opts.onlyPaths) {
    const only = new Set(opts.onlyPaths.map((n) => splitShardName(n)?.path ?? n));
    files = files.filter((f) => only.has(f.name));
  }
  const tasks = planTasks(files, ser.method, ser.shard_size);
  const serialization: OmsSerialization =
    ser.method === 'shards'
      ? ser
      : {
          method: ser.method,
          hash_type: ser.hash_type,
          allow_symlinks: ser.allow_symlinks,
          ignore_paths: ser.ignore_paths,
        };
  return {
    serialization,
    hashType: ser.hash_type,
    algorithm: resourceAlgorithm(ser),
    tasks,
    bytesTotal: tasks.reduce((n, t) => n + (t.end - t.start), 0),
    modelName: opts.modelName ?? defaultModelName(modelPath),
  };
}

/** Builds the manifest from a plan and the digests of its tasks (same order). */
export function manifestFromDigests(plan: HashPlan, digests: readonly string[]): ModelManifest {
  const resources: OmsResource[] = plan.tasks.map((t, i) => ({
    name: t.name,
    algorithm: plan.algorithm,
    digest: digests[i],
  }));
  return {
    modelName: plan.modelName,
    serialization: plan.serialization,
    resources,
    rootDigest: omsRootDigest(resources),
    bytes: plan.bytesTotal,
  };
}

/** Calls `onProgress` at most every `intervalMs`, and always for the final state. */
export function progressReporter(
  filesTotal: number,
  bytesTotal: number,
  onProgress: ((p: HashProgress) => void) | undefined,
  intervalMs = 50,
): { bytes(n: number): void; fileDone(): void } {
  let filesDone = 0;
  let bytesDone = 0;
  let last = 0;
  const emit = (force: boolean): void => {
    if (!onProgress) return;
    const now = Date.now();
    if (!force && now - last < intervalMs) return;
    last = now;
    onProgress({ filesDone, filesTotal, bytesDone, bytesTotal });
  };
  return {
    bytes(n) {
      bytesDone += n;
      emit(false);
    },
    fileDone() {
      filesDone++;
      emit(filesDone === filesTotal);
    },
  };
}

/**
 * Hashes a model file or directory exactly as OpenSSF Model Signing (`model_signing`) does and returns the manifest
 * that gets signed: resources in Python order and the root digest. Runs on this thread, one file at a time;
 * `hashModel` in ./parallel.ts adds worker threads.
 */
export async function hashModelSerial(modelPath: string, opts: HashOptions = {}): Promise<ModelManifest> {
  return hashPlanSerial(await planModelHash(modelPath, opts), opts);
}

/** Hashes a planned model on this thread (reads overlap hashing; one resource at a time). */
export async function hashPlanSerial(
  plan: HashPlan,
  opts: Pick<HashOptions, 'onProgress' | 'signal'> = {},
): Promise<ModelManifest> {
  const newHasher = await hasherFactory(plan.hashType);
  const progress = progressReporter(plan.tasks.length, plan.bytesTotal, opts.onProgress);
  const buffers: [Buffer, Buffer] = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
  const digests: string[] = [];
  for (const t of plan.tasks) {
    opts.signal?.throwIfAborted();
    digests.push(await hashTaskAsync(t, newHasher, progress.bytes, opts.signal, buffers));
    progress.fileDone();
  }
  opts.signal?.throwIfAborted();
  return manifestFromDigests(plan, digests);
}
