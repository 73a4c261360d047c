// Bulwark OMS hashing benchmark (not a test). Runs against the built library in dist/ (`npm run build` first):
//
//   node bench/hash.js
//
// Creates a model directory of BENCH_HASH_GB GiB (default 4) in os.tmpdir(), as files of BENCH_HASH_FILE_MB MiB
// (default 1024), warms the page cache (so that hashing, not the disk, is measured), then in the same run times:
//   a. sha256sum (GNU coreutils), one process per file, at most one per core at a time  [parallel baseline]
//   b. one sha256sum process over all files                                             [one-core baseline]
//   c. hashModel with worker threads (default: cores, at most 8; BENCH_HASH_WORKERS to set)
//   d. hashModelSerial (this thread)
//   e. openssl dgst -sha256 over all files, one process (informational: OpenSSL's own speed on this CPU)
// Each is run BENCH_HASH_REPEAT times (default 3); the best run counts (least disturbed by other load). Every
// digest is checked against sha256sum's. Results: a table on stdout and bench/out/hash.json. The directory is
// deleted at the end (also on Ctrl-C).

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const DIST_PARALLEL = path.join(ROOT, 'dist/provenance/oms/parallel.js');
const DIST_HASH = path.join(ROOT, 'dist/provenance/oms/hash.js');
const OUT = path.join(HERE, 'out', 'hash.json');
const MiB = 1024 * 1024;

if (!existsSync(DIST_PARALLEL)) {
  console.error('bench/hash: dist/provenance/oms/parallel.js not found; run `npm run build` first.');
  process.exit(3);
}
const { hashModel } = await import(pathToFileURL(DIST_PARALLEL).href);
const { hashModelSerial } = await import(pathToFileURL(DIST_HASH).href);

const env = process.env;
const GB = Number(env.BENCH_HASH_GB ?? 4);
const FILE_MB = Number(env.BENCH_HASH_FILE_MB ?? 1024);
const REPEAT = Math.max(1, Number(env.BENCH_HASH_REPEAT ?? 3));
const CORES = os.availableParallelism();
const WORKERS = env.BENCH_HASH_WORKERS ? Number(env.BENCH_HASH_WORKERS) : undefined;
if (!(GB > 0) || !(FILE_MB > 0)) {
  console.error('bench/hash: BENCH_HASH_GB and BENCH_HASH_FILE_MB must be positive numbers.');
  process.exit(3);
}
const have = (cmd) => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
if (!have('sha256sum')) {
  console.error('bench/hash: sha256sum (GNU coreutils) is needed for the baseline.');
  process.exit(3);
}
const HAVE_OPENSSL = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;

const now = () => Number(process.hrtime.bigint()) / 1e9;
const mbps = (bytes, s) => bytes / 1e6 / s;
const fmt = (x, d = 0) => (x == null ? 'n/a' : x.toFixed(d));

// ------------------------------------------------------------------------------------------------ model dir

const dir = mkdtempSync(path.join(os.tmpdir(), 'bulwark-bench-hash-'));
const cleanup = () => rmSync(dir, { recursive: true, force: true });
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

