/**
 * Targets: an OpenAI-compatible chat endpoint, a generic HTTP JSON endpoint with a request template, and a plain
 * function. HTTP targets share a request pool that bounds concurrency, applies a per-request timeout, retries 429 and
 * 5xx answers with exponential back-off (honouring Retry-After) and enforces a total request budget.
 */
import { BulwarkError, ConfigError, LimitError, UsageError } from '../../core/errors.js';
import type { ChatMessage, LlmTarget, TargetRequest, TargetResponse, ToolCall } from './types.js';

export interface HttpOptions {
  /** Extra request headers (e.g. from --header). */
  headers?: Record<string, string>;
  /** Bearer token sent as `Authorization: Bearer …`; never logged or reported. */
  apiKey?: string;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** Per-request timeout in ms (default 30,000). */
  timeoutMs?: number;
  /** Retries after a 429/5xx answer or a network error (default 3). */
  retries?: number;
  /** First back-off delay in ms, doubled after each retry (default 500). */
  backoffMs?: number;
  /** Longest wait between retries, including Retry-After (default 30,000 ms). */
  maxBackoffMs?: number;
  /** Total HTTP requests allowed, retries included (default unlimited). */
  maxRequests?: number;
  /** Largest response body read, in bytes (default 4 MiB). */
  maxResponseBytes?: number;
}

/**
 * A request failed. `fatal` (the default) means the target cannot be used (unreachable, failing after retries,
 * unauthorised, wrong URL or answer shape) and the run stops; otherwise only this request was rejected (HTTP 400/422,
 * e.g. a content filter or an unsupported parameter) and the attempt is recorded as an error.
 */
export class TargetError extends BulwarkError {
  readonly fatal: boolean;
  constructor(message: string, fatal = true) {
    super('E_IO', message);
    this.name = 'TargetError';
    this.fatal = fatal;
  }
}

/** The total request budget (--max-requests) is spent. */
export class BudgetError extends LimitError {
  constructor(max: number) {
    super('max-requests', `request budget of ${max} exhausted; raise --max-requests or select fewer probes`);
  }
}

/** Counting semaphore. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Replaces every occurrence of `secret` in `text`. */
export function redact(text: string, secret: string | undefined): string {
  return secret && secret.length >= 4 ? text.split(secret).join('[REDACTED]') : text;
}

/** Shared HTTP machinery of the HTTP targets. */
export class HttpPool {
  readonly opts: Required<Omit<HttpOptions, 'apiKey' | 'maxRequests' | 'headers'>> &
    Pick<HttpOptions, 'apiKey' | 'maxRequests' | 'headers'>;
  private readonly sem: Semaphore;
  private sent = 0;

  constructor(opts: HttpOptions = {}) {
    this.opts = {
      concurrency: opts.concurrency ?? 4,
      timeoutMs: opts.timeoutMs ?? 30_000,
      retries: opts.retries ?? 3,
      backoffMs: opts.backoffMs ?? 500,
      maxBackoffMs: opts.maxBackoffMs ?? 30_000,
      maxResponseBytes: opts.maxResponseBytes ?? 4 << 20,
      ...(opts.apiKey !== undefined ? { apiKey: opts.apiKey } : {}),
      ...(opts.maxRequests !== undefined ? { maxRequests: opts.maxRequests } : {}),
      ...(opts.headers ? { headers: opts.headers } : {}),
    };
    if (!Number.isInteger(this.opts.concurrency) || this.opts.concurrency < 1)
      throw new UsageError('--concurrency must be an integer ≥ 1');
    if (!(this.opts.timeoutMs > 0))
      throw new UsageError('--timeout must be a positive number of milliseconds');
    for (const [k, v] of Object.entries(this.opts.headers ?? {}))
      if (/[\r\n]/.test(k) || /[\r\n]/.test(v))
        throw new UsageError(`header ${JSON.stringify(k)} holds a line break`);
    this.sem = new Semaphore(this.opts.concurrency);
  }

  requestCount(): number {
    return this.sent;
  }

