import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { BulwarkError, LimitError, ParseError } from '../../src/core/errors.js';
import { decompressToSource, sniffCompression } from '../../src/scan/containers/compress.js';
import { decodeBlock, xxh32 } from '../../src/scan/containers/lz4.js';
import { scanBytes } from '../../src/scan/engine.js';
import { BufferSource } from '../../src/scan/source.js';
import { ctx, readAll } from './helpers.js';

const DIR = path.resolve(__dirname, '../../fixtures/formats/lz4');
const fixture = (name: string): Buffer => readFileSync(path.join(DIR, name));

async function decode(data: Uint8Array, c = ctx()): Promise<{ out: Buffer; anomalies: string[] }> {
  const s = await decompressToSource(new BufferSource(data), 'lz4', c);
  try {
    return { out: await readAll(s), anomalies: s.anomalies };
  } finally {
    await s.close();
  }
}

/** Blocks of a frame written by python-lz4 (header of `headerLen` bytes; block checksums when `sums`). */
function blocksOf(frame: Buffer, headerLen: number, sums: boolean): Buffer[] {
  const out: Buffer[] = [];
  let pos = headerLen;
  for (;;) {
    const w = frame.readUInt32LE(pos);
    pos += 4;
    if (w === 0) return out;
    out.push(frame.subarray(pos, pos + (w & 0x7fffffff)));
    pos += (w & 0x7fffffff) + (sums ? 4 : 0);
  }
}

/** A frame (independent blocks, 4 MiB maximum, no checksums) around raw compressed blocks. */
function frame(blocks: Uint8Array[]): Buffer {
  const desc = Buffer.from([0x60, 0x70]);
  const hc = (xxh32(desc) >>> 8) & 0xff;
  const parts: Buffer[] = [Buffer.from([0x04, 0x22, 0x4d, 0x18]), desc, Buffer.from([hc])];
  for (const b of blocks) {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(b.length);
    parts.push(len, Buffer.from(b));
  }
  parts.push(Buffer.alloc(4));
  return Buffer.concat(parts);
}

/** A block that expands to about `n` bytes of 'A' (one literal, then one long overlapping match). */
function bombBlock(n: number): Uint8Array {
  const ext: number[] = [];
  let left = n - 1 - 4 - 15 - 1;
  while (left >= 255) {
    ext.push(255);
    left -= 255;
  }
  ext.push(left);
  return Uint8Array.from([0x1f, 0x41, 0x01, 0x00, ...ext, 0x10, 0x41]);
}

