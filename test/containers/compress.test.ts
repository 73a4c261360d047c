import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { BulwarkError, LimitError, ParseError } from '../../src/core/errors.js';
import {
  decompressToSource,
  sniffCompression,
  type CompressionKind,
  type DecodedSource,
} from '../../src/scan/containers/compress.js';
import { BufferSource, FileSource } from '../../src/scan/source.js';
import { ctx, py, readAll } from './helpers.js';

const require = createRequire(import.meta.url);

const PICKLE = Buffer.from(
  '80049528000000000000008c05706f736978948c0673797374656d9493948c026c7394859452942e',
  'hex',
);
const TEXT = Buffer.from('The quick brown fox jumps over the lazy dog. '.repeat(2000));
const RANDOMISH = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 2654435761) >>> 24));

async function decode(
  data: Uint8Array,
  kind: CompressionKind,
  c = ctx(),
): Promise<{ out: Buffer; src: DecodedSource }> {
  const s = await decompressToSource(new BufferSource(data), kind, c);
  try {
    return { out: await readAll(s), src: s };
  } finally {
    await s.close();
  }
}

function pyc(module: string, expr: string, input: Uint8Array): Buffer {
  return py(`import sys, ${module}\ndata = sys.stdin.buffer.read()\nsys.stdout.buffer.write(${expr})`, input);
}

const gz = (d: Uint8Array): Buffer => zlib.gzipSync(d);
const bz = (d: Uint8Array): Buffer => pyc('bz2', 'bz2.compress(data)', d);
const xz = (d: Uint8Array, check = 'lzma.CHECK_CRC64'): Buffer =>
  pyc('lzma', `lzma.compress(data, check=${check})`, d);
const lzmaAlone = (d: Uint8Array): Buffer => pyc('lzma', 'lzma.compress(data, format=lzma.FORMAT_ALONE)', d);
const zfile = (d: Uint8Array): Buffer =>
  Buffer.concat([
    Buffer.from('ZF'),
    Buffer.from(`0x${d.length.toString(16)}`.padEnd(19)),
    zlib.deflateSync(d),
  ]);

/** A zstd frame made of raw/RLE blocks (no entropy coding needed to build it). */
function zstdFrame(
  blocks: Array<{ raw: Uint8Array } | { rle: number; count: number }>,
  contentSize: number,
): Buffer {
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xa0])];
  const fcs = Buffer.alloc(4);
  fcs.writeUInt32LE(contentSize);
  parts.push(fcs);
  blocks.forEach((b, i) => {
    const last = i === blocks.length - 1 ? 1 : 0;
    const hdr = Buffer.alloc(3);
    if ('raw' in b) {
      hdr.writeUIntLE(last | (0 << 1) | (b.raw.length << 3), 0, 3);
      parts.push(hdr, Buffer.from(b.raw));
    } else {
      hdr.writeUIntLE(last | (1 << 1) | (b.count << 3), 0, 3);
      parts.push(hdr, Buffer.from([b.rle]));
    }
  });
  return Buffer.concat(parts);
}

describe('sniffCompression', () => {
  it('recognises each format', () => {
    expect(sniffCompression(gz(TEXT))).toBe('gzip');
    expect(sniffCompression(zlib.deflateSync(TEXT))).toBe('zlib');
    expect(sniffCompression(zlib.deflateSync(TEXT, { level: 1 }))).toBe('zlib');
    expect(sniffCompression(zlib.deflateSync(TEXT, { level: 9 }))).toBe('zlib');
    expect(sniffCompression(bz(TEXT).subarray(0, 4096))).toBe('bzip2');
    expect(sniffCompression(xz(TEXT))).toBe('xz');
    expect(sniffCompression(lzmaAlone(PICKLE))).toBe('lzma');
    expect(sniffCompression(lzmaAlone(TEXT).subarray(0, 4096))).toBe('lzma');
    expect(sniffCompression(zfile(PICKLE))).toBe('zfile');
    expect(sniffCompression(zstdFrame([{ raw: PICKLE }], PICKLE.length))).toBe('zstd');
  });

  it('does not mistake pickles, text or zips for compressed data', () => {
    expect(sniffCompression(PICKLE)).toBeNull();
    // protocol-0 pickle "(S'..." passes the 2-byte zlib header check; the trial inflate rejects it
    expect(sniffCompression(Buffer.from("(S'abc'\np0\nS'def'\np1\ntp2\n."))).toBeNull();
    expect(sniffCompression(Buffer.from('hello world'))).toBeNull();
    expect(sniffCompression(Buffer.from('PK\x03\x04rest', 'latin1'))).toBeNull();
    expect(sniffCompression(new Uint8Array(0))).toBeNull();
    expect(sniffCompression(Buffer.from([0x5d, 0, 0, 0x10, 0, 0xff, 0xff]))).toBeNull();
  });
});

