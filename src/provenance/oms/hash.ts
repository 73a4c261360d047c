import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { createBLAKE2b, createBLAKE3 } from 'hash-wasm';
import { BulwarkError, UsageError } from '../../core/errors.js';
import {
  DEFAULT_GIT_IGNORES,
  DEFAULT_SHARD_SIZE,
  type HashOptions,
  type ModelManifest,
  type OmsHashType,
  type OmsResource,
  type OmsSerialization,
} from './types.js';

/** A regular file of the model, as enumerated for hashing. */
export interface ModelFile {
  /** POSIX path relative to the model root; `.` when the model is a single file. */
  name: string;
  /** Path to read (a symlink's target when symlinks are allowed). */
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
  if (st.isSymbolicLink()) {
    if (!opts.allowSymlinks)
      throw new UsageError(
        `model path ${JSON.stringify(modelPath)} is a symbolic link; pass --allow-symlinks to hash its target`,
      );
    st = await stat(root);
  }
  if (st.isFile()) return [{ name: '.', abs: root, size: st.size }];
  if (!st.isDirectory())
    throw new UsageError(`model path ${JSON.stringify(modelPath)} is neither a file nor a directory`);

  const ignores = relativeIgnorePaths(root, [
    ...(opts.ignorePaths ?? []),
    ...(opts.ignoreGitPaths === false ? [] : DEFAULT_GIT_IGNORES),
  ]);
  const files: ModelFile[] = [];
  const visited = new Set<string>([await realpath(root)]);

  const walk = async (dirAbs: string, dirRel: string): Promise<void> => {
    const entries = await readdir(dirAbs, { withFileTypes: true });
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
        try {
          target = await stat(abs);
        } catch {
          throw new UsageError(`symbolic link ${JSON.stringify(rel)} points to nothing; remove or ignore it`);
        }
        if (target.isFile()) files.push({ name: rel, abs: await realpath(abs), size: target.size });
        else if (target.isDirectory()) {
          const real = await realpath(abs);
          if (visited.has(real)) continue; // a cycle: the directory is already being hashed
          visited.add(real);
          await walk(abs, rel);
        } else throw new UsageError(`${JSON.stringify(rel)} links to a special file; remove or ignore it`);
      } else if (e.isFile()) {
        files.push({ name: rel, abs, size: (await stat(abs)).size });
      } else if (e.isDirectory()) {
        await walk(abs, rel);
      } else {
        throw new UsageError(
          `${JSON.stringify(rel)} is not a regular file (socket, FIFO or device); remove or ignore it`,
        );
      }
    }
  };
  await walk(root, '');
  files.sort((a, b) => compareOmsPaths(a.name, b.name));
  return files;
}

/** Incremental hasher for one OMS hash type. */
export interface Hasher {
  update(chunk: Uint8Array): void;
  digestHex(): string;
}

export async function createHasher(type: OmsHashType): Promise<Hasher> {
  if (type === 'sha256') {
    const h = createHash('sha256');
    return { update: (c) => h.update(c), digestHex: () => h.digest('hex') };
  }
  // Python hashlib.blake2b() defaults to a 64-byte digest; blake3 to 32 bytes.
  const h = type === 'blake2b' ? await createBLAKE2b(512) : await createBLAKE3(256);
  h.init();
  return { update: (c) => void h.update(c), digestHex: () => h.digest('hex') };
}

const CHUNK = 1 << 20;

/** Hashes bytes [start, end) of a file, streamed in 1 MiB chunks. */
export async function hashFileRange(
  file: string,
  type: OmsHashType,
  start: number,
  end: number,
  onBytes?: (n: number) => void,
  signal?: AbortSignal,
): Promise<string> {
  const hasher = await createHasher(type);
  if (end > start) {
    const stream = createReadStream(file, { start, end: end - 1, highWaterMark: CHUNK, signal });
    let read = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hasher.update(chunk);
      read += chunk.length;
      onBytes?.(chunk.length);
    }
    if (read !== end - start)
      throw new BulwarkError(
        'E_IO',
        `${file} changed while it was hashed (read ${read} of ${end - start} bytes); hash it again`,
      );
  }
  return hasher.digestHex();
}

/** The work items of a manifest: one per file (files mode) or per shard (shards mode). */
export interface HashTask {
  name: string;
  abs: string;
  start: number;
  end: number;
}

export function planTasks(
  files: readonly ModelFile[],
  method: 'files' | 'shards',
  shardSize: number,
): HashTask[] {
  if (method === 'files') return files.map((f) => ({ name: f.name, abs: f.abs, start: 0, end: f.size }));
  const tasks: HashTask[] = [];
  for (const f of files)
    for (let start = 0; start < f.size; start += shardSize) {
      const end = Math.min(f.size, start + shardSize);
      tasks.push({ name: `${f.name}:${start}:${end}`, abs: f.abs, start, end });
    }
  tasks.sort((a, b) => compareShardNames(a.name, b.name));
  return tasks;
}

/** Resolves the effective serialization parameters (BLAKE3 + shards falls back to files, as model_signing does). */
export function resolveSerialization(
  modelPath: string,
  opts: HashOptions,
): OmsSerialization & { shard_size: number } {
  const hashType = opts.hashType ?? 'sha256';
  let method = opts.method ?? 'files';
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

/**
 * Hashes a model file or directory exactly as OpenSSF Model Signing (`model_signing`) does and returns the manifest
 * that gets signed: resources in Python order and the root digest. Single-threaded reference implementation;
 * `hashModel` in ./parallel.ts adds worker threads.
 */
export async function hashModelSerial(modelPath: string, opts: HashOptions = {}): Promise<ModelManifest> {
  const ser = resolveSerialization(modelPath, opts);
  let files = await listModelFiles(modelPath, opts);
  if (opts.onlyPaths) {
    const only = new Set(opts.onlyPaths.map((n) => splitShardName(n)?.path ?? n));
    files = files.filter((f) => only.has(f.name));
  }
  const tasks = planTasks(files, ser.method, ser.shard_size);
  const bytesTotal = tasks.reduce((n, t) => n + (t.end - t.start), 0);
  let bytesDone = 0;
  const resources: OmsResource[] = [];
  const algorithm = resourceAlgorithm(ser);
  let filesDone = 0;
  for (const t of tasks) {
    opts.signal?.throwIfAborted();
    const digest = await hashFileRange(t.abs, ser.hash_type, t.start, t.end, (n) => {
      bytesDone += n;
    });
    resources.push({ name: t.name, algorithm, digest });
    filesDone++;
    opts.onProgress?.({ filesDone, filesTotal: tasks.length, bytesDone, bytesTotal });
  }
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
    modelName: opts.modelName ?? defaultModelName(modelPath),
    serialization,
    resources,
    rootDigest: omsRootDigest(resources),
    bytes: bytesTotal,
  };
}
