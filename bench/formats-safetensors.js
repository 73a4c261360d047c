// Benchmark input for safetensors: a large file (default 1 GiB) whose tensor buffer is a sparse hole, so writing it
// is instant and needs no Python. Only the header should be read by the scan; the result reports bytes read vs size.
//
//   import { benchSafetensors } from './formats-safetensors.js';
//   const r = await benchSafetensors({ dir: workDir, scan });   // scan: the engine's scan(paths) function
//   // r = { name, sizeBytes, bytesRead, ms }
//
// Options (environment): BULWARK_BENCH_SAFETENSORS_MB  size of the file in MiB (default 1024, minimum 16).

import { closeSync, ftruncateSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';

const MB = 1024 * 1024;

/** Writes (once) a spec-conforming safetensors file of about `sizeMb` MiB with many BF16/F32 tensors. */
export function writeLargeSafetensors(file, sizeMb) {
  const target = Math.max(16, sizeMb) * MB;
  // A transformer-like layout: per layer 4 square BF16 projections plus a norm vector; sized to fill `target`.
  const hidden = 4096;
  const projBytes = hidden * hidden * 2;
  const perLayer = 4 * projBytes + hidden * 4;
  const layers = Math.max(1, Math.ceil(target / perLayer)); // at least `target` bytes
  const header = { __metadata__: { format: 'pt' } };
  let offset = 0;
  const add = (name, dtype, shape, bytesPer) => {
    const n = shape.reduce((a, b) => a * b, 1) * bytesPer;
    header[name] = { dtype, shape, data_offsets: [offset, offset + n] };
    offset += n;
  };
  for (let i = 0; i < layers; i++) {
    for (const p of ['q_proj', 'k_proj', 'v_proj', 'o_proj'])
      add(`model.layers.${i}.self_attn.${p}.weight`, 'BF16', [hidden, hidden], 2);
    add(`model.layers.${i}.input_layernorm.weight`, 'F32', [hidden], 4);
  }
  let json = Buffer.from(JSON.stringify(header));
  const pad = (8 - (json.length % 8)) % 8;
  json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const total = 8 + json.length + offset;
  try {
    if (statSync(file).size === total) return total;
  } catch {
    /* not written yet */
  }
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, len, 0, 8, 0);
    writeSync(fd, json, 0, json.length, 8);
    ftruncateSync(fd, total); // the tensor buffer is a hole: zeros, no disk space
  } finally {
    closeSync(fd);
  }
  return total;
}

/** Scans a large safetensors file; returns { name, sizeBytes, bytesRead, ms }. */
export async function benchSafetensors({ dir, scan }) {
  mkdirSync(dir, { recursive: true });
  const sizeMb = Number(process.env.BULWARK_BENCH_SAFETENSORS_MB ?? 1024);
  const file = path.join(dir, `large-${sizeMb}m.safetensors`);
  const sizeBytes = writeLargeSafetensors(file, sizeMb);
  const t0 = performance.now();
  const report = await scan([file], { workers: false });
  const ms = performance.now() - t0;
  const r = report.files[0];
  if (r.verdict !== 'clean' || !r.formats.includes('safetensors'))
    throw new Error(
      `bench: expected a clean safetensors file, got ${r.verdict} (${r.formats.join(', ')}): ${r.findings.map((f) => f.message).join('; ')}`,
    );
  return {
    file,
    name: `safetensors ${(sizeBytes / MB).toFixed(0)} MiB (header only)`,
    sizeBytes,
    bytesRead: r.bytesRead,
    ms,
  };
}