describe('decompressToSource', () => {
  const cases: Array<[string, CompressionKind, () => Buffer, Buffer]> = [
    ['gzip', 'gzip', () => gz(TEXT), TEXT],
    ['gzip (random)', 'gzip', () => gz(RANDOMISH), RANDOMISH],
    ['zlib', 'zlib', () => zlib.deflateSync(PICKLE), PICKLE],
    ['zfile', 'zfile', () => zfile(TEXT), TEXT],
    ['bzip2', 'bzip2', () => bz(TEXT), TEXT],
    ['bzip2 (random)', 'bzip2', () => bz(RANDOMISH), RANDOMISH],
    ['xz', 'xz', () => xz(TEXT), TEXT],
    ['xz crc32', 'xz', () => xz(TEXT, 'lzma.CHECK_CRC32'), TEXT],
    ['xz sha256', 'xz', () => xz(PICKLE, 'lzma.CHECK_SHA256'), PICKLE],
    ['xz none', 'xz', () => xz(PICKLE, 'lzma.CHECK_NONE'), PICKLE],
    ['lzma alone (joblib)', 'lzma', () => lzmaAlone(TEXT), TEXT],
    ['lzma alone (random)', 'lzma', () => lzmaAlone(RANDOMISH), RANDOMISH],
    ['lzma alone (empty)', 'lzma', () => lzmaAlone(new Uint8Array(0)), Buffer.alloc(0)],
    [
      'lzma alone, known size (LZMA-JS)',
      'lzma',
      () =>
        Buffer.from((require('lzma') as { compress(d: Uint8Array, m: number): number[] }).compress(TEXT, 9)),
      TEXT,
    ],
    [
      'zstd (raw/rle blocks)',
      'zstd',
      () => zstdFrame([{ raw: PICKLE }, { rle: 0x41, count: 1000 }], PICKLE.length + 1000),
      Buffer.concat([PICKLE, Buffer.alloc(1000, 0x41)]),
    ],
  ];
  for (const [label, kind, make, expected] of cases) {
    it(`decodes ${label}`, async () => {
      const { out, src } = await decode(make(), kind);
      expect(out.length).toBe(expected.length);
      expect(out.equals(expected)).toBe(true);
      expect(src.anomalies).toEqual([]);
    });
  }

  it('decodes every gzip member, skipping zero padding; trailing garbage is an anomaly', async () => {
    const two = Buffer.concat([gz(PICKLE), Buffer.alloc(16), gz(TEXT)]);
    expect((await decode(two, 'gzip')).out.equals(Buffer.concat([PICKLE, TEXT]))).toBe(true);
    const named = py(
      `import gzip, io, sys\nb = io.BytesIO()\nwith gzip.GzipFile(filename='model.pkl', mode='wb', fileobj=b) as f: f.write(sys.stdin.buffer.read())\nsys.stdout.buffer.write(b.getvalue())`,
      PICKLE,
    );
    expect((await decode(named, 'gzip')).out.equals(PICKLE)).toBe(true);
    const junk = await decode(Buffer.concat([gz(PICKLE), Buffer.from('garbage!')]), 'gzip');
    expect(junk.out.equals(PICKLE)).toBe(true);
    expect(junk.src.anomalies).toContain('trailing-data');
    const badCrc = gz(PICKLE);
    badCrc.writeUInt32LE(0xdeadbeef, badCrc.length - 8);
    const b = await decode(badCrc, 'gzip');
    expect(b.out.equals(PICKLE)).toBe(true);
    expect(b.src.anomalies).toContain('crc-mismatch');
  });

  it('decodes multi-stream bzip2, concatenated and padded xz, concatenated lzma', async () => {
    expect(
      (await decode(Buffer.concat([bz(PICKLE), bz(TEXT)]), 'bzip2')).out.equals(
        Buffer.concat([PICKLE, TEXT]),
      ),
    ).toBe(true);
    const x = await decode(Buffer.concat([xz(PICKLE), Buffer.alloc(8), xz(TEXT), Buffer.alloc(4)]), 'xz');
    expect(x.out.equals(Buffer.concat([PICKLE, TEXT]))).toBe(true);
    expect(x.src.anomalies).toEqual([]);
    const xj = await decode(Buffer.concat([xz(PICKLE), Buffer.from('junk')]), 'xz');
    expect(xj.out.subarray(0, PICKLE.length).equals(PICKLE)).toBe(true);
    expect(xj.src.anomalies).toContain('trailing-data');
    const l = await decode(Buffer.concat([lzmaAlone(PICKLE), lzmaAlone(TEXT)]), 'lzma');
    expect(l.out.equals(Buffer.concat([PICKLE, TEXT]))).toBe(true);
    const lj = await decode(Buffer.concat([lzmaAlone(PICKLE), Buffer.from('trailing junk')]), 'lzma');
    expect(lj.out.equals(PICKLE)).toBe(true);
    expect(lj.src.anomalies).toContain('trailing-data');
  });

  it('rejects corrupt and truncated data with ParseError', async () => {
    const bad: Array<[CompressionKind, Buffer]> = [
      ['gzip', gz(TEXT).subarray(0, 200)],
      ['gzip', Buffer.from('not gzip at all')],
      ['zlib', zlib.deflateSync(TEXT).subarray(0, 100)],
      ['zfile', Buffer.from('ZF nothing')],
      ['bzip2', bz(TEXT).subarray(0, 100)],
      ['bzip2', Buffer.from('BZh9garbagegarbage')],
      ['xz', xz(TEXT).subarray(0, 100)],
      ['xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0])],
      ['lzma', lzmaAlone(TEXT).subarray(0, 100)],
      [
        'lzma',
        Buffer.from([0x5d, 0, 0, 0x10, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5]),
      ],
      ['zstd', Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x01, 0x02])],
      ...(['gzip', 'zlib', 'zfile', 'bzip2', 'xz', 'lzma', 'zstd'] as const).map(
        (k): [CompressionKind, Buffer] => [k, Buffer.alloc(0)],
      ),
    ];
    for (const [kind, data] of bad) {
      const err = await decompressToSource(new BufferSource(data), kind, ctx()).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, `${kind} ${data.length}`).toBeInstanceOf(ParseError);
    }
  });

  it('stops bombs in every codec with LimitError', async () => {
    const zeros = Buffer.alloc(40 * 1024 * 1024);
    const bombs: Array<[CompressionKind, Buffer]> = [
      ['gzip', gz(zeros)],
      ['zlib', zlib.deflateSync(zeros)],
      ['bzip2', bz(zeros)],
      ['xz', xz(zeros)],
      ['lzma', lzmaAlone(zeros)],
      [
        'zstd',
        zstdFrame(
          Array.from({ length: 320 }, () => ({ rle: 0, count: 128 * 1024 })),
          320 * 128 * 1024,
        ),
      ],
    ];
    for (const [kind, data] of bombs) {
      const c = ctx({ maxDecompressedBytes: 8 * 1024 * 1024 });
      const err = await decompressToSource(new BufferSource(data), kind, c).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, kind).toBeInstanceOf(LimitError);
      expect((err as LimitError).limit).toBe('maxDecompressedBytes');
      expect(c.budget.decompressed).toBeLessThan(16 * 1024 * 1024);
      const r = ctx({ ratioFloorBytes: 1024 * 1024, maxCompressionRatio: 50 });
      await expect(decompressToSource(new BufferSource(data), kind, r), kind).rejects.toMatchObject({
        limit: 'maxCompressionRatio',
      });
    }
  });

  it('honours the deadline', async () => {
    const c = ctx();
    c.budget = { decompressed: 0, deadline: Date.now() - 1 };
    await expect(decompressToSource(new BufferSource(gz(TEXT)), 'gzip', c)).rejects.toMatchObject({
      limit: 'timeoutMs',
    });
  });

  it('spills big outputs to a temporary file removed on close', async () => {
    const before = new Set(readdirSync(tmpdir()).filter((d) => d.startsWith('bulwark-')));
    const data = Buffer.concat([TEXT, RANDOMISH, TEXT]);
    const s = await decompressToSource(new BufferSource(xz(data)), 'xz', ctx({ inMemoryBytes: 32 * 1024 }));
    expect(s).toBeInstanceOf(FileSource);
    const mine = readdirSync(tmpdir()).filter((d) => d.startsWith('bulwark-') && !before.has(d));
    const ours = mine.find((d) => {
      try {
        return existsSync(join(tmpdir(), d, 'data'));
      } catch {
        return false;
      }
    });
    expect(ours).toBeDefined();
    expect((await readAll(s)).equals(data)).toBe(true);
    await s.close();
    expect(existsSync(join(tmpdir(), ours as string))).toBe(false);
  });

  it('zstd input over the in-memory bound is refused up front', async () => {
    const big = { size: 2 ** 40, bytesRead: 0 } as unknown as BufferSource;
    const err = await decompressToSource(big, 'zstd', ctx()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BulwarkError);
    expect((err as BulwarkError).code).toBe('E_LIMIT');
  });
});
