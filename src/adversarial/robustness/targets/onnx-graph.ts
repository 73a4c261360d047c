/**
 * Reads an ONNX model's graph with onnx-proto into plain values, within bounds (file size, node count,
 * initializer sizes). Nothing in the file is executed: this is only decoding.
 */
import onnxProto from 'onnx-proto';
import { LimitError, ParseError } from '../../../core/errors.js';
import { oneLine } from './common.js';

const { onnx } = onnxProto;

export interface OnnxGraphLimits {
  /** Largest model file accepted (bytes, default 256 MiB). */
  maxBytes?: number;
  /** Most nodes in the main graph (default 20,000). */
  maxNodes?: number;
  /** Most elements in one initializer (default 64M). */
  maxInitializerElements?: number;
  /** Most elements over all initializers (default 128M). */
  maxTotalElements?: number;
}

export type AttrValue =
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'floats'; value: number[] }
  | { kind: 'ints'; value: number[] }
  | { kind: 'tensor'; value: OnnxTensor }
  | { kind: 'other'; type: number };

export interface OnnxTensor {
  name: string;
  dims: number[];
  /** 'float32' for FLOAT, 'int' for INT32/INT64 (values as numbers), otherwise the ONNX data type number. */
  dtype: 'float32' | 'int' | number;
  floats?: Float32Array;
  ints?: number[];
}

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attrs: Map<string, AttrValue>;
}

export interface OnnxValueInfo {
  name: string;
  /** ONNX element type (1 = float). */
  elemType: number;
  /** Dimensions: numbers, or names / undefined for symbolic ones. */
  shape: (number | string | undefined)[] | undefined;
}

export interface OnnxGraph {
  /** Opset of the default domain. */
  opset: number;
  irVersion: number;
  /** Graph inputs that are not initializers. */
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  nodes: OnnxNode[];
  initializers: Map<string, OnnxTensor>;
}

const DEFAULTS: Required<OnnxGraphLimits> = {
  maxBytes: 256 * 1024 * 1024,
  maxNodes: 20_000,
  maxInitializerElements: 64 * 1024 * 1024,
  maxTotalElements: 128 * 1024 * 1024,
};

function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v && typeof v === 'object' && 'toNumber' in v) return (v as { toNumber(): number }).toNumber();
  return Number(v);
}

function decodeTensor(
  t: import('onnx-proto').onnx.ITensorProto,
  where: string,
  lim: Required<OnnxGraphLimits>,
): OnnxTensor {
  const name = t.name ?? '';
  const dims = (t.dims ?? []).map(num);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new ParseError(`${where}: tensor '${name}' has invalid dimensions [${dims.join(', ')}]`);
  }
  const count = dims.reduce((a, b) => a * b, 1);
  if (count > lim.maxInitializerElements) {
    throw new LimitError(
      'initializer-elements',
      `${where}: tensor '${name}' has ${count} elements, over the limit of ${lim.maxInitializerElements}`,
    );
  }
  if (t.dataLocation === 1) {
    throw new ParseError(
      `${where}: tensor '${name}' uses external data; embed the weights in the .onnx file`,
    );
  }
  const raw = t.rawData && t.rawData.length ? t.rawData : undefined;
  const dataType = t.dataType ?? 0;
  if (dataType === 1) {
    let floats: Float32Array;
    if (raw) {
      if (raw.length !== count * 4) {
        throw new ParseError(`${where}: tensor '${name}' holds ${raw.length} bytes, expected ${count * 4}`);
      }
      floats = new Float32Array(count);
      const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      for (let i = 0; i < count; i++) floats[i] = dv.getFloat32(i * 4, true);
    } else {
      const src = t.floatData ?? [];
      if (src.length !== count) {
        throw new ParseError(`${where}: tensor '${name}' holds ${src.length} floats, expected ${count}`);
      }
      floats = Float32Array.from(src);
    }
    return { name, dims, dtype: 'float32', floats };
  }
  if (dataType === 7 || dataType === 6) {
    const width = dataType === 7 ? 8 : 4;
    let ints: number[];
    if (raw) {
      if (raw.length !== count * width) {
        throw new ParseError(
          `${where}: tensor '${name}' holds ${raw.length} bytes, expected ${count * width}`,
        );
      }
      const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      ints = [];
      for (let i = 0; i < count; i++) {
        ints.push(width === 8 ? Number(dv.getBigInt64(i * 8, true)) : dv.getInt32(i * 4, true));
      }
    } else {
      const src = (dataType === 7 ? t.int64Data : t.int32Data) ?? [];
      if (src.length !== count) {
        throw new ParseError(`${where}: tensor '${name}' holds ${src.length} integers, expected ${count}`);
      }
      ints = src.map(num);
    }
    return { name, dims, dtype: 'int', ints };
  }
  return { name, dims, dtype: dataType };
}

