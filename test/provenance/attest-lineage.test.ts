import { generateKeyPairSync } from 'node:crypto';
import { appendFile, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SigstoreBundleJson } from '../../src/provenance/bundle.js';
import { INTOTO_PAYLOAD_TYPE } from '../../src/provenance/dsse.js';
import { hashModelSerial } from '../../src/provenance/oms/hash.js';
import { manifestToStatement, statementPayload } from '../../src/provenance/oms/statement.js';
import { createKeySigner, createKeyVerifier } from '../../src/provenance/signing/index.js';
import {
  attest,
  attestationFindings,
  buildTrainingProvenance,
  buildTrainingStatement,
  validateTrainingRunSpec,
  verifyLineage,
  type LineageLink,
} from '../../src/provenance/attest/index.js';

function keyPair(): { priv: string; pub: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    priv: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    pub: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

const publisher = keyPair();
const trainer = keyPair();
const dirs: string[] = [];

afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Signs a model the OMS way (what `bulwark sign` writes). */
async function signModel(modelDir: string, priv: string): Promise<SigstoreBundleJson> {
  const manifest = await hashModelSerial(modelDir);
  return createKeySigner(priv).sign(INTOTO_PAYLOAD_TYPE, statementPayload(manifestToStatement(manifest)));
}

/** Attests a training run: base model + datasets → output model. */
async function attestRun(
  root: string,
  out: string,
  base: string | undefined,
  datasets: { name: string; path: string; role?: 'training-data' | 'evaluation-data' }[],
  priv = trainer.priv,
): Promise<SigstoreBundleJson> {
  const spec = validateTrainingRunSpec({
    builder: { id: 'https://ci.example.com/runners/gpu-01' },
    entryPoint: 'finetune.py',
    parameters: { epochs: 2, lr: 0.001 },
    ...(base ? { baseModel: { name: path.basename(base), path: base } } : {}),
    datasets,
    code: { uri: 'git+https://github.com/example/trainer', commit: 'c'.repeat(40) },
  });
  const prov = await buildTrainingProvenance(spec, { baseDir: root });
  return attest(
    buildTrainingStatement(await hashModelSerial(path.join(root, out)), prov),
    createKeySigner(priv),
  );
}

/** A real small world: dataset CSV, base model M0 (signed by the publisher), fine-tuned M1 (attested by the trainer). */
async function world(): Promise<{ root: string; chain: LineageLink[] }> {
  const root = await mkdtemp(path.join(tmpdir(), 'bulwark-lineage-'));
  dirs.push(root);
  await mkdir(path.join(root, 'data'));
  await writeFile(path.join(root, 'data', 'train.csv'), 'text,label\nhello,1\nbye,0\n');
  await mkdir(path.join(root, 'm0'));
  await writeFile(path.join(root, 'm0', 'config.json'), '{"layers": 2}');
  await writeFile(path.join(root, 'm0', 'weights.bin'), Buffer.alloc(4096, 1));
  await mkdir(path.join(root, 'm1'));
  await writeFile(path.join(root, 'm1', 'config.json'), '{"layers": 2}');
  await writeFile(path.join(root, 'm1', 'weights.bin'), Buffer.alloc(4096, 2));
  const sig0 = await signModel(path.join(root, 'm0'), publisher.priv);
  const att1 = await attestRun(root, 'm1', 'm0', [{ name: 'train', path: 'data/train.csv' }]);
  return {
    root,
    chain: [
      {
        modelPath: path.join(root, 'm0'),
        bundle: sig0,
        verifier: createKeyVerifier(publisher.pub),
        label: 'base',
      },
      {
        modelPath: path.join(root, 'm1'),
        bundle: att1,
        verifier: createKeyVerifier(trainer.pub),
        label: 'fine-tune',
        datasets: { train: path.join(root, 'data', 'train.csv') },
      },
    ],
  };
}

describe('verifyLineage: dataset → run → model, end to end', () => {
  it('an intact chain verifies: base signature, base digest, dataset, output model', async () => {
    const { chain } = await world();
    const r = await verifyLineage(chain);
    expect(r.broken).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.links.map((l) => [l.kind, l.ok])).toEqual([
      ['model-signature', true],
      ['training', true],
    ]);
    expect(r.links[1].baseDigest).toBe(r.links[0].subjectDigest);
    expect(r.links[1].datasets).toEqual([
      expect.objectContaining({ name: 'train', role: 'training-data', checked: true, ok: true }),
    ]);
    expect(r.links[1].signer?.method).toBe('key');
    expect(attestationFindings(r, 'chain.yaml')).toEqual([]);
  });

  it('modified dataset: link 2 fails with dataset-mismatch', async () => {
    const { root, chain } = await world();
    await appendFile(path.join(root, 'data', 'train.csv'), 'poison,1\n');
    const r = await verifyLineage(chain);
    expect(r.ok).toBe(false);
    expect(r.broken).toMatchObject({ index: 1, reason: 'dataset-mismatch' });
    expect(r.broken!.message).toMatch(
      /^fine-tune \(.*m1\): dataset train: .*train\.csv hashes to sha256:[0-9a-f]{12}…, but the run used sha256:/,
    );
    expect(r.links[0].ok).toBe(true);
    const f = attestationFindings(r, 'chain.yaml');
    expect(f.map((x) => x.ruleId)).toEqual(['BW-ATT-003']);
  });

  it('base model swapped on disk: link 1 fails with subject-mismatch (its signature no longer covers it)', async () => {
    const { root, chain } = await world();
    await writeFile(path.join(root, 'm0', 'weights.bin'), Buffer.alloc(4096, 9));
    const r = await verifyLineage(chain);
    expect(r.broken).toMatchObject({ index: 0, reason: 'subject-mismatch' });
    expect(r.broken!.message).toMatch(/^base \(.*m0\): the model on disk hashes to/);
    // The run still names the signed root, so link 2 itself is fine.
    expect(r.links[1].ok).toBe(true);
  });

  it('run trained from another (validly signed) base model: link 2 fails with base-model-mismatch', async () => {
    const { root, chain } = await world();
    await cp(path.join(root, 'm0'), path.join(root, 'm0b'), { recursive: true });
    await writeFile(path.join(root, 'm0b', 'config.json'), '{"layers": 3}');
    const swapped: LineageLink[] = [
      {
        ...chain[0],
        modelPath: path.join(root, 'm0b'),
        bundle: await signModel(path.join(root, 'm0b'), publisher.priv),
      },
      chain[1],
    ];
    const r = await verifyLineage(swapped);
    expect(r.links[0].ok).toBe(true);
    expect(r.broken).toMatchObject({ index: 1, reason: 'base-model-mismatch' });
    expect(r.broken!.message).toMatch(
      /the run was trained from m0 sha256:[0-9a-f]{12}…, but base is sha256:/,
    );
  });

  it('tampered output model: link 2 fails with subject-mismatch', async () => {
    const { root, chain } = await world();
    await writeFile(path.join(root, 'm1', 'extra.py'), 'import os\n');
    const r = await verifyLineage(chain);
    expect(r.broken).toMatchObject({ index: 1, reason: 'subject-mismatch' });
    expect(r.broken!.message).toMatch(/the run produced sha256:/);
  });

  it('wrong key: the link verified with the wrong key fails with wrong-key', async () => {
    const { chain } = await world();
    const r = await verifyLineage([chain[0], { ...chain[1], verifier: createKeyVerifier(publisher.pub) }]);
    expect(r.broken).toMatchObject({ index: 1, reason: 'wrong-key' });
    expect(attestationFindings(r, 'c')[0].ruleId).toBe('BW-ATT-001');
    const r0 = await verifyLineage([{ ...chain[0], verifier: createKeyVerifier(trainer.pub) }, chain[1]]);
    expect(r0.broken).toMatchObject({ index: 0, reason: 'wrong-key' });
  });

  it('a forged run (base digest edited to match a swapped base) fails with bad-signature', async () => {
    const { chain } = await world();
    const forged = structuredClone(chain[1].bundle);
    const st = JSON.parse(Buffer.from(forged.dsseEnvelope.payload, 'base64').toString('utf8'));
    st.predicate.buildDefinition.resolvedDependencies[0].digest.sha256 = 'f'.repeat(64);
    forged.dsseEnvelope.payload = Buffer.from(JSON.stringify(st)).toString('base64');
    const r = await verifyLineage([chain[0], { ...chain[1], bundle: forged }]);
    expect(r.broken).toMatchObject({ index: 1, reason: 'bad-signature' });
  });

  it('a run without a base model cannot be a later link; a model signature cannot either', async () => {
    const { root, chain } = await world();
    const noBase = await attestRun(root, 'm1', undefined, [{ name: 'train', path: 'data/train.csv' }]);
    const r = await verifyLineage([chain[0], { ...chain[1], bundle: noBase }]);
    expect(r.broken).toMatchObject({ index: 1, reason: 'base-model-missing' });
    const r2 = await verifyLineage([chain[0], { ...chain[0], label: 'again' }]);
    expect(r2.broken).toMatchObject({ index: 1, reason: 'wrong-predicate-type' });
  });

  it('datasets without a local copy are unchecked, or fail with requireDatasets', async () => {
    const { chain } = await world();
    const noData = [chain[0], { ...chain[1], datasets: undefined }];
    const r = await verifyLineage(noData);
    expect(r.ok).toBe(true);
    expect(r.links[1].datasets[0]).toMatchObject({ name: 'train', checked: false });
    const strict = await verifyLineage(noData, { requireDatasets: true });
    expect(strict.broken).toMatchObject({ index: 1, reason: 'dataset-missing' });
    const unknown = await verifyLineage([chain[0], { ...chain[1], datasets: { nope: 'x.csv' } }]);
    expect(unknown.broken).toMatchObject({ index: 1, reason: 'dataset-missing' });
  });

  it('three generations: M0 → M1 → M2, and a break in the middle is named', async () => {
    const { root, chain } = await world();
    await writeFile(path.join(root, 'data', 'more.csv'), 'text,label\nagain,1\n');
    await mkdir(path.join(root, 'm2'));
    await writeFile(path.join(root, 'm2', 'weights.bin'), Buffer.alloc(2048, 3));
    const att2 = await attestRun(root, 'm2', 'm1', [{ name: 'more', path: 'data/more.csv' }]);
    const link2: LineageLink = {
      modelPath: path.join(root, 'm2'),
      bundle: att2,
      verifier: createKeyVerifier(trainer.pub),
      label: 'second',
      datasets: { more: path.join(root, 'data', 'more.csv') },
    };
    expect((await verifyLineage([...chain, link2])).ok).toBe(true);
    // Skipping the middle generation breaks the chain at the last link.
    const skip = await verifyLineage([chain[0], link2]);
    expect(skip.broken).toMatchObject({ index: 1, reason: 'base-model-mismatch' });
  });
});

describe('verifyLineage with signatures and attestations stored inside the model directories', () => {
  it('model.sig in the base model and the attestation in the output model do not change the digests', async () => {
    const { root } = await world();
    const m0 = path.join(root, 'm0');
    const sigPath = path.join(m0, 'model.sig');
    // As model_signing does: the signature file is an ignored path of its own manifest.
    const manifest = await hashModelSerial(m0, { ignorePaths: [sigPath] });
    const sig0 = await createKeySigner(publisher.priv).sign(
      INTOTO_PAYLOAD_TYPE,
      statementPayload(manifestToStatement(manifest)),
    );
    await writeFile(sigPath, JSON.stringify(sig0));
    const att1 = await attestRun(root, 'm1', 'm0', [{ name: 'train', path: 'data/train.csv' }]);
    await writeFile(path.join(root, 'm1', 'training.intoto.sigstore.json'), JSON.stringify(att1));
    const r = await verifyLineage([
      { modelPath: m0, bundle: sig0, verifier: createKeyVerifier(publisher.pub) },
      { modelPath: path.join(root, 'm1'), bundle: att1, verifier: createKeyVerifier(trainer.pub) },
    ]);
    expect(r.broken).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.links[0].label).toBe('link 1');
  });
});
