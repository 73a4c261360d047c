import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashKey } from '../../src/adversarial/guard/policy.js';
import { CLI, ensureBuilt, ROOT, runCli } from '../cli/helpers.js';
import { startMockUpstream, type MockUpstream } from './guard-helpers.js';

const KEY = 'load-key-0123456789abc';
let dir: string;
let up: MockUpstream;

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(path.join(os.tmpdir(), 'bw-guard-cli-'));
  up = await startMockUpstream();
}, 180_000);
afterAll(async () => {
  await up.close();
});

async function writePolicy(name: string, extra = ''): Promise<{ file: string; audit: string }> {
  const audit = path.join(dir, `${name}.jsonl`);
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(
    file,
    `listen: { host: 127.0.0.1, port: 0 }
upstream: { url: '${up.url}', kind: openai }
clients:
  - id: loadgen
    keySha256: ${hashKey(KEY)}
input:
  promptInjection: { mode: block }
output:
  pii: { mode: redact }
audit: { path: '${audit}', fsyncMs: 1000 }
${extra}`,
  );
  return { file, audit };
}

function startGuard(file: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'guard', '--policy', file, '--format', 'json'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ child, url: (JSON.parse(out.slice(0, nl)) as { listening: string }).listening });
    });
    child.on('exit', (code) => reject(new Error(`guard exited early (${code}): ${err}`)));
  });
}

function send(
  agent: http.Agent,
  url: string,
  body: string,
): Promise<{ status: number; id: string } | undefined> {
  return new Promise((resolve) => {
    const req = http.request(
      `${url}/v1/chat/completions`,
      {
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, id: String(res.headers['x-request-id']) }),
        );
        res.on('error', () => resolve(undefined));
        res.on('aborted', () => resolve(undefined));
      },
    );
    req.on('error', () => resolve(undefined));
    req.end(body);
  });
}

describe('bulwark guard (CLI)', () => {
  it('--check validates the policy: exit 0, or exit 3 with FILE:LINE', async () => {
    const { file } = await writePolicy('check');
    const ok = await runCli(['guard', '--policy', file, '--check']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('is valid');
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, (await readFile(file, 'utf8')).replace('kind: openai', 'kind: soap'));
    const r = await runCli(['guard', '--policy', bad, '--check']);
    expect(r.code).toBe(3);
    expect(r.stderr.trim()).toBe(`bulwark: error: ${bad}:2: upstream.kind must be openai or json`);
    const missing = await runCli(['guard', '--policy', path.join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(3);
  }, 60_000);

  it('keeps every audit record of answered requests when killed with SIGKILL mid-load', async () => {
    const { file, audit } = await writePolicy('kill');
    const { child, url } = await startGuard(file);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    const got: { status: number; id: string }[] = [];
    let stop = false;
    const body = JSON.stringify({
      model: 'm',
      messages: [{ role: 'user', content: 'Say hello to bob@example.org' }],
    });
    const worker = async () => {
      while (!stop) {
        const r = await send(agent, url, body);
        if (!r) break;
        got.push(r);
      }
    };
    const workers = Array.from({ length: 16 }, worker);
    await new Promise((r) => setTimeout(r, 700));
    child.kill('SIGKILL');
    stop = true;
    await Promise.all(workers);
    agent.destroy();
    await new Promise((r) =>
      child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r),
    );
    expect(got.length).toBeGreaterThan(50);
    const lines = (await readFile(audit, 'utf8')).split('\n').filter(Boolean);
    const ids = new Set(lines.map((l) => (JSON.parse(l) as { id: string }).id));
    const missing = got.filter((r) => !ids.has(r.id));
    expect(missing).toEqual([]);
    expect(lines.length).toBeGreaterThanOrEqual(got.length);
    // The answer to each request was redacted and audited as such.
    expect(got.every((r) => r.status === 200)).toBe(true);
  }, 60_000);

  it('shuts down gracefully on SIGTERM (exit 0, audit flushed)', async () => {
    const { file, audit } = await writePolicy('term');
    const { child, url } = await startGuard(file);
    const agent = new http.Agent({ keepAlive: false });
    const r = await send(agent, url, JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }));
    expect(r?.status).toBe(200);
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect((await readFile(audit, 'utf8')).trim().split('\n')).toHaveLength(1);
  }, 60_000);
});