function decodeAttr(
  a: import('onnx-proto').onnx.IAttributeProto,
  where: string,
  lim: Required<OnnxGraphLimits>,
): AttrValue {
  switch (a.type ?? 0) {
    case 1:
      return { kind: 'float', value: a.f ?? 0 };
    case 2:
      return { kind: 'int', value: num(a.i ?? 0) };
    case 3:
      return { kind: 'string', value: Buffer.from(a.s ?? new Uint8Array()).toString('utf8') };
    case 4:
      return { kind: 'tensor', value: decodeTensor(a.t ?? {}, where, lim) };
    case 6:
      return { kind: 'floats', value: [...(a.floats ?? [])] };
    case 7:
      return { kind: 'ints', value: (a.ints ?? []).map(num) };
    default:
      return { kind: 'other', type: a.type ?? 0 };
  }
}

function valueInfo(v: import('onnx-proto').onnx.IValueInfoProto): OnnxValueInfo {
  const tt = v.type?.tensorType;
  const dims = tt?.shape?.dim;
  return {
    name: v.name ?? '',
    elemType: tt?.elemType ?? 0,
    shape: dims
      ? dims.map((d) =>
          d.dimValue !== undefined && d.dimValue !== null ? num(d.dimValue) : (d.dimParam ?? undefined),
        )
      : undefined,
  };
}

/** Decodes model bytes. Malformed bytes → ParseError (one line); bounds → LimitError. */
export function readOnnxGraph(bytes: Uint8Array, name: string, limits: OnnxGraphLimits = {}): OnnxGraph {
  const lim = { ...DEFAULTS, ...limits };
  if (bytes.length > lim.maxBytes) {
    throw new LimitError(
      'model-bytes',
      `${name}: ${bytes.length} bytes is over the limit of ${lim.maxBytes}; raise maxBytes if the model is trusted`,
    );
  }
  let model: import('onnx-proto').onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new ParseError(`${name}: not a valid ONNX model (${oneLine(err)}); pass an .onnx file`);
  }
  const g = model.graph;
  if (!g || !g.node || g.node.length === 0 || !g.output || g.output.length === 0) {
    throw new ParseError(
      `${name}: not a valid ONNX model (no graph with nodes and outputs); pass an .onnx file`,
    );
  }
  if (g.node.length > lim.maxNodes) {
    throw new LimitError('nodes', `${name}: ${g.node.length} nodes is over the limit of ${lim.maxNodes}`);
  }
  let opset = 0;
  for (const o of model.opsetImport ?? []) {
    if (!o.domain || o.domain === 'ai.onnx') opset = num(o.version ?? 0);
  }
  const initializers = new Map<string, OnnxTensor>();
  let total = 0;
  for (const t of g.initializer ?? []) {
    const tensor = decodeTensor(t, name, lim);
    total += tensor.dims.reduce((a, b) => a * b, 1);
    if (total > lim.maxTotalElements) {
      throw new LimitError(
        'initializer-elements',
        `${name}: initializers hold over ${lim.maxTotalElements} elements`,
      );
    }
    initializers.set(tensor.name, tensor);
  }
  const nodes: OnnxNode[] = g.node.map((n, i) => {
    const attrs = new Map<string, AttrValue>();
    for (const a of n.attribute ?? []) attrs.set(a.name ?? '', decodeAttr(a, `${name} node ${i}`, lim));
    return {
      name: n.name || `#${i}`,
      opType: n.opType ?? '',
      domain: n.domain ?? '',
      inputs: [...(n.input ?? [])],
      outputs: [...(n.output ?? [])],
      attrs,
    };
  });
  return {
    opset,
    irVersion: num(model.irVersion ?? 0),
    inputs: (g.input ?? []).map(valueInfo).filter((v) => !initializers.has(v.name)),
    outputs: g.output.map(valueInfo),
    nodes,
    initializers,
  };
}
