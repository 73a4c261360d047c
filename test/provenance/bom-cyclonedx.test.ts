import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Validation } from '@cyclonedx/cyclonedx-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCycloneDxBom, serializeBom, uuidV5 } from '../../src/provenance/bom/cyclonedx.js';
import { summarizeBom } from '../../src/provenance/bom/summary.js';
import { validateCycloneDx } from '../../src/provenance/bom/validate.js';
import type { CdxBom, CdxComponent, CdxSpecVersion } from '../../src/provenance/bom/types.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = path.join(ROOT, 'fixtures', 'provenance', 'hf-model');
const VECTORS = path.resolve(ROOT, '..', 'shared', 'vectors', 'cyclonedx');
const TS = '2026-01-01T00:00:00Z';

const validators = {
  '1.6': new Validation.JsonStrictValidator('1.6' as never),
  '1.7': new Validation.JsonStrictValidator('1.7' as never),
};

/** Validates against the given spec version with the CycloneDX library's strict JSON schema validator. */
async function schemaErrors(bom: unknown, v: CdxSpecVersion): Promise<unknown> {
  return validators[v].validate(JSON.stringify(bom));
}

/** Asserts that the BOM is valid CycloneDX in both 1.6 and 1.7 (re-labelled for the other version). */
async function expectValidBoth(bom: CdxBom): Promise<void> {
  for (const v of ['1.6', '1.7'] as const) {
    const copy = { ...bom, specVersion: v, $schema: `http://cyclonedx.org/schema/bom-${v}.schema.json` };
    expect(await schemaErrors(copy, v), `CycloneDX ${v}`).toBeNull();
  }
}

function prop(c: { properties?: { name: string; value?: string }[] }, name: string): string[] {
  return (c.properties ?? []).filter((p) => p.name === name).map((p) => p.value ?? '');
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'bulwark-bom-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function copyFixture(name: string): Promise<string> {
  const dir = path.join(tmp, name);
  await cp(FIXTURE, dir, { recursive: true });
  return dir;
}

