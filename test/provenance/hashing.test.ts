import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { hashCommand, type HashCommandOptions } from '../../src/cli/commands/hash.js';
import { BulwarkError, LimitError, UsageError } from '../../src/core/errors.js';
import {
  compareOmsPaths,
  createHasher,
  hashModelSerial,
  listModelFiles,
  omsRootDigest,
  planTasks,
} from '../../src/provenance/oms/hash.js';
import { hashModel, workerCount } from '../../src/provenance/oms/parallel.js';
import type { HashOptions, ModelManifest } from '../../src/provenance/oms/types.js';
import { buildFixture, goldenCases, KNOWN_MODEL_TEXT, SCRIPT_TESTS, tempBase } from './hashing-fixtures.js';

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const PYTHON = '/usr/bin/python3';
const HAS_PYTHON = existsSync(PYTHON);

let base: string;
beforeAll(async () => {
  base = await tempBase();
});
afterAll(async () => {
  if (base) await rm(base, { recursive: true, force: true });
});

async function tree(files: Record<string, string | Buffer>): Promise<string> {
  const root = await mkdtemp(path.join(base, 'tree-'));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), content);
  }
  return root;
}

const names = (m: ModelManifest): string[] => m.resources.map((r) => r.name);

// In-thread implementations (worker threads need dist/; test/provenance/hashing-workers.test.ts covers them).
const IMPLS: [string, (p: string, o?: HashOptions) => Promise<ModelManifest>][] = [
  ['hashModelSerial', hashModelSerial],
  ['hashModel (in thread)', (p, o) => hashModel(p, { ...o, workers: 0 })],
];

describe.each(IMPLS)('model-transparency goldens: %s', (_label, hash) => {
  it.each(goldenCases().map((c) => [c.label, c] as const))('%s', async (_name, c) => {
    const model = await buildFixture(base, c.fixture);
    const golden = await c.golden();
    const m = await hash(model, c.opts);
    expect(m.resources.map((r) => [r.name, r.digest])).toEqual(golden.resources);
    for (const r of m.resources) expect(r.algorithm).toBe(golden.algorithm);
    expect(m.rootDigest).toBe(omsRootDigest(golden.resources.map(([, digest]) => ({ digest }))));
    if (golden.root) expect(m.rootDigest).toBe(golden.root);
    if (golden.payload) {
      const s = golden.payload.serialization;
      expect(m.serialization.method).toBe(s.method);
      expect(m.serialization.hash_type).toBe(s.hash_type);
      expect(m.serialization.allow_symlinks).toBe(s.allow_symlinks);
      // The goldens write the shard size as a float (8.0, 1000000000.0); it parses to the same number.
      expect(m.serialization.shard_size).toBe(s.shard_size);
      expect(m.resources).toEqual(golden.payload.resources);
    }
  });
});

describe('reference vectors of model-transparency scripts/tests', () => {
  it('v1.1.0-elliptic-key: resources, ignore paths and root digest 92745110…dec4', async () => {
    const dir = path.join(SCRIPT_TESTS, 'v1.1.0-elliptic-key');
    const signed = JSON.parse(
      Buffer.from(
        JSON.parse(await readFile(path.join(dir, 'model.sig'), 'utf8')).dsseEnvelope.payload,
        'base64',
      ).toString(),
    );
    for (const [, hash] of IMPLS) {
      const m = await hash(dir, { ignorePaths: ['model.sig', 'ignore-me'] });
      expect(m.rootDigest).toBe('92745110b1ab4368471cbe31664e10174e954b113a3df333db860317b2c6dec4');
      expect(m.rootDigest).toBe(signed.subject[0].digest.sha256);
      expect(m.resources).toEqual(
        signed.predicate.resources.map((r: { name: string; algorithm: string; digest: string }) => ({
          name: r.name,
          algorithm: r.algorithm,
          digest: r.digest,
        })),
      );
      expect([...m.serialization.ignore_paths].sort()).toEqual(
        [...signed.predicate.serialization.ignore_paths].sort(),
      );
      expect(m.modelName).toBe('v1.1.0-elliptic-key');
      expect(m.bytes).toBe(17);
    }
  });

  it('v1.0.0-elliptic-key: a single-file model is named "." (root afa48c86…a45b)', async () => {
    const m = await hashModelSerial(path.join(SCRIPT_TESTS, 'v1.0.0-elliptic-key', 'signme-1'));
    expect(m.resources).toEqual([
      {
        name: '.',
        algorithm: 'sha256',
        digest: 'bc9a717db6064a32cbe9eae6fc40651dd6d36ef1757183f590eff2b1765d7ebc',
      },
    ]);
    expect(m.rootDigest).toBe('afa48c8674afe334b8a7dea34f7b46ab256e9255edf8da2132792341b667a45b');
    expect(m.modelName).toBe('signme-1');
  });
});

