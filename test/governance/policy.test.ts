import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { CelCompileError, compileExpr } from '../../src/governance/policy/cel.js';
import { evaluateGate } from '../../src/governance/policy/gate.js';
import { BUILTIN_PACKS, loadPolicy, parsePolicyFile, type Waiver } from '../../src/governance/policy/load.js';
import { ensureBuilt, runCli } from '../cli/helpers.js';
import { check, evidence, scanFinding } from './evidence-fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bulwark-policy-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('CEL expressions', () => {
  it('reports syntax errors with line and column', () => {
    try {
      compileExpr('summary.malicious == 0 &&\n  summary.x == ]');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(CelCompileError);
      expect((err as CelCompileError).line).toBe(2);
      expect((err as CelCompileError).column).toBeGreaterThan(0);
    }
  });

  it('rejects unknown variables, naming the allowed ones', () => {
    expect(() => compileExpr('sumary.malicious == 0')).toThrow(
      /unknown variable 'sumary'; use one of evidence, summary/,
    );
    // Iteration variables of macros are fine.
    expect(() => compileExpr("findings.all(f, f.severity != 'critical')")).not.toThrow();
  });

  it('bounds size and comprehension nesting', () => {
    expect(() => compileExpr(`${'1 + '.repeat(2000)}1 == 1`)).toThrow(/characters; the limit is 4096/);
    expect(() =>
      compileExpr('findings.exists(a, findings.exists(b, findings.exists(c, a == b && b == c)))'),
    ).toThrow(/nested 3 deep; the limit is 2/);
  });

  it('collects the evidence paths an expression reads', () => {
    const e = compileExpr(
      "summary.malicious == 0 && has(checks.bom) && checks.bom.status == 'pass' && findings.all(f, f.severity != 'critical')",
    );
    expect(e.paths).toEqual(['checks.bom.status', 'findings', 'summary.malicious']);
    expect(e.quantifiers.map((q) => q.kind)).toEqual(['all']);
  });
});

describe('policy files', () => {
  it('loads every built-in pack', async () => {
    for (const name of BUILTIN_PACKS) {
      const p = await loadPolicy(name);
      expect(p.name).toBe(name);
      expect(p.rules.length).toBeGreaterThan(5);
      for (const r of p.rules) expect(Object.keys(r.controls).length).toBeGreaterThan(0);
    }
  });

  it('names the YAML line of a bad expression (plain and block scalars)', () => {
    const plain = 'name: p\nrules:\n  - id: R1\n    expression: summary.malicious === 0\n';
    expect(() => parsePolicyFile(plain, 'p.yaml')).toThrow(/^p\.yaml:4: rule R1: expression: /);
    const block =
      'name: p\nrules:\n  - id: R1\n    expression: |\n      summary.malicious == 0 &&\n      nosuch.thing\n';
    expect(() => parsePolicyFile(block, 'p.yaml')).toThrow(
      /^p\.yaml:6: rule R1: expression: unknown variable 'nosuch'/,
    );
  });

  it('rejects duplicate ids, bad severities, unknown frameworks and bad waivers', () => {
    const head = 'name: p\nrules:\n';
    const rule = (extra = '', id = 'R1') => `  - id: ${id}\n    expression: 'true'\n${extra}`;
    expect(() => parsePolicyFile(head + rule() + rule(), 'p.yaml')).toThrow(/rule id R1 is defined twice/);
    expect(() => parsePolicyFile(head + rule('    severity: severe\n'), 'p.yaml')).toThrow(
      /severity "severe"/,
    );
    expect(() => parsePolicyFile(head + rule('    controls: { cobit: [x] }\n'), 'p.yaml')).toThrow(
      /unknown control framework 'cobit'/,
    );
    expect(() =>
      parsePolicyFile(
        head + rule() + 'waivers:\n  - { rule: R1, reason: r, approver: a, expires: next week }\n',
        'p.yaml',
      ),
    ).toThrow(/expires "next week" is not a date/);
    expect(() =>
      parsePolicyFile(head + rule() + 'waivers:\n  - { rule: R1, reason: r }\n', 'p.yaml'),
    ).toThrow(ConfigError);
  });
});

