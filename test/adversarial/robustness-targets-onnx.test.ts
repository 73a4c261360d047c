import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParseError } from '../../src/core/errors.js';
import { mulberry32 } from '../../src/core/random.js';
import {
  capabilityProblems,
  DifferentiableOnnxTarget,
  loadOnnxTarget,
  loadOrt,
  OnnxTarget,
  readOnnxGraph,
  SUPPORTED_OPS,
} from '../../src/adversarial/robustness/targets/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIX = path.join(ROOT, 'fixtures', 'adversarial');
const meta = JSON.parse(readFileSync(path.join(FIX, 'digits.json'), 'utf8')) as {
  n_test: number;
  tiny: { alpha: number; beta: number; B: number[][]; c: number[] };
};
const N = meta.n_test;
const bin = readFileSync(path.join(FIX, 'digits-test.bin'));
const f32 = (off: number, len: number) =>
  new Float32Array(bin.buffer.slice(bin.byteOffset + off, bin.byteOffset + off + len * 4));
const images = f32(0, N * 64);
const labels = new Int32Array(bin.buffer.slice(bin.byteOffset + N * 256, bin.byteOffset + N * 260));
const torchMlp = f32(N * 260, N * 10);
const torchCnn = f32(N * 300, N * 10);

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** −log p(label) per row from scores (probabilities or logits), in float64. */
function losses(scores: Float32Array, n: number, k: number, ys: ArrayLike<number>, probs: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = Array.from(scores.subarray(i * k, (i + 1) * k));
    if (probs) out.push(-Math.log(row[ys[i]]));
    else {
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
      out.push(lse - row[ys[i]]);
    }
  }
  return out;
}

/** Central finite differences of the loss through the scores-only (onnxruntime) target, all pixels at once. */
async function finiteDiff(t: OnnxTarget, x: Float32Array, y: number, h: number): Promise<Float64Array> {
  const d = x.length;
  const rows = new Float32Array(2 * d * d);
  for (let j = 0; j < d; j++) {
    rows.set(x, 2 * j * d);
    rows.set(x, (2 * j + 1) * d);
    rows[2 * j * d + j] += h;
    rows[(2 * j + 1) * d + j] -= h;
  }
  const s = await t.runUncounted(rows, 2 * d);
  const l = losses(s, 2 * d, t.nbClasses, new Array(2 * d).fill(y), t.scoresAreProbabilities);
  const g = new Float64Array(d);
  for (let j = 0; j < d; j++) g[j] = (l[2 * j] - l[2 * j + 1]) / (2 * h);
  return g;
}

/**
 * The digits have many exactly-equal pixels (zeros), so ReLU and MaxPool sit on ties where the loss is not
 * differentiable and a finite difference averages the one-sided slopes. A small seeded jitter moves the point
 * off the ties; the comparison is then between two estimates of the same derivative.
 */
function jitter(x: Float32Array, seed: number): Float32Array {
  const rnd = mulberry32(seed + 1);
  return x.map((v) => v + (rnd() - 0.5) * 0.1);
}

/**
 * Compares g with central differences at h over the coordinates where the differences at h and h/2 agree
 * (within 1e-3 of the gradient's scale), i.e. where no kink lies inside the step. Returns the max relative
 * error over those coordinates and how many were kept.
 */
async function smoothCheck(
  g: Float32Array,
  t: OnnxTarget,
  x: Float32Array,
  y: number,
  h: number,
): Promise<{ err: number; kept: number }> {
  const a = await finiteDiff(t, x, y, h);
  const b = await finiteDiff(t, x, y, h / 2);
  const scale = Math.max(...Array.from(a, Math.abs));
  let err = 0;
  let kept = 0;
  for (let i = 0; i < a.length; i++) {
    if (Math.abs(a[i] - b[i]) > 1e-3 * scale) continue;
    kept++;
    err = Math.max(err, Math.abs(g[i] - a[i]) / scale);
  }
  return { err, kept };
}

/** max_i |g_i − fd_i| / max_i |fd_i|. */
function maxRelError(g: Float32Array, fd: Float64Array): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < fd.length; i++) {
    err = Math.max(err, Math.abs(g[i] - fd[i]));
    scale = Math.max(scale, Math.abs(fd[i]));
  }
  return err / scale;
}

