import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scan } from '../../src/scan/engine.js';

/**
 * Per-format fixtures (fixtures/formats/<format>/manifest.json), written by each format's generator under
 * scripts/: benign files from the real libraries or spec-following writers, and crafted malicious variants.
 */
interface Entry {
  path: string;
  label: 'benign' | 'malicious';
  class: string;
  expect: { verdict: string; rules?: string[]; formats?: string[] };
  note?: string;
  sha256: string;
}

const ROOT = path.resolve(__dirname, '../../fixtures/formats');
const formats = existsSync(ROOT)
  ? readdirSync(ROOT).filter((d) => existsSync(path.join(ROOT, d, 'manifest.json')))
  : [];

for (const format of formats) {
  const dir = path.join(ROOT, format);
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { files: Entry[] };
  describe(`fixtures/formats/${format}`, () => {
    it('has benign and malicious files', () => {
      expect(manifest.files.some((f) => f.label === 'benign')).toBe(true);
      expect(manifest.files.some((f) => f.label === 'malicious')).toBe(true);
    });
    it.each(manifest.files.map((f) => [f.label, f.path, f] as const))('%s: %s', async (_l, p, f) => {
      const file = path.join(dir, p);
      expect(
        createHash('sha256').update(readFileSync(file)).digest('hex'),
        'fixture changed: regenerate',
      ).toBe(f.sha256);
      const r = (await scan([file])).files[0];
      const detail = JSON.stringify(r.findings.map((x) => `${x.ruleId} ${x.message}`));
      expect(r.verdict, detail).toBe(f.expect.verdict);
      const rules = new Set(r.findings.map((x) => x.ruleId));
      for (const id of f.expect.rules ?? []) expect(rules.has(id), `${id} missing: ${detail}`).toBe(true);
      for (const fmt of f.expect.formats ?? []) expect(r.formats, detail).toContain(fmt);
      if (f.label === 'benign')
        expect(
          r.findings.filter((x) => x.impact !== 'none'),
          detail,
        ).toEqual([]);
    });
  });
}
