// Bulwark benchmark: the model-target layer of the adversarial pillar (not a test). Run against dist/:
//   npm run build && node bench/robustness.js
//
// Measures, in one run on the same machine:
//   1. queries/s through the ONNX target (OnnxTarget.predict) vs raw onnxruntime InferenceSession.run calls on the
//      same model with the same session options, at batch 1 and batch 256 → overhead ratio of our layer;
//   2. gradient throughput of the differentiable target (tfjs import, WASM backend), images/s at batch 1 and 256;
//   3. PGD (L∞, ε = 0.1, 20 steps) time per image, when the attack is built (dist/adversarial/robustness/attacks).
// Models: the digits MLP (64-32-10) and CNN from fixtures/adversarial/. Results: a table on stdout and
// <BULWARK_BENCH_DIR or bench/out>/robustness.json.
// Options (environment): BULWARK_BENCH_SECONDS (time per measurement, default 1.5).

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const TARGETS = path.join(ROOT, 'dist/adversarial/robustness/targets/index.js');
const ATTACKS = path.join(ROOT, 'dist/adversarial/robustness/attacks/index.js');
const RANDOM = path.join(ROOT, 'dist/core/random.js');
const FIX = path.join(ROOT, 'fixtures/adversarial');
const OUT_DIR = process.env.BULWARK_BENCH_DIR ?? path.join(HERE, 'out');
const SECONDS = Number(process.env.BULWARK_BENCH_SECONDS ?? 1.5);

if (!existsSync(TARGETS)) {
  console.error('bench: dist/adversarial/robustness/targets/index.js not found; run `npm run build` first.');
  process.exit(3);
}
const { loadOnnxTarget, loadOrt } = await import(pathToFileURL(TARGETS).href);
const ort = await loadOrt();

const meta = JSON.parse(readFileSync(path.join(FIX, 'digits.json'), 'utf8'));
const N = meta.n_test;
const bin = readFileSync(path.join(FIX, 'digits-test.bin'));
const images = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + N * 256));
const labels = new Int32Array(bin.buffer.slice(bin.byteOffset + N * 256, bin.byteOffset + N * 260));

/** Rows of `batch` images cycling through the test set. */
function batchOf(batch) {
  const out = new Float32Array(batch * 64);
  for (let i = 0; i < batch; i++) out.set(images.subarray((i % N) * 64, ((i % N) + 1) * 64), i * 64);
  return out;
}

/** Runs `fn` repeatedly for about `seconds`; returns calls per second (after a short warm-up). */
async function rate(fn, seconds = SECONDS) {
  for (let i = 0; i < 20; i++) await fn();
  let calls = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < seconds * 1000) {
    for (let i = 0; i < 10; i++) await fn();
    calls += 10;
    t = performance.now();
  }
  return (calls * 1000) / (t - t0);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Alternates short rounds of `a` and `b` (7 each, SECONDS in all per side) so that load from other processes
 * hits both alike; returns the median rates and the median of the per-round ratios a/b.
 */
async function paired(a, b) {
  const ra = [];
  const rb = [];
  for (let i = 0; i < 7; i++) {
    ra.push(await rate(a, SECONDS / 7));
    rb.push(await rate(b, SECONDS / 7));
  }
  return { a: median(ra), b: median(rb), ratio: median(ra.map((x, i) => x / rb[i])) };
}

const results = { machine: { node: process.version }, models: {} };
const rows = [];

for (const [key, file, shape] of [
  ['mlp', 'digits-mlp.onnx', [64]],
  ['cnn', 'digits-cnn.onnx', [1, 8, 8]],
]) {
  const modelPath = path.join(FIX, file);
  const target = await loadOnnxTarget(modelPath, { differentiable: false, batchSize: 256 });
  const session = await ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
  });
  const inputName = session.inputNames[0];
  const r = {};
  for (const batch of [1, 256]) {
    const data = batchOf(batch);
    const q0 = target.queries;
    const p = await paired(
      () => session.run({ [inputName]: new ort.Tensor('float32', data, [batch, ...shape]) }),
      () => target.predict({ data, n: batch }),
    );
    const raw = p.a;
    const ours = p.b;
    r[`batch${batch}`] = {
      raw_calls_per_s: raw,
      target_calls_per_s: ours,
      raw_samples_per_s: raw * batch,
      target_samples_per_s: ours * batch,
      overhead_ratio: p.ratio,
      target_queries_counted: target.queries - q0,
    };
    rows.push([
      `${key} predict batch ${batch}`,
      `${(ours * batch).toFixed(0)} samples/s`,
      `raw ${(raw * batch).toFixed(0)}`,
      `raw/ours ${p.ratio.toFixed(3)}`,
    ]);
  }
  await session.release();
  await target.dispose();

  const diff = await loadOnnxTarget(modelPath);
  if (typeof diff.lossGradient === 'function') {
    for (const batch of [1, 256]) {
      const data = batchOf(batch);
      const ys = Int32Array.from({ length: batch }, (_, i) => labels[i % N]);
      const g = await rate(() => diff.lossGradient({ data, n: batch }, ys));
      r[`gradient_batch${batch}`] = { calls_per_s: g, images_per_s: g * batch };
      rows.push([`${key} lossGradient batch ${batch}`, `${(g * batch).toFixed(0)} images/s`, '', '']);
    }
  } else {
    r.gradient = { unavailable: diff.fallbackReason };
  }

  if (existsSync(ATTACKS) && typeof diff.lossGradient === 'function') {
    const { pgd } = await import(pathToFileURL(ATTACKS).href);
    const { mulberry32 } = await import(pathToFileURL(RANDOM).href);
    const n = Math.min(200, N);
    const x = images.slice(0, n * 64);
    const y = labels.slice(0, n);
    const pred = await diff.predictLabels({ data: x, n });
    const keep = [...pred.keys()].filter((i) => pred[i] === y[i]);
    const xs = new Float32Array(keep.length * 64);
    keep.forEach((i, j) => xs.set(x.subarray(i * 64, (i + 1) * 64), j * 64));
    const ys = Int32Array.from(keep, (i) => y[i]);
    const attack = pgd({ maxIter: 20, numRandomInit: 1 });
    const t0 = performance.now();
    const out = await attack.run({
      target: diff,
      x: xs,
      y: ys,
      n: keep.length,
      norm: 'inf',
      eps: 0.1,
      rng: mulberry32(1),
      budget: {},
    });
    const ms = performance.now() - t0;
    const adv = await diff.predictLabels({ data: out.xAdv, n: keep.length });
    const robust = [...adv].filter((l, i) => l === ys[i]).length / n;
    r.pgd = {
      images: keep.length,
      eps: 0.1,
      steps: 20,
      ms_total: ms,
      ms_per_image: ms / keep.length,
      clean_acc: keep.length / n,
      robust_acc: robust,
    };
    rows.push([
      `${key} PGD-20 L∞ ε=0.1`,
      `${(ms / keep.length).toFixed(3)} ms/image`,
      `acc ${(keep.length / n).toFixed(3)} → ${robust.toFixed(3)}`,
      '',
    ]);
  }
  await diff.dispose();
  results.models[key] = r;
}

mkdirSync(OUT_DIR, { recursive: true });
writeFileSync(path.join(OUT_DIR, 'robustness.json'), JSON.stringify(results, null, 2) + '\n');
const w = [34, 22, 26, 16];
for (const row of rows) console.log(row.map((c, i) => String(c).padEnd(w[i])).join(' '));
console.log(`→ ${path.join(OUT_DIR, 'robustness.json')}`);
