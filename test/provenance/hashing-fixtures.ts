// Shared by the hashing tests: the model-transparency test fixtures rebuilt in a temporary directory, and the
// goldens read in place from the shared vectors folder (never copied into the repository).
import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MT = path.resolve(ROOT, '..', 'shared', 'vectors', 'oms', 'model-transparency');
export const PAYLOAD_DIR = path.join(MT, 'tests/_signing/testdata/signing/TestPayload');
export const SERIALIZER_DIR = path.join(MT, 'tests/_serialization/testdata');
export const SCRIPT_TESTS = path.join(MT, 'scripts/tests');

/** `test_support.KNOWN_MODEL_TEXT` of model-transparency. */
export const KNOWN_MODEL_TEXT = 'This is a simple model';

export const FIXTURES = [
  'sample_model_file',
  'empty_model_file',
  'sample_model_folder',
  'empty_model_folder',
  'model_folder_with_empty_file',
  'deep_model_folder',
  'symlink_model_folder',
] as const;
export type FixtureName = (typeof FIXTURES)[number];

/**
 * Rebuilds one fixture of model-transparency's `tests/conftest.py` under `base` and returns the model path (a file
 * for the single-file fixtures). The layouts and texts are those of conftest.py; the goldens confirm them.
 */
export async function buildFixture(base: string, name: FixtureName): Promise<string> {
  const dir = await mkdtemp(path.join(base, `${name}-`));
  switch (name) {
    case 'sample_model_file':
    case 'empty_model_file': {
      const file = path.join(dir, 'file');
      await writeFile(file, name === 'sample_model_file' ? KNOWN_MODEL_TEXT : '');
      return file;
    }
    case 'sample_model_folder': {
      const root = path.join(dir, 'root');
      for (let i = 0; i < 2; i++) {
        await mkdir(path.join(root, `d${i}`), { recursive: true });
        for (let j = 0; j < 3; j++)
          await writeFile(path.join(root, `d${i}`, `f${i}${j}`), `This is file f${i}${j} in d${i}.`);
      }
      for (let i = 0; i < 4; i++) await writeFile(path.join(root, `f${i}`), `This is file f${i} in root.`);
      return root;
    }
    case 'empty_model_folder': {
      const root = path.join(dir, 'root');
      await mkdir(root);
      return root;
    }
    case 'model_folder_with_empty_file': {
      const root = path.join(dir, 'root');
      await mkdir(root);
      await writeFile(path.join(root, 'empty_file'), '');
      return root;
    }
    case 'deep_model_folder': {
      const root = path.join(dir, 'root');
      const deep = path.join(root, 'd0', 'd1', 'd2', 'd3', 'd4');
      await mkdir(deep, { recursive: true });
      for (let i = 0; i < 4; i++) await writeFile(path.join(deep, `f${i}`), `This is file f${i}.`);
      return root;
    }
    case 'symlink_model_folder': {
      await mkdir(path.join(dir, 'external'));
      const external = path.join(dir, 'external', 'file');
      await writeFile(external, KNOWN_MODEL_TEXT);
      const model = path.join(dir, 'model');
      await mkdir(model);
      await symlink(external, path.join(model, 'symlink_file'));
      return model;
    }
  }
}

export interface GoldenResource {
  name: string;
  algorithm: string;
  digest: string;
}

/** Payload golden variants: files, 1 GB shards (the default size), 8-byte shards. */
export const PAYLOAD_VARIANTS = [
  { suffix: '', method: 'files', shardSize: undefined },
  { suffix: '_shard', method: 'shards', shardSize: 1_000_000_000 },
  { suffix: '_small_shards', method: 'shards', shardSize: 8 },
] as const;

export interface PayloadGolden {
  root: string;
  serialization: { method: string; hash_type: string; allow_symlinks: boolean; shard_size?: number };
  resources: GoldenResource[];
}

/** An in-toto statement golden of `tests/_signing/testdata/signing/TestPayload/`. */
export async function payloadGolden(file: string): Promise<PayloadGolden> {
  const st = JSON.parse(await readFile(path.join(PAYLOAD_DIR, file), 'utf8')) as {
    subject: { digest: { sha256: string } }[];
    predicate: PayloadGolden;
  };
  return {
    root: st.subject[0].digest.sha256,
    serialization: st.predicate.serialization,
    resources: st.predicate.resources.map((r) => ({
      name: r.name,
      algorithm: r.algorithm,
      digest: r.digest,
    })),
  };
}

/** A `name:hexdigest` golden of `tests/_serialization/testdata/{file,file_shard}/TestSerializer/`. */
export async function serializerGolden(
  kind: 'file' | 'file_shard',
  name: string,
): Promise<[string, string][]> {
  const text = await readFile(path.join(SERIALIZER_DIR, kind, 'TestSerializer', name), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const i = l.lastIndexOf(':');
      return [l.slice(0, i), l.slice(i + 1)];
    });
}

export async function tempBase(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'bulwark-hash-'));
}

/** The parts of `hashModel`'s signature the golden tests use (the dist and source builds both fit). */
export type HashFn = (
  modelPath: string,
  opts: {
    method?: 'files' | 'shards';
    shardSize?: number;
    allowSymlinks?: boolean;
    workers?: number;
  },
) => Promise<{
  resources: GoldenResource[];
  rootDigest: string;
  serialization: { method: string; hash_type: string; allow_symlinks: boolean; shard_size?: number };
}>;

/** Every (fixture, mode) pair with a golden, and the options that reproduce it. */
export function goldenCases(): {
  label: string;
  fixture: FixtureName;
  opts: { method: 'files' | 'shards'; shardSize?: number; allowSymlinks: true };
  golden: () => Promise<{
    root?: string;
    resources: [string, string][];
    algorithm: string;
    payload?: PayloadGolden;
  }>;
}[] {
  const cases: ReturnType<typeof goldenCases> = [];
  for (const fixture of FIXTURES) {
    for (const v of PAYLOAD_VARIANTS) {
      const algorithm = v.method === 'files' ? 'sha256' : `sha256-sharded-${v.shardSize}`;
      cases.push({
        label: `TestPayload/${fixture}${v.suffix}`,
        fixture,
        opts: { method: v.method, shardSize: v.shardSize, allowSymlinks: true },
        golden: async () => {
          const g = await payloadGolden(`${fixture}${v.suffix}`);
          return {
            root: g.root,
            resources: g.resources.map((r) => [r.name, r.digest] as [string, string]),
            algorithm,
            payload: g,
          };
        },
      });
    }
    cases.push({
      label: `file/TestSerializer/${fixture}`,
      fixture,
      opts: { method: 'files', allowSymlinks: true },
      golden: async () => ({ resources: await serializerGolden('file', fixture), algorithm: 'sha256' }),
    });
    for (const [suffix, shardSize] of [
      ['', 1_000_000_000],
      ['_small_shards', 8],
    ] as const)
      cases.push({
        label: `file_shard/TestSerializer/${fixture}${suffix}`,
        fixture,
        opts: { method: 'shards', shardSize, allowSymlinks: true },
        golden: async () => ({
          resources: await serializerGolden('file_shard', `${fixture}${suffix}`),
          algorithm: `sha256-sharded-${shardSize}`,
        }),
      });
  }
  return cases;
}
