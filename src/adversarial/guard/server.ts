/**
 * The guard: a node:http reverse proxy in front of an OpenAI-compatible or JSON model endpoint. Request path:
 * health/metrics → authenticate (SHA-256 of the key, constant-time compare) → per-client rate limit → concurrency
 * admission (bounded queue, else shed with 429) → body (size limit, 413) → token limit and quota → input scanners →
 * query-pattern detectors → upstream (keep-alive agent, timeout) → output scanners (whole body, or incrementally for
 * SSE streams) → audit record (written before the response is sent) → response.
 */
import { createHash, hash, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { GUARD_AUTH, GUARD_EVASION, GUARD_EXTRACTION, GUARD_RATE, GUARD_SHED } from './rules.js';
import type { RuleMeta } from '../../core/rules.js';
import { AuditLog, type AuditRecord, type AuditScan, type Decision } from './audit.js';
import { QueryPatternDetector, type QueryVerdict } from './extraction.js';
import { selectAll, setAt, type PathHit, type PathSegment } from './jsonpath.js';
import { GuardMetrics } from './metrics.js';
import { buildScanners, runScanners, type Scanners } from './pipeline.js';
import type { ClientPolicy, GuardPolicy } from './policy.js';
import { ClientLimiter } from './ratelimit.js';
import { estimateTokens } from './scanners/tokens.js';
import { applyRedactions, type ScanHit, type TextScanner } from './scanners/types.js';

const HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'authorization',
  'x-api-key',
]);

/** Streaming: output scanners look at this many characters before each new delta (spans crossing deltas). */
const STREAM_WINDOW = 512;