describe('Python path order', () => {
  it('"a/c" sorts before "a-b" (component-wise), root 940ed9ab…00c9', async () => {
    const root = await tree({ 'a-b': '1', 'a/c': '2' });
    const m = await hashModelSerial(root);
    expect(names(m)).toEqual(['a/c', 'a-b']);
    expect(m.rootDigest).toBe('940ed9abddfb5ef28004408546bc5043cda391232b6afe07267f9f8ed2b500c9');
  });

  it('astral-plane names sort by code point, not UTF-16 code unit', async () => {
    // U+FF61 is one code unit 0xFF61; U+1F600 is the surrogate pair D83D DE00. JS `<` puts the emoji first.
    const root = await tree({ '\u{1F600}': 'x', '\u{FF61}': 'y', z: 'z' });
    const m = await hashModelSerial(root);
    expect(names(m)).toEqual(['z', '\u{FF61}', '\u{1F600}']);
    expect(['\u{1F600}', '\u{FF61}'].sort()).toEqual(['\u{1F600}', '\u{FF61}']);
    expect(compareOmsPaths('\u{FF61}', '\u{1F600}')).toBeLessThan(0);
    expect(m.rootDigest).toBe(
      omsRootDigest([{ digest: sha256('z') }, { digest: sha256('y') }, { digest: sha256('x') }]),
    );
  });

  it('shard offsets sort numerically (…:8:16 before …:16:23 and 100:… after 96:…)', async () => {
    const root = await tree({ f: Buffer.alloc(120, 7) });
    const m = await hashModelSerial(root, { method: 'shards', shardSize: 8 });
    const starts = m.resources.map((r) => Number(r.name.split(':')[1]));
    expect(starts).toEqual([...Array(15).keys()].map((i) => i * 8));
    expect(m.resources[14].name).toBe('f:112:120');
  });

  it.runIf(HAS_PYTHON)(
    'random trees: same order and root digest as Python PurePosixPath sorting (property, python oracle)',
    async () => {
      const seg = fc.stringMatching(/^[a-c\-_.0-9\u00e9\uff61]{1,3}$/).filter((s) => s !== '.' && s !== '..');
      const treeArb = fc.uniqueArray(fc.array(seg, { minLength: 1, maxLength: 3 }), {
        minLength: 1,
        maxLength: 8,
        selector: (p) => p.join('/'),
      });
      const roots: string[] = [];
      const ours: ModelManifest[] = [];
      await fc.assert(
        fc.asyncProperty(treeArb, fc.boolean(), async (paths, emoji) => {
          const files: Record<string, string> = {};
          for (const p of paths) {
            // A path must not run through another path's file: keep only prefix-free sets.
            const key = p.join('/') + (emoji ? '\u{1F600}' : '');
            if (Object.keys(files).some((k) => k.startsWith(`${key}/`) || key.startsWith(`${k}/`))) continue;
            files[key] = `content of ${key}`;
          }
          const root = await tree(files);
          roots.push(root);
          ours.push(await hashModelSerial(root));
        }),
        { numRuns: 25, seed: 20261126 },
      );
      const script = [
        'import hashlib, json, os, pathlib, sys',
        'out = []',
        'for root in sys.argv[1:]:',
        '    r = pathlib.Path(root)',
        '    items = sorted(p.relative_to(r) for p in r.glob("**/*") if p.is_file())',
        '    ds = [hashlib.sha256(open(r / p, "rb").read()).hexdigest() for p in items]',
        '    root_digest = hashlib.sha256(b"".join(bytes.fromhex(d) for d in ds)).hexdigest()',
        '    out.append({"names": [p.as_posix() for p in items], "root": root_digest})',
        'print(json.dumps(out))',
      ].join('\n');
      const py = spawnSync(PYTHON, ['-c', script, ...roots], { encoding: 'utf8' });
      expect(py.status, py.stderr).toBe(0);
      const expected = JSON.parse(py.stdout) as { names: string[]; root: string }[];
      expect(ours.map((m) => ({ names: names(m), root: m.rootDigest }))).toEqual(expected);
    },
  );
});

