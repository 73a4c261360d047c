import { generateKeyPairSync } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTOTO_PAYLOAD_TYPE } from '../../src/provenance/dsse.js';
import { hashModelSerial } from '../../src/provenance/oms/hash.js';
import { manifestToStatement, statementPayload } from '../../src/provenance/oms/statement.js';
import { createKeySigner } from '../../src/provenance/signing/index.js';
import { run } from '../../src/cli/program.js';
import { fakeIo } from '../cli/fakes.js';
import { ensureBuilt, runCli } from '../cli/helpers.js';
import { cleanupTmp, makePki } from './sign-helpers.js';

/** Runs the CLI in this process (fast); the first test runs the built binary end to end. */
async function cli(
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = fakeIo(opts.cwd, { env: opts.env });
  const code = await run(args, io);
  return { code, stdout: io.stdout.text, stderr: io.stderr.text };
}

const MALICIOUS = Buffer.from("cos\nsystem\n(S'echo x'\ntR.", 'latin1');
const BENIGN = Buffer.from('(dp0\n.', 'latin1');
const ONE_LINE_ERROR = /^bulwark: error: [^\n]+\n$/;

let dir: string;

async function keyFiles(name: string): Promise<string> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await writeFile(path.join(dir, 'keys', `${name}.pem`), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await writeFile(path.join(dir, 'keys', `${name}.pub`), publicKey.export({ type: 'spki', format: 'pem' }));
  return privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function payloadOf(bundleText: string): Record<string, any> {
  const b = JSON.parse(bundleText);
  return JSON.parse(Buffer.from(b.dsseEnvelope.payload, 'base64').toString('utf8'));
}

let publisherPriv: string;

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(path.join(tmpdir(), 'bulwark-attest-cli-'));
  await mkdir(path.join(dir, 'keys'));
  publisherPriv = await keyFiles('publisher');
  await keyFiles('trainer');
  await keyFiles('other');
  await mkdir(path.join(dir, 'model'));
  await writeFile(path.join(dir, 'model', 'weights.pkl'), BENIGN);
  await writeFile(path.join(dir, 'model', 'evil.pkl'), MALICIOUS);
}, 180_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  cleanupTmp();
});

