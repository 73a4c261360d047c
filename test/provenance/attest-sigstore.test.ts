import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/program.js';
import { hashModelSerial } from '../../src/provenance/oms/hash.js';
import { fakeIo } from '../cli/fakes.js';
import { startSigstoreMock, testIdentityToken, type SigstoreMock } from '../helpers/sigstore-mock-server.js';

const ISSUER = 'https://oidc.test.invalid';
const EMAIL = 'alice@example.com';

let mock: SigstoreMock;
let dir: string;

async function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = fakeIo(dir, { env });
  const code = await run(args, io);
  return { code, stdout: io.stdout.text, stderr: io.stderr.text };
}

beforeAll(async () => {
  mock = await startSigstoreMock();
  dir = await mkdtemp(path.join(os.tmpdir(), 'bw-attest-sigstore-'));
  await writeFile(path.join(dir, 'trusted_root.json'), JSON.stringify(mock.trustedRoot));
  await mkdir(path.join(dir, 'model'));
  await writeFile(path.join(dir, 'model', 'weights.bin'), Buffer.alloc(512, 7));
  await writeFile(path.join(dir, 'bom.json'), JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6' }));
});

afterAll(async () => {
  await mock?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('bulwark attest with Sigstore keyless signing (loopback Fulcio / Rekor)', () => {
  it('signs with the token from SIGSTORE_ID_TOKEN and verifies by identity and issuer', async () => {
    const token = testIdentityToken({ iss: ISSUER, email: EMAIL });
    const a = await cli(
      [
        'attest',
        'bom',
        'model',
        '--bom',
        'bom.json',
        '--method',
        'sigstore',
        '--fulcio-url',
        mock.fulcioURL,
        '--rekor-url',
        mock.rekorURL,
        '-o',
        'bom.sigstore.json',
      ],
      { SIGSTORE_ID_TOKEN: token },
    );
    expect(a.stderr).toContain('wrote sigstore-signed attestation https://cyclonedx.org/bom');
    expect(a.code).toBe(0);
    // The token never ends up in what was written or printed.
    const written = await readFile(path.join(dir, 'bom.sigstore.json'), 'utf8');
    expect(written).not.toContain(token);
    expect(a.stderr).not.toContain(token);
    const bundle = JSON.parse(written);
    expect(bundle.verificationMaterial.tlogEntries.length).toBeGreaterThan(0);
    const st = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'));
    expect(st.subject[0].digest.sha256).toBe((await hashModelSerial(path.join(dir, 'model'))).rootDigest);

    const verifyArgs = [
      'attest',
      'verify',
      'bom.sigstore.json',
      'model',
      '--trusted-root',
      'trusted_root.json',
      '-f',
      'json',
    ];
    const ok = await cli([...verifyArgs, '--identity', EMAIL, '--identity-provider', ISSUER]);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, kind: 'bom', signer: { method: 'sigstore' } });
    expect(ok.code).toBe(0);

    const wrong = await cli([
      ...verifyArgs,
      '--identity',
      'mallory@example.com',
      '--identity-provider',
      ISSUER,
    ]);
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.stdout)).toMatchObject({ ok: false, reason: 'wrong-identity' });
  });
});