describe('symlinks and special files', () => {
  it('a symlink is an error by default, and names --allow-symlinks', async () => {
    const root = await tree({ real: 'data' });
    await symlink(path.join(root, 'real'), path.join(root, 'link'));
    const err = await hashModelSerial(root).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/"link" is a symbolic link; pass --allow-symlinks/);
  });

  it('allowed: the target is hashed under the link name', async () => {
    const outside = await tree({ target: KNOWN_MODEL_TEXT });
    const root = await tree({ real: 'data' });
    await symlink(path.join(outside, 'target'), path.join(root, 'link'));
    const m = await hashModelSerial(root, { allowSymlinks: true });
    expect(m.resources).toEqual([
      { name: 'link', algorithm: 'sha256', digest: sha256(KNOWN_MODEL_TEXT) },
      { name: 'real', algorithm: 'sha256', digest: sha256('data') },
    ]);
    expect(m.serialization.allow_symlinks).toBe(true);
  });

  it('a model path that is a symlink: error by default, target hashed as "." when allowed', async () => {
    const outside = await tree({ target: KNOWN_MODEL_TEXT });
    const link = path.join(base, `single-link-${Date.now()}`);
    await symlink(path.join(outside, 'target'), link);
    await expect(hashModelSerial(link)).rejects.toThrow(/is a symbolic link/);
    const m = await hashModelSerial(link, { allowSymlinks: true });
    expect(m.resources).toEqual([{ name: '.', algorithm: 'sha256', digest: sha256(KNOWN_MODEL_TEXT) }]);
  });

  it('directory cycles terminate; a link to a directory is hashed under its own name', async () => {
    const root = await tree({ 'd/e/f': 'f', g: 'g' });
    await symlink('..', path.join(root, 'd', 'e', 'up')); // cycle: d/e/up -> d
    await symlink('../..', path.join(root, 'd', 'e', 'top')); // cycle: d/e/top -> root
    await symlink(path.join(root, 'd'), path.join(root, 'again')); // not a cycle
    const m = await hashModelSerial(root, { allowSymlinks: true });
    expect(names(m)).toEqual(['again/e/f', 'd/e/f', 'g']);
    expect(m.resources[0].digest).toBe(m.resources[1].digest);
  });

  it('a dangling symlink is an error even when symlinks are allowed', async () => {
    const root = await tree({ a: 'a' });
    await symlink(path.join(root, 'missing'), path.join(root, 'dangling'));
    await expect(hashModelSerial(root, { allowSymlinks: true })).rejects.toThrow(/points to nothing/);
  });

  it.runIf(process.platform !== 'win32')('a FIFO is an error (never opened, never blocks)', async () => {
    const root = await tree({ a: 'a' });
    const r = spawnSync('mkfifo', [path.join(root, 'pipe')]);
    expect(r.status).toBe(0);
    const err = await hashModelSerial(root).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/"pipe" is not a regular file/);
    // Ignoring it is the way out.
    expect(names(await hashModelSerial(root, { ignorePaths: ['pipe'] }))).toEqual(['a']);
  });
});

