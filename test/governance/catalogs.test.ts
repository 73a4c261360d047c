import { describe, expect, it } from 'vitest';
import rawDescriptions from '../../src/governance/catalogs/data/atlas-descriptions.json' with { type: 'json' };
import {
  CROSSWALKS,
  crosswalksFor,
  expandControls,
  RELATIONSHIPS,
} from '../../src/governance/catalogs/crosswalks.js';
import {
  allCatalogs,
  ATLAS,
  EU_AI_ACT,
  findEntry,
  FRAMEWORKS,
  getCatalog,
  ISO_42001,
  NIST_AI_600_1,
  NIST_AI_RMF,
  OWASP_LLM,
  OWASP_ML,
  validateReferences,
  type Catalog,
} from '../../src/governance/catalogs/index.js';

const count = (c: Catalog, kind: string) => c.entries.filter((e) => e.kind === kind).length;

describe('catalog counts', () => {
  it('ATLAS 5.6.0: 16 tactics, 170 techniques (101 + 69 sub-techniques), 35 mitigations', () => {
    expect(ATLAS.version).toBe('5.6.0');
    expect(count(ATLAS, 'tactic')).toBe(16);
    expect(count(ATLAS, 'technique')).toBe(101);
    expect(count(ATLAS, 'sub-technique')).toBe(69);
    expect(count(ATLAS, 'mitigation')).toBe(35);
    expect(ATLAS.entries).toHaveLength(221);
  });
  it('ATLAS facts: parents, tactic membership, maturity and mitigation links are consistent', () => {
    const byId = new Map(ATLAS.entries.map((e) => [e.id, e]));
    const tactics = new Set(ATLAS.entries.filter((e) => e.kind === 'tactic').map((e) => e.id));
    for (const e of ATLAS.entries) {
      if (e.kind === 'sub-technique') {
        expect(byId.get(e.parent!)?.kind, e.id).toBe('technique');
        expect(e.id.startsWith(`${e.parent}.`)).toBe(true);
        expect(e.extra?.tactics).toEqual(byId.get(e.parent!)!.extra?.tactics);
      }
      if (e.kind === 'technique' || e.kind === 'sub-technique') {
        const t = e.extra?.tactics as string[];
        expect(t.length, e.id).toBeGreaterThan(0);
        for (const x of t) expect(tactics.has(x), `${e.id} → ${x}`).toBe(true);
        expect(['feasible', 'demonstrated', 'realized']).toContain(e.extra?.maturity);
      }
      if (e.kind === 'mitigation')
        for (const t of e.extra?.techniques as string[])
          expect(byId.get(t)?.kind, `${e.id} → ${t}`).toMatch(/technique/);
    }
    const maturity = ATLAS.entries.reduce<Record<string, number>>((acc, e) => {
      const m = e.extra?.maturity as string | undefined;
      if (m) acc[m] = (acc[m] ?? 0) + 1;
      return acc;
    }, {});
    expect(maturity).toEqual({ demonstrated: 89, realized: 64, feasible: 17 });
    // The repaired v5.6.0 defect: AML.T0052.001 is linked from both mitigations.
    expect(byId.get('AML.M0018')!.extra?.techniques).toContain('AML.T0052.001');
    expect(byId.get('AML.M0034')!.extra?.techniques).toContain('AML.T0052.001');
    expect(byId.get('AML.M0018')!.extra?.lifecycle).not.toContainEqual(
      expect.objectContaining({ id: 'AML.T0052.001' }),
    );
    expect(byId.get('AML.T0010.003')).toMatchObject({
      name: 'Model',
      parent: 'AML.T0010',
      group: 'AML.TA0004',
    });
  });
  it('ATLAS descriptions are Bulwark’s own: one per entry, short, never the ATLAS name alone', () => {
    const d = rawDescriptions as Record<string, string>;
    expect(Object.keys(d).sort()).toEqual(ATLAS.entries.map((e) => e.id).sort());
    for (const e of ATLAS.entries) {
      expect(e.description, e.id).toBe(d[e.id]);
      expect(e.description.length, e.id).toBeLessThan(140);
      // ATLAS's own descriptions typically start "Adversaries may…"; ours never do.
      expect(e.description, e.id).not.toMatch(/^(Adversaries|An adversary|The adversary) (may|is|can)/);
    }
  });
  it('OWASP ML Top 10 2023 with aliases, LLM Top 10 2025', () => {
    expect(OWASP_ML.entries.map((e) => e.id)).toEqual([
      'ML01',
      'ML02',
      'ML03',
      'ML04',
      'ML05',
      'ML06',
      'ML07',
      'ML08',
      'ML09',
      'ML10',
    ]);
    expect(OWASP_ML.entries.find((e) => e.id === 'ML05')!.extra?.aliases).toContain('Model Stealing');
    expect(OWASP_ML.entries.find((e) => e.id === 'ML10')!.extra?.aliases).toContain(
      'Neural Net Reprogramming',
    );
    expect(OWASP_LLM.entries).toHaveLength(10);
    expect(OWASP_LLM.entries[0]).toMatchObject({ id: 'LLM01', name: 'Prompt Injection' });
    expect(OWASP_LLM.entries[9]).toMatchObject({ id: 'LLM10', name: 'Unbounded Consumption' });
  });
  it('NIST AI RMF 1.0: 4 functions, 19 categories, 72 subcategories with the published split', () => {
    expect(count(NIST_AI_RMF, 'function')).toBe(4);
    expect(count(NIST_AI_RMF, 'category')).toBe(19);
    const subs = NIST_AI_RMF.entries.filter((e) => e.kind === 'subcategory');
    expect(subs).toHaveLength(72);
    const per = (f: string) => subs.filter((e) => e.group === f).length;
    expect([per('GOVERN'), per('MAP'), per('MEASURE'), per('MANAGE')]).toEqual([19, 18, 22, 13]);
    for (const s of subs) {
      expect(s.id).toMatch(/^(GOVERN|MAP|MEASURE|MANAGE) \d\.\d{1,2}$/);
      expect(findEntry('nistAiRmf', s.parent!)?.kind).toBe('category');
    }
    expect(subs[0].id).toBe('GOVERN 1.1');
    expect(subs[71].id).toBe('MANAGE 4.3');
  });
  it('NIST AI 600-1: 12 GAI risks', () => {
    expect(NIST_AI_600_1.entries).toHaveLength(12);
    expect(NIST_AI_600_1.entries.map((e) => e.name)).toContain('Confabulation');
    expect(NIST_AI_600_1.entries.map((e) => e.name)).toContain('Value Chain and Component Integration');
  });
  it('ISO/IEC 42001 Annex A: 9 objectives, 38 controls A.2.2 … A.10.4', () => {
    expect(count(ISO_42001, 'objective')).toBe(9);
    const controls = ISO_42001.entries.filter((e) => e.kind === 'control');
    expect(controls).toHaveLength(38);
    expect(controls[0].id).toBe('A.2.2');
    expect(controls[37].id).toBe('A.10.4');
    for (const c of controls) expect(findEntry('iso42001', c.parent!)?.kind).toBe('objective');
    const perObjective = Object.fromEntries(
      ISO_42001.entries
        .filter((e) => e.kind === 'objective')
        .map((o) => [o.id, controls.filter((c) => c.parent === o.id).length]),
    );
    expect(perObjective).toEqual({
      'A.2': 3,
      'A.3': 2,
      'A.4': 5,
      'A.5': 4,
      'A.6': 9,
      'A.7': 5,
      'A.8': 4,
      'A.9': 3,
      'A.10': 3,
    });
    // Own labels, not the standard's titles: a few spot checks against the published titles.
    expect(findEntry('iso42001', 'A.7.5')!.name).not.toBe('Data provenance');
    expect(findEntry('iso42001', 'A.2.2')!.name).not.toBe('AI policy');
  });
  it('EU AI Act: 4 tiers, 8 Art. 5 practices, 8 Annex III areas, Arts. 9–15, dated provisions', () => {
    expect(count(EU_AI_ACT, 'tier')).toBe(4);
    expect(count(EU_AI_ACT, 'practice')).toBe(8);
    expect(count(EU_AI_ACT, 'area')).toBe(8);
    for (const n of [9, 10, 11, 12, 13, 14, 15])
      expect(findEntry('euAiAct', `Art. ${n}`)?.kind).toBe('article');
  });
  it('every catalog is versioned, sourced, has unique ids and non-empty own descriptions', () => {
    const cats = allCatalogs({ dir: null });
    expect(cats.map((c) => c.framework)).toEqual([...FRAMEWORKS]);
    for (const c of cats) {
      expect(c.version, c.framework).toBeTruthy();
      expect(c.source.title && c.source.publisher && c.source.reference && c.source.license).toBeTruthy();
      const ids = c.entries.map((e) => e.id);
      expect(new Set(ids).size, c.framework).toBe(ids.length);
      for (const e of c.entries)
        expect(e.description.trim().length, `${c.framework} ${e.id}`).toBeGreaterThan(10);
    }
  });
});

