/**
 * Reference verification on real classifiers: the 8×8 digits MLP and CNN in fixtures/adversarial (trained with
 * torch on sklearn's load_digits, exported to ONNX; see scripts/ for the generator), with their held-out test set
 * of 360 images. Numbers pinned here were measured with these attacks, seed 0 (docs/robustness.md).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../src/all-rules.js';
import { mulberry32 } from '../../src/core/random.js';
import {
  evaluateRobustness,
  fgsm,
  hopSkipJump,
  pgd,
  readRobustnessData,
  restrictAccess,
  simba,
  square,
  type Attack,
  type ModelTarget,
  type Norm,
  type RobustnessData,
} from '../../src/adversarial/robustness/index.js';
import { loadOnnxTarget } from '../../src/adversarial/robustness/targets/index.js';

const FIX = path.resolve(fileURLToPath(new URL('../../', import.meta.url)), 'fixtures', 'adversarial');
const D = 64;

let mlp: ModelTarget; // differentiable (tfjs gradients, onnxruntime predictions)
let mlpOrt: ModelTarget; // scores only (onnxruntime)
let cnn: ModelTarget;
let data: RobustnessData;

beforeAll(async () => {
  mlp = await loadOnnxTarget(path.join(FIX, 'digits-mlp.onnx'), { differentiable: true });
  mlpOrt = await loadOnnxTarget(path.join(FIX, 'digits-mlp.onnx'), { differentiable: false });
  cnn = await loadOnnxTarget(path.join(FIX, 'digits-cnn.onnx'), { differentiable: true });
  data = await readRobustnessData(path.join(FIX, 'digits.json'), { inputSize: D, nbClasses: 10 });
}, 60_000);

afterAll(async () => {
  for (const t of [mlp, mlpOrt, cnn]) await t?.dispose?.();
});

/** Runs `attack` on the correctly classified rows and checks every adversarial example independently. */
async function checkedRun(target: ModelTarget, attack: Attack, norm: Norm, eps: number, rows: number) {
  const x = data.x.subarray(0, rows * D);
  const y = data.y.subarray(0, rows);
  const out = await attack.run({ target, x, y, n: rows, norm, eps, rng: mulberry32(9), budget: {} });
  const pred = await target.predictLabels({ data: out.xAdv, n: rows });
  let broken = 0;
  for (let i = 0; i < rows; i++) {
    let linf = 0;
    let l2 = 0;
    for (let j = 0; j < D; j++) {
      const v = out.xAdv[i * D + j]!;
      expect(v >= 0 && v <= 1, `clip range, row ${i}`).toBe(true);
      const t = Math.abs(v - x[i * D + j]!);
      linf = Math.max(linf, t);
      l2 += t * t;
    }
    const dist = norm === 'inf' ? linf : Math.sqrt(l2);
    if (attack.mode === 'bounded') expect(dist).toBeLessThanOrEqual(eps * (1 + 1e-5));
    if (pred[i] !== y[i] && dist <= eps * (1 + 1e-5)) broken++;
  }
  return broken / rows;
}