interface Ctx {
  id: string;
  t0: bigint;
  method: string;
  route: string;
  client?: ClientPolicy;
  scans: AuditScan[];
  upstreamStatus?: number;
  upstreamMs?: number;
  input?: AuditRecord['input'];
  output?: AuditRecord['output'];
  extraction?: Record<string, unknown>;
  stream?: boolean;
  tokens?: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly decision: Decision,
    message: string,
    readonly rules: RuleMeta[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** One-shot SHA-256 (crypto.hash: no Hash object per call, measurably cheaper on the request path). */
function sha256(s: string | Buffer): string {
  return hash('sha256', s, 'hex');
}

function ms(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export interface GuardServerOptions {
  /** Diagnostics (start-up, shutdown, internal errors); never request content. Default: none. */
  log?: (line: string) => void;
}

export class GuardServer {
  readonly metrics = new GuardMetrics();
  readonly audit: AuditLog;
  readonly detector?: QueryPatternDetector;
  private readonly server: http.Server;
  private readonly agent: http.Agent;
  private readonly scanners: Scanners;
  private readonly limiter = new ClientLimiter();
  private readonly waiters: (() => void)[] = [];
  private active = 0;
  private closing = false;
  private readonly log: (line: string) => void;

  constructor(
    readonly policy: GuardPolicy,
    opts: GuardServerOptions = {},
  ) {
    this.log = opts.log ?? (() => {});
    this.scanners = buildScanners(policy);
    this.audit = new AuditLog(policy.audit.path, policy.audit.fsyncMs);
    if (policy.extraction)
      this.detector = new QueryPatternDetector({
        historySize: policy.extraction.historySize,
        maxClients: policy.extraction.maxClients,
        prada: policy.extraction.prada,
        blacklight: policy.extraction.blacklight,
      });
    const Agent = policy.upstream.url.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: policy.upstream.maxConcurrent,
      maxFreeSockets: Math.min(256, policy.upstream.maxConcurrent),
    });
    this.server = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => this.internal(res, err));
    });
    this.server.on('clientError', (_err, socket) => socket.destroy());
    this.server.maxHeadersCount = 200;
  }

  /** Opens the audit log and listens. Resolves to the bound address. */
  async start(): Promise<{ host: string; port: number }> {
    this.audit.open();
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.policy.listen.port, this.policy.listen.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const a = this.server.address() as AddressInfo;
    return { host: a.address, port: a.port };
  }

  get address(): { host: string; port: number } {
    const a = this.server.address() as AddressInfo;
    return { host: a.address, port: a.port };
  }

  /**
   * Graceful shutdown: stop accepting, let in-flight requests finish (up to `graceMs`, then their sockets are
   * closed), flush and close the audit log.
   */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // Keep-alive sockets become idle as their last response ends; close them as they do.
    this.server.closeIdleConnections();
    const idle = setInterval(() => this.server.closeIdleConnections(), 25);
    const timer = setTimeout(() => this.server.closeAllConnections(), graceMs);
    timer.unref();
    await closed;
    clearInterval(idle);
    clearTimeout(timer);
    this.agent.destroy();
    this.audit.close();
  }

  // ------------------------------------------------------------------------------------------------ request path

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const t0 = process.hrtime.bigint();
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const pathname = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
    if (req.method === 'GET' && pathname === '/healthz') {
      this.send(res, 200, { status: this.closing ? 'closing' : 'ok' });
      return;
    }
    if (req.method === 'GET' && pathname === '/metrics' && this.policy.metrics.enabled) {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(this.metrics.render());
      return;
    }
    const ctx: Ctx = {
      id: randomUUID(),
      t0,
      method: req.method ?? 'GET',
      route: this.metrics.route(pathname),
      scans: [],
    };
    res.setHeader('x-request-id', ctx.id);
    if (this.closing) res.setHeader('connection', 'close');
    let slot = false;
    try {
      ctx.client = this.authenticate(req);
      const now = Date.now();
      const rl = this.limiter.admitRequest(ctx.client, now);
      if (!rl.ok)
        throw new HttpError(429, 'rate-limited', `rate limit: ${rl.reason}`, [GUARD_RATE], {
          'retry-after': String(rl.retryAfterS),
        });
      slot = this.acquire();
      if (!slot) {
        const queued = await this.enqueue();
        if (!queued) {
          this.metrics.shed++;
          throw new HttpError(
            429,
            'shed',
            'the guard is at its concurrency limit; retry later',
            [GUARD_SHED],
            {
              'retry-after': '1',
            },
          );
        }
        slot = true;
      }
      await this.proxy(req, res, ctx, q >= 0 ? rawUrl.slice(q) : '');
    } catch (caught) {
      let err = caught;
      if (!(err instanceof HttpError)) {
        this.log(`guard: internal error: ${(caught as Error)?.message ?? String(caught)}`);
        err = new HttpError(500, 'error', 'internal error in the guard');
      }
      if (!(err instanceof HttpError)) throw caught;
      req.resume();
      this.finish(
        res,
        ctx,
        err.status,
        err.decision,
        { error: this.errorBody(err, ctx) },
        err.rules,
        err.headers,
        err.message,
      );
    } finally {
      if (slot) this.release();
    }
  }

  private errorBody(err: HttpError, ctx: Ctx): Record<string, unknown> {
    return {
      type: `guard_${err.decision.replace(/-/g, '_')}`,
      code: err.rules[0]?.id ?? null,
      rules: err.rules.map((r) => ({ id: r.id, name: r.name })),
      message: err.message,
      request_id: ctx.id,
    };
  }

  private authenticate(req: http.IncomingMessage): ClientPolicy {
    let key: string | undefined;
    const auth = req.headers.authorization;
    if (auth && /^bearer /i.test(auth)) key = auth.slice(7).trim();
    else if (typeof req.headers['x-api-key'] === 'string') key = req.headers['x-api-key'];
    if (!key) throw new HttpError(401, 'deny', 'missing API key (Authorization: Bearer KEY)', [GUARD_AUTH]);
    const h = hash('sha256', key, 'buffer');
    let found: ClientPolicy | undefined;
    // Compare against every client, without an early exit.
    for (const c of this.policy.clients) if (timingSafeEqual(h, c.keyHash) && !found) found = c;
    if (!found) throw new HttpError(401, 'deny', 'unknown API key', [GUARD_AUTH]);
    return found;
  }

  private acquire(): boolean {
    if (this.active < this.policy.upstream.maxConcurrent) {
      this.active++;
      this.metrics.inflight = this.active;
      return true;
    }
    return false;
  }

  /** Waits for a slot; false (at once) when the queue is full. */
  private enqueue(): Promise<boolean> {
    if (this.waiters.length >= this.policy.upstream.queueLength) return Promise.resolve(false);
    this.metrics.queued = this.waiters.length + 1;
    return new Promise((resolve) => this.waiters.push(() => resolve(true)));
  }

  private release(): void {
    const next = this.waiters.shift();
    this.metrics.queued = this.waiters.length;
    if (next)
      next(); // the slot passes to the waiter
    else {
      this.active--;
      this.metrics.inflight = this.active;
    }
  }

  private readBody(req: http.IncomingMessage): Promise<Buffer> {
    const max = this.policy.limits.maxBodyBytes;
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > max)
      return Promise.reject(new HttpError(413, 'too-large', `request body over ${max} bytes`));
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > max) {
          req.removeAllListeners('data');
          req.resume();
          reject(new HttpError(413, 'too-large', `request body over ${max} bytes`));
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
      req.on('error', () => reject(new HttpError(400, 'bad-request', 'request body could not be read')));
    });
  }

  private textHits(root: unknown, paths: readonly PathSegment[][]): PathHit[] {
    const out: PathHit[] = [];
    for (const p of paths) for (const h of selectAll(root, p)) if (typeof h.value === 'string') out.push(h);
    return out;
  }

  private async proxy(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    ctx: Ctx,
    search: string,
  ): Promise<void> {
    const p = this.policy;
    const client = ctx.client!;
    const raw = await this.readBody(req);
    let body: unknown;
    let forward: Buffer = raw;
    let wantsJson = this.scanners.jsonAlways;
    let streamRequested = false;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new HttpError(400, 'bad-request', 'request body is not valid JSON');
      }
      if (body && typeof body === 'object' && !Array.isArray(body)) {
        const b = body as Record<string, unknown>;
        if (p.upstream.kind === 'openai') {
          streamRequested = b.stream === true;
          const rf = b.response_format as { type?: unknown } | undefined;
          if (rf && (rf.type === 'json_object' || rf.type === 'json_schema')) wantsJson = true;
        }
      }
      const fields = this.textHits(body, p.upstream.requestPaths);
      const texts = fields.map((f) => f.value as string);
      const joined = texts.join('\n');
      ctx.tokens = estimateTokens(
        joined.length > p.limits.maxScanChars * 4 ? joined.slice(0, p.limits.maxScanChars * 4) : joined,
      );
      ctx.input = { sha256: sha256(joined), chars: joined.length, tokens: ctx.tokens };
      if (p.audit.logPayloads) ctx.input.text = joined;
      const tv = this.limiter.admitTokens(client, ctx.tokens, Date.now());
      if (!tv.ok)
        throw new HttpError(429, 'rate-limited', `rate limit: ${tv.reason}`, [GUARD_RATE], {
          'retry-after': String(tv.retryAfterS),
        });
      if (texts.length) {
        const r = runScanners(
          'input',
          this.scanners.input,
          texts,
          this.scanners.inputWhole,
          p.limits.maxScanChars,
        );
        this.noteScans(ctx, r.scans, r.blocked);
        if (r.changed) {
          r.texts.forEach((t, i) => setAt(fields[i], t));
          forward = Buffer.from(JSON.stringify(body), 'utf8');
        }
      }
      if (this.detector && p.upstream.vectorPath) this.checkQueries(ctx, body, p.upstream.vectorPath);
    }
    await this.forward(req, res, ctx, search, forward, streamRequested, wantsJson);
  }

  private noteScans(ctx: Ctx, scans: AuditScan[], blocked: RuleMeta[]): void {
    for (const s of scans) this.metrics.hit(s.scanner, s.ruleId, s.action);
    ctx.scans.push(...scans);
    if (blocked.length)
      throw new HttpError(
        403,
        'block',
        `blocked by the guard: ${blocked.map((r) => `${r.id} ${r.name}`).join(', ')}`,
        blocked,
      );
  }

  private checkQueries(ctx: Ctx, body: unknown, path: PathSegment[]): void {
    const hit = selectAll(body, path)[0];
    if (!hit) return;
    const v = hit.value;
    const rows: unknown[] = Array.isArray(v) && v.length > 0 && Array.isArray(v[0]) ? v.slice(0, 1024) : [v];
    let last: QueryVerdict | undefined;
    for (const row of rows) {
      if (!Array.isArray(row) || !row.every((x) => typeof x === 'number'))
        throw new HttpError(
          400,
          'bad-request',
          'the input vector must be an array of numbers (or of such arrays)',
        );
      try {
        last = this.detector!.observe(ctx.client!.id, row as number[]);
      } catch (err) {
        throw new HttpError(400, 'bad-request', (err as Error).message);
      }
    }
    if (!last) return;
    ctx.extraction = { ...last };
    const rules: RuleMeta[] = [];
    if (last.prada?.flagged) rules.push(GUARD_EXTRACTION);
    if (last.blacklight?.flagged) rules.push(GUARD_EVASION);
    if (!rules.length) return;
    const mode = this.policy.extraction!.mode;
    const scans: AuditScan[] = rules.map((r) => ({
      scanner: r === GUARD_EXTRACTION ? 'prada' : 'blacklight',
      ruleId: r.id,
      kind: r.name,
      action: mode,
      stage: 'extraction',
      count: 1,
    }));
    this.noteScans(ctx, scans, mode === 'block' ? rules : []);
  }

  private forward(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    ctx: Ctx,
    search: string,
    body: Buffer,
    streamRequested: boolean,
    wantsJson: boolean,
  ): Promise<void> {
    const p = this.policy;
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k) && v !== undefined) headers[k] = v;
    Object.assign(headers, p.upstream.headers);
    headers['content-length'] = body.length;
    headers['x-request-id'] = ctx.id;
    const base = p.upstream.url;
    const basePath = base.pathname.replace(/\/$/, '');
    const lib = base.protocol === 'https:' ? https : http;
    const t1 = process.hrtime.bigint();
    return new Promise<void>((resolve, reject) => {
      // Before the upstream answers, request errors settle the promise; after that only the relay does (it writes
      // the audit record itself, exactly once).
      let responded = false;
      let settled = false;
      const fail = (e: HttpError) => {
        if (responded || settled) return;
        settled = true;
        reject(e);
      };
      const upReq = lib.request(
        {
          protocol: base.protocol,
          hostname: base.hostname,
          port: base.port,
          method: req.method,
          path: `${basePath}${ctx.route === 'other' ? (req.url ?? '/').split('?')[0] : ctx.route}${search}`,
          headers,
          agent: this.agent,
          timeout: p.upstream.timeoutMs,
        },
        (upRes) => {
          responded = true;
          ctx.upstreamStatus = upRes.statusCode ?? 502;
          const ct = String(upRes.headers['content-type'] ?? '');
          const relay =
            ct.startsWith('text/event-stream') && (streamRequested || p.upstream.kind === 'openai')
              ? ((ctx.stream = true), this.relayStream(upRes, upReq, res, ctx, t1))
              : this.relayBuffered(upRes, res, ctx, t1, wantsJson);
          relay.then(resolve, reject);
        },
      );
      upReq.on('timeout', () => {
        upReq.destroy();
        fail(
          new HttpError(504, 'upstream-error', `upstream did not answer within ${p.upstream.timeoutMs} ms`),
        );
      });
      upReq.on('error', (err: NodeJS.ErrnoException) => {
        fail(new HttpError(502, 'upstream-error', `upstream request failed (${err.code ?? 'error'})`));
      });
      res.on('close', () => {
        if (!res.writableFinished) upReq.destroy();
      });
      upReq.end(body);
    });
  }

  private relayBuffered(
    upRes: http.IncomingMessage,
    res: http.ServerResponse,
    ctx: Ctx,
    t1: bigint,
    wantsJson: boolean,
  ): Promise<void> {
    const p = this.policy;
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      upRes.on('data', (c: Buffer) => {
        size += c.length;
        if (size > p.upstream.maxResponseBytes) {
          upRes.destroy();
          reject(
            new HttpError(
              502,
              'upstream-error',
              `upstream response over ${p.upstream.maxResponseBytes} bytes`,
            ),
          );
          return;
        }
        chunks.push(c);
      });
      const cut = () => reject(new HttpError(502, 'upstream-error', 'upstream response was cut off'));
      upRes.on('error', cut);
      upRes.on('close', () => {
        if (!upRes.complete) cut();
      });
      upRes.on('end', () => {
        try {
          ctx.upstreamMs = ms(t1);
          this.metrics.upstreamLatency.observe(ctx.upstreamMs / 1000);
          let out: Buffer = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
          const status = upRes.statusCode ?? 502;
          let decision: Decision = ctx.scans.some((s) => s.action === 'redact') ? 'redact' : 'allow';
          const ct = String(upRes.headers['content-type'] ?? '');
          if (status >= 200 && status < 300 && (ct.includes('json') || ct === '')) {
            const r = this.scanOutput(out, ctx, wantsJson);
            if (r.body) {
              out = r.body;
              decision = 'redact';
            }
          }
          const headers: http.OutgoingHttpHeaders = {};
          for (const [k, v] of Object.entries(upRes.headers))
            if (!HOP.has(k) && v !== undefined) headers[k] = v;
          headers['content-length'] = out.length;
          this.writeAudit(ctx, status, decision, []);
          res.writeHead(status, headers);
          res.end(out);
          resolve();
        } catch (err) {
          reject(err);
        }
      });
    });
  }

  /** Scans a buffered response body; returns a new body when something was redacted. Throws HttpError on block. */
  private scanOutput(raw: Buffer, ctx: Ctx, wantsJson: boolean): { body?: Buffer } {
    const p = this.policy;
    if (!this.scanners.output.length && !(this.scanners.json && wantsJson) && !p.audit.logPayloads) {
      ctx.output = { sha256: sha256(raw), chars: raw.length };
      return {};
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new HttpError(502, 'upstream-error', 'upstream returned invalid JSON');
    }
    const fields = this.textHits(parsed, p.upstream.responsePaths);
    const texts = fields.map((f) => f.value as string);
    const joined = texts.join('\n');
    ctx.output = { sha256: sha256(joined), chars: joined.length };
    if (p.audit.logPayloads) ctx.output.text = joined;
    const scanners = [...this.scanners.output];
    if (this.scanners.json && wantsJson) scanners.push(this.scanners.json);
    const r = runScanners('output', scanners, texts, [], p.limits.maxScanChars);
    this.noteScans(ctx, r.scans, r.blocked);
    if (!r.changed) return {};
    r.texts.forEach((t, i) => setAt(fields[i], t));
    return { body: Buffer.from(JSON.stringify(parsed), 'utf8') };
  }

  /**
   * Relays an SSE stream event by event. Output scanners run on each delta together with the preceding
   * STREAM_WINDOW characters; a block decision ends the stream with an `event: error` (chunks already sent cannot be
   * recalled), a redact decision rewrites spans that lie inside the current delta (a span that started in an earlier,
   * already-sent delta is only logged).
   */
  private relayStream(
    upRes: http.IncomingMessage,
    upReq: http.ClientRequest,
    res: http.ServerResponse,
    ctx: Ctx,
    t1: bigint,
  ): Promise<void> {
    const p = this.policy;
    const scanners = this.scanners.output;
    const status = upRes.statusCode ?? 200;
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(upRes.headers)) if (!HOP.has(k) && v !== undefined) headers[k] = v;
    res.writeHead(status, headers);
    res.flushHeaders();
    let acc = '';
    let pending = '';
    let redacted = false;
    let size = 0;
    const hasher = createHash('sha256');
    const seen = new Map<string, AuditScan>();
    const note = (sc: TextScanner, h: ScanHit, action: 'block' | 'redact' | 'log') => {
      const k = `${sc.name}\u0000${h.rule.id}\u0000${h.kind}\u0000${action}`;
      const e = seen.get(k);
      if (e) e.count++;
      else {
        const rec: AuditScan = {
          scanner: sc.name,
          ruleId: h.rule.id,
          kind: h.kind,
          action,
          stage: 'output',
          count: 1,
        };
        seen.set(k, rec);
        this.metrics.hit(sc.name, h.rule.id, action);
      }
    };
    return new Promise((resolve, reject) => {
      let finished = false;
      const end = (decision: Decision, rules: RuleMeta[], tail?: string) => {
        if (finished) return;
        finished = true;
        ctx.upstreamMs = ms(t1);
        this.metrics.upstreamLatency.observe(ctx.upstreamMs / 1000);
        ctx.scans.push(...seen.values());
        ctx.output = { sha256: hasher.digest('hex'), chars: acc.length };
        this.writeAudit(ctx, status, decision, rules);
        if (tail) res.write(tail);
        res.end();
        resolve();
      };
      const handleEvent = (ev: string): string | { block: RuleMeta[] } => {
        const lines = ev.split(/\r?\n/);
        const dataIdx = lines.findIndex((l) => l.startsWith('data:'));
        if (dataIdx < 0) return ev;
        const data = lines
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).replace(/^ /, ''))
          .join('\n');
        if (data === '[DONE]' || !scanners.length) {
          if (data !== '[DONE]') this.collectDelta(data, (t) => ((acc += t), hasher.update(t)));
          return ev;
        }
        let obj: unknown;
        try {
          obj = JSON.parse(data);
        } catch {
          return ev;
        }
        const fields = this.textHits(obj, p.upstream.streamPaths);
        let changed = false;
        for (const f of fields) {
          const delta = f.value as string;
          const prevLen = acc.length;
          const windowStart = Math.max(0, prevLen - STREAM_WINDOW);
          const text = acc.slice(windowStart) + delta;
          const offset = prevLen - windowStart;
          let newDelta = delta;
          const block: RuleMeta[] = [];
          for (const sc of scanners) {
            const hits = sc.scan(text).filter((h) => h.end === undefined || h.end > offset);
            if (!hits.length) continue;
            if (sc.mode === 'block') {
              for (const h of hits) {
                note(sc, h, 'block');
                if (!block.includes(h.rule)) block.push(h.rule);
              }
              continue;
            }
            if (sc.mode === 'redact') {
              const inside = hits
                .filter((h) => h.start !== undefined && h.start >= offset)
                .map((h) => ({ ...h, start: h.start! - offset, end: h.end! - offset }));
              for (const h of hits) note(sc, h, inside.some((x) => x.kind === h.kind) ? 'redact' : 'log');
              if (inside.length) newDelta = applyRedactions(newDelta, inside);
            } else for (const h of hits) note(sc, h, 'log');
          }
          acc += delta;
          hasher.update(delta);
          if (acc.length > 4 * STREAM_WINDOW) acc = acc.slice(-2 * STREAM_WINDOW);
          if (block.length) return { block };
          if (newDelta !== delta) {
            setAt(f, newDelta);
            changed = true;
            redacted = true;
          }
        }
        if (!changed) return ev;
        const rest = lines.filter((l) => !l.startsWith('data:'));
        return [...rest, `data: ${JSON.stringify(obj)}`].join('\n');
      };
      upRes.setEncoding('utf8');
      upRes.on('data', (chunk: string) => {
        if (finished) return;
        size += chunk.length;
        if (size > p.upstream.maxResponseBytes * 4) {
          upReq.destroy();
          end('upstream-error', [], sseError('upstream stream too long', 'upstream_error', ctx.id));
          return;
        }
        pending += chunk;
        let out = '';
        let idx: number;
        while ((idx = pending.search(/\r?\n\r?\n/)) >= 0) {
          const sep = /\r?\n\r?\n/.exec(pending.slice(idx))![0];
          const ev = pending.slice(0, idx);
          pending = pending.slice(idx + sep.length);
          const r = handleEvent(ev);
          if (typeof r !== 'string') {
            if (out) res.write(out);
            upReq.destroy();
            end(
              'block',
              r.block,
              sseError(
                `blocked by the guard: ${r.block.map((x) => `${x.id} ${x.name}`).join(', ')}`,
                'guard_block',
                ctx.id,
                r.block[0]?.id,
              ),
            );
            return;
          }
          out += `${r}\n\n`;
        }
        if (pending.length > 1024 * 1024) {
          upReq.destroy();
          end('upstream-error', [], sseError('upstream event too long', 'upstream_error', ctx.id));
          return;
        }
        if (out) res.write(out);
      });
      upRes.on('end', () => {
        if (pending) res.write(pending);
        end(redacted || ctx.scans.some((s) => s.action === 'redact') ? 'redact' : 'allow', []);
      });
      upRes.on('error', () =>
        end('upstream-error', [], sseError('upstream stream failed', 'upstream_error', ctx.id)),
      );
      upRes.on('close', () => {
        if (!upRes.complete)
          end('upstream-error', [], sseError('upstream stream was cut off', 'upstream_error', ctx.id));
      });
      upRes.on('aborted', () =>
        end('upstream-error', [], sseError('upstream stream aborted', 'upstream_error', ctx.id)),
      );
      res.on('close', () => {
        if (!finished) {
          upReq.destroy();
          end('error', [], undefined);
        }
      });
      void reject;
    });
  }

  private collectDelta(data: string, add: (t: string) => void): void {
    try {
      const obj = JSON.parse(data);
      for (const f of this.textHits(obj, this.policy.upstream.streamPaths)) add(f.value as string);
    } catch {
      // not JSON: nothing to collect
    }
  }

  // ------------------------------------------------------------------------------------------------ responses

  private writeAudit(ctx: Ctx, status: number, decision: Decision, rules: RuleMeta[], reason?: string): void {
    const latencyMs = Math.round(ms(ctx.t0) * 1000) / 1000;
    const rec: AuditRecord = {
      time: new Date().toISOString(),
      id: ctx.id,
      method: ctx.method,
      route: ctx.route,
      status,
      decision,
      latencyMs,
    };
    if (ctx.client) rec.client = ctx.client.id;
    if (rules.length) rec.rules = rules.map((r) => r.id);
    if (ctx.scans.length) rec.scans = ctx.scans;
    if (ctx.upstreamStatus !== undefined) rec.upstreamStatus = ctx.upstreamStatus;
    if (ctx.upstreamMs !== undefined) rec.upstreamMs = Math.round(ctx.upstreamMs * 1000) / 1000;
    if (ctx.stream) rec.stream = true;
    if (ctx.input) rec.input = ctx.input;
    if (ctx.output) rec.output = ctx.output;
    if (ctx.extraction) rec.extraction = ctx.extraction;
    if (reason) rec.reason = reason;
    this.audit.write(rec);
    this.metrics.auditRecords = this.audit.records;
    this.metrics.request(ctx.route, status, decision, latencyMs / 1000);
  }

  private finish(
    res: http.ServerResponse,
    ctx: Ctx,
    status: number,
    decision: Decision,
    body: unknown,
    rules: RuleMeta[],
    headers: Record<string, string> = {},
    reason?: string,
  ): void {
    if (res.headersSent) {
      this.writeAudit(ctx, status, decision, rules, reason);
      res.end();
      return;
    }
    this.writeAudit(ctx, status, decision, rules, reason);
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    this.send(res, status, body);
  }

  private send(res: http.ServerResponse, status: number, body: unknown): void {
    const s = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s) });
    res.end(s);
  }

  private internal(res: http.ServerResponse, err: unknown): void {
    this.log(`guard: internal error: ${(err as Error)?.message ?? String(err)}`);
    try {
      if (!res.headersSent)
        this.send(res, 500, { error: { type: 'guard_error', message: 'internal error' } });
      else res.destroy();
    } catch {
      res.destroy();
    }
  }
}

function sseError(message: string, type: string, id: string, code?: string): string {
  return `event: error\ndata: ${JSON.stringify({ error: { type, code: code ?? null, message, request_id: id } })}\n\n`;
}

/** Loads nothing: builds and starts a guard for an already-validated policy. */
export async function startGuard(policy: GuardPolicy, opts: GuardServerOptions = {}): Promise<GuardServer> {
  const g = new GuardServer(policy, opts);
  await g.start();
  return g;
}
