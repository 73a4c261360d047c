import { createHash } from 'node:crypto';
import { symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VerificationError } from '../../src/core/errors.js';
import type { SigstoreBundleJson } from '../../src/provenance/bundle.js';
import { signModel } from '../../src/provenance/oms/sign-model.js';
import { statementPayload } from '../../src/provenance/oms/statement.js';
import { effectiveSignedIgnores, verifyModel } from '../../src/provenance/oms/verify-model.js';
import { createKeySigner, createKeyVerifier } from '../../src/provenance/signing/key.js';
import { cleanupTmp, ecKeyPair, makeModel } from './sign-helpers.js';
import {
  PROV_BAD_SIGNATURE,
  PROV_FILES_MISMATCH,
  PROV_MALFORMED,
  PROV_UNSIGNED,
  ruleForReason,
  verificationFindings,
} from '../../src/provenance/rules.js';
import { getRule } from '../../src/core/rules.js';

afterAll(cleanupTmp);

const { privatePem, publicPem } = ecKeyPair('P-256');
const signer = createKeySigner(privatePem);
const verifier = createKeyVerifier(publicPem);
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const root = (digests: string[]) =>
  createHash('sha256')
    .update(Buffer.concat(digests.map((d) => Buffer.from(d, 'hex'))))
    .digest('hex');

type Res = { name: string; algorithm: string; digest: string };
function statement(
  resources: Res[],
  serialization: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'model', digest: { sha256: root(resources.map((r) => r.digest)) } }],
    predicateType: 'https://model_signing/signature/v1.0',
    predicate: { resources: resources.map((r) => ({ ...r })), serialization },
    ...extra,
  };
}
const FILES_SER = { method: 'files', hash_type: 'sha256', allow_symlinks: false, ignore_paths: [] };

async function signed(
  st: unknown,
  payloadType = 'application/vnd.in-toto+json',
): Promise<SigstoreBundleJson> {
  return signer.sign(payloadType, statementPayload(st as never));
}

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof VerificationError) return err.reason;
    throw err;
  }
  return 'verified';
}

describe('tolerance matrix', () => {
  it('keyid "", null or absent all verify (keyid is not signed)', async () => {
    const model = makeModel({ a: 'A' });
    const b = (await signModel(model, signer)).bundle;
    for (const keyid of ['', null, undefined]) {
      const copy = structuredClone(b);
      if (keyid === undefined) delete copy.dsseEnvelope.signatures[0].keyid;
      else copy.dsseEnvelope.signatures[0].keyid = keyid;
      expect((await verifyModel(model, copy, verifier)).verified).toBe(true);
    }
  });

  it('publicKey rawBytes + keyDetails (model_signing < 1.1) instead of hint; tlogEntries absent (Go)', async () => {
    const model = makeModel({ a: 'A' });
    const b = structuredClone((await signModel(model, signer)).bundle);
    b.verificationMaterial = {
      publicKey: {
        rawBytes: Buffer.from(publicPem).toString('base64'),
        keyDetails: 'PKIX_ECDSA_P256_SHA_256',
      },
    };
    expect((await verifyModel(model, b, verifier)).verified).toBe(true);
    b.verificationMaterial.publicKey!.rawBytes = Buffer.from(ecKeyPair('P-256').publicPem).toString('base64');
    expect(await reason(verifyModel(model, b, verifier))).toBe('wrong-key');
  });

  it('single-file model: resource named "." or the basename both verify; another name does not', async () => {
    const dir = makeModel({ 'model.bin': 'weights' });
    const file = path.join(dir, 'model.bin');
    const d = sha('weights');
    for (const name of ['.', 'model.bin'])
      expect(
        (
          await verifyModel(
            file,
            await signed(statement([{ name, algorithm: 'sha256', digest: d }], FILES_SER)),
            verifier,
          )
        ).files,
      ).toBe(1);
    expect(
      await reason(
        verifyModel(
          file,
          await signed(statement([{ name: 'other.bin', algorithm: 'sha256', digest: d }], FILES_SER)),
          verifier,
        ),
      ),
    ).toBe('missing-file');
  });

  it('shards: algorithm "sha256" (spec) and "sha256-sharded-N" (Python) both verify; shard_size must be whole', async () => {
    const model = makeModel({ f: '0123456789' });
    const res = (alg: string) => [
      { name: 'f:0:8', algorithm: alg, digest: sha('01234567') },
      { name: 'f:8:10', algorithm: alg, digest: sha('89') },
    ];
    const ser = {
      method: 'shards',
      hash_type: 'sha256',
      allow_symlinks: false,
      ignore_paths: [],
      shard_size: 8,
    };
    for (const alg of ['sha256', 'sha256-sharded-8'])
      expect((await verifyModel(model, await signed(statement(res(alg), ser)), verifier)).resources).toBe(2);
    expect(
      await reason(verifyModel(model, await signed(statement(res('sha256-sharded-9'), ser)), verifier)),
    ).toBe('hashing-mismatch');
    expect(
      await reason(
        verifyModel(model, await signed(statement(res('sha256'), { ...ser, shard_size: 8.5 })), verifier),
      ),
    ).toBe('malformed-bundle');
  });

  it('ignore_paths recorded relative to the signer CWD (Go) are applied relative to the model root', async () => {
    const model = makeModel({ 'w.bin': 'w', 'ignore-me': 'not signed' }, 'simple');
    const st = statement([{ name: 'w.bin', algorithm: 'sha256', digest: sha('w') }], {
      ...FILES_SER,
      ignore_paths: ['test/assets/models/simple/ignore-me'],
    });
    expect((await verifyModel(model, await signed(st), verifier)).files).toBe(1);
    expect(effectiveSignedIgnores(['test/assets/models/simple/ignore-me', 'sub/x'], ['simple'])).toEqual([
      'test/assets/models/simple/ignore-me',
      'ignore-me',
      'sub/x',
    ]);
    // without the recorded path, the file is extra
    const st2 = statement([{ name: 'w.bin', algorithm: 'sha256', digest: sha('w') }], FILES_SER);
    expect(await reason(verifyModel(model, await signed(st2), verifier))).toBe('extra-file');
    // the verifier's own ignore paths are added to the signed ones
    expect(
      (
        await verifyModel(model, await signed(st2), verifier, {
          ignorePaths: [path.join(model, 'ignore-me')],
        })
      ).files,
    ).toBe(1);
  });

  it('git paths are ignored unless --no-ignore-git-paths', async () => {
    const model = makeModel({ 'w.bin': 'w', '.git/HEAD': 'ref', '.gitignore': '*' });
    const st = statement([{ name: 'w.bin', algorithm: 'sha256', digest: sha('w') }], FILES_SER);
    const b = await signed(st);
    expect((await verifyModel(model, b, verifier)).files).toBe(1);
    expect(await reason(verifyModel(model, b, verifier, { ignoreGitPaths: false }))).toBe('extra-file');
  });
});