describe('ignore paths and onlyPaths', () => {
  const layout = {
    'd0/f00': '1',
    'd0/f01': '2',
    'd1/f10': '3',
    'd1/sub/f11': '4',
    d: 'not a prefix of d0',
    f1: '5',
    '.git/config': 'g',
    '.github/workflows/ci.yml': 'g',
    '.gitignore': 'g',
    '.gitattributes': 'g',
  };

  it('default git ignores are left out and recorded', async () => {
    const root = await tree(layout);
    const m = await hashModelSerial(root);
    expect(names(m)).toEqual(['d', 'd0/f00', 'd0/f01', 'd1/f10', 'd1/sub/f11', 'f1']);
    expect(m.serialization.ignore_paths).toEqual(['.git', '.gitattributes', '.github', '.gitignore']);
  });

  it('ignoreGitPaths: false hashes them too', async () => {
    const root = await tree(layout);
    const m = await hashModelSerial(root, { ignoreGitPaths: false });
    expect(names(m)).toEqual([
      '.git/config',
      '.gitattributes',
      '.github/workflows/ci.yml',
      '.gitignore',
      'd',
      'd0/f00',
      'd0/f01',
      'd1/f10',
      'd1/sub/f11',
      'f1',
    ]);
    expect(m.serialization.ignore_paths).toEqual([]);
  });

  it('relative, absolute and directory ignore paths; paths outside the model are dropped', async () => {
    const root = await tree(layout);
    const m = await hashModelSerial(root, {
      ignorePaths: ['d0/f00', path.join(root, 'f1'), 'd1', '../elsewhere', '/etc/passwd', 'd0/./f01/../f01'],
    });
    expect(names(m)).toEqual(['d']);
    expect(m.serialization.ignore_paths).toEqual([
      'd0/f00',
      'f1',
      'd1',
      'd0/f01',
      '.git',
      '.gitattributes',
      '.github',
      '.gitignore',
    ]);
    // Ignoring "d" leaves "d0" alone: matching is by whole path components.
    expect(names(await hashModelSerial(root, { ignorePaths: ['d'] }))).toContain('d0/f00');
  });

  it('onlyPaths hashes just the named resources (files and shards)', async () => {
    const root = await tree(layout);
    const m = await hashModelSerial(root, { onlyPaths: ['d0/f01', 'f1', 'missing'] });
    expect(names(m)).toEqual(['d0/f01', 'f1']);
    const s = await hashModelSerial(root, { method: 'shards', shardSize: 1, onlyPaths: ['d:0:1', 'f1:0:1'] });
    // A shard name selects its file; every shard of that file is hashed (as --ignore-unsigned-files does).
    const dShards = Array.from({ length: 'not a prefix of d0'.length }, (_, i) => `d:${i}:${i + 1}`);
    expect(names(s)).toEqual([...dShards, 'f1:0:1']);
  });
});

