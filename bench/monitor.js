// Drift-monitoring benchmark (not a test): `node bench/monitor.js` against the built library in dist/.
//
// Times, as the median of several runs after a warm-up, with baselines measured in the same run:
//   adult       monitorDrift on the UCI Adult copy (../shared/data/adult, 30,162 rows × 9 columns), even vs odd
//               rows, read + test + findings; and the engine alone (prepare + test, data already in memory)
//   windows     the same with --window 1000rows (16 windows)
//   sort        1M doubles: Float64Array.prototype.sort (numeric, native)  vs  Array.prototype.sort((a, b) => a - b)
//   histogram   1M doubles into Sturges bins: binary search on the sorted array  vs  an O(n·bins) scan per value
//   column      1M-row numeric column vs a shifted 1M-row column, full Wasserstein test + chart data (prepareColumn +
//               testColumn)  vs  a naive pipeline (Array sort, plain-array merge, O(n·bins) histogram)
// Results: a table on stdout and bench/out/monitor.json (BULWARK_BENCH_DIR overrides the folder).
// Options: BULWARK_BENCH_RUNS (default 5), BULWARK_ADULT (path of adult.csv).

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const DIST = path.join(ROOT, 'dist');
const ADULT =
  process.env.BULWARK_ADULT ?? path.resolve(ROOT, '..', 'shared', 'data', 'adult', 'data', 'adult.csv');
const RUNS = Number(process.env.BULWARK_BENCH_RUNS ?? 5);
const OUT = path.resolve(process.env.BULWARK_BENCH_DIR ?? path.join(HERE, 'out'));

if (!existsSync(path.join(DIST, 'adversarial', 'monitor', 'monitor.js'))) {
  console.error('bench: dist/adversarial/monitor/monitor.js not found; run `npm run build` first.');
  process.exit(3);
}
if (!existsSync(ADULT)) {
  console.error(`bench: ${ADULT} not found; set BULWARK_ADULT to the ARX adult.csv`);
  process.exit(3);
}
const imp = (p) => import(pathToFileURL(path.join(DIST, p)).href);
const { monitorDrift } = await imp('adversarial/monitor/monitor.js');
const { prepareColumn, testColumn, inferKind } = await imp('adversarial/monitor/engine.js');
const { histogramSorted, sturgesEdges } = await imp('adversarial/monitor/stats.js');
const { readTable } = await imp('trust/data/table.js');

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

/** Deterministic pseudo-normal doubles (sum of three uniforms from a 32-bit LCG). */
function synth(n, seed, shift = 0) {
  const out = new Float64Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < 3; k++) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      s += x / 4294967296;
    }
    out[i] = (s - 1.5) * 2 + shift;
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ baselines

function naiveHistogram(values, edges) {
  const nb = edges.length - 1;
  const counts = new Array(nb).fill(0);
  for (const v of values) {
    for (let k = 0; k < nb; k++) {
      if (v >= edges[k] && (v < edges[k + 1] || (k === nb - 1 && v === edges[nb]))) {
        counts[k]++;
        break;
      }
    }
  }
  return counts;
}

function naiveColumn(refPlain, curPlain) {
  const a = [...refPlain].sort((x, y) => x - y);
  const b = [...curPlain].sort((x, y) => x - y);
  let i = 0;
  let j = 0;
  let total = 0;
  let prev = Math.min(a[0], b[0]);
  while (i < a.length || j < b.length) {
    const v = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i] : b[j];
    total += Math.abs(i / a.length - j / b.length) * (v - prev);
    while (i < a.length && a[i] === v) i++;
    while (j < b.length && b[j] === v) j++;
    prev = v;
  }
  const mean = a.reduce((s, x) => s + x, 0) / a.length;
  const std = Math.sqrt(a.reduce((s, x) => s + (x - mean) ** 2, 0) / a.length);
  const edges = sturgesEdges(Math.min(a[0], b[0]), Math.max(a.at(-1), b.at(-1)), a.length + b.length);
  naiveHistogram(a, edges);
  naiveHistogram(b, edges);
  return total / Math.max(std, 0.001);
}

// ------------------------------------------------------------------------------------------------ runs

