// Bulwark benchmark: `bulwark guard` overhead and overload behaviour (not a test). Runs against dist/.
//
// Three processes on loopback: an OpenAI-style upstream (answers a typical chat completion after BULWARK_BENCH_DELAY
// ms, default 0), the guard (`node dist/cli/main.js guard`, typical policy: injection + similarity + invisible-text
// input scanners, canary + PII + markdown-exfil output scanners, audit log, metrics) and this process, an open-loop
// load generator (requests are sent on a fixed schedule, whatever the latency; latency counts from the scheduled
// time, so queueing is not hidden).
//
// 1. direct: load generator -> upstream at RATE req/s for SECONDS s
// 2. guard:  load generator -> guard -> upstream, same rate and duration
//    => added latency p50/p99 (guard - direct) and throughput ratio, in one run
// 3. overload: OVERLOAD req/s through a guard with maxConcurrent 64 / queueLength 128 in front of an upstream that
//    takes 50 ms: counts 200 / 429 / errors and checks that the guard is still alive and its audit log complete.
//
// Environment: BULWARK_BENCH_RATE (1000), BULWARK_BENCH_SECONDS (10, split over BULWARK_BENCH_ROUNDS = 3 alternating
// direct/guard rounds), BULWARK_BENCH_OVERLOAD (5000),
// BULWARK_BENCH_DIR (bench/out). Result: bench/out/guard.json and a table on stdout.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const OUT = path.resolve(process.env.BULWARK_BENCH_DIR ?? path.join(HERE, 'out'));
const RATE = Number(process.env.BULWARK_BENCH_RATE ?? 1000);
const SECONDS = Number(process.env.BULWARK_BENCH_SECONDS ?? 10);
const OVERLOAD = Number(process.env.BULWARK_BENCH_OVERLOAD ?? 5000);
const ROUNDS = Number(process.env.BULWARK_BENCH_ROUNDS ?? 3);
const KEY = 'bench-key-0123456789abcdef';

const role = process.argv.find((a) => a.startsWith('--role='))?.slice(7);

// ------------------------------------------------------------------------------------------------ upstream role

const ANSWER =
  'Here is a short overview. Transformers process tokens in parallel with self-attention, which weighs every ' +
  'token against every other token; positional encodings keep the order. Training minimises next-token ' +
  'cross-entropy on large corpora, and fine-tuning adapts the model to instructions. For deployment, quantisation ' +
  'and batching reduce cost, while guards check inputs and outputs for injection, leakage and abuse.';

if (role === 'upstream') {
  const delay = Number(process.argv.find((a) => a.startsWith('--delay='))?.slice(8) ?? 0);
  const body = JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1700000000,
    model: 'bench',
    choices: [{ index: 0, message: { role: 'assistant', content: ANSWER }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 120, completion_tokens: 80, total_tokens: 200 },
  });
  const server = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    req.resume();
    req.on('end', () => {
      const send = () => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      };
      if (delay > 0) setTimeout(send, delay);
      else send();
    });
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
  process.on('SIGTERM', () => process.exit(0));
}

// ------------------------------------------------------------------------------------------------ driver

function firstLine(child) {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.on('exit', (code) => reject(new Error(`child exited (${code}): ${err.trim()}`)));
  });
}

