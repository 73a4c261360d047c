// Bulwark benchmark script (not a test). `npm run bench` runs it against the built library in dist/.
//
// Every claim it prints is a ratio against a baseline measured in the same run on the same machine:
//   1. opcode-heavy benign pickle: Bulwark scan vs CPython pickle.load vs pickletools.genops
//   2. large PyTorch zip checkpoint: Bulwark scan vs `cat` / `sha256sum` of the same file, bytes read vs size
//   3. memory bound: peak RSS of a node process that only scans, small vs large inputs
//   4. throughput on the shared corpus (informational)
//
// Inputs are generated once into the work dir (BULWARK_BENCH_DIR, default bench/out/) and reused while their
// size matches the recorded one. Results: a table on stdout and <work dir>/results.json.
//
// Options (environment):
//   BULWARK_BENCH_DIR            work dir (default bench/out)
//   BULWARK_PYTHON               interpreter for baselines and generation (default /usr/bin/python3)
//   BULWARK_BENCH_PICKLE_MB      size of the opcode-heavy pickle (default 200; the memory test also uses 2x this)
//   BULWARK_BENCH_PREFIX_MB      size of the proportional pickle genops is timed on (default 20)
//   BULWARK_BENCH_GENOPS_FULL=1  time genops on the full pickle instead of extrapolating from the prefix
//   BULWARK_BENCH_CKPT_MB        size of the big checkpoint (default 1024, 4 tensors)
//   BULWARK_BENCH_CKPT_SMALL_MB  size of the small checkpoint for the memory test (default 64)
//   BULWARK_BENCH_CORPUS         corpus directory (default /work/shared/corpora)
//   BULWARK_BENCH_NO_PYTHON=1 / BULWARK_BENCH_NO_TORCH=1  act as if python3 / torch were missing
// Arguments: --only=pickle,checkpoint,memory,corpus  (default: all)

import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import zlib from 'node:zlib';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const ENGINE = path.join(ROOT, 'dist/scan/engine.js');
const SCAN_ONE = path.join(HERE, 'scan-one.js');
const PY_DIR = path.join(HERE, 'py');
const MB = 1024 * 1024;

if (!existsSync(ENGINE)) {
  console.error('bench: dist/scan/engine.js not found; run `npm run build` first.');
  process.exit(3);
}
let scan;
try {
  ({ scan } = await import(pathToFileURL(ENGINE).href));
} catch (err) {
  console.error(
    `bench: cannot load the built library (${err.message}); run \`npm run build\` and try again.`,
  );
  process.exit(3);
}

const env = process.env;
const WORK = path.resolve(env.BULWARK_BENCH_DIR ?? path.join(HERE, 'out'));
const PYTHON = env.BULWARK_PYTHON ?? '/usr/bin/python3';
const PICKLE_MB = Number(env.BULWARK_BENCH_PICKLE_MB ?? 200);
const PREFIX_MB = Number(env.BULWARK_BENCH_PREFIX_MB ?? 20);
const GENOPS_FULL = env.BULWARK_BENCH_GENOPS_FULL === '1';
const CKPT_MB = Number(env.BULWARK_BENCH_CKPT_MB ?? 1024);
const CKPT_SMALL_MB = Number(env.BULWARK_BENCH_CKPT_SMALL_MB ?? 64);
const CORPUS = env.BULWARK_BENCH_CORPUS ?? '/work/shared/corpora';
const TENSORS = 4;
const onlyArg = process.argv.find((a) => a.startsWith('--only='));
const SECTIONS = new Set(
  onlyArg ? onlyArg.slice(7).split(',') : ['pickle', 'checkpoint', 'memory', 'corpus', 'formats'],
);
const TIME_BIN = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const benchStart = Date.now();

mkdirSync(WORK, { recursive: true });

// ---------------------------------------------------------------------------------------------- helpers

const notes = [];
function note(msg) {
  notes.push(msg);
  console.log(`  note: ${msg}`);
}
const log = (msg) => console.log(msg);
const fmtS = (s) =>
  s == null
    ? 'n/a'
    : s >= 100
      ? `${s.toFixed(0)} s`
      : s >= 10
        ? `${s.toFixed(1)} s`
        : s >= 1
          ? `${s.toFixed(2)} s`
          : `${(s * 1000).toFixed(0)} ms`;