describe('gate evaluation', () => {
  it('passes clean evidence against baseline', async () => {
    const g = evaluateGate(await loadPolicy('baseline'), evidence());
    expect(g.outcome).toBe('pass');
    expect(g.counts.fail).toBe(0);
    expect(g.results.find((r) => r.id === 'BL-005')?.status).toBe('not-applicable');
  });

  it('fails malicious evidence for the right rules, showing the values and the findings that decided it', async () => {
    const doc = evidence({
      malicious: 1,
      findings: [scanFinding('BW-PKL-001', 'critical', 'evil.pkl'), scanFinding('BW-PKL-002', 'medium')],
    });
    const g = evaluateGate(await loadPolicy('baseline'), doc);
    expect(g.outcome).toBe('fail');
    const failed = g.results.filter((r) => r.status === 'fail').map((r) => r.id);
    expect(failed).toEqual(['BL-001', 'BL-002']);
    const bl1 = g.results.find((r) => r.id === 'BL-001')!;
    expect(bl1.evidence).toEqual([{ path: 'summary.malicious', value: 1 }]);
    const strict = evaluateGate(await loadPolicy('strict'), doc);
    const st7 = strict.results.find((r) => r.id === 'ST-002')!;
    expect(st7.status).toBe('fail');
  });

  it('lists violating elements of an all() and matches of an exists()', () => {
    const policy = parsePolicyFile(
      "name: p\nrules:\n  - id: NO-CRIT\n    expression: findings.all(f, f.severity != 'critical')\n  - id: HAS-PKL\n    expression: findings.exists(f, f.ruleId.startsWith('BW-PKL'))\n",
      'p.yaml',
    );
    const doc = evidence({
      findings: [
        scanFinding('BW-PKL-001', 'critical', 'a.pkl'),
        scanFinding('BW-NPY-001', 'low'),
        scanFinding('BW-PKL-003', 'critical', 'b.pkl'),
      ],
    });
    const g = evaluateGate(policy, doc);
    const noCrit = g.results[0];
    expect(noCrit.status).toBe('fail');
    expect(noCrit.witnesses[0].kind).toBe('violations');
    expect(noCrit.witnesses[0].count).toBe(2);
    expect(noCrit.witnesses[0].items.map((i) => (i as { location: { file: string } }).location.file)).toEqual(
      ['a.pkl', 'b.pkl'],
    );
    expect(g.results[1].status).toBe('pass');
    expect(g.results[1].witnesses[0].count).toBe(2);
  });

  it('applies waivers until they expire, and only to the named subject', async () => {
    const policy = await loadPolicy('baseline');
    const doc = evidence({ inconclusive: 1 });
    const waiver: Waiver = {
      rule: 'BL-003',
      reason: 'vendor format, reviewed by hand',
      approver: 'sec-lead',
      expires: '2026-12-31',
      origin: 'w.yaml:2',
    };
    const before = evaluateGate(policy, doc, { waivers: [waiver], now: new Date('2026-12-31T23:00:00Z') });
    expect(before.results.find((r) => r.id === 'BL-003')?.status).toBe('waived');
    expect(before.outcome).toBe('pass');
    const after = evaluateGate(policy, doc, { waivers: [waiver], now: new Date('2027-01-01T00:00:00Z') });
    const r = after.results.find((x) => x.id === 'BL-003')!;
    expect(r.status).toBe('fail');
    expect(r.message).toContain('expired on 2026-12-31');
    expect(after.outcome).toBe('fail');
    const other = evaluateGate(policy, doc, {
      waivers: [{ ...waiver, subject: 'another-model' }],
      now: new Date('2026-12-01'),
    });
    expect(other.results.find((x) => x.id === 'BL-003')?.status).toBe('fail');
  });

  it('marks a rule that cannot be evaluated as error, not as pass', () => {
    const policy = parsePolicyFile(
      "name: p\nrules:\n  - id: NOT-BOOL\n    expression: summary.malicious\n  - id: MISSING\n    expression: checks.robustness.status == 'pass'\n  - id: GUARDED\n    expression: has(checks.robustness) && checks.robustness.status == 'pass'\n",
      'p.yaml',
    );
    const g = evaluateGate(policy, evidence());
    expect(g.results.map((r) => r.status)).toEqual(['error', 'error', 'fail']);
    expect(g.results[0].message).toMatch(/returned an int, not a bool|not a bool/);
    expect(g.outcome).toBe('fail');
    const onlyErrors = evaluateGate(
      parsePolicyFile("name: p\nrules:\n  - id: E\n    expression: checks.x.status == 'pass'\n", 'p.yaml'),
      evidence(),
    );
    expect(onlyErrors.outcome).toBe('error');
  });

  it('refuses expressions too costly for the evidence at hand', () => {
    const many = Array.from({ length: 3000 }, (_, i) =>
      scanFinding(`BW-PKL-${String(i % 999).padStart(3, '0')}`, 'low'),
    );
    const policy = parsePolicyFile(
      'name: p\nrules:\n  - id: PAIRS\n    expression: findings.all(a, findings.all(b, a.ruleId == b.ruleId || true))\n',
      'p.yaml',
    );
    const g = evaluateGate(policy, evidence({ findings: many }));
    expect(g.results[0].status).toBe('error');
    expect(g.results[0].message).toMatch(/too costly/);
  });

  it('EU AI Act high-risk pack fails on missing declarations and passes when the evidence is there', async () => {
    const policy = await loadPolicy('eu-ai-act-high-risk');
    const bare = evaluateGate(policy, evidence({ tier: 'high-risk' }));
    const failed = bare.results.filter((r) => r.status === 'fail').map((r) => r.id);
    expect(failed).toEqual(
      expect.arrayContaining([
        'EU-ART9-RISK-MGMT',
        'EU-ART12-LOGGING',
        'EU-ART14-OVERSIGHT',
        'EU-ART15-ROBUSTNESS',
        'EU-ART15-INTEGRITY',
      ]),
    );
    const full = evidence({
      tier: 'high-risk',
      signed: true,
      verified: true,
      system: {
        riskManagement: 'RM-1',
        logging: 'all decisions logged',
        humanOversight: 'reviewer',
        accuracy: 'acc 0.9',
      },
      checks: [
        check('fairness', 'pass'),
        check('privacy', 'pass'),
        check('robustness', 'pass'),
        check('card', 'pass', { evaluationResults: 1 }),
      ],
    });
    const ok = evaluateGate(policy, full);
    expect(
      ok.results.filter((r) => r.status !== 'pass').map((r) => `${r.id}:${r.status}:${r.message}`),
    ).toEqual([]);
    expect(ok.outcome).toBe('pass');
  });
});