async function startUpstream(delay) {
  const child = spawn(
    process.execPath,
    [fileURLToPath(import.meta.url), '--role=upstream', `--delay=${delay}`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const port = Number(await firstLine(child));
  return { child, url: `http://127.0.0.1:${port}` };
}

async function startGuard(name, upstreamUrl, extra) {
  const audit = path.join(OUT, `guard-${name}-audit.jsonl`);
  rmSync(audit, { force: true });
  const policy = path.join(OUT, `guard-${name}-policy.yaml`);
  writeFileSync(
    policy,
    `listen: { host: 127.0.0.1, port: 0 }
upstream:
  url: ${upstreamUrl}
  kind: openai
  timeoutMs: 10000
${extra}
clients:
  - id: bench
    keySha256: ${createHash('sha256').update(KEY).digest('hex')}
input:
  invisibleText: { mode: redact }
  promptInjection: { mode: block }
  similarity: { mode: log }
  tokenLimit: { mode: block, maxTokens: 4000 }
output:
  canary: { mode: block, tokens: ['BW-CANARY-bench-1234'] }
  markdownExfil: { mode: redact }
  pii: { mode: redact }
audit: { path: ${audit}, fsyncMs: 1000 }
metrics: { enabled: true }
`,
  );
  const child = spawn(process.execPath, [CLI, 'guard', '--policy', policy, '--format', 'json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const line = JSON.parse(await firstLine(child));
  let exit = null;
  child.on('exit', (code, signal) => (exit = { code, signal }));
  return { child, url: line.listening, audit, exit: () => exit };
}

const REQUEST = JSON.stringify({
  model: 'bench',
  messages: [
    {
      role: 'system',
      content:
        'You are a helpful assistant for an engineering team. Answer concisely and cite the documentation when you can.',
    },
    {
      role: 'user',
      content:
        'Could you give me a short overview of how transformer language models work, how they are trained, and what ' +
        'we should watch out for when we deploy one behind our API? Two or three paragraphs are enough.',
    },
  ],
  temperature: 0.2,
  max_tokens: 256,
});

function percentile(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Open-loop load: `rate` req/s for `seconds`; latency from the scheduled send time. */
async function load(url, rate, seconds, headers = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
  const total = Math.round(rate * seconds);
  const lat = [];
  const status = {};
  let errors = 0;
  let done = 0;
  const t0 = performance.now();
  let sent = 0;
  const finished = new Promise((resolve) => {
    const one = (scheduled) => {
      const req = http.request(
        `${url}/v1/chat/completions`,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(REQUEST),
            ...headers,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            lat.push(performance.now() - scheduled);
            status[res.statusCode] = (status[res.statusCode] ?? 0) + 1;
            if (++done === total) resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        if (++done === total) resolve();
      });
      req.end(REQUEST);
    };
    const tick = () => {
      const now = performance.now();
      while (sent < total && t0 + (sent * 1000) / rate <= now) one(t0 + (sent++ * 1000) / rate);
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  await finished;
  const wall = (performance.now() - t0) / 1000;
  agent.destroy();
  lat.sort((a, b) => a - b);
  const ok = status[200] ?? 0;
  return {
    lat,
    wall,
    rate,
    seconds,
    requests: total,
    status,
    errors,
    throughput: Math.round((ok / wall) * 10) / 10,
    p50: percentile(lat, 50),
    p90: percentile(lat, 90),
    p99: percentile(lat, 99),
    max: lat.at(-1) ?? null,
  };
}

function get(url) {
  return new Promise((resolve) => {
    http
      .get(url, (res) => {
        let s = '';
        res.on('data', (d) => (s += d));
        res.on('end', () => resolve({ status: res.statusCode, text: s }));
      })
      .on('error', () => resolve({ status: 0, text: '' }));
  });
}

function strip(r) {
  const { lat: _lat, wall: _wall, ...rest } = r;
  return rest;
}

function r3(x) {
  return x === null ? null : Math.round(x * 1000) / 1000;
}

async function main() {
  if (!existsSync(CLI)) {
    console.error('bench/guard.js: dist/cli/main.js not found; run `npm run build` first.');
    process.exit(3);
  }
  mkdirSync(OUT, { recursive: true });
  const loadBefore = os.loadavg();
  const auth = { authorization: `Bearer ${KEY}` };

  // 1 + 2: same upstream, direct vs guarded, in alternating rounds (the machine is shared: alternating spreads
  // background load over both modes).
  const upstream = await startUpstream(0);
  const guard = await startGuard('overhead', upstream.url, '  maxConcurrent: 1024\n  queueLength: 4096');
  await load(upstream.url, RATE, 2); // warm-up
  await load(guard.url, RATE, 2, auth);
  const warmRecords = readFileSync(guard.audit, 'utf8').split('\n').filter(Boolean).length;
  const rounds = [];
  const per = Math.max(2, SECONDS / ROUNDS);
  for (let i = 0; i < ROUNDS; i++) {
    const d = await load(upstream.url, RATE, per);
    const g = await load(guard.url, RATE, per, auth);
    rounds.push({ direct: d, guarded: g });
  }
  const pool = (key) => {
    const lat = rounds.flatMap((r) => r[key].lat).sort((a, b) => a - b);
    const ok = rounds.reduce((a, r) => a + (r[key].status[200] ?? 0), 0);
    const wall = rounds.reduce((a, r) => a + r[key].wall, 0);
    return {
      rate: RATE,
      seconds: per * ROUNDS,
      requests: rounds.reduce((a, r) => a + r[key].requests, 0),
      status: rounds.reduce((a, r) => {
        for (const [k, v] of Object.entries(r[key].status)) a[k] = (a[k] ?? 0) + v;
        return a;
      }, {}),
      errors: rounds.reduce((a, r) => a + r[key].errors, 0),
      throughput: Math.round((ok / wall) * 10) / 10,
      p50: percentile(lat, 50),
      p90: percentile(lat, 90),
      p99: percentile(lat, 99),
      max: lat.at(-1) ?? null,
    };
  };
  const direct = pool('direct');
  const guarded = pool('guarded');
  // Time spent inside the guard per request (audit latencyMs - upstreamMs): independent of the load generator.
  const recs = existsSync(guard.audit)
    ? readFileSync(guard.audit, 'utf8')
        .split('\n')
        .filter(Boolean)
        .slice(warmRecords)
        .map((l) => JSON.parse(l))
    : [];
  const inside = recs
    .filter((r) => r.upstreamMs !== undefined)
    .map((r) => r.latencyMs - r.upstreamMs)
    .sort((a, b) => a - b);
  const auditLines = recs.length;
  guard.child.kill('SIGTERM');
  upstream.child.kill('SIGTERM');

  // 3: overload through a guard in front of a slow upstream.
  const slow = await startUpstream(50);
  const og = await startGuard('overload', slow.url, '  maxConcurrent: 64\n  queueLength: 128');
  const overloadRaw = await load(og.url, OVERLOAD, Math.max(3, SECONDS / 2), auth);
  const overload = strip(overloadRaw);
  const health = await get(`${og.url}/healthz`);
  const metrics = await get(`${og.url}/metrics`);
  const shed = Number(/bulwark_guard_shed_total (\d+)/.exec(metrics.text)?.[1] ?? NaN);
  const alive = og.exit() === null && health.status === 200;
  og.child.kill('SIGTERM');
  await new Promise((r) => (og.exit() ? r() : og.child.once('exit', r)));
  const overloadAudit = readFileSync(og.audit, 'utf8').split('\n').filter(Boolean).length;
  slow.child.kill('SIGTERM');

  const result = {
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
    loadavgBefore: loadBefore.map(r3),
    loadavgAfter: os.loadavg().map(r3),
    rate: RATE,
    seconds: SECONDS,
    direct: strip(direct),
    guarded: strip(guarded),
    rounds: rounds.map((r) => ({
      direct: strip(r.direct),
      guarded: strip(r.guarded),
      overheadP50: r3(r.guarded.p50 - r.direct.p50),
      overheadP99: r3(r.guarded.p99 - r.direct.p99),
    })),
    overheadMs: {
      p50: r3(guarded.p50 - direct.p50),
      p99: r3(guarded.p99 - direct.p99),
    },
    insideGuardMs: {
      records: inside.length,
      p50: r3(percentile(inside, 50)),
      p99: r3(percentile(inside, 99)),
      max: r3(inside.at(-1) ?? null),
    },
    throughputRatio: r3(guarded.throughput / direct.throughput),
    p99Target: { overheadMs: 2, met: guarded.p99 - direct.p99 < 2 },
    auditRecordsGuardRun: auditLines,
    overload: {
      ...overload,
      upstreamDelayMs: 50,
      maxConcurrent: 64,
      queueLength: 128,
      shedTotal: shed,
      guardAliveAfter: alive,
      auditRecords: overloadAudit,
      requestsAnswered: Object.values(overload.status).reduce((a, b) => a + b, 0),
    },
  };
  writeFileSync(path.join(OUT, 'guard.json'), `${JSON.stringify(result, null, 2)}\n`);
  const f = (x) => (x === null ? '—' : x.toFixed(2));
  console.log(
    `bulwark guard benchmark (${os.cpus().length} CPUs, load avg before ${loadBefore.map((x) => x.toFixed(2)).join(' ')})`,
  );
  console.log(`| run | req/s offered | ok/s | p50 ms | p90 ms | p99 ms | max ms | statuses |`);
  console.log(`|---|---:|---:|---:|---:|---:|---:|---|`);
  for (const [name, r] of [
    ['direct', direct],
    ['guard', guarded],
    ['overload via guard', overload],
  ])
    console.log(
      `| ${name} | ${r.rate} | ${r.throughput} | ${f(r.p50)} | ${f(r.p90)} | ${f(r.p99)} | ${f(r.max)} | ${JSON.stringify(r.status)}${r.errors ? ` errors ${r.errors}` : ''} |`,
    );
  console.log(
    `overhead: p50 ${f(result.overheadMs.p50)} ms, p99 ${f(result.overheadMs.p99)} ms (target < 2 ms: ${result.p99Target.met ? 'met' : 'NOT met'}); throughput ratio ${result.throughputRatio}`,
  );
  console.log(
    `time inside the guard (audit latency - upstream time): p50 ${f(result.insideGuardMs.p50)} ms, p99 ${f(result.insideGuardMs.p99)} ms over ${inside.length} requests`,
  );
  console.log(
    `overload: ${result.overload.status[429] ?? 0} shed (429), guard alive: ${alive}, audit records ${overloadAudit} for ${result.overload.requestsAnswered} answers`,
  );
  console.log(
    `load avg after: ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}; wrote ${path.join(OUT, 'guard.json')}`,
  );
}

if (role !== 'upstream') await main();