const fmtMB = (bytes) => `${(bytes / MB).toFixed(bytes >= 10 * MB ? 0 : 1)} MB`;
const fmtRss = (kb) => (kb == null ? 'n/a' : `${(kb / 1024).toFixed(0)} MB`);
const ratio = (a, b) => (a == null || b == null || b === 0 ? null : a / b);
const fmtR = (r, digits = 2) => (r == null ? 'n/a' : r >= 100 ? r.toFixed(0) : r.toFixed(digits));
const sizeOf = (p) => (existsSync(p) ? statSync(p).size : -1);
const now = () => Number(process.hrtime.bigint()) / 1e9;

/** Runs a command; returns wall seconds, stdout, stderr, exit status. Throws on a non-zero exit. */
function run(cmd, args, opts = {}) {
  const t = now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * MB, ...opts });
  const wall = now() - t;
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${(r.stderr ?? '').slice(-2000)}`);
  return { wall, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Last JSON line a helper printed. */
function lastJson(stdout) {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

/**
 * Runs a child under `/usr/bin/time -v` when available and returns its JSON output plus peak RSS in KiB
 * (from time -v, else from the child's own getrusage report).
 */
function measured(cmd, args) {
  if (TIME_BIN) {
    const r = run(TIME_BIN, ['-v', cmd, ...args]);
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
    const out = lastJson(r.stdout);
    return {
      ...out,
      peakRssKb: m ? Number(m[1]) : out.maxRssKb,
      rssSource: m ? '/usr/bin/time -v' : 'getrusage',
    };
  }
  const out = lastJson(run(cmd, args).stdout);
  return { ...out, peakRssKb: out.maxRssKb, rssSource: 'getrusage' };
}

/** Reads a file once so that every timed reader below finds it in the page cache. */
function warmCache(file) {
  if (existsSync('/bin/cat')) run('/bin/sh', ['-c', 'cat "$1" > /dev/null', 'sh', file]);
  else readFileSync(file);
}

async function bulwarkScan(file) {
  const t = now();
  const report = await scan([file], { concurrency: 1 });
  const seconds = now() - t;
  const r = report.files[0];
  return {
    seconds,
    size: r.size,
    bytesRead: r.bytesRead,
    verdict: r.verdict,
    analyses: r.analyses,
    findings: r.findings.length,
  };
}

// Cached inputs: <file>.meta.json records what made the file and its size; a mismatch regenerates it.
function cached(file, key) {
  const metaPath = `${file}.meta.json`;
  if (!existsSync(file) || !existsSync(metaPath)) return null;
  try {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8'));
    if (JSON.stringify(meta.key) !== JSON.stringify(key) || meta.size !== sizeOf(file)) return null;
    return meta;
  } catch {
    return null;
  }
}
function remember(file, key, extra) {
  const meta = { key, size: sizeOf(file), ...extra, createdAt: new Date().toISOString() };
  writeFileSync(`${file}.meta.json`, JSON.stringify(meta, null, 2) + '\n');
  return meta;
}

// ---------------------------------------------------------------------------------------------- environment

let py = null; // { python, numpy, torch } when usable
if (env.BULWARK_BENCH_NO_PYTHON === '1') {
  note('BULWARK_BENCH_NO_PYTHON=1: Python baselines skipped');
} else if (!existsSync(PYTHON)) {
  note(
    `${PYTHON} not found: Python baselines (pickle.load, genops) skipped; inputs written by the bench's own pickle writer`,
  );
} else {
  try {
    py = lastJson(run(PYTHON, [path.join(PY_DIR, 'probe.py')]).stdout);
    if (env.BULWARK_BENCH_NO_TORCH === '1') py.torch = null;
  } catch (err) {
    note(`${PYTHON} did not run (${err.message.split('\n')[0]}): Python baselines skipped`);
  }
}

const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  memGiB: +(os.totalmem() / 1024 ** 3).toFixed(1),
  platform: `${os.platform()} ${os.release()}`,
  node: process.version,
  python: py?.python ?? null,
  numpy: py?.numpy ?? null,
  torch: py?.torch ?? null,
  peakRss: TIME_BIN ? '/usr/bin/time -v' : 'getrusage (ru_maxrss) in the child',
};
log(
  `Bulwark bench — ${machine.cpus} x ${machine.cpuModel}, ${machine.memGiB} GiB RAM, node ${machine.node}, python ${machine.python ?? 'none'}, torch ${machine.torch ?? 'none'}`,
);
log(`work dir: ${WORK}`);

// ---------------------------------------------------------------------------------------------- input generation

