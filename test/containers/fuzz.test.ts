import { readFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

import { BulwarkError } from '../../src/core/errors.js';
import { decompressToSource, type CompressionKind } from '../../src/scan/containers/compress.js';
import { readTar } from '../../src/scan/containers/tar.js';
import { openZipEntry, readZip } from '../../src/scan/containers/zip.js';
import { BufferSource } from '../../src/scan/source.js';
import { buildZip } from '../helpers/zip-writer.js';
import { ctx, py, within } from './helpers.js';

const PICKLE = Buffer.from(
  '80049528000000000000008c05706f736978948c0673797374656d9493948c026c7394859452942e',
  'hex',
);
const TEXT = Buffer.from('fuzzing the container layer with hostile bytes; '.repeat(40));

/** Runs per property; raise with BULWARK_FUZZ_SCALE=10 for a longer local session. */
const SCALE = Number(process.env.BULWARK_FUZZ_SCALE ?? '1') || 1;
const runs = (n: number): number => Math.round(n * SCALE);

const small = () =>
  ctx({
    maxDecompressedBytes: 4 * 1024 * 1024,
    inMemoryBytes: 256 * 1024,
    ratioFloorBytes: 512 * 1024,
    maxCompressionRatio: 200,
    maxMembers: 200,
  });

/** Only BulwarkErrors (ParseError, LimitError, E_UNSUPPORTED) may escape. */
function expectBulwark(err: unknown): void {
  if (!(err instanceof BulwarkError)) {
    throw new Error(
      `unexpected ${err instanceof Error ? `${err.name}: ${err.message}\n${err.stack}` : String(err)}`,
    );
  }
}

async function exerciseZip(bytes: Uint8Array): Promise<void> {
  const src = new BufferSource(bytes);
  let listing;
  try {
    listing = await readZip(src, { maxMembers: 200 });
  } catch (err) {
    expectBulwark(err);
    return;
  }
  expect(Array.isArray(listing.entries)).toBe(true);
  for (const e of listing.entries.slice(0, 8)) {
    try {
      const m = await openZipEntry(src, e, small());
      await m.read(0, Math.min(m.size, 1024 * 1024));
      await m.close();
    } catch (err) {
      expectBulwark(err);
    }
  }
}

const SIGS = ['PK\x03\x04', 'PK\x01\x02', 'PK\x05\x06', 'PK\x06\x06', 'PK\x06\x07', 'PK\x07\x08'].map((s) =>
  Buffer.from(s, 'latin1'),
);

/** Random bytes with ZIP signatures sprinkled in, so that the parsers get past their first checks. */
const zipish = fc
  .array(fc.oneof(fc.constantFrom(...SIGS), fc.uint8Array({ maxLength: 48 })), { maxLength: 40 })
  .map((parts) => Buffer.concat(parts));

const mutation = fc.record({
  edits: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 12 }),
  cut: fc.option(fc.nat(), { nil: undefined }),
});

function mutate(base: Uint8Array, m: { edits: Array<{ at: number; value: number }>; cut?: number }): Buffer {
  const b = Buffer.from(base);
  for (const e of m.edits) if (b.length) b[e.at % b.length] = e.value;
  return m.cut !== undefined && b.length ? b.subarray(0, m.cut % (b.length + 1)) : b;
}

let zipBases: Buffer[] = [];
let tarBases: Buffer[] = [];
let streams: Array<[CompressionKind, Buffer]> = [];

