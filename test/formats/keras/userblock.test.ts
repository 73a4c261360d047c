import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scan } from '../../../src/scan/engine.js';

const FIX = path.resolve(__dirname, '../../../fixtures/formats/keras/malicious/lambda_os_system.h5');
const dir = mkdtempSync(path.join(tmpdir(), 'bw-h5ub-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('HDF5 user blocks beyond the sniffed head', () => {
  it('finds the superblock after a user block of any power-of-two size and still analyses the model', async () => {
    // h5py/h5jam user blocks: the file's addresses are relative to the superblock, so prepending 2^k bytes
    // yields a file Keras loads exactly like the original.
    const h5 = readFileSync(FIX);
    for (const size of [8192, 65536]) {
      const file = path.join(dir, `ub${size}.h5`);
      const junk = Buffer.alloc(size, 0x20);
      junk.write('just some text in a user block\n');
      writeFileSync(file, Buffer.concat([junk, h5]));
      const r = (await scan([file])).files[0];
      expect(r.formats, String(size)).toContain('hdf5');
      expect(r.verdict, String(size)).toBe('malicious');
      expect(r.findings.some((f) => f.ruleId === 'BW-KERAS-001')).toBe(true);
    }
  });
});
