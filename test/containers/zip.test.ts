import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';

import { afterAll, describe, expect, it } from 'vitest';

import { BulwarkError, LimitError, ParseError } from '../../src/core/errors.js';
import { checkZipEntryCrc, openZipEntry, readZip, type ZipEntry } from '../../src/scan/containers/zip.js';
import { BufferSource, FileSource, type ByteSource } from '../../src/scan/source.js';
import { buildZip, type ZipWriterEntry } from '../helpers/zip-writer.js';
import { CORPUS, ctx, hasCorpus, py, readAll } from './helpers.js';

const PICKLE = Buffer.from(
  '80049528000000000000008c05706f736978948c0673797374656d9493948c026c7394859452942e',
  'hex',
);

function src(b: Uint8Array): BufferSource {
  return new BufferSource(b);
}

async function list(b: Uint8Array, maxMembers = 1000) {
  return readZip(src(b), { maxMembers });
}

async function content(b: Uint8Array | ByteSource, e: ZipEntry, c = ctx()): Promise<Buffer> {
  const s = b instanceof Uint8Array ? src(b) : b;
  const m = await openZipEntry(s, e, c);
  try {
    return await readAll(m);
  } finally {
    await m.close();
  }
}

function byName(entries: ZipEntry[], name: string): ZipEntry {
  const e = entries.find((x) => x.name === name);
  if (!e) throw new Error(`no entry ${name}: ${entries.map((x) => x.name).join(', ')}`);
  return e;
}