describe('bulwark attest scan / verify (built CLI)', () => {
  it('signs the scan results and verifies them against the model', async () => {
    const a = await runCli(
      ['attest', 'scan', 'model', '--private-key', 'keys/publisher.pem', '-o', 'scan.json'],
      {
        cwd: dir,
      },
    );
    expect(a.stderr).toMatch(
      /^bulwark: wrote key-signed attestation https:\/\/bulwark\.dev\/attestation\/scan\/v1 about model sha256:[0-9a-f]{64} to scan\.json\n$/,
    );
    expect(a.code).toBe(0);
    const st = payloadOf(await readFile(path.join(dir, 'scan.json'), 'utf8'));
    expect(st.predicateType).toBe('https://bulwark.dev/attestation/scan/v1');
    expect(st.subject[0].digest.sha256).toBe((await hashModelSerial(path.join(dir, 'model'))).rootDigest);
    expect(st.predicate.verdict).toBe('malicious');
    expect(st.predicate.files.map((f: { path: string }) => f.path).sort()).toEqual([
      'evil.pkl',
      'weights.pkl',
    ]);

    const v = await runCli(['attest', 'verify', 'scan.json', 'model', '--public-key', 'keys/publisher.pub'], {
      cwd: dir,
    });
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^OK {4}scan of model: malicious, 2 file\(s\)/);
    expect(v.stdout).toMatch(/signed by key [0-9a-f]{16}…/);
    expect(v.stdout).toContain('matches model');

    const j = await cli(
      ['attest', 'verify', 'scan.json', 'model', '--public-key', 'keys/publisher.pub', '-f', 'json'],
      {
        cwd: dir,
      },
    );
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({
      ok: true,
      reason: null,
      kind: 'scan',
      signer: { method: 'key' },
    });
  });

  it('exit 1 with wrong-key for another key, subject-mismatch for a changed model', async () => {
    await cli(['attest', 'scan', 'model', '--private-key', 'keys/publisher.pem', '-o', 'scan2.json'], {
      cwd: dir,
    });
    const w = await cli(['attest', 'verify', 'scan2.json', '--public-key', 'keys/other.pub'], { cwd: dir });
    expect(w.code).toBe(1);
    expect(w.stdout).toMatch(/^FAIL {2}wrong-key: /);
    await mkdir(path.join(dir, 'model-b'));
    await writeFile(path.join(dir, 'model-b', 'weights.pkl'), BENIGN);
    const m = await cli(
      ['attest', 'verify', 'scan2.json', 'model-b', '--public-key', 'keys/publisher.pub', '-f', 'json'],
      {
        cwd: dir,
      },
    );
    expect(m.code).toBe(1);
    expect(JSON.parse(m.stdout)).toMatchObject({ ok: false, reason: 'subject-mismatch' });
  });

  it('a bundle written into the model directory does not change the digest', async () => {
    const a = await cli(
      ['attest', 'scan', 'model', '--private-key', 'keys/publisher.pem', '-o', 'model/scan-results.json'],
      { cwd: dir },
    );
    expect(a.code).toBe(0);
    const v = await cli(
      ['attest', 'verify', 'model/scan-results.json', 'model', '--public-key', 'keys/publisher.pub'],
      { cwd: dir },
    );
    expect(v.stdout).toMatch(/^OK/);
    expect(v.code).toBe(0);
    await rm(path.join(dir, 'model', 'scan-results.json'));
  });

  it('--statement-only prints the unsigned statement (no key needed)', async () => {
    const r = await cli(['attest', 'scan', 'model', '--statement-only', '--per-file-subjects'], { cwd: dir });
    expect(r.code).toBe(0);
    const st = JSON.parse(r.stdout);
    expect(st._type).toBe('https://in-toto.io/Statement/v1');
    expect(st.subject).toHaveLength(3);
    expect(st).not.toHaveProperty('dsseEnvelope');
  });

  it('usage errors exit 3 with one line', async () => {
    const noKey = await cli(['attest', 'scan', 'model'], { cwd: dir });
    expect(noKey.code).toBe(3);
    expect(noKey.stderr).toMatch(ONE_LINE_ERROR);
    expect(noKey.stderr).toContain('--private-key');
    const noModel = await cli(['attest', 'scan', 'nope', '--statement-only'], { cwd: dir });
    expect(noModel.code).toBe(3);
    expect(noModel.stderr).toContain('does not exist');
    const noMaterial = await cli(['attest', 'verify', 'scan.json'], { cwd: dir });
    expect(noMaterial.code).toBe(3);
    expect(noMaterial.stderr).toMatch(/exactly one of --public-key/);
    const sigstoreNoToken = await cli(['attest', 'scan', 'model', '--method', 'sigstore'], {
      cwd: dir,
      env: { SIGSTORE_ID_TOKEN: '' },
    });
    expect(sigstoreNoToken.code).toBe(3);
    expect(sigstoreNoToken.stderr).toContain('identity token');
  });

  it('a bundle that is not JSON is inconclusive (exit 2)', async () => {
    await writeFile(path.join(dir, 'junk.json'), 'not json');
    const r = await cli(['attest', 'verify', 'junk.json', '--public-key', 'keys/publisher.pub'], {
      cwd: dir,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(ONE_LINE_ERROR);
  });
});

describe('bulwark attest with the certificate method', () => {
  it('signs with leaf + intermediate and verifies against the root; another root fails', async () => {
    const pki = makePki('P-256');
    const a = await cli(
      [
        'attest',
        'scan',
        'model',
        '--method',
        'certificate',
        '--private-key',
        pki.leafKey,
        '--signing-certificate',
        pki.leafPem,
        '--certificate-chain',
        pki.intPem,
        '-o',
        'cert.json',
      ],
      { cwd: dir },
    );
    expect(a.code).toBe(0);
    const bundle = JSON.parse(await readFile(path.join(dir, 'cert.json'), 'utf8'));
    expect(bundle.verificationMaterial.x509CertificateChain.certificates).toHaveLength(2);
    const ok = await cli(['attest', 'verify', 'cert.json', 'model', '--certificate-chain', pki.rootPem], {
      cwd: dir,
    });
    expect(ok.stdout).toMatch(/^OK .*\n {6}signed by certificate .*signer@example\.com/);
    expect(ok.code).toBe(0);
    const bad = await cli(['attest', 'verify', 'cert.json', '--certificate-chain', pki.otherRootPem], {
      cwd: dir,
    });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^FAIL {2}untrusted-certificate: /);
    const mixed = await cli(
      ['attest', 'scan', 'model', '--private-key', pki.leafKey, '--signing-certificate', pki.leafPem],
      {
        cwd: dir,
      },
    );
    expect(mixed.code).toBe(3);
    expect(mixed.stderr).toContain('need --method certificate');
  });
});

