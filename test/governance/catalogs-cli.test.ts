import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { frameworksImport, frameworksList } from '../../src/cli/commands/frameworks.js';
import type { CliIo } from '../../src/cli/io.js';
import { ensureBuilt, ROOT, runCli } from '../cli/helpers.js';

function memIo(env: NodeJS.ProcessEnv = {}): CliIo & { out: () => string } {
  let buf = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      buf += chunk.toString('utf8');
      cb();
    },
  });
  return { stdout: stream, stderr: stream, env, cwd: ROOT, out: () => buf };
}

const OFFICIAL = path.resolve(ROOT, '..', 'shared', 'data', 'atlas', 'dist', 'ATLAS.yaml');

let dir: string;
beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(path.join(os.tmpdir(), 'bulwark-fw-cli-'));
}, 180_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('bulwark frameworks', () => {
  it('list: every catalog with version and counts (json)', async () => {
    const r = await runCli(['frameworks', 'list', '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as {
      catalogs: { framework: string; version: string; counts: Record<string, number> }[];
    };
    const by = Object.fromEntries(j.catalogs.map((c) => [c.framework, c]));
    expect(by.atlas).toMatchObject({
      version: '5.6.0',
      counts: { tactic: 16, technique: 101, 'sub-technique': 69, mitigation: 35 },
    });
    expect(by.nistAiRmf.counts).toEqual({ function: 4, category: 19, subcategory: 72 });
    expect(by.iso42001.counts).toEqual({ objective: 9, control: 38 });
    expect(Object.keys(by).sort()).toEqual([
      'atlas',
      'euAiAct',
      'iso42001',
      'nist600-1',
      'nistAiRmf',
      'owaspLlm',
      'owaspMl',
    ]);
  });
  it('show: one entry with its crosswalks; an unknown id or framework is a usage error', async () => {
    const r = await runCli(['frameworks', 'show', 'nist-ai-rmf', 'MEASURE 2.7']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^MEASURE 2\.7 {2}Security and resilience \(subcategory, part of MEASURE 2\)/);
    expect(r.stdout).toContain('intersects euAiAct Art. 15');
    const j = await runCli(['frameworks', 'show', 'atlas', 'AML.T0010', '--format', 'json']);
    const doc = JSON.parse(j.stdout);
    expect(doc.entry).toMatchObject({
      id: 'AML.T0010',
      kind: 'technique',
      extra: { tactics: ['AML.TA0004'] },
    });
    expect(doc.children).toEqual([
      'AML.T0010.000',
      'AML.T0010.001',
      'AML.T0010.002',
      'AML.T0010.003',
      'AML.T0010.004',
      'AML.T0010.005',
    ]);
    const bad = await runCli(['frameworks', 'show', 'atlas', 'AML.T9999']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/"AML.T9999" is not in MITRE ATLAS 5.6.0/);
  });
  it('map: a rule’s controls, family defaults marked, plus crosswalks', async () => {
    const r = await runCli(['frameworks', 'map', 'BW-PKL-001', '--format', 'json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ rule: 'BW-PKL-001', family: 'pickle', familyDefaults: true });
    const ids = (j.controls as { framework: string; id: string }[]).map((c) => `${c.framework} ${c.id}`);
    expect(ids).toEqual(
      expect.arrayContaining([
        'nistAiRmf MEASURE 2.7',
        'iso42001 A.10.3',
        'euAiAct Art. 15',
        'atlas AML.T0011.000',
      ]),
    );
    expect((j.viaCrosswalks as { id: string }[]).map((c) => c.id)).toContain('A.6.2.4');
    const text = await runCli(['frameworks', 'map', 'BW-FAIR-001', '--no-crosswalks']);
    expect(text.stdout).toContain('MEASURE 2.11');
    expect(text.stdout).not.toContain('via crosswalks');
  });
  it('import atlas: strict fails on the official v5.6.0 file naming the defect (exit 2)', async () => {
    const r = await runCli(['frameworks', 'import', 'atlas', OFFICIAL]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('AML.M0018: ml-lifecycle[6] holds a technique mapping {id: AML.T0052.001}');
    expect(r.stderr).toContain('AML.M0034');
    expect(r.stderr).toContain('--lenient');
  });
  it('import atlas --lenient --out: repairs, writes atlas-<version>.json, and a catalog dir makes it the one used', async () => {
    const out = path.join(dir, 'catalogs');
    const r = await runCli([
      'frameworks',
      'import',
      'atlas',
      OFFICIAL,
      '--lenient',
      '--out',
      out,
      '--format',
      'json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.counts).toEqual({
      tactics: 16,
      techniques: 170,
      topLevel: 101,
      subTechniques: 69,
      mitigations: 35,
    });
    expect(j.repairs).toHaveLength(2);
    expect(j.diff).toEqual({ from: '5.6.0', to: '5.6.0', added: [], removed: [], renamed: [] });
    expect(await readdir(out)).toEqual(['atlas-5.6.0.json']);
    // Make a "newer" release from it and check that the catalog dir takes precedence.
    const cat = JSON.parse(await readFile(path.join(out, 'atlas-5.6.0.json'), 'utf8'));
    cat.version = '5.7.0';
    cat.entries.push({
      id: 'AML.T0200',
      name: 'Brand New',
      kind: 'technique',
      description: 'A test entry added here.',
    });
    await writeFile(path.join(out, 'atlas-5.7.0.json'), JSON.stringify(cat));
    const shown = await runCli(['frameworks', 'show', 'atlas', 'AML.T0200'], {
      env: { BULWARK_CATALOG_DIR: out },
    });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('Brand New');
  });
  it('import: a malformed file is an error naming the problem; other frameworks cannot be imported', async () => {
    const f = path.join(dir, 'bad.yaml');
    await writeFile(
      f,
      'id: ATLAS\nversion: 1.0.0\nmatrices:\n  - id: ATLAS\n    tactics: []\n    techniques:\n      - id: AML.T1\n        name: x\n    mitigations: []\n',
    );
    const r = await runCli(['frameworks', 'import', 'atlas', f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('id does not match the technique id format');
    const other = await runCli(['frameworks', 'import', 'iso42001', f]);
    expect(other.code).toBe(3);
  });
  it('text output of import --lenient and list (in process), with a catalog dir from the environment', async () => {
    const io = memIo();
    expect(await frameworksImport('atlas', OFFICIAL, { lenient: true }, io)).toBe(0);
    expect(io.out()).toContain(
      'ATLAS 5.6.0: 16 tactics, 170 techniques (101 top-level, 69 sub-techniques), 35 mitigations',
    );
    expect(io.out()).toContain(
      'repaired AML.M0018 ml-lifecycle: moved AML.T0052.001 from ml-lifecycle[6] to techniques',
    );
    expect(io.out()).toContain('compared with shipped 5.6.0: 0 added, 0 removed, 0 renamed');
    expect(io.out()).toContain('validated only');
    const out = path.join(dir, 'catalogs');
    const listIo = memIo({ BULWARK_CATALOG_DIR: out });
    expect(await frameworksList({}, listIo)).toBe(0);
    expect(listIo.out()).toMatch(/^atlas\s+5\.7\.0\s+MITRE ATLAS$/m);
    expect(listIo.out()).toMatch(/^iso42001\s+2023\s+ISO\/IEC 42001 Annex A\n\s+9 objectives, 38 controls$/m);
  });
});