/** Protocol-4 pickle writer used only when python3 is missing: same record shape as bench/py/records.py. */
class PickleWriter {
  constructor(file) {
    this.fd = openSync(file, 'w');
    this.frame = Buffer.alloc(256 * 1024);
    this.pos = 0;
    this.written = 0;
    this.memo = 0;
    this.keys = new Map();
    const head = Buffer.from([0x80, 4]); // PROTO 4
    writeSync(this.fd, head);
    this.written += head.length;
  }
  byte(...bs) {
    for (const b of bs) this.frame[this.pos++] = b;
  }
  u32(n) {
    this.frame.writeUInt32LE(n, this.pos);
    this.pos += 4;
  }
  memoize() {
    this.byte(0x94); // MEMOIZE
    return this.memo++;
  }
  get(idx) {
    if (idx < 256) {
      this.byte(0x68, idx); // BINGET
    } else {
      this.byte(0x6a); // LONG_BINGET
      this.u32(idx);
    }
  }
  str(s, shared = false) {
    if (shared && this.keys.has(s)) return this.get(this.keys.get(s));
    const b = Buffer.from(s, 'utf8');
    if (b.length < 256) {
      this.byte(0x8c, b.length); // SHORT_BINUNICODE
    } else {
      this.byte(0x58); // BINUNICODE
      this.u32(b.length);
    }
    b.copy(this.frame, this.pos);
    this.pos += b.length;
    const idx = this.memoize();
    if (shared) this.keys.set(s, idx);
  }
  int(n) {
    if (n >= 0 && n < 256) {
      this.byte(0x4b, n); // BININT1
    } else if (n >= 0 && n < 65536) {
      this.byte(0x4d); // BININT2
      this.pos = this.frame.writeUInt16LE(n, this.pos);
    } else {
      this.byte(0x4a); // BININT
      this.pos = this.frame.writeInt32LE(n, this.pos);
    }
  }
  float(x) {
    this.byte(0x47); // BINFLOAT
    this.frame.writeDoubleBE(x, this.pos);
    this.pos += 8;
  }
  record(i) {
    this.container(0x7d); // EMPTY_DICT MEMOIZE MARK
    this.str('id', true);
    this.int(i);
    this.str('name', true);
    this.str(`item-${i}`);
    this.str('tags', true);
    this.container(0x5d); // EMPTY_LIST MEMOIZE MARK
    this.str(`t${i % 97}`);
    this.str('shared', true);
    this.str(String(i * 7));
    this.byte(0x65); // APPENDS
    this.str('score', true);
    this.float(i * 0.5);
    this.str('ok', true);
    this.byte((i & 1) === 0 ? 0x88 : 0x89); // NEWTRUE / NEWFALSE
    this.str('meta', true);
    this.container(0x7d);
    this.str('k', true);
    this.int(i % 13);
    this.str('path', true);
    this.str(`a/b/${i % 1000}`);
    this.byte(0x75, 0x75); // SETITEMS (meta), SETITEMS (record)
  }
  /** Empty dict or list, memoized, followed by the MARK its items are appended under. */
  container(op) {
    this.byte(op);
    this.memoize();
    this.byte(0x28);
  }
  flush(force = false) {
    if (this.pos === 0 || (!force && this.pos < 64 * 1024)) return;
    const head = Buffer.alloc(9);
    head[0] = 0x95; // FRAME
    head.writeBigUInt64LE(BigInt(this.pos), 1);
    writeSync(this.fd, head);
    writeSync(this.fd, this.frame, 0, this.pos);
    this.written += 9 + this.pos;
    this.pos = 0;
  }
  /** Writes records until `records` are written (or, with targetBytes, until the file reaches that size). */
  list({ records, targetBytes }) {
    this.byte(0x5d); // EMPTY_LIST
    this.memoize();
    let i = 0;
    const more = () => (records != null ? i < records : this.written + this.pos < targetBytes);
    while (more()) {
      this.byte(0x28); // MARK
      for (let k = 0; k < 1000 && more(); k++) {
        this.record(i++);
        this.flush();
      }
      this.byte(0x65); // APPENDS
    }
    this.byte(0x2e); // STOP
    this.flush(true);
    closeSync(this.fd);
    return i;
  }
}

const PICKLE_GEN = 'records-v1';
function recordsFor(targetBytes) {
  // Records needed for targetBytes; the JS writer counts while writing, so only Python needs the estimate.
  return lastJson(run(PYTHON, [path.join(PY_DIR, 'gen_pickle.py'), 'estimate', String(targetBytes)]).stdout)
    .records;
}