describe('readZip / openZipEntry on crafted archives', () => {
  it('lists and reads stored and deflated members', async () => {
    const z = buildZip([
      { name: 'archive/data.pkl', data: PICKLE, method: 0 },
      { name: 'archive/version', data: '3\n', method: 8 },
      { name: 'dir/', data: '', method: 0 },
    ]);
    const l = await list(z);
    expect(l.centralDirectoryFound).toBe(true);
    expect(l.anomalies).toEqual([]);
    expect(l.entries.map((e) => e.name)).toEqual(['archive/data.pkl', 'archive/version', 'dir/']);
    const pkl = byName(l.entries, 'archive/data.pkl');
    expect(pkl.anomalies).toEqual([]);
    expect(pkl.dataOffset).toBe(30 + 'archive/data.pkl'.length);
    expect(await content(z, pkl)).toEqual(PICKLE);
    expect((await content(z, byName(l.entries, 'archive/version'))).toString()).toBe('3\n');
    expect(byName(l.entries, 'dir/').isDirectory).toBe(true);
  });

  it('stored members are windows of the source and are not read when opened', async () => {
    const s = src(buildZip([{ name: 'a', data: Buffer.alloc(100_000, 1), method: 0 }]));
    const l = await readZip(s, { maxMembers: 10 });
    const before = s.bytesRead;
    const m = await openZipEntry(s, l.entries[0], ctx());
    expect(s.bytesRead).toBe(before);
    expect(m.size).toBe(100_000);
    expect((await m.read(99_999, 1))[0]).toBe(1);
  });

  it('keeps reading past a corrupted CRC and records crc-mismatch (CVE-2025-10156)', async () => {
    const z = buildZip([
      { name: 'a.pkl', data: PICKLE, method: 8, crc: 0x12345678 },
      { name: 'b.pkl', data: PICKLE, method: 0, crc: 0x12345678 },
    ]);
    const l = await list(z);
    const a = byName(l.entries, 'a.pkl');
    expect(await content(z, a)).toEqual(PICKLE);
    expect(a.anomalies).toContain('crc-mismatch');
    const b = byName(l.entries, 'b.pkl');
    const m = await openZipEntry(src(z), b, ctx());
    expect((await m.read(0, 1))[0]).toBe(0x80);
    expect(await checkZipEntryCrc(m, b)).toBe(false);
    expect(b.anomalies).toContain('crc-mismatch');
  });

  it('uses the central name and reports a different local name', async () => {
    const z = buildZip([{ name: 'data.pkl', localName: 'datap.kl', data: PICKLE }]);
    const l = await list(z);
    expect(l.entries).toHaveLength(1);
    const e = l.entries[0];
    expect(e.name).toBe('data.pkl');
    expect(e.localName).toBe('datap.kl');
    expect(e.anomalies).toContain('local-name-mismatch');
    expect(e.dataOffset).toBe(30 + 8);
    expect((await content(z, e))[0]).toBe(0x80);
  });

  it('dataOffset follows the local header lengths, not the central ones', async () => {
    const z = buildZip([
      { name: 'x.pkl', localName: 'a-much-longer-local-name.pkl', data: PICKLE, method: 0 },
    ]);
    const e = (await list(z)).entries[0];
    expect(e.dataOffset).toBe(30 + 'a-much-longer-local-name.pkl'.length);
    expect(await content(z, e)).toEqual(PICKLE);
  });

  for (const flags of [0x1, 0x20, 0x40, 0x41]) {
    it(`ignores flag bits 0x${flags.toString(16)} when reading (like PyTorch) and reports them`, async () => {
      for (const method of [0, 8]) {
        const z = buildZip([{ name: 'model/config.pkl', data: PICKLE, method, flags }]);
        const e = (await list(z)).entries[0];
        expect(e.anomalies).toContain(`flag-bits:0x${flags.toString(16)}`);
        expect(e.encrypted).toBe((flags & 1) === 1);
        expect(await content(z, e)).toEqual(PICKLE);
      }
    });
  }

  it('reads PyTorch-style members with data descriptors', async () => {
    const z = buildZip([
      { name: 'archive/data.pkl', data: PICKLE, method: 0, dataDescriptor: true, flags: 0x800 },
      { name: 'archive/data/0', data: Buffer.alloc(64, 7), method: 0, dataDescriptor: true, flags: 0x800 },
    ]);
    const l = await list(z);
    expect(l.anomalies).toEqual([]);
    const e = byName(l.entries, 'archive/data.pkl');
    expect(e.anomalies).toEqual(['data-descriptor']);
    expect(e.compressedSize).toBe(PICKLE.length);
    expect(await content(z, e)).toEqual(PICKLE);
  });

  it('finds members by scanning local headers when there is no central directory', async () => {
    const z = buildZip(
      [
        { name: 'a.pkl', data: PICKLE, method: 0, dataDescriptor: true },
        {
          name: 'nested.bin',
          data: Buffer.concat([Buffer.from('PK\x03\x04'), PICKLE]),
          method: 0,
          dataDescriptor: true,
        },
        { name: 'b.pkl', data: PICKLE, method: 8, dataDescriptor: true },
        { name: 'c.pkl', data: PICKLE, method: 8 },
        { name: 'd.pkl', data: PICKLE, method: 8, dataDescriptor: true, descriptorSignature: false },
      ],
      { noCentralDirectory: true },
    );
    const l = await list(z);
    expect(l.centralDirectoryFound).toBe(false);
    expect(l.anomalies).toContain('no-central-directory');
    expect(l.entries.map((e) => e.name)).toEqual(['a.pkl', 'nested.bin', 'b.pkl', 'c.pkl', 'd.pkl']);
    for (const e of l.entries) expect(e.anomalies).toContain('local-only');
    expect(await content(z, byName(l.entries, 'a.pkl'))).toEqual(PICKLE);
    expect((await content(z, byName(l.entries, 'nested.bin'))).subarray(4)).toEqual(PICKLE);
    expect(await content(z, byName(l.entries, 'b.pkl'))).toEqual(PICKLE);
    expect(await content(z, byName(l.entries, 'c.pkl'))).toEqual(PICKLE);
    const d = byName(l.entries, 'd.pkl');
    expect(d.anomalies).toContain('size-unknown');
    expect(await content(z, d)).toEqual(PICKLE);
  });

  it('without its own central directory, a trailing stored zip is opened like Python does, outer entries kept', async () => {
    const inner = buildZip([{ name: 'inner.pkl', data: 'inner', method: 0 }]);
    const z = buildZip(
      [
        { name: 'a.pkl', data: PICKLE, method: 8 },
        { name: 'nested.zip', data: inner, method: 0 },
        { name: 'b.pkl', data: PICKLE, method: 8, dataDescriptor: true },
      ],
      { noCentralDirectory: true },
    );
    const l = await list(z);
    const names = l.entries.map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['inner.pkl', 'a.pkl', 'nested.zip', 'b.pkl']));
    expect(await content(z, byName(l.entries, 'b.pkl'))).toEqual(PICKLE);
    expect(await content(z, byName(l.entries, 'a.pkl'))).toEqual(PICKLE);
  });

  it('finds local entries that the central directory omits', async () => {
    const z = buildZip([
      { name: 'benign.pkl', data: 'x', method: 0 },
      { name: 'hidden.pkl', data: PICKLE, method: 8, omitFromCentral: true },
      { name: 'other.txt', data: 'y', method: 0 },
    ]);
    const l = await list(z);
    expect(l.anomalies).toContain('local-only-entries');
    const h = byName(l.entries, 'hidden.pkl');
    expect(h.origin).toBe('local');
    expect(h.anomalies).toContain('local-only');
    expect(await content(z, h)).toEqual(PICKLE);
    // an empty central directory does not hide local entries either
    const empty = buildZip([{ name: 'h.pkl', data: PICKLE, omitFromCentral: true }]);
    const l2 = await list(empty);
    expect(l2.centralDirectoryFound).toBe(true);
    expect(l2.entries.map((e) => e.name)).toEqual(['h.pkl']);
  });

  it('reports central entries without a local header (cd-only)', async () => {
    const z = Buffer.from(buildZip([{ name: 'a.pkl', data: PICKLE, method: 0 }]));
    z.writeUInt32LE(0x11111111, 0); // break the local signature
    const l = await list(z);
    const e = byName(l.entries, 'a.pkl');
    expect(e.anomalies).toContain('cd-only');
    await expect(openZipEntry(src(z), e, ctx())).rejects.toBeInstanceOf(ParseError);
  });

  it('handles ZIP64 extra fields and the ZIP64 end of central directory', async () => {
    const z = buildZip(
      [
        { name: 'a.pkl', data: PICKLE, method: 8, zip64: true },
        { name: 'b.bin', data: Buffer.alloc(1000, 3), method: 0, zip64: true, dataDescriptor: true },
      ],
      { zip64Eocd: true },
    );
    const l = await list(z);
    expect(l.centralDirectoryFound).toBe(true);
    expect(l.anomalies).toEqual([]);
    expect(await content(z, byName(l.entries, 'a.pkl'))).toEqual(PICKLE);
    const b = byName(l.entries, 'b.bin');
    expect(b.compressedSize).toBe(1000);
    expect((await content(z, b)).equals(Buffer.alloc(1000, 3))).toBe(true);
  });

  it('handles prepended data (offset bias)', async () => {
    const z = buildZip([{ name: 'a.pkl', data: PICKLE, method: 8 }], {
      prefix: Buffer.from('#!/bin/sh\nexit 0\n'),
    });
    const l = await list(z);
    expect(l.anomalies).toContain('prefix-data');
    expect(await content(z, l.entries[0])).toEqual(PICKLE);
  });

  it('reports symlinks, traversal names and duplicates', async () => {
    const z = buildZip([
      { name: 'link', data: '../../etc/passwd', method: 0, externalAttributes: (0o120777 << 16) >>> 0 },
      { name: '../evil.pkl', data: PICKLE },
      { name: 'C:\\x.pkl', data: PICKLE },
      { name: 'dup.pkl', data: 'a' },
      { name: 'dup.pkl', data: 'b' },
    ]);
    const l = await list(z);
    expect(byName(l.entries, 'link').isSymlink).toBe(true);
    expect(byName(l.entries, '../evil.pkl').anomalies).toContain('unsafe-path:traversal');
    expect(byName(l.entries, 'C:\\x.pkl').anomalies).toContain('unsafe-path:drive');
    expect(l.anomalies).toContain('duplicate-names');
    expect(l.entries.filter((e) => e.anomalies.includes('duplicate-name'))).toHaveLength(2);
  });

  it('reports overlapping entries', async () => {
    const z = Buffer.from(
      buildZip([
        { name: 'a', data: PICKLE, method: 0 },
        { name: 'b', data: 'zz', method: 0 },
      ]),
    );
    // point the second central entry at the first local header
    const cd = z.lastIndexOf(Buffer.from('PK\x01\x02', 'latin1'));
    z.writeUInt32LE(0, cd + 42);
    const l = await list(z);
    expect(l.anomalies).toContain('overlapping-entries');
  });

  it('stops decompression bombs with LimitError', async () => {
    const big = Buffer.alloc(20 * 1024 * 1024);
    const z = buildZip([{ name: 'bomb.bin', data: big, method: 8 }]);
    const e = (await list(z)).entries[0];
    await expect(openZipEntry(src(z), e, ctx({ maxDecompressedBytes: 1024 * 1024 }))).rejects.toMatchObject({
      limit: 'maxDecompressedBytes',
    });
    await expect(
      openZipEntry(src(z), e, ctx({ ratioFloorBytes: 1024 * 1024, maxCompressionRatio: 100 })),
    ).rejects.toMatchObject({ limit: 'maxCompressionRatio' });
    // the budget is shared: a second member cannot use what the first consumed
    const c = ctx({ maxDecompressedBytes: 30 * 1024 * 1024 });
    await (await openZipEntry(src(z), e, c)).close();
    await expect(openZipEntry(src(z), e, c)).rejects.toBeInstanceOf(LimitError);
  });

  it('spills large members to a temporary file that is removed on close', async () => {
    const data = Buffer.alloc(3 * 1024 * 1024, 9);
    const z = buildZip([{ name: 'big.bin', data, method: 8 }]);
    const e = (await list(z)).entries[0];
    const m = await openZipEntry(src(z), e, ctx({ inMemoryBytes: 64 * 1024 }));
    expect(m).toBeInstanceOf(FileSource);
    expect(m.size).toBe(data.length);
    expect((await readAll(m)).equals(data)).toBe(true);
    await m.close();
  });

  it('ZipCrypto-encrypted members never yield plausible data unflagged', async () => {
    const z = buildZip([
      { name: 'a.pkl', data: PICKLE, method: 0, password: 'secret' },
      { name: 'b.pkl', data: PICKLE.toString('latin1').repeat(20), method: 8, password: 'secret' },
    ]);
    const l = await list(z);
    const a = byName(l.entries, 'a.pkl');
    expect(a.encrypted).toBe(true);
    await expect(openZipEntry(src(z), a, ctx())).rejects.toBeInstanceOf(ParseError);
    const b = byName(l.entries, 'b.pkl');
    expect(b.encrypted).toBe(true);
    try {
      const m = await openZipEntry(src(z), b, ctx());
      // inflating ciphertext "worked": it must be flagged
      expect(b.anomalies).toContain('crc-mismatch');
      await m.close();
    } catch (err) {
      expect(err).toBeInstanceOf(ParseError);
    }
  });

  it('reads bzip2, lzma, xz members; refuses unknown methods with E_UNSUPPORTED', async () => {
    const payload = PICKLE.toString('latin1').repeat(50);
    const out = py(
      `
import zipfile, io, sys
data = sys.stdin.buffer.read()
b = io.BytesIO()
with zipfile.ZipFile(b, 'w') as z:
    z.writestr(zipfile.ZipInfo('bz.pkl'), data, compress_type=zipfile.ZIP_BZIP2)
    z.writestr(zipfile.ZipInfo('lz.pkl'), data, compress_type=zipfile.ZIP_LZMA)
sys.stdout.buffer.write(b.getvalue())
`,
      Buffer.from(payload, 'latin1'),
    );
    const l = await list(out);
    expect(l.anomalies).toEqual([]);
    for (const e of l.entries) {
      expect((await content(out, e)).toString('latin1')).toBe(payload);
      expect(e.anomalies).not.toContain('crc-mismatch');
    }
    const xz = py(
      `import lzma,sys; sys.stdout.buffer.write(lzma.compress(sys.stdin.buffer.read()))`,
      Buffer.from(payload, 'latin1'),
    );
    const z = buildZip([
      { name: 'x.pkl', data: Buffer.from(payload, 'latin1'), method: 95, compressed: xz },
      { name: 'd64.bin', data: 'x', method: 9, compressed: Buffer.from('garbage') },
      { name: 'aes.bin', data: 'x', method: 99, compressed: Buffer.from('garbage') },
    ]);
    const l2 = await list(z);
    expect((await content(z, byName(l2.entries, 'x.pkl'))).toString('latin1')).toBe(payload);
    for (const name of ['d64.bin', 'aes.bin']) {
      const err = await openZipEntry(src(z), byName(l2.entries, name), ctx()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BulwarkError);
      expect((err as BulwarkError).code).toBe('E_UNSUPPORTED');
    }
  });

  it('throws ParseError only when there is no zip structure at all', async () => {
    await expect(list(Buffer.from('just some text, not a zip'))).rejects.toBeInstanceOf(ParseError);
    await expect(list(new Uint8Array(0))).rejects.toBeInstanceOf(ParseError);
    const empty = await list(buildZip([]));
    expect(empty.entries).toEqual([]);
    expect(empty.centralDirectoryFound).toBe(true);
    // corrupt central directory: entries still found through local headers
    const z = Buffer.from(buildZip([{ name: 'a.pkl', data: PICKLE }]));
    const cd = z.lastIndexOf(Buffer.from('PK\x01\x02', 'latin1'));
    z.writeUInt32LE(0x99999999, cd);
    const l = await list(z);
    expect(l.centralDirectoryFound).toBe(false);
    expect(l.anomalies).toContain('central-directory-corrupt');
    expect(await content(z, byName(l.entries, 'a.pkl'))).toEqual(PICKLE);
  });

  it('enforces maxMembers', async () => {
    const entries: ZipWriterEntry[] = Array.from({ length: 20 }, (_, i) => ({
      name: `f${i}`,
      data: 'x',
      method: 0,
    }));
    await expect(list(buildZip(entries), 10)).rejects.toBeInstanceOf(LimitError);
    await expect(list(buildZip(entries, { noCentralDirectory: true }), 10)).rejects.toBeInstanceOf(
      LimitError,
    );
  });
});

