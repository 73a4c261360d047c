import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LimitError, ParseError } from '../../../src/core/errors.js';
import { decodeMarshalCode, looksLikeMarshalCode } from '../../../src/scan/formats/keras/marshal.js';
import { summarizeCode } from '../../../src/scan/formats/keras/config-analyzer.js';

/** Code objects written by CPython 2.7 and 3.6–3.13 (scripts/gen-keras-fixtures.py; compiled, never run). */
interface Vector {
  source: string;
  b64: string;
  names: string[];
  strings: string[];
  codeObjects: number;
}
const vectors = JSON.parse(
  readFileSync(path.join(__dirname, '../../../fixtures/formats/keras/marshal-vectors.json'), 'utf8'),
) as Record<string, Vector[]>;

function expectedLayout(version: string): string {
  const [major, minor] = version.split('.').map(Number);
  if (major === 2) return '2.7';
  if (minor <= 7) return '3.0-3.7';
  if (minor <= 10) return '3.8-3.10';
  return '3.11+';
}

describe('marshal code objects from every CPython layout', () => {
  it('has vectors for Python 3.7 to 3.12 at least', () => {
    for (const v of ['3.7', '3.8', '3.9', '3.10', '3.11', '3.12']) expect(Object.keys(vectors)).toContain(v);
  });
  for (const [version, list] of Object.entries(vectors)) {
    for (const v of list) {
      it(`Python ${version}: ${v.source}`, () => {
        const bytes = Buffer.from(v.b64, 'base64');
        expect(looksLikeMarshalCode(bytes)).toBe(true);
        const mc = decodeMarshalCode(bytes);
        expect(mc.layout).toBe(expectedLayout(version));
        expect(mc.trailing).toBe(0);
        const sum = summarizeCode(mc);
        expect([...sum.names].sort()).toEqual(v.names);
        for (const s of v.strings) expect(sum.strings).toContain(s);
        expect(sum.codeObjects).toBe(v.codeObjects);
        expect(mc.code.name).toBe('<lambda>');
      });
    }
  }
});

describe('marshal reader bounds', () => {
  const sample = Buffer.from(vectors['3.11'][0].b64, 'base64');

  it('rejects data that is not a code object', () => {
    expect(() => decodeMarshalCode(Buffer.from('N'))).toThrow(ParseError);
    expect(() => decodeMarshalCode(Buffer.from('hello world, not marshal'))).toThrow(ParseError);
  });

  it('rejects every truncation of a valid code object', () => {
    for (let n = 16; n < sample.length; n++)
      expect(() => decodeMarshalCode(sample.subarray(0, n))).toThrow(ParseError);
  });

  it('ignores trailing bytes like marshal.loads', () => {
    const mc = decodeMarshalCode(Buffer.concat([sample, Buffer.from('junk')]));
    expect(mc.trailing).toBe(4);
  });

  it('stops at the nesting limit', () => {
    // A code object whose co_code is a tuple nested 10 000 levels deep.
    const head = Buffer.alloc(1 + 20);
    head[0] = 0xe3;
    const deep = Buffer.concat([head, Buffer.alloc(10_000, 0x29).map((_, i) => (i % 2 ? 1 : 0x29))]);
    expect(() => decodeMarshalCode(deep)).toThrow(LimitError);
  });

  it('stops at the object limit', () => {
    const lim = { maxObjects: 5, maxDepth: 200, maxStringChars: 100 };
    expect(() => decodeMarshalCode(sample, lim)).toThrow(LimitError);
  });

  it('does not allocate for huge declared sizes', () => {
    const b = Buffer.alloc(40);
    b[0] = 0xe3;
    b[21] = 0x28; // '(' tuple
    b.writeInt32LE(0x7fffffff, 22);
    expect(() => decodeMarshalCode(b)).toThrow(ParseError);
  });

  it('never throws anything but ParseError or LimitError on random or mutated input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 400 }), (arr) => {
        arr[0] = 0xe3;
        try {
          decodeMarshalCode(arr);
        } catch (err) {
          expect(err instanceof ParseError || err instanceof LimitError).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(sample.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        (muts) => {
          const b = Buffer.from(sample);
          for (const [i, v] of muts) b[i] = v;
          try {
            decodeMarshalCode(b);
          } catch (err) {
            expect(err instanceof ParseError || err instanceof LimitError).toBe(true);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
