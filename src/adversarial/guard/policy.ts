/**
 * The guard's policy file (YAML), validated strictly: unknown keys, wrong types and out-of-range values are errors
 * of one line, `FILE:LINE: key.path problem; fix`, thrown as ConfigError (exit 3 from the CLI).
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { ConfigError } from '../../core/errors.js';
import { knownEntities } from '../../trust/privacy/pii.js';
import { parsePath, type PathSegment } from './jsonpath.js';
import { regexSafetyProblem } from './scanners/banned.js';
import { SCAN_MODES, type ScanMode } from './scanners/types.js';

export type UpstreamKind = 'openai' | 'json';

export interface ClientPolicy {
  id: string;
  /** SHA-256 of the client's key (32 bytes). */
  keyHash: Buffer;
  rateLimit?: { perMinute: number; burst: number; tokensPerMinute?: number };
  quota?: { perDay?: number; tokensPerDay?: number };
}

export interface GuardPolicy {
  /** The file it was read from (for messages). */
  file: string;
  listen: { host: string; port: number };
  upstream: {
    url: URL;
    kind: UpstreamKind;
    timeoutMs: number;
    maxConcurrent: number;
    queueLength: number;
    maxResponseBytes: number;
    headers: Record<string, string>;
    requestPaths: PathSegment[][];
    responsePaths: PathSegment[][];
    streamPaths: PathSegment[][];
    vectorPath?: PathSegment[];
  };
  limits: { maxBodyBytes: number; maxScanChars: number };
  clients: ClientPolicy[];
  input: {
    promptInjection?: { mode: ScanMode; decode: boolean };
    similarity?: { mode: ScanMode; threshold: number; phrases: string[] };
    invisibleText?: { mode: ScanMode };
    banned?: { mode: ScanMode; substrings: string[]; regexes: string[]; caseSensitive: boolean };
    tokenLimit?: { mode: ScanMode; maxTokens: number };
  };
  output: {
    pii?: { mode: ScanMode; entities?: string[]; minScore?: number; secrets: boolean };
    canary?: { mode: ScanMode; tokens: string[] };
    markdownExfil?: { mode: ScanMode; allowDomains: string[]; minQueryChars: number; minPathSegment: number };
    json?: { mode: ScanMode; always: boolean };
  };
  extraction?: {
    mode: 'block' | 'log';
    historySize: number;
    maxClients: number;
    prada: { enabled: boolean; minSamples: number; delta: number; testEvery: number };
    blacklight: {
      enabled: boolean;
      quantStep: number;
      windowSize: number;
      hashesKept: number;
      matchFraction: number;
      hitWindow: number;
      hitLimit: number;
    };
  };
  audit: { path: string; logPayloads: boolean; fsyncMs: number };
  metrics: { enabled: boolean };
}

const MAX_POLICY_BYTES = 1024 * 1024;

const OPENAI_REQUEST = ['messages[*].content', 'messages[*].content[*].text', 'prompt', 'input'];
const OPENAI_RESPONSE = ['choices[*].message.content', 'choices[*].text'];
const OPENAI_STREAM = ['choices[*].delta.content', 'choices[*].text'];

type Key = string | number;

class V {
  constructor(
    private readonly file: string,
    private readonly doc: Document,
    private readonly lc: LineCounter,
  ) {}

