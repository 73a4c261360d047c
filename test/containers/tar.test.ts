import { describe, expect, it } from 'vitest';

import { LimitError, ParseError } from '../../src/core/errors.js';
import { isTar, readTar, type TarEntry } from '../../src/scan/containers/tar.js';
import { BufferSource } from '../../src/scan/source.js';
import { py } from './helpers.js';

const PICKLE_HEX = '80049528000000000000008c05706f736978948c0673797374656d9493948c026c7394859452942e';

/** Builds a tar with Python's tarfile. `spec` is a Python list of (name, kind, payload/linkname) tuples. */
function pyTar(format: 'USTAR' | 'GNU' | 'PAX', spec: string): Buffer {
  return py(`
import io, sys, tarfile
b = io.BytesIO()
with tarfile.open(fileobj=b, mode='w', format=tarfile.${format}_FORMAT) as t:
    for name, kind, value in ${spec}:
        ti = tarfile.TarInfo(name)
        if kind == 'file':
            data = bytes.fromhex(value) if isinstance(value, str) else value
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
        elif kind == 'dir':
            ti.type = tarfile.DIRTYPE
            t.addfile(ti)
        elif kind == 'sym':
            ti.type = tarfile.SYMTYPE
            ti.linkname = value
            t.addfile(ti)
        elif kind == 'hard':
            ti.type = tarfile.LNKTYPE
            ti.linkname = value
            t.addfile(ti)
sys.stdout.buffer.write(b.getvalue())
`);
}

async function tar(b: Uint8Array) {
  return readTar(new BufferSource(b), { maxMembers: 1000 });
}

async function data(b: Uint8Array, e: TarEntry): Promise<Buffer> {
  return Buffer.from(b.subarray(e.dataOffset, e.dataOffset + e.size));
}

