import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  capabilityProblems,
  createHttpTarget,
  loadOnnxTarget,
  type HttpTargetConfig,
  type OnnxTarget,
} from '../../src/adversarial/robustness/targets/index.js';
import { retryAfterMs } from '../../src/adversarial/robustness/targets/http.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIX = path.join(ROOT, 'fixtures', 'adversarial');
const bin = readFileSync(path.join(FIX, 'digits-test.bin'));
const images = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + 40 * 64 * 4));

interface Seen {
  headers: http.IncomingHttpHeaders;
  body: unknown;
  at: number;
}

/** A loopback model server answering with the digits MLP's scores (computed by the ORT target). */
describe('HTTP target against a loopback model server', () => {
  let ort: OnnxTarget;
  let server: http.Server;
  let base: string;
  const seen: Seen[] = [];
  /** Queue of forced answers for the next requests: status (+ Retry-After) or a delay. */
  const script: { status?: number; retryAfter?: string; delayMs?: number }[] = [];
  /** Requests being answered right now, and the most at once since the last reset. */
  const load = { inflight: 0, max: 0, delayAll: 0 };

  beforeAll(async () => {
    ort = (await loadOnnxTarget(path.join(FIX, 'digits-mlp.onnx'), { differentiable: false })) as OnnxTarget;
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          let body: unknown;
          try {
            body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            res.writeHead(400).end('bad json');
            return;
          }
          seen.push({ headers: req.headers, body, at: performance.now() });
          load.max = Math.max(load.max, ++load.inflight);
          res.on('close', () => load.inflight--);
          if (load.delayAll) await new Promise((r) => setTimeout(r, load.delayAll));
          const step = script.shift();
          if (step?.delayMs) await new Promise((r) => setTimeout(r, step.delayMs));
          if (step?.status) {
            res.writeHead(step.status, step.retryAfter ? { 'retry-after': step.retryAfter } : {}).end('{}');
            return;
          }
          const b = body as { instances: number[][] | number[] };
          const rows = (Array.isArray(b.instances[0]) ? b.instances : [b.instances]) as number[][];
          const scores = await ort.runUncounted(Float32Array.from(rows.flat()), rows.length);
          const out = rows.map((_, i) => Array.from(scores.subarray(i * 10, (i + 1) * 10)));
          const labels = out.map((r) => r.indexOf(Math.max(...r)));
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ result: { scores: out, labels } }));
        })();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.close();
    await ort.dispose();
  });

  const cfg = (over: Partial<HttpTargetConfig> = {}): HttpTargetConfig => ({
    url: `${base}/v1/predict?key=not-in-names`,
    body: { instances: '{{input}}', n: '{{n}}' },
    responsePath: 'result.scores',
    output: 'scores',
    inputShape: [64],
    nbClasses: 10,
    batchSize: 16,
    backoffMs: 20,
    ...over,
  });

  it('returns the model scores, batching rows and counting queries; the auth header comes from the environment', async () => {
    process.env.BW_TEST_MODEL_TOKEN = 's3cret-token';
    const t = createHttpTarget(
      cfg({ auth: { header: 'authorization', env: 'BW_TEST_MODEL_TOKEN', prefix: 'Bearer ' } }),
    );
    expect(t.name).toBe(`${base}/v1/predict`);
    expect(capabilityProblems(t)).toEqual([]);
    seen.length = 0;
    const s = await t.predict!({ data: images, n: 40 });
    const want = await ort.runUncounted(images, 40);
    expect(Math.max(...s.map((v, i) => Math.abs(v - want[i])))).toBeLessThan(1e-6);
    expect(t.queries).toBe(40);
    expect(t.requests).toBe(3); // 16 + 16 + 8
    expect(seen.map((r) => (r.body as { n: number }).n)).toEqual([16, 16, 8]);
    expect(seen[0].headers.authorization).toBe('Bearer s3cret-token');
    const labels = await t.predictLabels({ data: images.subarray(0, 64 * 5), n: 5 });
    expect(Array.from(labels)).toEqual(
      Array.from(await ort.predictLabels({ data: images.subarray(0, 64 * 5), n: 5 })),
    );
    delete process.env.BW_TEST_MODEL_TOKEN;
    expect(() =>
      createHttpTarget(cfg({ auth: { header: 'x-api-key', env: 'BW_TEST_MODEL_TOKEN' } })),
    ).toThrow(/BW_TEST_MODEL_TOKEN .* is not set/);
  });

  it('a labels-only target exposes no scores', async () => {
    const t = createHttpTarget(cfg({ output: 'labels', responsePath: 'result.labels', single: true }));
    expect([...t.capabilities]).toEqual(['labels']);
    expect(t.predict).toBeUndefined();
    expect(capabilityProblems(t)).toEqual([]);
    seen.length = 0;
    const l = await t.predictLabels({ data: images.subarray(0, 64 * 3), n: 3 });
    expect(Array.from(l)).toEqual(
      Array.from(await ort.predictLabels({ data: images.subarray(0, 64 * 3), n: 3 })),
    );
    expect(seen).toHaveLength(3);
    expect(Array.isArray((seen[0].body as { instances: unknown[] }).instances[0])).toBe(false); // one row, not a batch
  });

  it('honours 429 Retry-After, backs off on 5xx and gives up after the retries', async () => {
    const t = createHttpTarget(cfg({ retries: 2, backoffMs: 50 }));
    script.push({ status: 429, retryAfter: '1' });
    seen.length = 0;
    const s = await t.predict!({ data: images.subarray(0, 64), n: 1 });
    expect(s).toHaveLength(10);
    expect(seen).toHaveLength(2);
    expect(seen[1].at - seen[0].at).toBeGreaterThanOrEqual(950);
    expect(t.queries).toBe(1);

    script.push({ status: 503 }, { status: 502 }, { status: 500 });
    seen.length = 0;
    const err = (await t.predict!({ data: images.subarray(0, 64), n: 1 }).then(
      () => undefined,
      (e: unknown) => e,
    )) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/request failed after 3 attempt\(s\) \(HTTP 500\)/);
    expect(err.message).not.toContain('not-in-names');
    expect(seen).toHaveLength(3);
    const gaps = [seen[1].at - seen[0].at, seen[2].at - seen[1].at];
    expect(gaps[0]).toBeGreaterThanOrEqual(45);
    expect(gaps[1]).toBeGreaterThanOrEqual(95); // doubled
    expect(t.queries).toBe(1);

    script.push({ status: 404 });
    await expect(t.predict!({ data: images.subarray(0, 64), n: 1 })).rejects.toThrow(/HTTP 404/);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:58 GMT'))).toBe(
      2000,
    );
    expect(retryAfterMs('soon')).toBeUndefined();
  });

  it('times out a slow answer and retries it', async () => {
    const t = createHttpTarget(cfg({ timeoutMs: 150, retries: 1, backoffMs: 10 }));
    script.push({ delayMs: 600 }, { delayMs: 600 });
    const t0 = performance.now();
    await expect(t.predict!({ data: images.subarray(0, 64), n: 1 })).rejects.toThrow(
      /no answer within 150 ms/,
    );
    expect(performance.now() - t0).toBeLessThan(600);
    await new Promise((r) => setTimeout(r, 700)); // let the server finish the delayed answers
    script.push({ delayMs: 400 });
    const ok = await t.predict!({ data: images.subarray(0, 64), n: 1 });
    expect(ok).toHaveLength(10);
  });

  it('sends chunks concurrently up to `concurrency`, with the same scores, and stops at the first failure', async () => {
    const want = await ort.runUncounted(images, 40);
    load.delayAll = 40;
    try {
      for (const concurrency of [1, 4]) {
        const t = createHttpTarget(cfg({ batchSize: 4, concurrency }));
        seen.length = 0;
        load.max = 0;
        const s = await t.predict!({ data: images, n: 40 });
        expect(Math.max(...s.map((v, i) => Math.abs(v - want[i])))).toBeLessThan(1e-6);
        expect(seen).toHaveLength(10);
        expect(t.queries).toBe(40);
        expect(load.max).toBe(concurrency);
      }
      // A client error (no retry) in the third request: nothing new starts after it, and it is the error thrown.
      const t = createHttpTarget(cfg({ batchSize: 4, concurrency: 2 }));
      seen.length = 0;
      script.push({}, {}, { status: 404 });
      await expect(t.predict!({ data: images, n: 40 })).rejects.toThrow(/HTTP 404/);
      expect(seen.length).toBeLessThanOrEqual(4);
      script.length = 0;
    } finally {
      load.delayAll = 0;
    }
    expect(() => createHttpTarget(cfg({ concurrency: 0 }))).toThrow(
      /concurrency must be an integer from 1 to 64/,
    );
    expect(() => createHttpTarget(cfg({ concurrency: 65 }))).toThrow(/concurrency/);
  });

  it('respects the rate limit across concurrent requests', async () => {
    const t = createHttpTarget(
      cfg({ batchSize: 1, concurrency: 8, rateLimit: { requestsPerSecond: 20, burst: 1 } }),
    );
    seen.length = 0;
    await t.predict!({ data: images.subarray(0, 64 * 11), n: 11 });
    expect(seen).toHaveLength(11);
    const rate = 10 / ((seen[10].at - seen[0].at) / 1000);
    expect(rate).toBeLessThanOrEqual(21);
    expect(rate).toBeGreaterThan(8);
  });

  it('respects the rate limit (requests per second measured server-side)', async () => {
    const t = createHttpTarget(cfg({ batchSize: 1, rateLimit: { requestsPerSecond: 20, burst: 1 } }));
    seen.length = 0;
    await t.predict!({ data: images.subarray(0, 64 * 11), n: 11 });
    expect(seen).toHaveLength(11);
    const span = (seen[10].at - seen[0].at) / 1000;
    const rate = 10 / span;
    expect(rate).toBeLessThanOrEqual(21);
    expect(rate).toBeGreaterThan(8);
  });

  it('hostile values in the template context cannot change the JSON structure', async () => {
    const hostile = '", "instances": [[0]], "x": "\\u0000}{{input}}</script>';
    const t = createHttpTarget(
      cfg({
        body: { meta: { model: 'digits-{{vars.model}}', note: '{{vars.model}}' }, instances: '{{input}}' },
        vars: { model: hostile },
      }),
    );
    seen.length = 0;
    const s = await t.predict!({ data: images.subarray(0, 128), n: 2 });
    expect(s).toHaveLength(20);
    const body = seen[0].body as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['instances', 'meta']);
    expect(body.meta).toEqual({ model: `digits-${hostile}`, note: hostile });
    expect((body.instances as number[][]).length).toBe(2);
    // placeholders are only recognised where the config allows them
    expect(() => createHttpTarget(cfg({ body: { instances: 'x{{input}}' } }))).toThrow(
      /not allowed inside a string/,
    );
    expect(() => createHttpTarget(cfg({ body: { instances: '{{input}}', a: '{{vars.missing}}' } }))).toThrow(
      /has no value/,
    );
    expect(() => createHttpTarget(cfg({ body: { nothing: 1 } }))).toThrow(/no "\{\{input\}\}"/);
    expect(() => createHttpTarget(cfg({ responsePath: 'a..b' }))).toThrow(/responsePath/);
    expect(() => createHttpTarget(cfg({ url: 'file:///etc/passwd' }))).toThrow(/not supported/);
  });

  it('rejects responses of the wrong shape with a clear error', async () => {
    const t = createHttpTarget(cfg({ responsePath: 'result.labels' }));
    await expect(t.predict!({ data: images.subarray(0, 128), n: 2 })).rejects.toThrow(
      /row 0 of the response is not 10 finite scores/,
    );
    const u = createHttpTarget(cfg({ responsePath: 'result.nothing' }));
    await expect(u.predict!({ data: images.subarray(0, 128), n: 2 })).rejects.toThrow(
      /no value at result\.nothing/,
    );
  });
});
