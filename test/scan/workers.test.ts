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