describe('bulwark attest bom (built CLI)', () => {
  it('attests a given CycloneDX BOM', async () => {
    await writeFile(
      path.join(dir, 'bom.json'),
      JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, components: [] }),
    );
    const r = await cli(
      ['attest', 'bom', 'model', '--bom', 'bom.json', '--private-key', 'keys/publisher.pem'],
      {
        cwd: dir,
      },
    );
    expect(r.code).toBe(0);
    const st = payloadOf(r.stdout);
    expect(st.predicateType).toBe('https://cyclonedx.org/bom');
    expect(st.predicate.specVersion).toBe('1.6');
  });

  it('builds the BOM itself when none is given, and verifies', async () => {
    const r = await cli(
      ['attest', 'bom', 'model', '--private-key', 'keys/publisher.pem', '-o', 'bom.intoto.json'],
      {
        cwd: dir,
      },
    );
    expect(r.code).toBe(0);
    const st = payloadOf(await readFile(path.join(dir, 'bom.intoto.json'), 'utf8'));
    expect(st.predicate.bomFormat).toBe('CycloneDX');
    const v = await cli(
      ['attest', 'verify', 'bom.intoto.json', 'model', '--public-key', 'keys/publisher.pub'],
      {
        cwd: dir,
      },
    );
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^OK {4}CycloneDX 1\.\d BOM of model/);
  });

  it('builds an SPDX 3 document with --bom-format spdx', async () => {
    const r = await cli(['attest', 'bom', 'model', '--bom-format', 'spdx', '--statement-only'], { cwd: dir });
    expect(r.code).toBe(0);
    const st = JSON.parse(r.stdout);
    expect(st.predicateType).toBe('https://spdx.dev/Document/v3');
    expect(st.predicate['@context']).toMatch(/^https:\/\/spdx\.org\/rdf\/3\./);
    expect(Array.isArray(st.predicate['@graph'])).toBe(true);
  });

  it('rejects a --bom that is not CycloneDX (exit 2, parse error)', async () => {
    await writeFile(path.join(dir, 'notbom.json'), '{"hello": 1}');
    const r = await cli(['attest', 'bom', 'model', '--bom', 'notbom.json', '--statement-only'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bomFormat');
  });
});