describe('buildCycloneDxBom on the HF-style fixture', () => {
  let bom: CdxBom;
  let model: CdxComponent;
  beforeAll(async () => {
    bom = (await buildCycloneDxBom(FIXTURE, { timestamp: TS, reproducible: true })).document;
    model = bom.metadata!.component!;
  });

  it('validates as CycloneDX 1.6 and 1.7, and builds a valid 1.7 document when asked', async () => {
    await expectValidBoth(bom);
    const b17 = (await buildCycloneDxBom(FIXTURE, { timestamp: TS, specVersion: '1.7' })).document;
    expect(b17.specVersion).toBe('1.7');
    expect(b17.$schema).toBe('http://cyclonedx.org/schema/bom-1.7.schema.json');
    expect(await schemaErrors(b17, '1.7')).toBeNull();
    expect(await validateCycloneDx(b17, '1.7')).toEqual({ available: true, valid: true });
  });

  it('carries the SHA-256 of every file and the OMS root digest, computed independently here', async () => {
    const names = (await readdir(FIXTURE)).sort();
    const digests: string[] = [];
    for (const n of names) digests.push(sha256(await readFile(path.join(FIXTURE, n))));
    const files = model.components!;
    expect(files.map((f) => f.name)).toEqual(names);
    files.forEach((f, i) => {
      expect(f.type).toBe('file');
      expect(f.hashes).toEqual([{ alg: 'SHA-256', content: digests[i] }]);
      expect(prop(f, 'bulwark:source')).toEqual(['computed']);
    });
    const root = createHash('sha256');
    for (const d of digests) root.update(Buffer.from(d, 'hex'));
    expect(prop(model, 'bulwark:oms:rootDigest')).toEqual([root.digest('hex')]);
    expect(prop(model, 'bulwark:oms:fileCount')).toEqual([String(names.length)]);
    // A directory has no component-level hash: its identity is the root digest.
    expect(model.hashes).toBeUndefined();
  });

  it('fills the model component and model card from README front matter and config.json', () => {
    expect(model.type).toBe('machine-learning-model');
    expect(model.name).toBe('tiny-bert-sst2');
    expect(prop(model, 'bulwark:source:name')).toEqual(['declared']);
    expect(model.licenses).toEqual([{ license: { id: 'Apache-2.0' } }]);
    expect(model.description).toMatch(/^This model is a fine-tuned version/);
    const mc = model.modelCard!;
    expect(mc.modelParameters).toMatchObject({
      task: 'text-classification',
      architectureFamily: 'bert',
      modelArchitecture: 'BertForSequenceClassification',
      inputs: [{ format: 'text' }],
      outputs: [{ format: 'label' }],
    });
    expect(mc.modelParameters!.approach).toBeUndefined(); // a repository does not say; never guessed
    expect(mc.quantitativeAnalysis!.performanceMetrics).toEqual([
      { type: 'accuracy', value: '0.9232', slice: 'GLUE SST2 (config sst2, split validation)' },
      { type: 'f1', value: '0.9187', slice: 'GLUE SST2 (config sst2, split validation)' },
      { type: 'accuracy', value: '0.8811', slice: 'IMDB (split test)' },
    ]);
    expect(mc.considerations!.useCases![0]).toMatch(/^Binary sentiment classification/);
    expect(mc.considerations!.technicalLimitations!.join('\n')).toMatch(/degrades on long documents/);
    // The "[More Information Needed]" template placeholder is not carried over.
    expect(JSON.stringify(mc)).not.toMatch(/More Information Needed/);
    expect(mc.considerations!.ethicalConsiderations).toEqual([
      {
        name: expect.stringMatching(/^Movie-review sentiment does not transfer/),
        mitigationStrategy: expect.stringMatching(/^Evaluate on in-domain data/),
      },
    ]);
    expect(prop(mc, 'bulwark:source')).toEqual(['declared']);
    expect(prop(mc, 'bulwark:config:hidden_size')).toEqual(['32']);
    expect(prop(mc, 'bulwark:config:num_labels')).toEqual(['2']);
    expect(prop(mc, 'bulwark:tokenizer:class')).toEqual(['BertTokenizer']);
    // config.json's _name_or_path (often a local path of the training machine) is not copied.
    expect(JSON.stringify(bom)).not.toContain('_name_or_path');
  });

  it('links datasets as data components referenced from the model card', () => {
    const refs = model.modelCard!.modelParameters!.datasets!.map((d) => (d as { ref: string }).ref);
    expect(refs).toEqual(['dataset:nyu-mll/glue', 'dataset:stanfordnlp/imdb']);
    for (const ref of refs) {
      const c = bom.components!.find((x) => x['bom-ref'] === ref)!;
      expect(c.type).toBe('data');
      expect(c.data![0]).toMatchObject({
        type: 'dataset',
        contents: { url: `https://huggingface.co/datasets/${ref.slice('dataset:'.length)}` },
      });
      expect(prop(c, 'bulwark:dataset:usage')).toEqual(['training', 'evaluation']);
      expect(prop(c, 'bulwark:source')).toEqual(['declared']);
    }
  });

  it('records the base model as a pedigree ancestor with its relation', () => {
    expect(model.pedigree!.ancestors).toEqual([
      expect.objectContaining({
        type: 'machine-learning-model',
        group: 'google-bert',
        name: 'bert-base-uncased',
        purl: 'pkg:huggingface/google-bert/bert-base-uncased',
      }),
    ]);
    expect(prop(model.pedigree!.ancestors![0], 'bulwark:hf:base_model_relation')).toEqual(['finetune']);
  });

  it('lists requirements.txt as pypi library components and a complete dependency graph', () => {
    const libs = bom.components!.filter((c) => c.type === 'library');
    expect(libs.map((l) => l.purl)).toEqual([
      'pkg:pypi/transformers',
      'pkg:pypi/torch@2.3.1',
      'pkg:pypi/safetensors',
      'pkg:pypi/numpy',
      'pkg:pypi/scikit-learn',
      'pkg:pypi/tokenizers',
    ]);
    const torch = libs[1];
    expect(torch.version).toBe('2.3.1');
    expect(prop(libs[0], 'bulwark:dependency:specifier')).toEqual(['>=4.40,<5']);
    expect(prop(libs[3], 'bulwark:dependency:marker')).toEqual(['python_version >= "3.9"']);
    expect(prop(libs[5], 'bulwark:dependency:extras')).toEqual(['testing']);
    expect(prop(libs[5], 'bulwark:dependency:specifier')).toEqual(['~=0.19']);
    const model = bom.dependencies!.find((d) => d.ref === 'model')!;
    expect(model.dependsOn).toEqual(libs.map((l) => l['bom-ref']));
    const allRefs = new Set<string>();
    const walk = (c: CdxComponent): void => {
      if (c['bom-ref']) {
        expect(allRefs.has(c['bom-ref']), `duplicate bom-ref ${c['bom-ref']}`).toBe(false);
        allRefs.add(c['bom-ref']);
      }
      c.components?.forEach(walk);
      c.pedigree?.ancestors?.forEach(walk);
    };
    walk(bom.metadata!.component!);
    bom.components!.forEach(walk);
    for (const d of bom.dependencies!)
      for (const r of [d.ref, ...(d.dependsOn ?? [])]) expect(allRefs.has(r), r).toBe(true);
  });

  it('is byte-for-byte reproducible with a fixed timestamp, and random otherwise', async () => {
    const a = serializeBom(
      (await buildCycloneDxBom(FIXTURE, { timestamp: TS, reproducible: true })).document,
    );
    const b = serializeBom(
      (await buildCycloneDxBom(FIXTURE, { timestamp: TS, reproducible: true })).document,
    );
    expect(a).toBe(b);
    expect(a).toBe(serializeBom(bom));
    const later = (
      await buildCycloneDxBom(FIXTURE, { timestamp: '2026-01-02T00:00:00Z', reproducible: true })
    ).document;
    expect(later.serialNumber).not.toBe(bom.serialNumber);
    const r1 = (await buildCycloneDxBom(FIXTURE, { timestamp: TS })).document;
    const r2 = (await buildCycloneDxBom(FIXTURE, { timestamp: TS })).document;
    expect(r1.serialNumber).not.toBe(r2.serialNumber);
    await expectValidBoth(later);
    await expectValidBoth(r1);
    expect(r1.serialNumber).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(bom.serialNumber).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    await expect(buildCycloneDxBom(FIXTURE, { reproducible: true })).rejects.toThrow(/fixed creation time/);
    await expect(buildCycloneDxBom(FIXTURE, { timestamp: 'yesterday' })).rejects.toThrow(/not a date/);
  });

  it('computes RFC 4122 version-5 UUIDs (DNS namespace vector)', () => {
    // Python: uuid.uuid5(uuid.NAMESPACE_DNS, 'python.org')
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'python.org')).toBe(
      '886313e1-3b8a-5372-9b90-0c9aee199e5d',
    );
  });

  it('takes ORG/NAME as a Hugging Face repo id: group, purl with revision, hub references', async () => {
    const b = (
      await buildCycloneDxBom(FIXTURE, { timestamp: TS, name: 'acme/tiny-bert-sst2', version: 'ABC123' })
    ).document;
    const m = b.metadata!.component!;
    expect(m.group).toBe('acme');
    expect(m.name).toBe('tiny-bert-sst2');
    expect(m.version).toBe('ABC123');
    expect(m.purl).toBe('pkg:huggingface/acme/tiny-bert-sst2@abc123');
    expect(m.externalReferences).toEqual(
      expect.arrayContaining([
        { type: 'distribution', url: 'https://huggingface.co/acme/tiny-bert-sst2' },
        { type: 'model-card', url: 'https://huggingface.co/acme/tiny-bert-sst2/blob/main/README.md' },
      ]),
    );
    expect(prop(m, 'bulwark:source:name')).toEqual(['supplied']);
    await expectValidBoth(b);
  });
});