describe('hash types', () => {
  // Computed once with Python: hashlib.blake2b(b"...").hexdigest() (64-byte digest, as model_signing uses).
  const BLAKE2B_KNOWN =
    '20e68afc59075f50f66f399d2cc590f2a93f58349dd6626c0f93bfa19d142b1741029b102cbc7ec0b36ad8dc771d66e904ca9a874c76fcc242fee0bea557463f';
  const BLAKE2B_EMPTY =
    '786a02f742015903c6c6fd852552d272912f4740e15847618a86e217f71f5419d25e1031afee585313896444934eb04b903a685b1448b755d56f701afe9be2ce';
  // Published BLAKE3 test values (BLAKE3 reference: empty input; "abc").
  const BLAKE3_EMPTY = 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262';
  const BLAKE3_ABC = '6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85';

  it('blake2b: 512-bit digests, recorded as blake2b; shards as blake2b-sharded-N', async () => {
    const root = await tree({ known: KNOWN_MODEL_TEXT, empty: '' });
    const m = await hashModelSerial(root, { hashType: 'blake2b' });
    expect(m.resources).toEqual([
      { name: 'empty', algorithm: 'blake2b', digest: BLAKE2B_EMPTY },
      { name: 'known', algorithm: 'blake2b', digest: BLAKE2B_KNOWN },
    ]);
    expect(m.serialization.hash_type).toBe('blake2b');
    // The root digest is SHA-256 whatever the resource hash is.
    expect(m.rootDigest).toBe(sha256(Buffer.from(BLAKE2B_EMPTY + BLAKE2B_KNOWN, 'hex')));
    const s = await hashModelSerial(root, { hashType: 'blake2b', method: 'shards', shardSize: 100 });
    expect(s.resources).toEqual([
      { name: 'known:0:22', algorithm: 'blake2b-sharded-100', digest: BLAKE2B_KNOWN },
    ]);
  });

  it.runIf(HAS_PYTHON)('blake2b of a multi-chunk file equals Python hashlib.blake2b', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const root = await tree({ big: data });
    const py = spawnSync(
      PYTHON,
      [
        '-c',
        'import hashlib,sys; print(hashlib.blake2b(open(sys.argv[1],"rb").read()).hexdigest())',
        path.join(root, 'big'),
      ],
      { encoding: 'utf8' },
    );
    expect(py.status).toBe(0);
    const m = await hashModelSerial(root, { hashType: 'blake2b' });
    expect(m.resources[0].digest).toBe(py.stdout.trim());
  });

  it('blake3: published vectors; shards fall back to files as model_signing does', async () => {
    const root = await tree({ abc: 'abc', empty: '' });
    const m = await hashModelSerial(root, { hashType: 'blake3', method: 'shards', shardSize: 2 });
    expect(m.serialization.method).toBe('files');
    expect(m.serialization.shard_size).toBeUndefined();
    expect(m.resources).toEqual([
      { name: 'abc', algorithm: 'blake3', digest: BLAKE3_ABC },
      { name: 'empty', algorithm: 'blake3', digest: BLAKE3_EMPTY },
    ]);
  });

  it('streaming over chunk and shard boundaries equals one-shot digests', async () => {
    const data = randomBytes(2.5 * 1024 * 1024 + 3);
    const root = await tree({ big: data });
    for (const type of ['sha256', 'blake2b', 'blake3'] as const) {
      const m = await hashModelSerial(root, { hashType: type });
      const h = await createHasher(type);
      h.update(data);
      expect(m.resources[0].digest).toBe(h.digestHex());
    }
    const shard = 1024 * 1024 + 1;
    const s = await hashModelSerial(root, { method: 'shards', shardSize: shard });
    expect(s.resources.map((r) => [r.name, r.digest])).toEqual(
      [0, shard, 2 * shard].map((start) => {
        const end = Math.min(data.length, start + shard);
        return [`big:${start}:${end}`, sha256(data.subarray(start, end))];
      }),
    );
    expect(s.bytes).toBe(data.length);
  });
});

