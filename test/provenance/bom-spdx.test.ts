import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { serializeBom } from '../../src/provenance/bom/cyclonedx.js';
import {
  buildSpdxDocument,
  NO_ASSERTION_ELEMENT,
  NO_ASSERTION_LICENSE,
  type SpdxDocumentJson,
  type SpdxNode,
} from '../../src/provenance/bom/spdx.js';
import { checkSpdxDocument } from '../../src/provenance/bom/validate.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = path.join(ROOT, 'fixtures', 'provenance', 'hf-model');
const TS = '2026-01-01T00:00:00Z';

// No SPDX 3.0.1 JSON schema is available offline: these tests use checkSpdxDocument, a structural check
// (types, unique IRIs, required properties per class, vocabularies, references, license relationships).

let doc: SpdxDocumentJson;
let graph: SpdxNode[];
const byType = (t: string): SpdxNode[] => graph.filter((n) => n.type === t);
const rels = (type: string): SpdxNode[] =>
  graph.filter((n) => n.type === 'Relationship' && n.relationshipType === type);

beforeAll(async () => {
  doc = (await buildSpdxDocument(FIXTURE, { timestamp: TS, reproducible: true, name: 'acme/tiny-bert-sst2' }))
    .document;
  graph = doc['@graph'];
});

describe('buildSpdxDocument (SPDX 3.0.1 JSON-LD, AI and Dataset profiles)', () => {
  it('passes the structural check', () => {
    expect(doc['@context']).toBe('https://spdx.org/rdf/3.0.1/spdx-context.jsonld');
    expect(checkSpdxDocument(doc)).toEqual([]);
  });

  it('describes the model as an ai_AIPackage with the profile-required fields', () => {
    const [ai] = byType('ai_AIPackage');
    expect(ai).toMatchObject({
      name: 'acme/tiny-bert-sst2',
      releaseTime: TS,
      software_downloadLocation: 'https://huggingface.co/acme/tiny-bert-sst2',
      software_packageVersion: 'NOASSERTION',
      software_primaryPurpose: 'model',
      software_packageUrl: 'pkg:huggingface/acme/tiny-bert-sst2',
      ai_typeOfModel: ['bert', 'BertForSequenceClassification'],
      ai_domain: ['natural language processing'],
    });
    const supplier = graph.find((n) => n.spdxId === ai.suppliedBy)!;
    expect(supplier).toMatchObject({ type: 'Organization', name: 'acme' });
    expect(ai.ai_metric).toContainEqual({
      type: 'DictionaryEntry',
      key: 'accuracy [GLUE SST2 (config sst2, split validation)]',
      value: '0.9232',
    });
    expect(String(ai.ai_limitation)).toMatch(/degrades on long documents/);
    expect(String(ai.ai_informationAboutTraining)).toMatch(/learning_rate: 2e-05/);
    const [root] = ai.verifiedUsing as { algorithm: string; hashValue: string }[];
    expect(root.algorithm).toBe('other');
  });

  it('lists every file with its SHA-256, contained in the model, and the OMS root digest', async () => {
    const names = (await readdir(FIXTURE)).sort();
    const files = byType('software_File');
    expect(files.map((f) => f.name)).toEqual(names);
    const digests: string[] = [];
    for (const [i, f] of files.entries()) {
      const d = createHash('sha256')
        .update(await readFile(path.join(FIXTURE, names[i])))
        .digest('hex');
      digests.push(d);
      expect(f.verifiedUsing).toEqual([{ type: 'Hash', algorithm: 'sha256', hashValue: d }]);
    }
    const [contains] = rels('contains');
    expect(contains.from).toBe(byType('ai_AIPackage')[0].spdxId);
    expect(contains.to).toEqual(files.map((f) => f.spdxId));
    const root = createHash('sha256');
    for (const d of digests) root.update(Buffer.from(d, 'hex'));
    expect((byType('ai_AIPackage')[0].verifiedUsing as { hashValue: string }[])[0].hashValue).toBe(
      root.digest('hex'),
    );
  });

  it('links datasets (trainedOn/testedOn), the base model (descendantOf), dependencies and licenses', () => {
    const model = byType('ai_AIPackage')[0].spdxId;
    const ds = byType('dataset_DatasetPackage');
    expect(ds.map((d) => d.name)).toEqual(['nyu-mll/glue', 'stanfordnlp/imdb']);
    for (const d of ds) {
      expect(d.dataset_datasetType).toEqual(['text']);
      expect((d.originatedBy as string[]).length).toBe(1);
      expect(graph.find((n) => n.spdxId === (d.originatedBy as string[])[0])!.type).toBe('Organization');
    }
    expect(rels('trainedOn')).toEqual([
      expect.objectContaining({ from: model, to: ds.map((d) => d.spdxId) }),
    ]);
    expect(rels('testedOn')).toEqual([expect.objectContaining({ from: model, to: ds.map((d) => d.spdxId) })]);
    const [desc] = rels('descendantOf');
    expect(desc.comment).toBe('base_model_relation: finetune');
    expect(graph.find((n) => n.spdxId === (desc.to as string[])[0])).toMatchObject({
      type: 'software_Package',
      name: 'google-bert/bert-base-uncased',
      software_primaryPurpose: 'model',
    });
    const [deps] = rels('dependsOn');
    const purls = (deps.to as string[]).map((id) => graph.find((n) => n.spdxId === id)!.software_packageUrl);
    expect(purls).toContain('pkg:pypi/torch@2.3.1');
    const [declared] = rels('hasDeclaredLicense');
    expect(graph.find((n) => n.spdxId === (declared.to as string[])[0])).toMatchObject({
      type: 'simplelicensing_LicenseExpression',
      simplelicensing_licenseExpression: 'Apache-2.0',
    });
    expect(rels('hasConcludedLicense')[0].to).toEqual([NO_ASSERTION_LICENSE]);
    const [sdoc] = byType('SpdxDocument');
    expect(sdoc.rootElement).toEqual([model]);
    const ids = graph.filter((n) => n.spdxId && n.type !== 'SpdxDocument').map((n) => n.spdxId);
    expect(new Set(sdoc.element as string[])).toEqual(new Set(ids));
  });

  it('is byte-for-byte reproducible with a fixed timestamp', async () => {
    const again = (
      await buildSpdxDocument(FIXTURE, { timestamp: TS, reproducible: true, name: 'acme/tiny-bert-sst2' })
    ).document;
    expect(serializeBom(again)).toBe(serializeBom(doc));
    const random = (await buildSpdxDocument(FIXTURE, { timestamp: TS })).document;
    expect(random['@graph'][1].spdxId).not.toBe(graph[1].spdxId);
  });

  it('without a repo id: NoAssertion supplier, NOASSERTION download location; single file model', async () => {
    const d = (await buildSpdxDocument(path.join(FIXTURE, 'model.safetensors'), { timestamp: TS })).document;
    expect(checkSpdxDocument(d)).toEqual([]);
    const [ai] = d['@graph'].filter((n) => n.type === 'ai_AIPackage');
    expect(ai.suppliedBy).toBe(NO_ASSERTION_ELEMENT);
    expect(ai.software_downloadLocation).toBe('NOASSERTION');
    expect((ai.verifiedUsing as { algorithm: string }[]).map((h) => h.algorithm)).toEqual([
      'other',
      'sha256',
    ]);
    expect(d['@graph'].filter((n) => n.type === 'dataset_DatasetPackage')).toEqual([]);
  });
});

