// Fairness benchmark (not a test): `node bench/fairness.js` against the built library in dist/.
//
// On the UCI Adult copy (../shared/data/adult/data/adult.csv, 30,162 rows) it times, as the median of several runs
// after a warm-up, with baselines measured in the same run:
//   read      readTable (csv-parse, typed columns)       vs  fs.readFile + split on lines and ';' (no parsing rules)
//   onnx      committed MLP (fixtures/trust/adult-mlp.onnx): encode + session + inference, and inference alone
//   metrics   assessFairness (typed-array counting)      vs  a naive per-row object/Map grouping of the same counts
//   check     fairnessCheck: read + ONNX predictions + every metric + findings (the train-free check)
//   extras    bootstrap (200 samples) and k-NN consistency (1000 query rows), informational
// Results: a table on stdout and bench/out/fairness.json (BULWARK_BENCH_DIR overrides the folder).
// Options: BULWARK_BENCH_RUNS (default 7), BULWARK_ADULT (path of adult.csv).

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const DIST = path.join(ROOT, 'dist', 'trust');
const ADULT =
  process.env.BULWARK_ADULT ?? path.resolve(ROOT, '..', 'shared', 'data', 'adult', 'data', 'adult.csv');
const MODEL = path.join(ROOT, 'fixtures', 'trust', 'adult-mlp.onnx');
const SPEC = path.join(ROOT, 'fixtures', 'trust', 'adult-mlp.features.json');
const RUNS = Number(process.env.BULWARK_BENCH_RUNS ?? 7);
const OUT = path.resolve(process.env.BULWARK_BENCH_DIR ?? path.join(HERE, 'out'));

if (!existsSync(path.join(DIST, 'fairness', 'check.js'))) {
  console.error('bench: dist/trust/fairness/check.js not found; run `npm run build` first.');
  process.exit(3);
}
if (!existsSync(ADULT)) {
  console.error(`bench: ${ADULT} not found; set BULWARK_ADULT to the ARX adult.csv`);
  process.exit(3);
}
const imp = (p) => import(pathToFileURL(path.join(DIST, p)).href);
const { readTable } = await imp('data/table.js');
const { loadFeatureSpec, predictOnnx, encodeFeatures, openOnnxClassifier, featureWidth } =
  await imp('predict/index.js');
const { assessFairness, knnFeaturesFromSpec } = await imp('fairness/index.js');
const { fairnessCheck } = await imp('fairness/check.js');
const ort = await import('onnxruntime-node');

async function time(fn, runs = RUNS) {
  await fn(); // warm-up
  const ms = [];
  let last;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    last = await fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(ms.length / 2)], min: ms[0], max: ms[ms.length - 1], last };
}
const r2 = (x) => Math.round(x * 100) / 100;

// ------------------------------------------------------------------------------------------------ baselines

async function naiveRead() {
  const text = await readFile(ADULT, 'utf8');
  const lines = text.split('\n').filter(Boolean);
  const header = lines[0].split(';');
  const rows = [];
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i].split(';');
    const o = {};
    for (let j = 0; j < header.length; j++) o[header[j]] = f[j];
    rows.push(o);
  }
  return rows;
}

/** Per-row objects grouped in a Map: what a straightforward JS implementation does. */
function naiveMetrics(rows, predictions) {
  const groups = new Map();
  rows.forEach((row, i) => {
    const g = row.sex;
    if (!groups.has(g)) groups.set(g, { n: 0, tp: 0, fp: 0, tn: 0, fn: 0 });
    const c = groups.get(g);
    const y = row['salary-class'] === '>50K';
    const p = predictions[i] === '>50K';
    c.n++;
    if (p && y) c.tp++;
    else if (p) c.fp++;
    else if (y) c.fn++;
    else c.tn++;
  });
  const rates = [...groups.entries()].map(([g, c]) => ({
    g,
    sel: (c.tp + c.fp) / c.n,
    tpr: c.tp / (c.tp + c.fn),
    fpr: c.fp / (c.fp + c.tn),
  }));
  const diff = (k) => Math.max(...rates.map((r) => r[k])) - Math.min(...rates.map((r) => r[k]));
  return { dp: diff('sel'), eo: Math.max(diff('tpr'), diff('fpr')) };
}

// ------------------------------------------------------------------------------------------------ run

const results = {
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
  rows: 0,
  runs: RUNS,
};

const readOurs = await time(() => readTable(ADULT));
const readBase = await time(naiveRead);
const table = readOurs.last;
results.rows = table.rowCount;
results.read = {
  bulwark_ms: r2(readOurs.median),
  baseline_split_ms: r2(readBase.median),
  ratio: r2(readOurs.median / readBase.median),
};

