// Worker threads run only the built JavaScript, so these tests build dist/ (once, shared with the CLI tests) and
// exercise the worker pool and the `bulwark hash` command from there.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as HashModule from '../../src/provenance/oms/hash.js';
import type * as ParallelModule from '../../src/provenance/oms/parallel.js';
import { ensureBuilt, runCli } from '../cli/helpers.js';
import { buildFixture, goldenCases, ROOT, tempBase } from './hashing-fixtures.js';

let parallel: typeof ParallelModule;
let serial: typeof HashModule;
let base: string;

beforeAll(async () => {
  await ensureBuilt();
  parallel = (await import(
    pathToFileURL(path.join(ROOT, 'dist/provenance/oms/parallel.js')).href
  )) as typeof ParallelModule;
  serial = (await import(
    pathToFileURL(path.join(ROOT, 'dist/provenance/oms/hash.js')).href
  )) as typeof HashModule;
  base = await tempBase();
});
afterAll(async () => {
  if (base) await rm(base, { recursive: true, force: true });
});

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

async function tree(files: Record<string, string | Buffer>): Promise<string> {
  const root = await mkdtemp(path.join(base, 'tree-'));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), content);
  }
  return root;
}

describe('hashModel on worker threads (dist)', () => {
  it('finds its worker script in dist', () => {
    expect(parallel.hashWorkerScript()).toBe(path.join(ROOT, 'dist/provenance/oms/hash-worker.js'));
  });

  it('reproduces the model-transparency payload goldens with 3 workers', async () => {
    // The serializer goldens hold the same digests; the in-thread tests check all 42 cases.
    let checked = 0;
    for (const c of goldenCases().filter((g) => g.label.startsWith('TestPayload/'))) {
      const model = await buildFixture(base, c.fixture);
      const golden = await c.golden();
      const m = await parallel.hashModel(model, { ...c.opts, workers: 3 });
      expect(
        m.resources.map((r) => [r.name, r.digest]),
        c.label,
      ).toEqual(golden.resources);
      for (const r of m.resources) expect(r.algorithm, c.label).toBe(golden.algorithm);
      if (golden.root) expect(m.rootDigest, c.label).toBe(golden.root);
      checked++;
    }
    expect(checked).toBe(21);
  });

  it('serial and parallel give identical manifests (property over random trees)', async () => {
    const file = fc.record({
      dir: fc.constantFrom('', 'a/', 'a-b/', 'a/c/', 'z/'),
      name: fc.stringMatching(/^[a-z0-9._-]{1,6}$/).filter((s) => s !== '.' && s !== '..'),
      size: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1000, max: 70_000 })),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(file, { minLength: 1, maxLength: 12, selector: (f) => f.dir + f.name }),
        fc.constantFrom<'files' | 'shards'>('files', 'shards'),
        fc.constantFrom('sha256', 'blake2b', 'blake3') as fc.Arbitrary<'sha256' | 'blake2b' | 'blake3'>,
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 2, max: 4 }),
        async (files, method, hashType, shardSize, workers) => {
          const spec: Record<string, Buffer> = {};
          for (const f of files) {
            const key = f.dir + f.name;
            // Skip names that would be both a file and a directory.
            if (['a', 'a-b', 'z'].includes(key) || key === 'a/c') continue;
            spec[key] = randomBytes(f.size);
          }
          if (Object.keys(spec).length === 0) return;
          const root = await tree(spec);
          const opts = { method, hashType, shardSize };
          const one = await serial.hashModelSerial(root, opts);
          const many = await parallel.hashModel(root, { ...opts, workers });
          expect(many).toEqual(one);
          await rm(root, { recursive: true, force: true });
        },
      ),
      { numRuns: 6, seed: 3 },
    );
  });

  it('reports progress up to the totals', async () => {
    const root = await tree({ a: randomBytes(20 << 20), b: randomBytes(20 << 20), c: 'c' });
    const seen: { filesDone: number; bytesDone: number; bytesTotal: number }[] = [];
    const m = await parallel.hashModel(root, { workers: 2, onProgress: (p) => seen.push(p) });
    // Workers report every 16 MiB: the first report comes before the end.
    expect(seen[0].bytesDone).toBeLessThan(m.bytes);
    expect(seen.at(-1)).toEqual({
      filesDone: 3,
      filesTotal: 3,
      bytesDone: m.bytes,
      bytesTotal: (40 << 20) + 1,
    });
  });

  it('a file that shrinks while a worker hashes it is an error, and the pool stops', async () => {
    const root = await tree({ a: randomBytes(64 << 20), b: randomBytes(64 << 20) });
    let once = false;
    const err = await parallel
      .hashModel(root, {
        workers: 2,
        onProgress: () => {
          if (once) return;
          once = true;
          void truncate(path.join(root, 'a'), 1);
          void truncate(path.join(root, 'b'), 1);
        },
      })
      .catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('E_IO');
    expect((err as Error).message).toMatch(/^"[ab]" changed while it was hashed/);
  });

  it('aborts with the signal reason', async () => {
    const root = await tree({ a: randomBytes(48 << 20), b: randomBytes(48 << 20) });
    const ac = new AbortController();
    const reason = new Error('cancelled');
    const started = Date.now();
    await expect(
      parallel.hashModel(root, { workers: 2, signal: ac.signal, onProgress: () => ac.abort(reason) }),
    ).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a missing file is an I/O error from the worker', async () => {
    const root = await tree({ a: 'a', b: 'b' });
    const plan = await serial.planModelHash(root, {});
    await rm(path.join(root, 'b'));
    const err = await parallel
      .hashPlanParallel(plan, {}, parallel.hashWorkerScript()!, 2)
      .catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('E_IO');
    expect((err as Error).message).toMatch(/cannot read "b" \(ENOENT\)/);
  });
});

