// Bulwark benchmark: `bulwark guard` overhead and overload behaviour (not a test). Runs against dist/.
//
// Processes on loopback: an OpenAI-style upstream (answers a typical chat completion after BULWARK_BENCH_DELAY
// ms, default 0), the guard (`node dist/cli/main.js guard`, typical policy: injection + similarity + invisible-text
// input scanners, canary + PII + markdown-exfil output scanners, audit log, metrics), a bare reverse proxy (node:http
// server + keep-alive agent that forwards and buffers exactly like the guard, with no checks: the cost of one more
// Node.js hop on this machine) and this process, an open-loop load generator: requests are sent on a fixed schedule
// whatever the latency, one request per keep-alive socket at a time, a new socket when none is free. Latency is
// reported from the scheduled time (queueing in the generator included, so nothing is hidden) and from the moment the
// request was written (what the path behind the socket adds).
//
// 1. overhead: direct (generator -> upstream), bare (generator -> bare proxy -> upstream) and guard (generator ->
//    guard -> upstream) at RATE req/s, in ROUNDS alternating rounds over SECONDS s per mode
//    => added latency p50/p99 of the guard and of the bare hop against direct, the guard against the bare hop, and
//    throughput ratio, in one run; CPU steal time (from /proc/stat) during each mode, since a preempted virtual CPU
//    shows up as milliseconds of tail latency that no code on the machine causes.
// 2. overload: OVERLOAD req/s through a guard with maxConcurrent 64 / queueLength 128 in front of an upstream that
//    takes 50 ms: counts 200 / 429 / errors and checks that the guard is still alive and its audit log complete.
//
// By default the generator and the upstream speak HTTP/1.1 on raw sockets (net.Socket, content-length only), so they
// take little of the CPU the guard needs on a small machine; BULWARK_BENCH_HARNESS=http uses node:http for both.
//
// Environment: BULWARK_BENCH_RATE (1000), BULWARK_BENCH_SECONDS (15, split over BULWARK_BENCH_ROUNDS = 5 rounds),
// BULWARK_BENCH_OVERLOAD (5000), BULWARK_BENCH_HARNESS (raw | http), BULWARK_BENCH_DIR (bench/out).
// Result: bench/out/guard.json and a table on stdout.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const OUT = path.resolve(process.env.BULWARK_BENCH_DIR ?? path.join(HERE, 'out'));
const RATE = Number(process.env.BULWARK_BENCH_RATE ?? 1000);
const SECONDS = Number(process.env.BULWARK_BENCH_SECONDS ?? 15);
const OVERLOAD = Number(process.env.BULWARK_BENCH_OVERLOAD ?? 5000);
const ROUNDS = Number(process.env.BULWARK_BENCH_ROUNDS ?? 5);
const KEY = 'bench-key-0123456789abcdef';
/** `raw` (default): load generator and upstream on raw keep-alive sockets; `http`: both on node:http. */
const HARNESS = process.env.BULWARK_BENCH_HARNESS ?? 'raw';
if (HARNESS !== 'raw' && HARNESS !== 'http') {
  console.error(`bench/guard.js: BULWARK_BENCH_HARNESS must be raw or http, not ${JSON.stringify(HARNESS)}`);
  process.exit(3);
}

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
  const server = HARNESS === 'raw' ? rawUpstream(body, delay) : httpUpstream(body, delay);
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
  process.on('SIGTERM', () => process.exit(0));
}

if (role === 'bare') {
  const up = new URL(process.argv.find((a) => a.startsWith('--upstream='))?.slice(11) ?? '');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1024, maxFreeSockets: 256 });
  const server = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers = { ...req.headers, host: up.host, 'content-length': body.length };
      delete headers.authorization;
      const upReq = http.request(
        { hostname: up.hostname, port: up.port, method: req.method, path: req.url, headers, agent },
        (upRes) => {
          const out = [];
          upRes.on('data', (c) => out.push(c));
          upRes.on('end', () => {
            const b = Buffer.concat(out);
            res.writeHead(upRes.statusCode ?? 502, { ...upRes.headers, 'content-length': b.length });
            res.end(b);
          });
        },
      );
      upReq.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      upReq.end(body);
    });
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
  process.on('SIGTERM', () => process.exit(0));
}

function httpUpstream(body, delay) {
  return http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
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

/** Starts this script in another role (`upstream`, `bare`); resolves once it prints its port. */
async function startRole(role, ...args) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), `--role=${role}`, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = Number(await firstLine(child));
  return { child, url: `http://127.0.0.1:${port}` };
}

