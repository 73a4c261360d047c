import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scan } from '../../../src/scan/engine.js';
import { JSON_ANALYZERS } from '../../../src/scan/formats/json/json-scanner.js';
import type { JsonAnalyzer } from '../../../src/scan/formats/json/analyzers.js';
import {
  otherJsonAnalyzers,
  skopsSchemaAnalyzer,
  torchserveManifestAnalyzer,
  xgboostJsonAnalyzer,
} from '../../../src/scan/formats/other/json-analyzers.js';

// The analyzers are registered in json-scanner.ts by the lead; until then this test registers them itself (the
// engine reads JSON_ANALYZERS at scan time), so the fixtures below are checked either way.
const registry = JSON_ANALYZERS as JsonAnalyzer[];
for (const a of otherJsonAnalyzers) if (!registry.some((x) => x.id === a.id)) registry.push(a);

interface Entry {
  path: string;
  label: 'benign' | 'malicious';
  expect: { verdict: string; rules?: string[]; formats?: string[] };
  sha256: string;
}

const DIR = path.resolve(__dirname, '../../../fixtures/formats/other/json-analyzers');
const manifest = JSON.parse(readFileSync(path.join(DIR, 'manifest.json'), 'utf8')) as { files: Entry[] };

describe('fixtures/formats/other/json-analyzers', () => {
  it.each(manifest.files.map((f) => [f.label, f.path, f] as const))('%s: %s', async (_l, p, f) => {
    const file = path.join(DIR, p);
    expect(createHash('sha256').update(readFileSync(file)).digest('hex'), 'fixture changed: regenerate').toBe(
      f.sha256,
    );
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

describe('JSON analyzer matching', () => {
  it('recognises each document by content', () => {
    expect(xgboostJsonAnalyzer.match({ learner: {}, version: [2, 0, 3] }, 'x.json')).toBeGreaterThan(0);
    expect(xgboostJsonAnalyzer.match({ learner: {} }, 'model.json')).toBe(0);
    expect(
      skopsSchemaAnalyzer.match(
        { __class__: 'Pipeline', __module__: 'sklearn.pipeline', __loader__: 'ObjectNode', protocol: 2 },
        'schema.json',
      ),
    ).toBeGreaterThan(50);
    expect(skopsSchemaAnalyzer.match({ architectures: ['BertModel'] }, 'config.json')).toBe(0);
    expect(
      torchserveManifestAnalyzer.match(
        { model: { handler: 'image_classifier', modelName: 'm' }, archiverVersion: '0.9.0' },
        'MAR-INF/MANIFEST.json',
      ),
    ).toBeGreaterThan(50);
    expect(torchserveManifestAnalyzer.match({ model: 'bert' }, 'MANIFEST.json')).toBe(0);
  });
});
