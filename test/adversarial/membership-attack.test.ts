import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMembershipAttack, type LabelledSet } from '../../src/adversarial/inference/membership.js';
import {
  formatMembershipAttackText,
  membershipAttackReport,
} from '../../src/adversarial/inference/report.js';
import { gaussianBlobs } from '../../src/adversarial/ml/data.js';
import { oneHot, trainLogistic, trainMlp } from '../../src/adversarial/ml/models.js';
import { classifierTarget } from '../../src/adversarial/ml/target.js';
import {
  membershipAttackCommand,
  type MembershipAttackCommandOptions,
} from '../../src/cli/commands/extraction.js';
import { getRule } from '../../src/core/rules.js';
import { membershipMetrics } from '../../src/trust/privacy/membership.js';
import '../../src/all-rules.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIGITS_MLP = path.join(ROOT, 'fixtures/adversarial/digits-mlp.onnx');
const DIGITS_BIN = path.join(ROOT, 'fixtures/adversarial/digits-test.bin');

const d = 20;
const k = 4;
// Overlapping classes with 15% label noise: a model that fits its training set exactly must memorise it.
const data = gaussianBlobs({ n: 4000, d, k, spread: 1.6, labelNoise: 0.15, seed: 7, centreSeed: 3 });
const rows = (a: number, b: number): LabelledSet => ({
  x: data.x.slice(a * d, b * d),
  y: data.y.slice(a, b),
  n: b - a,
});

describe('membership inference', () => {
  it('finds clear leakage in an overfit MLP (threshold and shadow attacks)', async () => {
    const members = rows(0, 150);
    const nonMembers = rows(150, 300);
    const overfit = trainMlp(members.x, members.n, d, oneHot(members.y, k), k, {
      hidden: 64,
      epochs: 300,
      seed: 1,
    });
    const target = classifierTarget(overfit, { name: 'overfit' });
    const r = await runMembershipAttack(target, {
      members,
      nonMembers,
      attacker: rows(300, 1500),
      shadowModels: 4,
      shadowTrain: { epochs: 300 },
    });
    expect(r.memberAccuracy).toBe(1);
    expect(r.generalizationGap).toBeGreaterThan(0.2);
    expect(r.threshold.confidence!.auc).toBeGreaterThan(0.75);
    expect(r.shadow!.metrics.auc).toBeGreaterThan(0.75);
    expect(r.shadow!.shadowTrainAccuracy).toBeGreaterThan(0.95);
    expect(r.shadow!.leaking).toBe(true);
    expect(r.queries).toBe(300);
    expect(r.shadow!.metrics.tprAtFpr.map((t) => t.fpr)).toEqual([0.001, 0.01, 0.1]);
    const rep = membershipAttackReport('overfit.onnx', r);
    expect(rep.kind).toBe('bulwark.membership-attack');
    expect(rep.findings.map((f) => f.ruleId).sort()).toEqual(['BW-INF-001', 'BW-INF-002']);
    expect(rep.metrics.shadowAuc).toBe(r.shadow!.metrics.auc);
    expect(formatMembershipAttackText(rep)).toMatch(/Shadow-model attack: 4 mlp shadows/);
  });

  it('finds no leakage in a well-regularised model (AUC near 0.5)', async () => {
    const members = rows(0, 1500);
    const nonMembers = rows(1500, 3000);
    const reg = trainLogistic(members.x, members.n, d, oneHot(members.y, k), k, {
      epochs: 30,
      l2: 0.01,
      seed: 1,
    });
    const r = await runMembershipAttack(classifierTarget(reg), {
      members,
      nonMembers,
      attacker: rows(3000, 4000),
      shadowModel: 'logistic',
      shadowTrain: { epochs: 30, l2: 0.01 },
    });
    expect(Math.abs(r.generalizationGap)).toBeLessThan(0.05);
    expect(r.threshold.confidence!.auc).toBeGreaterThan(0.45);
    expect(r.threshold.confidence!.auc).toBeLessThan(0.56);
    expect(r.shadow!.metrics.auc).toBeGreaterThan(0.45);
    expect(r.shadow!.metrics.auc).toBeLessThan(0.56);
    expect(membershipAttackReport('reg', r).findings).toEqual([]);
  });

  it('uses the privacy pillar metrics: the threshold AUC is the AUC of the confidence in the true label', async () => {
    const members = rows(0, 100);
    const nonMembers = rows(100, 200);
    const m = trainMlp(members.x, members.n, d, oneHot(members.y, k), k, { hidden: 16, epochs: 50 });
    const r = await runMembershipAttack(classifierTarget(m), { members, nonMembers });
    const conf = (s: LabelledSet) => {
      const p = m.predictProba(s.x, s.n);
      return Array.from(s.y, (c, i) => p[i * k + c]);
    };
    expect(r.threshold.confidence!.auc).toBeCloseTo(
      membershipMetrics(conf(members), conf(nonMembers)).auc,
      6,
    );
    expect(r.shadowSkipped).toBe('no attacker data given');
  });

  it('falls back to the gap attack for a labels-only target and skips the shadow attack', async () => {
    const members = rows(0, 150);
    const overfit = trainMlp(members.x, members.n, d, oneHot(members.y, k), k, {
      hidden: 64,
      epochs: 200,
      seed: 1,
    });
    const r = await runMembershipAttack(classifierTarget(overfit, { output: 'labels' }), {
      members,
      nonMembers: rows(150, 300),
      attacker: rows(300, 700),
    });
    expect(r.access).toBe('labels');
    expect(r.threshold.best).toBe('correct');
    expect(r.threshold.correct!.auc).toBeCloseTo(0.5 + r.generalizationGap / 2, 6);
    expect(r.shadow).toBeUndefined();
    expect(r.shadowSkipped).toMatch(/labels only/);
  });

  it('rejects labels outside the classes and too little attacker data', async () => {
    const bad = { ...rows(0, 10), y: new Int32Array(10).fill(7) };
    const m = trainLogistic(rows(0, 50).x, 50, d, oneHot(rows(0, 50).y, k), k, { epochs: 2 });
    await expect(
      runMembershipAttack(classifierTarget(m), { members: bad, nonMembers: rows(10, 20) }),
    ).rejects.toThrow(/label 7 is not a class index/);
    await expect(
      runMembershipAttack(classifierTarget(m), {
        members: rows(0, 10),
        nonMembers: rows(10, 20),
        attacker: rows(20, 30),
      }),
    ).rejects.toThrow(/too few for 4 shadow models/);
  });
});