describe('statement checks', () => {
  const model = makeModel({ a: 'A', b: 'B' });
  const good = [
    { name: 'a', algorithm: 'sha256', digest: sha('A') },
    { name: 'b', algorithm: 'sha256', digest: sha('B') },
  ];

  it('the root digest is recomputed in predicate order', async () => {
    const st = statement(good, FILES_SER);
    expect((await verifyModel(model, await signed(st), verifier)).rootDigest).toBe(
      st.subject[0].digest.sha256,
    );
    // same resources, reversed order: the subject no longer matches → root-digest-mismatch
    const swapped = { ...st, predicate: { ...st.predicate, resources: [...good].reverse() } };
    expect(await reason(verifyModel(model, await signed(swapped), verifier))).toBe('root-digest-mismatch');
  });

  it('subject count, predicate type, statement type and payload type', async () => {
    const st = statement(good, FILES_SER);
    const two = { ...st, subject: [st.subject[0], st.subject[0]] };
    expect(await reason(verifyModel(model, await signed(two), verifier))).toBe('malformed-bundle');
    expect(
      await reason(
        verifyModel(
          model,
          await signed({ ...st, predicateType: 'https://slsa.dev/provenance/v1' }),
          verifier,
        ),
      ),
    ).toBe('wrong-predicate-type');
    expect(
      await reason(
        verifyModel(model, await signed({ ...st, _type: 'https://in-toto.io/Statement/v0.1' }), verifier),
      ),
    ).toBe('wrong-payload-type');
    expect(await reason(verifyModel(model, await signed(st, 'application/json'), verifier))).toBe(
      'wrong-payload-type',
    );
    const notJson = await signer.sign('application/vnd.in-toto+json', Buffer.from('not json'));
    expect(await reason(verifyModel(model, notJson, verifier))).toBe('malformed-bundle');
  });

  it('malformed resources: duplicates, missing fields, non-hex digests, unknown hash type', async () => {
    const dup = statement([good[0], good[0]], FILES_SER);
    expect(await reason(verifyModel(model, await signed(dup), verifier))).toBe('malformed-bundle');
    const noDigest = statement(good, FILES_SER);
    (noDigest.predicate.resources[0] as Partial<Res>).digest = undefined;
    expect(await reason(verifyModel(model, await signed(noDigest), verifier))).toBe('malformed-bundle');
    const badHex = statement([{ ...good[0], digest: 'zz' }], FILES_SER);
    expect(await reason(verifyModel(model, await signed(badHex), verifier))).toBe('malformed-bundle');
    const md5 = statement(good, { ...FILES_SER, hash_type: 'md5' });
    expect(await reason(verifyModel(model, await signed(md5), verifier))).toBe('hashing-mismatch');
    const noSer = { ...statement(good, FILES_SER), predicate: { resources: good } };
    expect(await reason(verifyModel(model, await signed(noSer), verifier))).toBe('malformed-bundle');
  });

  it('a symlink in a model signed without symlinks cannot be hashed as signed', async () => {
    const m = makeModel({ a: 'A' });
    symlinkSync(path.join(m, 'a'), path.join(m, 'b'));
    const st = statement([good[0]], FILES_SER);
    expect(await reason(verifyModel(m, await signed(st), verifier))).toBe('hashing-mismatch');
  });

  it('several failures: tampered files are reported before missing and extra ones, all in details', async () => {
    const m = makeModel({ a: 'changed', c: 'new' });
    const st = statement(good, FILES_SER);
    const err = (await verifyModel(m, await signed(st), verifier).catch(
      (e: unknown) => e,
    )) as VerificationError;
    expect(err.reason).toBe('tampered-file');
    expect(err.details).toEqual({ tampered: ['a'], missing: ['b'], extra: ['c'] });
    expect(err.message).toBe('file "a" changed since signing (digest differs)');
  });

  it('model path missing is an error, not a verification result', async () => {
    const st = statement(good, FILES_SER);
    await expect(verifyModel(path.join(model, 'nope'), await signed(st), verifier)).rejects.toMatchObject({
      code: 'E_NOT_FOUND',
    });
  });

  it('a bundle too large to be a signature is refused before parsing', async () => {
    const big = `{"mediaType":"${'x'.repeat(17 * 1024 * 1024)}"}`;
    expect(await reason(verifyModel(model, big, verifier))).toBe('malformed-bundle');
  });
});

