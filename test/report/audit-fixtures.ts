import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { audit } from '../../src/audit/audit.js';
import type { EvidenceDocument } from '../../src/governance/evidence.js';
import { evaluateGate, type GateResult } from '../../src/governance/policy/gate.js';
import { loadPolicy } from '../../src/governance/policy/load.js';
import { ROOT } from '../cli/helpers.js';
import { check, evidence, scanFinding } from '../governance/evidence-fixtures.js';

export const EXAMPLES = path.join(ROOT, 'examples', 'models');
export const NOW = new Date('2026-11-26T12:00:00.000Z');
export const XSS_SCRIPT = '<script>window.__pwned=1</script>';
export const XSS_IMG = '<img src=x onerror="window.__pwned=2">';
/** A file name an attacker controls (valid on POSIX file systems). */
export const HOSTILE_NAME = `${XSS_IMG}.pt`;

const CARD = `---
license: mit
pipeline_tag: tabular-classification
---
# churn

Predicts customer churn.
`;

export interface RealAudits {
  dir: string;
  clean: EvidenceDocument;
  evil: EvidenceDocument;
  cleanGate: GateResult;
  evilGate: GateResult;
}

/** Audits a clean and a malicious copy of examples/models (the malicious file has a hostile name). */
export async function realAudits(): Promise<RealAudits> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bulwark-report-'));
  const clean = path.join(dir, 'clean');
  const evil = path.join(dir, 'evil');
  await mkdir(clean);
  await mkdir(evil);
  await copyFile(path.join(EXAMPLES, 'churn_pipeline.joblib'), path.join(clean, 'churn_pipeline.joblib'));
  await writeFile(path.join(clean, 'README.md'), CARD);
  await copyFile(path.join(EXAMPLES, 'sentiment_classifier.pt'), path.join(evil, HOSTILE_NAME));
  const c = (await audit(clean, { now: NOW })).evidence;
  const e = (await audit(evil, { now: NOW })).evidence;
  const policy = await loadPolicy('baseline');
  return {
    dir,
    clean: c,
    evil: e,
    cleanGate: evaluateGate(policy, c, { now: NOW }),
    evilGate: evaluateGate(policy, e, { now: NOW }),
  };
}

/** Synthetic evidence whose every free-text field carries an HTML/Markdown payload. */
export function hostileEvidence(): EvidenceDocument {
  const f = scanFinding('BW-PKL-001', 'critical', HOSTILE_NAME);
  f.message = `imports ${XSS_SCRIPT} | pipe \`tick\` [link](javascript:alert(1))`;
  f.location = { file: `/models/demo/${HOSTILE_NAME}`, inner: [`archive/${XSS_SCRIPT}.pkl`], offset: 7 };
  f.evidence = { global: XSS_IMG, calls: [`os.system("${XSS_SCRIPT}")`], bidi: 'abc\u202edef' };
  const fair = check('fairness', 'fail', {}, [
    {
      ...scanFinding('BW-FAIR-001', 'high', 'data.csv'),
      message: `disparate impact ${XSS_IMG}`,
      check: 'fairness',
      pillar: 'trust',
    },
  ]);
  fair.reason = `ratio 0.5 ${XSS_SCRIPT}`;
  fair.measurements = [
    { name: 'disparate_impact', value: 0.5, threshold: { op: '>=', value: 0.8 }, slice: XSS_IMG },
  ];
  fair.source.inputs = [{ path: `/data/${XSS_IMG}.csv`, sha256: 'cd'.repeat(32), role: 'dataset' }];
  const doc = evidence({ malicious: 1, findings: [f], checks: [fair] });
  doc.subject.name = `demo ${XSS_SCRIPT}`;
  doc.risk!.euAiAct.reasons = [`reason ${XSS_IMG}`];
  return doc;
}