describe('bulwark hash (built CLI)', () => {
  const ONE_LINE_ERROR = /^bulwark: error: [^\n]+\n$/;

  it('prints sha256:<root> like model_signing digest, nothing on stderr', async () => {
    const model = await buildFixture(base, 'sample_model_folder');
    const r = await runCli(['hash', model]);
    expect(r).toEqual({
      code: 0,
      stdout: 'sha256:143cc682e555951649f18e2761c3d526d2502996f5e32dc187ef7f8a614f8df7\n',
      stderr: '',
    });
    const shards = await runCli(['hash', model, '--method', 'shards', '--shard-size', '8', '--workers', '2']);
    expect(shards.stdout).toBe('sha256:2139af57fd2a4f324ac7cd0fc04898cce73d0871b363c8eb3fc07ab7da4c8445\n');
  });

  it('--format json prints the full manifest; -o writes it to a file', async () => {
    const model = await buildFixture(base, 'sample_model_file');
    const out = path.join(base, `manifest-${Date.now()}.json`);
    const r = await runCli(['hash', model, '--format', 'json', '--hash-type', 'blake2b', '-o', out]);
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    const m = JSON.parse(await readFile(out, 'utf8'));
    expect(m).toEqual({
      modelName: 'file',
      serialization: {
        method: 'files',
        hash_type: 'blake2b',
        allow_symlinks: false,
        ignore_paths: ['.git', '.gitattributes', '.github', '.gitignore'],
      },
      resources: [
        {
          name: '.',
          algorithm: 'blake2b',
          digest:
            '20e68afc59075f50f66f399d2cc590f2a93f58349dd6626c0f93bfa19d142b1741029b102cbc7ec0b36ad8dc771d66e904ca9a874c76fcc242fee0bea557463f',
        },
      ],
      rootDigest: sha256(
        Buffer.from(
          '20e68afc59075f50f66f399d2cc590f2a93f58349dd6626c0f93bfa19d142b1741029b102cbc7ec0b36ad8dc771d66e904ca9a874c76fcc242fee0bea557463f',
          'hex',
        ),
      ),
      bytes: 22,
    });
  });

  it('the v1.1.0-elliptic-key vector with --ignore-paths relative to the working directory', async () => {
    const dir = path.join(ROOT, '..', 'shared', 'vectors', 'oms', 'model-transparency', 'scripts', 'tests');
    const r = await runCli(
      [
        'hash',
        'v1.1.0-elliptic-key',
        '--ignore-paths',
        'v1.1.0-elliptic-key/model.sig',
        '--ignore-paths',
        'v1.1.0-elliptic-key/ignore-me',
      ],
      { cwd: dir },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('sha256:92745110b1ab4368471cbe31664e10174e954b113a3df333db860317b2c6dec4\n');
    // Not ignoring model.sig changes the digest.
    const all = await runCli(['hash', 'v1.1.0-elliptic-key'], { cwd: dir });
    expect(all.code).toBe(0);
    expect(all.stdout).not.toBe(r.stdout);
    // A path outside the model is reported and has no effect.
    const outside = await runCli(['hash', 'v1.1.0-elliptic-key', '--ignore-paths', 'model.sig'], {
      cwd: dir,
    });
    expect(outside.stdout).toBe(all.stdout);
    expect(outside.stderr).toMatch(/warning: --ignore-paths model\.sig is not inside the model/);
  });

  it('--no-ignore-git-paths and --allow-symlinks', async () => {
    const root = await tree({ w: 'weights', '.gitignore': '*.tmp' });
    const plain = await runCli(['hash', root]);
    expect(plain.stdout).toBe(`sha256:${sha256(Buffer.from(sha256('weights'), 'hex'))}\n`);
    const withGit = await runCli(['hash', root, '--no-ignore-git-paths']);
    expect(withGit.stdout).toBe(
      `sha256:${sha256(Buffer.concat([Buffer.from(sha256('*.tmp'), 'hex'), Buffer.from(sha256('weights'), 'hex')]))}\n`,
    );
    await symlink(path.join(root, 'w'), path.join(root, 'x'));
    const refused = await runCli(['hash', root]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(ONE_LINE_ERROR);
    expect(refused.stderr).toMatch(/"x" is a symbolic link; pass --allow-symlinks/);
    const allowed = await runCli(['hash', root, '--allow-symlinks']);
    expect(allowed.code).toBe(0);
    const d = Buffer.from(sha256('weights'), 'hex');
    expect(allowed.stdout).toBe(`sha256:${sha256(Buffer.concat([d, d]))}\n`);
  });

  it('usage errors exit 3 with one line on stderr and nothing on stdout', async () => {
    const model = await tree({ f: 'x' });
    const empty = await tree({});
    const cases: [string[], RegExp][] = [
      [['hash'], /missing required argument 'model'/],
      [['hash', model, '--shard-size', '8'], /--shard-size needs --method shards/],
      [['hash', model, '--method', 'shards', '--shard-size', '0'], /shard size must be a whole number >= 1/],
      [['hash', model, '--workers', 'many'], /workers must be a whole number >= 0/],
      [['hash', model, '--hash-type', 'md5'], /Allowed choices are sha256, blake2b, blake3/],
      [['hash', model, '--method', 'tensors'], /Allowed choices are files, shards/],
      [['hash', 'no/such/model'], /"no\/such\/model" does not exist/],
      [['hash', empty], /no files to hash in/],
    ];
    // Run concurrently: each is a separate process.
    const results = await Promise.all(cases.map(([args]) => runCli(args)));
    results.forEach((r, i) => {
      const label = cases[i][0].join(' ');
      expect(r.code, label).toBe(3);
      expect(r.stdout, label).toBe('');
      expect(r.stderr, label).toMatch(ONE_LINE_ERROR);
      expect(r.stderr, label).toMatch(cases[i][1]);
    });
  });
});
