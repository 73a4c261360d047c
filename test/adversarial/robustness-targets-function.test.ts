import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { capabilityProblems, createFunctionTarget } from '../../src/adversarial/robustness/targets/index.js';
import type { Batch, ModelTarget } from '../../src/adversarial/robustness/target.js';

/** A linear 2-class model z = [x·w, −x·w]; gradient of −log softmax(z)[y] is known in closed form. */
const w = [0.5, -1, 2];
const logits = (x: Batch) => {
  const out = new Float32Array(x.n * 2);
  for (let i = 0; i < x.n; i++) {
    const s = w.reduce((a, wj, j) => a + wj * x.data[i * 3 + j], 0);
    out[i * 2] = s;
    out[i * 2 + 1] = -s;
  }
  return out;
};
const grad = (x: Batch, y: Int32Array) => {
  const z = logits(x);
  const g = new Float32Array(x.n * 3);
  for (let i = 0; i < x.n; i++) {
    const p0 = 1 / (1 + Math.exp(z[i * 2 + 1] - z[i * 2]));
    // dL/dz0 = p0 − [y=0], dL/dz1 = p1 − [y=1]; dz0/dx = w, dz1/dx = −w
    const d = p0 - (y[i] === 0 ? 1 : 0) - (1 - p0 - (y[i] === 1 ? 1 : 0));
    for (let j = 0; j < 3; j++) g[i * 3 + j] = d * w[j];
  }
  return g;
};
const x: Batch = { data: Float32Array.of(1, 0, 0, 0, 1, 0.5), n: 2 };

describe('function target', () => {
  it('derives capabilities from the functions given and counts queries', async () => {
    const t = createFunctionTarget({
      name: 'lin',
      inputShape: [3],
      nbClasses: 2,
      predict: logits,
      lossGradient: grad,
    });
    expect([...t.capabilities].sort()).toEqual(['gradients', 'labels', 'scores']);
    expect(capabilityProblems(t)).toEqual([]);
    expect(Array.from(await t.predict!(x))).toEqual([0.5, -0.5, 0, -0]);
    expect(Array.from(await t.predictLabels(x))).toEqual([0, 0]);
    const g = await t.lossGradient!(x, Int32Array.of(1, 0));
    expect(g[0]).toBeCloseTo((2 / (1 + Math.exp(-1)) - 0) * 0.5, 5); // y=1: d = 2·p0
    expect(t.queries).toBe(6);
    await expect(t.predict!({ data: Float32Array.of(1, 2), n: 1 })).rejects.toThrow(/needs 3/);
    await expect(t.lossGradient!(x, Int32Array.of(0, 2))).rejects.toThrow(/outside 0\.\.1/);
  });

  it('declaring less hides access: a labels-only view of a scoring function', async () => {
    const t = createFunctionTarget({
      name: 'lin',
      inputShape: [3],
      nbClasses: 2,
      predict: logits,
      capabilities: ['labels'],
    });
    expect([...t.capabilities]).toEqual(['labels']);
    expect(t.predict).toBeUndefined();
    expect(t.lossGradient).toBeUndefined();
    expect(capabilityProblems(t)).toEqual([]);
    expect(Array.from(await t.predictLabels(x))).toEqual([0, 0]);
    expect(t.queries).toBe(2);
  });

  it('declaring more than is implemented, or bad outputs, is a ConfigError', async () => {
    expect(() =>
      createFunctionTarget({
        name: 'f',
        inputShape: [3],
        nbClasses: 2,
        predict: logits,
        capabilities: ['gradients'],
      }),
    ).toThrow(/capability 'gradients' is declared but not implemented; pass predict and lossGradient/);
    expect(() =>
      createFunctionTarget({
        name: 'f',
        inputShape: [3],
        nbClasses: 2,
        predictLabels: () => [0],
        capabilities: ['scores'],
      }),
    ).toThrow(ConfigError);
    expect(() => createFunctionTarget({ name: 'f', inputShape: [3], nbClasses: 2 })).toThrow(
      /'labels' is declared/,
    );
    expect(() => createFunctionTarget({ name: 'f', inputShape: [0], nbClasses: 2, predict: logits })).toThrow(
      /inputShape/,
    );
    const bad = createFunctionTarget({
      name: 'f',
      inputShape: [3],
      nbClasses: 2,
      predict: () => new Float32Array(1),
    });
    await expect(bad.predict!(x)).rejects.toThrow(/returned 1 values for 2 rows/);
    const badLabels = createFunctionTarget({
      name: 'f',
      inputShape: [3],
      nbClasses: 2,
      predictLabels: () => [0, 5],
    });
    await expect(badLabels.predictLabels(x)).rejects.toThrow(/labels in 0\.\.1/);
  });

  it('capabilityProblems catches a target whose declared set and methods disagree', () => {
    const liar = {
      name: 'liar',
      capabilities: new Set(['gradients', 'scores', 'labels']),
      inputShape: [3],
      nbClasses: 2,
      clipValues: [0, 1],
      queries: 0,
      predictLabels: async () => new Int32Array(0),
      predict: async () => new Float32Array(0),
    } as unknown as ModelTarget;
    expect(capabilityProblems(liar)).toEqual(['declares gradients but has no lossGradient']);
    const hider = { ...liar, capabilities: new Set(['labels']) } as unknown as ModelTarget;
    expect(capabilityProblems(hider)).toEqual(['has predict but does not declare scores']);
  });
});