const results = { node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, runs: RUNS };
const tmp = await mkdtemp(path.join(os.tmpdir(), 'bulwark-bench-monitor-'));
try {
  // Adult: even vs odd rows as files.
  const adult = await readTable(ADULT);
  const csv = (pred) => {
    const lines = [adult.columns.join(';')];
    for (let i = 0; i < adult.rowCount; i++)
      if (pred(i)) lines.push(adult.columns.map((c) => adult.column(c)[i]).join(';'));
    return `${lines.join('\n')}\n`;
  };
  const refFile = path.join(tmp, 'ref.csv');
  const curFile = path.join(tmp, 'cur.csv');
  await writeFile(
    refFile,
    csv((i) => i % 2 === 0),
  );
  await writeFile(
    curFile,
    csv((i) => i % 2 === 1),
  );
  const full = await time(() => monitorDrift({ reference: refFile, current: curFile }));
  const windows = await time(() =>
    monitorDrift({ reference: refFile, current: curFile, window: '1000rows' }),
  );
  const even = [];
  const odd = [];
  for (let i = 0; i < adult.rowCount; i++) (i % 2 ? odd : even).push(i);
  const engine = await time(() => {
    let drifted = 0;
    for (const c of adult.columns) {
      const cells = adult.column(c);
      const refCells = even.map((i) => cells[i]);
      const curCells = odd.map((i) => cells[i]);
      const kind = inferKind(refCells, curCells);
      const r = testColumn(prepareColumn(c, refCells, kind, 'ref'), prepareColumn(c, curCells, kind, 'cur'), {
        chart: true,
      });
      if (r.drifted) drifted++;
    }
    return drifted;
  });
  results.adult = {
    rows: adult.rowCount,
    columns: adult.columns.length,
    monitorMs: r2(full.median),
    engineOnlyMs: r2(engine.median),
    windows1000RowsMs: r2(windows.median),
    windowCount: windows.last.windows.length,
  };

  // 1M-row synthetic numeric column.
  const N = 1_000_000;
  const ref = synth(N, 1);
  const cur = synth(N, 2, 0.05);
  const refPlain = Array.from(ref);
  const curPlain = Array.from(cur);
  const typedSort = await time(() => Float64Array.from(ref).sort());
  const arraySort = await time(() => refPlain.slice().sort((a, b) => a - b));
  const sortedRef = Float64Array.from(ref).sort();
  const edges = sturgesEdges(sortedRef[0], sortedRef[N - 1], 2 * N);
  const fastHist = await time(() => histogramSorted(sortedRef, edges));
  const slowHist = await time(() => naiveHistogram(refPlain, edges), Math.min(RUNS, 3));
  const refCol = prepareColumn('x', refPlain, 'numerical', 'ref');
  const column = await time(() =>
    testColumn(refCol, prepareColumn('x', curPlain, 'numerical', 'cur'), { chart: true }),
  );
  const columnAll = await time(() =>
    testColumn(
      prepareColumn('x', refPlain, 'numerical', 'ref'),
      prepareColumn('x', curPlain, 'numerical', 'cur'),
      {
        chart: true,
      },
    ),
  );
  const naive = await time(() => naiveColumn(refPlain, curPlain), Math.min(RUNS, 3));
  const wOurs = column.last.score;
  if (Math.abs(wOurs - naive.last) > 1e-9 * Math.max(1, Math.abs(wOurs)))
    throw new Error(`bench: Wasserstein mismatch ${wOurs} vs ${naive.last}`);
  results.synthetic1M = {
    rows: N,
    bins: edges.length - 1,
    typedSortMs: r2(typedSort.median),
    arraySortMs: r2(arraySort.median),
    sortSpeedup: r2(arraySort.median / typedSort.median),
    sortedHistogramMs: Math.round(fastHist.median * 1e4) / 1e4, // binary search on the (already sorted) column
    naiveHistogramMs: r2(slowHist.median),
    histogramSpeedup: r2(slowHist.median / fastHist.median),
    columnTestPreparedRefMs: r2(column.median),
    columnTestFullMs: r2(columnAll.median),
    naiveColumnMs: r2(naive.median),
    columnSpeedup: r2(naive.median / columnAll.median),
    wassersteinNormed: wOurs,
  };
} finally {
  await rm(tmp, { recursive: true, force: true });
}

console.log('monitor benchmark (median of %d runs)', RUNS);
console.table({
  'adult: monitorDrift (read+test), ms': results.adult.monitorMs,
  'adult: engine only, ms': results.adult.engineOnlyMs,
  [`adult: ${results.adult.windowCount} row windows, ms`]: results.adult.windows1000RowsMs,
  '1M: Float64Array sort, ms': results.synthetic1M.typedSortMs,
  '1M: Array.sort(a-b), ms': results.synthetic1M.arraySortMs,
  '1M: sorted histogram, ms': results.synthetic1M.sortedHistogramMs,
  '1M: O(n·bins) histogram, ms': results.synthetic1M.naiveHistogramMs,
  '1M: column test (all), ms': results.synthetic1M.columnTestFullMs,
  '1M: naive column, ms': results.synthetic1M.naiveColumnMs,
});
console.log(
  `speedups: sort ×${results.synthetic1M.sortSpeedup}, histogram ×${results.synthetic1M.histogramSpeedup}, column ×${results.synthetic1M.columnSpeedup}`,
);
mkdirSync(OUT, { recursive: true });
writeFileSync(path.join(OUT, 'monitor.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(`wrote ${path.relative(process.cwd(), path.join(OUT, 'monitor.json'))}`);
