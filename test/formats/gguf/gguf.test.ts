import { mkdtempSync, openSync, closeSync, writeSync, ftruncateSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { scan, scanBytes } from '../../../src/scan/engine.js';
import type { FileResult } from '../../../src/scan/types.js';
import { GgufBuilder, T, concat, llamaLike } from './gguf-builder.js';

const CHATML =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
const PAYLOAD = "{{ lipsum.__globals__['os'].popen('id').read() }}";

const rules = (r: FileResult): string[] => r.findings.map((f) => f.ruleId);
const notNone = (r: FileResult) => r.findings.filter((f) => f.impact !== 'none');

describe('GGUF header parsing', () => {
  it.each([
    ['v3 little-endian', { version: 3 }],
    ['v2', { version: 2 }],
    ['v1 (32-bit counts)', { version: 1 }],
    ['v3 big-endian', { version: 3, littleEndian: false }],
  ])('%s with a chat template is clean and described', async (_n, opts) => {
    const r = await scanBytes(llamaLike({ ...opts, template: CHATML }).build(), 'model.gguf');
    expect(notNone(r), JSON.stringify(r.findings)).toEqual([]);
    expect(r.formats).toEqual(['gguf']);
    expect(r.analyses).toEqual(expect.arrayContaining(['gguf-header', 'gguf-layout', 'jinja-ssti']));
    const info = r.findings.find((f) => f.ruleId === 'BW-GGUF-009');
    expect(info?.evidence).toMatchObject({
      version: opts.version,
      architecture: 'llama',
      name: 'Test Model',
      fileType: 'MOSTLY_Q8_0',
      tensorTypes: { F16: 1, Q8_0: 1, F32: 1 },
      vocabularySize: 6,
      chatTemplates: ['tokenizer.chat_template'],
    });
  });

  it('sniffs by content, not by name', async () => {
    const r = await scanBytes(llamaLike({ template: CHATML }).build(), 'weights.bin');
    expect(r.formats).toEqual(['gguf']);
    const text = await scanBytes(
      new TextEncoder().encode('GGUF models are quantised with llama.cpp.\n'),
      'x.gguf',
    );
    expect(text.formats).not.toContain('gguf');
  });

  it('accepts a vocabulary-only file and nested arrays', async () => {
    const g = new GgufBuilder();
    g.str('general.architecture', 'llama');
    g.kv(
      'x.nested',
      T.ARRAY,
      [
        { et: T.U8, items: [1, 2] },
        { et: T.STRING, items: ['a'] },
      ],
      T.ARRAY,
    );
    const r = await scanBytes(g.build(), 'vocab.gguf');
    expect(notNone(r)).toEqual([]);
  });
});

describe('chat templates in GGUF metadata', () => {
  it('reports an injection payload at the byte offset of the template', async () => {
    const bytes = llamaLike({ template: `é ${PAYLOAD}` }).build();
    const r = await scanBytes(bytes, 'evil.gguf');
    expect(r.verdict).toBe('malicious');
    const f = r.findings.find((x) => x.ruleId === 'BW-TPL-001')!;
    expect(f.evidence).toMatchObject({ source: 'gguf:tokenizer.chat_template', names: ['__globals__'] });
    const at = f.location.offset!;
    expect(Buffer.from(bytes.subarray(at, at + 11)).toString()).toBe('__globals__');
  });

  it('analyses named templates and templates stored as string arrays', async () => {
    const g = llamaLike({ template: CHATML });
    g.str('tokenizer.chat_template.tool_use', PAYLOAD);
    let r = await scanBytes(g.build(), 'named.gguf');
    expect(r.verdict).toBe('malicious');
    expect(r.findings.find((f) => f.ruleId === 'BW-TPL-001')?.evidence).toMatchObject({
      source: 'gguf:tokenizer.chat_template.tool_use',
    });
    const h = llamaLike();
    h.kv('tokenizer.chat_template', T.ARRAY, [CHATML, PAYLOAD], T.STRING);
    r = await scanBytes(h.build(), 'array.gguf');
    expect(r.verdict).toBe('malicious');
    expect(r.findings.find((f) => f.ruleId === 'BW-TPL-001')?.evidence).toMatchObject({
      source: 'gguf:tokenizer.chat_template[1]',
    });
  });

  it('does not flag vocabulary tokens or braces in descriptions, but scans templates hidden in other keys', async () => {
    const g = llamaLike({ template: CHATML });
    g.str('general.description', 'Use {{ messages }} and {% raw %} blocks.');
    expect(notNone(await scanBytes(g.build(), 'ok.gguf'))).toEqual([]);
    g.str('general.usage', PAYLOAD);
    const r = await scanBytes(g.build(), 'hidden.gguf');
    expect(r.verdict).toBe('malicious');
    expect(r.findings.find((f) => f.ruleId === 'BW-TPL-001')?.evidence).toMatchObject({
      source: 'gguf:general.usage',
    });
  });

  it('analyses every copy of a duplicated key', async () => {
    const g = llamaLike({ template: CHATML });
    g.str('tokenizer.chat_template', PAYLOAD);
    const r = await scanBytes(g.build(), 'dup.gguf');
    expect(rules(r)).toEqual(expect.arrayContaining(['BW-GGUF-006', 'BW-TPL-001']));
  });
});

describe('header bounds', () => {
  const base = (): GgufBuilder => llamaLike({ template: CHATML });

  it('flags impossible counts and lengths as malicious, never reading them', async () => {
    for (const mutate of [
      (g: GgufBuilder) => (g.kvCount = 1n << 62n),
      (g: GgufBuilder) => (g.tensorCount = (1n << 64n) - 1n),
      (g: GgufBuilder) => g.rawKvs.push(g.string('general.x', (1n << 63n) + 1n)),
      (g: GgufBuilder) =>
        g.rawKvs.push(concat([g.string('x.arr'), g.u32(T.ARRAY), g.u32(T.U64), g.u64((1n << 62n) + 7n)])),
    ]) {
      const g = base();
      mutate(g);
      const r = await scanBytes(g.build(), 'x.gguf');
      expect(r.verdict, JSON.stringify(r.findings)).toBe('malicious');
      expect(rules(r)).toContain('BW-GGUF-002');
      expect(r.bytesRead).toBeLessThan(4 * 1024 * 1024);
    }
  });

  it('flags more than 4 dimensions and overflowing shapes', async () => {
    let g = base();
    g.tensors[2].dims = [32, 1, 1, 1, 1];
    let r = await scanBytes(g.build(), 'x.gguf');
    expect(rules(r)).toContain('BW-GGUF-002');
    g = base();
    g.tensor('big', [1n << 40n, 1n << 40n], 0, 0, 0);
    r = await scanBytes(g.build(), 'x.gguf');
    expect(rules(r)).toContain('BW-GGUF-002');
  });

  it('reports a truncated header or unknown types as inconclusive', async () => {
    const full = base().build();
    let r = await scanBytes(full.subarray(0, 120), 'x.gguf');
    expect(r.verdict).toBe('inconclusive');
    expect(rules(r)).toContain('BW-GGUF-001');
    const g = base();
    g.rawKvs.push(concat([g.string('x.y'), g.u32(42)]));
    r = await scanBytes(g.build(), 'x.gguf');
    expect(r.verdict).toBe('inconclusive');
    const h = base();
    h.tensors[0].type = 250;
    r = await scanBytes(h.build(), 'x.gguf');
    expect(r.verdict).toBe('inconclusive');
    const k = base();
    k.tensors[1].dims = [33, 32];
    r = await scanBytes(k.build(), 'x.gguf');
    expect(r.findings.find((f) => f.ruleId === 'BW-GGUF-001')?.message).toMatch(/block/);
  });

  it('rejects an unsupported version and a bad alignment', async () => {
    const b = base().build();
    new DataView(b.buffer).setUint32(4, 9, true);
    expect((await scanBytes(b, 'x.gguf')).verdict).toBe('inconclusive');
    const g = base();
    g.kv('general.alignment', T.U64, 64);
    expect(rules(await scanBytes(g.build(), 'x.gguf'))).toContain('BW-GGUF-001');
    const h = base();
    h.kv('general.alignment', T.U32, 48);
    expect(rules(await scanBytes(h.build(), 'x.gguf'))).toContain('BW-GGUF-001');
  });

  it('limits array nesting', async () => {
    const g = base();
    let v: unknown = { et: T.U8, items: [1] };
    for (let i = 0; i < 6; i++) v = { et: T.ARRAY, items: [v] };
    g.kv('x.deep', T.ARRAY, [v], T.ARRAY);
    const r = await scanBytes(g.build(), 'x.gguf');
    expect(rules(r)).toContain('BW-GGUF-010');
    expect(r.verdict).toBe('inconclusive');
  });
});

describe('tensor data layout', () => {
  const base = (): GgufBuilder => llamaLike({ template: CHATML });

  it('honours a non-default alignment', async () => {
    const g = base();
    g.alignment = 64;
    g.kv('general.alignment', T.U32, 64);
    expect(notNone(await scanBytes(g.build(), 'x.gguf'))).toEqual([]);
  });

  it('out-of-bounds offsets are malicious; a cut-off file is inconclusive', async () => {
    let g = base();
    g.tensors[0].offset = 1n << 40n;
    let r = await scanBytes(g.build(), 'x.gguf');
    expect(r.verdict).toBe('malicious');
    expect(rules(r)).toContain('BW-GGUF-003');
    g = base();
    g.tensors[2].offset = (1n << 64n) - 32n;
    r = await scanBytes(g.build(), 'x.gguf');
    expect(rules(r)).toContain('BW-GGUF-003');
    const full = base().build();
    r = await scanBytes(full.subarray(0, full.length - 10), 'x.gguf');
    expect(r.verdict).toBe('inconclusive');
    expect(rules(r)).toContain('BW-GGUF-007');
  });

  it('overlap is malicious, misalignment and gaps are suspicious', async () => {
    let g = base();
    g.tensors[2].offset = 0;
    let r = await scanBytes(g.build(), 'x.gguf');
    expect(rules(r)).toContain('BW-GGUF-004');
    expect(r.verdict).toBe('malicious');
    g = base();
    const natural = g.layout();
    g.tensors[2].offset = natural[2] + 8n;
    r = await scanBytes(g.build(), 'x.gguf');
    expect(rules(r)).toContain('BW-GGUF-005');
    expect(r.verdict).toBe('suspicious');
    g = base();
    g.tensors[2].offset = natural[2] + 4096n;
    r = await scanBytes(g.build(), 'x.gguf');
    expect(rules(r)).toEqual(expect.arrayContaining(['BW-GGUF-008']));
    expect(r.verdict).toBe('suspicious');
  });

  it('analyses bytes appended after the data section', async () => {
    const g = base();
    g.tail = new TextEncoder().encode("cposix\nsystem\n(S'id'\ntR.");
    const r = await scanBytes(g.build(), 'x.gguf');
    expect(rules(r)).toEqual(expect.arrayContaining(['BW-GGUF-008', 'BW-PKL-001']));
    expect(r.verdict).toBe('malicious');
  });

  it('duplicate tensor names are suspicious', async () => {
    const g = base();
    g.tensor('output_norm.weight', [32], 0, 128);
    expect(rules(await scanBytes(g.build(), 'x.gguf'))).toContain('BW-GGUF-006');
  });
});

describe('robustness', () => {
  it('every truncation of a valid file is reported, never clean', async () => {
    const full = llamaLike({ template: CHATML }).build();
    for (let n = 0; n < full.length; n += n < 200 ? 1 : 37) {
      const r = await scanBytes(full.subarray(0, n), 'x.gguf');
      if (n >= 4) expect(r.verdict, `prefix ${n}`).not.toBe('clean');
      expect(
        r.findings.some((f) => f.evidence?.code === 'E_INTERNAL'),
        `prefix ${n}`,
      ).toBe(false);
    }
  });

  it('random corruption of the header never crashes the scanner', async () => {
    const full = llamaLike({ template: CHATML }).build();
    const headerEnd = 700;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 4, max: headerEnd - 1 }), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        async (edits) => {
          const b = full.slice();
          for (const [i, v] of edits) b[i] = v;
          const r = await scanBytes(b, 'x.gguf');
          expect(r.findings.some((f) => f.evidence?.code === 'E_INTERNAL')).toBe(false);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('large files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bw-gguf-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads only the header of a multi-GB file', async () => {
    const g = llamaLike({ template: CHATML });
    const big = 512 * 1024 * 1024;
    g.tensors.length = 0;
    g.tensor('a', [big / 4], 0, big);
    g.tensor('b', [big / 2], 1, big);
    g.tensor('c', [32, big / 32], 8, (big / 32) * 34);
    for (const t of g.tensors) t.write = false;
    // The header is written for real; the data section is a hole (a sparse file).
    const header = g.build();
    const offsets = g.layout();
    const file = path.join(dir, 'big.gguf');
    const fd = openSync(file, 'w');
    writeSync(fd, header);
    ftruncateSync(fd, header.length + Number(offsets[2]) + (big / 32) * 34);
    closeSync(fd);
    const r = (await scan([file], { workers: false })).files[0];
    expect(notNone(r), JSON.stringify(r.findings)).toEqual([]);
    expect(r.size).toBeGreaterThan(1.5 * 2 ** 30);
    expect(r.bytesRead).toBeLessThan(1024 * 1024);
  });
});