describe('provenance findings', () => {
  it('rules are registered with stable ids', () => {
    expect(getRule('BW-PROV-001')).toBe(PROV_UNSIGNED);
    expect(getRule('BW-PROV-002')).toBe(PROV_FILES_MISMATCH);
    expect(getRule('BW-PROV-003')).toBe(PROV_BAD_SIGNATURE);
    expect(getRule('BW-PROV-004')).toBe(PROV_MALFORMED);
    expect(PROV_FILES_MISMATCH.references.atlas).toContain('AML.T0010');
    expect(PROV_FILES_MISMATCH.references.owaspLlm).toContain('LLM03');
  });

  it('reasons map to rules', () => {
    expect(ruleForReason('tampered-file').id).toBe('BW-PROV-002');
    expect(ruleForReason('extra-file').id).toBe('BW-PROV-002');
    expect(ruleForReason('root-digest-mismatch').id).toBe('BW-PROV-002');
    expect(ruleForReason('wrong-key').id).toBe('BW-PROV-003');
    expect(ruleForReason('untrusted-certificate').id).toBe('BW-PROV-003');
    expect(ruleForReason('wrong-identity').id).toBe('BW-PROV-003');
    expect(ruleForReason('wrong-media-type').id).toBe('BW-PROV-004');
    expect(ruleForReason('unsigned').id).toBe('BW-PROV-001');
  });

  it('verificationFindings: none when verified, one finding with evidence when not', async () => {
    const m = makeModel({ a: 'A' });
    const b = (await signModel(m, signer)).bundle;
    const ok = await verifyModel(m, b, verifier);
    expect(verificationFindings(ok, { file: m })).toEqual([]);
    writeFileSync(path.join(m, 'a'), 'B');
    const err = await verifyModel(m, b, verifier).catch((e: unknown) => e);
    const [f, ...rest] = verificationFindings(err, { file: m });
    expect(rest).toEqual([]);
    expect(f.ruleId).toBe('BW-PROV-002');
    expect(f.severity).toBe('high');
    expect(f.evidence).toEqual({ reason: 'tampered-file', tampered: ['a'] });
    expect(f.location).toEqual({ file: m });
    const io = verificationFindings(new Error('EACCES'), { file: m });
    expect(io[0].ruleId).toBe('BW-PROV-004');
    expect(io[0].impact).toBe('inconclusive');
  });
});
