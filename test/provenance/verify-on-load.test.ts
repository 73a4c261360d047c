import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VerificationError } from '../../src/core/errors.js';
import { bundleToJson, signModel } from '../../src/provenance/oms/sign-model.js';
import { createKeySigner, createKeyVerifier } from '../../src/provenance/signing/key.js';
import {
  defaultSignaturePath,
  verifyBeforeLoad,
  type LoadVerification,
} from '../../src/provenance/verify-on-load.js';
import { cleanupTmp, ecKeyPair, makeModel } from './sign-helpers.js';

afterAll(cleanupTmp);

const { privatePem, publicPem } = ecKeyPair('P-384');
const signer = createKeySigner(privatePem);
const verifier = createKeyVerifier(publicPem);

async function signedModel(): Promise<string> {
  const model = makeModel({ 'weights.bin': 'w', 'config.json': '{}' });
  const sig = path.join(model, 'model.sig');
  writeFileSync(sig, bundleToJson((await signModel(model, signer, { signaturePath: sig })).bundle));
  return model;
}

function collector() {
  const calls: [string, LoadVerification][] = [];
  return { calls, onWarn: (m: string, r: LoadVerification) => void calls.push([m, r]) };
}

describe('verifyBeforeLoad', () => {
  it('verified model: both policies resolve, no warning, no findings', async () => {
    const model = await signedModel();
    for (const policy of ['warn', 'enforce'] as const) {
      const w = collector();
      const r = await verifyBeforeLoad(model, { verifier, policy, onWarn: w.onWarn });
      expect(r.status).toBe('verified');
      expect(r.verification?.files).toBe(2);
      expect(r.signaturePath).toBe(path.join(model, 'model.sig'));
      expect(r.findings).toEqual([]);
      expect(w.calls).toEqual([]);
    }
  });

  it('tampered model: warn resolves with the failure and calls onWarn once; enforce throws tampered-file', async () => {
    const model = await signedModel();
    appendFileSync(path.join(model, 'weights.bin'), 'evil');
    const w = collector();
    const r = await verifyBeforeLoad(model, { verifier, policy: 'warn', onWarn: w.onWarn });
    expect(r.status).toBe('failed');
    expect(r.reason).toBe('tampered-file');
    expect(r.findings.map((f) => f.ruleId)).toEqual(['BW-PROV-002']);
    expect(w.calls).toHaveLength(1);
    expect(w.calls[0][0]).toMatch(/weights\.bin/);
    const err = await verifyBeforeLoad(model, { verifier, policy: 'enforce' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerificationError);
    expect((err as VerificationError).reason).toBe('tampered-file');
  });

  it('unsigned model: warn reports BW-PROV-001; enforce throws reason "unsigned"', async () => {
    const model = makeModel({ 'weights.bin': 'w' });
    const w = collector();
    const r = await verifyBeforeLoad(model, { verifier, policy: 'warn', onWarn: w.onWarn });
    expect(r.status).toBe('unsigned');
    expect(r.findings.map((f) => f.ruleId)).toEqual(['BW-PROV-001']);
    expect(w.calls[0][0]).toMatch(/unsigned/);
    const err = (await verifyBeforeLoad(model, { verifier, policy: 'enforce' }).catch(
      (e: unknown) => e,
    )) as VerificationError;
    expect(err).toBeInstanceOf(VerificationError);
    expect(err.reason).toBe('unsigned');
  });

  it('wrong key and malformed signature: enforce throws the precise reason', async () => {
    const model = await signedModel();
    const other = createKeyVerifier(ecKeyPair('P-384').publicPem);
    expect(
      (
        (await verifyBeforeLoad(model, { verifier: other, policy: 'enforce' }).catch(
          (e: unknown) => e,
        )) as VerificationError
      ).reason,
    ).toBe('wrong-key');
    writeFileSync(path.join(model, 'model.sig'), '{"truncated": ');
    const w = collector();
    const r = await verifyBeforeLoad(model, { verifier, policy: 'warn', onWarn: w.onWarn });
    expect(r.reason).toBe('malformed-bundle');
    expect(r.findings.map((f) => f.ruleId)).toEqual(['BW-PROV-004']);
  });

  it('a single-file model uses FILE.sig by default; an explicit signature path is honoured', async () => {
    const dir = makeModel({ 'm.safetensors': 'tensor' });
    const file = path.join(dir, 'm.safetensors');
    expect(await defaultSignaturePath(file)).toBe(`${file}.sig`);
    const b = bundleToJson((await signModel(file, signer)).bundle);
    writeFileSync(`${file}.sig`, b);
    expect((await verifyBeforeLoad(file, { verifier, policy: 'enforce' })).status).toBe('verified');
    const elsewhere = path.join(makeModel({}), 'sig.json');
    writeFileSync(elsewhere, b);
    const r = await verifyBeforeLoad(file, { verifier, policy: 'enforce', signature: elsewhere });
    expect(r.signaturePath).toBe(elsewhere);
  });

  it('warn without onWarn emits a process warning', async () => {
    const model = makeModel({ a: 'A' });
    const seen: string[] = [];
    const listener = (w: Error) => seen.push(w.message);
    process.on('warning', listener);
    try {
      await verifyBeforeLoad(model, { verifier, policy: 'warn' });
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', listener);
    }
    expect(seen.some((m) => /unsigned/.test(m))).toBe(true);
  });

  it('rejects an unknown policy', async () => {
    await expect(verifyBeforeLoad('.', { verifier, policy: 'off' as never })).rejects.toThrow(
      /warn" or "enforce/,
    );
  });
});
