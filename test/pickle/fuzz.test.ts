import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/core/limits.js';
import { LimitError } from '../../src/core/errors.js';
import { scanBytes } from '../../src/scan/engine.js';
import { PicklePolicy } from '../../src/scan/pickle/policy.js';
import { PickleVM } from '../../src/scan/pickle/vm.js';
import { VERDICTS } from '../../src/core/verdict.js';
import { PickleAsm } from '../helpers/pickle-asm.js';

const policy = new PicklePolicy();
const SMALL_LIMITS = {
  ...DEFAULT_LIMITS,
  maxMemo: 5000,
  maxStack: 20000,
  maxMarkDepth: 500,
  maxRetainedString: 4096,
  maxStringArena: 1 << 20,
};

/** Valid pickles to mutate: they exercise most opcodes. */
const SEEDS = [
  PickleAsm.call('os', 'system', 'echo x'),
  new PickleAsm().global('os', 'system').mark().string0('id').tuple().reduce().stop().bytes(),
  new PickleAsm().proto(4).frame(12).emptyDict().memoize().mark().str('k').int(7).setitems().stop().bytes(),
  new PickleAsm()
    .proto(2)
    .mark()
    .global('collections', 'OrderedDict')
    .obj()
    .emptyDict()
    .build()
    .stop()
    .bytes(),
  new PickleAsm().proto(4).str('a').memoize().get(0).get(0).tuple2().pop().ext1(3).newtrue().stop().bytes(),
];

function runVm(data: Uint8Array, chunk: number): void {
  const vm = new PickleVM({ limits: SMALL_LIMITS, policy });
  try {
    for (let i = 0; i < data.length && !vm.finished; i += chunk) vm.feed(data.subarray(i, i + chunk));
    const r = vm.end();
    expect(r.opcodes).toBeLessThanOrEqual(data.length + 1);
  } catch (err) {
    if (!(err instanceof LimitError)) throw err;
  }
}

describe('pickle VM fuzzing: every input ends in a result within bounds', () => {
  it('random bytes never crash or hang the machine', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 512 }),
        fc.integer({ min: 1, max: 64 }),
        (data, chunk) => {
          const t = Date.now();
          runVm(data, chunk);
          expect(Date.now() - t).toBeLessThan(1000);
        },
      ),
      { numRuns: 800, seed: 42 },
    );
  });

  it('mutated valid pickles never crash; the scan always yields a verdict', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SEEDS),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 16 }),
        async (seed, flips, chunk) => {
          const data = Uint8Array.from(seed);
          for (const [pos, val] of flips) data[pos % data.length] = val;
          runVm(data, chunk);
          const r = await scanBytes(data, 'fuzz.pkl', { limits: SMALL_LIMITS });
          expect(VERDICTS).toContain(r.verdict);
        },
      ),
      { numRuns: 400, seed: 7 },
    );
  });

  it('hostile nesting and huge declared lengths stay bounded', async () => {
    const deep = new Uint8Array(100_000).fill(0x28); // 100k MARKs
    const r1 = await scanBytes(Uint8Array.from([0x80, 0x04, ...deep]), 'deep.pkl', { limits: SMALL_LIMITS });
    expect(r1.verdict).toBe('inconclusive');
    // BINUNICODE8 declaring 2^50 bytes in a 20-byte file.
    const huge = Uint8Array.from([0x80, 0x04, 0x8d, 0, 0, 0, 0, 0, 0, 4, 0, 0x61, 0x2e]);
    const r2 = await scanBytes(huge, 'huge.pkl');
    expect(r2.verdict).toBe('inconclusive');
    // Memo slot far beyond the memo bound goes to the sparse map, not a giant array.
    const sparse = new PickleAsm()
      .proto(4)
      .none()
      .raw(0x72, 0xff, 0xff, 0xff, 0x7f)
      .raw(0x6a, 0xff, 0xff, 0xff, 0x7f)
      .stop()
      .bytes();
    const r3 = await scanBytes(sparse, 'sparse.pkl');
    expect(r3.verdict).toBe('clean');
  });
});
