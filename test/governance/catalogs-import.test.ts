import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { LimitError, ParseError } from '../../src/core/errors.js';
import { ATLAS } from '../../src/governance/catalogs/atlas.js';
import {
  AtlasValidationError,
  diffCatalogs,
  importAtlasFile,
  normaliseDate,
  parseAtlasYaml,
} from '../../src/governance/catalogs/import-atlas.js';
import { findEntry, getCatalog } from '../../src/governance/catalogs/index.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const OFFICIAL = path.resolve(ROOT, '..', 'shared', 'data', 'atlas', 'dist', 'ATLAS.yaml');

let dir: string;
let officialText: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'bulwark-atlas-'));
  officialText = await readFile(OFFICIAL, 'utf8');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A small, valid ATLAS-shaped document; tests break it in one place each. */
function small(): Record<string, unknown> {
  return {
    id: 'ATLAS',
    name: 'test',
    version: '9.0.0',
    matrices: [
      {
        id: 'ATLAS',
        name: 'ATLAS Matrix',
        tactics: [{ id: 'AML.TA0004', name: 'Initial Access', description: 'd', 'object-type': 'tactic' }],
        techniques: [
          {
            id: 'AML.T0010',
            name: 'AI Supply Chain Compromise',
            description: 'd',
            'object-type': 'technique',
            tactics: ['AML.TA0004'],
            maturity: 'realized',
            created_date: '2021-05-13',
          },
          {
            id: 'AML.T0010.003',
            name: 'Model',
            description: 'd',
            'object-type': 'technique',
            'subtechnique-of': 'AML.T0010',
            maturity: 'realized',
          },
        ],
        mitigations: [
          {
            id: 'AML.M0016',
            name: 'Vulnerability Scanning',
            description: 'd',
            'object-type': 'mitigation',
            techniques: [{ id: 'AML.T0010.003', use: 'u' }],
            'ml-lifecycle': ['Deployment'],
            category: ['Technical - Cyber'],
          },
        ],
      },
    ],
  };
}
const matrix = (d: Record<string, unknown>) =>
  (d.matrices as Record<string, unknown>[])[0] as Record<string, Record<string, unknown>[]>;

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof AtlasValidationError) return err.problems;
    throw err;
  }
  throw new Error('expected AtlasValidationError');
}

describe('official ATLAS.yaml v5.6.0', () => {
  it('strict mode fails and names the known defect (AML.M0018, AML.M0034, ml-lifecycle, AML.T0052.001)', async () => {
    const err = await importAtlasFile(OFFICIAL).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AtlasValidationError);
    const e = err as AtlasValidationError;
    expect(e.problems).toHaveLength(2);
    expect(e.problems[0]).toMatch(
      /^AML\.M0018: ml-lifecycle\[6\] holds a technique mapping \{id: AML\.T0052\.001\}/,
    );
    expect(e.problems[1]).toMatch(/^AML\.M0034: ml-lifecycle\[4\]/);
    expect(e.message).toContain('--lenient');
    expect(e.message).not.toContain('\n');
    expect(e.code).toBe('E_PARSE');
  });
  it('lenient mode succeeds with 16/170/35, reports 2 repairs, and matches the shipped catalog exactly', async () => {
    const r = await importAtlasFile(OFFICIAL, { lenient: true });
    expect(r.counts).toEqual({
      tactics: 16,
      techniques: 170,
      topLevel: 101,
      subTechniques: 69,
      mitigations: 35,
    });
    expect(r.repairs).toEqual([
      {
        entry: 'AML.M0018',
        field: 'ml-lifecycle',
        message: 'moved AML.T0052.001 from ml-lifecycle[6] to techniques',
      },
      {
        entry: 'AML.M0034',
        field: 'ml-lifecycle',
        message: 'moved AML.T0052.001 from ml-lifecycle[4] to techniques',
      },
    ]);
    expect(r.undescribed).toEqual([]);
    // The committed data file was generated from this file by the same loader.
    expect(r.catalog).toEqual(ATLAS);
    expect(diffCatalogs(ATLAS, r.catalog)).toEqual({
      from: '5.6.0',
      to: '5.6.0',
      added: [],
      removed: [],
      renamed: [],
    });
  });
  it('never ships ATLAS prose: no Bulwark sentence occurs in, or starts like, the ATLAS description', () => {
    const doc = parse(officialText) as { matrices: { tactics: R[]; techniques: R[]; mitigations: R[] }[] };
    type R = { id: string; description: string };
    const m = doc.matrices[0];
    const theirs = new Map(
      [...m.tactics, ...m.techniques, ...m.mitigations].map((x) => [x.id, x.description.toLowerCase()]),
    );
    for (const e of ATLAS.entries) {
      const ours = e.description.toLowerCase().replace(/\.$/, '');
      if (ours.split(' ').length < 5) continue; // short phrases such as "Public datasets" may occur anywhere
      expect(theirs.get(e.id)!.includes(ours), e.id).toBe(false);
      expect(theirs.get(e.id)!.startsWith(ours.slice(0, 40)), e.id).toBe(false);
    }
  });
});