describe('ONNX targets on the digits fixtures', () => {
  let mlp: DifferentiableOnnxTarget;
  let cnn: DifferentiableOnnxTarget;
  let mlpOrt: OnnxTarget;
  let cnnOrt: OnnxTarget;

  beforeAll(async () => {
    const a = await loadOnnxTarget(path.join(FIX, 'digits-mlp.onnx'));
    const b = await loadOnnxTarget(path.join(FIX, 'digits-cnn.onnx'));
    expect(a).toBeInstanceOf(DifferentiableOnnxTarget);
    expect(b).toBeInstanceOf(DifferentiableOnnxTarget);
    mlp = a as DifferentiableOnnxTarget;
    cnn = b as DifferentiableOnnxTarget;
    mlpOrt = (await loadOnnxTarget(path.join(FIX, 'digits-mlp.onnx'), {
      differentiable: false,
    })) as OnnxTarget;
    cnnOrt = (await loadOnnxTarget(path.join(FIX, 'digits-cnn.onnx'), {
      differentiable: false,
      batchSize: 1,
    })) as OnnxTarget;
  });
  afterAll(async () => {
    for (const t of [mlp, cnn, mlpOrt, cnnOrt]) await t?.dispose();
  });

  it('reads shapes, classes and output kind from the models', () => {
    expect(mlp.inputShape).toEqual([64]);
    expect(cnn.inputShape).toEqual([1, 8, 8]);
    expect(mlp.nbClasses).toBe(10);
    expect(mlp.scoresAreProbabilities).toBe(false);
    expect(cnn.scoresAreProbabilities).toBe(true);
    expect(mlp.graph.outputKind).toBe('logits');
    expect(cnn.graph.outputKind).toBe('probabilities');
    expect([...mlp.capabilities].sort()).toEqual(['gradients', 'labels', 'scores']);
    expect([...mlpOrt.capabilities].sort()).toEqual(['labels', 'scores']);
    for (const t of [mlp, cnn, mlpOrt, cnnOrt]) expect(capabilityProblems(t)).toEqual([]);
  });

  it('onnxruntime predictions equal torch within 1e-5 at batch 256 and batch 1, counting queries exactly', async () => {
    const before = mlpOrt.queries;
    const a = await mlpOrt.predict({ data: images, n: N }); // 256 + 104 rows
    expect(maxAbsDiff(a, torchMlp)).toBeLessThan(1e-5);
    expect(mlpOrt.queries - before).toBe(N);
    const c0 = cnnOrt.queries;
    const b = await cnnOrt.predict({ data: images, n: N }); // batchSize 1: 360 runs
    expect(maxAbsDiff(b, torchCnn)).toBeLessThan(1e-5);
    expect(cnnOrt.queries - c0).toBe(N);
    const l = await cnnOrt.predictLabels({ data: images.subarray(0, 64 * 10), n: 10 });
    expect(cnnOrt.queries - c0).toBe(N + 10);
    const acc = Array.from(l).filter((v, i) => v === labels[i]).length;
    expect(acc).toBeGreaterThanOrEqual(9);
    await expect(mlpOrt.predict({ data: images.subarray(0, 63), n: 1 })).rejects.toThrow(/needs 64/);
    expect(mlpOrt.queries - before).toBe(N);
  });

  it('the imported tfjs graphs equal onnxruntime within 1e-4', async () => {
    const x = { data: images, n: N };
    expect(maxAbsDiff(mlp.forwardTf(x), await mlpOrt.runUncounted(images, N))).toBeLessThan(1e-4);
    expect(maxAbsDiff(cnn.forwardTf(x), await cnnOrt.runUncounted(images, N))).toBeLessThan(1e-4);
  });

  it('MLP lossGradient matches central finite differences through onnxruntime (h = 1e-2, max rel. error < 5e-3)', async () => {
    for (const [img, y] of [
      [0, labels[0]],
      [7, labels[7]],
      [42, (labels[42] + 3) % 10],
      [123, (labels[123] + 1) % 10],
      [200, (labels[200] + 5) % 10],
    ]) {
      const x = jitter(images.slice(img * 64, (img + 1) * 64), img);
      const q0 = mlp.queries;
      const g = await mlp.lossGradient({ data: x, n: 1 }, Int32Array.of(y));
      expect(mlp.queries - q0).toBe(1);
      expect(mlp.gradientQueries).toBeGreaterThan(0);
      const fd = await finiteDiff(mlpOrt, x, y, 1e-2);
      expect(maxRelError(g, fd), `image ${img} label ${y}`).toBeLessThan(5e-3);
    }
  });

  it('CNN lossGradient matches central finite differences through onnxruntime (h = 1e-3, rel. error < 5e-3)', async () => {
    // The CNN's loss has MaxPool/ReLU kinks closer than 1e-2 and its softmax output saturates on confident
    // correct labels (p ≈ 1 in float32), so the check uses h = 1e-3, labels other than the true one, and skips
    // the few pixels whose finite differences at h and h/2 disagree (a kink inside the step).
    for (const [img, y] of [
      [11, (labels[11] + 1) % 10],
      [42, (labels[42] + 9) % 10],
      [123, (labels[123] + 3) % 10],
      [300, (labels[300] + 5) % 10],
    ]) {
      const x = jitter(images.slice(img * 64, (img + 1) * 64), img);
      const g = await cnn.lossGradient({ data: x, n: 1 }, Int32Array.of(y));
      const { err, kept } = await smoothCheck(g, cnnOrt, x, y, 1e-3);
      expect(kept, `image ${img} label ${y}`).toBeGreaterThanOrEqual(44);
      expect(err, `image ${img} label ${y}`).toBeLessThan(5e-3);
    }
  });

  it('batched gradients equal per-row gradients (rows do not mix)', async () => {
    const n = 5;
    const x = images.slice(0, n * 64);
    const ys = labels.slice(0, n);
    const all = await cnn.lossGradient({ data: x, n }, ys);
    for (let i = 0; i < n; i++) {
      const one = await cnn.lossGradient({ data: x.slice(i * 64, (i + 1) * 64), n: 1 }, ys.slice(i, i + 1));
      expect(maxAbsDiff(all.slice(i * 64, (i + 1) * 64), one)).toBeLessThan(1e-6);
    }
    await expect(cnn.lossGradient({ data: x, n }, Int32Array.of(1, 2))).rejects.toThrow(/labels/);
    await expect(cnn.lossGradient({ data: x, n }, Int32Array.of(1, 2, 3, 4, 10))).rejects.toThrow(/outside/);
  });
});

