import { generateKeyPairSync } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// Count the real hashing passes (the real function runs; only the calls are recorded).
const calls: string[] = [];
vi.mock('../../src/provenance/oms/parallel.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/provenance/oms/parallel.js')>();
  return {
    ...real,
    hashModel: (
      root: string,
      ...rest: Parameters<typeof real.hashModel> extends [string, ...infer R] ? R : never
    ) => {
      calls.push(root);
      return real.hashModel(root, ...rest);
    },
  };
});

const { audit } = await import('../../src/audit/audit.js');
const { hashModel } = await import('../../src/provenance/oms/parallel.js');
const { bundleToJson, signModel } = await import('../../src/provenance/oms/sign-model.js');
const { createKeySigner } = await import('../../src/provenance/signing/key.js');
const { ROOT } = await import('../cli/helpers.js');

let dir: string;
let pub: string;
let priv: string;

async function model(name: string): Promise<string> {
  const m = path.join(dir, name);
  await mkdir(m);
  await copyFile(
    path.join(ROOT, 'examples', 'models', 'churn_pipeline.joblib'),
    path.join(m, 'churn.joblib'),
  );
  await writeFile(path.join(m, 'notes.txt'), 'training notes\n');
  return m;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bulwark-audit-hash-'));
  const kp = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  pub = kp.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  priv = kp.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('audit of a signed model hashes it once', () => {
  it('reuses the verifier’s manifest when the signature used the default hashing parameters', async () => {
    const m = await model('signed');
    const sig = path.join(m, 'model.sig');
    await writeFile(
      sig,
      bundleToJson((await signModel(m, createKeySigner(priv), { signaturePath: sig })).bundle),
    );
    calls.length = 0;
    const { evidence } = await audit(m, { trust: { publicKey: pub } });
    expect(evidence.checks.find((c) => c.id === 'signature')?.status).toBe('pass');
    expect(calls).toEqual([m]); // one pass: the verifier's
    const independent = await hashModel(m, { ignorePaths: [sig] });
    expect(evidence.subject.rootDigest).toBe(independent.rootDigest);
    expect(evidence.subject.bytes).toBe(independent.bytes);
  });

  it('hashes again when the signer left files out, so the subject still covers every file', async () => {
    const m = await model('partial');
    const sig = path.join(m, 'model.sig');
    const signed = await signModel(m, createKeySigner(priv), {
      signaturePath: sig,
      ignorePaths: [path.join(m, 'notes.txt')],
    });
    await writeFile(sig, bundleToJson(signed.bundle));
    calls.length = 0;
    const { evidence } = await audit(m, { trust: { publicKey: pub } });
    expect(evidence.checks.find((c) => c.id === 'signature')?.status).toBe('pass');
    expect(calls).toEqual([m, m]);
    const all = await hashModel(m, { ignorePaths: [sig] });
    expect(evidence.subject.rootDigest).toBe(all.rootDigest);
    expect(evidence.subject.rootDigest).not.toBe(signed.manifest.rootDigest);
  });

  it('an unsigned model is hashed once, by the audit itself', async () => {
    const m = await model('unsigned');
    calls.length = 0;
    const { evidence } = await audit(m, {});
    expect(evidence.checks.find((c) => c.id === 'signature')?.status).toBe('skipped');
    expect(calls).toEqual([m]);
    expect(evidence.subject.rootDigest).toBe((await hashModel(m, {})).rootDigest);
  });
});
