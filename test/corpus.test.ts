import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scan } from '../src/scan/engine.js';

/** The shared third-party corpora (picklescan, ModelScan) with their labels; read in place, never copied. */
const CORPORA = path.resolve(__dirname, '../../shared/corpora');
const labels = existsSync(path.join(CORPORA, 'labels.json'))
  ? (JSON.parse(readFileSync(path.join(CORPORA, 'labels.json'), 'utf8')) as {
      files: { path: string; label: 'malicious' | 'benign'; note: string }[];
    })
  : { files: [] };

/** Encrypted archives cannot be inspected: Bulwark reports them inconclusive (never clean, never malicious). */
const ENCRYPTED = new Set([
  'picklescan/tests/data/benign_password_protected.zip',
  'modelscan/tests/data/password_protected.zip',
]);

describe.skipIf(labels.files.length === 0)('shared corpora (labels.json)', () => {
  it('labels every file', () => {
    expect(labels.files.length).toBeGreaterThan(100);
  });

  const malicious = labels.files.filter((f) => f.label === 'malicious');
  const benign = labels.files.filter((f) => f.label === 'benign');

  it.each(malicious.map((f) => [f.path]))('malicious: %s', async (p) => {
    const r = await scan([path.join(CORPORA, p)]);
    const file = r.files[0];
    expect(file.verdict, JSON.stringify(file.findings.map((f) => f.message))).toBe('malicious');
    expect(file.findings.some((f) => f.impact === 'malicious')).toBe(true);
  });

  it.each(benign.map((f) => [f.path]))('benign: %s', async (p) => {
    const r = await scan([path.join(CORPORA, p)]);
    const file = r.files[0];
    const expected = ENCRYPTED.has(p) ? 'inconclusive' : 'clean';
    expect(file.verdict, JSON.stringify(file.findings.map((f) => `${f.ruleId} ${f.message}`))).toBe(expected);
  });
});
