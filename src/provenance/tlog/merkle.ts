/**
 * RFC 9162 (Certificate Transparency 2.0, same tree hashing as RFC 6962) Merkle tree: leaf and node hashing, tree
 * heads, inclusion and consistency proofs, plus the subtree proofs of the Merkle Tree Certificates draft
 * (draft-ietf-plants-merkle-tree-certs §4.3/§4.4) that transparency-dev/merkle tests.
 *
 * Proof generation reads complete-node hashes through a {@link NodeReader}: `node(level, index)` is the hash of the
 * perfect subtree covering leaves `[index·2^level, (index+1)·2^level)`. A store that keeps those hashes per level
 * (see store.ts) answers every proof with O(log² n) reads and no rehashing of the log; {@link MemoryTree} keeps them in
 * memory. Verification takes sizes as `number | bigint` and works in bigint, so 64-bit sizes are handled exactly.
 */
import { createHash } from 'node:crypto';

export const HASH_SIZE = 32;
const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** SHA-256 of the empty string: the root of the empty tree. */
export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

/** RFC 9162 §2.1.1: leaf hash = SHA-256(0x00 || entry). */
export function leafHash(entry: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(entry).digest();
}

/** RFC 9162 §2.1.1: interior node hash = SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** Largest power of two strictly smaller than n (n >= 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Root of the tree over `leaves` (leaf hashes), RFC 9162 MTH, computed bottom-up in O(n). */
export function rootFromLeafHashes(leaves: readonly Uint8Array[]): Buffer {
  if (leaves.length === 0) return Buffer.from(EMPTY_ROOT);
  // Stack-based incremental construction (a compact range of the whole tree).
  const stack: { level: number; hash: Buffer }[] = [];
  for (const leaf of leaves) {
    let cur: { level: number; hash: Buffer } = { level: 0, hash: Buffer.from(leaf) };
    while (stack.length > 0 && stack[stack.length - 1].level === cur.level) {
      const left = stack.pop()!;
      cur = { level: cur.level + 1, hash: nodeHash(left.hash, cur.hash) };
    }
    stack.push(cur);
  }
  let root = stack.pop()!.hash;
  while (stack.length > 0) root = nodeHash(stack.pop()!.hash, root);
  return root;
}

/** Reads the hash of the complete node at (level, index). Must only be asked for nodes inside the tree. */
export type NodeReader = (level: number, index: number) => Uint8Array;

function checkSize(size: number, what: string): void {
  if (!Number.isSafeInteger(size) || size < 0)
    throw new RangeError(`${what} must be a non-negative safe integer`);
}

/**
 * MTH(D[lo:hi]) for a range that occurs in the RFC 9162 recursion (lo is a multiple of the largest power of two not
 * above hi-lo, so the range splits into aligned perfect nodes): one read per set bit of hi-lo.
 */
export function rangeHash(read: NodeReader, lo: number, hi: number): Buffer {
  if (hi <= lo) return Buffer.from(EMPTY_ROOT);
  const nodes: Uint8Array[] = [];
  let pos = lo;
  let rest = hi - lo;
  for (let level = Math.floor(Math.log2(rest)) + 1; level >= 0; level--) {
    const width = 2 ** level;
    if (width <= rest) {
      if (pos % width !== 0) throw new RangeError(`range [${lo}, ${hi}) is not a Merkle subtree`);
      nodes.push(read(level, pos / width));
      pos += width;
      rest -= width;
    }
  }
  let acc: Buffer = Buffer.from(nodes[nodes.length - 1]);
  for (let i = nodes.length - 2; i >= 0; i--) acc = nodeHash(nodes[i], acc);
  return acc;
}

/** Root of the first `size` leaves. */
export function rootAt(read: NodeReader, size: number): Buffer {
  checkSize(size, 'size');
  return rangeHash(read, 0, size);
}

/** RFC 9162 §2.1.3.1 inclusion proof (PATH) of leaf `index` in the tree of `size` leaves, leaf level first. */
export function inclusionProof(read: NodeReader, index: number, size: number): Buffer[] {
  checkSize(size, 'size');
  checkSize(index, 'index');
  if (index >= size) throw new RangeError(`index ${index} is not below tree size ${size}`);
  const out: Buffer[] = [];
  const path = (m: number, lo: number, hi: number): void => {
    if (hi - lo === 1) return;
    const k = splitPoint(hi - lo);
    if (m < lo + k) {
      path(m, lo, lo + k);
      out.push(rangeHash(read, lo + k, hi));
    } else {
      path(m, lo + k, hi);
      out.push(rangeHash(read, lo, lo + k));
    }
  };
  path(index, 0, size);
  return out;
}