const startUpstream = (delay) => startRole('upstream', `--delay=${delay}`);
const startBare = (upstreamUrl) => startRole('bare', `--upstream=${upstreamUrl}`);

/** CPU time (user + system, ms) a process has used: /proc on Linux, else null; `self` for this process. */
function procCpuMs(pid) {
  if (pid === 'self') {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in USER_HZ = 100
  } catch {
    return null;
  }
}

/** CPU time counters of the whole machine (Linux /proc/stat, in ticks), or null elsewhere. */
function cpuTicks() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { total: f.reduce((a, b) => a + b, 0), steal: f[7] ?? 0 };
  } catch {
    return null;
  }
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
  return HARNESS === 'raw' ? rawLoad(url, rate, seconds, headers) : httpLoad(url, rate, seconds, headers);
}

async function httpLoad(url, rate, seconds, headers) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
  const total = Math.round(rate * seconds);
  const lat = [];
  const fromSend = [];
  const status = {};
  let errors = 0;
  let done = 0;
  const t0 = performance.now();
  let sent = 0;
  const finished = new Promise((resolve) => {
    const one = (scheduled) => {
      let sentAt = 0;
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
            const now = performance.now();
            lat.push(now - scheduled);
            fromSend.push(now - sentAt);
            status[res.statusCode] = (status[res.statusCode] ?? 0) + 1;
            if (++done === total) resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        if (++done === total) resolve();
      });
      sentAt = performance.now();
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
  return summarise({ lat, fromSend, wall, status, errors }, rate, seconds, total);
}

