// Bench section for ONNX (loaded by bench/run.js): a large ONNX model whose initializers are raw_data tensors must be
// analysed from its structure only. The model is written by a small protobuf writer below (no Python, no onnx
// package): headers are written and the tensor payloads are left as holes, so a >= 1 GiB file costs no disk space
// on filesystems with sparse files and is never held in memory.
//
// Options (environment): BULWARK_BENCH_ONNX_MB (total tensor payload, default 1280 = 5 tensors of 256 MiB).

import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';

const MB = 1024 * 1024;

function varint(n) {
  const out = [];
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n;
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return Buffer.from(out);
}

const tag = (no, wire) => varint((no << 3) | wire);
const fieldVarint = (no, v) => Buffer.concat([tag(no, 0), varint(v)]);
const fieldBytes = (no, b) => {
  const data = typeof b === 'string' ? Buffer.from(b) : b;
  return Buffer.concat([tag(no, 2), varint(data.length), data]);
};
/** Header of a length-delimited field whose payload (of `length` bytes) is written separately. */
const fieldHeader = (no, length) => Buffer.concat([tag(no, 2), varint(length)]);

/**
 * Layout of an ONNX model: a chain of MatMul nodes over `tensors` float32 initializers of dims [side, side], each
 * stored as raw_data. Returns the parts in file order: Buffers to write, and numbers = holes (tensor payloads).
 */
export function onnxLayout(tensors, side) {
  const rawLen = side * side * 4;
  const nodes = [];
  for (let i = 0; i < tensors; i++) {
    const node = Buffer.concat([
      fieldBytes(1, i === 0 ? 'x' : `h${i - 1}`),
      fieldBytes(1, `w${i}`),
      fieldBytes(2, `h${i}`),
      fieldBytes(3, `matmul_${i}`),
      fieldBytes(4, 'MatMul'),
    ]);
    nodes.push(fieldBytes(1, node));
  }
  const graphParts = [...nodes, fieldBytes(2, 'bench')];
  for (let i = 0; i < tensors; i++) {
    // TensorProto { 1: dims, 2: data_type (FLOAT = 1), 8: name, 9: raw_data }
    const head = Buffer.concat([
      fieldVarint(1, side),
      fieldVarint(1, side),
      fieldVarint(2, 1),
      fieldBytes(8, `w${i}`),
    ]);
    const rawHeader = fieldHeader(9, rawLen);
    const tensorLen = head.length + rawHeader.length + rawLen;
    graphParts.push(Buffer.concat([fieldHeader(5, tensorLen), head, rawHeader]), rawLen);
  }
  graphParts.push(fieldBytes(11, fieldBytes(1, 'x')), fieldBytes(12, fieldBytes(1, `h${tensors - 1}`)));
  const graphLen = graphParts.reduce((n, p) => n + (typeof p === 'number' ? p : p.length), 0);
  return [
    Buffer.concat([
      fieldVarint(1, 8),
      fieldBytes(2, 'bulwark-bench'),
      fieldBytes(3, '1'),
      fieldHeader(7, graphLen),
    ]),
    ...graphParts,
    fieldBytes(8, fieldVarint(2, 17)),
  ];
}

/** Writes the layout to `file` without materialising the holes; returns the file size. */
export function writeSparse(file, parts) {
  const fd = openSync(file, 'w');
  let pos = 0;
  try {
    for (const p of parts) {
      if (typeof p === 'number') pos += p;
      else {
        writeSync(fd, p, 0, p.length, pos);
        pos += p.length;
      }
    }
    ftruncateSync(fd, pos);
  } finally {
    closeSync(fd);
  }
  return pos;
}

export async function benchOnnx({ dir, scan }) {
  const totalMb = Number(process.env.BULWARK_BENCH_ONNX_MB ?? 1280);
  const tensors = 5;
  const side = Math.max(64, Math.floor(Math.sqrt((totalMb * MB) / tensors / 4)));
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `large-${tensors}x${side}.onnx`);
  const parts = onnxLayout(tensors, side);
  const expected = parts.reduce((n, p) => n + (typeof p === 'number' ? p : p.length), 0);
  if (!existsSync(file) || statSync(file).size !== expected) writeSparse(file, parts);
  const t0 = process.hrtime.bigint();
  const report = await scan([file], { workers: false });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const r = report.files[0];
  if (r.verdict !== 'clean')
    throw new Error(`bench ONNX model scanned as ${r.verdict}: ${JSON.stringify(r.findings)}`);
  return {
    name: `onnx ${(expected / 1024 ** 3).toFixed(2)} GiB (${tensors} raw_data initializers)`,
    file,
    sizeBytes: r.size,
    bytesRead: r.bytesRead,
    ms,
  };
}