/** Ensures an opcode-heavy pickle of `records` records (or about targetBytes when records is null). */
function ensurePickle(name, records, targetBytes) {
  const file = path.join(WORK, name);
  const key = { gen: PICKLE_GEN, records, targetBytes, writer: py ? 'python' : 'js' };
  const hit = cached(file, key) ?? (!py ? cached(file, { ...key, writer: 'python' }) : null);
  if (hit) return { file, ...hit };
  log(
    `  generating ${name} (${py ? 'python pickle.dump, protocol 4' : 'bench pickle writer, protocol 4'}) ...`,
  );
  const t = now();
  let n = records;
  if (py) {
    run(PYTHON, [path.join(PY_DIR, 'gen_pickle.py'), 'write', file, String(records)]);
  } else {
    n = new PickleWriter(file).list(records != null ? { records } : { targetBytes });
  }
  log(`  generated ${name}: ${fmtMB(sizeOf(file))} in ${fmtS(now() - t)}`);
  return { file, ...remember(file, key, { records: n }) };
}

/** Minimal stored-zip writer for the torch-less checkpoint fallback (same member layout as torch.save). */
function writeZip(file, members) {
  const fd = openSync(file, 'w');
  let off = 0;
  const central = [];
  const put = (...bufs) => {
    for (const buf of bufs) {
      writeSync(fd, buf);
      off += buf.length;
    }
  };
  for (const m of members) {
    const name = Buffer.from(m.name);
    let crc = 0;
    let size = 0;
    for (const chunk of m.chunks()) {
      crc = zlib.crc32(chunk, crc);
      size += chunk.length;
    }
    // torch.save pads local headers so member data starts on a 64-byte boundary (extra field id "FB").
    const bare = off + 30 + name.length + 4;
    const pad = (64 - (bare % 64)) % 64;
    const extra = Buffer.alloc(4 + pad);
    extra.writeUInt16LE(0x4246, 0);
    extra.writeUInt16LE(pad, 2);
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt32LE(crc >>> 0, 14);
    h.writeUInt32LE(size, 18);
    h.writeUInt32LE(size, 22);
    h.writeUInt16LE(name.length, 26);
    h.writeUInt16LE(extra.length, 28);
    central.push({ name, crc, size, offset: off });
    put(h, name, extra);
    for (const chunk of m.chunks()) put(chunk);
  }
  const cdStart = off;
  for (const c of central) {
    const h = Buffer.alloc(46);
    h.writeUInt32LE(0x02014b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt16LE(20, 6);
    h.writeUInt32LE(c.crc >>> 0, 16);
    h.writeUInt32LE(c.size, 20);
    h.writeUInt32LE(c.size, 24);
    h.writeUInt16LE(c.name.length, 28);
    h.writeUInt32LE(c.offset, 42);
    put(h, c.name);
  }
  const e = Buffer.alloc(22);
  e.writeUInt32LE(0x06054b50, 0);
  e.writeUInt16LE(central.length, 8);
  e.writeUInt16LE(central.length, 10);
  e.writeUInt32LE(off - cdStart, 12);
  e.writeUInt32LE(cdStart, 16);
  put(e);
  closeSync(fd);
}

/** Protocol-2 data.pkl for a state_dict of float32 tensors whose storages are persistent ids "0".."n-1". */
function stateDictPickle(tensors) {
  const parts = [];
  const b = (...xs) => parts.push(Buffer.from(xs));
  const s = (str) => parts.push(Buffer.from(str, 'latin1'));
  const global = (mod, name) => s(`c${mod}\n${name}\n`);
  const uni = (str) => {
    const x = Buffer.from(str, 'utf8');
    const h = Buffer.alloc(5);
    h[0] = 0x58; // BINUNICODE
    h.writeUInt32LE(x.length, 1);
    parts.push(h, x);
  };
  const int = (n) => {
    const h = Buffer.alloc(5);
    h[0] = 0x4a; // BININT
    h.writeInt32LE(n, 1);
    parts.push(h);
  };
  b(0x80, 2); // PROTO 2
  global('collections', 'OrderedDict');
  b(0x29, 0x52); // EMPTY_TUPLE REDUCE
  for (const [k, t] of tensors.entries()) {
    uni(t.name);
    global('torch._utils', '_rebuild_tensor_v2');
    b(0x28); // MARK (args)
    b(0x28); // MARK (persistent id)
    uni('storage');
    global('torch', 'FloatStorage');
    uni(String(k));
    uni('cpu');
    int(t.rows * t.cols);
    b(0x74); // TUPLE
    b(0x51); // BINPERSID
    int(0); // storage offset
    int(t.rows);
    int(t.cols);
    b(0x86); // size (TUPLE2)
    int(t.cols);
    int(1);
    b(0x86); // stride (TUPLE2)
    b(0x89); // requires_grad=False
    global('collections', 'OrderedDict');
    b(0x29, 0x52); // backward hooks: OrderedDict()
    b(0x74, 0x52, 0x73); // TUPLE REDUCE SETITEM
  }
  b(0x2e); // STOP
  return Buffer.concat(parts);
}

function ensureCheckpoint(name, totalMB) {
  const file = path.join(WORK, name);
  const perTensor = Math.floor((totalMB * MB) / TENSORS);
  const key = { gen: 'ckpt-v1', tensors: TENSORS, perTensor, writer: py?.torch ? 'torch' : 'js' };
  const hit = cached(file, key) ?? (!py?.torch ? cached(file, { ...key, writer: 'torch' }) : null);
  if (hit) return { file, ...hit };
  const t = now();
  if (py?.torch) {
    log(`  generating ${name} (torch.save, ${TENSORS} x ${fmtMB(perTensor)} float32) ...`);
    run(PYTHON, [path.join(PY_DIR, 'gen_checkpoint.py'), file, String(TENSORS), String(perTensor)]);
  } else {
    if (!notes.some((n) => n.startsWith('torch not available'))) {
      note(
        'torch not available: checkpoints written by the bench zip writer (torch.save member layout, hand-built data.pkl)',
      );
    }
    log(
      `  generating ${name} (no torch: bench zip writer, torch.save layout, ${TENSORS} x ${fmtMB(perTensor)}) ...`,
    );
    if (totalMB >= 4000)
      throw new Error(
        'the torch-less checkpoint writer does not write zip64; use BULWARK_BENCH_CKPT_MB < 4000',
      );
    const cols = 1024;
    const rows = Math.floor(perTensor / 4 / cols);
    const tensors = Array.from({ length: TENSORS }, (_, k) => ({ name: `layers.${k}.weight`, rows, cols }));
    const members = [{ name: 'archive/data.pkl', chunks: () => [stateDictPickle(tensors)] }];
    for (const [k, tt] of tensors.entries()) {
      const chunk = Buffer.alloc(4 * MB);
      for (let i = 0; i < chunk.length; i += 4) chunk.writeFloatLE(k + 1, i);
      const bytes = tt.rows * tt.cols * 4;
      members.push({
        name: `archive/data/${k}`,
        *chunks() {
          for (let p = 0; p < bytes; p += chunk.length)
            yield p + chunk.length <= bytes ? chunk : chunk.subarray(0, bytes - p);
        },
      });
    }
    members.push({ name: 'archive/version', chunks: () => [Buffer.from('3\n')] });
    writeZip(file, members);
  }
  log(`  generated ${name}: ${fmtMB(sizeOf(file))} in ${fmtS(now() - t)}`);
  return { file, ...remember(file, key, {}) };
}

// ---------------------------------------------------------------------------------------------- measurements

let commit = null;
try {
  commit = run('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']).stdout.trim();
} catch {
  // not a git checkout
}
const build = { commit, distBuiltAt: statSync(ENGINE).mtime.toISOString() };
log(`library: dist built ${build.distBuiltAt}${commit ? `, checkout at ${commit}` : ''}`);
const results = {
  machine,
  build,
  startedAt: new Date().toISOString(),
  config: { PICKLE_MB, PREFIX_MB, CKPT_MB, CKPT_SMALL_MB, WORK },
  notes,
};
const lines = [];
/** Adds one result line to the table and prints it. */
function push(line) {
  lines.push(line);
  log(`  ${line}`);
}
const targets = [];
function target(name, value, op, goal, fmt = fmtR) {
  const ok = value == null ? null : op === '<=' ? value <= goal : op === '<' ? value < goal : value >= goal;
  targets.push({ name, value, op, goal, ok });
  return `${name} = ${value == null ? 'n/a' : fmt(value)} (target ${op} ${fmt(goal)}${ok === false ? ', MISSED' : ''})`;
}
const fmtSci = (x) => (x === 0 ? '0' : x >= 0.01 ? x.toFixed(3) : x.toExponential(1));
function verdictNote(label, r) {
  if (r.verdict !== 'clean' || r.findings)
    note(`${label}: Bulwark verdict ${r.verdict} with ${r.findings} finding(s) on a benign input`);
}

