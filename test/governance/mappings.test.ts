import { describe, expect, it } from 'vitest';
import '../../src/all-rules.js';
import type { Finding } from '../../src/core/finding.js';
import { allRules, getRule } from '../../src/core/rules.js';
import { validateReferences } from '../../src/governance/catalogs/index.js';
import {
  controlsForRule,
  coverageFor,
  FAMILY_DEFAULTS,
  familyDefaults,
  NON_THREAT_FAMILIES,
} from '../../src/governance/mappings.js';

const families = [...new Set(allRules().map((r) => r.family))].sort();

describe('rule → control mappings', () => {
  it('the registry has rules from every pillar', () => {
    expect(allRules().length).toBeGreaterThan(50);
    for (const f of ['pickle', 'provenance', 'attestation', 'fairness', 'privacy', 'model-card'])
      expect(families).toContain(f);
  });

  it.each(families)('family %s has defaults in FAMILY_DEFAULTS', (family) => {
    // A new rule family: add an entry for it in src/governance/mappings.ts FAMILY_DEFAULTS.
    expect(
      familyDefaults(family),
      `rule family "${family}" has no framework defaults; add it to FAMILY_DEFAULTS in src/governance/mappings.ts`,
    ).toBeDefined();
  });

  it('every rule maps to NIST AI RMF, ISO/IEC 42001 and the EU AI Act, and to ATLAS or OWASP where a threat applies', () => {
    const gaps: string[] = [];
    for (const rule of allRules()) {
      const c = controlsForRule(rule);
      for (const k of ['nistAiRmf', 'iso42001', 'euAiAct'] as const)
        if (!c[k]?.length) gaps.push(`${rule.id} (family ${rule.family}): no ${k} control`);
      if (
        !NON_THREAT_FAMILIES.includes(rule.family) &&
        !c.atlas?.length &&
        !c.owaspMl?.length &&
        !c.owaspLlm?.length
      )
        gaps.push(`${rule.id} (family ${rule.family}): no ATLAS or OWASP id`);
    }
    expect(gaps).toEqual([]);
  });

  it('every id a rule or a family default references exists in the catalogs', () => {
    const bad: string[] = [];
    for (const rule of allRules())
      for (const p of validateReferences(controlsForRule(rule), { dir: null }))
        bad.push(`${rule.id}: ${p.message}`);
    for (const [family, refs] of Object.entries(FAMILY_DEFAULTS))
      for (const p of validateReferences(refs, { dir: null })) bad.push(`family ${family}: ${p.message}`);
    expect(bad).toEqual([]);
  });

  it('merges a rule’s own references first, then family defaults, without duplicates', () => {
    const rule = {
      family: 'fairness',
      references: { nistAiRmf: ['MAP 1.1', 'MEASURE 2.11'], cwe: ['CWE-1039'] },
    };
    expect(controlsForRule(rule)).toEqual({
      nistAiRmf: ['MAP 1.1', 'MEASURE 2.11'],
      iso42001: ['A.5.4', 'A.7.4'],
      euAiAct: ['Art. 10'],
      cwe: ['CWE-1039'],
    });
    const pkl = controlsForRule(getRule('BW-PKL-001')!);
    expect(pkl.atlas).toEqual(expect.arrayContaining(['AML.T0010.003', 'AML.T0011.000', 'AML.M0016']));
    expect(pkl.euAiAct).toContain('Art. 15');
    expect(controlsForRule({ family: 'brand-new', references: { cwe: ['CWE-502'] } })).toEqual({
      cwe: ['CWE-502'],
    });
  });
});

describe('coverageFor', () => {
  it('lists directly evidenced controls with the rules behind them, and the rest as uncovered', () => {
    const c = coverageFor(['BW-FAIR-001', 'BW-FAIR-002', 'BW-PRIV-001'], 'nistAiRmf', {
      crosswalks: false,
      dir: null,
    });
    expect(c.total).toBe(72);
    expect(c.covered).toEqual([
      { id: 'MEASURE 2.10', name: 'Privacy', rules: ['BW-PRIV-001'] },
      { id: 'MEASURE 2.11', name: 'Fairness and bias', rules: ['BW-FAIR-001', 'BW-FAIR-002'] },
    ]);
    expect(c.uncovered).toHaveLength(70);
    expect(c.uncovered).not.toContain('MEASURE 2.11');
  });
  it('adds controls reached through crosswalks, marked with the crosswalk', () => {
    const without = coverageFor(['BW-PROV-001'], 'nistAiRmf', { crosswalks: false, dir: null });
    expect(without.covered.map((x) => x.id)).toEqual(['GOVERN 6.1', 'MAP 4.1', 'MANAGE 3.1', 'MANAGE 3.2']);
    const withWalks = coverageFor(['BW-PROV-001'], 'nistAiRmf', { dir: null });
    const m27 = withWalks.covered.find((x) => x.id === 'MEASURE 2.7');
    expect(m27?.via).toMatchObject({
      from: { framework: 'euAiAct', id: 'Art. 15' },
      relationship: 'intersects',
    });
    expect(m27?.rules).toEqual(['BW-PROV-001']);
    expect(withWalks.covered.find((x) => x.id === 'MANAGE 3.2')?.via).toBeUndefined();
  });
  it('takes findings, including their own references, and reports unregistered rule ids', () => {
    const f: Finding = {
      ruleId: 'BW-CARD-001',
      severity: 'medium',
      confidence: 'high',
      impact: 'none',
      message: 'm',
      location: { file: 'x' },
      references: { iso42001: ['A.9.4'] },
    };
    const c = coverageFor([f, 'BW-NOPE-999'], 'iso42001', { crosswalks: false, dir: null });
    expect(c.total).toBe(38);
    expect(c.covered.map((x) => x.id)).toEqual(['A.6.2.7', 'A.8.2', 'A.9.4']);
    expect(c.unknownRules).toEqual(['BW-NOPE-999']);
    expect(
      coverageFor(['BW-CARD-001'], 'eu-ai-act', { crosswalks: false, dir: null }).covered.map((x) => x.id),
    ).toEqual(expect.arrayContaining(['Art. 11', 'Art. 13', 'Annex IV']));
    expect(() => coverageFor([], 'cobit')).toThrow(/unknown framework/);
  });
});