describe('checkSpdxDocument is live', () => {
  const mutate = (f: (g: SpdxNode[]) => void): string[] => {
    const copy = structuredClone(doc);
    f(copy['@graph']);
    return checkSpdxDocument(copy);
  };

  it('reports missing dataset types, dangling references, duplicate ids and unknown vocabulary', () => {
    expect(
      mutate((g) => {
        delete g.find((n) => n.type === 'dataset_DatasetPackage')!.dataset_datasetType;
      }),
    ).toEqual([expect.stringMatching(/dataset_datasetType must list at least one DatasetType/)]);
    expect(
      mutate((g) => {
        g.find((n) => n.type === 'Relationship')!.to = [
          'urn:uuid:00000000-0000-0000-0000-000000000000#nothing',
        ];
      }),
    ).toEqual([expect.stringMatching(/to → .* is not in the graph/)]);
    expect(
      mutate((g) => {
        const files = g.filter((n) => n.type === 'software_File');
        files[1].spdxId = files[0].spdxId;
      }),
    ).toContainEqual(expect.stringMatching(/is used twice/));
    expect(
      mutate((g) => {
        g.find((n) => n.type === 'Relationship' && n.relationshipType === 'trainedOn')!.relationshipType =
          'trainedWith';
      }),
    ).toEqual([expect.stringMatching(/relationshipType is missing or not a RelationshipType/)]);
    expect(
      mutate((g) => {
        g.find((n) => n.type === 'software_File')!.type = 'software_Blob';
      }),
    ).toContainEqual(expect.stringMatching(/unknown type "software_Blob"/));
    expect(
      mutate((g) => {
        delete g.find((n) => n.type === 'ai_AIPackage')!.releaseTime;
      }),
    ).toEqual([expect.stringMatching(/releaseTime is missing/)]);
    expect(
      mutate((g) => {
        const i = g.findIndex(
          (n) => n.type === 'Relationship' && n.relationshipType === 'hasDeclaredLicense',
        );
        g.splice(i, 1);
      }),
    ).toContainEqual(expect.stringMatching(/exactly one hasDeclaredLicense/));
    expect(
      mutate((g) => {
        (g.find((n) => n.type === 'software_File')!.verifiedUsing as { hashValue: string }[])[0].hashValue =
          'XYZ';
      }),
    ).toEqual([expect.stringMatching(/hashValue is not lower-case hex/)]);
    expect(checkSpdxDocument({ '@context': 'x', '@graph': {} })).toEqual([
      expect.stringMatching(/@context/),
      '@graph is not an array',
    ]);
  });
});