function summarise({ lat, fromSend, wall, status, errors }, rate, seconds, total) {
  lat.sort((a, b) => a - b);
  fromSend.sort((a, b) => a - b);
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
    fromSend,
    sendP50: percentile(fromSend, 50),
    sendP99: percentile(fromSend, 99),
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
  const { lat: _lat, fromSend: _fromSend, wall: _wall, ...rest } = r;
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

  // 1: same upstream; direct, bare hop and guard in alternating rounds (the machine is shared: alternating spreads
  // background load over the modes).
  const upstream = await startUpstream(0);
  const bare = await startBare(upstream.url);
  const guard = await startGuard('overhead', upstream.url, '  maxConcurrent: 1024\n  queueLength: 4096');
  const per = Math.max(2, SECONDS / ROUNDS);
  const modes = {
    direct: () => load(upstream.url, RATE, per),
    bare: () => load(bare.url, RATE, per),
    guarded: () => load(guard.url, RATE, per, auth),
  };
  await load(upstream.url, RATE, 2); // warm-up
  await load(bare.url, RATE, 2);
  await load(guard.url, RATE, 2, auth);
  const warmRecords = readFileSync(guard.audit, 'utf8').split('\n').filter(Boolean).length;
  const rounds = [];
  const steal = { direct: [0, 0], bare: [0, 0], guarded: [0, 0] };
  // CPU ms used per mode by the process in the middle (bare proxy or guard), the upstream and the generator.
  const procs = { proxy: { bare: bare.child.pid, guarded: guard.child.pid }, upstream: upstream.child.pid };
  const cpu = {
    direct: { proxy: 0, upstream: 0, generator: 0 },
    bare: { proxy: 0, upstream: 0, generator: 0 },
    guarded: { proxy: 0, upstream: 0, generator: 0 },
  };
  for (let i = 0; i < ROUNDS; i++) {
    const round = {};
    for (const [name, run] of Object.entries(modes)) {
      const c0 = cpuTicks();
      const mid = procs.proxy[name];
      const p0 = [mid ? procCpuMs(mid) : 0, procCpuMs(procs.upstream), procCpuMs('self')];
      round[name] = await run();
      const p1 = [mid ? procCpuMs(mid) : 0, procCpuMs(procs.upstream), procCpuMs('self')];
      const c1 = cpuTicks();
      if (c0 && c1) {
        steal[name][0] += c1.steal - c0.steal;
        steal[name][1] += c1.total - c0.total;
      }
      ['proxy', 'upstream', 'generator'].forEach((k, j) => {
        cpu[name][k] = p0[j] === null || p1[j] === null ? null : cpu[name][k] + p1[j] - p0[j];
      });
    }
    rounds.push(round);
  }
  const cpuPerRequestUs = (name) =>
    Object.fromEntries(
      Object.entries(cpu[name]).map(([k, v]) => [
        k,
        v === null ? null : Math.round((v * 1000) / (RATE * per * ROUNDS)),
      ]),
    );
  const pool = (key) => {
    const lat = rounds.flatMap((r) => r[key].lat).sort((a, b) => a - b);
    const fromSend = rounds.flatMap((r) => r[key].fromSend).sort((a, b) => a - b);
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
      sendP50: percentile(fromSend, 50),
      sendP99: percentile(fromSend, 99),
      stealPercent: steal[key][1] ? r3((100 * steal[key][0]) / steal[key][1]) : null,
      cpuUsPerRequest: cpuPerRequestUs(key),
    };
  };
  const direct = pool('direct');
  const bareHop = pool('bare');
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
  bare.child.kill('SIGTERM');
  upstream.child.kill('SIGTERM');

  // 2: overload through a guard in front of a slow upstream.
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
    harness: HARNESS,
    direct,
    bare: bareHop,
    guarded,
    rounds: rounds.map((r) => ({
      direct: strip(r.direct),
      bare: strip(r.bare),
      guarded: strip(r.guarded),
      overheadP50: r3(r.guarded.p50 - r.direct.p50),
      overheadP99: r3(r.guarded.p99 - r.direct.p99),
      bareOverheadP99: r3(r.bare.p99 - r.direct.p99),
    })),
    /** Guard against direct: the issue's target. */
    overheadMs: {
      p50: r3(guarded.p50 - direct.p50),
      p99: r3(guarded.p99 - direct.p99),
      fromSendP50: r3(guarded.sendP50 - direct.sendP50),
      fromSendP99: r3(guarded.sendP99 - direct.sendP99),
    },
    /** A bare Node.js hop (no checks) against direct: what any extra process in the path costs here. */
    bareOverheadMs: {
      p50: r3(bareHop.p50 - direct.p50),
      p99: r3(bareHop.p99 - direct.p99),
    },
    /** CPU time of the guard per request over that of the bare hop. */
    guardCpuRatio: r3(guarded.cpuUsPerRequest.proxy / bareHop.cpuUsPerRequest.proxy),
    /** Guard against the bare hop: what the guard's own work adds. */
    guardOverBareMs: {
      p50: r3(guarded.p50 - bareHop.p50),
      p99: r3(guarded.p99 - bareHop.p99),
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
  console.log(
    `| run | req/s offered | ok/s | p50 ms | p90 ms | p99 ms | max ms | p50 / p99 from send | steal % | statuses |`,
  );
  console.log(`|---|---:|---:|---:|---:|---:|---:|---:|---:|---|`);
  for (const [name, r] of [
    ['direct', direct],
    ['bare proxy', bareHop],
    ['guard', guarded],
    ['overload via guard', overload],
  ])
    console.log(
      `| ${name} | ${r.rate} | ${r.throughput} | ${f(r.p50)} | ${f(r.p90)} | ${f(r.p99)} | ${f(r.max)} | ${f(r.sendP50)} / ${f(r.sendP99)} | ${r.stealPercent ?? '—'} | ${JSON.stringify(r.status)}${r.errors ? ` errors ${r.errors}` : ''} |`,
    );
  console.log(
    `overhead: p50 ${f(result.overheadMs.p50)} ms, p99 ${f(result.overheadMs.p99)} ms (target < 2 ms: ${result.p99Target.met ? 'met' : 'NOT met'}); throughput ratio ${result.throughputRatio}`,
  );
  const c = (r) => r.cpuUsPerRequest;
  console.log(
    `CPU µs per request (proxy / upstream / generator): direct — / ${c(direct).upstream} / ${c(direct).generator}; bare ${c(bareHop).proxy} / ${c(bareHop).upstream} / ${c(bareHop).generator}; guard ${c(guarded).proxy} / ${c(guarded).upstream} / ${c(guarded).generator}`,
  );
  console.log(
    `bare Node.js hop (no checks): p50 +${f(result.bareOverheadMs.p50)} ms, p99 +${f(result.bareOverheadMs.p99)} ms; guard over the bare hop: p50 +${f(result.guardOverBareMs.p50)} ms, p99 +${f(result.guardOverBareMs.p99)} ms`,
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

// ------------------------------------------------------------------------------------------------ raw-socket harness

/**
 * Splits the bytes arriving on a keep-alive socket into HTTP/1.1 messages (content-length bodies only) and calls
 * `onMessage(head)` once each message's body has arrived. A message without content-length has an empty body, or,
 * with `requireLength`, destroys the socket.
 */
function onHttpMessages(sock, onMessage, requireLength = false) {
  let buf = Buffer.alloc(0);
  let need = -1; // body bytes still to consume for the current message
  let head = '';
  sock.on('data', (d) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    for (;;) {
      if (need < 0) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        head = buf.subarray(0, end).toString('latin1');
        const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        if (!m && requireLength) {
          sock.destroy(new Error('message without content-length'));
          return;
        }
        need = m ? Number(m[1]) : 0;
        buf = buf.subarray(end + 4);
      }
      if (buf.length < need) return;
      buf = buf.subarray(need);
      need = -1;
      onMessage(head);
    }
  });
  sock.on('error', () => {});
}

