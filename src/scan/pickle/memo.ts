import type { Box } from './values.js';

const BLOCK_BITS = 16;
const BLOCK = 1 << BLOCK_BITS;
const MASK = BLOCK - 1;

/**
 * The pickle memo: slot index → (kind, 32-bit payload, optional object). Dense indices live in 64Ki-slot blocks
 * allocated on first use (no regrowth copies, memory follows the slots actually used); indices at or above
 * `denseLimit` go to a map, so a hostile LONG_BINPUT 0xffffffff costs one entry, not a 4-billion-slot array.
 */
export class Memo {
  private kinds: (Uint8Array | undefined)[] = [];
  private vals: (Int32Array | undefined)[] = [];
  private objs = new Map<number, Box>();
  private sparse = new Map<number, [number, number, Box | undefined]>();
  /** Filled slots (MEMOIZE stores at this index). */
  count = 0;
  /** Payload and object of the last successful get(). */
  a = 0;
  o: Box | undefined;

  constructor(private readonly denseLimit: number) {}

  put(idx: number, kind: number, a: number, o: Box | undefined): void {
    if (idx < this.denseLimit) {
      const b = idx >>> BLOCK_BITS;
      let ks = this.kinds[b];
      let vs = this.vals[b];
      if (ks === undefined || vs === undefined) {
        ks = this.kinds[b] = new Uint8Array(BLOCK);
        vs = this.vals[b] = new Int32Array(BLOCK);
      }
      const i = idx & MASK;
      if (ks[i] === 0) this.count++;
      ks[i] = kind;
      vs[i] = a;
      if (o !== undefined) this.objs.set(idx, o);
      else if (this.objs.size !== 0) this.objs.delete(idx);
      return;
    }
    if (!this.sparse.has(idx)) this.count++;
    this.sparse.set(idx, [kind, a, o]);
  }

  /** Kind stored at idx (0 when empty); payload in this.a, object in this.o. */
  get(idx: number): number {
    if (idx < this.denseLimit) {
      const ks = this.kinds[idx >>> BLOCK_BITS];
      if (ks === undefined) return 0;
      const k = ks[idx & MASK];
      if (k === 0) return 0;
      this.a = this.vals[idx >>> BLOCK_BITS]![idx & MASK];
      this.o = this.objs.size !== 0 ? this.objs.get(idx) : undefined;
      return k;
    }
    const s = this.sparse.get(idx);
    if (!s) return 0;
    this.a = s[1];
    this.o = s[2];
    return s[0];
  }

  clear(): void {
    if (this.count === 0) return;
    this.kinds = [];
    this.vals = [];
    this.objs.clear();
    this.sparse.clear();
    this.count = 0;
  }
}