describe('lookups', () => {
  it('getCatalog accepts aliases and rejects unknown frameworks', () => {
    expect(getCatalog('eu-ai-act', { dir: null })).toBe(EU_AI_ACT);
    expect(getCatalog('NIST-AI-RMF', { dir: null })).toBe(NIST_AI_RMF);
    expect(() => getCatalog('cobit')).toThrow(/unknown framework "cobit"/);
  });
  it('findEntry normalises OWASP suffixes and resolves EU AI Act sub-provisions', () => {
    expect(findEntry('owaspMl', 'ML06:2023')?.id).toBe('ML06');
    expect(findEntry('euAiAct', 'Art. 15(5)')?.id).toBe('Art. 15');
    expect(findEntry('euAiAct', 'Art. 5(1)(c)')?.id).toBe('Art. 5(1)(c)');
    expect(findEntry('euAiAct', 'Art. 99')).toBeUndefined();
    expect(findEntry('atlas', 'AML.T9999')).toBeUndefined();
  });
  it('validateReferences reports unknown ids and malformed database ids, and nothing for good ones', () => {
    expect(
      validateReferences({
        atlas: ['AML.T0010.003', 'AML.M0016', 'AML.TA0004'],
        owaspMl: ['ML06'],
        owaspLlm: ['LLM01'],
        nistAiRmf: ['MEASURE 2.11'],
        iso42001: ['A.7.4'],
        euAiAct: ['Art. 10', 'Annex IV', 'Art. 5(1)(c)'],
        cwe: ['CWE-502'],
        cve: ['CVE-2024-12345'],
      }),
    ).toEqual([]);
    const p = validateReferences({
      atlas: ['AML.T0999'],
      nistAiRmf: ['MEASURE 2.14'],
      iso42001: ['A.11.1'],
      owaspLlm: ['LLM11'],
      cwe: ['502'],
    });
    expect(p.map((x) => `${x.key}:${x.id}`)).toEqual([
      'atlas:AML.T0999',
      'nistAiRmf:MEASURE 2.14',
      'iso42001:A.11.1',
      'owaspLlm:LLM11',
      'cwe:502',
    ]);
    expect(p[1].message).toContain('NIST AI Risk Management Framework 1.0');
  });
});