/** The upstream on raw sockets: answers every request with the same chat completion after `delay` ms. */
function rawUpstream(body, delay) {
  const head = Buffer.from(
    `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: keep-alive\r\n\r\n`,
  );
  const resp = Buffer.concat([head, Buffer.from(body)]);
  return net.createServer((sock) => {
    sock.setNoDelay(true);
    onHttpMessages(sock, () => {
      if (delay > 0) setTimeout(() => sock.writable && sock.write(resp), delay);
      else sock.write(resp);
    });
  });
}

/**
 * Open-loop load over raw keep-alive sockets: one request in flight per socket, a new socket when none is idle
 * (up to maxSockets, then requests wait for one). Parses only the status line, content-length and connection.
 */
function rawLoad(url, rate, seconds, headers) {
  const maxSockets = 1024;
  const u = new URL(url);
  const head = [
    `POST /v1/chat/completions HTTP/1.1`,
    `host: ${u.host}`,
    'content-type: application/json',
    `content-length: ${Buffer.byteLength(REQUEST)}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  const requestBuf = Buffer.from(`${head.join('\r\n')}\r\n\r\n${REQUEST}`);
  const total = Math.round(rate * seconds);
  const lat = [];
  const fromSend = [];
  const status = {};
  let errors = 0;
  let done = 0;
  const idle = [];
  const waiting = [];
  let open = 0;
  const t0 = performance.now();
  let sent = 0;
  let resolveAll;
  const finished = new Promise((r) => (resolveAll = r));
  const complete = () => {
    if (++done === total) resolveAll();
  };
  const all = new Set();
  const makeSocket = () => {
    open++;
    const s = net.connect({ host: u.hostname, port: Number(u.port), noDelay: true });
    all.add(s);
    s.cur = null;
    onHttpMessages(
      s,
      (head) => {
        const scheduled = s.cur;
        s.cur = null;
        const now = performance.now();
        lat.push(now - scheduled);
        fromSend.push(now - s.sentAt);
        const code = Number(head.slice(9, 12));
        status[code] = (status[code] ?? 0) + 1;
        complete();
        if (/\r\nconnection:\s*close/i.test(head)) s.destroy();
        else release(s);
      },
      true,
    );
    s.on('close', () => {
      open--;
      all.delete(s);
      const i = idle.indexOf(s);
      if (i >= 0) idle.splice(i, 1);
      if (s.cur !== null) {
        s.cur = null;
        errors++;
        complete();
      }
      if (waiting.length && open < maxSockets) use(makeSocket(), waiting.shift());
    });
    return s;
  };
  const use = (s, scheduled) => {
    s.cur = scheduled;
    s.sentAt = performance.now();
    s.write(requestBuf);
  };
  const release = (s) => {
    if (waiting.length) use(s, waiting.shift());
    else idle.push(s);
  };
  const one = (scheduled) => {
    const s = idle.pop();
    if (s) use(s, scheduled);
    else if (open < maxSockets) use(makeSocket(), scheduled);
    else waiting.push(scheduled);
  };
  const tick = () => {
    const now = performance.now();
    while (sent < total && t0 + (sent * 1000) / rate <= now) one(t0 + (sent++ * 1000) / rate);
    if (sent < total) setTimeout(tick, 1);
  };
  tick();
  return finished.then(() => {
    const wall = (performance.now() - t0) / 1000;
    for (const s of all) s.destroy();
    return summarise({ lat, fromSend, wall, status, errors }, rate, seconds, total);
  });
}

if (role === undefined) await main();
