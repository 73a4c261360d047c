import type { ByteSource } from '../../source.js';
import type { FormatScanner, ScanContext, SniffInput } from '../../types.js';
import { FMT_IDENTIFIED } from './rules.js';

/**
 * Formats that are recognised and reported but not analysed further: their loaders read data (trees, weights,
 * parameters), or — Torch7 — they are outside Python ML stacks and only identified. Each records its format
 * and an informational finding that says what was and was not analysed; none changes the verdict.
 */
interface Identified {
  id: string;
  format: string;
  score: number;
  match(h: Uint8Array, size: number): boolean;
  /** What the loader does and what Bulwark did and did not check. */
  note: string;
}

const ascii = (h: Uint8Array, from: number, to: number): string =>
  Buffer.from(h.subarray(from, Math.min(to, h.length))).toString('latin1');

function i32(h: Uint8Array, at: number): number {
  return at + 4 <= h.length ? h[at] | (h[at + 1] << 8) | (h[at + 2] << 16) | (h[at + 3] << 24) : NaN;
}

/** XGBoost UBJSON: '{' then a key length (int8/uint8/int16/int32/int64 marker) and the key "learner" or "version". */
function xgboostUbj(h: Uint8Array): boolean {
  if (h[0] !== 0x7b) return false;
  const sizes: Record<number, number> = { 0x69: 1, 0x55: 1, 0x49: 2, 0x6c: 4, 0x4c: 8 }; // i U I l L
  const w = sizes[h[1]];
  if (!w) return false;
  let len = 0;
  for (let k = 0; k < w; k++) len = len * 256 + h[2 + k];
  const key = ascii(h, 2 + w, 2 + w + len);
  return (key === 'learner' || key === 'version') && len === key.length;
}

/** Torch7 binary: root is a torch object (type 4) with a "V 1" version string and a class name, or a table (3). */
function torch7(h: Uint8Array): boolean {
  const type = i32(h, 0);
  if (type === 4) {
    if (i32(h, 4) !== 1 || i32(h, 8) !== 3 || ascii(h, 12, 15) !== 'V 1') return false;
    const n = i32(h, 15);
    if (!(n > 0 && n < 128)) return false;
    return /^[A-Za-z_][\w.]*$/.test(ascii(h, 19, 19 + n));
  }
  if (type === 3) {
    // table: index 1, entry count, then the first key: a string (type 2) with a printable name.
    const count = i32(h, 8);
    if (i32(h, 4) !== 1 || !(count > 0 && count < 1_000_000) || i32(h, 12) !== 2) return false;
    const n = i32(h, 16);
    if (!(n > 0 && n < 128)) return false;
    return /^[A-Za-z_][\w.]*$/.test(ascii(h, 20, 20 + n));
  }
  return false;
}

const IDENTIFIED: Identified[] = [
  {
    id: 'xgboost-binary',
    format: 'xgboost-binary',
    score: 60,
    match: (h) =>
      ascii(h, 0, 4) === 'binf' || (ascii(h, 0, 4) === 'bs64' && /^[A-Za-z0-9+/=\s]+$/.test(ascii(h, 4, 64))),
    note: "XGBoost legacy binary model: booster parameters and trees, read by XGBoost's C++ loader without running code; the trees were not analysed",
  },
  {
    id: 'xgboost-ubj',
    format: 'xgboost-ubj',
    score: 60,
    match: (h) => xgboostUbj(h),
    note: "XGBoost UBJSON model: booster parameters and trees, read by XGBoost's C++ loader without running code; the trees were not analysed",
  },
  {
    id: 'lightgbm',
    format: 'lightgbm-text',
    score: 60,
    match: (h) => /^tree\r?\nversion=v\d/.test(ascii(h, 0, 32)),
    note: "LightGBM text model: trees and parameters parsed by LightGBM's C++ loader without running code; the trees were not analysed",
  },
  {
    id: 'catboost',
    format: 'catboost',
    score: 60,
    match: (h) => ascii(h, 0, 4) === 'CBM1',
    note: "CatBoost binary model (CBM1 + flatbuffers): trees and parameters read by CatBoost's C++ loader without running code; the model body was not analysed",
  },
  {
    id: 'torch7',
    format: 'torch7',
    score: 45,
    match: (h) => torch7(h) || /^4\n1\n3\nV 1\n\d+\n[A-Za-z_][\w.]*\n/.test(ascii(h, 0, 64)),
    note: 'Torch7 (Lua) serialized object: identified only, not analysed. Python readers (torchfile) do not run code; Lua torch.load can restore serialized functions, so load .t7 files in Lua only from trusted sources',
  },
];

export const identifiedFormatScanners: FormatScanner[] = IDENTIFIED.map((f) => ({
  id: f.id,
  version: '1',
  sniff(input: SniffInput): number {
    return f.match(input.head, input.size) ? f.score : 0;
  },
  async scan(_source: ByteSource, ctx: ScanContext): Promise<void> {
    ctx.addFormat(f.format);
    ctx.report(FMT_IDENTIFIED, {
      message: f.note,
      evidence: { format: f.format, analysed: 'format identification only' },
    });
    ctx.addAnalysis(`identify:${f.format}`);
  },
}));
