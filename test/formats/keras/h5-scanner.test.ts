import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LimitError } from '../../../src/core/errors.js';
import type { Finding } from '../../../src/core/finding.js';
import { resolveLimits } from '../../../src/core/limits.js';
import { makeFinding } from '../../../src/core/rules.js';
import { scan } from '../../../src/scan/engine.js';
import { inspectHdf5 } from '../../../src/scan/formats/keras/h5-reader.js';
import {
  MAX_EMBEDDED_HDF5_BYTES,
  hdf5ErrorSummary,
  hdf5SignatureOffset,
  kerasH5Scanner,
  parsePythonJson,
} from '../../../src/scan/formats/keras/h5-scanner.js';
import { PicklePolicy } from '../../../src/scan/pickle/policy.js';
import type { ByteSource } from '../../../src/scan/source.js';
import type { ScanContext } from '../../../src/scan/types.js';

const FIX = path.resolve(__dirname, '../../../fixtures/formats/keras');
const SIG = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
const tmp = mkdtempSync(path.join(tmpdir(), 'bulwark-keras-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface H5Module {
  File: new (
    name: string,
    mode: string,
  ) => {
    create_attribute(name: string, value: unknown): void;
    create_group(name: string): { create_attribute(name: string, value: unknown): void };
    create_external_link(file: string, target: string, name: string): void;
    close(): void;
  };
  ready: Promise<unknown>;
}

/** Writes an HDF5 file with h5wasm (the HDF5 C library), for cases the fixtures do not cover. */
async function writeH5(name: string, attrs: Record<string, unknown>, extLink?: string): Promise<string> {
  const mod = (await import('h5wasm/node')) as unknown as { default: H5Module };
  const h5 = mod.default;
  await h5.ready;
  const file = path.join(tmp, name);
  const f = new h5.File(file, 'w');
  for (const [k, v] of Object.entries(attrs)) f.create_attribute(k, v);
  const g = f.create_group('model_weights');
  g.create_attribute('layer_names', ['dense']);
  if (extLink) f.create_external_link(extLink, '/x', 'linked');
  f.close();
  return file;
}

describe('HDF5 sniffing', () => {
  it('finds the superblock at 0 and after a user block', () => {
    for (const off of [0, 512, 1024, 2048]) {
      const head = Buffer.alloc(4096);
      SIG.copy(head, off);
      expect(hdf5SignatureOffset(head)).toBe(off);
      expect(kerasH5Scanner.sniff({ head, tail: head, size: 4096, name: 'x' })).toBeGreaterThan(0);
    }
    const head = Buffer.alloc(4096);
    SIG.copy(head, 100);
    expect(hdf5SignatureOffset(head)).toBe(-1);
    expect(kerasH5Scanner.sniff({ head, tail: head, size: 4096, name: 'model.h5' })).toBe(0);
  });
});

describe('helpers', () => {
  it('parses the NaN and Infinity that Python json writes', () => {
    expect(parsePythonJson('{"a": NaN, "b": [Infinity, -Infinity], "c": "NaN Infinity"}')).toEqual({
      a: null,
      b: [null, null],
      c: 'NaN Infinity',
    });
    expect(() => parsePythonJson('{"a": nope}')).toThrow();
  });
  it('summarises HDF5 error stacks by their deepest cause', () => {
    const msg =
      'HDF5-DIAG: Error detected\n  #000: a.c line 1 in H5Fopen(): unable to open file\n  #001: b.c line 2 in H5F__super_read(): truncated file: eof = 1\n';
    expect(hdf5ErrorSummary(msg)).toBe('H5F__super_read: truncated file: eof = 1');
    expect(hdf5ErrorSummary('plain')).toBe('plain');
  });
});

describe('legacy HDF5 models written by the HDF5 library', () => {
  it('a model_config with NaN/Infinity (as Python writes it) is clean', async () => {
    const cfg =
      '{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "ReLU", "config": {"name": "r", "max_value": Infinity, "threshold": NaN}}]}}';
    const file = await writeH5('nan.h5', {
      model_config: cfg,
      keras_version: '2.13.1',
      backend: 'tensorflow',
    });
    const r = (await scan([file])).files[0];
    expect(r.findings).toEqual([]);
    expect(r.formats).toEqual(['hdf5', 'keras-h5']);
  });

  it('a model_config that is not JSON is inconclusive', async () => {
    const file = await writeH5('notjson.h5', { model_config: '{"class_name": "Sequential", ' });
    const r = (await scan([file])).files[0];
    expect(r.verdict).toBe('inconclusive');
    expect(r.findings.map((f) => f.ruleId)).toEqual(['BW-KERAS-011']);
  });

  it('a model_config that is not a string is inconclusive', async () => {
    const file = await writeH5('numeric.h5', { model_config: 42 });
    const r = (await scan([file])).files[0];
    expect(r.verdict).toBe('inconclusive');
  });

  it('reports external links without following them', async () => {
    const file = await writeH5('ext.h5', { keras_version: '2.13.1' }, '/dev/zero');
    const r = (await scan([file])).files[0];
    expect(r.verdict).toBe('suspicious');
    expect(r.findings[0].ruleId).toBe('BW-KERAS-013');
    expect(r.findings[0].evidence?.file).toBe('/dev/zero');
    expect(r.formats).toContain('keras-weights-h5');
  });

  it('a Lambda in an HDF5 model is flagged with CVE-2025-9905', async () => {
    const r = (await scan([path.join(FIX, 'malicious/lambda_os_system.h5')])).files[0];
    expect(r.findings[0].references?.cve).toEqual(expect.arrayContaining(['CVE-2024-3660', 'CVE-2025-9905']));
  });
});

describe('HDF5 reader worker', () => {
  it('times out, then recovers with a fresh worker', async () => {
    const file = path.join(FIX, 'benign/keras2/mlp.h5');
    // A warm worker can answer within 1 ms. A failed read kills the worker, so the try after it pays a fresh
    // worker's start-up (tens of ms) and times out. At least one try must time out with a LimitError, never another.
    const outcomes: string[] = [];
    for (let i = 0; i < 5 && !outcomes.includes('timeout'); i++) {
      await expect(inspectHdf5(path.join(FIX, 'malicious/hdf5_truncated.h5'))).rejects.toThrow();
      const r = await inspectHdf5(file, { timeoutMs: 1 }).then(
        () => 'answered',
        (err: unknown) => (err instanceof LimitError ? 'timeout' : `other: ${String(err)}`),
      );
      outcomes.push(r);
    }
    expect(outcomes).toContain('timeout');
    expect(outcomes.filter((o) => o.startsWith('other'))).toEqual([]);
    const info = await inspectHdf5(file);
    expect(Object.keys(info.root.attrs)).toContain('model_config');
  });
  it('serves concurrent requests in turn, failures included', async () => {
    const good = path.join(FIX, 'benign/keras2/cnn.h5');
    const bad = path.join(FIX, 'malicious/hdf5_truncated.h5');
    const results = await Promise.allSettled([good, bad, good, bad, good].map((f) => inspectHdf5(f)));
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
  });
  it('rejects files that are not HDF5 and keeps working', async () => {
    await expect(inspectHdf5(path.join(FIX, 'manifest.json'))).rejects.toThrow(/HDF5|signature|open/i);
    const info = await inspectHdf5(path.join(FIX, 'benign/hdf5/dataset.h5'));
    expect(info.topLevel).toEqual(['data', 'latest']);
    expect(info.softLinks).toBe(1);
  });
});

describe('embedded HDF5 content', () => {
  function fakeCtx(findings: Finding[]): ScanContext {
    return {
      limits: resolveLimits(),
      policy: new PicklePolicy(),
      location: { file: 'model.keras', inner: ['model.weights.h5'] },
      depth: 1,
      budget: { decompressed: 0, deadline: Date.now() + 60_000 },
      report(rule, init) {
        const f = makeFinding(rule, { ...init, location: { file: 'model.keras' } });
        findings.push(f);
        return f;
      },
      addFormat() {},
      addAnalysis() {},
      async scanMember() {
        return { verdict: 'clean', formats: [] };
      },
      checkDeadline() {},
    };
  }

  it('is not copied above the size bound, and says so (inconclusive)', async () => {
    const head = Buffer.alloc(4096);
    SIG.copy(head, 0);
    const huge: ByteSource = {
      size: MAX_EMBEDDED_HDF5_BYTES + 1,
      bytesRead: 0,
      read: async (o, n) => head.subarray(Math.min(o, 4096), Math.min(4096, o + n)),
      stream: async function* () {
        throw new Error('must not stream');
      },
      close: async () => undefined,
    };
    const findings: Finding[] = [];
    await kerasH5Scanner.scan(huge, fakeCtx(findings));
    expect(findings.map((f) => f.ruleId)).toEqual(['BW-KERAS-012']);
    expect(findings[0].impact).toBe('inconclusive');
  });

  it('is analysed from a temporary copy below it', async () => {
    const bytes = readFileSync(path.join(FIX, 'malicious/lambda_os_system.h5'));
    const { BufferSource } = await import('../../../src/scan/source.js');
    const findings: Finding[] = [];
    await kerasH5Scanner.scan(new BufferSource(bytes), fakeCtx(findings));
    expect(findings.map((f) => f.ruleId)).toEqual(['BW-KERAS-001']);
  });
});