  /** POSTs `body` as JSON and returns the parsed JSON answer, with retries. */
  async postJson(url: string, body: unknown): Promise<unknown> {
    const payload = JSON.stringify(body);
    let attempt = 0;
    for (;;) {
      if (this.opts.maxRequests !== undefined && this.sent >= this.opts.maxRequests)
        throw new BudgetError(this.opts.maxRequests);
      this.sent++;
      const outcome = await this.sem.run(() => this.once(url, payload));
      if (outcome.ok) return outcome.json;
      if (!outcome.retry || attempt >= this.opts.retries)
        throw new TargetError(redact(outcome.message, this.opts.apiKey), outcome.retry || !outcome.rejected);
      const backoff = Math.min(
        this.opts.maxBackoffMs,
        outcome.retryAfterMs ?? this.opts.backoffMs * 2 ** attempt,
      );
      attempt++;
      await sleep(backoff);
    }
  }

  private async once(
    url: string,
    payload: string,
  ): Promise<
    | { ok: true; json: unknown }
    | { ok: false; retry: boolean; message: string; retryAfterMs?: number; rejected?: boolean }
  > {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      ...this.opts.headers,
    };
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), this.opts.timeoutMs);
    try {
      const res = await fetch(url, { method: 'POST', headers, body: payload, signal: ctl.signal });
      const text = await readCapped(res, this.opts.maxResponseBytes);
      if (res.status === 429 || res.status >= 500) {
        const ra = retryAfterMs(res.headers.get('retry-after'));
        return {
          ok: false,
          retry: true,
          message: `target answered HTTP ${res.status} after retries; lower --concurrency or try later`,
          ...(ra !== undefined ? { retryAfterMs: ra } : {}),
        };
      }
      if (!res.ok)
        return {
          ok: false,
          retry: false,
          rejected: res.status === 400 || res.status === 413 || res.status === 422,
          message: `target answered HTTP ${res.status}${res.status === 401 || res.status === 403 ? ' (check the API key and --api-key-env)' : ''}: ${text.slice(0, 200).replace(/\s+/g, ' ')}`,
        };
      try {
        return { ok: true, json: JSON.parse(text) };
      } catch {
        return {
          ok: false,
          retry: false,
          message: 'target answer is not JSON; check --url and --response-path',
        };
      }
    } catch (err) {
      const timedOut = ctl.signal.aborted;
      return {
        ok: false,
        retry: true,
        message: timedOut
          ? `target did not answer within ${this.opts.timeoutMs} ms; raise --timeout`
          : `cannot reach the target (${(err as Error).message}); check --url`,
      };
    } finally {
      clearTimeout(timer);
    }
  }
}