describe('digits MLP (white-box through the imported graph)', () => {
  it('PGD L∞ brings accuracy from 0.98 down sharply, monotonically in ε, and beats FGSM', async () => {
    const ev = await evaluateRobustness(mlp, data, {
      attacks: [fgsm(), pgd()],
      eps: [0.05, 0.1, 0.15],
      norm: 'inf',
    });
    expect(ev.clean_accuracy).toBeCloseTo(0.9806, 3);
    const acc = (a: string) => ev.evaluations.filter((e) => e.attack === a).map((e) => e.robust_accuracy);
    const [p05, p10, p15] = acc('pgd') as [number, number, number];
    const f = acc('fgsm');
    // Measured: PGD 0.767 / 0.339 / 0.044; FGSM 0.778 / 0.411 / 0.089.
    expect(p05).toBeGreaterThan(0.7);
    expect(p05).toBeLessThan(0.83);
    expect(p10).toBeGreaterThan(0.27);
    expect(p10).toBeLessThan(0.41);
    expect(p15).toBeLessThan(0.1);
    expect(p05).toBeGreaterThan(p10);
    expect(p10).toBeGreaterThan(p15);
    expect(f[1]!).toBeGreaterThan(p10 + 0.03);
    expect(f[2]!).toBeGreaterThan(p15);
    for (let k = 0; k < 3; k++) expect(acc('pgd')[k]!).toBeLessThanOrEqual(f[k]! + 1e-9);
    expect(ev.findings.filter((x) => x.ruleId === 'BW-ROB-001')).toHaveLength(4); // ε = 0.1, 0.15 for both attacks
  }, 60_000);

  it('PGD L∞ (random start) and L2 examples stay within ε and the clip range', async () => {
    expect(await checkedRun(mlp, pgd({ numRandomInit: 1, maxIter: 20 }), 'inf', 0.15, 120)).toBeGreaterThan(
      0.85,
    );
    expect(await checkedRun(mlp, pgd({ maxIter: 20 }), '2', 1, 120)).toBeGreaterThan(0.9);
  }, 60_000);

  it('the digits CNN (Conv, pooling) is attacked the same way', async () => {
    const ev = await evaluateRobustness(cnn, data, {
      attacks: [pgd({ maxIter: 40 })],
      eps: [0.1, 0.15],
      norm: 'inf',
    });
    expect(ev.clean_accuracy).toBeCloseTo(0.9917, 3);
    const [a, b] = ev.evaluations.map((e) => e.robust_accuracy) as [number, number];
    // Measured (max_iter 100): 0.442 / 0.069.
    expect(a).toBeLessThan(0.55);
    expect(b).toBeLessThan(0.15);
    expect(a).toBeGreaterThan(b);
  }, 60_000);
});

describe('digits MLP, black-box', () => {
  it('Square and SimBA (scores only, onnxruntime) reach high success within their ART schedules at ε = 0.2', async () => {
    expect(mlpOrt.capabilities.has('gradients')).toBe(false);
    const ev = await evaluateRobustness(mlpOrt, data, {
      attacks: [square(), simba()],
      eps: [0.1, 0.2],
      norm: 'inf',
    });
    const get = (a: string, e: number) => ev.evaluations.find((x) => x.attack === a && x.eps === e)!;
    // Measured: Square 0.368 / 0.932, SimBA 0.623 / 0.997 success.
    expect(get('square', 0.2).attack_success_rate).toBeGreaterThan(0.85);
    expect(get('simba', 0.2).attack_success_rate).toBeGreaterThan(0.95);
    expect(get('square', 0.1).attack_success_rate).toBeLessThan(get('square', 0.2).attack_success_rate);
    for (const e of ev.evaluations) expect(e.unresolved).toBe(0);
    expect(await checkedRun(mlpOrt, square(), 'inf', 0.2, 100)).toBeGreaterThan(0.8);
    expect(await checkedRun(mlpOrt, simba(), 'inf', 0.2, 100)).toBeGreaterThan(0.9);
  }, 60_000);

  it('HopSkipJump (labels only, ART defaults) breaks almost every sample within L2 ε = 1', async () => {
    const labels = restrictAccess(mlpOrt, 'labels');
    const sub = { x: data.x.subarray(0, 60 * D), y: data.y.subarray(0, 60), n: 60 };
    const ev = await evaluateRobustness(labels, sub, { attacks: [hopSkipJump()], eps: [1, 2], norm: '2' });
    const [e1, e2] = ev.evaluations as [(typeof ev.evaluations)[0], (typeof ev.evaluations)[0]];
    expect(e1.eps).toBe(1);
    expect(e1.attack_success_rate).toBeGreaterThan(0.95);
    expect(e1.perturbation_l2.median).toBeLessThan(1);
    expect(e1.robust_accuracy).toBeGreaterThanOrEqual(e2.robust_accuracy);
    expect(e1.queries_to_success_median).toBeGreaterThan(e2.queries_to_success_median);
    expect(await checkedRun(labels, hopSkipJump({ maxIter: 10 }), '2', 1.5, 20)).toBeGreaterThan(0.9);
  }, 60_000);
});