describe('op set, analytic gradient and fallback', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bw-targets-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the tiny Gemm(alpha, beta) + Softmax model has the closed-form gradient alpha·B·(p − onehot)', async () => {
    const t = (await loadOnnxTarget(path.join(FIX, 'tiny-gemm-softmax.onnx'), {
      inputShape: [4],
    })) as DifferentiableOnnxTarget;
    expect(t).toBeInstanceOf(DifferentiableOnnxTarget);
    const { alpha, beta, B, c } = meta.tiny;
    const xs = [
      [0.1, -0.4, 0.7, 0.2],
      [1.5, 0.3, -0.8, 0.05],
      [0, 0, 0, 0],
    ];
    const ys = Int32Array.of(2, 0, 1);
    const g = await t.lossGradient({ data: Float32Array.from(xs.flat()), n: 3 }, ys);
    const p = await t.predict({ data: Float32Array.from(xs.flat()), n: 3 });
    for (let r = 0; r < 3; r++) {
      const z = [0, 1, 2].map((j) => alpha * xs[r].reduce((s, v, i) => s + v * B[i][j], 0) + beta * c[j]);
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const sum = e.reduce((a, b) => a + b, 0);
      const pr = e.map((v) => v / sum);
      for (let j = 0; j < 3; j++) expect(p[r * 3 + j]).toBeCloseTo(pr[j], 6);
      for (let i = 0; i < 4; i++) {
        const want = alpha * [0, 1, 2].reduce((s, j) => s + B[i][j] * (pr[j] - (ys[r] === j ? 1 : 0)), 0);
        expect(Math.abs(g[r * 4 + i] - want)).toBeLessThan(1e-6);
      }
    }
    await t.dispose();
  });

  it('the op-zoo graph (every other supported op, with attributes) imports and matches onnxruntime within 1e-4', async () => {
    const t = (await loadOnnxTarget(path.join(FIX, 'op-zoo.onnx'))) as DifferentiableOnnxTarget;
    expect(t).toBeInstanceOf(DifferentiableOnnxTarget);
    expect(t.graph.outputKind).toBe('log-probabilities');
    const ops = new Set(
      readOnnxGraph(readFileSync(path.join(FIX, 'op-zoo.onnx')), 'zoo').nodes.map((n) => n.opType),
    );
    expect(ops.size).toBeGreaterThanOrEqual(18);
    for (const op of ops) expect(SUPPORTED_OPS[op]).toBeDefined();
    const ort = (await loadOnnxTarget(path.join(FIX, 'op-zoo.onnx'), {
      differentiable: false,
    })) as OnnxTarget;
    const x = { data: images.subarray(0, 50 * 64), n: 50 };
    expect(maxAbsDiff(t.forwardTf(x), await ort.runUncounted(x.data, 50))).toBeLessThan(1e-4);
    // and its gradient follows finite differences through onnxruntime (this check caught the WASM backend's
    // wrong MaxPool gradient for overlapping windows)
    for (const [i, y] of [
      [3, 4],
      [17, 0],
      [250, 9],
    ]) {
      const img = jitter(images.slice(i * 64, (i + 1) * 64), i);
      const g = await t.lossGradient({ data: img, n: 1 }, Int32Array.of(y));
      const { err, kept } = await smoothCheck(g, ort, img, y, 1e-2);
      expect(kept).toBeGreaterThanOrEqual(44);
      expect(err).toBeLessThan(5e-3);
    }
    await t.dispose();
    await ort.dispose();
  });

  it('a model with an op outside the set falls back to scores-only and names the op', async () => {
    const messages: string[] = [];
    const t = await loadOnnxTarget(path.join(FIX, 'unsupported-erf.onnx'), {
      inputShape: [64],
      onMessage: (m) => messages.push(m),
    });
    expect(t).toBeInstanceOf(OnnxTarget);
    const o = t as OnnxTarget;
    expect([...o.capabilities].sort()).toEqual(['labels', 'scores']);
    expect(o.lossGradient).toBeUndefined();
    expect(o.unsupportedOps).toEqual(['Erf']);
    expect(o.fallbackReason).toMatch(/Erf/);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(
      /unsupported-erf\.onnx: gradients unavailable \(op Erf not in the differentiable op set\)/,
    );
    const s = await o.predict({ data: images.subarray(0, 128), n: 2 });
    expect(s).toHaveLength(20);
    expect(o.queries).toBe(2);
    await o.dispose();
  });

  it('an unknown attribute or unsupported attribute value also falls back, with the reason', async () => {
    const onnxProto = (await import('onnx-proto')).default;
    const model = onnxProto.onnx.ModelProto.decode(readFileSync(path.join(FIX, 'digits-cnn.onnx')));
    const mp = model.graph!.node!.find((n) => n.opType === 'MaxPool')!;
    mp.attribute!.find((a) => a.name === 'ceil_mode')!.i = 1;
    const file = path.join(dir, 'ceil.onnx');
    await writeFile(file, onnxProto.onnx.ModelProto.encode(model).finish());
    const t = (await loadOnnxTarget(file)) as OnnxTarget;
    expect(t).toBeInstanceOf(OnnxTarget);
    expect(t.fallbackReason).toMatch(/ceil_mode=1 is not supported/);
    await t.dispose();
    const relu = model.graph!.node!.find((n) => n.opType === 'Relu')!;
    mp.attribute!.find((a) => a.name === 'ceil_mode')!.i = 0;
    relu.attribute = [onnxProto.onnx.AttributeProto.create({ name: 'bogus', type: 2, i: 1 })];
    const file2 = path.join(dir, 'bogus.onnx');
    await writeFile(file2, onnxProto.onnx.ModelProto.encode(model).finish());
    const messages: string[] = [];
    // onnxruntime may refuse the unknown attribute itself; either way no gradients are claimed
    try {
      const t2 = (await loadOnnxTarget(file2, { onMessage: (m) => messages.push(m) })) as OnnxTarget;
      expect(t2.fallbackReason).toMatch(/attribute 'bogus' is not supported/);
      await t2.dispose();
    } catch (err) {
      expect((err as Error).message).toMatch(/onnxruntime cannot load/);
    }
  });

  it('malformed bytes are a one-line ParseError; bounds are enforced', async () => {
    const bad = path.join(dir, 'bad.onnx');
    await writeFile(bad, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02]));
    const err = await loadOnnxTarget(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParseError);
    expect((err as Error).message).toMatch(/^bad\.onnx: not a valid ONNX model/);
    expect((err as Error).message).not.toContain('\n');
    const text = path.join(dir, 'text.onnx');
    await writeFile(text, 'hello, this is not a model at all');
    await expect(loadOnnxTarget(text)).rejects.toBeInstanceOf(ParseError);
    await expect(
      loadOnnxTarget(path.join(FIX, 'digits-mlp.onnx'), { limits: { maxBytes: 1000 } }),
    ).rejects.toThrow(/over the limit/);
    expect(() =>
      readOnnxGraph(readFileSync(path.join(FIX, 'digits-cnn.onnx')), 'cnn', { maxNodes: 3 }),
    ).toThrow(/6 nodes/);
    expect(() =>
      readOnnxGraph(readFileSync(path.join(FIX, 'digits-mlp.onnx')), 'mlp', { maxInitializerElements: 100 }),
    ).toThrow(/over the limit/);
    await expect(loadOnnxTarget(path.join(dir, 'missing.onnx'))).rejects.toThrow(/not found/);
    expect((await loadOrt()).InferenceSession).toBeDefined();
  });
});
