import { readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/program.js';
import { fakeIo } from '../cli/fakes.js';
import {
  cleanupTmp,
  copyVector,
  ecKeyPair,
  KEYS,
  makeModel,
  makePki,
  MT,
  tmpDir,
  type TestPki,
} from './sign-helpers.js';

afterAll(cleanupTmp);

let keyDir: string;
let pki: TestPki;
beforeAll(() => {
  keyDir = tmpDir('bw-keys-');
  const { privatePem, publicPem } = ecKeyPair('P-256');
  writeFileSync(path.join(keyDir, 'key.pem'), privatePem);
  writeFileSync(path.join(keyDir, 'key.pub'), publicPem);
  writeFileSync(path.join(keyDir, 'other.pub'), ecKeyPair('P-256').publicPem);
  pki = makePki();
});

async function cli(args: string[], cwd: string) {
  const io = fakeIo(cwd);
  const code = await run(args, io);
  return { code, out: io.stdout.text, err: io.stderr.text };
}

describe('bulwark sign / verify (key)', () => {
  it('signs into MODEL/model.sig by default and verifies (text and json)', async () => {
    const model = makeModel({ 'w.bin': 'weights', 'sub/cfg.json': '{}' });
    const s = await cli(['sign', 'key', model, '--private-key', path.join(keyDir, 'key.pem')], keyDir);
    expect(s.err).toBe('');
    expect(s.code).toBe(0);
    expect(s.out).toMatch(
      /^Signed model: 2 files, 9 bytes, root sha256:[0-9a-f]{64} with key [0-9a-f]{16}…\n/,
    );
    const sig = JSON.parse(readFileSync(path.join(model, 'model.sig'), 'utf8'));
    expect(sig.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');

    const v = await cli(['verify', 'key', model, '--public-key', 'key.pub'], keyDir);
    expect(v.code).toBe(0);
    expect(v.out).toMatch(
      /^Verified model: 2 files \(2 resources, sha256\), root sha256:[0-9a-f]{64}\nSigned by key [0-9a-f]{64}\n$/,
    );

    const j = await cli(['verify', 'key', model, '--public-key', 'key.pub', '--format', 'json'], keyDir);
    expect(j.code).toBe(0);
    const out = JSON.parse(j.out);
    expect(out).toMatchObject({ verified: true, files: 2, resources: 2, signer: { method: 'key' } });
  });

  it('failures: one line with the precise reason and exit 1; unreadable signature exit 2; usage exit 3', async () => {
    const model = makeModel({ 'w.bin': 'weights' });
    expect(
      (await cli(['sign', 'key', model, '--private-key', path.join(keyDir, 'key.pem')], keyDir)).code,
    ).toBe(0);
    const wrong = await cli(['verify', 'key', model, '--public-key', 'other.pub'], keyDir);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/^bulwark: verification failed \(wrong-key\): [^\n]+\n$/);

    appendFileSync(path.join(model, 'w.bin'), '!');
    const t = await cli(['verify', 'key', model, '--public-key', 'key.pub'], keyDir);
    expect(t.code).toBe(1);
    expect(t.err).toBe(
      'bulwark: verification failed (tampered-file): file "w.bin" changed since signing (digest differs)\n',
    );
    const tj = await cli(['verify', 'key', model, '--public-key', 'key.pub', '-f', 'json'], keyDir);
    expect(JSON.parse(tj.out)).toMatchObject({
      verified: false,
      reason: 'tampered-file',
      details: { tampered: ['w.bin'] },
    });

    writeFileSync(path.join(model, 'model.sig'), '{"mediaType":');
    const m = await cli(['verify', 'key', model, '--public-key', 'key.pub'], keyDir);
    expect(m.code).toBe(2);
    expect(m.err).toMatch(/malformed-bundle/);

    const none = await cli(
      ['verify', 'key', model, '--public-key', 'key.pub', '--signature', 'nope.sig'],
      keyDir,
    );
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/cannot be read \(ENOENT\)/);

    const usage = await cli(['verify', 'key', model], keyDir);
    expect(usage.code).toBe(3);
    const usage2 = await cli(['verify', 'key', model, '--public-key', 'missing.pub'], keyDir);
    expect(usage2.code).toBe(3);
    expect(usage2.err).toMatch(/--public-key missing\.pub cannot be read/);
  });

  it('--ignore-unsigned-files, --ignore-paths, --signature outside the model, shards', async () => {
    const model = makeModel({ 'w.bin': 'weights', 'logs/run.txt': 'log' });
    const sigFile = path.join(keyDir, 'elsewhere.sig');
    const s = await cli(
      [
        'sign',
        'key',
        model,
        '--private-key',
        'key.pem',
        '--signature',
        sigFile,
        '--ignore-paths',
        path.join(model, 'logs'),
        '--serialization',
        'shards',
        '--shard-size',
        '4',
        '--format',
        'json',
      ],
      keyDir,
    );
    expect(s.code).toBe(0);
    const out = JSON.parse(s.out);
    expect(out).toMatchObject({
      signed: true,
      resources: 2,
      files: 1,
      serialization: {
        method: 'shards',
        shard_size: 4,
        ignore_paths: ['logs', '.git', '.gitattributes', '.github', '.gitignore'],
      },
    });
    expect(
      (await cli(['verify', 'key', model, '--public-key', 'key.pub', '--signature', sigFile], keyDir)).code,
    ).toBe(0);
    writeFileSync(path.join(model, 'new.bin'), 'x');
    const extra = await cli(
      ['verify', 'key', model, '--public-key', 'key.pub', '--signature', sigFile],
      keyDir,
    );
    expect(extra.code).toBe(1);
    expect(extra.err).toMatch(/\(extra-file\): file "new\.bin"/);
    expect(
      (
        await cli(
          [
            'verify',
            'key',
            model,
            '--public-key',
            'key.pub',
            '--signature',
            sigFile,
            '--ignore-unsigned-files',
          ],
          keyDir,
        )
      ).code,
    ).toBe(0);
    expect(
      (
        await cli(
          [
            'verify',
            'key',
            model,
            '--public-key',
            'key.pub',
            '--signature',
            sigFile,
            '--ignore-paths',
            path.join(model, 'new.bin'),
          ],
          keyDir,
        )
      ).code,
    ).toBe(0);
  });

  it('sign refuses an empty model (exit 3) unless --allow-empty, and bad option values', async () => {
    const model = makeModel({});
    const e = await cli(['sign', 'key', model, '--private-key', 'key.pem'], keyDir);
    expect(e.code).toBe(3);
    expect(e.err).toMatch(/no files to sign/);
    expect(
      (await cli(['sign', 'key', model, '--private-key', 'key.pem', '--allow-empty'], keyDir)).code,
    ).toBe(0);
    expect((await cli(['verify', 'key', model, '--public-key', 'key.pub'], keyDir)).code).toBe(1);
    expect(
      (await cli(['verify', 'key', model, '--public-key', 'key.pub', '--allow-empty'], keyDir)).code,
    ).toBe(0);
    const bad = await cli(['sign', 'key', model, '--private-key', 'key.pem', '--shard-size', '-1'], keyDir);
    expect(bad.code).toBe(3);
    expect(
      (await cli(['sign', 'key', model, '--private-key', 'key.pem', '--hash-type', 'md5'], keyDir)).code,
    ).toBe(3);
  });
});

