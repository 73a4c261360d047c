import { createRequire } from 'node:module';

import { beforeAll, describe, expect, it } from 'vitest';

import { BulwarkError, LimitError, ParseError } from '../../src/core/errors.js';
import { extractSevenZip, isSevenZip, listSevenZip } from '../../src/scan/containers/sevenzip.js';
import { BufferSource, FileSource } from '../../src/scan/source.js';
import { CORPUS, ctx, hasCorpus, readAll } from './helpers.js';

const require = createRequire(import.meta.url);

interface Fs {
  mkdir(p: string): void;
  writeFile(p: string, d: Uint8Array | string): void;
  readFile(p: string): Uint8Array;
  symlink(target: string, p: string): void;
}
type Factory = (o: Record<string, unknown>) => Promise<{ FS: Fs; callMain(a: string[]): number }>;

const PICKLE = Buffer.from(
  '80049528000000000000008c05706f736978948c0673797374656d9493948c026c7394859452942e',
  'hex',
);

/** Builds 7z archives with a private 7-Zip instance (the one under test is not used to make fixtures). */
let make: (files: Record<string, Uint8Array | string | { link: string }>, switches?: string[]) => Buffer;

beforeAll(async () => {
  const factory = require('7z-wasm') as Factory;
  const m = await factory({
    stdout: () => undefined,
    stderr: () => undefined,
    print: () => undefined,
    printErr: () => undefined,
  });
  let n = 0;
  make = (files, switches = []) => {
    const dir = `/fixture${++n}`;
    m.FS.mkdir(dir);
    m.FS.mkdir(`${dir}/src`);
    for (const [name, value] of Object.entries(files)) {
      const parts = name.split('/');
      for (let i = 1; i < parts.length; i++) {
        try {
          m.FS.mkdir(`${dir}/src/${parts.slice(0, i).join('/')}`);
        } catch {
          /* exists */
        }
      }
      if (typeof value === 'object' && 'link' in value) m.FS.symlink(value.link, `${dir}/src/${name}`);
      else m.FS.writeFile(`${dir}/src/${name}`, value);
    }
    const rc = m.callMain(['a', '-bd', ...switches, `${dir}/out.7z`, `${dir}/src/*`]);
    if (rc !== 0) throw new Error(`7z a failed: ${rc}`);
    return Buffer.from(m.FS.readFile(`${dir}/out.7z`));
  };
});