// Warm-up: the JIT and module caches settle on a small file before anything is timed.
const WARM = ensurePickle(`pickle-warmup-2MB.pkl`, py ? recordsFor(2 * MB) : null, 2 * MB);
await bulwarkScan(WARM.file);
await bulwarkScan(WARM.file);

let pickleFull = null;
let prefix = null;
let pickleChildRss = null;

if (SECTIONS.has('pickle') || SECTIONS.has('memory')) {
  log(`\n[1] opcode-heavy pickle (${PICKLE_MB} MB, protocol 4)`);
  pickleFull = ensurePickle(
    `pickle-${PICKLE_MB}MB.pkl`,
    py ? recordsFor(PICKLE_MB * MB) : null,
    PICKLE_MB * MB,
  );
  warmCache(pickleFull.file);
}

if (SECTIONS.has('pickle')) {
  const size = pickleFull.size;
  // genops is timed on a proportionally smaller list of the same records and extrapolated linearly.
  const prefixRecords = Math.max(1000, Math.round((pickleFull.records * PREFIX_MB) / PICKLE_MB));
  prefix = ensurePickle(`pickle-${PICKLE_MB}MB-prefix-${PREFIX_MB}MB.pkl`, prefixRecords, null);
  warmCache(prefix.file);

  // Median of three in-process scans (after the warm-up); every run is kept in results.json.
  const median = (runs) => [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)];
  const bwRuns = [];
  for (let i = 0; i < 3; i++) bwRuns.push(await bulwarkScan(pickleFull.file));
  const bw = median(bwRuns);
  verdictNote('pickle', bw);
  const bwPrefixRuns = [];
  for (let i = 0; i < 3; i++) bwPrefixRuns.push(await bulwarkScan(prefix.file));
  const bwPrefix = median(bwPrefixRuns);
  const child = measured(process.execPath, [SCAN_ONE, pickleFull.file]);
  pickleChildRss = child.peakRssKb;

  let load = null;
  let genops = null;
  if (py) {
    load = measured(PYTHON, [path.join(PY_DIR, 'load_pickle.py'), pickleFull.file]);
    if (GENOPS_FULL) {
      const g = lastJson(run(PYTHON, [path.join(PY_DIR, 'genops.py'), pickleFull.file]).stdout);
      genops = { seconds: g.seconds, opcodes: g.opcodes, extrapolated: false, file: pickleFull.file };
    } else {
      // Median of three walks of the prefix; it runs seconds, so one run is at the mercy of machine noise.
      const walks = [0, 1, 2].map(() =>
        lastJson(run(PYTHON, [path.join(PY_DIR, 'genops.py'), prefix.file]).stdout),
      );
      const g = walks.sort((a, b) => a.seconds - b.seconds)[1];
      genops = {
        seconds: (g.seconds * size) / prefix.size,
        prefixSeconds: g.seconds,
        prefixRuns: walks.map((w) => w.seconds),
        prefixBytes: prefix.size,
        prefixOpcodes: g.opcodes,
        extrapolated: true,
      };
    }
  } else {
    note('pickle.load and genops baselines skipped (no usable python3)');
  }

  const mbps = size / MB / bw.seconds;
  const rLoad = ratio(bw.seconds, load?.seconds);
  const rGenops = ratio(genops?.seconds, bw.seconds);
  const rGenopsPrefix = genops?.extrapolated ? ratio(genops.prefixSeconds, bwPrefix.seconds) : null;
  push(
    `pickle-${PICKLE_MB}MB  bulwark ${fmtS(bw.seconds)} (${mbps.toFixed(0)} MB/s, median of 3) | pickle.load ${fmtS(load?.seconds)} | ` +
      `genops ${fmtS(genops?.seconds)}${genops?.extrapolated ? ` (extrapolated from ${fmtMB(genops.prefixBytes)} prefix: ${fmtS(genops.prefixSeconds)}, median of 3)` : ''} | ` +
      `${target('bulwark/pickle.load', rLoad, '<=', 0.5)} | ${target('genops/bulwark', rGenops, '>=', 20)}`,
  );
  if (genops?.extrapolated) {
    push(
      `pickle-${PREFIX_MB}MB-prefix  bulwark ${fmtS(bwPrefix.seconds)} | genops ${fmtS(genops.prefixSeconds)} (measured) | genops/bulwark = ${fmtR(rGenopsPrefix)} (same file, no extrapolation)`,
    );
  }
  const rRss = ratio(child.peakRssKb, load?.peakRssKb);
  push(
    `pickle-${PICKLE_MB}MB  peak RSS: bulwark scan-only node process ${fmtRss(child.peakRssKb)} | python pickle.load process ${fmtRss(load?.peakRssKb)} | bulwark/pickle.load = ${fmtR(rRss)}`,
  );
  results.pickle = {
    file: path.basename(pickleFull.file),
    size,
    records: pickleFull.records,
    bulwark: {
      median: bw,
      runs: bwRuns.map((r) => r.seconds),
      mbPerS: mbps,
      prefix: { median: bwPrefix, runs: bwPrefixRuns.map((r) => r.seconds) },
      child,
    },
    pickleLoad: load,
    genops,
    ratios: {
      bulwarkOverPickleLoad: rLoad,
      genopsOverBulwark: rGenops,
      genopsOverBulwarkPrefixMeasured: rGenopsPrefix,
      rssBulwarkOverPickleLoad: rRss,
    },
  };
}