describe('bulwark verify on the reference vectors', () => {
  it('verify key on v1.1.0-elliptic-key and v1.0.0 single file; verify certificate on v0.2.0 and v1.1.0', async () => {
    const k = await cli(
      [
        'verify',
        'key',
        path.join(MT, 'v1.1.0-elliptic-key'),
        '--public-key',
        path.join(KEYS, 'signing-key-pub.pem'),
      ],
      keyDir,
    );
    expect(k.code).toBe(0);
    const single = await cli(
      [
        'verify',
        'key',
        path.join(MT, 'v1.0.0-elliptic-key', 'signme-1'),
        '--signature',
        path.join(MT, 'v1.0.0-elliptic-key', 'model.sig'),
        '--public-key',
        path.join(KEYS, 'signing-key-pub.pem'),
      ],
      keyDir,
    );
    expect(single.code).toBe(0);
    expect(single.out).toMatch(/^Verified signme-1: 1 file/);
    for (const d of ['v0.2.0-certificate', 'v1.1.0-certificate']) {
      const c = await cli(
        ['verify', 'certificate', path.join(MT, d), '--certificate-chain', path.join(KEYS, 'ca-cert.pem')],
        keyDir,
      );
      expect(c.code, c.err).toBe(0);
      expect(c.out).toContain('Signed by certificate CN=intermediate-ca, issuer CN=intermediate-ca');
    }
    const v020 = await cli(
      [
        'verify',
        'certificate',
        path.join(MT, 'v0.2.0-certificate'),
        '--certificate-chain',
        path.join(KEYS, 'ca-cert.pem'),
      ],
      keyDir,
    );
    expect(v020.out).toContain('Accepted historical format: model_signing-0.2.0-pae, v0.1-predicate');
    // Node's built-in CA store does not trust the test CA
    const dflt = await cli(['verify', 'certificate', path.join(MT, 'v1.1.0-certificate')], keyDir);
    expect(dflt.code).toBe(1);
    expect(dflt.err).toMatch(/untrusted-certificate/);
  });

  it('sign certificate with an openssl-made chain, verify against the root and a wrong root', async () => {
    const model = copyVector('v1.1.0-certificate');
    const s = await cli(
      [
        'sign',
        'certificate',
        model,
        '--private-key',
        pki.leafKey,
        '--signing-certificate',
        pki.leafPem,
        '--certificate-chain',
        pki.intPem,
        '--ignore-paths',
        path.join(model, 'ignore-me'),
      ],
      keyDir,
    );
    expect(s.code, s.err).toBe(0);
    expect(
      (await cli(['verify', 'certificate', model, '--certificate-chain', pki.rootPem], keyDir)).code,
    ).toBe(0);
    const w = await cli(['verify', 'certificate', model, '--certificate-chain', pki.otherRootPem], keyDir);
    expect(w.code).toBe(1);
    expect(w.err).toMatch(/untrusted-certificate/);
  });

  it('sigstore subcommands need their identity inputs (usage errors before any network)', async () => {
    const model = path.join(MT, 'v1.1.0-sigstore');
    const v = await cli(['verify', 'sigstore', model], keyDir);
    expect(v.code).toBe(3);
    expect(v.err).toMatch(/--identity-provider/);
    const s = await cli(['sign', 'sigstore', makeModel({ a: 'b' })], keyDir);
    expect(s.code).toBe(3);
    expect(s.err).toMatch(/SIGSTORE_ID_TOKEN/);
  });
});