/** Writes `bytes` of incompressible data (a random block, varied per write so no two blocks are equal). */
function makeFile(file, bytes) {
  const block = randomBytes(16 * MiB);
  const fd = openSync(file, 'w');
  try {
    for (let done = 0, i = 0; done < bytes; i++) {
      block.writeUInt32LE(i, 0);
      const n = Math.min(block.length, bytes - done);
      writeSync(fd, block, 0, n);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** Reads every file once so the timed runs find it in the page cache. */
function warm(files) {
  const buf = Buffer.allocUnsafe(8 * MiB);
  for (const f of files) {
    const fd = openSync(f, 'r');
    try {
      while (readSync(fd, buf, 0, buf.length, null) > 0);
    } finally {
      closeSync(fd);
    }
  }
}

/** Runs commands with at most `jobs` at a time; resolves to wall seconds and the joined stdout. */
function runPool(cmds, jobs) {
  return new Promise((resolve, reject) => {
    const t = now();
    const out = new Array(cmds.length);
    let next = 0;
    let running = 0;
    const start = () => {
      if (next >= cmds.length) {
        if (running === 0) resolve({ wall: now() - t, stdout: out.join('') });
        return;
      }
      const i = next++;
      const [cmd, args] = cmds[i];
      running++;
      const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
      let s = '';
      child.stdout.setEncoding('utf8').on('data', (d) => (s += d));
      child.on('error', reject);
      child.on('close', (code) => {
        if (code !== 0) return reject(new Error(`${cmd} exited ${code}`));
        out[i] = s;
        running--;
        start();
      });
    };
    for (let i = 0; i < Math.min(jobs, cmds.length); i++) start();
  });
}

function parseSums(stdout) {
  const m = new Map();
  for (const line of stdout.trim().split('\n')) {
    const [digest, file] = line.split(/\s+\*?/, 2);
    m.set(path.basename(file), digest);
  }
  return m;
}

async function best(label, fn) {
  const runs = [];
  let last;
  for (let i = 0; i < REPEAT; i++) {
    const t = now();
    last = await fn();
    runs.push(last?.wall ?? now() - t);
  }
  const sorted = [...runs].sort((a, b) => a - b);
  process.stdout.write(`  ${label}: ${runs.map((r) => r.toFixed(2)).join(' s, ')} s\n`);
  return { best: sorted[0], median: sorted[Math.floor(sorted.length / 2)], runs, last };
}

// ------------------------------------------------------------------------------------------------ run

try {
  const count = Math.max(1, Math.ceil((GB * 1024) / FILE_MB));
  const totalBytes = Math.round(GB * 1024 * MiB);
  const files = [];
  console.log(
    `bench/hash: ${count} file(s), ${(totalBytes / 2 ** 30).toFixed(2)} GiB in ${dir}; ${CORES} cores`,
  );
  let t = now();
  for (let i = 0; i < count; i++) {
    const f = path.join(dir, `model-${String(i).padStart(5, '0')}.bin`);
    const size = Math.min(FILE_MB * MiB, totalBytes - i * FILE_MB * MiB);
    makeFile(f, size);
    files.push(f);
  }
  console.log(`  wrote in ${(now() - t).toFixed(1)} s; warming the page cache`);
  t = now();
  warm(files);
  warm(files);
  console.log(`  warm read: ${fmt(mbps(totalBytes, now() - t) * 2)} MB/s`);

  const sumPar = await best(`a. sha256sum x${Math.min(CORES, count)} processes`, () =>
    runPool(
      files.map((f) => ['sha256sum', [f]]),
      CORES,
    ),
  );
  const sumOne = await best('b. sha256sum, one process', () => runPool([['sha256sum', files]], 1));
  const expected = parseSums(sumOne.last.stdout);

  const check = (m) => {
    for (const r of m.resources)
      if (expected.get(r.name) !== r.digest) throw new Error(`digest mismatch for ${r.name}`);
    if (m.resources.length !== count) throw new Error('resource count mismatch');
  };
  let workersUsed;
  const par = await best('c. hashModel (worker threads)', async () => {
    const t0 = now();
    const m = await hashModel(dir, { workers: WORKERS });
    const wall = now() - t0;
    check(m);
    return { wall };
  });
  workersUsed = WORKERS ?? Math.min(CORES, 8, count);
  const ser = await best('d. hashModelSerial', async () => {
    const t0 = now();
    const m = await hashModelSerial(dir);
    const wall = now() - t0;
    check(m);
    return { wall };
  });
  let ossl;
  if (HAVE_OPENSSL)
    ossl = await best('e. openssl dgst -sha256, one process', () =>
      runPool([['openssl', ['dgst', '-sha256', '-r', ...files]]], 1),
    );

  const r = {
    sha256sumParallelMBps: mbps(totalBytes, sumPar.best),
    sha256sumOneCoreMBps: mbps(totalBytes, sumOne.best),
    hashModelParallelMBps: mbps(totalBytes, par.best),
    hashModelSerialMBps: mbps(totalBytes, ser.best),
    opensslOneCoreMBps: ossl ? mbps(totalBytes, ossl.best) : null,
  };
  const ratios = {
    serialVsSha256sumOneCore: r.hashModelSerialMBps / r.sha256sumOneCoreMBps,
    parallelVsSha256sumParallel: r.hashModelParallelMBps / r.sha256sumParallelMBps,
    parallelPerWorkerVsSha256sumPerCore:
      r.hashModelParallelMBps /
      Math.min(workersUsed, CORES) /
      (r.sha256sumParallelMBps / Math.min(CORES, count)),
    parallelScalingOverSerial: r.hashModelParallelMBps / r.hashModelSerialMBps,
    sha256sumScaling: r.sha256sumParallelMBps / r.sha256sumOneCoreMBps,
    serialVsOpensslOneCore: ossl ? r.hashModelSerialMBps / r.opensslOneCoreMBps : null,
  };
  console.log('');
  console.log('  throughput (best of runs), MB/s:');
  console.log(`    sha256sum, ${Math.min(CORES, count)} processes   ${fmt(r.sha256sumParallelMBps)}`);
  console.log(`    sha256sum, 1 process     ${fmt(r.sha256sumOneCoreMBps)}`);
  console.log(`    hashModel, ${workersUsed} workers     ${fmt(r.hashModelParallelMBps)}`);
  console.log(`    hashModelSerial          ${fmt(r.hashModelSerialMBps)}`);
  if (ossl) console.log(`    openssl dgst, 1 process  ${fmt(r.opensslOneCoreMBps)}`);
  console.log('  ratios:');
  console.log(`    serial / sha256sum (one core each)            ${fmt(ratios.serialVsSha256sumOneCore, 2)}`);
  console.log(
    `    parallel / sha256sum parallel                 ${fmt(ratios.parallelVsSha256sumParallel, 2)}`,
  );
  console.log(
    `    per core: parallel / sha256sum parallel       ${fmt(ratios.parallelPerWorkerVsSha256sumPerCore, 2)}`,
  );
  console.log(
    `    scaling: parallel / serial                    ${fmt(ratios.parallelScalingOverSerial, 2)}`,
  );
  console.log(`    scaling: sha256sum parallel / one process     ${fmt(ratios.sha256sumScaling, 2)}`);
  if (ossl)
    console.log(`    serial / openssl (one core each)              ${fmt(ratios.serialVsOpensslOneCore, 2)}`);
  console.log(
    `  target: >= 0.90 of sha256sum per core -> ${ratios.serialVsSha256sumOneCore >= 0.9 ? 'met' : 'NOT met'}`,
  );

  mkdirSync(path.dirname(OUT), { recursive: true });
  writeFileSync(
    OUT,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        cpu: os.cpus()[0]?.model,
        cores: CORES,
        loadAverage: os.loadavg(),
        files: count,
        bytes: totalBytes,
        repeat: REPEAT,
        workers: workersUsed,
        seconds: {
          sha256sumParallel: sumPar,
          sha256sumOneCore: { ...sumOne, last: undefined },
          hashModelParallel: { ...par, last: undefined },
          hashModelSerial: { ...ser, last: undefined },
          opensslOneCore: ossl ? { ...ossl, last: undefined } : null,
        },
        throughputMBps: r,
        ratios,
      },
      (k, v) => (k === 'last' ? undefined : v),
      2,
    )}\n`,
  );
  console.log(`  results: ${path.relative(process.cwd(), OUT)}`);
} finally {
  cleanup();
}