/** RFC 9162 §2.1.4.1 consistency proof (PROOF) from `size1` to `size2` leaves; 0 < size1 <= size2. */
export function consistencyProof(read: NodeReader, size1: number, size2: number): Buffer[] {
  return subtreeConsistencyProof(read, 0, size1, size2);
}

/**
 * Subtree consistency proof (MTC draft §4.4.1, SUBTREE_PROOF): shows that the subtree `[start, end)` is part of the
 * tree of `size` leaves. With start = 0 it is exactly the RFC 9162 consistency proof from `end` to `size`.
 */
export function subtreeConsistencyProof(
  read: NodeReader,
  start: number,
  end: number,
  size: number,
): Buffer[] {
  checkSize(start, 'start');
  checkSize(end, 'end');
  checkSize(size, 'size');
  if (end === 0 || start >= end)
    throw new RangeError('a consistency proof needs a non-empty old tree or subtree');
  if (end > size) throw new RangeError(`size ${end} is beyond the tree size ${size}`);
  if (!isValidSubtree(BigInt(start), BigInt(end)))
    throw new RangeError(`[${start}, ${end}) is not a valid subtree`);
  const out: Buffer[] = [];
  // All positions below are relative to `base` (the node being descended into covers [base, base+n)).
  const sub = (s: number, e: number, base: number, n: number, known: boolean): void => {
    if (s === 0 && e === n) {
      if (!known) out.push(rangeHash(read, base, base + n));
      return;
    }
    const k = splitPoint(n);
    if (e <= k) {
      sub(s, e, base, k, known);
      out.push(rangeHash(read, base + k, base + n));
    } else if (s >= k) {
      sub(s - k, e - k, base + k, n - k, known);
      out.push(rangeHash(read, base, base + k));
    } else {
      sub(0, e - k, base + k, n - k, false);
      out.push(rangeHash(read, base, base + k));
    }
  };
  sub(start, end, 0, size, true);
  return out;
}

/** A Merkle tree held in memory with every complete node cached per level (tests, small logs). */
export class MemoryTree {
  /** levels[0] are the leaf hashes; levels[l][i] covers leaves [i·2^l, (i+1)·2^l). */
  readonly levels: Buffer[][] = [[]];

  constructor(leafHashes: Iterable<Uint8Array> = []) {
    for (const h of leafHashes) this.appendLeafHash(h);
  }

  get size(): number {
    return this.levels[0].length;
  }

  appendLeafHash(h: Uint8Array): void {
    if (h.length !== HASH_SIZE) throw new RangeError('leaf hash must be 32 bytes');
    let level = 0;
    let cur: Buffer = Buffer.from(h);
    while (true) {
      if (!this.levels[level]) this.levels[level] = [];
      const row = this.levels[level];
      row.push(cur);
      const idx = row.length - 1;
      if (idx % 2 === 0) break;
      cur = nodeHash(row[idx - 1], cur);
      level++;
    }
  }

  append(entry: Uint8Array): void {
    this.appendLeafHash(leafHash(entry));
  }

  readonly read: NodeReader = (level, index) => {
    const h = this.levels[level]?.[index];
    if (!h) throw new RangeError(`node (${level}, ${index}) is not in the tree`);
    return h;
  };

  root(size = this.size): Buffer {
    return rootAt(this.read, size);
  }

  inclusionProof(index: number, size = this.size): Buffer[] {
    return inclusionProof(this.read, index, size);
  }

