/**
 * A model behind HTTP. The request body is a JSON template whose string values may be placeholders:
 * `"{{input}}"` (the whole string) becomes the batch as a JSON array of rows (or the single row when
 * `single: true`), `"{{n}}"` the row count, and `{{vars.NAME}}` inside any string is replaced with a
 * configured value. Substitution is structural (on the parsed value, then JSON.stringify), never by string
 * concatenation, so no value can change the JSON's shape. The response value at `responsePath` holds scores
 * (n × k numbers) or labels (n integers). Requests are rate-limited (token bucket), time out, and are retried
 * with exponential back-off on 429/5xx/network errors, honouring Retry-After.
 */
import { BulwarkError, ConfigError } from '../../../core/errors.js';
import { parsePath, selectAll, type PathSegment } from '../../guard/jsonpath.js';
import type { Batch, Capability, ModelTarget } from '../target.js';
import { argmaxRows, checkBatch, oneLine, QueryCounter } from './common.js';

export interface HttpTargetConfig {
  url: string;
  method?: 'POST' | 'PUT';
  /** Extra request headers (values are sent as given; put secrets in `auth`). */
  headers?: Record<string, string>;
  /** JSON body template (see the module comment). */
  body: unknown;
  /** Path to the scores or labels in the response, e.g. `predictions` or `outputs[0].scores`. */
  responsePath: string;
  /** What the response holds: class scores or labels only. */
  output: 'scores' | 'labels';
  scoresAreProbabilities?: boolean;
  /** Auth header whose value is read from an environment variable (never logged). */
  auth?: { header: string; env: string; prefix?: string };
  /** Values for `{{vars.NAME}}` placeholders. */
  vars?: Record<string, string | number | boolean>;
  inputShape: number[];
  nbClasses: number;
  clipValues?: [number, number];
  /** Rows per request (default 32). */
  batchSize?: number;
  /** Send one row per request as `{{input}}` (no batch array). */
  single?: boolean;
  /**
   * Requests in flight at once when a batch spans several requests (default 1; at most 64). The rate limit, when
   * set, still bounds requests per second across all of them.
   */
  concurrency?: number;
  /** Send each row nested to `inputShape` instead of flat. */
  shaped?: boolean;
  rateLimit?: { requestsPerSecond: number; burst?: number };
  /** Retries after the first attempt (default 3). */
  retries?: number;
  /** First back-off in ms, doubled each retry (default 500). */
  backoffMs?: number;
  /** Longest wait between attempts, also caps Retry-After (default 30,000 ms). */
  maxBackoffMs?: number;
  /** Per-request timeout (default 30,000 ms). */
  timeoutMs?: number;
  /** Largest response accepted (default 16 MiB). */
  maxResponseBytes?: number;
  /** Injected for tests. */
  fetch?: typeof fetch;
}

type Template =
  | { t: 'input' }
  | { t: 'n' }
  | { t: 'string'; parts: (string | { v: string })[] }
  | { t: 'array'; items: Template[] }
  | { t: 'object'; entries: [string, Template][] }
  | { t: 'literal'; value: unknown };

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

function compile(v: unknown, vars: Record<string, unknown>, where: string, depth = 0): Template {
  if (depth > 32) throw new ConfigError(`${where}: the body template is nested too deeply`);
  if (typeof v === 'string') {
    const whole = /^\{\{\s*(input|n)\s*\}\}$/.exec(v);
    if (whole) return whole[1] === 'input' ? { t: 'input' } : { t: 'n' };
    const parts: (string | { v: string })[] = [];
    let last = 0;
    for (const m of v.matchAll(PLACEHOLDER)) {
      const key = m[1];
      const vm = /^vars\.([A-Za-z_][\w-]*)$/.exec(key);
      if (!vm) {
        throw new ConfigError(
          `${where}: placeholder {{${key}}} is not allowed inside a string; use "{{input}}" or "{{n}}" as a whole value, or {{vars.NAME}}`,
        );
      }
      if (!Object.prototype.hasOwnProperty.call(vars, vm[1]))
        throw new ConfigError(`${where}: {{vars.${vm[1]}}} has no value in vars`);
      parts.push(v.slice(last, m.index), { v: vm[1] });
      last = (m.index ?? 0) + m[0].length;
    }
    if (!parts.length) return { t: 'literal', value: v };
    parts.push(v.slice(last));
    return { t: 'string', parts };
  }
  if (Array.isArray(v)) return { t: 'array', items: v.map((x) => compile(x, vars, where, depth + 1)) };
  if (v && typeof v === 'object') {
    return {
      t: 'object',
      entries: Object.entries(v).map(([k, x]) => [k, compile(x, vars, where, depth + 1)]),
    };
  }
  return { t: 'literal', value: v };
}

