import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/program.js';
import { loadEvidence } from '../../src/trust/card/evidence.js';
import { getRule } from '../../src/core/rules.js';
import { controlsForRule } from '../../src/governance/mappings.js';
import '../../src/all-rules.js';
import { fakeIo } from '../cli/fakes.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const POISONED = 'fixtures/adversarial/poison/digits-poisoned-activations.csv';
const CLEAN = 'fixtures/adversarial/poison/digits-clean-activations.csv';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bulwark-poison-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cli = async (args: string[]) => {
  const io = fakeIo(ROOT);
  const code = await run(['poison', ...args], io);
  return { code, stdout: io.stdout.text, stderr: io.stderr.text };
};

describe('bulwark poison', () => {
  it('exit 1 on the backdoored digits; JSON result, suspects CSV and audit import', async () => {
    const out = path.join(dir, 'poison.json');
    const sus = path.join(dir, 'suspects.csv');
    const r = await cli([
      POISONED,
      '--label',
      'label',
      '--embedding-cols',
      'e',
      '--features',
      'true_label',
      '--checks',
      'spectral,clustering,duplicates',
      '--expected-poison',
      '0.2',
      '--format',
      'json',
      '-o',
      out,
      '--suspects',
      sus,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/spectral\s+SUSPICIOUS/);
    expect(r.stdout).toMatch(/verdict: possible poisoning/);
    const doc = JSON.parse(await readFile(out, 'utf8'));
    expect(doc.kind).toBe('bulwark.poison');
    expect(doc.schemaVersion).toBe(1);
    expect(doc.suspects).toBeUndefined();
    expect(doc.detectors.map((d: { check: string }) => d.check)).toEqual([
      'spectral',
      'clustering',
      'duplicates',
    ]);
    expect(doc.metrics.spectral.triggered).toBe(1);
    // true_label as the only feature: every class-0 row relabelled 6 duplicates a class-0 row → conflicts
    expect(doc.metrics.duplicates.suspects).toBeGreaterThan(50);
    const csv = (await readFile(sus, 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('row,check,score,label');
    const spectralRows = csv.filter((l) => l.split(',')[1] === 'spectral');
    expect(spectralRows.length).toBe(doc.detectors[0].suspects);
    expect(spectralRows.every((l) => l.endsWith(',6'))).toBe(true);
    const ev = await loadEvidence(out);
    expect(ev.findings.map((f) => f.ruleId)).toContain('BW-POISON-004');
  });

  it('exit 0 on the clean digits with spectral signatures', async () => {
    const r = await cli([CLEAN, '--label', 'label', '--embedding-cols', 'e', '--checks', 'spectral']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/spectral\s+ok/);
    expect(r.stdout).toMatch(/no detector exceeded/);
  });

  it('embeddings as a separate file; model-free checks on numeric features', async () => {
    const lines = (await readFile(path.join(ROOT, POISONED), 'utf8')).trim().split('\n');
    const data = lines.map((l) => l.split(',').slice(0, 3).join(',')).join('\n');
    const emb = lines.map((l) => l.split(',').slice(3).join(',')).join('\n');
    await writeFile(path.join(dir, 'data.csv'), `${data}\n`);
    await writeFile(path.join(dir, 'emb.csv'), `${emb}\n`);
    const r = await cli([
      path.join(dir, 'data.csv'),
      '--label',
      'label',
      '--embeddings',
      path.join(dir, 'emb.csv'),
      '--checks',
      'spectral',
      '--expected-poison',
      '0.2',
      '--format',
      'json',
    ]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).detectors[0].suspects).toBe(62);
    // mismatched row counts
    await writeFile(
      path.join(dir, 'short.csv'),
      `${[lines[0]!, ...lines.slice(3, 10)].map((l) => l.split(',').slice(3).join(',')).join('\n')}\n`,
    );
    const bad = await cli([
      path.join(dir, 'data.csv'),
      '--label',
      'label',
      '--embeddings',
      path.join(dir, 'short.csv'),
    ]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/embeddings have 7 rows but the data has 1500/);
  });

  it('usage errors exit 3; unreadable data exits 2', async () => {
    const badCheck = await cli([CLEAN, '--label', 'label', '--checks', 'magic']);
    expect(badCheck.code).toBe(3);
    expect(badCheck.stderr).toMatch(/--checks "magic": choose from knn, duplicates/);
    const noLabel = await cli([CLEAN, '--label', 'nope']);
    expect(noLabel.code).toBe(3);
    expect(noLabel.stderr).toMatch(/no label column "nope"/);
    const both = await cli([CLEAN, '--label', 'label', '--embeddings', CLEAN, '--embedding-cols', 'e']);
    expect(both.code).toBe(3);
    await writeFile(path.join(dir, 'text.csv'), 'a,b,label\n1,x,0\n2,y,1\n');
    const cat = await cli([path.join(dir, 'text.csv'), '--label', 'label', '--features', 'a,b']);
    expect(cat.code).toBe(3);
    expect(cat.stderr).toMatch(/column "b" is not numeric .*one-hot or ordinal-encode/);
    await writeFile(path.join(dir, 'broken.parquet'), 'PAR1 not really parquet');
    const broken = await cli([path.join(dir, 'broken.parquet'), '--label', 'label']);
    expect(broken.code).toBe(2);
    const k = await cli([CLEAN, '--label', 'label', '--k', '0']);
    expect(k.code).toBe(3);
  });

  it('rules are registered with their framework mappings', () => {
    for (const id of [
      'BW-POISON-001',
      'BW-POISON-002',
      'BW-POISON-003',
      'BW-POISON-004',
      'BW-POISON-005',
      'BW-POISON-006',
    ]) {
      const rule = getRule(id);
      expect(rule?.family).toBe('poisoning');
      const c = controlsForRule(rule!);
      expect(c.atlas).toContain('AML.T0020');
      expect(c.euAiAct).toEqual(expect.arrayContaining(['Art. 10', 'Art. 15']));
    }
    expect(controlsForRule(getRule('BW-POISON-004')!).atlas).toContain('AML.T0018');
  });
});
