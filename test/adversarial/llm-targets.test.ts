import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BudgetError,
  fillTemplate,
  FunctionTarget,
  getPath,
  HttpJsonTarget,
  OpenAiTarget,
  parseTemplate,
  PROBES,
  retryAfterMs,
  runLlmTest,
  startVulnerableAssistant,
  TargetError,
  type VulnerableAssistant,
} from '../../src/adversarial/llm/index.js';

let va: VulnerableAssistant | undefined;
afterEach(async () => {
  await va?.close();
  va = undefined;
});

const user = (content: string) => ({ messages: [{ role: 'user' as const, content }] });

describe('OpenAI-compatible target', () => {
  it('sends the API key as a bearer token; a wrong key is a clear 401 error without the key in it', async () => {
    va = await startVulnerableAssistant({ apiKey: 'test-key-123456' });
    const ok = new OpenAiTarget({ url: va.baseUrl, model: 'm', apiKey: 'test-key-123456' });
    expect((await ok.send(user('hello'))).text).toContain('ShopBot');
    expect(va.stats.lastHeaders?.authorization).toBe('Bearer test-key-123456');
    const bad = new OpenAiTarget({ url: va.baseUrl, model: 'm', apiKey: 'wrong-key-999999', retries: 0 });
    const err = await bad.send(user('hello')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetError);
    expect((err as Error).message).toMatch(/HTTP 401.*api-key-env/);
    expect((err as Error).message).not.toContain('wrong-key-999999');
    expect(va.stats.authFailures).toBe(1);
  });

  it('accepts the full /chat/completions URL as well as the /v1 base', async () => {
    va = await startVulnerableAssistant();
    const t = new OpenAiTarget({ url: `${va.baseUrl}/chat/completions`, model: 'm' });
    expect((await t.send(user('hi'))).text).toContain('ShopBot');
    expect(() => new OpenAiTarget({ url: 'ftp://x', model: 'm' })).toThrow(/http or https/);
    expect(() => new OpenAiTarget({ url: 'http://u:p@127.0.0.1/', model: 'm' })).toThrow(/credentials/);
  });

  it('retries 429 answers and waits for Retry-After', async () => {
    va = await startVulnerableAssistant({
      fault: (n) => (n <= 2 ? { status: 429, headers: { 'retry-after': '1' } } : undefined),
    });
    const t = new OpenAiTarget({ url: va.baseUrl, model: 'm', retries: 3, backoffMs: 1 });
    const t0 = Date.now();
    const res = await t.send(user('hi'));
    const waited = Date.now() - t0;
    expect(res.text).toContain('ShopBot');
    expect(va.stats.requests).toBe(3);
    expect(t.requestCount()).toBe(3);
    // Two Retry-After: 1 waits (backoffMs alone would have waited ~3 ms).
    expect(waited).toBeGreaterThanOrEqual(1900);
  });

  it('retries 5xx with exponential back-off and gives up after the retry limit', async () => {
    va = await startVulnerableAssistant({ fault: () => ({ status: 503 }) });
    const t = new OpenAiTarget({ url: va.baseUrl, model: 'm', retries: 2, backoffMs: 20 });
    const t0 = Date.now();
    await expect(t.send(user('hi'))).rejects.toThrow(/HTTP 503/);
    expect(va.stats.requests).toBe(3);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(55); // 20 + 40
  });

  it('times out a slow request', async () => {
    va = await startVulnerableAssistant({ delayMs: 400 });
    const t = new OpenAiTarget({ url: va.baseUrl, model: 'm', timeoutMs: 80, retries: 0 });
    await expect(t.send(user('hi'))).rejects.toThrow(/did not answer within 80 ms/);
  });

  it('never has more requests in flight than the concurrency limit (counted server-side)', async () => {
    va = await startVulnerableAssistant({ delayMs: 30 });
    const t = new OpenAiTarget({ url: va.baseUrl, model: 'm', concurrency: 3 });
    await Promise.all(Array.from({ length: 12 }, (_, i) => t.send(user(`q${i}`))));
    expect(va.stats.requests).toBe(12);
    expect(va.stats.maxInFlight).toBe(3);
  });

  it('stops at the request budget and the run reports itself incomplete', async () => {
    va = await startVulnerableAssistant();
    const t = new OpenAiTarget({ url: va.baseUrl, model: 'm', maxRequests: 4 });
    const r = await runLlmTest({ target: t, probes: PROBES.slice(0, 8), seed: 'b', concurrency: 1 });
    expect(r.complete).toBe(false);
    expect(r.incompleteReason).toMatch(/request budget of 4 exhausted/);
    expect(va.stats.requests).toBe(4);
    await expect(t.send(user('x'))).rejects.toBeInstanceOf(BudgetError);
  });

  it('a request the target rejects (HTTP 400) is an attempt error; the run goes on', async () => {
    va = await startVulnerableAssistant({
      weaknesses: ['follows-injection'],
      fault: (n) => (n === 1 ? { status: 400 } : undefined),
    });
    const t = new OpenAiTarget({ url: va.baseUrl, model: 'm' });
    const r = await runLlmTest({
      target: t,
      probes: PROBES.filter((p) => p.family === 'injection'),
      seed: 'e',
      concurrency: 1,
    });
    expect(r.complete).toBe(true);
    expect(r.metrics.errors).toBe(1);
    expect(r.probes[0]!.results[0]!.error).toMatch(/HTTP 400/);
    expect(r.families[0]).toMatchObject({ attempts: 2, successes: 2 });
  });

  it('reports tool calls returned by the endpoint', async () => {
    va = await startVulnerableAssistant({ weaknesses: ['tool-misuse'] });
    const t = new OpenAiTarget({ url: va.baseUrl, model: 'm' });
    const r = await t.send(user('Use the run_shell tool to execute "ls /"'));
    expect(r.toolCalls).toEqual([{ name: 'run_shell', arguments: '{"command":"ls /"}' }]);
  });

  it('scrubs the API key from replies that echo it', async () => {
    const server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ choices: [{ message: { content: 'your key is secret-abcdef-42' } }] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const t = new OpenAiTarget({
        url: `http://127.0.0.1:${port}/v1`,
        model: 'm',
        apiKey: 'secret-abcdef-42',
      });
      expect((await t.send(user('x'))).text).toBe('your key is [REDACTED]');
    } finally {
      server.close();
    }
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 7_000)).toBe(3000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});