describe('signature bundle and scan report references', () => {
  function bundleFor(rootDigest: string): string {
    const statement = {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'hf-model', digest: { sha256: rootDigest } }],
      predicateType: 'https://model_signing/signature/v1.0',
      predicate: {
        serialization: { method: 'files', hash_type: 'sha256', allow_symlinks: false, ignore_paths: [] },
      },
    };
    return JSON.stringify({
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: { publicKey: { hint: 'abc' } },
      dsseEnvelope: {
        payload: Buffer.from(JSON.stringify(statement)).toString('base64'),
        payloadType: 'application/vnd.in-toto+json',
        signatures: [{ sig: Buffer.from('not-a-real-signature').toString('base64'), keyid: '' }],
      },
    });
  }

  it('references and hashes both; a bundle kept inside the model is left out of hashing', async () => {
    const dir = await copyFixture('signed');
    const plain = (await buildCycloneDxBom(dir, { timestamp: TS })).document;
    const root = prop(plain.metadata!.component!, 'bulwark:oms:rootDigest')[0];
    const sig = bundleFor(root);
    await writeFile(path.join(dir, 'model.sig'), sig);
    const report = path.join(tmp, 'scan report.json');
    await writeFile(report, '{"files":[]}\n');
    const r = await buildCycloneDxBom(path.join(dir), {
      timestamp: TS,
      cwd: tmp,
      signature: path.join('signed', 'model.sig'),
      scanReport: 'scan report.json',
    });
    const m = r.document.metadata!.component!;
    expect(prop(m, 'bulwark:oms:rootDigest')).toEqual([root]);
    expect(m.components!.map((c) => c.name)).not.toContain('model.sig');
    expect(m.externalReferences).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'digital-signature',
          url: 'signed/model.sig',
          hashes: [{ alg: 'SHA-256', content: sha256(Buffer.from(sig)) }],
        }),
        expect.objectContaining({
          type: 'static-analysis-report',
          url: 'scan%20report.json',
          hashes: [{ alg: 'SHA-256', content: sha256(Buffer.from('{"files":[]}\n')) }],
        }),
      ]),
    );
    expect(prop(m, 'bulwark:signature:subjectMatchesRootDigest')).toEqual(['true']);
    expect(r.warnings).toEqual([]);
    await expectValidBoth(r.document);
  });

  it('warns when the bundle signs other content, and accepts https URLs without hashing them', async () => {
    const sigFile = path.join(tmp, 'other.sig');
    await writeFile(sigFile, bundleFor('00'.repeat(32)));
    const r = await buildCycloneDxBom(FIXTURE, {
      timestamp: TS,
      signature: sigFile,
      scanReport: 'https://example.com/reports/tiny-bert.json',
    });
    const m = r.document.metadata!.component!;
    expect(prop(m, 'bulwark:signature:subjectMatchesRootDigest')).toEqual(['false']);
    expect(r.warnings.join('\n')).toMatch(/differs from this model's OMS root digest/);
    expect(prop(r.document, 'bulwark:warning').join('\n')).toMatch(
      /differs from this model's OMS root digest/,
    );
    expect(m.externalReferences).toContainEqual({
      type: 'static-analysis-report',
      url: 'https://example.com/reports/tiny-bert.json',
      comment: 'model file scan report',
    });
    await expectValidBoth(r.document);
    await expect(
      buildCycloneDxBom(FIXTURE, { timestamp: TS, signature: path.join(tmp, 'missing.sig') }),
    ).rejects.toThrow(/does not exist/);
    await expect(buildCycloneDxBom(FIXTURE, { timestamp: TS, signature: 'ftp://x/y.sig' })).rejects.toThrow(
      /only local paths and http/,
    );
  });
});