function rechecksum(b: Buffer, at: number): void {
  b.fill(0x20, at + 148, at + 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += b[at + i];
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', at + 148, 'latin1');
}

describe('readTar', () => {
  for (const format of ['USTAR', 'GNU', 'PAX'] as const) {
    it(`lists ${format} archives and gives data offsets`, async () => {
      const long = `${'d'.repeat(120)}/model.pkl`;
      const b = pyTar(
        format,
        `[('model/data.pkl', 'file', '${PICKLE_HEX}'), ('model', 'dir', None), ('link', 'sym', '../../etc/passwd'),
          ('hard', 'hard', 'model/data.pkl'), ('${format === 'USTAR' ? 'short.pkl' : long}', 'file', '${PICKLE_HEX}'),
          ('empty', 'file', '')]`,
      );
      expect(isTar(b)).toBe(true);
      const l = await tar(b);
      expect(l.truncated).toBe(false);
      expect(l.error).toBeUndefined();
      const names = l.entries.map((e) => e.name);
      expect(names).toEqual([
        'model/data.pkl',
        'model',
        'link',
        'hard',
        format === 'USTAR' ? 'short.pkl' : long,
        'empty',
      ]);
      const [pkl, dir, link, hard, second, empty] = l.entries;
      expect(pkl.type).toBe('file');
      expect((await data(b, pkl)).toString('hex')).toBe(PICKLE_HEX);
      expect((await data(b, second)).toString('hex')).toBe(PICKLE_HEX);
      expect(dir.type).toBe('dir');
      expect(link.type).toBe('symlink');
      expect(link.linkName).toBe('../../etc/passwd');
      expect(link.anomalies).toContain('symlink-escape');
      expect(hard.type).toBe('hardlink');
      expect(hard.anomalies).not.toContain('hardlink-escape');
      expect(empty.size).toBe(0);
    });
  }

  it('handles pax path/linkpath/size and non-ASCII names', async () => {
    const b = pyTar(
      'PAX',
      `[('modèle/データ.pkl', 'file', '${PICKLE_HEX}'), ('l', 'sym', '${'x/'.repeat(80)}y')]`,
    );
    const l = await tar(b);
    expect(l.entries[0].name).toBe('modèle/データ.pkl');
    expect((await data(b, l.entries[0])).toString('hex')).toBe(PICKLE_HEX);
    expect(l.entries[1].linkName).toBe(`${'x/'.repeat(80)}y`);
  });

  it('reads base-256 sizes', async () => {
    const b = Buffer.from(pyTar('GNU', `[('a.pkl', 'file', '${PICKLE_HEX}')]`));
    const size = PICKLE_HEX.length / 2;
    b.fill(0, 124, 136);
    b[124] = 0x80;
    b[135] = size;
    rechecksum(b, 0);
    const l = await tar(b);
    expect(l.entries[0].size).toBe(size);
    expect(l.entries[0].anomalies).toContain('base256-size');
    expect((await data(b, l.entries[0])).toString('hex')).toBe(PICKLE_HEX);
  });

  it('flags traversal names and escaping hard links', async () => {
    const b = pyTar(
      'PAX',
      `[('../evil.pkl', 'file', '${PICKLE_HEX}'), ('/abs.pkl', 'file', '00'), ('h', 'hard', '../../x'), ('dup', 'file', '00'), ('dup', 'file', '01')]`,
    );
    const l = await tar(b);
    expect(l.entries[0].anomalies).toContain('unsafe-path:traversal');
    expect(l.entries[1].anomalies).toContain('unsafe-path:absolute');
    expect(l.entries[2].anomalies).toContain('hardlink-escape');
    expect(l.anomalies).toContain('duplicate-names');
  });

  it('a bad checksum on the first header means "not a tar"', async () => {
    const b = Buffer.from(pyTar('USTAR', `[('a.pkl', 'file', '${PICKLE_HEX}')]`));
    b[0] ^= 0xff;
    expect(isTar(b)).toBe(false);
    await expect(tar(b)).rejects.toBeInstanceOf(ParseError);
    await expect(tar(Buffer.alloc(1024))).rejects.toBeInstanceOf(ParseError);
    await expect(tar(Buffer.from('short'))).rejects.toBeInstanceOf(ParseError);
  });

  it('a later bad header keeps earlier entries and reports the error', async () => {
    const b = Buffer.from(
      pyTar('USTAR', `[('a.pkl', 'file', '${PICKLE_HEX}'), ('b.pkl', 'file', '${PICKLE_HEX}')]`),
    );
    b[1024] ^= 0xff; // second header (a.pkl data fits in one block)
    const l = await tar(b);
    expect(l.entries.map((e) => e.name)).toEqual(['a.pkl']);
    expect(l.truncated).toBe(true);
    expect(l.error).toMatch(/checksum/);
  });

  it('member data past the end of the file truncates the listing', async () => {
    const b = pyTar('USTAR', `[('a.pkl', 'file', '${'00'.repeat(5000)}')]`);
    const l = await tar(b.subarray(0, 2048));
    expect(l.truncated).toBe(true);
    expect(l.entries[0].anomalies).toContain('data-out-of-bounds');
  });

  it('reports data hidden after the end-of-archive marker', async () => {
    const b = pyTar('USTAR', `[('a.pkl', 'file', '${PICKLE_HEX}')]`);
    const hidden = pyTar('USTAR', `[('hidden.pkl', 'file', '${PICKLE_HEX}')]`);
    const l = await tar(Buffer.concat([b, hidden]));
    expect(l.entries.map((e) => e.name)).toEqual(['a.pkl']);
    expect(l.anomalies).toContain('data-after-end');
  });

  it('recognises v7 headers', async () => {
    const b = Buffer.from(pyTar('USTAR', `[('a.pkl', 'file', '${PICKLE_HEX}')]`));
    b.fill(0, 257, 512); // no magic: a v7 header
    rechecksum(b, 0);
    expect(isTar(b)).toBe(true);
    expect((await tar(b)).entries[0].name).toBe('a.pkl');
    expect(isTar(Buffer.alloc(512))).toBe(false);
    expect(isTar(Buffer.alloc(100))).toBe(false);
  });

  it('enforces maxMembers and bounds extension headers', async () => {
    const spec = `[${Array.from({ length: 20 }, (_, i) => `('f${i}', 'file', '00')`).join(',')}]`;
    await expect(readTar(new BufferSource(pyTar('USTAR', spec)), { maxMembers: 10 })).rejects.toBeInstanceOf(
      LimitError,
    );
    const b = Buffer.from(pyTar('GNU', `[('${'n'.repeat(200)}', 'file', '00')]`));
    // make the GNU long-name header claim 2 GiB
    b.write('17777777777\0', 124, 'latin1');
    rechecksum(b, 0);
    const l = await tar(b);
    expect(l.truncated).toBe(true);
  });
});