async function readCapped(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw new Error(`response larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads `a.b.0.c` from a JSON value; undefined when any step is missing. */
export function getPath(value: unknown, path: string): unknown {
  let cur: unknown = value;
  for (const key of path.split('.')) {
    if (key === '') return undefined;
    if (Array.isArray(cur) && /^\d+$/.test(key)) cur = cur[Number(key)];
    else if (cur && typeof cur === 'object' && Object.prototype.hasOwnProperty.call(cur, key))
      cur = (cur as Record<string, unknown>)[key];
    else return undefined;
  }
  return cur;
}

/** How documents reach an OpenAI-compatible target. */
export type DocumentsMode = 'inline' | 'field';

export interface OpenAiTargetOptions extends HttpOptions {
  /** Base URL (`…/v1`) or the full `…/chat/completions` URL. */
  url: string;
  model: string;
  /** `inline` (default): appended to the system prompt as retrieved context; `field`: a `documents` array in the body. */
  documentsMode?: DocumentsMode;
  /** Extra top-level body fields (temperature, max_tokens, …). */
  extraBody?: Record<string, unknown>;
}

/** Formats retrieved documents the way a RAG application puts them in its prompt. */
export function inlineDocuments(system: string | undefined, documents: readonly string[]): string {
  const blocks = documents.map((d, i) => `Retrieved document ${i + 1}:\n<<<\n${d}\n>>>`);
  return [system ?? '', ...blocks].filter(Boolean).join('\n\n');
}

function checkUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--url ${JSON.stringify(url)} is not a URL; give http(s)://host[:port]/path`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new UsageError(`--url must be http or https, got ${u.protocol}`);
  if (u.username || u.password)
    throw new UsageError('--url must not carry credentials; use --api-key-env or --header');
  return u;
}

/** Display form of a URL: no query string, no fragment. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

/** An OpenAI-compatible `/v1/chat/completions` endpoint. */
export class OpenAiTarget implements LlmTarget {
  readonly description: string;
  private readonly url: string;
  private readonly pool: HttpPool;

  constructor(private readonly o: OpenAiTargetOptions) {
    const u = checkUrl(o.url);
    if (!o.model) throw new UsageError('--model is required for --target openai');
    const p = u.pathname.replace(/\/+$/, '');
    this.url = p.endsWith('/chat/completions') ? u.toString() : `${u.origin}${p}/chat/completions${u.search}`;
    this.pool = new HttpPool(o);
    this.description = `openai ${displayUrl(this.url)} model ${o.model}`;
  }

  requestCount(): number {
    return this.pool.requestCount();
  }

  async send(req: TargetRequest): Promise<TargetResponse> {
    const mode = this.o.documentsMode ?? 'inline';
    const docs = req.documents ?? [];
    const system = mode === 'inline' && docs.length ? inlineDocuments(req.system, docs) : req.system;
    const messages: ChatMessage[] = [
      ...(system ? [{ role: 'system' as const, content: system }] : []),
      ...req.messages,
    ];
    const body: Record<string, unknown> = { ...this.o.extraBody, model: this.o.model, messages };
    if (mode === 'field' && docs.length) body.documents = docs;
    if (req.tools?.length)
      body.tools = req.tools.map((t) => ({
        type: 'function',
        function: { name: t.name, description: t.description, parameters: t.parameters },
      }));
    const t0 = performance.now();
    const json = await this.pool.postJson(this.url, body);
    const latencyMs = performance.now() - t0;
    const msg = getPath(json, 'choices.0.message');
    if (!msg || typeof msg !== 'object')
      throw new TargetError(
        'target answer has no choices[0].message; is --url an OpenAI-compatible endpoint?',
      );
    const raw = (msg as { content?: unknown }).content;
    // Some servers answer with content parts: [{type: "text", text: "…"}].
    const content = Array.isArray(raw)
      ? raw
          .map((p) =>
            p && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '',
          )
          .join('')
      : raw;
    const toolCalls: ToolCall[] = [];
    const rawCalls = (msg as { tool_calls?: unknown }).tool_calls;
    if (Array.isArray(rawCalls))
      for (const c of rawCalls.slice(0, 50)) {
        const fn = (c as { function?: { name?: unknown; arguments?: unknown } } | null)?.function;
        if (fn && typeof fn.name === 'string')
          toolCalls.push({
            name: fn.name.slice(0, 200),
            arguments:
              typeof fn.arguments === 'string'
                ? fn.arguments.slice(0, 20_000)
                : JSON.stringify(fn.arguments ?? {}),
          });
      }
    return {
      text: redact(typeof content === 'string' ? content : '', this.o.apiKey),
      ...(toolCalls.length ? { toolCalls } : {}),
      latencyMs,
    };
  }
}

export interface HttpJsonTargetOptions extends HttpOptions {
  url: string;
  /**
   * Request body template: JSON text whose strings may hold `{{prompt}}` (last user message), `{{system}}`,
   * `{{document}}` (documents joined) and whose string values may be exactly `"{{messages}}"` (the chat array) or
   * `"{{documents}}"` (the documents array). Substitution happens on the parsed JSON, so hostile text cannot break
   * out of a string.
   */
  template: string;
  /** Dotted path of the reply text in the answer, e.g. `choices.0.message.content` or `output`. */
  responsePath: string;
}

const PLACEHOLDER = /\{\{\s*(prompt|system|document|messages|documents)\s*\}\}/g;

/** Parses and checks a request template (must be JSON and use at least one placeholder). */
export function parseTemplate(template: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(template);
  } catch (err) {
    throw new ConfigError(
      `request template is not valid JSON (${(err as Error).message}); put placeholders inside strings, e.g. {"input": "{{prompt}}"}`,
    );
  }
  if (!/\{\{\s*(prompt|messages)\s*\}\}/.test(template))
    throw new ConfigError('request template uses neither {{prompt}} nor {{messages}}; add one of them');
  return parsed;
}