  line(path: readonly Key[]): string {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return `${this.file}:${this.lc.linePos(node.range[0]).line}`;
    }
    return this.file;
  }

  fail(path: readonly Key[], problem: string): never {
    const name = path.reduce<string>(
      (s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${k}` : k),
      '',
    );
    throw new ConfigError(`${this.line(path)}: ${name ? `${name} ` : ''}${problem}`);
  }

  obj(v: unknown, path: Key[], allowed: readonly string[]): Record<string, unknown> {
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      this.fail(path, 'must be a mapping of key: value lines');
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o))
      if (!allowed.includes(k))
        this.fail([...path, k], `is not a known key; allowed here: ${allowed.join(', ')}`);
    return o;
  }

  optObj(o: Record<string, unknown>, key: string, path: Key[], allowed: readonly string[]) {
    return o[key] === undefined || o[key] === null ? undefined : this.obj(o[key], [...path, key], allowed);
  }

  str(o: Record<string, unknown>, key: string, path: Key[], required = false): string | undefined {
    const v = o[key];
    if (v === undefined || v === null) {
      if (required) this.fail([...path, key], 'is required');
      return undefined;
    }
    if (typeof v !== 'string' || v === '') this.fail([...path, key], 'must be a non-empty string');
    return v;
  }

  int(
    o: Record<string, unknown>,
    key: string,
    path: Key[],
    def: number,
    min = 1,
    max = Number.MAX_SAFE_INTEGER,
  ): number {
    const v = o[key];
    if (v === undefined || v === null) return def;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      this.fail(
        [...path, key],
        min === 1 && max === Number.MAX_SAFE_INTEGER
          ? 'must be a positive integer'
          : `must be an integer from ${min} to ${max}`,
      );
    return v;
  }

  optInt(o: Record<string, unknown>, key: string, path: Key[]): number | undefined {
    return o[key] === undefined || o[key] === null ? undefined : this.int(o, key, path, 0);
  }

  num(o: Record<string, unknown>, key: string, path: Key[], def: number, min: number, max: number): number {
    const v = o[key];
    if (v === undefined || v === null) return def;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
      this.fail([...path, key], `must be a number from ${min} to ${max}`);
    return v;
  }

  bool(o: Record<string, unknown>, key: string, path: Key[], def: boolean): boolean {
    const v = o[key];
    if (v === undefined || v === null) return def;
    if (typeof v !== 'boolean') this.fail([...path, key], 'must be true or false');
    return v;
  }

  strList(o: Record<string, unknown>, key: string, path: Key[]): string[] {
    const v = o[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail([...path, key], 'must be a list of strings');
    return v.map((x, i) => {
      if (typeof x !== 'string' || x === '') this.fail([...path, key, i], 'must be a non-empty string');
      return x;
    });
  }

  mode(o: Record<string, unknown>, path: Key[], allowed: readonly ScanMode[], def: ScanMode): ScanMode {
    const v = o.mode;
    if (v === undefined || v === null) return def;
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
      this.fail(
        [...path, 'mode'],
        `must be one of ${allowed.join(', ')}${(SCAN_MODES as readonly string[]).includes(String(v)) ? ' (this scanner reports no spans, so it cannot redact)' : ''}`,
      );
    return v as ScanMode;
  }

  path(src: string | undefined, at: Key[]): PathSegment[] | undefined {
    if (src === undefined) return undefined;
    const p = parsePath(src);
    if (!p) this.fail(at, 'must be a JSON path such as messages[*].content or inputs');
    return p;
  }
}

/** Reads and validates a policy file. `env` supplies keyEnv / canary / upstream key variables. */
export async function loadPolicy(file: string, env: NodeJS.ProcessEnv = process.env): Promise<GuardPolicy> {
  let text: string;
  try {
    const st = await stat(file);
    if (!st.isFile())
      throw new ConfigError(`${file}: is not a regular file; pass a policy YAML file to --policy`);
    if (st.size > MAX_POLICY_BYTES)
      throw new ConfigError(`${file}: the policy is larger than 1 MiB; a guard policy is a few dozen lines`);
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(
      code === 'ENOENT'
        ? `policy file ${file} does not exist; check the --policy path`
        : `${file}: cannot read the policy (${code ?? String(err)}); check its permissions`,
    );
  }
  return parsePolicy(text, file, env);
}

/** Parses and validates policy text; `file` only appears in messages. */
export function parsePolicy(text: string, file: string, env: NodeJS.ProcessEnv = process.env): GuardPolicy {
  const lc = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, lineCounter: lc, prettyErrors: false });
  const e = doc.errors[0];
  if (e) {
    const line = e.linePos?.[0]?.line ?? (e.pos ? lc.linePos(e.pos[0]).line : undefined);
    throw new ConfigError(
      `${file}${line ? `:${line}` : ''}: invalid YAML: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}; fix the YAML syntax`,
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ConfigError(
      `${file}: invalid YAML: ${(err as Error).message.split('\n')[0]}; fix the YAML syntax`,
    );
  }
  const v: V = new V(file, doc, lc);
  if (data === null || data === undefined)
    v.fail([], 'is empty; it needs at least upstream, clients and audit');
  const top = v.obj(
    data,
    [],
    [
      'version',
      'listen',
      'upstream',
      'limits',
      'clients',
      'input',
      'output',
      'extraction',
      'audit',
      'metrics',
    ],
  );
  if (top.version !== undefined && top.version !== 1) v.fail(['version'], 'must be 1');

  // listen
  const listenObj = v.optObj(top, 'listen', [], ['host', 'port']) ?? {};
  const listen = {
    host: v.str(listenObj, 'host', ['listen']) ?? '127.0.0.1',
    port: v.int(listenObj, 'port', ['listen'], 8080, 0, 65535),
  };

  // upstream
  if (top.upstream === undefined || top.upstream === null)
    v.fail(['upstream'], 'is required (url and kind of the model endpoint)');
  const up = v.obj(
    top.upstream,
    ['upstream'],
    [
      'url',
      'kind',
      'timeoutMs',
      'maxConcurrent',
      'queueLength',
      'maxResponseBytes',
      'apiKeyEnv',
      'headers',
      'request',
      'response',
    ],
  );
  const urlText = v.str(up, 'url', ['upstream'], true)!;
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    v.fail(['upstream', 'url'], 'must be an absolute http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    v.fail(['upstream', 'url'], 'must use http or https');
  const kindRaw = up.kind ?? 'openai';
  if (kindRaw !== 'openai' && kindRaw !== 'json') v.fail(['upstream', 'kind'], 'must be openai or json');
  const kind: UpstreamKind = kindRaw;
  const headers: Record<string, string> = {};
  const hObj = v.optObj(up, 'headers', ['upstream'], Object.keys((up.headers as object) ?? {}));
  for (const [k, val] of Object.entries(hObj ?? {})) {
    if (!/^[A-Za-z0-9-]{1,64}$/.test(k) || typeof val !== 'string' || /[\r\n]/.test(val))
      v.fail(['upstream', 'headers', k], 'must be a header name with a one-line string value');
    headers[k.toLowerCase()] = val;
  }
  const apiKeyEnv = v.str(up, 'apiKeyEnv', ['upstream']);
  if (apiKeyEnv !== undefined) {
    const key = env[apiKeyEnv];
    if (!key)
      v.fail(['upstream', 'apiKeyEnv'], `names ${apiKeyEnv}, which is not set; export it before starting`);
    headers.authorization = `Bearer ${key}`;
  }
  const reqObj = v.optObj(up, 'request', ['upstream'], ['textPaths', 'vectorPath']) ?? {};
  const resObj = v.optObj(up, 'response', ['upstream'], ['textPaths']) ?? {};
  const paths = (o: Record<string, unknown>, at: Key[], def: string[]) => {
    const list = v.strList(o, 'textPaths', at);
    return (list.length ? list : def).map((p, i) => v.path(p, [...at, 'textPaths', i])!);
  };
  if (
    kind === 'json' &&
    v.strList(reqObj, 'textPaths', ['upstream', 'request']).length === 0 &&
    reqObj.vectorPath === undefined
  )
    v.fail(
      ['upstream', 'request'],
      'needs textPaths or vectorPath for kind json (where the prompt or input vector is)',
    );
  const upstream: GuardPolicy['upstream'] = {
    url,
    kind,
    timeoutMs: v.int(up, 'timeoutMs', ['upstream'], 60_000, 1, 3_600_000),
    maxConcurrent: v.int(up, 'maxConcurrent', ['upstream'], 256, 1, 100_000),
    queueLength: v.int(up, 'queueLength', ['upstream'], 1024, 0, 1_000_000),
    maxResponseBytes: v.int(up, 'maxResponseBytes', ['upstream'], 16 * 1024 * 1024, 1),
    headers,
    requestPaths: paths(reqObj, ['upstream', 'request'], kind === 'openai' ? OPENAI_REQUEST : []),
    responsePaths: paths(resObj, ['upstream', 'response'], kind === 'openai' ? OPENAI_RESPONSE : []),
    streamPaths: OPENAI_STREAM.map((p) => parsePath(p)!),
    vectorPath: v.path(v.str(reqObj, 'vectorPath', ['upstream', 'request']), [
      'upstream',
      'request',
      'vectorPath',
    ]),
  };
  if (kind === 'json' && upstream.responsePaths.length === 0 && top.output) {
    // Output scanners need to know where the text is.
    const out = top.output as Record<string, unknown>;
    if (out && Object.keys(out).length)
      v.fail(['upstream', 'response'], 'needs textPaths for kind json when output scanners are set');
  }

  // limits
  const lim = v.optObj(top, 'limits', [], ['maxBodyBytes', 'maxScanChars']) ?? {};
  const limits = {
    maxBodyBytes: v.int(lim, 'maxBodyBytes', ['limits'], 1024 * 1024, 1, 1024 * 1024 * 1024),
    maxScanChars: v.int(lim, 'maxScanChars', ['limits'], 100_000, 1),
  };

  // clients
  if (!Array.isArray(top.clients) || top.clients.length === 0)
    v.fail(['clients'], 'must list at least one client (id and keySha256 or keyEnv)');
  const ids = new Set<string>();
  const clients = (top.clients as unknown[]).map((c, i): ClientPolicy => {
    const at: Key[] = ['clients', i];
    const o = v.obj(c, at, ['id', 'keySha256', 'keyEnv', 'rateLimit', 'quota']);
    const id = v.str(o, 'id', at, true)!;
    if (!/^[\w.@-]{1,64}$/.test(id)) v.fail([...at, 'id'], 'must be 1-64 letters, digits, _ . @ or -');
    if (ids.has(id)) v.fail([...at, 'id'], `duplicates client ${id}; ids must be unique`);
    ids.add(id);
    const hex = v.str(o, 'keySha256', at);
    const keyEnv = v.str(o, 'keyEnv', at);
    if ((hex === undefined) === (keyEnv === undefined))
      v.fail(
        at,
        'needs exactly one of keySha256 (hex SHA-256 of the key) or keyEnv (variable holding the key)',
      );
    let keyHash: Buffer;
    if (hex !== undefined) {
      if (!/^(sha256:)?[0-9a-fA-F]{64}$/.test(hex))
        v.fail([...at, 'keySha256'], 'must be 64 hex digits (sha256sum of the key)');
      keyHash = Buffer.from(hex.replace(/^sha256:/, ''), 'hex');
    } else {
      const key = env[keyEnv!];
      if (!key) v.fail([...at, 'keyEnv'], `names ${keyEnv}, which is not set; export it before starting`);
      if (key.length < 16)
        v.fail(
          [...at, 'keyEnv'],
          `the key in ${keyEnv} is shorter than 16 characters; use a longer random key`,
        );
      keyHash = createHash('sha256').update(key).digest();
    }
    const client: ClientPolicy = { id, keyHash };
    const rl = v.optObj(o, 'rateLimit', at, ['perMinute', 'burst', 'tokensPerMinute']);
    if (rl) {
      const rat = [...at, 'rateLimit'];
      if (rl.perMinute === undefined) v.fail([...rat, 'perMinute'], 'is required when rateLimit is set');
      const perMinute = v.int(rl, 'perMinute', rat, 0);
      client.rateLimit = { perMinute, burst: v.int(rl, 'burst', rat, Math.max(1, Math.ceil(perMinute / 6))) };
      const tpm = v.optInt(rl, 'tokensPerMinute', rat);
      if (tpm !== undefined) client.rateLimit.tokensPerMinute = tpm;
    }
    const q = v.optObj(o, 'quota', at, ['perDay', 'tokensPerDay']);
    if (q) {
      client.quota = {};
      const pd = v.optInt(q, 'perDay', [...at, 'quota']);
      const td = v.optInt(q, 'tokensPerDay', [...at, 'quota']);
      if (pd !== undefined) client.quota.perDay = pd;
      if (td !== undefined) client.quota.tokensPerDay = td;
    }
    return client;
  });
  const hashes = new Set(clients.map((c) => c.keyHash.toString('hex')));
  if (hashes.size !== clients.length)
    v.fail(['clients'], 'two clients have the same key; give each client its own key');

  // input scanners
  const inObj =
    v.optObj(top, 'input', [], ['promptInjection', 'similarity', 'invisibleText', 'banned', 'tokenLimit']) ??
    {};
  const input: GuardPolicy['input'] = {};
  const BL: ScanMode[] = ['block', 'log'];
  {
    const o = v.optObj(inObj, 'promptInjection', ['input'], ['mode', 'decode']);
    const at = ['input', 'promptInjection'];
    if (o)
      input.promptInjection = { mode: v.mode(o, at, BL, 'block'), decode: v.bool(o, 'decode', at, true) };
  }
  {
    const at = ['input', 'similarity'];
    const o = v.optObj(inObj, 'similarity', ['input'], ['mode', 'threshold', 'phrases']);
    if (o)
      input.similarity = {
        mode: v.mode(o, at, BL, 'block'),
        threshold: v.num(o, 'threshold', at, 0.6, 0.05, 1),
        phrases: v.strList(o, 'phrases', at),
      };
  }
  {
    const o = v.optObj(inObj, 'invisibleText', ['input'], ['mode']);
    if (o) input.invisibleText = { mode: v.mode(o, ['input', 'invisibleText'], SCAN_MODES, 'redact') };
  }
  {
    const at = ['input', 'banned'];
    const o = v.optObj(inObj, 'banned', ['input'], ['mode', 'substrings', 'regexes', 'caseSensitive']);
    if (o) {
      const regexes = v.strList(o, 'regexes', at);
      regexes.forEach((src, i) => {
        const problem = regexSafetyProblem(src);
        if (problem)
          v.fail(
            [...at, 'regexes', i],
            `${problem}; rewrite it without nested or repeated quantified groups`,
          );
        try {
          new RegExp(src, 'u');
        } catch (err) {
          v.fail([...at, 'regexes', i], `is not a valid regular expression (${(err as Error).message})`);
        }
      });
      input.banned = {
        mode: v.mode(o, at, SCAN_MODES, 'block'),
        substrings: v.strList(o, 'substrings', at),
        regexes,
        caseSensitive: v.bool(o, 'caseSensitive', at, false),
      };
      if (!input.banned.substrings.length && !regexes.length) v.fail(at, 'needs substrings or regexes');
    }
  }
  {
    const at = ['input', 'tokenLimit'];
    const o = v.optObj(inObj, 'tokenLimit', ['input'], ['mode', 'maxTokens']);
    if (o) {
      if (o.maxTokens === undefined) v.fail([...at, 'maxTokens'], 'is required');
      input.tokenLimit = { mode: v.mode(o, at, BL, 'block'), maxTokens: v.int(o, 'maxTokens', at, 0) };
    }
  }

  // output scanners
  const outObj = v.optObj(top, 'output', [], ['pii', 'canary', 'markdownExfil', 'json']) ?? {};
  const output: GuardPolicy['output'] = {};
  {
    const at = ['output', 'pii'];
    const o = v.optObj(outObj, 'pii', ['output'], ['mode', 'entities', 'minScore', 'secrets']);
    if (o) {
      const entities = v.strList(o, 'entities', at);
      const known = new Set(knownEntities());
      entities.forEach((e, i) => {
        if (!known.has(e.toUpperCase()))
          v.fail(
            [...at, 'entities', i],
            `is not a known entity type; known: ${[...known].sort().join(', ')}`,
          );
      });
      output.pii = { mode: v.mode(o, at, SCAN_MODES, 'redact'), secrets: v.bool(o, 'secrets', at, true) };
      if (entities.length) output.pii.entities = entities;
      if (o.minScore !== undefined) output.pii.minScore = v.num(o, 'minScore', at, 0.5, 0, 1);
    }
  }
  {
    const at = ['output', 'canary'];
    const o = v.optObj(outObj, 'canary', ['output'], ['mode', 'tokens', 'tokensEnv']);
    if (o) {
      const tokens = v.strList(o, 'tokens', at);
      for (const [i, name] of v.strList(o, 'tokensEnv', at).entries()) {
        const val = env[name];
        if (!val)
          v.fail([...at, 'tokensEnv', i], `names ${name}, which is not set; export it before starting`);
        tokens.push(val);
      }
      tokens.forEach((t, i) => {
        if (t.length < 6)
          v.fail([...at, 'tokens', i], 'must be at least 6 characters (short canaries match by chance)');
      });
      if (!tokens.length) v.fail(at, 'needs tokens or tokensEnv');
      output.canary = { mode: v.mode(o, at, SCAN_MODES, 'block'), tokens };
    }
  }
  {
    const at = ['output', 'markdownExfil'];
    const o = v.optObj(
      outObj,
      'markdownExfil',
      ['output'],
      ['mode', 'allowDomains', 'minQueryChars', 'minPathSegment'],
    );
    if (o)
      output.markdownExfil = {
        mode: v.mode(o, at, SCAN_MODES, 'redact'),
        allowDomains: v.strList(o, 'allowDomains', at),
        minQueryChars: v.int(o, 'minQueryChars', at, 8),
        minPathSegment: v.int(o, 'minPathSegment', at, 32),
      };
  }
  {
    const at = ['output', 'json'];
    const o = v.optObj(outObj, 'json', ['output'], ['mode', 'always']);
    if (o) output.json = { mode: v.mode(o, at, BL, 'block'), always: v.bool(o, 'always', at, false) };
  }

  // extraction
  let extraction: GuardPolicy['extraction'];
  const ex = v.optObj(top, 'extraction', [], ['mode', 'historySize', 'maxClients', 'prada', 'blacklight']);
  if (ex) {
    if (!upstream.vectorPath)
      v.fail(
        ['extraction'],
        'needs upstream.request.vectorPath (where the numeric input vector is in a request)',
      );
    const modeRaw = ex.mode ?? 'log';
    if (modeRaw !== 'block' && modeRaw !== 'log') v.fail(['extraction', 'mode'], 'must be block or log');
    const mode: 'block' | 'log' = modeRaw;
    const pr = v.optObj(ex, 'prada', ['extraction'], ['enabled', 'minSamples', 'delta', 'testEvery']) ?? {};
    const bl =
      v.optObj(
        ex,
        'blacklight',
        ['extraction'],
        ['enabled', 'quantStep', 'windowSize', 'hashesKept', 'matchFraction', 'hitWindow', 'hitLimit'],
      ) ?? {};
    const pa = ['extraction', 'prada'];
    const ba = ['extraction', 'blacklight'];
    const exOut: NonNullable<GuardPolicy['extraction']> = {
      mode,
      historySize: v.int(ex, 'historySize', ['extraction'], 1000, 10, 100_000),
      maxClients: v.int(ex, 'maxClients', ['extraction'], 10_000, 1, 1_000_000),
      prada: {
        enabled: v.bool(pr, 'enabled', pa, true),
        minSamples: v.int(pr, 'minSamples', pa, 100, 20, 5000),
        delta: v.num(pr, 'delta', pa, 0.9, 0.01, 1),
        testEvery: v.int(pr, 'testEvery', pa, 10, 1, 100_000),
      },
      blacklight: {
        enabled: v.bool(bl, 'enabled', ba, true),
        quantStep: v.num(bl, 'quantStep', ba, 0.05, 1e-9, 1e9),
        windowSize: v.int(bl, 'windowSize', ba, 4, 1, 4096),
        hashesKept: v.int(bl, 'hashesKept', ba, 50, 1, 10_000),
        matchFraction: v.num(bl, 'matchFraction', ba, 0.9, 0.01, 1),
        hitWindow: v.int(bl, 'hitWindow', ba, 100, 1, 100_000),
        hitLimit: v.int(bl, 'hitLimit', ba, 50, 1, 100_000),
      },
    };
    if (exOut.blacklight.hitLimit > exOut.blacklight.hitWindow)
      v.fail([...ba, 'hitLimit'], 'must not exceed hitWindow');
    extraction = exOut;
  }

  // audit, metrics
  if (top.audit === undefined || top.audit === null)
    v.fail(['audit'], 'is required (audit.path: where the JSON-lines audit log goes)');
  const au = v.obj(top.audit, ['audit'], ['path', 'logPayloads', 'fsyncMs']);
  const audit = {
    path: v.str(au, 'path', ['audit'], true)!,
    logPayloads: v.bool(au, 'logPayloads', ['audit'], false),
    fsyncMs: v.int(au, 'fsyncMs', ['audit'], 1000, 0, 3_600_000),
  };
  const me = v.optObj(top, 'metrics', [], ['enabled']) ?? {};
  const metrics = { enabled: v.bool(me, 'enabled', ['metrics'], true) };

  const policy: GuardPolicy = { file, listen, upstream, limits, clients, input, output, audit, metrics };
  if (extraction) policy.extraction = extraction;
  return policy;
}

/** SHA-256 hex of a key, for writing `keySha256` into a policy. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