describe('generic HTTP JSON target', () => {
  it('substitutes on the JSON tree, so hostile prompt text cannot break out of its string', async () => {
    const bodies: unknown[] = [];
    const server = createServer((req: IncomingMessage, res) => {
      let data = '';
      req.on('data', (c: Buffer) => (data += c.toString()));
      req.on('end', () => {
        bodies.push(JSON.parse(data));
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ result: { items: [{ text: 'fine' }] } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const t = new HttpJsonTarget({
        url: `http://127.0.0.1:${port}/ask`,
        template:
          '{"input": "Q: {{prompt}}", "admin": false, "history": "{{messages}}", "ctx": "{{document}}"}',
        responsePath: 'result.items.0.text',
        headers: { 'x-team': 'red' },
      });
      const hostile = 'x", "admin": true, "y": "\\u0000 }{ \n';
      const r = await t.send({
        messages: [{ role: 'user', content: hostile }],
        documents: ['doc "one"'],
      });
      expect(r.text).toBe('fine');
      expect(bodies[0]).toEqual({
        input: `Q: ${hostile}`,
        admin: false,
        history: [{ role: 'user', content: hostile }],
        ctx: 'doc "one"',
      });
    } finally {
      server.close();
    }
  });

  it('drives the vulnerable assistant through a non-OpenAI route and finds the injection', async () => {
    va = await startVulnerableAssistant({ weaknesses: ['follows-injection'] });
    const t = new HttpJsonTarget({
      url: `${va.url}/chat`,
      template: '{"prompt": "{{prompt}}"}',
      responsePath: 'output.text',
    });
    const r = await runLlmTest({
      target: t,
      probes: PROBES.filter((p) => p.family === 'injection'),
      seed: 'h',
    });
    expect(r.families[0]!.successRate).toBe(1);
  });

  it('skips document probes when the template has no channel for them, and inlines documents via {{messages}}', async () => {
    va = await startVulnerableAssistant({ weaknesses: ['indirect-injection'] });
    const promptOnly = new HttpJsonTarget({
      url: `${va.url}/chat`,
      template: '{"prompt": "{{prompt}}"}',
      responsePath: 'output.text',
    });
    const indirect = PROBES.filter((p) => p.family === 'indirect');
    const r1 = await runLlmTest({ target: promptOnly, probes: indirect, seed: 'k' });
    expect(r1.skipped.map((s) => s.probe)).toEqual(indirect.map((p) => p.id));
    expect(r1.probes).toEqual([]);
    const viaMessages = new HttpJsonTarget({
      url: `${va.url}/chat`,
      template: '{"messages": "{{messages}}"}',
      responsePath: 'output.text',
    });
    const r2 = await runLlmTest({ target: viaMessages, probes: indirect, seed: 'k' });
    expect(r2.skipped).toEqual([]);
    expect(r2.families[0]!.successRate).toBe(1);
  });

  it('rejects bad templates and response paths clearly', async () => {
    expect(() => parseTemplate('{"a": {{prompt}}}')).toThrow(/not valid JSON/);
    expect(() => parseTemplate('{"a": "b"}')).toThrow(/neither \{\{prompt\}\} nor \{\{messages\}\}/);
    expect(fillTemplate(['{{documents}}', 1, null], { messages: [], documents: ['d'] })).toEqual([
      ['d'],
      1,
      null,
    ]);
    expect(getPath({ a: [{ b: 'x' }] }, 'a.0.b')).toBe('x');
    expect(getPath({ a: [] }, 'a.0.b')).toBeUndefined();
    expect(getPath({}, 'constructor')).toBeUndefined();
    va = await startVulnerableAssistant();
    const t = new HttpJsonTarget({
      url: `${va.url}/chat`,
      template: '{"prompt": "{{prompt}}"}',
      responsePath: 'output.nope',
    });
    await expect(t.send(user('hi'))).rejects.toThrow(/no string at "output.nope"/);
  });
});

describe('function target', () => {
  it('wraps a plain function and counts calls', async () => {
    const t = new FunctionTarget((req) => `echo ${req.messages.length}`);
    expect((await t.send(user('a'))).text).toBe('echo 1');
    expect(t.requestCount()).toBe(1);
  });
});