describe('robustness', () => {
  it('a file that shrinks while it is hashed is an error, not a wrong digest', async () => {
    const root = await tree({ big: randomBytes(8 * 1024 * 1024) });
    let once = false;
    const err = await hashModelSerial(root, {
      onProgress: () => {
        if (once) return;
        once = true;
        void truncate(path.join(root, 'big'), 1024);
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BulwarkError);
    expect((err as BulwarkError).code).toBe('E_IO');
    expect((err as Error).message).toMatch(/"big" changed while it was hashed/);
  });

  it('a file that grows while it is hashed is an error', async () => {
    const root = await tree({ big: randomBytes(4 * 1024 * 1024) });
    let once = false;
    const err = await hashModel(root, {
      workers: 0,
      onProgress: () => {
        if (once) return;
        once = true;
        void appendFile(path.join(root, 'big'), 'more');
      },
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /changed while it was hashed \(size 4194304 when listed, 4194308 now\)/,
    );
  });

  it('aborts with the signal reason', async () => {
    const root = await tree({ a: randomBytes(3 * 1024 * 1024), b: 'b' });
    const ac = new AbortController();
    const reason = new Error('stop now');
    await expect(
      hashModel(root, { workers: 0, signal: ac.signal, onProgress: () => ac.abort(reason) }),
    ).rejects.toBe(reason);
    const pre = new AbortController();
    pre.abort(reason);
    await expect(hashModelSerial(root, { signal: pre.signal })).rejects.toBe(reason);
  });

  it('progress ends at the totals', async () => {
    const root = await tree({ a: randomBytes(3 * 1024 * 1024), b: 'bb', c: '' });
    const seen: { filesDone: number; bytesDone: number }[] = [];
    const m = await hashModel(root, { workers: 0, onProgress: (p) => seen.push(p) });
    expect(seen.at(-1)).toEqual({
      filesDone: 3,
      filesTotal: 3,
      bytesDone: m.bytes,
      bytesTotal: 3 * 1024 * 1024 + 2,
    });
    for (let i = 1; i < seen.length; i++)
      expect(seen[i].bytesDone).toBeGreaterThanOrEqual(seen[i - 1].bytesDone);
  });

  it('tiny shards of a huge (sparse) file hit the resource limit before anything is read', async () => {
    const root = await tree({});
    await writeFile(path.join(root, 'sparse'), '');
    await truncate(path.join(root, 'sparse'), 20_000_001);
    const err = await hashModelSerial(root, { method: 'shards', shardSize: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LimitError);
    expect((err as Error).message).toMatch(
      /10000001 shards, more than the limit of 10000000; use a larger --shard-size/,
    );
  });

  it('bad options are usage errors', async () => {
    const root = await tree({ a: 'a' });
    await expect(hashModelSerial(root, { method: 'shards', shardSize: 0 })).rejects.toThrow(UsageError);
    await expect(hashModelSerial(root, { hashType: 'md5' as never })).rejects.toThrow(
      /unknown hash type "md5"/,
    );
    await expect(hashModel(root, { workers: -1 })).rejects.toThrow(/workers -1/);
    await expect(hashModelSerial(path.join(root, 'nope'))).rejects.toThrow(/does not exist/);
  });

  it('default worker count: in this thread for small models, capped by the work there is', () => {
    const t = (n: number, size: number) =>
      Array.from({ length: n }, (_, i) => ({ name: `f${i}`, abs: '', start: 0, end: size }));
    expect(workerCount({ tasks: t(100, 1000), bytesTotal: 100_000 })).toBe(0);
    expect(workerCount({ tasks: t(1, 1 << 30), bytesTotal: 1 << 30 })).toBe(0);
    expect(workerCount({ tasks: t(3, 1 << 30), bytesTotal: 3 << 30 }, 8)).toBe(3);
    expect(workerCount({ tasks: t(3, 10), bytesTotal: 30 }, 2)).toBe(2);
    expect(workerCount({ tasks: t(3, 10), bytesTotal: 30 }, 1)).toBe(0);
  });

  it('listModelFiles and planTasks: empty files have no shards; names are POSIX relative paths', async () => {
    const root = await tree({ 'x/y': '123456789', e: '' });
    const files = await listModelFiles(root);
    expect(files.map((f) => [f.name, f.size])).toEqual([
      ['e', 0],
      ['x/y', 9],
    ]);
    expect(planTasks(files, 'shards', 4).map((t) => t.name)).toEqual(['x/y:0:4', 'x/y:4:8', 'x/y:8:9']);
    expect(planTasks(files, 'files', 4).map((t) => t.name)).toEqual(['e', 'x/y']);
  });
});

describe('hashCommand (in process)', () => {
  const sink = (isTTY: boolean) => {
    const chunks: string[] = [];
    const stream = Object.assign(
      new Writable({
        write(chunk: Buffer | string, _enc, cb) {
          chunks.push(chunk.toString());
          cb();
        },
      }),
      { isTTY },
    );
    return { stream, text: () => chunks.join('') };
  };
  const defaults: HashCommandOptions = {
    format: 'text',
    method: 'files',
    hashType: 'sha256',
    ignorePaths: [],
    ignoreGitPaths: true,
    allowSymlinks: false,
    progress: true,
  };

  it('draws a progress line on a TTY stderr and erases it; nothing when not a TTY or with --no-progress', async () => {
    const root = await tree({ a: randomBytes(2 * 1024 * 1024), b: 'b' });
    for (const [isTTY, progress, expectLine] of [
      [true, true, true],
      [false, true, false],
      [true, false, false],
    ] as const) {
      const out = sink(false);
      const err = sink(isTTY);
      const code = await hashCommand(
        root,
        { ...defaults, progress },
        {
          stdout: out.stream,
          stderr: err.stream,
          env: {},
          cwd: base,
        },
      );
      expect(code).toBe(0);
      expect(out.text()).toMatch(/^sha256:[0-9a-f]{64}\n$/);
      if (expectLine) {
        expect(err.text()).toContain('hashing 2/2');
        expect(err.text().endsWith('\r\u001b[2K')).toBe(true);
      } else expect(err.text()).toBe('');
    }
  });
});