describe('ZIP64 archive larger than 4 GiB (sparse file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-zip64-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a member whose local header is past 4 GiB', async () => {
    const path = join(dir, 'big.zip');
    const bigSize = 4 * 1024 * 1024 * 1024 + 4096; // stored member of zeros (sparse on disk)
    const fd = openSync(path, 'w');
    try {
      const name1 = Buffer.from('big.bin');
      const crcZeros = 0; // CRC is not checked for stored members here
      const local1 = Buffer.alloc(30 + name1.length + 20);
      local1.writeUInt32LE(0x04034b50, 0);
      local1.writeUInt16LE(45, 4);
      local1.writeUInt32LE(crcZeros, 14);
      local1.writeUInt32LE(0xffffffff, 18);
      local1.writeUInt32LE(0xffffffff, 22);
      local1.writeUInt16LE(name1.length, 26);
      local1.writeUInt16LE(20, 28);
      name1.copy(local1, 30);
      local1.writeUInt16LE(1, 30 + name1.length);
      local1.writeUInt16LE(16, 32 + name1.length);
      local1.writeBigUInt64LE(BigInt(bigSize), 34 + name1.length);
      local1.writeBigUInt64LE(BigInt(bigSize), 42 + name1.length);
      writeSync(fd, local1, 0, local1.length, 0);
      const off2 = local1.length + bigSize;
      const z2 = buildZip([{ name: 'archive/data.pkl', data: PICKLE, method: 8 }], {
        noCentralDirectory: true,
      });
      writeSync(fd, z2, 0, z2.length, off2);
      // central directory: two entries, zip64 extras
      const cd: Buffer[] = [];
      const cdEntry = (
        name: Buffer,
        method: number,
        crc: number,
        cs: number,
        us: number,
        lho: number,
      ): Buffer => {
        const extra = Buffer.alloc(28);
        extra.writeUInt16LE(1, 0);
        extra.writeUInt16LE(24, 2);
        extra.writeBigUInt64LE(BigInt(us), 4);
        extra.writeBigUInt64LE(BigInt(cs), 12);
        extra.writeBigUInt64LE(BigInt(lho), 20);
        const h = Buffer.alloc(46);
        h.writeUInt32LE(0x02014b50, 0);
        h.writeUInt16LE(0x031e, 4);
        h.writeUInt16LE(45, 6);
        h.writeUInt16LE(method, 10);
        h.writeUInt32LE(crc, 16);
        h.writeUInt32LE(0xffffffff, 20);
        h.writeUInt32LE(0xffffffff, 24);
        h.writeUInt16LE(name.length, 28);
        h.writeUInt16LE(extra.length, 30);
        h.writeUInt32LE(0xffffffff, 42);
        return Buffer.concat([h, name, extra]);
      };
      const comp = zlib.deflateRawSync(PICKLE);
      cd.push(cdEntry(name1, 0, crcZeros, bigSize, bigSize, 0));
      cd.push(
        cdEntry(Buffer.from('archive/data.pkl'), 8, zlib.crc32(PICKLE), comp.length, PICKLE.length, off2),
      );
      const cdBuf = Buffer.concat(cd);
      const cdOff = off2 + z2.length;
      const rec = Buffer.alloc(56 + 20 + 22);
      rec.writeUInt32LE(0x06064b50, 0);
      rec.writeBigUInt64LE(44n, 4);
      rec.writeBigUInt64LE(2n, 24);
      rec.writeBigUInt64LE(2n, 32);
      rec.writeBigUInt64LE(BigInt(cdBuf.length), 40);
      rec.writeBigUInt64LE(BigInt(cdOff), 48);
      rec.writeUInt32LE(0x07064b50, 56);
      rec.writeBigUInt64LE(BigInt(cdOff + cdBuf.length), 64);
      rec.writeUInt32LE(1, 72);
      rec.writeUInt32LE(0x06054b50, 76);
      rec.writeUInt16LE(0xffff, 84);
      rec.writeUInt16LE(0xffff, 86);
      rec.writeUInt32LE(0xffffffff, 88);
      rec.writeUInt32LE(0xffffffff, 92);
      const tail = Buffer.concat([cdBuf, rec]);
      writeSync(fd, tail, 0, tail.length, cdOff);
    } finally {
      closeSync(fd);
    }
    const s = await FileSource.open(path);
    try {
      expect(s.size).toBeGreaterThan(2 ** 32);
      const l = await readZip(s, { maxMembers: 10 });
      expect(l.centralDirectoryFound).toBe(true);
      expect(l.anomalies).toEqual([]);
      const big = byName(l.entries, 'big.bin');
      expect(big.compressedSize).toBe(bigSize);
      const pkl = byName(l.entries, 'archive/data.pkl');
      expect(pkl.localHeaderOffset).toBeGreaterThan(2 ** 32);
      expect(await content(s, pkl)).toEqual(PICKLE);
      const bm = await openZipEntry(s, big, ctx());
      expect(bm.size).toBe(bigSize);
      expect((await bm.read(bigSize - 1, 1))[0]).toBe(0);
    } finally {
      await s.close();
    }
  }, 60_000);
});