describe('LZ4 frames', () => {
  it('xxHash32 matches the reference values', () => {
    expect(xxh32(new Uint8Array(0))).toBe(0x02cc5d05);
    expect(xxh32(Buffer.from('abc'))).toBe(0x32d153ff);
    expect(xxh32(Buffer.from('Nobody inspects the spammish repetition'))).toBe(0xe2293b2f);
  });

  it('sniffs frames by magic and version', () => {
    expect(sniffCompression(fixture('pipeline.joblib'))).toBe('lz4');
    expect(sniffCompression(Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x80, 0x40, 0x00]))).toBeNull();
  });

  it('decodes linked blocks with checksums, independent blocks and concatenated frames to the same bytes', async () => {
    const linked = await decode(fixture('linked_blocks.pkl.lz4'));
    const independent = await decode(fixture('independent_blocks.pkl.lz4'));
    expect(linked.out.length).toBeGreaterThan(300_000);
    expect(linked.out.equals(independent.out)).toBe(true);
    expect(linked.out.subarray(-40).toString('latin1')).toContain('echo pwned');
    // Every checksum (header, five blocks, content) was verified: a wrong one would be an anomaly.
    expect(linked.anomalies).toEqual([]);
    expect(independent.anomalies).toEqual([]);
    const two = await decode(fixture('two_frames.pkl.lz4'));
    expect(two.out.equals(Buffer.from('80025d7100284b014b024b03652e', 'hex'))).toBe(true);
  });

  it('the linked fixture really references earlier blocks (its second block cannot decode alone)', () => {
    const blocks = blocksOf(fixture('linked_blocks.pkl.lz4'), 15, true);
    expect(blocks.length).toBe(5);
    expect(() => decodeBlock(blocks[1], new Uint8Array(65536), 0)).toThrow(/offset outside the window/);
  });

  it('reports checksum and size disagreements as anomalies and still decodes', async () => {
    const data = Buffer.from(fixture('linked_blocks.pkl.lz4'));
    data[data.length - 1] ^= 0xff; // content checksum
    data[14] ^= 0xff; // header checksum
    const r = await decode(data);
    expect(r.anomalies).toEqual(['checksum-mismatch']);
    expect(r.out.length).toBeGreaterThan(300_000);
    const sized = Buffer.from(fixture('linked_blocks.pkl.lz4'));
    sized.writeUInt32LE(sized.readUInt32LE(6) + 1, 6); // declared content size off by one (header checksum too)
    expect((await decode(sized)).anomalies).toEqual(['checksum-mismatch', 'size-mismatch']);
  });

  it('rejects corrupt blocks precisely', () => {
    const out = new Uint8Array(64);
    expect(decodeBlock(Uint8Array.from([0x30, 0x61, 0x62, 0x63]), out, 0)).toBe(3);
    // RLE through an overlapping match: 'a' then 7 more copies at offset 1, then a final literal.
    expect(decodeBlock(Uint8Array.from([0x13, 0x61, 0x01, 0x00, 0x10, 0x62]), out, 0)).toBe(9);
    expect(Buffer.from(out.subarray(0, 9)).toString()).toBe('aaaaaaaab');
    const bad: [number[], RegExp][] = [
      [[], /empty block/],
      [[0x50, 0x61], /literals run past/],
      [[0x10, 0x61, 0x00, 0x00, 0x10, 0x62], /offset outside/],
      [[0x10, 0x61, 0x02, 0x00, 0x10, 0x62], /offset outside/],
      [[0x10, 0x61, 0x01], /offset cut off/],
      [[0x1f, 0x61, 0x01, 0x00, 0xff], /match length runs past/],
      [[0x10, 0x61, 0x01, 0x00], /block ends after a match/],
      [[0xf0, 0xff], /literal length runs past/],
      [[0x1f, 0x61, 0x01, 0x00, 0x40, 0x10, 0x62], /output exceeds/],
    ];
    for (const [bytes, re] of bad) {
      const err = (() => {
        try {
          decodeBlock(Uint8Array.from(bytes), out, 0);
          return null;
        } catch (e) {
          return e;
        }
      })();
      expect(err, JSON.stringify(bytes)).toBeInstanceOf(ParseError);
      expect((err as Error).message, JSON.stringify(bytes)).toMatch(re);
    }
  });

  it('decodes the legacy format; refuses dictionaries as unsupported, truncation as corrupt', async () => {
    const legacy = await decode(fixture('legacy.pkl.lz4'));
    expect(legacy.out.toString('latin1')).toContain('echo pwned');
    expect(legacy.anomalies).toEqual([]);
    const data = fixture('linked_blocks.pkl.lz4');
    await expect(decode(data.subarray(0, 600))).rejects.toBeInstanceOf(ParseError);
    const dict = Buffer.from(data);
    dict[4] |= 0x01;
    await expect(decode(dict)).rejects.toSatisfy(
      (e: unknown) => e instanceof BulwarkError && e.code === 'E_UNSUPPORTED',
    );
  });

  it('stops a bomb at the decompressed-size and ratio limits', async () => {
    const bomb = frame(Array.from({ length: 8 }, () => bombBlock(4 * 1024 * 1024)));
    expect(bomb.length).toBeLessThan(150_000);
    const c = ctx({ maxDecompressedBytes: 8 * 1024 * 1024 });
    await expect(decode(bomb, c)).rejects.toSatisfy(
      (e: unknown) => e instanceof LimitError && e.limit === 'maxDecompressedBytes',
    );
    expect(c.budget.decompressed).toBeLessThan(16 * 1024 * 1024);
    await expect(
      decode(bomb, ctx({ ratioFloorBytes: 1024 * 1024, maxCompressionRatio: 50 })),
    ).rejects.toSatisfy((e: unknown) => e instanceof LimitError && e.limit === 'maxCompressionRatio');
    // Within the limits the same frame decodes completely.
    expect((await decode(bomb)).out.length).toBe(8 * 4 * 1024 * 1024);
  });
});

describe('scanning LZ4-compressed models', () => {
  it('a checksum that disagrees with the content is reported (BW-ARC-005) and the content still analysed', async () => {
    const data = Buffer.from(fixture('two_frames.pkl.lz4'));
    data[14] ^= 0x55; // header checksum of the first frame
    const r = await scanBytes(data, 'model.pkl.lz4');
    expect(r.findings.map((f) => f.ruleId)).toEqual(['BW-ARC-005']);
    expect(r.findings[0].evidence).toMatchObject({ anomalies: ['checksum-mismatch'] });
    expect(r.formats).toEqual(expect.arrayContaining(['lz4', 'pickle']));
    expect(r.verdict).toBe('suspicious');
  });

  // Every fixture's verdict, rules and formats are checked by test/formats/manifests.test.ts; here, where the
  // finding points.
  it('findings point inside the decompressed stream', async () => {
    const r = await scanBytes(fixture('linked_blocks.pkl.lz4'), 'linked_blocks.pkl.lz4');
    const f = r.findings.find((x) => x.ruleId === 'BW-PKL-001');
    expect(f?.message).toMatch(/system/);
    expect(f?.location.inner?.[0]).toBe('<lz4>');
    expect(r.verdict).toBe('malicious');
  });
});