describe('bulwark gate (CLI)', () => {
  beforeAll(async () => {
    await ensureBuilt();
  }, 180_000);

  it('exits 0/1/2/3 and prints each rule with its evidence', async () => {
    const clean = path.join(dir, 'clean.json');
    const bad = path.join(dir, 'bad.json');
    await writeFile(clean, JSON.stringify(evidence()));
    await writeFile(
      bad,
      JSON.stringify(evidence({ malicious: 2, findings: [scanFinding('BW-PKL-001', 'critical')] })),
    );
    const ok = await runCli(['gate', clean, '--policy', 'baseline']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^PASS {3}BL-001 \[critical\] No artifact is malicious$/m);
    expect(ok.stdout).toContain('Gate PASS');
    const fail = await runCli(['gate', bad, '--policy', 'baseline', '--format', 'json']);
    expect(fail.code).toBe(1);
    const result = JSON.parse(fail.stdout);
    expect(result.outcome).toBe('fail');
    expect(result.results[0].evidence).toEqual([{ path: 'summary.malicious', value: 2 }]);
    await writeFile(
      path.join(dir, 'err.yaml'),
      "name: e\nrules:\n  - id: E\n    expression: checks.nope.status == 'pass'\n",
    );
    expect((await runCli(['gate', clean, '--policy', path.join(dir, 'err.yaml')])).code).toBe(2);
    await writeFile(
      path.join(dir, 'syntax.yaml'),
      'name: e\nrules:\n  - id: E\n    expression: summary.malicious = 0\n',
    );
    const syn = await runCli(['gate', clean, '--policy', path.join(dir, 'syntax.yaml')]);
    expect(syn.code).toBe(3);
    expect(syn.stderr).toMatch(/^bulwark: error: .*syntax\.yaml:4: rule E: expression: /);
    const notEvidence = await runCli(['gate', path.join(dir, 'err.yaml'), '--policy', 'baseline']);
    expect(notEvidence.code).toBe(2);
    expect(notEvidence.stderr).toMatch(/not JSON|not a Bulwark evidence document/);
  });

  it('policy check and policy show', async () => {
    const show = await runCli(['policy', 'show', 'strict']);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('name: strict');
    await writeFile(path.join(dir, 'strict-copy.yaml'), show.stdout);
    const chk = await runCli(['policy', 'check', path.join(dir, 'strict-copy.yaml')]);
    expect(chk.code).toBe(0);
    expect(chk.stdout).toMatch(/policy strict, 9 rules, 0 waivers: OK/);
  });
});