describe('validation of crafted files', () => {
  it('accepts the small valid document and inherits tactics for sub-techniques', () => {
    const r = parseAtlasYaml(JSON.stringify(small()));
    expect(r.counts).toEqual({ tactics: 1, techniques: 2, topLevel: 1, subTechniques: 1, mitigations: 1 });
    expect(r.catalog.version).toBe('9.0.0');
    expect(r.catalog.entries.find((e) => e.id === 'AML.T0010.003')!.extra?.tactics).toEqual(['AML.TA0004']);
    expect(r.catalog.entries.find((e) => e.id === 'AML.T0010')!.extra?.created).toBe('2021-05-13');
  });
  it('dangling references: technique → tactic, sub-technique → parent, mitigation → technique', () => {
    const d = small();
    matrix(d).techniques[0].tactics = ['AML.TA0099'];
    matrix(d).techniques[1]['subtechnique-of'] = 'AML.T0011';
    (matrix(d).mitigations[0].techniques as unknown as { id: string }[])[0].id = 'AML.T0999';
    const p = problemsOf(() => parseAtlasYaml(JSON.stringify(d)));
    expect(p).toContain('technique AML.T0010: tactics refers to unknown tactic AML.TA0099');
    expect(p).toContain('technique AML.T0010.003: subtechnique-of refers to unknown technique AML.T0011');
    expect(p).toContain('mitigation AML.M0016: techniques[0] refers to unknown technique AML.T0999');
  });
  it('duplicate ids', () => {
    const d = small();
    matrix(d).techniques.push({ ...matrix(d).techniques[0] });
    expect(problemsOf(() => parseAtlasYaml(JSON.stringify(d)))).toEqual([
      'technique AML.T0010: duplicate id',
    ]);
  });
  it('bad id formats and wrong object types', () => {
    const d = small();
    matrix(d).tactics[0].id = 'TA0004';
    matrix(d).mitigations[0].id = 'AML.M16';
    matrix(d).techniques[0]['object-type'] = 'mitigation';
    const p = problemsOf(() => parseAtlasYaml(JSON.stringify(d)));
    expect(p).toContain('tactic TA0004: id does not match the tactic id format');
    expect(p).toContain('mitigation AML.M16: id does not match the mitigation id format');
    expect(p).toContain('technique AML.T0010: object-type is "mitigation", expected "technique"');
  });
  it('missing required fields, bad maturity and bad dates', () => {
    const d = small();
    delete matrix(d).techniques[0].name;
    matrix(d).techniques[0].maturity = 'rumoured';
    matrix(d).techniques[1].modified_date = '2024-02-30';
    matrix(d).tactics[0].name = 'Initial\u001b[31mAccess';
    delete matrix(d).mitigations[0].techniques;
    const p = problemsOf(() => parseAtlasYaml(JSON.stringify(d)));
    expect(p).toContain('technique AML.T0010: field name is missing');
    expect(p).toContain(
      'technique AML.T0010: maturity "rumoured" is not one of feasible, demonstrated, realized',
    );
    expect(p).toContain('technique AML.T0010.003: modified_date "2024-02-30" is not a YYYY-MM-DD date');
    expect(p).toContain('mitigation AML.M0016: field techniques is missing or not a list');
    expect(p).toContain('tactic AML.TA0004: name contains control characters');
  });
  it('a document that is not a mapping, or has no matrices', () => {
    expect(problemsOf(() => parseAtlasYaml('- a\n- b\n'))).toEqual(['the document is not a mapping']);
    expect(problemsOf(() => parseAtlasYaml('just a string'))).toEqual(['the document is not a mapping']);
    expect(problemsOf(() => parseAtlasYaml('id: ATLAS\nversion: 1.0.0\n'))).toEqual([
      'matrices is missing or empty',
    ]);
    const d = small();
    (matrix(d).techniques as unknown[]).push('AML.T0001');
    expect(problemsOf(() => parseAtlasYaml(JSON.stringify(d)))).toEqual(['techniques[2] is not a mapping']);
  });
  it('oversized input is refused before parsing; custom tags and duplicate keys are refused', async () => {
    expect(() => parseAtlasYaml('x'.repeat(2000), { maxBytes: 1000 })).toThrow(LimitError);
    const big = path.join(dir, 'big.yaml');
    await writeFile(big, Buffer.alloc(2048, 0x20));
    await expect(importAtlasFile(big, { maxBytes: 1024 })).rejects.toThrow(/more than the 1024-byte limit/);
    expect(() => parseAtlasYaml('id: ATLAS\nmatrices: !include matrix.yaml\n')).toThrow(ParseError);
    expect(() => parseAtlasYaml('id: ATLAS\nid: OTHER\n')).toThrow(/not valid YAML/);
    expect(() => parseAtlasYaml('a: [1, 2\n')).toThrow(ParseError);
  });
  it('a missing file is a not-found error', async () => {
    await expect(importAtlasFile(path.join(dir, 'nope.yaml'))).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });
  it('normaliseDate handles strings and Date objects and rejects impossible dates', () => {
    expect(normaliseDate('2022-01-24')).toBe('2022-01-24');
    expect(normaliseDate(new Date('2022-01-24T00:00:00Z'))).toBe('2022-01-24');
    expect(normaliseDate('2022-13-01')).toBeUndefined();
    expect(normaliseDate(20220124)).toBeUndefined();
  });
});