const spec = await loadFeatureSpec(SPEC);
const predict = await time(() => predictOnnx(MODEL, table, { spec }));
const preds = predict.last;
const x = encodeFeatures(table, spec);
const width = featureWidth(spec);
const { session, input } = await openOnnxClassifier(MODEL, spec, 1);
const inferOnly = await time(async () => {
  for (let s = 0; s < table.rowCount; s += 4096) {
    const e = Math.min(table.rowCount, s + 4096);
    await session.run({
      [input]: new ort.Tensor('float32', x.subarray(s * width, e * width), [e - s, width]),
    });
  }
});
await session.release();
const encode = await time(() => encodeFeatures(table, spec));
results.onnx = {
  predict_total_ms: r2(predict.median),
  encode_ms: r2(encode.median),
  inference_only_ms: r2(inferOnly.median),
  rows_per_second_inference: Math.round(table.rowCount / (inferOnly.median / 1000)),
};

const metricsInput = () => ({
  labels: table.column('salary-class'),
  predictions: preds.labels,
  sensitive: [{ name: 'sex', values: table.column('sex') }],
  privileged: { sex: ['Male'] },
});
const METRIC_RUNS = Math.max(RUNS, 50);
const ours = await time(() => assessFairness(metricsInput()), METRIC_RUNS);
const rowsObj = readBase.last;
const naive = await time(() => naiveMetrics(rowsObj, preds.labels), METRIC_RUNS);
const check = ours.last;
const nv = naive.last;
if (Math.abs(nv.dp - check.fairlearn.demographic_parity_difference.between_groups) > 1e-12) {
  throw new Error('baseline and Bulwark disagree on demographic parity');
}
const inter = await time(
  () =>
    assessFairness({
      ...metricsInput(),
      sensitive: [
        { name: 'sex', values: table.column('sex') },
        { name: 'race', values: table.column('race') },
      ],
    }),
  METRIC_RUNS,
);
results.metrics = {
  bulwark_all_metrics_ms: r2(ours.median),
  baseline_naive_dp_eo_only_ms: r2(naive.median),
  ratio: r2(ours.median / naive.median),
  intersectional_sex_race_ms: r2(inter.median),
  note: 'Bulwark computes every Fairlearn/AIF360 metric + GEI; the naive baseline computes only DP and EO differences',
};

const end = await time(() =>
  fairnessCheck({
    data: ADULT,
    sensitive: ['sex'],
    label: 'salary-class',
    model: MODEL,
    features: SPEC,
    privileged: { sex: ['Male'] },
  }),
);
results.check = {
  read_predict_metrics_findings_ms: r2(end.median),
  min_ms: r2(end.min),
  max_ms: r2(end.max),
  phases_ms: end.last.timings_ms,
  findings: end.last.findings.map((f) => f.ruleId),
  vs_naive_read_only: r2(end.median / readBase.median),
};

const boot = await time(() => assessFairness({ ...metricsInput(), bootstrap: { samples: 200, seed: 1 } }), 3);
const feats = knnFeaturesFromSpec(table, spec);
const cons = await time(
  () => assessFairness({ ...metricsInput(), consistency: { features: feats, k: 5, sample: 1000, seed: 1 } }),
  3,
);
results.extras = {
  bootstrap_200_ms: r2(boot.median),
  consistency_1000_queries_ms: r2(cons.median),
  consistency: cons.last.consistency.value,
};

console.log(
  `Fairness bench on ${ADULT} (${results.rows} rows), median of ${RUNS} runs, ${results.machine.cpus} CPUs`,
);
console.log(
  `  read       bulwark ${results.read.bulwark_ms} ms   naive split ${results.read.baseline_split_ms} ms   ratio ${results.read.ratio}x`,
);
console.log(
  `  onnx       predict (encode+session+inference) ${results.onnx.predict_total_ms} ms   inference alone ${results.onnx.inference_only_ms} ms (${results.onnx.rows_per_second_inference} rows/s)   encode ${results.onnx.encode_ms} ms`,
);
console.log(
  `  metrics    bulwark (all) ${results.metrics.bulwark_all_metrics_ms} ms   naive Map/objects (DP+EO only) ${results.metrics.baseline_naive_dp_eo_only_ms} ms   ratio ${results.metrics.ratio}x   intersectional ${results.metrics.intersectional_sex_race_ms} ms`,
);
console.log(
  `  check      read+predict+metrics+findings ${results.check.read_predict_metrics_findings_ms} ms (min ${results.check.min_ms}, max ${results.check.max_ms})   = ${results.check.vs_naive_read_only}x the naive read alone`,
);
console.log(
  `  extras     bootstrap 200: ${results.extras.bootstrap_200_ms} ms   consistency 1000 queries: ${results.extras.consistency_1000_queries_ms} ms`,
);

mkdirSync(OUT, { recursive: true });
writeFileSync(path.join(OUT, 'fairness.json'), JSON.stringify(results, null, 2) + '\n');
console.log(`  wrote ${path.join(OUT, 'fairness.json')}`);
void readFileSync;
