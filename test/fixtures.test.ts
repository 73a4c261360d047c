import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scan } from '../src/scan/engine.js';

/**
 * Fixtures written by scripts/generate-fixtures.py: benign files from the real libraries (torch, joblib,
 * scikit-learn, numpy, pandas, scipy) and hand-assembled attacks covering every bypass class in the research notes.
 */
const DIR = path.resolve(__dirname, '../fixtures');
const manifest = JSON.parse(readFileSync(path.join(DIR, 'manifest.json'), 'utf8')) as {
  files: {
    path: string;
    label: string;
    class: string;
    expect: { verdict: string; globals?: string[] };
    sha256: string;
  }[];
};

describe('generated fixtures (fixtures/manifest.json)', () => {
  it('has real-library benign files and attacks of every class', () => {
    const benign = manifest.files.filter((f) => f.label === 'benign');
    const malicious = manifest.files.filter((f) => f.label === 'malicious');
    expect(benign.length).toBeGreaterThanOrEqual(60);
    expect(malicious.length).toBeGreaterThanOrEqual(150);
    expect(new Set(malicious.map((f) => f.class)).size).toBeGreaterThanOrEqual(30);
  });

  it.each(manifest.files.map((f) => [f.label, f.path, f]))('%s: %s', async (_label, p, f) => {
    const file = path.join(DIR, p);
    expect(
      createHash('sha256').update(readFileSync(file)).digest('hex'),
      'fixture changed: regenerate the manifest',
    ).toBe(f.sha256);
    const r = (await scan([file])).files[0];
    const detail = JSON.stringify(r.findings.map((x) => `${x.ruleId} ${x.message}`));
    expect(r.verdict, detail).toBe(f.expect.verdict);
    const found = new Set(r.findings.map((x) => x.evidence?.global).filter(Boolean));
    for (const g of f.expect.globals ?? []) expect(found.has(g), `${g} not reported: ${detail}`).toBe(true);
    if (f.label === 'benign')
      expect(
        r.findings.filter((x) => x.impact !== 'none'),
        detail,
      ).toEqual([]);
  });
});
