import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvidenceDocument } from '../../src/governance/evidence.js';
import { evaluateGate, type GateResult } from '../../src/governance/policy/gate.js';
import { loadPolicy } from '../../src/governance/policy/load.js';
import { auditCoverage } from '../../src/report/audit/coverage.js';
import { oscalControlId } from '../../src/report/audit/oscal.js';
import {
  formatForFile,
  renderReport,
  REPORT_FORMATS,
  writeReportFile,
} from '../../src/report/audit/write.js';
import { check, evidence, scanFinding } from '../governance/evidence-fixtures.js';
import {
  hostileEvidence,
  HOSTILE_NAME,
  NOW,
  realAudits,
  XSS_IMG,
  XSS_SCRIPT,
  type RealAudits,
} from './audit-fixtures.js';
import { sarifValidator } from './validators.js';

/** Deliberately untyped: parsed JSON documents that the checks below walk. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

let real: RealAudits;
beforeAll(async () => {
  real = await realAudits();
}, 60_000);
afterAll(async () => {
  if (real?.dir) await rm(real.dir, { recursive: true, force: true });
});

const T1 = new Date('2026-11-26T13:14:15.000Z');
const T2 = new Date('2031-01-02T03:04:05.678Z');

describe('reproducibility', () => {
  for (const format of REPORT_FORMATS)
    it(`${format}: same evidence, different generatedAt → identical apart from that timestamp`, () => {
      for (const [ev, gate] of [
        [real.evil, real.evilGate],
        [real.clean, undefined],
        [hostileEvidence(), undefined],
      ] as [EvidenceDocument, GateResult | undefined][]) {
        const a = renderReport(ev, gate, format, { generatedAt: T1 });
        const b = renderReport(ev, gate, format, { generatedAt: T2 });
        expect(a).toContain(T1.toISOString());
        expect(b).toContain(T2.toISOString());
        expect(a).not.toBe(b);
        expect(a.split(T1.toISOString()).join('@')).toBe(b.split(T2.toISOString()).join('@'));
        // And rendering again gives the very same bytes.
        expect(renderReport(ev, gate, format, { generatedAt: T1 })).toBe(a);
      }
    });
});

describe('HTML', () => {
  it('escapes attacker-controlled text everywhere (no live tags, no event handlers)', () => {
    const html = renderReport(hostileEvidence(), undefined, 'html', { generatedAt: T1 });
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    // The payload text is there, but only as text: no tag carries an event handler.
    expect(html).not.toMatch(/<[^>]*\bon[a-z]+=/i);
    expect(html).toContain('&#60;script&#62;window.__pwned=1&#60;/script&#62;');
    expect(html).toContain('&#60;img src=x onerror=&#34;window.__pwned=2&#34;&#62;');
    // The bidi override in evidence is shown as an escape, not applied.
    expect(html).not.toContain('\u202e');
    expect(html).toContain('\\u{202e}');
    // No resource is loaded from anywhere: no src=, no url(), no <link>.
    expect(html).not.toMatch(/<[^>]*\ssrc=|url\(|<link|<iframe|<object|<embed/i);
  });

  it('has every section, the verdict, the gate table and per-framework coverage with catalog names', () => {
    const html = renderReport(real.evil, real.evilGate, 'html', { generatedAt: T1 });
    for (const id of ['h-summary', 'h-charts', 'h-gate', 'h-checks', 'h-findings', 'h-coverage'])
      expect(html).toContain(`id="${id}"`);
    expect(html).toContain('GATE FAIL');
    expect(html).toContain('id="gate-BL-001"');
    expect(html).toMatch(/<tr id="gate-BL-001">[\s\S]*?class="st-fail">FAIL/);
    expect(html).toContain('BW-PKL-001');
    expect(html).toContain('archive/data.pkl');
    expect(html).toContain(`sha256:${real.evil.subject.rootDigest}`);
    // Coverage: ISO 42001 A.10.3 is named from the catalog and failing (the pickle finding maps to it).
    expect(html).toMatch(/<code>A\.10\.3<\/code><\/td><td>[^<]+<\/td><td><span class="st-failing">FAILING/);
    expect((html.match(/<svg class="chart"/g) ?? []).length).toBe(3);
    expect(html).toContain(`<time id="generated-at">${T1.toISOString()}</time>`);
  });

  it('says that no gate was evaluated when there is none', () => {
    const html = renderReport(real.clean, undefined, 'html', { generatedAt: T1 });
    expect(html).toContain('No gate was evaluated');
    expect(html).toContain('VERDICT CLEAN');
  });
});

describe('bounds', () => {
  it('shows at most 500 findings per check in HTML and Markdown, and says how many are left out', () => {
    const many = Array.from({ length: 620 }, (_, i) => scanFinding('BW-PKL-001', 'critical', `m${i}.pkl`));
    const ev = evidence({ malicious: 1, findings: many });
    const html = renderReport(ev, undefined, 'html', { generatedAt: T1 });
    expect((html.match(/<article class="finding/g) ?? []).length).toBe(500);
    expect(html).toContain('120 more finding(s) of this check are not shown');
    const md = renderReport(ev, undefined, 'md', { generatedAt: T1 });
    expect((md.match(/^#### CRITICAL/gm) ?? []).length).toBe(500);
    expect(md).toContain('> 120 more finding(s)');
    // The machine formats keep all of them.
    expect(
      JSON.parse(renderReport(ev, undefined, 'sarif', { generatedAt: T1 })).runs[0].results,
    ).toHaveLength(620);
  });
});

describe('Markdown', () => {
  it('escapes HTML and Markdown syntax in untrusted text', () => {
    const full = renderReport(hostileEvidence(), undefined, 'md', { generatedAt: T1 });
    // Evidence sits in fenced code blocks (literal text, fence longer than Loose backtick run); everything else is escaped.
    const fences = [...full.matchAll(/^(`{3,})text\n[\s\S]*?\n\1$/gm)];
    expect(fences.length).toBeGreaterThan(0);
    const md = full.replace(/^(`{3,})text\n[\s\S]*?\n\1$/gm, '');
    expect(md).not.toContain('<script');
    expect(md).not.toContain('<img');
    expect(md).not.toContain('](javascript:');
    // A pipe in a message cannot break a table row.
    expect(md).not.toMatch(/imports [^\n]*\| pipe/);
    expect(md).toContain('# Bulwark audit report: demo &#60;script&#62;');
  });
  it('has the gate table, checks, findings and coverage', () => {
    const md = renderReport(real.evil, real.evilGate, 'md', { generatedAt: T1 });
    expect(md).toContain('**Gate: FAIL**');
    expect(md).toMatch(/\| <code>BL-001<\/code> .* \| critical \| \*\*FAIL\*\* \|/);
    expect(md).toContain('## Framework coverage');
    expect(md).toMatch(/\| EU AI Act \| \d+ \| \d+ \| \d+ \| \d+ \|/);
    expect(md).toContain('#### CRITICAL <code>BW-PKL-001</code>');
  });
});

describe('JSON', () => {
  it('is {kind, schemaVersion, generatedAt, tool, evidence, gate, coverage} in that order', () => {
    const s = renderReport(real.evil, real.evilGate, 'json', { generatedAt: T1 });
    const j = JSON.parse(s) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual([
      'kind',
      'schemaVersion',
      'generatedAt',
      'tool',
      'evidence',
      'gate',
      'coverage',
    ]);
    expect(j.kind).toBe('bulwark.report');
    expect(j.evidence).toEqual(JSON.parse(JSON.stringify(real.evil)));
    expect((j.gate as GateResult).outcome).toBe('fail');
    expect((j.coverage as unknown[]).length).toBe(6);
    expect(JSON.parse(renderReport(real.clean, undefined, 'json', { generatedAt: T1 })).gate).toBeNull();
  });
});

describe('coverage definition', () => {
  it('failing from findings and failed gate rules; passing from passed rules and checks; failing wins', async () => {
    const policy = await loadPolicy('baseline');
    const ev = evidence({
      malicious: 1,
      findings: [scanFinding('BW-PKL-001', 'critical')],
      checks: [check('card', 'pass')],
    });
    const gate = evaluateGate(policy, ev, { now: NOW });
    const cov = auditCoverage(ev, gate);
    const eu = cov.find((c) => c.framework === 'euAiAct')!;
    const art15 = eu.controls.find((c) => c.id === 'Art. 15')!;
    expect(art15.status).toBe('failing');
    expect(art15.failing.map((s) => `${s.kind}:${s.id}`)).toContain('finding:BW-PKL-001');
    // The card check passed and maps (model-card family) to Art. 11 / Art. 13, which nothing fails.
    const art13 = eu.controls.find((c) => c.id === 'Art. 13')!;
    expect(art13.status).toBe('passing');
    expect(art13.passing).toEqual([{ kind: 'check', id: 'card' }]);
    const nist = cov.find((c) => c.framework === 'nistAiRmf')!;
    expect(nist.counts.total).toBe(nist.counts.passing + nist.counts.failing + nist.counts.none);
    expect(nist.none).not.toContain('MEASURE 2.7');
    // Without findings, the passed scan check makes the scanner controls pass.
    const clean = auditCoverage(evidence({}), undefined);
    expect(
      clean.find((c) => c.framework === 'euAiAct')!.controls.find((c) => c.id === 'Art. 15')!.status,
    ).toBe('passing');
  });
});

describe('SARIF', () => {
  const validate = sarifValidator();
  it('validates against the SARIF 2.1.0 schema, for every pillar, with gate failures as gate/ pseudo-rules', () => {
    for (const [ev, gate] of [
      [real.evil, real.evilGate],
      [real.clean, real.cleanGate],
      [hostileEvidence(), undefined],
    ] as [EvidenceDocument, GateResult | undefined][]) {
      const log = JSON.parse(renderReport(ev, gate, 'sarif', { generatedAt: T1 }));
      const v = validate(log);
      expect(v.errors).toBe('No errors');
      expect(v.valid).toBe(true);
    }
    const log = JSON.parse(renderReport(real.evil, real.evilGate, 'sarif', { generatedAt: T1 }));
    const run = log.runs[0];
    const ids = run.results.map((r: { ruleId: string }) => r.ruleId);
    expect(ids).toContain('BW-PKL-001');
    expect(ids).toContain('gate/BL-001');
    expect(run.results.length).toBe(real.evil.findings.length + real.evilGate.counts.fail);
    const pkl = run.results.find((r: { ruleId: string }) => r.ruleId === 'BW-PKL-001');
    // Relative to the subject directory, with the container member as a logical location.
    expect(pkl.locations[0].physicalLocation.artifactLocation).toEqual({
      uri: encodeURIComponent(HOSTILE_NAME),
      uriBaseId: 'SUBJECTROOT',
    });
    expect(pkl.locations[0].logicalLocations[0].fullyQualifiedName).toBe(
      `${encodeURIComponent(HOSTILE_NAME)}!/archive/data.pkl`,
    );
    const rule = run.tool.driver.rules[pkl.ruleIndex];
    expect(rule.id).toBe('BW-PKL-001');
    expect(rule.properties.tags).toContain('external/cwe/cwe-502');
    // All pillars: the trust finding of the synthetic evidence is there too.
    const h = JSON.parse(renderReport(hostileEvidence(), undefined, 'sarif', { generatedAt: T1 }));
    expect(
      h.runs[0].results.map((r: { properties: { pillar: string } }) => r.properties.pillar).sort(),
    ).toEqual(['supply-chain', 'trust']);
  });
});

describe('SARIF locations', () => {
  type Loc = { uri: string; uriBaseId?: string };
  const locs = (ev: EvidenceDocument, gate?: GateResult) => {
    const run = JSON.parse(renderReport(ev, gate, 'sarif', { generatedAt: T1 })).runs[0];
    return {
      base: run.originalUriBaseIds.SUBJECTROOT as Loc,
      results: run.results.map(
        (r: { ruleId: string; locations: { physicalLocation: { artifactLocation: Loc } }[] }) => [
          r.ruleId,
          r.locations[0].physicalLocation.artifactLocation,
        ],
      ),
    };
  };
  it('a directory named by a relative path: files relative to it, the base relative to %SRCROOT%', async () => {
    const f = scanFinding('BW-PKL-001', 'critical', 'models/demo/sub/x.pkl');
    const ev = evidence({ malicious: 1, findings: [f] });
    ev.subject.path = 'models/demo';
    const gate = evaluateGate(await loadPolicy('baseline'), ev, { now: NOW });
    const l = locs(ev, gate);
    expect(l.base).toMatchObject({ uri: 'models/demo/', uriBaseId: '%SRCROOT%' });
    expect(l.results).toContainEqual(['BW-PKL-001', { uri: 'sub/x.pkl', uriBaseId: 'SUBJECTROOT' }]);
    expect(l.results).toContainEqual(['gate/BL-001', { uri: 'models/demo', uriBaseId: '%SRCROOT%' }]);
  });
  it('a single-file subject: relative to its directory; the directory itself is "."', () => {
    const f = scanFinding('BW-PKL-001', 'critical', '/m/model.pkl');
    const card = {
      ...scanFinding('BW-CARD-001', 'medium', '/m'),
      check: 'card',
      pillar: 'governance' as const,
    };
    const file = evidence({ malicious: 1, findings: [f] });
    file.subject.path = '/m/model.pkl';
    file.checks[0].data.files = [{ path: '/m/model.pkl' }];
    const l = locs(file);
    expect(l.base).toMatchObject({ uri: 'file:///m/' });
    expect(l.results).toEqual([['BW-PKL-001', { uri: 'model.pkl', uriBaseId: 'SUBJECTROOT' }]]);
    const dir = evidence({ checks: [check('card', 'pass', {}, [card])] });
    dir.subject.path = '/m';
    expect(locs(dir).results).toEqual([['BW-CARD-001', { uri: '.', uriBaseId: 'SUBJECTROOT' }]]);
  });
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TOKEN = /^(\p{L}|_)(\p{L}|\p{N}|[.\-_])*$/u;
const DATETIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

/** Structural check of the OSCAL 1.2 assessment-results model (no OSCAL JSON schema is available offline). */
function oscalProblems(doc: Record<string, unknown>): string[] {
  const p: string[] = [];
  const need = (o: Record<string, unknown> | undefined, keys: string[], where: string) => {
    for (const k of keys) if (!o || o[k] === undefined) p.push(`${where}: missing ${k}`);
  };
  const ar = doc['assessment-results'] as Record<string, Loose>;
  if (Object.keys(doc).length !== 1 || !ar) return ['root must hold only assessment-results'];
  need(ar, ['uuid', 'metadata', 'import-ap', 'results'], 'assessment-results');
  const uuids = new Set<string>();
  const checkUuid = (u: unknown, where: string) => {
    if (typeof u !== 'string' || !UUID.test(u)) p.push(`${where}: bad uuid ${String(u)}`);
    else if (uuids.has(u)) p.push(`${where}: duplicate uuid ${u}`);
    else uuids.add(u);
  };
  const checkProps = (props: Loose[] | undefined, where: string) => {
    if (props === undefined) return;
    if (!Array.isArray(props) || props.length === 0) p.push(`${where}: props must be a non-empty array`);
    for (const pr of props ?? []) {
      if (typeof pr.name !== 'string' || !TOKEN.test(pr.name)) p.push(`${where}: prop name ${pr.name}`);
      if (typeof pr.value !== 'string' || pr.value.trim() === '') p.push(`${where}: prop value`);
      if (pr.ns !== undefined && !/^https?:\/\//.test(pr.ns)) p.push(`${where}: prop ns`);
    }
  };
  checkUuid(ar.uuid, 'assessment-results');
  need(ar.metadata, ['title', 'last-modified', 'version', 'oscal-version'], 'metadata');
  if (!DATETIME.test(ar.metadata['last-modified'])) p.push('metadata: last-modified');
  if (ar.metadata['oscal-version'] !== '1.2.2') p.push('metadata: oscal-version');
  checkProps(ar.metadata.props, 'metadata');
  const resources = new Set<string>();
  for (const r of ar['back-matter']?.resources ?? []) {
    checkUuid(r.uuid, 'resource');
    resources.add(r.uuid);
  }
  const ap = ar['import-ap'].href as string;
  if (!ap.startsWith('#') || !resources.has(ap.slice(1)))
    p.push('import-ap does not resolve to a back-matter resource');
  const components = new Set<string>();
  for (const c of ar['local-definitions']?.components ?? []) {
    need(c, ['uuid', 'type', 'title', 'description', 'status'], 'component');
    checkUuid(c.uuid, 'component');
    components.add(c.uuid);
  }
  if (!Array.isArray(ar.results) || ar.results.length === 0) p.push('results must be a non-empty array');
  for (const res of ar.results) {
    need(res, ['uuid', 'title', 'description', 'start', 'reviewed-controls'], 'result');
    checkUuid(res.uuid, 'result');
    if (!DATETIME.test(res.start)) p.push('result: start');
    const sels = res['reviewed-controls']['control-selections'];
    if (!Array.isArray(sels) || !sels.length) p.push('reviewed-controls: control-selections');
    const reviewed = new Set<string>();
    for (const s of sels ?? []) {
      if (!s['include-all'] && !(Array.isArray(s['include-controls']) && s['include-controls'].length))
        p.push('control-selection: neither include-all nor include-controls');
      for (const ic of s['include-controls'] ?? []) {
        if (!TOKEN.test(ic['control-id'])) p.push(`include-controls: ${ic['control-id']} is not a token`);
        reviewed.add(ic['control-id']);
      }
      checkProps(s.props, 'control-selection');
    }
    const obs = new Set<string>();
    for (const o of res.observations ?? []) {
      need(o, ['uuid', 'description', 'methods', 'collected'], 'observation');
      checkUuid(o.uuid, 'observation');
      obs.add(o.uuid);
      for (const m of o.methods)
        if (!['EXAMINE', 'INTERVIEW', 'TEST', 'UNKNOWN'].includes(m)) p.push(`method ${m}`);
      for (const s of o.subjects ?? []) {
        if (!components.has(s['subject-uuid'])) p.push('observation subject does not resolve');
        if (!s.type) p.push('observation subject: type');
      }
      for (const re of o['relevant-evidence'] ?? []) {
        if (typeof re.description !== 'string') p.push('relevant-evidence: description');
        if (typeof re.href === 'string' && re.href.startsWith('#') && !resources.has(re.href.slice(1)))
          p.push('relevant-evidence href does not resolve');
        checkProps(re.props, 'relevant-evidence');
      }
      if (!DATETIME.test(o.collected)) p.push('observation: collected');
      checkProps(o.props, 'observation');
    }
    for (const f of res.findings ?? []) {
      need(f, ['uuid', 'title', 'description', 'target'], 'finding');
      checkUuid(f.uuid, 'finding');
      need(f.target, ['type', 'target-id', 'status'], 'finding target');
      if (!['objective-id', 'statement-id'].includes(f.target.type)) p.push('finding target type');
      if (!['satisfied', 'not-satisfied'].includes(f.target.status?.state)) p.push('finding target state');
      if (!TOKEN.test(f.target['target-id'])) p.push(`target-id ${f.target['target-id']} is not a token`);
      if (!reviewed.has(f.target['target-id']))
        p.push(`target ${f.target['target-id']} is not in reviewed-controls`);
      for (const ro of f['related-observations'] ?? [])
        if (!obs.has(ro['observation-uuid'])) p.push('related observation does not resolve');
      if (f['related-observations'] !== undefined && f['related-observations'].length === 0)
        p.push('empty related-observations');
      checkProps(f.props, 'finding');
    }
  }
  return p;
}

describe('OSCAL assessment-results', () => {
  it('is structurally valid OSCAL 1.2 (required fields, UUIDs, tokens, references resolve)', () => {
    for (const [ev, gate] of [
      [real.evil, real.evilGate],
      [real.clean, real.cleanGate],
      [real.clean, undefined],
      [hostileEvidence(), undefined],
    ] as [EvidenceDocument, GateResult | undefined][]) {
      const doc = JSON.parse(renderReport(ev, gate, 'oscal', { generatedAt: T1 }));
      expect(oscalProblems(doc)).toEqual([]);
    }
  });
  it('has one observation per check plus the gate, not-satisfied findings for failures, satisfied ones for passes', () => {
    const doc = JSON.parse(renderReport(real.evil, real.evilGate, 'oscal', { generatedAt: T1 }));
    const ar = doc['assessment-results'];
    const res = ar.results[0];
    expect(res.observations.length).toBe(real.evil.checks.length + 1);
    const scanObs = res.observations.find((o: Loose) =>
      o.props.some((p: Loose) => p.name === 'check-id' && p.value === 'scan'),
    );
    expect(scanObs.methods).toEqual(['TEST']);
    const bl1 = res.findings.filter((f: Loose) =>
      f.props.some((p: Loose) => p.name === 'gate-rule' && p.value === 'BL-001'),
    );
    expect(bl1.length).toBeGreaterThan(0);
    expect(bl1.every((f: Loose) => f.target.status.state === 'not-satisfied')).toBe(true);
    const pkl = res.findings.filter((f: Loose) =>
      f.props.some((p: Loose) => p.name === 'rule-id' && p.value === 'BW-PKL-001'),
    );
    expect(pkl.map((f: Loose) => f.target['target-id'])).toEqual(
      expect.arrayContaining(['art._15', 'a.10.3', 'measure_2.7']),
    );
    expect(pkl[0]['related-observations']).toEqual([{ 'observation-uuid': scanObs.uuid }]);
    // Findings below medium are not OSCAL findings.
    const low = real.evil.findings
      .filter((f) => f.severity === 'low' || f.severity === 'info')
      .map((f) => f.ruleId);
    for (const id of low)
      if (!real.evil.findings.some((f) => f.ruleId === id && !['low', 'info'].includes(f.severity)))
        expect(res.findings.some((f: Loose) => f.props.some((p: Loose) => p.value === id))).toBe(false);
    const clean = JSON.parse(renderReport(real.clean, real.cleanGate, 'oscal', { generatedAt: T1 }))[
      'assessment-results'
    ];
    expect(clean.results[0].findings.some((f: Loose) => f.target.status.state === 'satisfied')).toBe(true);
    expect(ar.metadata['last-modified']).toBe(T1.toISOString());
    // Deterministic UUID (v5) from the content: same evidence, same uuid; other evidence, other uuid.
    expect(ar.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5/);
    expect(
      JSON.parse(renderReport(real.evil, real.evilGate, 'oscal', { generatedAt: T2 }))['assessment-results']
        .uuid,
    ).toBe(ar.uuid);
    expect(clean.uuid).not.toBe(ar.uuid);
  });
  it('turns framework ids into OSCAL tokens', () => {
    expect(oscalControlId('MEASURE 2.7')).toBe('measure_2.7');
    expect(oscalControlId('Art. 10(2)(f)')).toBe('art._10_2_f_');
    expect(oscalControlId('1st')).toBe('_1st');
  });
});

describe('writeReportFile', () => {
  it('picks the format from the extension and writes atomically', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'bulwark-report-w-'));
    try {
      for (const [name, start] of [
        ['r.html', '<!doctype html>'],
        ['r.md', '# Bulwark audit report'],
        ['r.sarif', '{\n  "$schema"'],
        ['r.sarif.json', '{\n  "$schema"'],
        ['r.oscal.json', '{\n  "assessment-results"'],
        ['r.json', '{\n  "kind": "bulwark.report"'],
      ]) {
        await writeReportFile(real.evil, real.evilGate, path.join(dir, name), { generatedAt: T1 });
        expect((await readFile(path.join(dir, name), 'utf8')).startsWith(start)).toBe(true);
      }
      expect(() => formatForFile('r.txt')).toThrow(/end the name with/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

void XSS_IMG;
void XSS_SCRIPT;
