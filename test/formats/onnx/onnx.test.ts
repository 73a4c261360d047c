import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scan, scanBytes } from '../../../src/scan/engine.js';
import { sniffOnnx } from '../../../src/scan/formats/onnx/onnx-scanner.js';
import { unsafePath } from '../../../src/scan/formats/tensorflow/op-policy.js';
import { fb, fm, fv, model, tensor, writeSparseOnnx } from './proto-writer.js';

const FIXTURES = path.resolve(__dirname, '../../../fixtures/formats/onnx');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'bulwark-onnx-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ids = (r: { findings: { ruleId: string }[] }) => r.findings.map((f) => f.ruleId);
const graphWith = (...parts: Buffer[]) => [fb(2, 'g'), ...parts];
const relu = fm(1, fb(1, 'x'), fb(2, 'y'), fb(3, 'relu'), fb(4, 'Relu'));

/** A model whose initializer "w" (float32 [4]) lives in external data at `location`. */
function externalModel(location: string, extra: Record<string, string> = {}): Buffer {
  return model(
    graphWith(relu, fm(5, tensor('w', [4], { external: { location, offset: '0', length: '16', ...extra } }))),
  );
}

describe('ONNX path checks', () => {
  it('normalises locations like a loader would', () => {
    expect(unsafePath('weights.bin')).toBeUndefined();
    expect(unsafePath('sub/dir/weights.bin')).toBeUndefined();
    expect(unsafePath('sub/../weights.bin')).toBeUndefined();
    expect(unsafePath('./a/./b')).toBeUndefined();
    expect(unsafePath('../weights.bin')).toBe('traversal');
    expect(unsafePath('a/../../weights.bin')).toBe('traversal');
    expect(unsafePath('a/b/../../../x')).toBe('traversal');
    expect(unsafePath('a\\..\\..\\x')).toBe('traversal');
    expect(unsafePath('/etc/passwd')).toBe('absolute');
    expect(unsafePath('\\\\server\\share\\x')).toBe('absolute');
    expect(unsafePath('C:\\Windows\\win.ini')).toBe('absolute');
    expect(unsafePath('c:relative')).toBe('absolute');
    expect(unsafePath('file:///etc/passwd')).toBe('url');
    expect(unsafePath('s3://bucket/key')).toBe('url');
    expect(unsafePath('w\0.bin')).toBe('nul');
  });
});

describe('ONNX sniffing', () => {
  it('recognises ModelProto by its fields, not by name', () => {
    const m = model(graphWith(relu));
    expect(sniffOnnx(m, m.length)).toBeGreaterThanOrEqual(70);
    const saved = Buffer.concat([fv(1, 1), fm(2, fm(1, fb(4, 'serve')))]); // a SavedModel head
    expect(sniffOnnx(saved, saved.length)).toBe(0);
    const text = Buffer.from('hello world, not a model');
    expect(sniffOnnx(text, text.length)).toBe(0);
    const random = Buffer.from([0xff, 0xfe, 0x00, 0x13, 0x37]);
    expect(sniffOnnx(random, random.length)).toBe(0);
  });

  it('claims a truncated model so that it is reported, never skipped', async () => {
    const m = model(graphWith(relu, fm(5, tensor('w', [64], { raw: new Uint8Array(256) }))));
    const r = await scanBytes(m.subarray(0, m.length - 100), 'cut.onnx');
    expect(r.formats).toContain('onnx');
    expect(r.verdict).toBe('inconclusive');
    expect(ids(r)).toContain('BW-ONNX-009');
  });
});

