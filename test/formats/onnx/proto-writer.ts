/** A tiny protobuf wire-format writer for tests (ONNX and TensorFlow messages built field by field). */
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';

export function varint(n: number | bigint): Buffer {
  const out: number[] = [];
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

export const tag = (no: number, wire: number): Buffer => varint((no << 3) | wire);
export const fv = (no: number, v: number | bigint): Buffer => Buffer.concat([tag(no, 0), varint(v)]);
export const fb = (no: number, b: string | Uint8Array): Buffer => {
  const data = typeof b === 'string' ? Buffer.from(b) : Buffer.from(b);
  return Buffer.concat([tag(no, 2), varint(data.length), data]);
};
export const fm = (no: number, ...parts: Uint8Array[]): Buffer => fb(no, Buffer.concat(parts));
export const header = (no: number, length: number): Buffer => Buffer.concat([tag(no, 2), varint(length)]);

/** ONNX TensorProto { 1 dims, 2 data_type, 8 name, 9 raw_data, 13 external_data, 14 data_location }. */
export function tensor(
  name: string,
  dims: number[],
  opts: { raw?: Uint8Array; external?: Record<string, string>; dataType?: number } = {},
): Buffer {
  const parts: Buffer[] = dims.map((d) => fv(1, d));
  parts.push(fv(2, opts.dataType ?? 1), fb(8, name));
  if (opts.raw) parts.push(fb(9, opts.raw));
  if (opts.external) {
    for (const [k, v] of Object.entries(opts.external)) parts.push(fm(13, fb(1, k), fb(2, v)));
    parts.push(fv(14, 1));
  }
  return Buffer.concat(parts);
}

/** ONNX ModelProto around a graph: ir_version 8, producer, graph, opset 17. */
export function model(graph: Buffer[], producer = 'bulwark-test'): Buffer {
  return Buffer.concat([fv(1, 8), fb(2, producer), fm(7, ...graph), fm(8, fv(2, 17))]);
}

/** Writes a chain of MatMul nodes over `tensors` float32 [side, side] raw_data initializers, sparsely. */
export function writeSparseOnnx(file: string, tensors: number, side: number): number {
  const rawLen = side * side * 4;
  const parts: (Buffer | number)[] = [];
  const graph: (Buffer | number)[] = [];
  for (let i = 0; i < tensors; i++)
    graph.push(
      fm(
        1,
        fb(1, i === 0 ? 'x' : `h${i - 1}`),
        fb(1, `w${i}`),
        fb(2, `h${i}`),
        fb(3, `mm${i}`),
        fb(4, 'MatMul'),
      ),
    );
  for (let i = 0; i < tensors; i++) {
    const head = Buffer.concat([fv(1, side), fv(1, side), fv(2, 1), fb(8, `w${i}`)]);
    const raw = header(9, rawLen);
    graph.push(Buffer.concat([header(5, head.length + raw.length + rawLen), head, raw]), rawLen);
  }
  graph.push(fm(11, fb(1, 'x')), fm(12, fb(1, `h${tensors - 1}`)));
  const graphLen = graph.reduce<number>((n, p) => n + (typeof p === 'number' ? p : p.length), 0);
  parts.push(
    Buffer.concat([fv(1, 8), fb(2, 'bulwark-test'), header(7, graphLen)]),
    ...graph,
    fm(8, fv(2, 17)),
  );
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
