import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allRules } from '../../src/core/rules.js';
import {
  FINGERPRINT_KEY,
  artifactLocation,
  encodePath,
  renderSarif,
  toSarif,
} from '../../src/report/sarif.js';
import { RULE_EXEC, RULE_LIMIT, RULE_UNKNOWN, sampleReport } from './sample.js';
import { sarifValidator } from './validators.js';

const base = path.resolve('/work/project');

describe('toSarif', () => {
  const validate = sarifValidator();

  it('is valid against the official SARIF 2.1.0 schema', () => {
    const log = JSON.parse(renderSarif(sampleReport(), { baseDir: base, exitCode: 1 }));
    const result = validate(log);
    expect(result.errors).toBe('No errors');
    expect(result.valid).toBe(true);
  });

  it('the schema check is real: a broken log fails it', () => {
    const log = toSarif(sampleReport(), { baseDir: base }) as unknown as {
      runs: { results: { level: string }[] }[];
    };
    log.runs[0].results[0].level = 'fatal';
    expect(validate(log).valid).toBe(false);
    expect(validate({ version: '2.1.0' }).valid).toBe(false);
  });

  it('has one run whose driver lists every registered rule with docs, tags and security-severity', () => {
    const log = toSarif(sampleReport(), { baseDir: base });
    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1);
    const driver = log.runs[0].tool.driver;
    expect(driver.name).toBe('Bulwark');
    expect(driver.version).toBe('0.1.0');
    expect(driver.informationUri).toMatch(/^https:\/\//);
    expect(driver.rules!.map((r) => r.id)).toEqual(allRules().map((r) => r.id));
    const exec = driver.rules!.find((r) => r.id === RULE_EXEC.id)!;
    expect(exec.name).toBe(RULE_EXEC.name);
    expect(exec.shortDescription!.text).toBe(RULE_EXEC.title);
    expect(exec.fullDescription!.text).toBe(RULE_EXEC.description);
    expect(exec.help!.text).toContain('docs/rules/testfmt.md');
    expect(exec.help!.markdown).toContain('docs/rules/testfmt.md');
    expect(exec.helpUri).toMatch(/docs\/rules\/testfmt\.md#bw-testfmt-001$/);
    expect(exec.defaultConfiguration).toEqual({ level: 'error' });
    expect(exec.properties!.tags).toEqual(
      expect.arrayContaining([
        'security',
        'external/atlas/AML.T0010.003',
        'external/atlas/AML.T0011.000',
        'external/owasp-ml/ML06',
        'external/cwe/cwe-502',
      ]),
    );
    expect(exec.properties!['security-severity']).toBe('9.5');
    const unknown = driver.rules!.find((r) => r.id === RULE_UNKNOWN.id)!;
    expect(unknown.defaultConfiguration).toEqual({ level: 'warning' });
    expect(unknown.properties!['security-severity']).toBe('5.5');
    const limit = driver.rules!.find((r) => r.id === RULE_LIMIT.id)!;
    expect(limit.defaultConfiguration).toEqual({ level: 'note' });
  });

  it('maps findings to results with ruleIndex, level, message, location and severity score', () => {
    const log = toSarif(sampleReport(), { baseDir: base });
    const run = log.runs[0];
    expect(run.results).toHaveLength(3);
    for (const r of run.results) expect(run.tool.driver.rules![r.ruleIndex!].id).toBe(r.ruleId);

    const [exec, unknown, limit] = run.results;
    expect(exec.level).toBe('error');
    expect(exec.message.text).toBe('os.system is called with "echo pwned"');
    expect(exec.properties!['security-severity']).toBe('9.5');
    expect(exec.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'models/evil%20model.pkl', uriBaseId: '%SRCROOT%', index: 1 },
      region: { byteOffset: 2 },
    });
    expect(exec.locations[0].logicalLocations).toBeUndefined();
    expect(exec.properties!.evidence).toMatchObject({ big: '12345678901234567890' });

    // Inside a container: no region on the outer file, the member as a logical location and properties.
    expect(unknown.level).toBe('warning');
    expect(unknown.locations[0].physicalLocation!.region).toBeUndefined();
    expect(unknown.locations[0].physicalLocation!.artifactLocation!.uri).toBe('models/weights.zip');
    expect(unknown.locations[0].logicalLocations).toEqual([
      {
        name: 'archive/data.pkl',
        fullyQualifiedName: 'models/weights.zip!/archive/data.pkl',
        kind: 'member',
      },
    ]);
    expect(unknown.properties).toMatchObject({
      innerPath: 'archive/data.pkl',
      innerOffset: 77,
      severity: 'medium',
    });

    expect(limit.level).toBe('note');
    expect(limit.properties!['security-severity']).toBe('3.0');
  });

  it('gives each result a stable partial fingerprint of rule, file, inner path and message', () => {
    const a = toSarif(sampleReport(), { baseDir: base }).runs[0].results;
    const b = toSarif(sampleReport(), { baseDir: path.resolve('/elsewhere/project') }).runs[0].results;
    const prints = a.map((r) => r.partialFingerprints![FINGERPRINT_KEY]);
    expect(prints.every((p) => /^[0-9a-f]{32}$/.test(p))).toBe(true);
    expect(new Set(prints).size).toBe(prints.length);
    // Same relative location, same message: same fingerprint wherever the checkout is.
    expect(b.map((r) => r.partialFingerprints![FINGERPRINT_KEY])).toEqual(prints);
    // An offset change alone does not change it; a different message does.
    const moved = sampleReport();
    moved.files[1].findings[0].location.offset = 999;
    expect(toSarif(moved, { baseDir: base }).runs[0].results[0].partialFingerprints).toEqual(
      a[0].partialFingerprints,
    );
    const reworded = sampleReport();
    reworded.files[1].findings[0].message = 'os.system is called with "rm -rf /"';
    expect(toSarif(reworded, { baseDir: base }).runs[0].results[0].partialFingerprints).not.toEqual(
      a[0].partialFingerprints,
    );
  });

  it('lists files and container members as artifacts', () => {
    const artifacts = toSarif(sampleReport(), { baseDir: base }).runs[0].artifacts!;
    expect(artifacts.filter((a) => a.parentIndex === undefined)).toHaveLength(5);
    expect(artifacts[0]).toMatchObject({
      location: { uri: 'models/clean.pkl' },
      length: 14,
      roles: ['analysisTarget'],
    });
    const zipIndex = artifacts.findIndex((a) => a.location.uri === 'models/weights.zip');
    const members = artifacts.filter((a) => a.parentIndex !== undefined);
    expect(members.map((m) => m.location.uri)).toEqual([
      'archive/data.pkl',
      'archive/inner.tar',
      'x/readme.txt',
    ]);
    expect(members[0].parentIndex).toBe(zipIndex);
    expect(members[2].parentIndex).toBe(artifacts.findIndex((a) => a.location.uri === 'archive/inner.tar'));
    expect(artifacts.find((a) => a.location.uri === 'models/README.md')!.properties).toMatchObject({
      skipped: 'no analyser applies to this content',
    });
  });

  it('marks the invocation unsuccessful with a notification per inconclusive file', () => {
    const inv = toSarif(sampleReport(), { baseDir: base, exitCode: 1 }).runs[0].invocations![0];
    expect(inv.executionSuccessful).toBe(false);
    expect(inv.exitCode).toBe(1);
    expect(inv.startTimeUtc).toBe('2026-11-26T12:00:00.000Z');
    expect(inv.endTimeUtc).toBe('2026-11-26T12:00:01.234Z');
    expect(inv.toolExecutionNotifications).toHaveLength(1);
    const n = inv.toolExecutionNotifications![0];
    expect(n.level).toBe('error');
    expect(n.message.text).toContain('models/huge.pkl');
    expect(n.message.text).toContain('opcode limit');
    expect(n.associatedRule).toMatchObject({ id: RULE_LIMIT.id });

    const clean = sampleReport();
    clean.files = clean.files.filter((f) => f.verdict !== 'inconclusive');
    const ok = toSarif(clean, { baseDir: base }).runs[0].invocations![0];
    expect(ok.executionSuccessful).toBe(true);
    expect(ok.toolExecutionNotifications).toBeUndefined();
  });

  it('describes a rule id it does not know instead of dropping the result', () => {
    const report = sampleReport();
    report.files[0].findings.push({ ...report.files[1].findings[0], ruleId: 'BW-GONE-999' });
    const log = toSarif(report, { baseDir: base, rules: [] });
    const rules = log.runs[0].tool.driver.rules!;
    const r = log.runs[0].results.find((x) => x.ruleId === 'BW-GONE-999')!;
    expect(rules[r.ruleIndex!].id).toBe('BW-GONE-999');
    expect(validate(JSON.parse(JSON.stringify(log))).valid).toBe(true);
  });
});

describe('artifact URIs', () => {
  it('are relative, forward-slashed and percent-encoded below the base directory', () => {
    expect(artifactLocation('a b/c#d%e.pkl', base)).toEqual({
      uri: 'a%20b/c%23d%25e.pkl',
      uriBaseId: '%SRCROOT%',
    });
    expect(artifactLocation(path.join(base, 'x', 'ü.pt'), base)).toEqual({
      uri: 'x/%C3%BC.pt',
      uriBaseId: '%SRCROOT%',
    });
    expect(artifactLocation('..foo/x.pkl', base).uri).toBe('..foo/x.pkl');
  });

  it('are absolute file: URIs outside it', () => {
    const loc = artifactLocation('../other/m.pkl', base);
    expect(loc.uriBaseId).toBeUndefined();
    expect(loc.uri).toMatch(/^file:\/\/.*\/work\/other\/m\.pkl$/);
  });

  it('encode every segment', () => {
    expect(encodePath('C:x/?.pkl')).toBe('C%3Ax/%3F.pkl');
  });
});
