/** Digest algorithms OMS (OpenSSF Model Signing) records in `serialization.hash_type`. */
export type OmsHashType = 'sha256' | 'blake2b' | 'blake3';
export const OMS_HASH_TYPES: readonly OmsHashType[] = ['sha256', 'blake2b', 'blake3'];

/** Default shard size of `model_signing` (bytes). */
export const DEFAULT_SHARD_SIZE = 1_000_000_000;

/** Most resources (files or shards) one manifest may have: bounds memory on hostile trees and tiny shard sizes. */
export const MAX_RESOURCES = 10_000_000;

/** Paths `model_signing` ignores unless `--no-ignore-git-paths` is given. */
export const DEFAULT_GIT_IGNORES: readonly string[] = ['.git', '.gitattributes', '.github', '.gitignore'];

/** One entry of `predicate.resources[]`: a file (files mode) or a byte range of a file (shards mode). */
export interface OmsResource {
  /** POSIX path relative to the model root (`.` for a single-file model); in shards mode `<path>:<start>:<end>`. */
  name: string;
  /** `sha256` | `blake2b` | `blake3`, or `sha256-sharded-<N>` as the Python tool writes for shards. */
  algorithm: string;
  /** Lower-case hex. */
  digest: string;
}

/** `predicate.serialization` of an OMS v1.0 statement. */
export interface OmsSerialization {
  method: 'files' | 'shards';
  hash_type: OmsHashType;
  allow_symlinks: boolean;
  /** Ignored paths relative to the model root, as recorded by the signer. */
  ignore_paths: string[];
  /** Shards mode only. */
  shard_size?: number;
}

export interface HashProgress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface HashOptions {
  method?: 'files' | 'shards';
  hashType?: OmsHashType;
  /** Shards mode: bytes per shard (default 1,000,000,000). */
  shardSize?: number;
  /** Hash a symlink's target under the link's name (default false: a symlink is an error). */
  allowSymlinks?: boolean;
  /** Extra paths to leave out: relative to the model root, or absolute. A directory leaves out its subtree. */
  ignorePaths?: string[];
  /** Leave out `.git`, `.gitattributes`, `.github`, `.gitignore` (default true). */
  ignoreGitPaths?: boolean;
  /**
   * Hash only these resource names (files mode) / file paths (shards mode), as `--ignore-unsigned-files` does.
   * Names not present on disk are simply absent from the result.
   */
  onlyPaths?: string[];
  /** Name used for the in-toto subject (default: the model path's final component, resolved). */
  modelName?: string;
  /**
   * Worker threads to hash with (0 or 1: hash in this thread). Default: available parallelism, at most 8, and in
   * this thread when the model is small (under 64 MiB or a single resource). Worker threads need the built
   * package (`dist/`); from TypeScript sources `hashModel` hashes in this thread.
   */
  workers?: number;
  /** Called as bytes are hashed (at most every 50 ms) and once when the last resource is done. */
  onProgress?: (p: HashProgress) => void;
  /** Aborts hashing (rejects with the signal's reason). */
  signal?: AbortSignal;
}

/** The result of hashing a model: what gets signed. */
export interface ModelManifest {
  modelName: string;
  serialization: OmsSerialization;
  /** In manifest order (Python `model_signing` order). */
  resources: OmsResource[];
  /** SHA-256 over the raw bytes of every resource digest, in `resources` order (hex). */
  rootDigest: string;
  /** Total bytes hashed. */
  bytes: number;
}