let ckptBig = null;
if (SECTIONS.has('checkpoint') || SECTIONS.has('memory')) {
  log(`\n[2] PyTorch zip checkpoint (${CKPT_MB} MB)`);
  ckptBig = ensureCheckpoint(`checkpoint-${CKPT_MB}MB.pt`, CKPT_MB);
  warmCache(ckptBig.file);
}

if (SECTIONS.has('checkpoint')) {
  const file = ckptBig.file;
  const size = ckptBig.size;
  const REPS = 3;
  const bwRuns = [];
  for (let i = 0; i < REPS; i++) bwRuns.push(await bulwarkScan(file));
  const bw = bwRuns.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  verdictNote('checkpoint', bw);
  const cat = Math.min(
    ...Array.from({ length: REPS }, () => run('/bin/sh', ['-c', 'cat "$1" > /dev/null', 'sh', file]).wall),
  );
  let sha = null;
  if (existsSync('/usr/bin/sha256sum') || existsSync('/bin/sha256sum')) {
    sha = Math.min(...Array.from({ length: 2 }, () => run('sha256sum', [file]).wall));
  } else note('sha256sum not found: that baseline skipped');
  const readRatio = bw.bytesRead / size;
  push(
    `checkpoint-${CKPT_MB}MB  bulwark ${fmtS(bw.seconds)} (best of ${REPS}), read ${fmtMB(bw.bytesRead)} of ${fmtMB(size)} | cat ${fmtS(cat)} | sha256sum ${fmtS(sha)} | ` +
      `${target('bulwark time', bw.seconds, '<', 1, fmtS)} | ${target('bytesRead/size', readRatio, '<=', 0.01, fmtSci)} | bulwark/cat = ${fmtR(ratio(bw.seconds, cat), 3)} | bulwark/sha256sum = ${fmtR(ratio(bw.seconds, sha), 4)}`,
  );
  results.checkpoint = {
    file: path.basename(file),
    size,
    writer: ckptBig.key.writer,
    bulwark: { best: bw, runs: bwRuns.map((r) => r.seconds) },
    catSeconds: cat,
    sha256sumSeconds: sha,
    ratios: {
      bytesReadOverSize: readRatio,
      bulwarkOverCat: ratio(bw.seconds, cat),
      bulwarkOverSha256: ratio(bw.seconds, sha),
    },
  };
}

