import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_ROOT,
  isValidConsistency,
  isValidInclusion,
  leafHash,
  MemoryTree,
  nodeHash,
  ProofError,
  consistencyProof,
  inclusionProof,
  rootAt,
  rootFromLeafHashes,
  subtreeConsistencyProof,
  verifyConsistency,
  verifyInclusion,
  verifySubtreeConsistency,
  verifySubtreeInclusion,
} from '../../src/provenance/tlog/merkle.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TESTDATA = path.resolve(ROOT, '..', 'shared', 'vectors', 'merkle', 'testdata');

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (name.endsWith('.json')) out.push(p);
  }
  return out;
}

/** Parses a probe; the integer fields are read as bigint (some exceed 2^53). */
function probe(file: string): Record<string, unknown> {
  const text = readFileSync(file, 'utf8').replace(
    /"(leafIdx|treeSize|size1|size2|start|end|size)":\s*(\d+)/g,
    '"$1":"$2"',
  );
  return JSON.parse(text) as Record<string, unknown>;
}

const b64 = (v: unknown): Buffer => Buffer.from((v as string | null) ?? '', 'base64');
const b64list = (v: unknown): Buffer[] => ((v as string[] | null) ?? []).map(b64);
const n = (v: unknown): bigint => BigInt(v as string);

function outcome(fn: () => void): boolean {
  try {
    fn();
    return false;
  } catch (err) {
    if (err instanceof ProofError) return true;
    throw err;
  }
}

function runSuite(folder: string, check: (p: Record<string, unknown>) => void) {
  const all = files(path.join(TESTDATA, folder));
  const mismatches: string[] = [];
  let happy = 0;
  for (const f of all) {
    const p = probe(f);
    const gotErr = outcome(() => check(p));
    if (!p.wantErr) happy++;
    if (gotErr !== p.wantErr)
      mismatches.push(`${path.relative(TESTDATA, f)} (want err ${String(p.wantErr)})`);
  }
  return { count: all.length, happy, mismatches };
}

describe('transparency-dev/merkle test vectors (read in place from ../shared)', () => {
  it('inclusion: all 98 probes agree with wantErr', () => {
    const r = runSuite('inclusion', (p) =>
      verifyInclusion(n(p.leafIdx), n(p.treeSize), b64(p.leafHash), b64list(p.proof), b64(p.root)),
    );
    expect(r.count).toBe(98);
    expect(r.happy).toBeGreaterThanOrEqual(6);
    expect(r.mismatches).toEqual([]);
  });

  it('consistency: all 98 probes agree with wantErr', () => {
    const r = runSuite('consistency', (p) =>
      verifyConsistency(n(p.size1), n(p.size2), b64list(p.proof), b64(p.root1), b64(p.root2)),
    );
    expect(r.count).toBe(98);
    expect(r.happy).toBeGreaterThanOrEqual(6);
    expect(r.mismatches).toEqual([]);
  });

  it('subtree inclusion (MTC draft): all 204 probes agree with wantErr', () => {
    const r = runSuite('subtreeinclusion', (p) =>
      verifySubtreeInclusion(
        n(p.leafIdx),
        n(p.start),
        n(p.end),
        b64(p.leafHash),
        b64list(p.proof),
        b64(p.root),
      ),
    );
    expect(r.count).toBe(204);
    expect(r.mismatches).toEqual([]);
  });

  it('subtree consistency (MTC draft): all 118 probes agree with wantErr', () => {
    const r = runSuite('subtreeconsistency', (p) =>
      verifySubtreeConsistency(n(p.start), n(p.end), n(p.size), b64list(p.proof), b64(p.root1), b64(p.root2)),
    );
    expect(r.count).toBe(118);
    expect(r.mismatches).toEqual([]);
  });

  it('the 518 probes are all counted', () => {
    expect(files(TESTDATA).length).toBe(98 + 98 + 204 + 118);
  });
});