describe('ONNX external data on disk', () => {
  it('flags a symbolic link that escapes the model directory (created at test time)', async () => {
    const dir = path.join(tmp, 'symlink');
    mkdirSync(dir);
    const outside = path.join(tmp, 'secret.txt');
    writeFileSync(outside, 'top secret, never read by the scanner');
    writeFileSync(path.join(dir, 'model.onnx'), externalModel('weights.bin'));
    symlinkSync(outside, path.join(dir, 'weights.bin'));
    const r = (await scan([path.join(dir, 'model.onnx')])).files[0];
    expect(r.verdict).toBe('malicious');
    const f = r.findings.find((x) => x.ruleId === 'BW-ONNX-002');
    expect(f?.evidence?.kind).toBe('symlink');
    expect(f?.evidence?.resolved).toBe(outside);
  });

  it('flags a dangling symbolic link that points outside, and a linked sub-directory', async () => {
    const dir = path.join(tmp, 'dangling');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'model.onnx'), externalModel('w.bin'));
    symlinkSync('/nonexistent/bulwark/secret', path.join(dir, 'w.bin'));
    let r = (await scan([path.join(dir, 'model.onnx')])).files[0];
    expect(r.verdict).toBe('malicious');
    expect(ids(r)).toContain('BW-ONNX-002');

    const dir2 = path.join(tmp, 'linkdir');
    mkdirSync(dir2);
    mkdirSync(path.join(tmp, 'elsewhere'));
    writeFileSync(path.join(tmp, 'elsewhere', 'data.bin'), Buffer.alloc(16));
    symlinkSync(path.join(tmp, 'elsewhere'), path.join(dir2, 'sub'));
    writeFileSync(path.join(dir2, 'model.onnx'), externalModel('sub/data.bin'));
    r = (await scan([path.join(dir2, 'model.onnx')])).files[0];
    expect(r.verdict).toBe('malicious');
  });

  it('accepts a sibling file and a link that stays inside the directory', async () => {
    const dir = path.join(tmp, 'inside');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'real.bin'), Buffer.alloc(16));
    symlinkSync('real.bin', path.join(dir, 'alias.bin'));
    writeFileSync(path.join(dir, 'a.onnx'), externalModel('real.bin'));
    writeFileSync(path.join(dir, 'b.onnx'), externalModel('alias.bin'));
    const r = await scan([path.join(dir, 'a.onnx'), path.join(dir, 'b.onnx')]);
    for (const f of r.files) {
      expect(f.verdict, JSON.stringify(f.findings)).toBe('clean');
      expect(f.findings.filter((x) => x.impact !== 'none')).toEqual([]);
    }
  });

  it('reports missing external data as informational, and ranges past the end of the file', async () => {
    const dir = path.join(tmp, 'missing');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'm.onnx'), externalModel('not-here.bin'));
    let r = (await scan([path.join(dir, 'm.onnx')])).files[0];
    expect(r.verdict).toBe('clean');
    expect(ids(r)).toContain('BW-ONNX-006');

    writeFileSync(path.join(dir, 'short.bin'), Buffer.alloc(8));
    writeFileSync(path.join(dir, 'n.onnx'), externalModel('short.bin'));
    r = (await scan([path.join(dir, 'n.onnx')])).files[0];
    expect(r.verdict).toBe('suspicious');
    expect(ids(r)).toContain('BW-ONNX-007');
  });

  it('checks the benign external-data fixture against its sibling file', async () => {
    const dir = path.join(tmp, 'fixture-copy');
    mkdirSync(dir);
    copyFileSync(path.join(FIXTURES, 'benign/external_data/model.onnx'), path.join(dir, 'model.onnx'));
    let r = (await scan([path.join(dir, 'model.onnx')])).files[0];
    expect(ids(r)).toContain('BW-ONNX-006'); // weights.bin not copied: not found, informational only
    expect(r.verdict).toBe('clean');
    copyFileSync(path.join(FIXTURES, 'benign/external_data/weights.bin'), path.join(dir, 'weights.bin'));
    r = (await scan([path.join(dir, 'model.onnx')])).files[0];
    expect(ids(r)).not.toContain('BW-ONNX-006');
    expect(r.verdict).toBe('clean');
  });

  it('judges locations lexically when the model is not a file on disk', async () => {
    const r = await scanBytes(externalModel('a/b/../../../etc/shadow'), 'mem.onnx');
    expect(r.verdict).toBe('malicious');
    const ok = await scanBytes(externalModel('weights.bin'), 'mem.onnx');
    expect(ok.verdict).toBe('clean');
  });
});