describe('hostile and unusual repositories', () => {
  it('oversized, malformed and hostile metadata: still a valid BOM, with warnings recorded', async () => {
    const dir = await copyFixture('hostile');
    await writeFile(path.join(dir, 'README.md'), `---\nlicense: mit\n---\n${'A'.repeat(1024 * 1024 + 10)}`);
    await writeFile(path.join(dir, 'config.json'), '{"model_type": "bert", ');
    await writeFile(path.join(dir, 'tokenizer_config.json'), '[1, 2, 3]');
    const r = await buildCycloneDxBom(dir, { timestamp: TS });
    expect(r.warnings).toEqual([
      expect.stringMatching(/^README\.md is \d+ bytes, over the 1048576-byte limit; not read$/),
      expect.stringMatching(/^config\.json is not valid JSON/),
      'tokenizer_config.json is not a JSON object; ignored',
    ]);
    expect(prop(r.document, 'bulwark:warning')).toEqual(r.warnings);
    const m = r.document.metadata!.component!;
    expect(m.name).toBe('hostile'); // no card: the directory name, marked inferred
    expect(prop(m, 'bulwark:source:name')).toEqual(['inferred']);
    expect(m.licenses).toBeUndefined();
    await expectValidBoth(r.document);
  });

  it('YAML code tags and alias bombs are never executed or expanded', async () => {
    const dir = await copyFixture('yaml');
    await writeFile(
      path.join(dir, 'README.md'),
      '---\nlicense: !!python/object/apply:os.system ["echo pwned"]\npipeline_tag: text-generation\n---\n# x\n',
    );
    const a = await buildCycloneDxBom(dir, { timestamp: TS });
    // The unknown tag constructs nothing, and a card using one is not trusted at all.
    expect(a.warnings).toEqual([
      expect.stringMatching(
        /^README\.md: front matter uses a YAML tag outside the core schema .*; metadata ignored$/,
      ),
    ]);
    expect(a.document.metadata!.component!.licenses).toBeUndefined();
    expect(a.document.metadata!.component!.modelCard!.modelParameters?.task).toBeUndefined();
    expect(JSON.stringify(a.document)).not.toMatch(/pwned/);
    await expectValidBoth(a.document);

    const lol = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++)
      lol.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(',')}]`,
      );
    await writeFile(path.join(dir, 'README.md'), `---\n${lol.join('\n')}\nlicense: mit\n---\n`);
    const b = await buildCycloneDxBom(dir, { timestamp: TS });
    expect(b.warnings.join('\n')).toMatch(/README\.md: front matter could not be read/);
    await expectValidBoth(b.document);
  });

  it('does not read a metadata file that is a symbolic link (e.g. to a file outside the model)', async () => {
    const dir = await copyFixture('linked');
    const secret = path.join(tmp, 'secret.md');
    await writeFile(secret, '---\nlicense: gpl-3.0\nmodel-index:\n- name: leaked-secret-name\n---\n');
    await rm(path.join(dir, 'README.md'));
    await symlink(secret, path.join(dir, 'README.md'));
    await expect(buildCycloneDxBom(dir, { timestamp: TS })).rejects.toThrow(/symbolic link/);
    const r = await buildCycloneDxBom(dir, { timestamp: TS, hash: { allowSymlinks: true } });
    expect(r.warnings).toContain('README.md is not a regular file (a link or special file); not read');
    expect(JSON.stringify(r.document)).not.toContain('leaked-secret-name');
    await expectValidBoth(r.document);
  });

  it('licenses: SPDX ids are normalised, others become named licenses with their link', async () => {
    const dir = await copyFixture('licenses');
    const card = (meta: string) => writeFile(path.join(dir, 'README.md'), `---\n${meta}\n---\n# m\n`);
    await card('license: other\nlicense_name: tiny-community-license\nlicense_link: LICENSE.md');
    let m = (await buildCycloneDxBom(dir, { timestamp: TS })).document;
    expect(m.metadata!.component!.licenses).toEqual([
      { license: { name: 'tiny-community-license', url: 'LICENSE.md' } },
    ]);
    await expectValidBoth(m);
    await card('license: llama2');
    m = (await buildCycloneDxBom(dir, { timestamp: TS })).document;
    expect(m.metadata!.component!.licenses).toEqual([{ license: { name: 'llama2' } }]);
    await card('license: cc-by-nc-4.0\nlicense_link: "not a url with spaces"');
    m = (await buildCycloneDxBom(dir, { timestamp: TS })).document;
    expect(m.metadata!.component!.licenses).toEqual([{ license: { id: 'CC-BY-NC-4.0' } }]);
    await expectValidBoth(m);
  });

  it('hash.ignorePaths leaves files out of the BOM and of the root digest', async () => {
    const all = await buildCycloneDxBom(FIXTURE, { timestamp: TS });
    const r = await buildCycloneDxBom(FIXTURE, { timestamp: TS, hash: { ignorePaths: ['vocab.txt'] } });
    const names = r.document.metadata!.component!.components!.map((c) => c.name);
    expect(names).not.toContain('vocab.txt');
    expect(names).toHaveLength(all.manifest.resources.length - 1);
    expect(r.manifest.rootDigest).not.toBe(all.manifest.rootDigest);
    expect(prop(r.document.metadata!.component!, 'bulwark:oms:ignorePaths')[0]).toMatch(/vocab\.txt/);
  });

  it('a single-file model carries its hash on the component itself', async () => {
    const file = path.join(FIXTURE, 'model.safetensors');
    const r = await buildCycloneDxBom(file, { timestamp: TS });
    const m = r.document.metadata!.component!;
    expect(m.name).toBe('model.safetensors');
    expect(m.hashes).toEqual([{ alg: 'SHA-256', content: sha256(await readFile(file)) }]);
    expect(m.components).toBeUndefined();
    expect(m.modelCard).toBeUndefined();
    await expectValidBoth(r.document);
  });

  it('pyproject.toml [project] dependencies and package.json dependencies', async () => {
    const dir = await copyFixture('deps');
    await rm(path.join(dir, 'requirements.txt'));
    await writeFile(
      path.join(dir, 'pyproject.toml'),
      [
        '[build-system]',
        'requires = ["setuptools"]',
        '[project]',
        'name = "tiny"',
        'dependencies = [',
        '  "torch>=2.1",  # comment with ] bracket',
        "  'Safe_Tensors==0.4.3',",
        '  "accelerate[deepspeed] @ https://example.com/accelerate.whl",',
        ']',
        '[tool.poetry.dependencies]',
        'python = "^3.10"',
      ].join('\n'),
    );
    await writeFile(
      path.join(dir, 'package.json'),
      JSON.stringify({
        dependencies: { '@huggingface/transformers': '3.0.2', 'onnxruntime-node': '^1.20.0' },
        devDependencies: { vitest: '1.0.0' },
      }),
    );
    const r = await buildCycloneDxBom(dir, { timestamp: TS });
    const libs = r.document.components!.filter((c) => c.type === 'library');
    expect(libs.map((l) => l.purl)).toEqual([
      'pkg:pypi/torch',
      'pkg:pypi/safe-tensors@0.4.3',
      'pkg:pypi/accelerate',
      'pkg:npm/%40huggingface/transformers@3.0.2',
      'pkg:npm/onnxruntime-node',
    ]);
    expect(libs[3]).toMatchObject({ group: '@huggingface', name: 'transformers', version: '3.0.2' });
    expect(prop(libs[2], 'bulwark:dependency:url')).toEqual(['https://example.com/accelerate.whl']);
    expect(prop(libs[4], 'bulwark:dependency:declaredIn')).toEqual(['package.json']);
    expect(r.warnings).toEqual([]);
    await expectValidBoth(r.document);
  });
});