describe('bulwark membership-attack (command)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bw-mia-'));
    const buf = await readFile(DIGITS_BIN);
    const n = buf.length / (64 * 4 + 4 + 20 * 4);
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length);
    const x = new Float32Array(ab, 0, n * 64);
    const y = new Int32Array(ab, n * 64 * 4, n);
    const header = [...Array.from({ length: 64 }, (_, j) => `p${j}`), 'digit'].join(',');
    const csv = (a: number, b: number) =>
      [
        header,
        ...Array.from({ length: b - a }, (_, i) =>
          [...x.slice((a + i) * 64, (a + i + 1) * 64), y[a + i]].join(','),
        ),
      ].join('\n') + '\n';
    // All three tables are held-out digits: no record was in the model's training set, so nothing may leak.
    await writeFile(path.join(dir, 'm.csv'), csv(0, 120));
    await writeFile(path.join(dir, 'n.csv'), csv(120, 240));
    await writeFile(path.join(dir, 'a.csv'), csv(240, n));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const run = async (o: Partial<MembershipAttackCommandOptions>) => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    const code = await membershipAttackCommand(
      DIGITS_MLP,
      {
        members: 'm.csv',
        nonMembers: 'n.csv',
        shadowModel: 'mlp',
        perClass: false,
        labelsOnly: false,
        format: 'json',
        ...o,
      },
      { stdout: out, stderr: new PassThrough(), env: {}, cwd: dir },
    );
    return { code, text };
  };

  it('runs both attacks on the ONNX digits MLP; two non-member sets give no finding (exit 0)', async () => {
    const { code, text } = await run({
      label: 'digit',
      attackerData: 'a.csv',
      shadowModels: '2',
      shadowEpochs: '60',
      output: 'mia.json',
    });
    expect(code).toBe(0);
    expect(text).toBe('');
    const doc = JSON.parse(await readFile(path.join(dir, 'mia.json'), 'utf8'));
    expect(doc.kind).toBe('bulwark.membership-attack');
    expect(doc.version).toBe(1);
    expect(doc.findings).toEqual([]);
    expect(doc.result.shadow.models).toBe(2);
    expect(doc.metrics.thresholdAuc).toBeGreaterThan(0.35);
    expect(doc.metrics.thresholdAuc).toBeLessThan(0.65);
  });

  it('needs --label, and rejects non-class labels', async () => {
    await expect(run({})).rejects.toThrow(/give --label COLUMN/);
    await expect(run({ label: 'p3' })).rejects.toThrow(/label '0.6875' in row 1 is not a class index 0..9/);
  });

  it('the rules are registered with their framework references', () => {
    expect(getRule('BW-INF-001')?.references?.atlas).toContain('AML.T0024.000');
    expect(getRule('BW-INF-002')?.references?.owaspMl).toContain('ML04');
  });
});
