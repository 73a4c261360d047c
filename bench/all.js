// `npm run bench`: runs every benchmark script against dist/ (build first), one after the other, so their
// numbers do not disturb each other. Each script measures its own baseline in the same run and writes
// bench/out/<name>.json; this runner only sequences them and reports which ones failed.
//
//   npm run bench                       all benchmarks
//   npm run bench -- scan hash          only these (names below)
//   BENCH_SKIP=guard npm run bench      all but these
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BENCHES = {
  scan: 'run.js',
  hash: 'hash.js',
  pii: 'pii.js',
  fairness: 'fairness.js',
  monitor: 'monitor.js',
  guard: 'guard.js',
  robustness: 'robustness.js',
};
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const skip = (process.env.BENCH_SKIP ?? '').split(',').filter(Boolean);
for (const name of wanted)
  if (!(name in BENCHES)) {
    console.error(`bench: unknown benchmark ${JSON.stringify(name)}; use ${Object.keys(BENCHES).join(', ')}`);
    process.exit(3);
  }
if (!existsSync(path.join(HERE, '..', 'dist', 'index.js'))) {
  console.error('bench: dist/ is missing; run `npm run build` first');
  process.exit(3);
}
const failed = [];
for (const [name, file] of Object.entries(BENCHES)) {
  if ((wanted.length && !wanted.includes(name)) || skip.includes(name)) continue;
  const script = path.join(HERE, file);
  if (!existsSync(script)) continue;
  console.log(`\n=== ${name} (bench/${file}) ===`);
  const r = spawnSync(process.execPath, [script], { stdio: 'inherit' });
  if (r.status !== 0) failed.push(name);
}
if (failed.length) {
  console.error(`\nbench: failed: ${failed.join(', ')}`);
  process.exit(1);
}
