import { beforeAll, describe, expect, it } from 'vitest';
import '../../src/all-rules.js';
import { UsageError } from '../../src/core/errors.js';
import { mulberry32 } from '../../src/core/random.js';
import {
  buildRobustnessResult,
  epsString,
  evaluateRobustness,
  fgsm,
  hopSkipJump,
  pgd,
  renderRobustnessText,
  simba,
  square,
  squarePercentage,
  type Attack,
  type AttackOutput,
  type Norm,
} from '../../src/adversarial/robustness/index.js';
import {
  D,
  syntheticDigits,
  trainSoftmax,
  type Dataset,
  type SoftmaxTarget,
} from './robustness-attacks-model.js';

let model: SoftmaxTarget;
let test: Dataset;

beforeAll(() => {
  model = trainSoftmax(syntheticDigits(500, 1));
  test = syntheticDigits(100, 2);
});

/** Independent check: every row within ε of x (in `norm`) and inside [0, 1]. */
function expectBounded(out: AttackOutput, x: Float32Array, n: number, norm: Norm, eps: number): void {
  let worst = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < D; j++) {
      const v = out.xAdv[i * D + j]!;
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
      const t = Math.abs(v - x[i * D + j]!);
      s = norm === 'inf' ? Math.max(s, t) : s + t * t;
    }
    worst = Math.max(worst, norm === 'inf' ? s : Math.sqrt(s));
  }
  expect(worst).toBeLessThanOrEqual(eps * (1 + 1e-5));
}

async function runAttack(
  attack: Attack,
  target: SoftmaxTarget,
  norm: Norm,
  eps: number,
  seed = 1,
  budget = {},
) {
  return attack.run({ target, x: test.x, y: test.y, n: test.n, norm, eps, rng: mulberry32(seed), budget });
}

describe('white-box attacks on an in-test softmax classifier', () => {
  it('PGD L∞ lowers robust accuracy monotonically with ε and is at least as strong as FGSM', async () => {
    const ev = await evaluateRobustness(model, test, {
      attacks: [fgsm(), pgd()],
      eps: [0.02, 0.05, 0.1],
      norm: 'inf',
    });
    expect(ev.clean_accuracy).toBeGreaterThan(0.9);
    const acc = (a: string) => ev.evaluations.filter((e) => e.attack === a).map((e) => e.robust_accuracy);
    const p = acc('pgd');
    const f = acc('fgsm');
    expect(p[0]!).toBeGreaterThanOrEqual(p[1]!);
    expect(p[1]!).toBeGreaterThanOrEqual(p[2]!);
    expect(p[0]! - p[2]!).toBeGreaterThan(0.3);
    expect(p[2]!).toBeLessThan(0.6);
    for (let k = 0; k < 3; k++) expect(p[k]!).toBeLessThanOrEqual(f[k]! + 1e-9);
  });

  it('PGD L2 with random start stays inside the L2 ball and the clip range', async () => {
    const out = await runAttack(pgd({ numRandomInit: 2, maxIter: 20 }), model, '2', 0.8);
    expectBounded(out, test.x, test.n, '2', 0.8);
    // Query log: each PGD iteration costs one gradient and one label query per sample.
    for (let i = 0; i < test.n; i++) {
      expect(out.queries[i]! % 2).toBe(0);
      if (out.firstSuccess[i]! >= 0) expect(out.firstSuccess[i]!).toBeLessThanOrEqual(out.queries[i]!);
    }
    expect([...out.firstSuccess].filter((q) => q >= 0).length).toBeGreaterThan(20);
  });

  it('FGSM L∞ moves every coordinate by exactly ε unless clipped', async () => {
    const out = await runAttack(fgsm(), model, 'inf', 0.05);
    expectBounded(out, test.x, test.n, 'inf', 0.05);
    let moved = 0;
    for (let j = 0; j < test.n * D; j++) {
      const dlt = Math.abs(out.xAdv[j]! - test.x[j]!);
      if (Math.abs(dlt - 0.05) < 1e-5) moved++;
      else expect(out.xAdv[j] === 0 || out.xAdv[j] === 1 || dlt < 1e-7).toBe(true);
    }
    expect(moved).toBeGreaterThan(test.n * D * 0.9);
  });
});

