/** Resource bounds for analysing hostile input. Every analysis checks the bound it touches. */
export interface Limits {
  /** Opcodes executed per pickle stream. */
  maxOpcodes: number;
  /** Memo entries per pickle stream. */
  maxMemo: number;
  /** Items on the pickle stack (including all mark frames). */
  maxStack: number;
  /** Open MARKs (nesting depth) in a pickle stream. */
  maxMarkDepth: number;
  /** Longest newline-terminated argument (protocol 0 text opcodes). */
  maxLineBytes: number;
  /** String/bytes payloads up to this size are kept for analysis; larger ones are skipped over (prefix kept). */
  maxRetainedString: number;
  /** Total bytes of short strings kept for memo look-ups per pickle stream. */
  maxStringArena: number;
  /** Nested pickles (bytes passed to pickle.loads and friends) analysed to this depth. */
  maxNestedPickleDepth: number;
  /** Containers inside containers (zip in zip in tar ...). */
  maxContainerDepth: number;
  /** Members listed in one archive. */
  maxMembers: number;
  /** Decompressed bytes produced for one top-level file, all members and layers together. */
  maxDecompressedBytes: number;
  /** A member whose decompressed size exceeds this many times its compressed size (and maxRatioFloor bytes) is a bomb. */
  maxCompressionRatio: number;
  /** Ratio checks apply only above this decompressed size. */
  ratioFloorBytes: number;
  /** Decompressed content up to this size is held in memory; larger content is spilled to a temporary file. */
  inMemoryBytes: number;
  /** Wall-clock budget for one top-level file, in milliseconds. */
  timeoutMs: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxOpcodes: 2_000_000_000,
  maxMemo: 100_000_000,
  maxStack: 20_000_000,
  maxMarkDepth: 100_000,
  maxLineBytes: 64 * 1024 * 1024,
  maxRetainedString: 16 * 1024 * 1024,
  maxStringArena: 1024 * 1024 * 1024,
  maxNestedPickleDepth: 4,
  maxContainerDepth: 8,
  maxMembers: 200_000,
  maxDecompressedBytes: 32 * 1024 * 1024 * 1024,
  maxCompressionRatio: 1000,
  ratioFloorBytes: 256 * 1024 * 1024,
  inMemoryBytes: 64 * 1024 * 1024,
  timeoutMs: 30 * 60 * 1000,
});

export function resolveLimits(overrides?: Partial<Limits>): Limits {
  return { ...DEFAULT_LIMITS, ...(overrides ?? {}) };
}