describe('RFC 9162 hashing', () => {
  it('known constants: empty root, leaf(""), the classic 8-leaf CT test tree', () => {
    expect(EMPTY_ROOT.toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(leafHash(Buffer.alloc(0)).toString('hex')).toBe(
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    );
    // The RFC 6962 test leaves (as used by proofgen) and their published roots.
    const leaves = [
      '',
      '00',
      '10',
      '2021',
      '3031',
      '40414243',
      '5051525354555657',
      '606162636465666768696a6b6c6d6e6f',
    ];
    const tree = new MemoryTree(leaves.map((h) => leafHash(Buffer.from(h, 'hex'))));
    expect(tree.root(8).toString('hex')).toBe(
      '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
    );
    expect(tree.root(2).toString('hex')).toBe(
      'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    );
    expect(tree.root(5).toString('hex')).toBe(
      '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
    );
    expect(tree.root(7).toString('hex')).toBe(
      'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
    );
    expect(tree.root(0)).toEqual(EMPTY_ROOT);
    // Generated proofs equal the published ones (proofgen inclusion {6, 8} and consistency {6, 8}).
    expect(tree.inclusionProof(5, 8).map((h) => h.toString('hex').slice(0, 12))).toEqual([
      'bc1a0643b12e',
      'ca854ea128ed',
      'd37ee418976d',
    ]);
    expect(tree.consistencyProof(6, 8).map((h) => h.toString('hex').slice(0, 12))).toEqual([
      '0ebc5d3437fb',
      'ca854ea128ed',
      'd37ee418976d',
    ]);
    expect(tree.consistencyProof(2, 5).map((h) => h.toString('hex').slice(0, 12))).toEqual([
      '5f083f0a1a33',
      'bc1a0643b12e',
    ]);
  });

  it('rootFromLeafHashes equals the recursive definition', () => {
    const mth = (hs: Buffer[]): Buffer => {
      if (hs.length === 0) return EMPTY_ROOT;
      if (hs.length === 1) return hs[0];
      let k = 1;
      while (k * 2 < hs.length) k *= 2;
      return nodeHash(mth(hs.slice(0, k)), mth(hs.slice(k)));
    };
    for (let size = 0; size <= 40; size++) {
      const hs = Array.from({ length: size }, (_, i) => leafHash(Buffer.from([i])));
      expect(rootFromLeafHashes(hs)).toEqual(mth(hs));
      expect(new MemoryTree(hs).root()).toEqual(mth(hs));
    }
  });
});

describe('proof cost', () => {
  it('proofs in a tree of 65,539 leaves read O(log^2 n) stored nodes and never rehash the tree', () => {
    const n = 65_539;
    const tree = new MemoryTree();
    for (let i = 0; i < n; i++) tree.appendLeafHash(leafHash(Buffer.from(String(i))));
    let reads = 0;
    const counting = (level: number, index: number) => {
      reads++;
      return tree.read(level, index);
    };
    const log2 = Math.ceil(Math.log2(n)); // 17
    let worst = 0;
    for (const index of [0, 1, 32_767, 65_535, 65_536, n - 1]) {
      reads = 0;
      const proof = inclusionProof(counting, index, n);
      worst = Math.max(worst, reads);
      expect(isValidInclusion(index, n, tree.levels[0][index], proof, tree.root())).toBe(true);
    }
    for (const size1 of [1, 2, 3, 32_768, 65_536, n - 1]) {
      reads = 0;
      const proof = consistencyProof(counting, size1, n);
      worst = Math.max(worst, reads);
      expect(isValidConsistency(size1, n, proof, tree.root(size1), tree.root())).toBe(true);
    }
    reads = 0;
    rootAt(counting, n);
    expect(reads).toBeLessThanOrEqual(log2); // one read per set bit of n
    expect(worst).toBeLessThanOrEqual(log2 * log2);
  });
});

const treeArb = fc.integer({ min: 1, max: 300 }).map((size) => {
  const t = new MemoryTree();
  for (let i = 0; i < size; i++) t.append(Buffer.from(`entry ${i}`));
  return t;
});

/** Length of an inclusion proof (verify.go decompInclProof). */
function inclusionLength(index: number, size: number): number {
  const inner = (index ^ (size - 1)).toString(2).replace(/^0+/, '').length;
  const border = (index >> inner)
    .toString(2)
    .split('')
    .filter((c) => c === '1').length;
  return inner + border;
}

function flip(proof: Buffer[], which: number, bit: number): Buffer[] {
  const copy = proof.map((h) => Buffer.from(h));
  copy[which][bit >> 3] ^= 1 << (bit & 7);
  return copy;
}

describe('property tests (fast-check)', () => {
  it('every inclusion proof verifies; a flipped bit, a wrong index or a wrong size fails', () => {
    fc.assert(
      fc.property(
        treeArb,
        fc.nat(),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (tree, a, b, c, bit) => {
          const size = 1 + (a % tree.size);
          const index = b % size;
          const root = tree.root(size);
          const leaf = tree.levels[0][index];
          const proof = tree.inclusionProof(index, size);
          expect(isValidInclusion(index, size, leaf, proof, root)).toBe(true);
          if (proof.length > 0)
            expect(isValidInclusion(index, size, leaf, flip(proof, c % proof.length, bit), root)).toBe(false);
          const leafFlipped = Buffer.from(leaf);
          leafFlipped[bit >> 3] ^= 1 << (bit & 7);
          expect(isValidInclusion(index, size, leafFlipped, proof, root)).toBe(false);
          if (size > 1) {
            const other = (index + 1 + (c % (size - 1))) % size;
            expect(isValidInclusion(other, size, leaf, proof, root)).toBe(false);
          }
          // A wrong size fails whenever it changes the proof's shape (a proof whose hashing coincides for another
          // size does verify: the size is bound by the signed checkpoint, not by the proof).
          for (const wrongSize of [size + 1, size * 2, size - 1])
            if (wrongSize > index && wrongSize !== size && inclusionLength(index, wrongSize) !== proof.length)
              expect(isValidInclusion(index, wrongSize, leaf, proof, root)).toBe(false);
          expect(isValidInclusion(index, size, leaf, [...proof, root], root)).toBe(false);
          if (proof.length > 0) expect(isValidInclusion(index, size, leaf, proof.slice(1), root)).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('every consistency proof verifies (RFC iterative and subtree recursive verifiers agree); tampering fails', () => {
    fc.assert(
      fc.property(
        treeArb,
        fc.nat(),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (tree, a, b, c, bit) => {
          const size2 = 1 + (a % tree.size);
          const size1 = 1 + (b % size2);
          const r1 = tree.root(size1);
          const r2 = tree.root(size2);
          const proof = tree.consistencyProof(size1, size2);
          expect(isValidConsistency(size1, size2, proof, r1, r2)).toBe(true);
          expect(() => verifySubtreeConsistency(0, size1, size2, proof, r1, r2)).not.toThrow();
          if (proof.length > 0) {
            const bad = flip(proof, c % proof.length, bit);
            expect(isValidConsistency(size1, size2, bad, r1, r2)).toBe(false);
            expect(outcome(() => verifySubtreeConsistency(0, size1, size2, bad, r1, r2))).toBe(true);
            expect(isValidConsistency(size1, size2, proof.slice(0, -1), r1, r2)).toBe(false);
            expect(isValidConsistency(size1, size2, [...proof, r1], r1, r2)).toBe(false);
          }
          if (size1 < size2) {
            expect(isValidConsistency(size1, size2, proof, r2, r1)).toBe(false);
            if (size1 + 1 < size2 && tree.consistencyProof(size1 + 1, size2).length !== proof.length)
              expect(isValidConsistency(size1 + 1, size2, proof, r1, r2)).toBe(false);
            if (size2 + 1 <= tree.size && tree.consistencyProof(size1, size2 + 1).length !== proof.length)
              expect(isValidConsistency(size1, size2 + 1, proof, r1, r2)).toBe(false);
            // A rewritten old tree (one leaf changed) does not verify against the same new root.
            const forked = new MemoryTree(tree.levels[0].slice(0, size2));
            const changed = c % size1;
            const leaves = forked.levels[0].map((h, i) =>
              i === changed ? leafHash(Buffer.from('forged')) : h,
            );
            const f = new MemoryTree(leaves);
            expect(
              isValidConsistency(size1, size2, f.consistencyProof(size1, size2), f.root(size1), r2),
            ).toBe(false);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('subtree proofs with start != 0 verify, and tampering fails', () => {
    fc.assert(
      fc.property(treeArb, fc.nat(), fc.nat(), fc.nat(), (tree, a, b, c) => {
        const size = 1 + (a % tree.size);
        // Pick an aligned subtree inside [0, size).
        const width = 2 ** (b % 8);
        const start = Math.floor((c % size) / width) * width;
        const end = Math.min(start + 1 + ((a + b) % width), size);
        if (end <= start) return;
        const sub = new MemoryTree(tree.levels[0].slice(start, end)).root();
        const root = tree.root(size);
        if (start === 0 && end === size) return;
        const proof = subtreeConsistencyProof(tree.read, start, end, size);
        expect(() => verifySubtreeConsistency(start, end, size, proof, sub, root)).not.toThrow();
        const wrongSub = Buffer.from(sub);
        wrongSub[0] ^= 1;
        expect(outcome(() => verifySubtreeConsistency(start, end, size, proof, wrongSub, root))).toBe(true);
        if (proof.length > 0)
          expect(
            outcome(() => verifySubtreeConsistency(start, end, size, flip(proof, 0, 3), sub, root)),
          ).toBe(true);
        // Subtree inclusion of each leaf of the subtree.
        const leafIdx = start + (a % (end - start));
        const inner = new MemoryTree(tree.levels[0].slice(start, end)).inclusionProof(leafIdx - start);
        expect(() =>
          verifySubtreeInclusion(leafIdx, start, end, tree.levels[0][leafIdx], inner, sub),
        ).not.toThrow();
      }),
      { numRuns: 200 },
    );
  });

  it('rejects the degenerate cases from verify.go', () => {
    const t = new MemoryTree([leafHash(Buffer.from('a'))]);
    // Consistency from size 0, even 0 -> 0 with empty roots.
    expect(isValidConsistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)).toBe(false);
    expect(isValidConsistency(0, 1, [], EMPTY_ROOT, t.root())).toBe(false);
    // Leaf hash must be exactly 32 bytes.
    expect(isValidInclusion(0, 1, Buffer.alloc(31), [], t.root())).toBe(false);
    expect(isValidInclusion(0, 1, t.levels[0][0], [], t.root())).toBe(true);
  });
});
