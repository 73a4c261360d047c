import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ScanReport } from '../../src/scan/types.js';
import { ROOT, ensureBuilt } from '../cli/helpers.js';

const CORPUS = path.resolve(ROOT, '../shared/corpora/picklescan/tests');

describe('worker threads (built package)', () => {
  let scan: (paths: string[], o?: object) => Promise<ScanReport>;
  beforeAll(async () => {
    await ensureBuilt();
    ({ scan } = await import(pathToFileURL(path.join(ROOT, 'dist/scan/engine.js')).href));
  });

  it('gives exactly the same results on worker threads as in the main thread', async () => {
    const a = await scan([CORPUS, path.join(ROOT, 'fixtures')], { workers: false });
    const b = await scan([CORPUS, path.join(ROOT, 'fixtures')], { workers: true, concurrency: 2 });
    const strip = (r: ScanReport) => r.files.map((f) => ({ ...f, durationMs: 0 }));
    expect(strip(b)).toEqual(strip(a));
    expect(a.summary.malicious).toBeGreaterThan(200);
  });
});

describe('worker threads under memory pressure (built package)', () => {
  it('a file that exhausts its worker heap is inconclusive and the scan finishes', async () => {
    await ensureBuilt();
    const { scan } = await import(pathToFileURL(path.join(ROOT, 'dist/scan/engine.js')).href);
    const files = [
      path.join(ROOT, 'fixtures/benign/torch/state_dict.pt'),
      path.join(ROOT, 'fixtures/benign/sklearn/kmeans.joblib'),
    ];
    const r = (await scan(files, { workers: true, workerMemoryMb: 8 })) as ScanReport;
    expect(r.files.map((f) => f.verdict)).toEqual(['inconclusive', 'inconclusive']);
    expect(r.files[0].findings[0].message).toMatch(/memory limit|exited/);
    const ok = (await scan(files, { workers: true })) as ScanReport;
    expect(ok.files.map((f) => f.verdict)).toEqual(['clean', 'clean']);
  });
});