if (SECTIONS.has('memory')) {
  log('\n[3] memory bound: peak RSS of a node process that only scans one file');
  const small = ensureCheckpoint(`checkpoint-${CKPT_SMALL_MB}MB.pt`, CKPT_SMALL_MB);
  const cs = measured(process.execPath, [SCAN_ONE, small.file]);
  const cb = measured(process.execPath, [SCAN_ONE, ckptBig.file]);
  const growth = cb.peakRssKb - cs.peakRssKb;
  const flat = growth <= Math.max(16 * 1024, cs.peakRssKb * 0.1);
  targets.push({
    name: 'checkpoint peak RSS flat',
    value: growth / 1024,
    op: 'flat',
    goal: 'growth <= max(16 MB, 10%)',
    ok: flat,
  });
  push(
    `memory checkpoint  ${fmtMB(small.size)}: ${fmtRss(cs.peakRssKb)} | ${fmtMB(ckptBig.size)}: ${fmtRss(cb.peakRssKb)} | input x${fmtR(ckptBig.size / small.size, 1)}, RSS x${fmtR(cb.peakRssKb / cs.peakRssKb)} ` +
      `(${flat ? 'flat' : 'GROWS, target missed'})`,
  );
  const p1 =
    pickleChildRss != null
      ? { peakRssKb: pickleChildRss }
      : measured(process.execPath, [SCAN_ONE, pickleFull.file]);
  const doubled = ensurePickle(
    `pickle-${2 * PICKLE_MB}MB.pkl`,
    py ? pickleFull.records * 2 : null,
    2 * PICKLE_MB * MB,
  );
  warmCache(doubled.file);
  const p2 = measured(process.execPath, [SCAN_ONE, doubled.file]);
  verdictNote(`pickle-${2 * PICKLE_MB}MB`, p2);
  push(
    `memory pickle  ${fmtMB(pickleFull.size)}: ${fmtRss(p1.peakRssKb)} | ${fmtMB(doubled.size)}: ${fmtRss(p2.peakRssKb)} (scan ${fmtS(p2.seconds)}, ${(doubled.size / MB / p2.seconds).toFixed(0)} MB/s) | ` +
      `input x${fmtR(doubled.size / pickleFull.size)}, RSS x${fmtR(p2.peakRssKb / p1.peakRssKb)} (reported, no target)`,
  );
  results.memory = {
    checkpoint: {
      small: { size: small.size, peakRssKb: cs.peakRssKb, seconds: cs.seconds, bytesRead: cs.bytesRead },
      big: { size: ckptBig.size, peakRssKb: cb.peakRssKb, seconds: cb.seconds, bytesRead: cb.bytesRead },
      flat,
    },
    pickle: {
      base: { size: pickleFull.size, peakRssKb: p1.peakRssKb },
      doubled: { size: doubled.size, peakRssKb: p2.peakRssKb, seconds: p2.seconds, verdict: p2.verdict },
    },
    rssSource: cb.rssSource,
  };
}