/**
 * Fills a parsed template with the request's values (on the JSON tree, never on its text). When the template has no
 * document placeholder, documents are appended to the system prompt as retrieved context (reaching the endpoint through
 * `{{system}}` or `{{messages}}`).
 */
export function fillTemplate(tpl: unknown, req: TargetRequest, depth = 0, docsInline?: boolean): unknown {
  if (depth === 0 && docsInline === undefined) {
    const text = JSON.stringify(tpl);
    const inline = !/\{\{\s*documents?\s*\}\}/.test(text) && !!req.documents?.length;
    if (inline) req = { ...req, system: inlineDocuments(req.system, req.documents!) };
    docsInline = inline;
  }
  if (depth > 32) throw new ConfigError('request template is nested too deeply');
  const last = [...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  const docs = req.documents ?? [];
  if (typeof tpl === 'string') {
    const whole = /^\{\{\s*(messages|documents)\s*\}\}$/.exec(tpl);
    if (whole) {
      if (whole[1] === 'documents') return [...docs];
      return [...(req.system ? [{ role: 'system', content: req.system }] : []), ...req.messages];
    }
    return tpl.replace(PLACEHOLDER, (_m, name: string) => {
      switch (name) {
        case 'prompt':
          return last;
        case 'system':
          return req.system ?? '';
        case 'document':
          return docs.join('\n\n');
        default:
          return JSON.stringify(name === 'messages' ? req.messages : docs);
      }
    });
  }
  if (Array.isArray(tpl)) return tpl.map((x) => fillTemplate(x, req, depth + 1, docsInline));
  if (tpl && typeof tpl === 'object')
    return Object.fromEntries(
      Object.entries(tpl).map(([k, v]) => [k, fillTemplate(v, req, depth + 1, docsInline)]),
    );
  return tpl;
}

/** A generic HTTP JSON endpoint driven by a body template and a response path. */
export class HttpJsonTarget implements LlmTarget {
  readonly description: string;
  private readonly tpl: unknown;
  private readonly pool: HttpPool;

  constructor(private readonly o: HttpJsonTargetOptions) {
    checkUrl(o.url);
    if (!o.responsePath) throw new UsageError('--response-path is required for --target http');
    this.tpl = parseTemplate(o.template);
    this.pool = new HttpPool(o);
    this.description = `http ${displayUrl(o.url)}`;
  }

  requestCount(): number {
    return this.pool.requestCount();
  }

  /** Documents reach the endpoint through {{document}}/{{documents}}, or inlined through {{system}}/{{messages}}. */
  supportsDocuments(): boolean {
    return /\{\{\s*(documents?|system|messages)\s*\}\}/.test(this.o.template);
  }

  async send(req: TargetRequest): Promise<TargetResponse> {
    const t0 = performance.now();
    const json = await this.pool.postJson(this.o.url, fillTemplate(this.tpl, req));
    const latencyMs = performance.now() - t0;
    const v = getPath(json, this.o.responsePath);
    if (typeof v !== 'string')
      throw new TargetError(
        `target answer has no string at ${JSON.stringify(this.o.responsePath)}; check --response-path`,
      );
    return { text: redact(v, this.o.apiKey), latencyMs };
  }
}

/** A plain function as a target (library use and tests). */
export class FunctionTarget implements LlmTarget {
  private calls = 0;
  constructor(
    private readonly fn: (req: TargetRequest) => Promise<string | Omit<TargetResponse, 'latencyMs'>> | string,
    readonly description = 'function',
  ) {}
  requestCount(): number {
    return this.calls;
  }
  async send(req: TargetRequest): Promise<TargetResponse> {
    this.calls++;
    const t0 = performance.now();
    const r = await this.fn(req);
    const latencyMs = performance.now() - t0;
    return typeof r === 'string' ? { text: r, latencyMs } : { ...r, latencyMs };
  }
}
