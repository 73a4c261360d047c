import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit } from '../../src/audit/audit.js';
import type { EvidenceDocument } from '../../src/governance/evidence.js';
import { ROOT } from '../cli/helpers.js';
import { check, evidence, scanFinding } from '../governance/evidence-fixtures.js';
import { EXAMPLES, hostileEvidence, NOW, realAudits, type RealAudits } from './audit-fixtures.js';

/** Deliberately untyped: parsed JSON documents that the checks below walk. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const SCHEMA = path.join(ROOT, 'docs', 'schema', 'evidence.schema.json');

function validator() {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  ajv.addFormat('date-time', (s: string) =>
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(s),
  );
  const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')));
  return (doc: unknown) => {
    const ok = validate(doc) as boolean;
    return ok ? 'valid' : ajv.errorsText(validate.errors);
  };
}

let real: RealAudits;
let examples: EvidenceDocument;
beforeAll(async () => {
  real = await realAudits();
  examples = (await audit(EXAMPLES, { now: NOW })).evidence;
}, 90_000);
afterAll(async () => {
  if (real?.dir) await rm(real.dir, { recursive: true, force: true });
});

/** A JSON round trip: what `bulwark audit -o` writes and what readers see. */
const asJson = (d: unknown): unknown => JSON.parse(JSON.stringify(d));

describe('docs/schema/evidence.schema.json', () => {
  it('is a strict draft 2020-12 schema', () => {
    const s = JSON.parse(readFileSync(SCHEMA, 'utf8'));
    expect(s.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(() => validator()).not.toThrow();
  });

  it('accepts the evidence of real audits (examples/models, a clean and a malicious model)', () => {
    const v = validator();
    expect(examples.summary.verdict).toBe('malicious');
    expect(examples.checks.map((c) => c.id)).toEqual(
      expect.arrayContaining(['scan', 'signature', 'bom', 'card']),
    );
    for (const doc of [examples, real.clean, real.evil]) expect(v(asJson(doc))).toBe('valid');
  });

  it('accepts synthetic evidence with every pillar, measurements and a system card', () => {
    const v = validator();
    const fair = check('fairness', 'fail', { table: [1, 2] }, [
      { ...scanFinding('BW-FAIR-001', 'high', 'd.csv'), check: 'fairness', pillar: 'trust' },
    ]);
    fair.measurements = [
      { name: 'di', value: 0.5, unit: 'ratio', threshold: { op: '>=', value: 0.8 }, slice: 'sex' },
    ];
    const doc = evidence({
      malicious: 1,
      findings: [scanFinding('BW-PKL-001', 'critical')],
      checks: [fair],
      signed: true,
      verified: false,
      system: { name: 'hr', annexIIIArea: 'employment', custom: { x: 1 } },
      tier: 'high-risk',
    });
    expect(v(asJson(doc))).toBe('valid');
    expect(v(asJson(hostileEvidence()))).toBe('valid');
  });

  it('rejects documents that break the layout', () => {
    const v = validator();
    const base = asJson(real.evil) as Record<string, Loose>;
    const broken: [string, (d: Record<string, Loose>) => void, RegExp][] = [
      ['wrong kind', (d) => (d.kind = 'bulwark.scan'), /kind/],
      ['major version 2', (d) => (d.schemaVersion = '2.0'), /schemaVersion/],
      ['unknown severity', (d) => (d.findings[0].severity = 'urgent'), /severity/],
      ['missing check pillar', (d) => delete d.checks[0].pillar, /pillar/],
      ['bad root digest', (d) => (d.subject.rootDigest = 'xyz'), /rootDigest/],
      ['unknown top-level field', (d) => (d.extra = 1), /additional properties/],
      ['bad check status', (d) => (d.checks[0].status = 'ok'), /status/],
      ['negative count', (d) => (d.summary.bySeverity.critical = -1), /critical/],
    ];
    for (const [name, mutate, msg] of broken) {
      const d = structuredClone(base);
      mutate(d);
      expect({ name, result: v(d) }).toEqual({ name, result: expect.stringMatching(msg) });
    }
  });
});