describe('score-based and decision-based attacks', () => {
  it('Square and SimBA need only scores and break many samples within ε (L∞)', async () => {
    const scores = model.restricted('scores');
    const ev = await evaluateRobustness(scores, test, {
      attacks: [square(), simba()],
      eps: [0.1],
      norm: 'inf',
      seed: 3,
    });
    const sq = ev.evaluations.find((e) => e.attack === 'square')!;
    const sb = ev.evaluations.find((e) => e.attack === 'simba')!;
    expect(sb.attack_success_rate).toBeGreaterThan(0.4);
    expect(sq.attack_success_rate).toBeGreaterThan(0.15);
    for (const e of [sq, sb]) {
      expect(e.perturbation_linf.median).toBeLessThanOrEqual(0.1 + 1e-6);
      expect(e.queries_to_success_median).toBeGreaterThan(1);
    }
    for (const a of [square(), simba()])
      expectBounded(await runAttack(a, scores, 'inf', 0.1), test.x, test.n, 'inf', 0.1);
  });

  it('Square follows ART’s p schedule', () => {
    expect(squarePercentage(0, 100, 0.8)).toBe(0.8);
    expect(squarePercentage(1, 100, 0.8)).toBe(0.2); // 0.005 < 0.01 ≤ 0.02: p_init/4
    expect(squarePercentage(10, 100, 0.8)).toBeCloseTo(0.8 / 16); // 0.1 is not above 0.1
    expect(squarePercentage(99, 100, 0.8)).toBeCloseTo(0.8 / 512);
  });

  it('HopSkipJump needs only labels and finds small L2 perturbations', async () => {
    const labels = model.restricted('labels');
    const ev = await evaluateRobustness(
      labels,
      { x: test.x.subarray(0, 30 * D), y: test.y.subarray(0, 30), n: 30 },
      { attacks: [hopSkipJump({ maxIter: 10, maxEval: 500 })], eps: [0.5, 1.5], norm: '2', seed: 5 },
    );
    const [small, big] = ev.evaluations;
    expect(big!.attack_success_rate).toBeGreaterThan(0.8);
    expect(small!.robust_accuracy).toBeGreaterThanOrEqual(big!.robust_accuracy);
    expect(big!.perturbation_l2.median).toBeLessThanOrEqual(1.5);
    expect(big!.queries_to_success_median).toBeGreaterThan(0);
    expect(big!.empirical_robustness).toBeGreaterThan(0);
  });

  it('HopSkipJump L∞ results are adversarial and within the clip range', async () => {
    const labels = model.restricted('labels');
    const out = await hopSkipJump({ maxIter: 5, maxEval: 300 }).run({
      target: labels,
      x: test.x.subarray(0, 10 * D),
      y: test.y.subarray(0, 10),
      n: 10,
      norm: 'inf',
      eps: 0.05,
      rng: mulberry32(2),
      budget: {},
    });
    const pred = await labels.predictLabels({ data: out.xAdv, n: 10 });
    let adv = 0;
    for (let i = 0; i < 10; i++) if (pred[i] !== test.y[i]) adv++;
    expect(adv).toBeGreaterThanOrEqual(8);
    for (const v of out.xAdv) expect(v >= 0 && v <= 1).toBe(true);
  });
});