describe('7z', () => {
  it('isSevenZip checks the magic', () => {
    expect(isSevenZip(Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4]))).toBe(true);
    expect(isSevenZip(Buffer.from('PK\x03\x04'))).toBe(false);
    expect(isSevenZip(new Uint8Array(0))).toBe(false);
  });

  it.skipIf(!hasCorpus)('lists and extracts malicious1.7z (a PyTorch zip inside)', async () => {
    const s = await FileSource.open(`${CORPUS}/data/malicious1.7z`);
    try {
      const head = await s.read(0, 8);
      expect(isSevenZip(head)).toBe(true);
      const l = await listSevenZip(s, { maxMembers: 100 });
      expect(l.encrypted).toBe(false);
      expect(l.entries.map((e) => [e.name, e.size])).toEqual([['data.pkl', 51]]);
      const x = await extractSevenZip(s, ctx());
      expect(x.members).toHaveLength(1);
      const m = x.members[0];
      expect(m.name).toBe('data.pkl');
      expect(m.source).not.toBeNull();
      const data = await readAll(m.source as FileSource);
      expect(data.length).toBe(51);
      expect(data[0]).toBe(0x80);
      await m.source?.close();
    } finally {
      await s.close();
    }
  });

  it('extracts nested files, flags escaping symlinks, skips directories', async () => {
    const a = make(
      {
        'model/data.pkl': PICKLE,
        'model/version': '3\n',
        'evil-link': { link: '../../etc/passwd' },
        'ok-link': { link: 'model/version' },
      },
      ['-snl'],
    );
    const x = await extractSevenZip(new BufferSource(a), ctx());
    const byName = new Map(x.members.map((m) => [m.name, m]));
    expect([...byName.keys()].sort()).toEqual(['evil-link', 'model/data.pkl', 'model/version', 'ok-link']);
    const pkl = byName.get('model/data.pkl');
    expect(pkl?.source).toBeTruthy();
    expect((await readAll(pkl?.source as BufferSource)).equals(PICKLE)).toBe(true);
    const evil = byName.get('evil-link');
    expect(evil?.entry.isSymlink).toBe(true);
    expect(evil?.linkTarget).toBe('../../etc/passwd');
    expect(evil?.entry.anomalies).toContain('symlink-escape');
    const ok = byName.get('ok-link');
    expect(ok?.entry.isSymlink).toBe(true);
    expect(ok?.entry.anomalies).not.toContain('symlink-escape');
    for (const m of x.members) await m.source?.close();
  });

  it('reports encrypted members as E_UNSUPPORTED and extracts the rest', async () => {
    const enc = make({ 'secret.pkl': PICKLE }, ['-pS3cret']);
    const l = await listSevenZip(new BufferSource(enc), { maxMembers: 10 });
    expect(l.encrypted).toBe(true);
    expect(l.entries[0].encrypted).toBe(true);
    const x = await extractSevenZip(new BufferSource(enc), ctx());
    expect(x.members).toHaveLength(1);
    expect(x.members[0].source).toBeNull();
    expect(x.members[0].error).toBeInstanceOf(BulwarkError);
    expect(x.members[0].error?.code).toBe('E_UNSUPPORTED');
    expect(x.members[0].error?.message).toMatch(/encrypted/);
  });

  it('refuses archives with encrypted headers (E_UNSUPPORTED)', async () => {
    const enc = make({ 'secret.pkl': PICKLE }, ['-pS3cret', '-mhe=on']);
    for (const op of [
      () => listSevenZip(new BufferSource(enc), { maxMembers: 10 }),
      () => extractSevenZip(new BufferSource(enc), ctx()),
    ]) {
      const err = await op().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BulwarkError);
      expect((err as BulwarkError).code).toBe('E_UNSUPPORTED');
      expect((err as BulwarkError).message).toMatch(/encrypted/);
    }
    // the shared instance still works afterwards
    const ok = make({ 'a.txt': 'hello' });
    expect((await listSevenZip(new BufferSource(ok), { maxMembers: 10 })).entries[0].name).toBe('a.txt');
  });

  it('enforces size, ratio and member limits before extracting', async () => {
    const bomb = make({ 'zeros.bin': new Uint8Array(30 * 1024 * 1024) });
    expect(bomb.length).toBeLessThan(100_000);
    await expect(
      extractSevenZip(new BufferSource(bomb), ctx({ maxDecompressedBytes: 1024 * 1024 })),
    ).rejects.toMatchObject({
      limit: 'maxDecompressedBytes',
    });
    await expect(
      extractSevenZip(
        new BufferSource(bomb),
        ctx({ ratioFloorBytes: 1024 * 1024, maxCompressionRatio: 100 }),
      ),
    ).rejects.toMatchObject({ limit: 'maxCompressionRatio' });
    const many = make(Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`f${i}`, 'x'])));
    await expect(listSevenZip(new BufferSource(many), { maxMembers: 5 })).rejects.toBeInstanceOf(LimitError);
    // within limits it works, and big members spill to disk
    const x = await extractSevenZip(new BufferSource(bomb), ctx({ inMemoryBytes: 1024 * 1024 }));
    expect(x.members[0].source).toBeInstanceOf(FileSource);
    expect(x.members[0].source?.size).toBe(30 * 1024 * 1024);
    await x.members[0].source?.close();
  });

  it('rejects data that is not a 7z archive with ParseError', async () => {
    await expect(
      listSevenZip(new BufferSource(Buffer.from('not an archive')), { maxMembers: 10 }),
    ).rejects.toBeInstanceOf(ParseError);
    const a = make({ 'a.txt': 'hello world' });
    await expect(
      extractSevenZip(new BufferSource(a.subarray(0, a.length - 20)), ctx()),
    ).rejects.toBeInstanceOf(ParseError);
  });
});