describe('the validator is live, and the official CycloneDX ML examples', () => {
  it('rejects an invalid approach type and a data component with a stray url field', async () => {
    const bom = (await buildCycloneDxBom(FIXTURE, { timestamp: TS, approach: 'supervised' })).document;
    expect(bom.metadata!.component!.modelCard!.modelParameters!.approach).toEqual({ type: 'supervised' });
    await expectValidBoth(bom);
    const bad = structuredClone(bom);
    (bad.metadata!.component!.modelCard!.modelParameters!.approach as { type: string }).type = 'vibes';
    for (const v of ['1.6', '1.7'] as const) {
      const errs = (await schemaErrors({ ...bad, specVersion: v }, v)) as { instancePath?: string }[];
      expect(Array.isArray(errs) && errs.length > 0).toBe(true);
    }
    const bad2 = structuredClone(bom);
    (bad2.components![0].data![0] as unknown as Record<string, unknown>).url = 'https://example.com/';
    expect(await schemaErrors(bad2, '1.6')).not.toBeNull();
    const v = await validateCycloneDx(bad, '1.6');
    expect(v.available).toBe(true);
    expect(v.valid).toBe(false);
  });

  const vectorFiles = async (): Promise<string[]> => {
    const out: string[] = [];
    const walk = async (d: string): Promise<void> => {
      for (const e of await readdir(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) await walk(p);
        else if (/^valid-.*\.json$/.test(e.name)) out.push(p);
      }
    };
    await walk(VECTORS);
    return out.sort();
  };

  it('every valid-*.json example validates with the same validator', async () => {
    const files = await vectorFiles();
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const f of files) {
      const json = JSON.parse(await readFile(f, 'utf8')) as { specVersion: CdxSpecVersion };
      expect(await schemaErrors(json, json.specVersion), path.basename(f)).toBeNull();
    }
  });

  it('summarizeBom reads the ML components and model cards of the official examples', async () => {
    const byName = new Map<string, ReturnType<typeof summarizeBom>>();
    for (const f of await vectorFiles())
      byName.set(path.basename(f), summarizeBom(await readFile(f, 'utf8')));
    for (const v of ['1.6', '1.7']) {
      const ml = byName.get(`valid-machine-learning-${v}.json`)!;
      expect(ml.specVersion).toBe(v);
      expect(ml.models).toHaveLength(1);
      expect(ml.models[0]).toMatchObject({ group: 'CompVis', name: 'stable-diffusion', version: '1.4' });
      expect(ml.models[0].modelCard).toMatchObject({
        approach: 'supervised',
        datasets: ['Training Data'],
        inputs: ['string'],
        outputs: ['byte[]'],
      });
      expect(ml.models[0].modelCard!.metrics).toHaveLength(1);
      expect(ml.datasets).toContainEqual({
        name: 'Training Data',
        urls: ['https://example.com/path/to/dataset'],
      });

      const env = byName.get(`valid-machine-learning-considerations-env-${v}.json`)!;
      expect(env.models.map((m) => `${m.group}/${m.name}`)).toEqual(['meta-llama/Llama-2-7b']);

      const data = byName.get(`valid-component-data-${v}.json`)!;
      expect(data.models).toEqual([]);
      expect(data.datasets).toEqual([
        {
          bomRef: undefined,
          name: 'my-configs',
          urls: ['https://example.com/cfg/1337/app.ini', 'https://example.com/cfg/1337/env'],
        },
      ]);
    }
  });

  it('summarizeBom reads our own BOM: root digest, files, metrics, datasets, libraries', async () => {
    const r = await buildCycloneDxBom(FIXTURE, { timestamp: TS });
    const s = summarizeBom(serializeBom(r.document));
    expect(s.tools).toEqual([expect.stringMatching(/^bulwark \d+\.\d+\.\d+/)]);
    expect(s.models).toHaveLength(1); // pedigree ancestors are summarised as baseModels, not as models
    const m = s.models.find((x) => x.bomRef === 'model')!;
    expect(m.omsRootDigest).toBe(r.manifest.rootDigest);
    expect(m.files.map((f) => f.sha256)).toEqual(r.manifest.resources.map((x) => x.digest));
    expect(m.baseModels).toEqual(['google-bert/bert-base-uncased']);
    expect(m.modelCard!.metrics).toHaveLength(3);
    expect(s.datasets.map((d) => d.name)).toEqual(['nyu-mll/glue', 'stanfordnlp/imdb']);
    expect(s.libraries.map((l) => l.name)).toContain('torch');
    expect(() => summarizeBom({ bomFormat: 'SPDX' })).toThrow(/not a CycloneDX/);
  });
});