if (SECTIONS.has('corpus')) {
  log(`\n[4] corpus throughput (${CORPUS})`);
  if (!existsSync(CORPUS)) {
    note(`corpus ${CORPUS} not found: skipped`);
  } else {
    await scan([CORPUS]); // warm-up
    const t = now();
    const report = await scan([CORPUS]);
    const seconds = now() - t;
    const bytes = report.files.reduce((n, f) => n + (f.skipped ? 0 : f.size), 0);
    const s = report.summary;
    push(
      `corpus  ${s.files} files (${fmtMB(bytes)}) in ${fmtS(seconds)} = ${(s.files / seconds).toFixed(0)} files/s | ` +
        `clean ${s.clean}, suspicious ${s.suspicious}, malicious ${s.malicious}, inconclusive ${s.inconclusive}, skipped ${s.skipped} (informational)`,
    );
    results.corpus = {
      path: CORPUS,
      files: s.files,
      bytes,
      seconds,
      filesPerS: s.files / seconds,
      summary: s,
    };
  }
}

if (SECTIONS.has('formats')) {
  log('\n[5] other formats: large files must be analysed from their headers only');
  const mods = [
    ['formats-onnx.js', 'benchOnnx'],
    ['formats-gguf.js', 'benchGguf'],
    ['formats-safetensors.js', 'benchSafetensors'],
  ];
  results.formats = [];
  for (const [file, fn] of mods) {
    const modPath = path.join(HERE, file);
    if (!existsSync(modPath)) {
      note(`${file} not present: skipped`);
      continue;
    }
    const mod = await import(pathToFileURL(modPath).href);
    const r = await mod[fn]({ dir: WORK, scan });
    // Baseline in the same run: reading the whole file sequentially (what a scanner that reads everything pays).
    let catMs = null;
    if (r.file) {
      const t0 = now();
      run('sh', ['-c', 'cat "$1" > /dev/null', 'sh', r.file]);
      catMs = (now() - t0) * 1000;
    }
    push(
      `${r.name}  bulwark ${r.ms.toFixed(0)} ms, read ${fmtMB(r.bytesRead)} of ${fmtMB(r.sizeBytes)} | cat ${catMs == null ? 'n/a' : `${catMs.toFixed(0)} ms`} | ` +
        target(`${r.name} bytesRead/size`, ratio(r.bytesRead, r.sizeBytes), '<=', 0.01, fmtSci),
    );
    results.formats.push({ ...r, catMs });
  }
}

// ---------------------------------------------------------------------------------------------- report

results.lines = lines;
results.targets = targets;
results.totalSeconds = (Date.now() - benchStart) / 1000;
writeFileSync(path.join(WORK, 'results.json'), JSON.stringify(results, null, 2) + '\n');

log('\n=== results ===');
for (const l of lines) log(l);
const missed = targets.filter((t) => t.ok === false);
const unmeasured = targets.filter((t) => t.ok === null);
if (missed.length) log(`\nMISSED: ${missed.map((t) => t.name).join(', ')}`);
if (unmeasured.length) log(`\nNOT EVALUATED (baseline skipped): ${unmeasured.map((t) => t.name).join(', ')}`);
if (!missed.length && !unmeasured.length) log('\nall targets met');
if (notes.length) log(`notes:\n${notes.map((n) => `  - ${n}`).join('\n')}`);
log(`bench took ${fmtS(results.totalSeconds)}; results in ${path.join(WORK, 'results.json')}`);
