import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanBytes } from '../../src/scan/engine.js';
import { PickleAsm, concat } from '../helpers/pickle-asm.js';

const FIX = path.resolve(__dirname, '../../fixtures');
const benignZip = readFileSync(path.join(FIX, 'benign/torch/state_dict.pt'));
const maliciousZip = readFileSync(path.join(FIX, 'malicious/torch/zip_data_pkl_replaced.pt'));

describe('polyglots: every interpretation of the same bytes is analysed', () => {
  it('a pickle with a ZIP appended: pickle.load runs the pickle, torch.load reads the ZIP', async () => {
    const r = await scanBytes(concat(PickleAsm.call('os', 'system', 'id'), benignZip), 'model.pt');
    expect(r.formats).toEqual(expect.arrayContaining(['pickle', 'pytorch-zip']));
    expect(r.findings.map((f) => f.ruleId)).toEqual(expect.arrayContaining(['BW-GEN-005', 'BW-PKL-001']));
    expect(r.verdict).toBe('malicious');
  });

  it('a benign pickle with a malicious checkpoint appended is still caught through the ZIP', async () => {
    const benignPickle = new PickleAsm().proto(4).emptyDict().stop().bytes();
    const r = await scanBytes(concat(benignPickle, maliciousZip), 'model.pt');
    expect(r.verdict).toBe('malicious');
    const f = r.findings.find((x) => x.ruleId === 'BW-PKL-001')!;
    expect(f.location.inner).toEqual(['archive/data.pkl']);
  });

  it('ordinary files are not polyglots', async () => {
    const r = await scanBytes(benignZip, 'state_dict.pt');
    expect(r.findings).toEqual([]);
    expect(r.verdict).toBe('clean');
  });
});

describe('compressed data that cannot be decoded', () => {
  it('a truncated LZ4 frame (no end mark) is inconclusive, never clean', async () => {
    const lz4 = Uint8Array.from([
      0x04, 0x22, 0x4d, 0x18, 0x64, 0x40, 0xa7, 0x05, 0x00, 0x00, 0x80, 0x61, 0x62, 0x63, 0x64, 0x65,
    ]);
    const r = await scanBytes(lz4, 'model.joblib');
    expect(r.formats).toContain('lz4');
    expect(r.verdict).toBe('inconclusive');
  });
});