function render(t: Template, input: unknown, n: number, vars: Record<string, unknown>): unknown {
  switch (t.t) {
    case 'input':
      return input;
    case 'n':
      return n;
    case 'string':
      return t.parts.map((p) => (typeof p === 'string' ? p : String(vars[p.v]))).join('');
    case 'array':
      return t.items.map((x) => render(x, input, n, vars));
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const [k, x] of t.entries)
        Object.defineProperty(o, k, { value: render(x, input, n, vars), enumerable: true, writable: true });
      return o;
    }
    default:
      return t.value;
  }
}

/** Token bucket: `rate` tokens per second, at most `burst` stored. */
class TokenBucket {
  private tokens: number;
  private last = performance.now();
  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }
  async take(): Promise<void> {
    for (;;) {
      const now = performance.now();
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await sleep(Math.ceil(((1 - this.tokens) / this.rate) * 1000));
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Retry-After as ms (seconds or an HTTP date), undefined when absent or unparsable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const s = header.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

class RetryableError extends Error {
  constructor(
    message: string,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

export class HttpTarget implements ModelTarget {
  readonly name: string;
  readonly capabilities: ReadonlySet<Capability>;
  readonly inputShape: readonly number[];
  readonly nbClasses: number;
  readonly clipValues: readonly [number, number];
  readonly scoresAreProbabilities: boolean;
  /** HTTP requests sent, retries included. */
  requests = 0;
  predict?: (x: Batch) => Promise<Float32Array>;
  private readonly counter = new QueryCounter();
  private readonly template: Template;
  private readonly path: PathSegment[];
  private readonly bucket?: TokenBucket;
  private readonly chunk: number;
  private readonly concurrency: number;
  private readonly authValue?: string;
  private readonly doFetch: typeof fetch;
  private readonly vars: Record<string, unknown>;

  constructor(private readonly cfg: HttpTargetConfig) {
    let url: URL;
    try {
      url = new URL(cfg.url);
    } catch {
      throw new ConfigError('http target: url is not a valid URL; pass http(s)://host/path');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new ConfigError(`http target: ${url.protocol} URLs are not supported; use http or https`);
    this.name = `${url.origin}${url.pathname}`;
    if (!Array.isArray(cfg.inputShape) || cfg.inputShape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new ConfigError(`${this.name}: inputShape must be positive integers`);
    }
    if (!Number.isInteger(cfg.nbClasses) || cfg.nbClasses < 2)
      throw new ConfigError(`${this.name}: nbClasses must be an integer ≥ 2`);
    if (cfg.output !== 'scores' && cfg.output !== 'labels')
      throw new ConfigError(`${this.name}: output must be 'scores' or 'labels'`);
    this.inputShape = [...cfg.inputShape];
    this.nbClasses = cfg.nbClasses;
    this.clipValues = cfg.clipValues ?? [0, 1];
    this.scoresAreProbabilities = cfg.scoresAreProbabilities ?? false;
    this.capabilities = new Set<Capability>(cfg.output === 'scores' ? ['scores', 'labels'] : ['labels']);
    this.vars = { ...(cfg.vars ?? {}) };
    this.template = compile(cfg.body, this.vars, this.name);
    if (!JSON.stringify(cfg.body ?? null).match(/"\{\{\s*input\s*\}\}"/)) {
      throw new ConfigError(
        `${this.name}: the body template has no "{{input}}" value; put it where the model expects its input`,
      );
    }
    const p = parsePath(cfg.responsePath);
    if (!p || p.includes('*'))
      throw new ConfigError(
        `${this.name}: responsePath '${cfg.responsePath}' is not a valid path like outputs[0].scores`,
      );
    this.path = p;
    if (cfg.rateLimit) {
      const { requestsPerSecond: rps, burst = 1 } = cfg.rateLimit;
      if (!(rps > 0) || !(burst >= 1))
        throw new ConfigError(`${this.name}: rateLimit needs requestsPerSecond > 0 and burst ≥ 1`);
      this.bucket = new TokenBucket(rps, burst);
    }
    this.chunk = cfg.single ? 1 : Math.max(1, Math.floor(cfg.batchSize ?? 32));
    const conc = cfg.concurrency ?? 1;
    if (!Number.isInteger(conc) || conc < 1 || conc > 64)
      throw new ConfigError(`${this.name}: concurrency must be an integer from 1 to 64, got ${String(conc)}`);
    this.concurrency = conc;
    if (cfg.auth) {
      const v = process.env[cfg.auth.env];
      if (!v)
        throw new ConfigError(
          `${this.name}: environment variable ${cfg.auth.env} (auth header ${cfg.auth.header}) is not set`,
        );
      this.authValue = (cfg.auth.prefix ?? '') + v;
    }
    this.doFetch = cfg.fetch ?? fetch;
    if (cfg.output === 'scores') this.predict = (x) => this.scores(x);
  }

  get queries(): number {
    return this.counter.value;
  }

  private rowsValue(x: Batch, start: number, rows: number, size: number): unknown {
    const row = (i: number): unknown => {
      const flat = Array.from(x.data.subarray(i * size, (i + 1) * size));
      if (!this.cfg.shaped || this.inputShape.length < 2) return flat;
      const nest = (off: number, dim: number): unknown => {
        if (dim === this.inputShape.length - 1) return flat.slice(off, off + this.inputShape[dim]);
        const stride = this.inputShape.slice(dim + 1).reduce((a, b) => a * b, 1);
        return Array.from({ length: this.inputShape[dim] }, (_, j) => nest(off + j * stride, dim + 1));
      };
      return nest(0, 0);
    };
    if (this.cfg.single) return row(start);
    return Array.from({ length: rows }, (_, j) => row(start + j));
  }

  private async attempt(body: string): Promise<unknown> {
    if (this.bucket) await this.bucket.take();
    this.requests++;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      ...(this.cfg.headers ?? {}),
    };
    if (this.cfg.auth && this.authValue !== undefined) headers[this.cfg.auth.header] = this.authValue;
    const timeout = this.cfg.timeoutMs ?? 30_000;
    let res: Response;
    try {
      res = await this.doFetch(this.cfg.url, {
        method: this.cfg.method ?? 'POST',
        headers,
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(timeout),
      });
    } catch (err) {
      const e = err as Error;
      const what =
        e.name === 'TimeoutError' || e.name === 'AbortError'
          ? `no answer within ${timeout} ms`
          : oneLine(e.cause ?? e);
      throw new RetryableError(what);
    }
    if (res.status === 429 || res.status >= 500) {
      await res.body?.cancel().catch(() => undefined);
      throw new RetryableError(`HTTP ${res.status}`, retryAfterMs(res.headers.get('retry-after')));
    }
    if (res.status < 200 || res.status >= 300) {
      await res.body?.cancel().catch(() => undefined);
      throw new BulwarkError(
        'E_IO',
        `${this.name}: HTTP ${res.status}; check the URL, method and credentials`,
      );
    }
    const max = this.cfg.maxResponseBytes ?? 16 * 1024 * 1024;
    const chunks: Uint8Array[] = [];
    let total = 0;
    if (res.body) {
      for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) {
        total += c.length;
        if (total > max)
          throw new BulwarkError(
            'E_LIMIT',
            `${this.name}: response over ${max} bytes; raise maxResponseBytes`,
          );
        chunks.push(c);
      }
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    } catch {
      throw new BulwarkError(
        'E_IO',
        `${this.name}: the response is not JSON; check responsePath and the server`,
      );
    }
  }

  private async request(body: string): Promise<unknown> {
    const retries = Math.max(0, Math.floor(this.cfg.retries ?? 3));
    const base = this.cfg.backoffMs ?? 500;
    const cap = this.cfg.maxBackoffMs ?? 30_000;
    for (let i = 0; ; i++) {
      try {
        return await this.attempt(body);
      } catch (err) {
        if (!(err instanceof RetryableError)) throw err;
        if (i >= retries) {
          throw new BulwarkError(
            'E_IO',
            `${this.name}: request failed after ${i + 1} attempt(s) (${err.message}); check the server or raise retries`,
          );
        }
        await sleep(Math.min(cap, err.retryAfter ?? base * 2 ** i));
      }
    }
  }

  private extract(json: unknown, rows: number): unknown[] {
    const hits = selectAll(json, this.path);
    if (hits.length !== 1)
      throw new BulwarkError('E_IO', `${this.name}: the response has no value at ${this.cfg.responsePath}`);
    let v = hits[0].value;
    if (
      rows === 1 &&
      !(Array.isArray(v) && v.length === 1 && (this.cfg.output === 'labels' || Array.isArray(v[0])))
    ) {
      v = [v];
    }
    if (!Array.isArray(v) || v.length !== rows) {
      throw new BulwarkError(
        'E_IO',
        `${this.name}: expected ${rows} ${this.cfg.output} at ${this.cfg.responsePath}, got ${Array.isArray(v) ? v.length : typeof v}`,
      );
    }
    return v;
  }

  /**
   * Sends the batch in chunks of `batchSize` rows, up to `concurrency` requests at a time; `each` sees every chunk's
   * values (in any order; `start` says where they go). The first failure stops new requests and is thrown once the
   * requests in flight have settled.
   */
  private async run(x: Batch, each: (value: unknown[], start: number, rows: number) => void): Promise<void> {
    const size = checkBatch(this, x);
    const starts: number[] = [];
    for (let start = 0; start < x.n; start += this.chunk) starts.push(start);
    let next = 0;
    let failure: { err: unknown } | undefined;
    const worker = async (): Promise<void> => {
      while (failure === undefined && next < starts.length) {
        const start = starts[next++];
        const rows = Math.min(this.chunk, x.n - start);
        try {
          const body = JSON.stringify(
            render(this.template, this.rowsValue(x, start, rows, size), rows, this.vars),
          );
          const values = this.extract(await this.request(body), rows);
          each(values, start, rows);
          this.counter.add(rows);
        } catch (err) {
          failure ??= { err };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, starts.length) }, worker));
    if (failure) throw failure.err;
  }

  private async scores(x: Batch): Promise<Float32Array> {
    const k = this.nbClasses;
    const out = new Float32Array(x.n * k);
    await this.run(x, (values, start) => {
      values.forEach((row, j) => {
        if (
          !Array.isArray(row) ||
          row.length !== k ||
          row.some((s) => typeof s !== 'number' || !Number.isFinite(s))
        ) {
          throw new BulwarkError(
            'E_IO',
            `${this.name}: row ${start + j} of the response is not ${k} finite scores`,
          );
        }
        out.set(row as number[], (start + j) * k);
      });
    });
    return out;
  }

  async predictLabels(x: Batch): Promise<Int32Array> {
    if (this.cfg.output === 'scores') return argmaxRows(await this.scores(x), x.n, this.nbClasses);
    const out = new Int32Array(x.n);
    await this.run(x, (values, start) => {
      values.forEach((l, j) => {
        if (typeof l !== 'number' || !Number.isInteger(l) || l < 0 || l >= this.nbClasses) {
          throw new BulwarkError(
            'E_IO',
            `${this.name}: label ${start + j} of the response is not an integer in 0..${this.nbClasses - 1}`,
          );
        }
        out[start + j] = l;
      });
    });
    return out;
  }
}

/** Builds an HTTP target from its config (validated; ConfigError when wrong). */
export function createHttpTarget(cfg: HttpTargetConfig): HttpTarget {
  return new HttpTarget(cfg);
}