describe('bulwark attest training / lineage (built CLI)', () => {
  beforeAll(async () => {
    await mkdir(path.join(dir, 'lin', 'data'), { recursive: true });
    await mkdir(path.join(dir, 'lin', 'm0'));
    await mkdir(path.join(dir, 'lin', 'm1'));
    await writeFile(path.join(dir, 'lin', 'data', 'train.csv'), 'text,label\nhi,1\n');
    await writeFile(path.join(dir, 'lin', 'm0', 'weights.bin'), Buffer.alloc(1024, 1));
    await writeFile(path.join(dir, 'lin', 'm1', 'weights.bin'), Buffer.alloc(1024, 2));
    const sigPath = path.join(dir, 'lin', 'm0', 'model.sig');
    const manifest = await hashModelSerial(path.join(dir, 'lin', 'm0'), { ignorePaths: [sigPath] });
    const sig = await createKeySigner(publisherPriv).sign(
      INTOTO_PAYLOAD_TYPE,
      statementPayload(manifestToStatement(manifest)),
    );
    await writeFile(sigPath, JSON.stringify(sig));
    await writeFile(
      path.join(dir, 'lin', 'run.yaml'),
      [
        'builder:',
        '  id: https://ci.example.com/runners/gpu-01',
        'entryPoint: finetune.py',
        'parameters:',
        '  epochs: 3',
        '  learning_rate: 0.0001',
        'environment:',
        '  torch: "2.3.0"',
        'baseModel:',
        '  name: m0',
        '  path: m0',
        'datasets:',
        '  - name: train',
        '    path: data/train.csv',
        'code:',
        '  uri: git+https://github.com/example/trainer',
        `  commit: ${'d'.repeat(40)}`,
        'startedOn: 2026-01-01T10:00:00Z',
        'finishedOn: 2026-01-01T11:00:00Z',
        '',
      ].join('\n'),
    );
    await writeFile(
      path.join(dir, 'lin', 'chain.yaml'),
      [
        'links:',
        '  - model: m0',
        '    bundle: m0/model.sig',
        '    publicKey: ../keys/publisher.pub',
        '  - model: m1',
        '    bundle: m1.training.json',
        '    publicKey: ../keys/trainer.pub',
        '    label: fine-tune',
        '    datasets:',
        '      train: data/train.csv',
        '',
      ].join('\n'),
    );
  });

  it('attests the run and verifies the chain; a poisoned dataset breaks link 2', async () => {
    const a = await cli(
      [
        'attest',
        'training',
        'm1',
        '--run',
        'run.yaml',
        '--private-key',
        '../keys/trainer.pem',
        '-o',
        'm1.training.json',
      ],
      { cwd: path.join(dir, 'lin') },
    );
    expect(a.stderr).toMatch(/wrote key-signed attestation https:\/\/slsa\.dev\/provenance\/v1/);
    expect(a.code).toBe(0);
    const st = payloadOf(await readFile(path.join(dir, 'lin', 'm1.training.json'), 'utf8'));
    expect(st.predicate.buildDefinition.buildType).toBe('https://bulwark.dev/buildtypes/training/v1');
    expect(st.predicate.runDetails.metadata.startedOn).toBe('2026-01-01T10:00:00.000Z');

    const ok = await cli(['attest', 'lineage', 'lin/chain.yaml'], { cwd: dir });
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(/^OK {4}1\. m0 lin\/m0 \[model-signature\]/m);
    expect(ok.stdout).toMatch(/^OK {4}2\. fine-tune lin\/m1 \[training\] .*datasets 1\/1 checked/m);
    expect(ok.stdout).toContain('Lineage verified: 2 link(s)');
    expect(ok.code).toBe(0);

    const v = await cli(
      [
        'attest',
        'verify',
        'm1.training.json',
        'm1',
        '--public-key',
        '../keys/trainer.pub',
        '--base-model',
        'm0',
        '--dataset',
        'train=data/train.csv',
      ],
      { cwd: path.join(dir, 'lin') },
    );
    expect(v.stdout).toMatch(
      /^OK {4}training run of m1 by https:\/\/ci\.example\.com\/runners\/gpu-01: base m0/,
    );
    expect(v.code).toBe(0);

    await appendFile(path.join(dir, 'lin', 'data', 'train.csv'), 'poison,0\n');
    const broken = await cli(['attest', 'lineage', 'lin/chain.yaml', '-f', 'json'], { cwd: dir });
    expect(broken.code).toBe(1);
    const r = JSON.parse(broken.stdout);
    expect(r.ok).toBe(false);
    expect(r.broken).toMatchObject({ index: 1, reason: 'dataset-mismatch' });
    const text = await cli(['attest', 'lineage', 'lin/chain.yaml'], { cwd: dir });
    expect(text.stdout).toContain('Lineage BROKEN at link 2: dataset-mismatch.');
  });

  it('a run spec with a credential is a usage error (exit 3) that does not echo it', async () => {
    await writeFile(
      path.join(dir, 'lin', 'leaky.yaml'),
      'builder: {id: "https://ci.example.com/x"}\nentryPoint: t.py\nenvironment: {WANDB_API_KEY: s3cr3tvalue}\ndatasets: [{name: d, path: data/train.csv}]\n',
    );
    const r = await cli(['attest', 'training', 'm1', '--run', 'leaky.yaml', '--statement-only'], {
      cwd: path.join(dir, 'lin'),
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(ONE_LINE_ERROR);
    expect(r.stderr).toContain('looks like a credential');
    expect(r.stderr).not.toContain('s3cr3tvalue');
  });

  it('a malformed chain file is a usage error', async () => {
    await writeFile(path.join(dir, 'lin', 'bad-chain.yaml'), 'links: []\n');
    const r = await cli(['attest', 'lineage', 'lin/bad-chain.yaml'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('non-empty "links" list');
  });
});