describe('ONNX graph checks', () => {
  it('walks nested subgraphs, functions and training graphs', async () => {
    const py = fm(1, fb(1, 'x'), fb(2, 'y'), fb(4, 'PythonOp'), fb(7, 'com.microsoft'));
    const inner = fm(5, fb(1, 'body'), fv(20, 5), fm(6, fb(2, 'body'), py)); // AttributeProto { 1 name, 20 type, 6 g }
    const loop = fm(1, fb(3, 'loop'), fb(4, 'Loop'), inner);
    const r = await scanBytes(model(graphWith(loop)), 'nested.onnx');
    expect(r.verdict).toBe('malicious');
    expect(ids(r)).toContain('BW-ONNX-001');

    const training = Buffer.concat([
      fv(1, 8),
      fm(7, fb(2, 'g'), relu),
      fm(20, fm(2, fb(2, 'algo'), fm(1, fb(4, 'PyFunc')))),
    ]);
    const t = await scanBytes(training, 'train.onnx');
    expect(ids(t)).toContain('BW-ONNX-001');
  });

  it('bounds subgraph nesting', async () => {
    let g = Buffer.concat([fb(2, 'leaf'), relu]);
    for (let i = 0; i < 40; i++)
      g = Buffer.concat([fb(2, `g${i}`), fm(1, fb(4, 'If'), fm(5, fb(1, 'then_branch'), fm(6, g)))]);
    const r = await scanBytes(Buffer.concat([fv(1, 8), fm(7, g)]), 'deep.onnx');
    expect(r.verdict).toBe('inconclusive');
    expect(ids(r)).toContain('BW-GEN-002');
  });

  it('treats calls to model-local functions as local, and unknown domains as custom', async () => {
    const fn = fm(25, fb(1, 'Block'), fb(10, 'my.funcs'), fm(7, fb(4, 'Relu')));
    const call = fm(1, fb(4, 'Block'), fb(7, 'my.funcs'));
    const local = await scanBytes(
      Buffer.concat([fv(1, 8), fm(7, fb(2, 'g'), call), fm(8, fv(2, 17)), fn]),
      'fn.onnx',
    );
    expect(local.verdict).toBe('clean');
    expect(ids(local)).toContain('BW-ONNX-008');
    const custom = await scanBytes(
      Buffer.concat([fv(1, 8), fm(7, fb(2, 'g'), call), fm(8, fv(2, 17))]),
      'c.onnx',
    );
    expect(custom.verdict).toBe('suspicious');
    expect(ids(custom)).toContain('BW-ONNX-003');
  });

  it('compares declared tensor sizes with the data held', async () => {
    const ok = await scanBytes(
      model(graphWith(relu, fm(5, tensor('w', [2, 2], { raw: new Uint8Array(16) })))),
      'ok.onnx',
    );
    expect(ok.verdict).toBe('clean');
    const big = await scanBytes(
      model(graphWith(relu, fm(5, tensor('w', [1 << 20, 1 << 20], { raw: new Uint8Array(4) })))),
      'big.onnx',
    );
    expect(big.verdict).toBe('suspicious');
    expect(ids(big)).toContain('BW-ONNX-005');
    const neg = await scanBytes(
      model(graphWith(relu, fm(5, tensor('w', [-3, 2], { raw: new Uint8Array(4) })))),
      'neg.onnx',
    );
    expect(ids(neg)).toContain('BW-ONNX-009');
    const sparse = (side: number) =>
      fm(
        15,
        fm(1, tensor('sv', [1], { raw: new Uint8Array(4) })),
        fm(2, tensor('si', [1], { raw: new Uint8Array(8), dataType: 7 })),
        fv(3, side),
        fv(3, side),
      );
    const small = await scanBytes(model(graphWith(relu, sparse(1000))), 'sparse.onnx');
    expect(small.verdict, JSON.stringify(small.findings)).toBe('clean');
    const dense = await scanBytes(model(graphWith(relu, sparse(1 << 20))), 'dense.onnx');
    expect(dense.verdict).toBe('suspicious');
    expect(ids(dense)).toContain('BW-ONNX-005');
  });
});

describe('ONNX lazy reading', () => {
  it('analyses a large sparse model by reading a small fraction of it', async () => {
    const file = path.join(tmp, 'large.onnx');
    const size = writeSparseOnnx(file, 5, 4096); // 5 tensors of 64 MiB
    expect(size).toBeGreaterThan(300 * 1024 * 1024);
    const r = (await scan([file], { workers: false })).files[0];
    expect(r.verdict, JSON.stringify(r.findings)).toBe('clean');
    expect(r.formats).toEqual(['onnx']);
    expect(r.bytesRead).toBeLessThan(size / 100);
    expect(r.bytesRead).toBeLessThan(2 * 1024 * 1024);
  });

  it('never reads external data targets', async () => {
    const dir = path.join(tmp, 'noread');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'weights.bin'), Buffer.alloc(64));
    const file = path.join(dir, 'm.onnx');
    writeFileSync(file, externalModel('weights.bin'));
    const r = (await scan([file])).files[0];
    expect(r.bytesRead).toBeLessThanOrEqual(2 * readFileSync(file).length);
  });
});
