import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from '../cli/helpers.js';
import { cleanupTmp, ecKeyPair, makeModel, tmpDir } from './sign-helpers.js';

afterAll(cleanupTmp);
beforeAll(async () => {
  await ensureBuilt();
}, 240_000);

describe('bulwark sign / verify (built CLI, child process)', () => {
  it('signs a 75 MB model (worker-thread hashing), verifies it, and fails with exit 1 on one changed byte', async () => {
    const keys = tmpDir('bw-e2e-keys-');
    const { privatePem, publicPem } = ecKeyPair('P-521');
    writeFileSync(path.join(keys, 'k.pem'), privatePem);
    writeFileSync(path.join(keys, 'k.pub'), publicPem);
    const shard = Buffer.alloc(25 * 1024 * 1024);
    for (let i = 0; i < shard.length; i += 4096) shard[i] = i % 251;
    const model = makeModel({
      'model-00001.safetensors': shard,
      'model-00002.safetensors': shard,
      'model-00003.safetensors': shard,
      'config.json': '{}',
    });

    const s = await runCli(['sign', 'key', model, '--private-key', 'k.pem', '--format', 'json'], {
      cwd: keys,
    });
    expect(s.stderr).toBe('');
    expect(s.code).toBe(0);
    expect(JSON.parse(s.stdout)).toMatchObject({ signed: true, files: 4, bytes: 3 * shard.length + 2 });
    expect(
      JSON.parse(readFileSync(path.join(model, 'model.sig'), 'utf8')).dsseEnvelope.signatures[0].keyid,
    ).toBe('');

    const v = await runCli(['verify', 'key', model, '--public-key', 'k.pub'], { cwd: keys });
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^Verified model: 4 files/);

    const f = path.join(model, 'model-00002.safetensors');
    const bytes = readFileSync(f);
    bytes[12_345_678] ^= 1;
    writeFileSync(f, bytes);
    const t = await runCli(['verify', 'key', model, '--public-key', 'k.pub'], { cwd: keys });
    expect(t.code).toBe(1);
    expect(t.stdout).toBe('');
    expect(t.stderr).toBe(
      'bulwark: verification failed (tampered-file): file "model-00002.safetensors" changed since signing (digest differs)\n',
    );
  }, 60_000);
});