describe('bulwark verify sigstore (keyless, offline, public-good root)', () => {
  const model = path.join(MT, 'v1.1.0-sigstore');
  it('verifies the v1.1.0-sigstore vector with its identity and issuer, and fails with another identity', async () => {
    const ok = await cli(
      [
        'verify',
        'sigstore',
        model,
        '--identity',
        'stefanb@us.ibm.com',
        '--identity-provider',
        'https://sigstore.verify.ibm.com/oauth2',
      ],
      keyDir,
    );
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/^Verified v1\.1\.0-sigstore: 2 files/);
    expect(ok.out).toContain('stefanb@us.ibm.com');
    const bad = await cli(
      [
        'verify',
        'sigstore',
        model,
        '--identity',
        'someone@example.com',
        '--identity-provider',
        'https://sigstore.verify.ibm.com/oauth2',
      ],
      keyDir,
    );
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/\(wrong-identity\)/);
  });
});

describe('bulwark verify on a signed statement that is not a model signature', () => {
  it('is handed to the attestation checker and fails for an unknown predicate', async () => {
    const { createKeySigner } = await import('../../src/provenance/signing/key.js');
    const { statementPayload } = await import('../../src/provenance/oms/statement.js');
    const model = makeModel({ a: 'A' });
    const st = {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'model', digest: { sha256: '00'.repeat(32) } }],
      predicateType: 'https://example.com/unknown/v1',
      predicate: {},
    };
    const bundle = await createKeySigner(readFileSync(path.join(keyDir, 'key.pem'))).sign(
      'application/vnd.in-toto+json',
      statementPayload(st),
    );
    writeFileSync(path.join(model, 'model.sig'), JSON.stringify(bundle));
    const r = await cli(['verify', 'key', model, '--public-key', 'key.pub'], keyDir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^bulwark: verification failed \([a-z-]+\): .*https:\/\/example\.com\/unknown\/v1/);
  });
});
