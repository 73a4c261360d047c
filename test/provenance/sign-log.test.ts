import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/program.js';
import { openLog } from '../../src/provenance/tlog/log.js';
import { fakeIo } from '../cli/fakes.js';

async function cli(args: string[], cwd: string) {
  const io = fakeIo(cwd);
  const code = await run(args, io);
  return { code, stdout: io.stdout.text, stderr: io.stderr.text };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bulwark-sign-log-'));
  await mkdir(path.join(dir, 'model'));
  await writeFile(path.join(dir, 'model', 'weights.bin'), Buffer.alloc(1024, 7));
  const kp = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await writeFile(path.join(dir, 'key.pem'), kp.privateKey.export({ type: 'pkcs8', format: 'pem' }));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('bulwark sign --log', () => {
  it('records the signing event with the root digest and bundle digest, and the log still verifies', async () => {
    expect((await cli(['log', 'init', 'tlog'], dir)).code).toBe(0);
    const signed = await cli(
      ['sign', 'key', 'model', '--private-key', 'key.pem', '--log', 'tlog', '-f', 'json'],
      dir,
    );
    expect(signed.code, signed.stderr).toBe(0);
    const out = JSON.parse(signed.stdout) as { rootDigest: string; logIndex: number; keyHint: string };
    expect(out.logIndex).toBe(0);
    const log = await openLog(path.join(dir, 'tlog'));
    const entry = log.entry(0).event;
    expect(entry.type).toBe('sign');
    expect(entry.subjectDigest).toBe(out.rootDigest);
    expect(entry.signer).toBe(out.keyHint);
    expect(entry.bundleDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await cli(['log', 'verify', 'tlog'], dir)).code).toBe(0);
    // Without an initialised log the signature is still written, but the command reports the log problem.
    const bad = await cli(['sign', 'key', 'model', '--private-key', 'key.pem', '--log', 'missing-log'], dir);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/^bulwark: error: /);
  });
});
