import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { hashKey, loadPolicy, parsePolicy } from '../../src/adversarial/guard/policy.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KEY_HASH = hashKey('test-key-0123456789');

const BASE = `version: 1
upstream:
  url: http://127.0.0.1:9000
  kind: openai
clients:
  - id: alice
    keySha256: ${KEY_HASH}
    rateLimit:
      perMinute: 60
audit:
  path: /tmp/audit.jsonl
`;

function err(text: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    parsePolicy(text, 'policy.yaml', env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    const msg = (e as Error).message;
    expect(msg).not.toContain('\n');
    return msg;
  }
  throw new Error('expected a ConfigError');
}

describe('guard policy', () => {
  it('parses a minimal policy with defaults', () => {
    const p = parsePolicy(BASE, 'policy.yaml', {});
    expect(p.listen).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(p.upstream.kind).toBe('openai');
    expect(p.upstream.maxConcurrent).toBe(256);
    expect(p.clients[0].id).toBe('alice');
    expect(p.clients[0].keyHash.toString('hex')).toBe(KEY_HASH);
    expect(p.clients[0].rateLimit).toEqual({ perMinute: 60, burst: 10 });
    expect(p.upstream.requestPaths.length).toBeGreaterThan(0);
    expect(p.audit).toEqual({ path: '/tmp/audit.jsonl', logPayloads: false, fsyncMs: 1000 });
  });

  it('parses the example policy', async () => {
    const p = await loadPolicy(path.join(ROOT, 'examples', 'guard-policy.yaml'), {
      BATCH_JOBS_KEY: 'batch-key-0123456789abcdef',
    });
    expect(p.clients.map((c) => c.id)).toEqual(['web-frontend', 'batch-jobs']);
    expect(p.input.promptInjection?.mode).toBe('block');
    expect(p.output.pii?.mode).toBe('redact');
    expect(p.clients[1].keyHash.toString('hex')).toBe(hashKey('batch-key-0123456789abcdef'));
  });

  it('reports the line and key of a bad value', () => {
    expect(err(BASE.replace('perMinute: 60', 'perMinute: -5'))).toBe(
      'policy.yaml:9: clients[0].rateLimit.perMinute must be a positive integer',
    );
    expect(err(BASE.replace('kind: openai', 'kind: grpc'))).toBe(
      'policy.yaml:4: upstream.kind must be openai or json',
    );
    expect(err(`${BASE}input:\n  promptInjection: { mode: redact }\n`)).toMatch(
      /^policy\.yaml:13: input\.promptInjection\.mode must be one of block, log \(this scanner reports no spans/,
    );
    expect(err(`${BASE}input:\n  banned:\n    regexes: ['(a+)+$']\n`)).toMatch(
      /^policy\.yaml:14: input\.banned\.regexes\[0\] has a nested quantifier/,
    );
    expect(err(`${BASE}input:\n  banned:\n    regexes: ['(unclosed']\n`)).toMatch(
      /is not a valid regular expression/,
    );
    expect(err(`${BASE}outptu: {}\n`)).toMatch(
      /^policy\.yaml:12: outptu is not a known key; allowed here: version, listen/,
    );
    expect(err(BASE.replace(KEY_HASH, 'abc'))).toBe(
      'policy.yaml:7: clients[0].keySha256 must be 64 hex digits (sha256sum of the key)',
    );
  });

  it('rejects missing sections, env vars and duplicates', () => {
    expect(err(BASE.replace(/audit:\n.*\n$/, ''))).toMatch(/audit is required/);
    expect(err('')).toMatch(/is empty/);
    expect(err('upstream: [1\n')).toMatch(/^policy\.yaml:\d+: invalid YAML/);
    expect(err(BASE.replace(`keySha256: ${KEY_HASH}`, 'keyEnv: NOPE'))).toMatch(
      /clients\[0\]\.keyEnv names NOPE, which is not set/,
    );
    const dup = BASE.replace(
      'audit:',
      `  - id: alice\n    keySha256: ${hashKey('another-key-0123456')}\naudit:`,
    );
    expect(err(dup)).toMatch(/clients\[1\]\.id duplicates client alice/);
    const sameKey = BASE.replace('audit:', `  - id: bob\n    keySha256: ${KEY_HASH}\naudit:`);
    expect(err(sameKey)).toMatch(/two clients have the same key/);
    expect(err(`${BASE}extraction: { mode: block }\n`)).toMatch(
      /extraction needs upstream\.request\.vectorPath/,
    );
    expect(err(`${BASE}output:\n  canary: { tokens: [abc] }\n`)).toMatch(/at least 6 characters/);
    expect(err(BASE.replace('kind: openai', 'kind: json'))).toMatch(
      /upstream\.request needs textPaths or vectorPath/,
    );
  });

  it('reads keys and canaries from the environment', () => {
    const p = parsePolicy(
      `${BASE.replace(`keySha256: ${KEY_HASH}`, 'keyEnv: ALICE_KEY')}output:\n  canary: { tokensEnv: [CANARY] }\n`,
      'p.yaml',
      { ALICE_KEY: 'alice-key-0123456789', CANARY: 'canary-xyz-123' },
    );
    expect(p.clients[0].keyHash.toString('hex')).toBe(hashKey('alice-key-0123456789'));
    expect(p.output.canary?.tokens).toEqual(['canary-xyz-123']);
  });

  it('loads from a file and names missing files', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bw-guard-policy-'));
    const f = path.join(dir, 'p.yaml');
    await writeFile(f, BASE.replace('perMinute: 60', 'perMinute: 1.5'));
    await expect(loadPolicy(f, {})).rejects.toThrow(
      `${f}:9: clients[0].rateLimit.perMinute must be a positive integer`,
    );
    await expect(loadPolicy(path.join(dir, 'none.yaml'), {})).rejects.toThrow(/does not exist/);
  });
});