beforeAll(() => {
  const pyZip = py(`
import zipfile, io, sys
b = io.BytesIO()
with zipfile.ZipFile(b, 'w') as z:
    z.writestr(zipfile.ZipInfo('bz.pkl'), b'x' * 3000, compress_type=zipfile.ZIP_BZIP2)
    z.writestr(zipfile.ZipInfo('lz.pkl'), b'y' * 3000, compress_type=zipfile.ZIP_LZMA)
sys.stdout.buffer.write(b.getvalue())
`);
  zipBases = [
    Buffer.from(
      buildZip([
        { name: 'a/data.pkl', data: PICKLE, method: 0 },
        { name: 'b', data: TEXT, method: 8 },
      ]),
    ),
    Buffer.from(
      buildZip(
        [
          { name: 'archive/data.pkl', data: PICKLE, method: 0, dataDescriptor: true },
          { name: 'archive/x', data: TEXT, method: 8, dataDescriptor: true },
        ],
        { noCentralDirectory: true },
      ),
    ),
    Buffer.from(buildZip([{ name: 'z64', data: TEXT, method: 8, zip64: true }], { zip64Eocd: true })),
    Buffer.from(
      buildZip([{ name: 'p', data: PICKLE, flags: 0x41, localName: 'q' }], { prefix: Buffer.from('MZ..') }),
    ),
    pyZip,
  ];
  tarBases = [
    py(`
import io, sys, tarfile
b = io.BytesIO()
for fmt in (tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT):
    with tarfile.open(fileobj=b, mode='w', format=fmt) as t:
        for name, data in (('a/' * 60 + 'data.pkl', b'\\x80\\x04.'), ('x', b'y' * 700)):
            ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
        ti = tarfile.TarInfo('l'); ti.type = tarfile.SYMTYPE; ti.linkname = '../' * 20; t.addfile(ti)
    sys.stdout.buffer.write(b.getvalue()); b.seek(0); b.truncate()
`),
  ];
  const pyc = (expr: string) =>
    py(`import sys, bz2, lzma\nd = sys.stdin.buffer.read()\nsys.stdout.buffer.write(${expr})`, TEXT);
  streams = [
    ['gzip', zlib.gzipSync(TEXT)],
    ['zlib', zlib.deflateSync(TEXT)],
    ['bzip2', pyc('bz2.compress(d)')],
    ['xz', pyc('lzma.compress(d)')],
    ['lzma', pyc('lzma.compress(d, format=lzma.FORMAT_ALONE)')],
    // LZ4: python-lz4 fixtures (linked blocks with checksums; the legacy format), committed under fixtures/.
    ...['linked_blocks.pkl.lz4', 'independent_blocks.pkl.lz4', 'legacy.pkl.lz4'].map(
      (f): [CompressionKind, Buffer] => [
        'lz4',
        readFileSync(path.resolve(__dirname, '../../fixtures/formats/lz4', f)),
      ],
    ),
  ];
});

describe('fuzz: ZIP reader', () => {
  it(
    'random bytes end in a listing or a BulwarkError',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 2048 }), zipish), (bytes) =>
          within(exerciseZip(bytes), 10_000),
        ),
        { numRuns: runs(400) },
      );
    },
    120_000 * SCALE,
  );

  it(
    'mutated valid archives end in a listing or a BulwarkError',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.nat(), mutation, (which, m) =>
          within(exerciseZip(mutate(zipBases[which % zipBases.length], m)), 10_000),
        ),
        { numRuns: runs(500) },
      );
    },
    180_000 * SCALE,
  );
});

describe('fuzz: tar reader', () => {
  async function exerciseTar(bytes: Uint8Array): Promise<void> {
    try {
      const l = await readTar(new BufferSource(bytes), { maxMembers: 200 });
      for (const e of l.entries) {
        expect(e.dataOffset + e.size <= bytes.length || l.truncated).toBe(true);
      }
    } catch (err) {
      expectBulwark(err);
    }
  }
  it(
    'random bytes end in a listing or a BulwarkError',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 3000 }), (b) =>
          within(exerciseTar(b), 5_000),
        ),
        { numRuns: runs(300) },
      );
    },
    60_000 * SCALE,
  );
  it(
    'mutated valid archives end in a listing or a BulwarkError',
    async () => {
      await fc.assert(
        fc.asyncProperty(mutation, (m) => within(exerciseTar(mutate(tarBases[0], m)), 5_000)),
        { numRuns: runs(400) },
      );
    },
    60_000 * SCALE,
  );
});

describe('fuzz: decompressors', () => {
  it(
    'mutated streams end in data or a BulwarkError',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.nat(), mutation, async (which, m) => {
          const [kind, base] = streams[which % streams.length];
          await within(
            (async () => {
              try {
                const s = await decompressToSource(new BufferSource(mutate(base, m)), kind, small());
                await s.close();
              } catch (err) {
                expectBulwark(err);
              }
            })(),
            10_000,
          );
        }),
        { numRuns: runs(300) },
      );
    },
    180_000 * SCALE,
  );
});