describe('crosswalks', () => {
  it('has a few dozen pairs, every endpoint exists in its catalog, relationship types are known', () => {
    expect(CROSSWALKS.length).toBeGreaterThanOrEqual(40);
    for (const w of CROSSWALKS) {
      expect(
        findEntry(w.from.framework, w.from.id, { dir: null })?.id,
        `${w.from.framework} ${w.from.id}`,
      ).toBe(w.from.id);
      expect(findEntry(w.to.framework, w.to.id, { dir: null })?.id, `${w.to.framework} ${w.to.id}`).toBe(
        w.to.id,
      );
      expect(RELATIONSHIPS).toContain(w.relationship);
      expect(w.source).toBe('bulwark');
      expect(w.note.length).toBeGreaterThan(10);
    }
    const pairs = CROSSWALKS.map((w) => `${w.from.framework}|${w.from.id}|${w.to.framework}|${w.to.id}`);
    expect(new Set(pairs).size).toBe(pairs.length);
  });
  it('covers the required framework pairs', () => {
    const has = (a: string, b: string) =>
      CROSSWALKS.some(
        (w) =>
          (w.from.framework === a && w.to.framework === b) ||
          (w.from.framework === b && w.to.framework === a),
      );
    expect(has('atlas', 'nistAiRmf') && has('atlas', 'iso42001')).toBe(true);
    expect(has('owaspMl', 'atlas') && has('owaspLlm', 'atlas')).toBe(true);
    expect(has('euAiAct', 'nistAiRmf') && has('euAiAct', 'iso42001') && has('nistAiRmf', 'iso42001')).toBe(
      true,
    );
    for (const n of [9, 10, 11, 12, 13, 14, 15])
      expect(
        CROSSWALKS.some((w) => w.from.framework === 'euAiAct' && w.from.id === `Art. ${n}`),
        `Art. ${n}`,
      ).toBe(true);
  });
  it('crosswalksFor orients pairs from the control and inverts subset/superset', () => {
    const fromAtlas = crosswalksFor({ framework: 'atlas', id: 'AML.T0024.002' });
    expect(fromAtlas).toContainEqual(
      expect.objectContaining({ to: { framework: 'owaspMl', id: 'ML05' }, relationship: 'subset-of' }),
    );
    const fromOwasp = crosswalksFor({ framework: 'owaspMl', id: 'ML05' });
    expect(fromOwasp).toContainEqual(
      expect.objectContaining({
        to: { framework: 'atlas', id: 'AML.T0024.002' },
        relationship: 'superset-of',
      }),
    );
  });
  it('expandControls follows one hop by default, skips `related`, and can go further', () => {
    const one = expandControls([{ framework: 'nistAiRmf', id: 'MEASURE 2.7' }]);
    const ids = one.map((c) => `${c.framework} ${c.id}`);
    expect(ids).toContain('euAiAct Art. 15');
    expect(ids).toContain('atlas AML.M0016');
    expect(ids).not.toContain('iso42001 A.6.2.4'); // only `related` to MEASURE 2.7
    expect(one.find((c) => c.id === 'Art. 15')).toMatchObject({
      depth: 1,
      via: { relationship: 'intersects' },
    });
    const two = expandControls([{ framework: 'nistAiRmf', id: 'MEASURE 2.7' }], { depth: 2 }).map(
      (c) => c.id,
    );
    expect(two).toContain('A.6.2.4'); // via Art. 15
    const withRelated = expandControls([{ framework: 'nistAiRmf', id: 'MEASURE 2.7' }], {
      relationships: RELATIONSHIPS,
    }).map((c) => c.id);
    expect(withRelated).toContain('A.6.2.4');
    const onlyIso = expandControls([{ framework: 'atlas', id: 'AML.M0024' }], { frameworks: ['iso42001'] });
    expect(onlyIso.map((c) => c.id)).toEqual(['AML.M0024', 'A.6.2.8']);
  });
});