describe('imported catalogs at run time', () => {
  it('diffCatalogs reports added, removed and renamed ids', () => {
    const d = small();
    const r = parseAtlasYaml(JSON.stringify(d));
    const diff = diffCatalogs(ATLAS, r.catalog);
    expect(diff.to).toBe('9.0.0');
    expect(diff.added).toEqual([]);
    expect(diff.removed).toHaveLength(221 - 4);
    expect(diff.renamed).toEqual([]);
    matrix(d).techniques[0].name = 'Supply Chain Compromise';
    matrix(d).techniques.push({
      id: 'AML.T0200',
      name: 'Brand New',
      description: 'd',
      'object-type': 'technique',
      tactics: ['AML.TA0004'],
    });
    const r2 = parseAtlasYaml(JSON.stringify(d));
    const diff2 = diffCatalogs(ATLAS, r2.catalog);
    expect(diff2.added).toEqual(['AML.T0200']);
    expect(diff2.renamed).toEqual([
      { id: 'AML.T0010', from: 'AI Supply Chain Compromise', to: 'Supply Chain Compromise' },
    ]);
    expect(r2.undescribed).toEqual(['AML.T0200']);
    expect(r2.catalog.entries.find((e) => e.id === 'AML.T0200')!.description).toMatch(
      /no Bulwark description yet/,
    );
  });
  it('getCatalog prefers a newer valid atlas-<version>.json in the catalog dir, ignores older or broken ones', async () => {
    const cdir = await mkdtemp(path.join(dir, 'cat-'));
    const d = small();
    matrix(d).techniques.push({
      id: 'AML.T0200',
      name: 'Brand New',
      description: 'd',
      'object-type': 'technique',
      tactics: ['AML.TA0004'],
    });
    const newer = parseAtlasYaml(JSON.stringify(d)).catalog;
    await writeFile(path.join(cdir, 'atlas-5.5.0.json'), JSON.stringify({ ...newer, version: '5.5.0' }));
    expect(getCatalog('atlas', { dir: cdir })).toBe(ATLAS);
    await writeFile(path.join(cdir, 'atlas-10.0.0.json'), '{ not json');
    await writeFile(path.join(cdir, 'atlas-9.0.0.json'), JSON.stringify(newer));
    const got = getCatalog('atlas', { dir: cdir });
    expect(got.version).toBe('9.0.0');
    expect(findEntry('atlas', 'AML.T0200', { dir: cdir })?.name).toBe('Brand New');
    expect(findEntry('atlas', 'AML.T0200', { dir: null })).toBeUndefined();
    // A file whose content claims another version than its name is ignored.
    await writeFile(path.join(cdir, 'atlas-9.1.0.json'), JSON.stringify(newer));
    expect(getCatalog('atlas', { dir: cdir }).version).toBe('9.0.0');
    expect(getCatalog('atlas', { dir: path.join(cdir, 'missing') })).toBe(ATLAS);
  });
});