describe('runner: access, budgets, seeds, metrics, findings', () => {
  it('refuses an attack whose access the target lacks, before any query', async () => {
    const scores = model.restricted('scores');
    const before = scores.queries;
    const err = await evaluateRobustness(scores, test, { attacks: [pgd()], eps: [0.1], norm: 'inf' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(
      /attack pgd needs gradients but target softmax-js-scores gives only labels, scores/,
    );
    expect((err as Error).message).not.toContain('\n');
    expect(scores.queries).toBe(before);
    await expect(
      evaluateRobustness(model.restricted('labels'), test, { attacks: [square()], eps: [0.1], norm: 'inf' }),
    ).rejects.toThrow(/square needs scores/);
    await expect(
      evaluateRobustness(model, test, { attacks: [square()], eps: [0.1], norm: '2' }),
    ).rejects.toThrow(/supports norm inf/);
  });

  it('is reproducible from the seed, and the seed matters', async () => {
    const a = await runAttack(square(), model, 'inf', 0.1, 11);
    const b = await runAttack(square(), model, 'inf', 0.1, 11);
    const c = await runAttack(square(), model, 'inf', 0.1, 12);
    expect(Buffer.from(a.xAdv.buffer).equals(Buffer.from(b.xAdv.buffer))).toBe(true);
    expect(Buffer.from(a.xAdv.buffer).equals(Buffer.from(c.xAdv.buffer))).toBe(false);
  });

  it('enforces per-sample and total budgets and reports an inconclusive evaluation', async () => {
    const ev = await evaluateRobustness(model, test, {
      attacks: [pgd()],
      eps: [0.05],
      norm: 'inf',
      budget: { perSample: 4 },
    });
    const e = ev.evaluations[0]!;
    expect(e.queries_total).toBeLessThanOrEqual(4 * e.clean_correct);
    expect(e.unresolved).toBeGreaterThan(0);
    expect(ev.inconclusive).toBe(true);
    expect(ev.findings.map((f) => f.ruleId)).toContain('BW-ROB-003');
    const out = await runAttack(simba(), model, 'inf', 0.1, 1, { total: 150 });
    expect(out.queries.reduce((s, q) => s + q, 0)).toBeLessThanOrEqual(150);
    expect(out.exhausted.some((v) => v === 1)).toBe(true);
  });

  it('computes success rate, robust accuracy and ART’s empirical robustness from the adversarial examples', async () => {
    const ev = await evaluateRobustness(model, test, { attacks: [fgsm()], eps: [0.1], norm: 'inf' });
    const e = ev.evaluations[0]!;
    // Recompute from a fresh FGSM run (deterministic) on the correctly classified samples.
    const pred0 = await model.predictLabels({ data: test.x, n: test.n });
    const idx = [...Array(test.n).keys()].filter((i) => pred0[i] === test.y[i]);
    const xs = new Float32Array(idx.length * D);
    idx.forEach((i, k) => xs.set(test.x.subarray(i * D, i * D + D), k * D));
    const ys = Int32Array.from(idx, (i) => test.y[i]!);
    const out = await fgsm().run({
      target: model,
      x: xs,
      y: ys,
      n: idx.length,
      norm: 'inf',
      eps: 0.1,
      rng: mulberry32(0),
      budget: {},
    });
    const pred = await model.predictLabels({ data: out.xAdv, n: idx.length });
    let succ = 0;
    let ratio = 0;
    for (let k = 0; k < idx.length; k++) {
      if (pred[k] === ys[k]) continue;
      succ++;
      let dn = 0;
      let xn = 0;
      for (let j = 0; j < D; j++) {
        dn = Math.max(dn, Math.abs(out.xAdv[k * D + j]! - xs[k * D + j]!));
        xn = Math.max(xn, Math.abs(xs[k * D + j]!));
      }
      ratio += dn / xn;
    }
    expect(e.clean_correct).toBe(idx.length);
    expect(e.successes).toBe(succ);
    expect(e.attack_success_rate).toBeCloseTo(succ / idx.length, 12);
    expect(e.robust_accuracy).toBeCloseTo((idx.length - succ) / test.n, 12);
    expect(e.empirical_robustness).toBeCloseTo(ratio / succ, 6);
    expect(e.perturbation_linf.median).toBeCloseTo(0.1, 5);
  });

  it('raises BW-ROB-001 below the threshold with framework references, and none at threshold 0', async () => {
    const ev = await evaluateRobustness(model, test, {
      attacks: [pgd({ maxIter: 20 })],
      eps: [0.1],
      norm: 'inf',
      threshold: 0.9,
    });
    const f = ev.findings.find((x) => x.ruleId === 'BW-ROB-001')!;
    expect(f.severity).toBe('high');
    expect(f.references?.atlas).toEqual(expect.arrayContaining(['AML.T0015', 'AML.T0043']));
    expect(f.references?.owaspMl).toContain('ML01');
    expect(f.references?.euAiAct).toContain('Art. 15');
    expect(ev.failed).toBe(true);
    const ok = await evaluateRobustness(model, test, {
      attacks: [pgd({ maxIter: 20 })],
      eps: [0.1],
      norm: 'inf',
      threshold: 0,
    });
    expect(ok.failed).toBe(false);
    expect(ok.findings.filter((x) => x.ruleId === 'BW-ROB-001')).toEqual([]);
  });

  it('flags success with tiny perturbations (BW-ROB-002)', async () => {
    // Shrink inputs towards the decision boundary: scale every test row towards the mean so that tiny steps flip it.
    const mean = new Float32Array(D);
    for (let i = 0; i < test.n; i++) for (let j = 0; j < D; j++) mean[j]! += test.x[i * D + j]! / test.n;
    const x = Float32Array.from(test.x, (v, q) => mean[q % D]! + (v - mean[q % D]!) * 0.03);
    const ev = await evaluateRobustness(
      model,
      { x, y: test.y, n: test.n },
      { attacks: [fgsm()], eps: [0.01], norm: 'inf', threshold: 0 },
    );
    expect(ev.findings.map((f) => f.ruleId)).toContain('BW-ROB-002');
  });

  it('batches queries: one target call per iteration for all active samples', async () => {
    let calls = 0;
    const scores = model.restricted('scores');
    const inner = scores.predict!;
    scores.predict = async (b) => {
      calls++;
      return inner(b);
    };
    const out = await runAttack(square({ maxIter: 50 }), scores, 'inf', 0.05);
    const total = out.queries.reduce((s, q) => s + q, 0);
    expect(calls).toBeLessThanOrEqual(51);
    expect(total).toBeGreaterThan(calls * 20);
  });

  it('builds a versioned result with a RobustBench-style record and a text table', async () => {
    const ev = await evaluateRobustness(model, test, {
      attacks: [pgd({ maxIter: 10 })],
      eps: [8 / 255, 0.1],
      norm: 'inf',
      threshold: 0.5,
    });
    const r = buildRobustnessResult(ev, model, {
      model: 'm.onnx',
      dataset: 'synthetic',
      norm: 'inf',
      eps: [8 / 255, 0.1],
      attacks: ['pgd'],
      seed: 0,
      budget: {},
      toolVersion: '0.0.0',
    });
    expect(r.kind).toBe('bulwark.robustness');
    expect(r.version).toBe(1);
    expect(r.robustbench[0]).toMatchObject({
      model: 'm.onnx',
      dataset: 'synthetic',
      threat_model: 'Linf',
      eps: '8/255',
      attack: 'pgd',
      n_examples: 100,
      additional_data: false,
    });
    expect(r.robustbench[0]!.clean_acc).toBe((ev.clean_accuracy * 100).toFixed(2));
    expect(r.robustbench[1]!.eps).toBe('0.1');
    expect(r.metrics.evaluations['pgd_Linf_0.1']!.robust_accuracy).toBe(ev.evaluations[1]!.robust_accuracy);
    expect(r.metrics.min_robust_accuracy).toBe(Math.min(...ev.evaluations.map((e) => e.robust_accuracy)));
    const text = renderRobustnessText(r);
    expect(text).toMatch(/pgd\s+Linf\s+0\.1\s+0\.\d{3}/);
    expect(epsString(0.3)).toBe('0.3');
    expect(epsString(4 / 255)).toBe('4/255');
  });
});