describe.skipIf(!hasCorpus)('picklescan corpus samples', () => {
  const D = `${CORPUS}/data`;
  async function open(path: string) {
    const s = await FileSource.open(path);
    return { s, l: await readZip(s, { maxMembers: 1000 }) };
  }

  const tampered: Array<[string, string, string[]]> = [
    ['malicious1.zip', 'data.pkl', []],
    ['malicious1_central_directory.zip', 'data.pkl', ['local-name-mismatch']],
    ['malicious1_0x1.zip', 'model/config.pkl', ['flag-bits:0x1']],
    ['malicious1_0x20.zip', 'model/config.pkl', ['flag-bits:0x20']],
    ['malicious1_0x40.zip', 'model/config.pkl', ['flag-bits:0x40']],
    ['malicious1_wrong_ext.zip', 'data.txt', []],
  ];
  for (const [file, member, anomalies] of tampered) {
    it(`reads the pickle in ${file}`, async () => {
      const { s, l } = await open(`${D}/${file}`);
      try {
        const e = byName(l.entries, member);
        for (const a of anomalies) expect(e.anomalies).toContain(a);
        const data = await content(s, e);
        expect(data[0]).toBe(0x80);
        expect(data[data.length - 1]).toBe(0x2e); // STOP
      } finally {
        await s.close();
      }
    });
  }

  it('reads data2/malicious1_crc.zip despite the CRC mismatch', async () => {
    const { s, l } = await open(`${CORPUS}/data2/malicious1_crc.zip`);
    try {
      const e = byName(l.entries, 'data.pkl');
      const m = await openZipEntry(s, e, ctx());
      expect((await m.read(0, 2))[0]).toBe(0x80);
      await checkZipEntryCrc(m, e);
      expect(e.anomalies).toContain('crc-mismatch');
    } finally {
      await s.close();
    }
  });

  it('benign_password_protected.zip: encrypted, and reading fails with ParseError', async () => {
    const { s, l } = await open(`${D}/benign_password_protected.zip`);
    try {
      const e = byName(l.entries, 'test.txt');
      expect(e.encrypted).toBe(true);
      await expect(openZipEntry(s, e, ctx())).rejects.toBeInstanceOf(ParseError);
    } finally {
      await s.close();
    }
  });

  it('new_pytorch_model.bin is a real torch zip', async () => {
    const { s, l } = await open(`${D}/new_pytorch_model.bin`);
    try {
      expect(l.anomalies).toEqual([]);
      expect(l.entries.map((e) => e.name)).toEqual(['archive/data.pkl', 'archive/data/0', 'archive/version']);
      const pkl = byName(l.entries, 'archive/data.pkl');
      expect(pkl.anomalies).toEqual(['data-descriptor']);
      const data = await content(s, pkl);
      expect([...data.subarray(0, 2)]).toEqual([0x80, 0x02]);
      expect(await checkZipEntryCrc(new BufferSource(data), pkl)).toBe(true);
      expect((await content(s, byName(l.entries, 'archive/version'))).toString()).toBe('3\n');
    } finally {
      await s.close();
    }
  });

  it('a legacy (non-zip) torch file is not a zip', async () => {
    const path = `${D}/pytorch_model.bin`;
    if (!existsSync(path)) return;
    await expect(readZip(new BufferSource(readFileSync(path)), { maxMembers: 10 })).rejects.toBeInstanceOf(
      ParseError,
    );
  });
});
