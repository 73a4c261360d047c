import { defineRule, makeFinding, type RuleMeta } from '../../src/core/rules.js';
import type { ScanReport } from '../../src/scan/types.js';

/** Rules of a made-up family, registered for the report tests only. */
export const RULE_EXEC: RuleMeta = defineRule({
  id: 'BW-TESTFMT-001',
  name: 'test-code-execution',
  family: 'testfmt',
  title: 'Test global executes code',
  description: 'A test rule: the file imports a callable that runs a shell command when loaded.',
  severity: 'critical',
  impact: 'malicious',
  confidence: 'high',
  remediation: 'Do not load the file; rebuild it from a trusted source.',
  references: { atlas: ['AML.T0010.003', 'AML.T0011.000'], owaspMl: ['ML06'], cwe: ['CWE-502'] },
});

export const RULE_UNKNOWN: RuleMeta = defineRule({
  id: 'BW-TESTFMT-002',
  name: 'test-unknown-global',
  family: 'testfmt',
  title: 'Test global is unknown',
  description: 'A test rule: a global that is neither allowed nor denied.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'medium',
  remediation: 'Review the global; allow it in bulwark.yaml if it is expected.',
  references: { atlas: ['AML.T0010.003'], owaspMl: ['ML06'] },
});

export const RULE_LIMIT: RuleMeta = defineRule({
  id: 'BW-TESTFMT-003',
  name: 'test-limit-reached',
  family: 'testfmt',
  title: 'Test analysis limit reached',
  description: 'A test rule: an analysis stopped at a resource limit.',
  severity: 'low',
  impact: 'inconclusive',
  confidence: 'high',
  remediation: 'Raise the limit in bulwark.yaml and scan again.',
  references: {},
});

export const TEST_RULES = [RULE_EXEC, RULE_UNKNOWN, RULE_LIMIT];

/** A report with one file of each verdict plus a skipped one, findings at the file level and inside containers. */
export function sampleReport(): ScanReport {
  const evil = 'models/evil model.pkl';
  const zip = 'models/weights.zip';
  return {
    schemaVersion: '1.0',
    tool: { name: 'bulwark', version: '0.1.0' },
    startedAt: '2026-11-26T12:00:00.000Z',
    durationMs: 1234.5,
    summary: {
      files: 5,
      clean: 1,
      suspicious: 1,
      malicious: 1,
      inconclusive: 1,
      skipped: 1,
      findings: { critical: 1, medium: 1, low: 1 },
    },
    files: [
      {
        path: 'models/clean.pkl',
        size: 14,
        verdict: 'clean',
        formats: ['pickle'],
        analyses: ['pickle-vm'],
        findings: [],
        bytesRead: 14,
        durationMs: 1,
      },
      {
        path: evil,
        size: 40,
        verdict: 'malicious',
        formats: ['pickle'],
        analyses: ['pickle-vm'],
        findings: [
          makeFinding(RULE_EXEC, {
            message: 'os.system is called with "echo pwned"',
            location: { file: evil, offset: 2 },
            evidence: { module: 'os', name: 'system', args: ['echo pwned'], big: 12345678901234567890n },
          }),
        ],
        bytesRead: 40,
        durationMs: 2,
      },
      {
        path: zip,
        size: 4096,
        verdict: 'suspicious',
        formats: ['zip', 'pytorch-zip'],
        analyses: ['zip', 'pickle-vm'],
        findings: [
          makeFinding(RULE_UNKNOWN, {
            message: 'mypkg.layers.Custom is neither allowed nor denied',
            location: { file: zip, inner: ['archive/data.pkl'], offset: 77 },
          }),
        ],
        members: [
          { inner: ['archive/data.pkl'], formats: ['pickle'], verdict: 'suspicious' },
          { inner: ['archive/inner.tar'], formats: ['tar'], verdict: 'clean' },
          {
            inner: ['archive/inner.tar', 'x/readme.txt'],
            formats: [],
            verdict: 'clean',
            skipped: 'unsupported format',
          },
        ],
        bytesRead: 4096,
        durationMs: 3,
      },
      {
        path: 'models/huge.pkl',
        size: 1 << 20,
        verdict: 'inconclusive',
        formats: ['pickle'],
        analyses: [],
        findings: [
          makeFinding(RULE_LIMIT, {
            message: 'opcode limit (1000) reached',
            location: { file: 'models/huge.pkl', offset: 5000 },
          }),
        ],
        bytesRead: 1 << 20,
        durationMs: 4,
      },
      {
        path: 'models/README.md',
        size: 10,
        verdict: 'clean',
        formats: [],
        analyses: [],
        findings: [],
        skipped: 'no analyser applies to this content',
        bytesRead: 10,
        durationMs: 0,
      },
    ],
  };
}