  consistencyProof(size1: number, size2 = this.size): Buffer[] {
    return consistencyProof(this.read, size1, size2);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Verification (bigint arithmetic; rules of RFC 9162 §2.1.3.2/§2.1.4.2 plus transparency-dev/merkle proof/verify.go)
// ---------------------------------------------------------------------------------------------------------------

/** Why a proof was rejected: a stable code plus a one-line message. */
export class ProofError extends Error {
  readonly code: 'bad-input' | 'bad-proof-size' | 'root-mismatch';
  constructor(code: ProofError['code'], message: string) {
    super(message);
    this.name = 'ProofError';
    this.code = code;
  }
}

type Size = number | bigint;

function big(v: Size, what: string): bigint {
  if (typeof v === 'bigint') {
    if (v < 0n) throw new ProofError('bad-input', `${what} is negative`);
    return v;
  }
  if (!Number.isSafeInteger(v) || v < 0)
    throw new ProofError('bad-input', `${what} is not a non-negative integer`);
  return BigInt(v);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

function checkHashes(proof: readonly Uint8Array[]): void {
  for (let i = 0; i < proof.length; i++)
    if (proof[i].length !== HASH_SIZE)
      throw new ProofError('bad-input', `proof hash ${i} is ${proof[i].length} bytes, want ${HASH_SIZE}`);
}

/**
 * RFC 9162 §2.1.3.2: checks that `leaf` (a 32-byte leaf hash) is at `index` in the tree of `size` leaves with root
 * `root`. Throws {@link ProofError}; returns normally only when the proof is valid.
 */
export function verifyInclusion(
  index: Size,
  size: Size,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  const idx = big(index, 'index');
  const n = big(size, 'tree size');
  if (idx >= n) throw new ProofError('bad-input', `index ${idx} is not below tree size ${n}`);
  if (leaf.length !== HASH_SIZE)
    throw new ProofError('bad-input', `leaf hash is ${leaf.length} bytes, want 32`);
  checkHashes(proof);
  let fn = idx;
  let sn = n - 1n;
  let r: Buffer = Buffer.from(leaf);
  for (const p of proof) {
    if (sn === 0n) throw new ProofError('bad-proof-size', 'inclusion proof is longer than the tree is high');
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      if ((fn & 1n) === 0n) while ((fn & 1n) === 0n && fn !== 0n) [fn, sn] = [fn >> 1n, sn >> 1n];
    } else r = nodeHash(r, p);
    [fn, sn] = [fn >> 1n, sn >> 1n];
  }
  if (sn !== 0n) throw new ProofError('bad-proof-size', 'inclusion proof is shorter than the tree is high');
  if (!sameBytes(r, root)) throw new ProofError('root-mismatch', 'inclusion proof does not lead to the root');
}

/**
 * RFC 9162 §2.1.4.2: checks that the tree of `size2` leaves (root2) extends the tree of `size1` leaves (root1).
 * As in transparency-dev/merkle, size1 == 0 is always an error (a proof from the empty tree proves nothing), and
 * size1 == size2 requires an empty proof and equal roots.
 */
export function verifyConsistency(
  size1: Size,
  size2: Size,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  const m = big(size1, 'size1');
  const n = big(size2, 'size2');
  if (m > n) throw new ProofError('bad-input', `size1 ${m} is larger than size2 ${n}`);
  if (m === 0n) throw new ProofError('bad-input', 'a consistency proof from the empty tree is meaningless');
  if (m === n) {
    if (proof.length !== 0)
      throw new ProofError('bad-proof-size', 'sizes are equal but the proof is not empty');
    if (!sameBytes(root1, root2))
      throw new ProofError('root-mismatch', 'sizes are equal but the roots differ');
    return;
  }
  if (proof.length === 0) throw new ProofError('bad-proof-size', 'consistency proof is empty');
  checkHashes(proof);
  const path: Uint8Array[] = (m & (m - 1n)) === 0n ? [root1, ...proof] : [...proof];
  let fn = m - 1n;
  let sn = n - 1n;
  while ((fn & 1n) === 1n) [fn, sn] = [fn >> 1n, sn >> 1n];
  let fr: Buffer = Buffer.from(path[0]);
  let sr: Buffer = Buffer.from(path[0]);
  for (const c of path.slice(1)) {
    if (sn === 0n) throw new ProofError('bad-proof-size', 'consistency proof is too long');
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if ((fn & 1n) === 0n) while ((fn & 1n) === 0n && fn !== 0n) [fn, sn] = [fn >> 1n, sn >> 1n];
    } else sr = nodeHash(sr, c);
    [fn, sn] = [fn >> 1n, sn >> 1n];
  }
  if (sn !== 0n) throw new ProofError('bad-proof-size', 'consistency proof is too short');
  if (!sameBytes(fr, root1))
    throw new ProofError('root-mismatch', 'consistency proof does not lead to the old root');
  if (!sameBytes(sr, root2))
    throw new ProofError('root-mismatch', 'consistency proof does not lead to the new root');
}

/** Smallest power of two >= n (n >= 0; 0 and 1 give 1). */
function bitCeil(n: bigint): bigint {
  let p = 1n;
  while (p < n) p <<= 1n;
  return p;
}

/** MTC draft §4.1: [start, end) is a subtree when start <= end and start is a multiple of BIT_CEIL(end - start). */
export function isValidSubtree(start: bigint, end: bigint): boolean {
  return start <= end && start % bitCeil(end - start) === 0n;
}

/** MTC draft §4.3: inclusion of leaf `index` in the subtree [start, end) whose hash is `root`. */
export function verifySubtreeInclusion(
  index: Size,
  start: Size,
  end: Size,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  const i = big(index, 'index');
  const s = big(start, 'start');
  const e = big(end, 'end');
  if (s >= e) throw new ProofError('bad-input', `subtree [${s}, ${e}) is empty`);
  if (!isValidSubtree(s, e)) throw new ProofError('bad-input', `[${s}, ${e}) is not a valid subtree`);
  if (i < s || i >= e) throw new ProofError('bad-input', `index ${i} is outside the subtree [${s}, ${e})`);
  verifyInclusion(i - s, e - s, leaf, proof, root);
}

/**
 * MTC draft §4.4: checks that the subtree [start, end) with hash `subtreeHash` is part of the tree of `size` leaves
 * with root `root`. An empty subtree is consistent with any tree that reaches `end` when its hash is the empty-tree
 * hash and the proof is empty (transparency-dev/merkle semantics).
 */
export function verifySubtreeConsistency(
  start: Size,
  end: Size,
  size: Size,
  proof: readonly Uint8Array[],
  subtreeHash: Uint8Array,
  root: Uint8Array,
): void {
  const s0 = big(start, 'start');
  const e0 = big(end, 'end');
  const n0 = big(size, 'size');
  if (s0 > e0) throw new ProofError('bad-input', `start ${s0} is after end ${e0}`);
  if (e0 > n0) throw new ProofError('bad-input', `end ${e0} is beyond the tree size ${n0}`);
  if (!isValidSubtree(s0, e0)) throw new ProofError('bad-input', `[${s0}, ${e0}) is not a valid subtree`);
  if (s0 === e0) {
    if (proof.length !== 0)
      throw new ProofError('bad-proof-size', 'empty subtree but the proof is not empty');
    if (!sameBytes(subtreeHash, EMPTY_ROOT))
      throw new ProofError('root-mismatch', 'empty subtree but its hash is not the empty-tree hash');
    return;
  }
  if (s0 === 0n && e0 === n0) {
    if (proof.length !== 0)
      throw new ProofError('bad-proof-size', 'subtree is the whole tree but the proof is not empty');
    if (!sameBytes(subtreeHash, root))
      throw new ProofError('root-mismatch', 'subtree is the whole tree but the hashes differ');
    return;
  }
  if (proof.length === 0) throw new ProofError('bad-proof-size', 'consistency proof is empty');
  checkHashes(proof);
  // Mirror of the generator: walk down from the root; proof hashes are consumed from the end (top level first).
  let next = proof.length;
  const take = (): Uint8Array => {
    if (next === 0) throw new ProofError('bad-proof-size', 'consistency proof is too short');
    return proof[--next];
  };
  const walk = (s: bigint, e: bigint, n: bigint, known: boolean): { fr: Buffer; sr: Buffer } => {
    if (s === 0n && e === n) {
      const h = Buffer.from(known ? subtreeHash : take());
      return { fr: h, sr: h };
    }
    let k = 1n;
    while (k * 2n < n) k *= 2n;
    if (e <= k) {
      const c = take();
      const r = walk(s, e, k, known);
      return { fr: r.fr, sr: nodeHash(r.sr, c) };
    }
    if (s >= k) {
      const c = take();
      const r = walk(s - k, e - k, n - k, known);
      return { fr: r.fr, sr: nodeHash(c, r.sr) };
    }
    const c = take();
    const r = walk(0n, e - k, n - k, false);
    return { fr: nodeHash(c, r.fr), sr: nodeHash(c, r.sr) };
  };
  const { fr, sr } = walk(s0, e0, n0, true);
  if (next !== 0) throw new ProofError('bad-proof-size', 'consistency proof is too long');
  if (!sameBytes(fr, subtreeHash))
    throw new ProofError('root-mismatch', 'consistency proof does not lead to the subtree hash');
  if (!sameBytes(sr, root))
    throw new ProofError('root-mismatch', 'consistency proof does not lead to the root');
}

/** Boolean forms, for callers that only need a yes/no. */
export function isValidInclusion(...args: Parameters<typeof verifyInclusion>): boolean {
  try {
    verifyInclusion(...args);
    return true;
  } catch (err) {
    if (err instanceof ProofError) return false;
    throw err;
  }
}

export function isValidConsistency(...args: Parameters<typeof verifyConsistency>): boolean {
  try {
    verifyConsistency(...args);
    return true;
  } catch (err) {
    if (err instanceof ProofError) return false;
    throw err;
  }
}
