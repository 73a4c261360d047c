/**
 * Rebuilds an ONNX graph with TensorFlow.js ops so that it can be differentiated (`tf.grad`). Only a documented
 * op set is supported (see SUPPORTED_OPS and docs/model-targets.md); every attribute is honoured or refused.
 * Tensors keep ONNX's NCHW layout; Conv and the pools transpose to NHWC around the tfjs kernel.
 */
import type { Tensor } from '@tensorflow/tfjs-core';
import type { AttrValue, OnnxGraph, OnnxNode, OnnxTensor } from './onnx-graph.js';
import type { Tf } from './tf.js';

/** Ops the importer rebuilds, with the attributes each accepts. */
export const SUPPORTED_OPS: Readonly<Record<string, readonly string[]>> = {
  Gemm: ['alpha', 'beta', 'transA', 'transB'],
  MatMul: [],
  Add: [],
  Sub: [],
  Mul: [],
  Div: [],
  Relu: [],
  LeakyRelu: ['alpha'],
  Sigmoid: [],
  Tanh: [],
  Softmax: ['axis'],
  LogSoftmax: ['axis'],
  Conv: ['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides'],
  MaxPool: ['auto_pad', 'ceil_mode', 'dilations', 'kernel_shape', 'pads', 'storage_order', 'strides'],
  AveragePool: ['auto_pad', 'ceil_mode', 'count_include_pad', 'kernel_shape', 'pads', 'strides'],
  GlobalAveragePool: [],
  Flatten: ['axis'],
  Reshape: ['allowzero'],
  Transpose: ['perm'],
  BatchNormalization: ['epsilon', 'momentum', 'training_mode', 'spatial'],
  Identity: [],
  Dropout: ['ratio', 'seed', 'is_test'],
  Constant: ['value'],
};

export type ImportResult =
  { ok: true; model: ImportedGraph } | { ok: false; problems: string[]; unsupportedOps: string[] };

/** How the graph's output relates to class scores. */
export type OutputKind = 'logits' | 'probabilities' | 'log-probabilities';

export interface ImportedGraph {
  readonly inputName: string;
  readonly outputKind: OutputKind;
  /** Forward pass: the graph output. */
  forward(x: Tensor): Tensor;
  /** Forward pass returning log-probabilities (log-softmax of logits, or of the final Softmax's input). */
  logProbabilities(x: Tensor): Tensor;
  dispose(): void;
}

type Compiled = (env: Map<string, Tensor>) => void;

interface Ctx {
  tf: Tf;
  graph: OnnxGraph;
  consts: Map<string, Tensor>;
  intConsts: Map<string, number[]>;
  problems: string[];
}

function attrInt(n: OnnxNode, name: string, def: number): number {
  const a = n.attrs.get(name);
  return a && a.kind === 'int' ? a.value : def;
}
function attrFloat(n: OnnxNode, name: string, def: number): number {
  const a = n.attrs.get(name);
  return a && a.kind === 'float' ? a.value : def;
}
function attrInts(n: OnnxNode, name: string): number[] | undefined {
  const a = n.attrs.get(name);
  return a && a.kind === 'ints' ? a.value : undefined;
}
function attrString(n: OnnxNode, name: string, def: string): string {
  const a = n.attrs.get(name);
  return a && a.kind === 'string' ? a.value : def;
}

const ATTR_KIND: Record<string, AttrValue['kind']> = {
  alpha: 'float',
  beta: 'float',
  transA: 'int',
  transB: 'int',
  axis: 'int',
  auto_pad: 'string',
  dilations: 'ints',
  group: 'int',
  kernel_shape: 'ints',
  pads: 'ints',
  strides: 'ints',
  ceil_mode: 'int',
  storage_order: 'int',
  count_include_pad: 'int',
  allowzero: 'int',
  perm: 'ints',
  epsilon: 'float',
  momentum: 'float',
  training_mode: 'int',
  spatial: 'int',
  ratio: 'float',
  seed: 'int',
  is_test: 'int',
  value: 'tensor',
};

/** Checks one node against the op set; returns problems (empty when it can be rebuilt). */
function checkNode(n: OnnxNode, opset: number): string[] {
  const where = `node ${n.name} (${n.opType})`;
  if (n.domain !== '' && n.domain !== 'ai.onnx') return [`${where}: domain '${n.domain}' is not supported`];
  const allowed = SUPPORTED_OPS[n.opType];
  if (!allowed) return [`op ${n.opType} is not in the supported op set`];
  const out: string[] = [];
  for (const [k, v] of n.attrs) {
    if (!allowed.includes(k)) out.push(`${where}: attribute '${k}' is not supported`);
    else if (ATTR_KIND[k] !== v.kind) out.push(`${where}: attribute '${k}' has an unexpected type`);
  }
  const extraOutputs = n.outputs.slice(1).filter((o) => o !== '');
  if (extraOutputs.length) out.push(`${where}: extra outputs (${extraOutputs.join(', ')}) are not supported`);
  switch (n.opType) {
    case 'Conv':
      if (attrInt(n, 'group', 1) !== 1) out.push(`${where}: group ≠ 1 is not supported`);
      break;
    case 'MaxPool':
      if (attrInt(n, 'ceil_mode', 0) !== 0) out.push(`${where}: ceil_mode=1 is not supported`);
      if (attrInt(n, 'storage_order', 0) !== 0) out.push(`${where}: storage_order=1 is not supported`);
      if ((attrInts(n, 'dilations') ?? []).some((d) => d !== 1))
        out.push(`${where}: dilations ≠ 1 are not supported`);
      break;
    case 'AveragePool':
      if (attrInt(n, 'ceil_mode', 0) !== 0) out.push(`${where}: ceil_mode=1 is not supported`);
      break;
    case 'BatchNormalization':
      if (attrInt(n, 'training_mode', 0) !== 0) out.push(`${where}: training_mode=1 is not supported`);
      if (attrInt(n, 'spatial', 1) !== 1) out.push(`${where}: spatial=0 is not supported`);
      break;
    case 'Dropout':
      if (opset < 7 && attrInt(n, 'is_test', 0) !== 1)
        out.push(`${where}: training-mode Dropout is not supported`);
      break;
    case 'Constant':
      if (!n.attrs.has('value')) out.push(`${where}: only Constant with a tensor 'value' is supported`);
      break;
    default:
      break;
  }
  const ap = attrString(n, 'auto_pad', 'NOTSET');
  if (!['NOTSET', 'VALID', 'SAME_UPPER', 'SAME_LOWER'].includes(ap))
    out.push(`${where}: auto_pad '${ap}' is not supported`);
  return out;
}

function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** Softmax / log-softmax over one axis (moved last when needed). */
function softmaxAxis(tf: Tf, x: Tensor, axis: number, log: boolean): Tensor {
  const rank = x.rank;
  const a = normAxis(axis, rank);
  if (a === rank - 1) return log ? tf.logSoftmax(x) : tf.softmax(x);
  const perm = [...Array(rank).keys()];
  perm[a] = rank - 1;
  perm[rank - 1] = a;
  const t = tf.transpose(x, perm);
  const s = log ? tf.logSoftmax(t) : tf.softmax(t);
  return tf.transpose(s, perm);
}

/** Softmax of opset < 13: coerce to 2-D at `axis`, softmax the rows, restore the shape. */
function softmaxLegacy(tf: Tf, x: Tensor, axis: number, log: boolean): Tensor {
  const a = normAxis(axis, x.rank);
  const rows = x.shape.slice(0, a).reduce((p, q) => p * q, 1);
  const s2 = tf.reshape(x, [rows, -1]);
  const s = log ? tf.logSoftmax(s2) : tf.softmax(s2);
  return tf.reshape(s, x.shape);
}

/** Begin/end pads for a 2-D window op, honouring auto_pad. */
function windowPads(
  n: OnnxNode,
  inH: number,
  inW: number,
  k: [number, number],
  s: [number, number],
  d: [number, number],
): [number, number, number, number] {
  const ap = attrString(n, 'auto_pad', 'NOTSET');
  if (ap === 'VALID') return [0, 0, 0, 0];
  if (ap === 'SAME_UPPER' || ap === 'SAME_LOWER') {
    const pad = (inp: number, i: 0 | 1) =>
      Math.max(0, (Math.ceil(inp / s[i]) - 1) * s[i] + (k[i] - 1) * d[i] + 1 - inp);
    const ph = pad(inH, 0);
    const pw = pad(inW, 1);
    const small = (p: number) => Math.floor(p / 2);
    return ap === 'SAME_UPPER'
      ? [small(ph), small(pw), ph - small(ph), pw - small(pw)]
      : [ph - small(ph), pw - small(pw), small(ph), small(pw)];
  }
  const p = attrInts(n, 'pads') ?? [0, 0, 0, 0];
  return [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0, p[3] ?? 0];
}

/** Keeps rows/columns 0, s, 2s, … of an NHWC tensor (pad, reshape, slice: all with plain gradients). */
function subsample(tf: Tf, y: Tensor, sh: number, sw: number): Tensor {
  const [N, H, W, C] = y.shape as [number, number, number, number];
  const Ho = Math.ceil(H / sh);
  const Wo = Math.ceil(W / sw);
  const padded = tf.pad(y, [
    [0, 0],
    [0, Ho * sh - H],
    [0, Wo * sw - W],
    [0, 0],
  ]);
  const r = tf.reshape(padded, [N, Ho, sh, Wo, sw, C]);
  return tf.reshape(tf.slice(r, [0, 0, 0, 0, 0, 0], [N, Ho, 1, Wo, 1, C]), [N, Ho, Wo, C]);
}

/**
 * Max pooling as the maximum of the kh·kw shifted (strided) views of the padded NHWC input. The tfjs WASM
 * backend's MaxPool gradient was measured wrong for some overlapping windows (kernel 3 stride 2; kernel 2
 * stride 1 after padding); this form only needs the gradients of slice and maximum.
 */
function windowMax(tf: Tf, xp: Tensor, kh: number, kw: number, sh: number, sw: number): Tensor {
  const [N, H, W, C] = xp.shape as [number, number, number, number];
  const Ho = Math.floor((H - kh) / sh) + 1;
  const Wo = Math.floor((W - kw) / sw) + 1;
  let y: Tensor | undefined;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      let v = tf.slice(xp, [0, i, j, 0], [N, (Ho - 1) * sh + 1, (Wo - 1) * sw + 1, C]);
      if (sh > 1 || sw > 1) v = subsample(tf, v, sh, sw);
      y = y ? tf.maximum(y, v) : v;
    }
  }
  return y as Tensor;
}

function compileNode(ctx: Ctx, n: OnnxNode): Compiled | undefined {
  const { tf, graph } = ctx;
  const where = `node ${n.name} (${n.opType})`;
  const out = n.outputs[0];
  const get = (env: Map<string, Tensor>, i: number): Tensor => {
    const t = env.get(n.inputs[i]) ?? ctx.consts.get(n.inputs[i]);
    if (!t) throw new Error(`${where}: input '${n.inputs[i]}' is not available`);
    return t;
  };
  const unary =
    (f: (x: Tensor) => Tensor): Compiled =>
    (env) =>
      env.set(out, f(get(env, 0)));
  const binary =
    (f: (a: Tensor, b: Tensor) => Tensor): Compiled =>
    (env) =>
      env.set(out, f(get(env, 0), get(env, 1)));
  switch (n.opType) {
    case 'Identity':
    case 'Dropout': {
      if (n.opType === 'Dropout' && n.inputs[2]) {
        const tm = ctx.intConsts.get(n.inputs[2]);
        const tmf = ctx.consts.get(n.inputs[2]);
        const isFalse =
          (tm && tm.every((v) => v === 0)) || (tmf && tmf.size === 1 && tmf.dataSync()[0] === 0);
        if (!isFalse) {
          ctx.problems.push(`${where}: training_mode must be a constant false`);
          return undefined;
        }
      }
      return unary((x) => x);
    }
    case 'Relu':
      return unary((x) => tf.relu(x));
    case 'Sigmoid':
      return unary((x) => tf.sigmoid(x));
    case 'Tanh':
      return unary((x) => tf.tanh(x));
    case 'LeakyRelu': {
      const alpha = attrFloat(n, 'alpha', 0.01);
      return unary((x) => tf.leakyRelu(x, alpha));
    }
    case 'Add':
      return binary((a, b) => tf.add(a, b));
    case 'Sub':
      return binary((a, b) => tf.sub(a, b));
    case 'Mul':
      return binary((a, b) => tf.mul(a, b));
    case 'Div':
      return binary((a, b) => tf.div(a, b));
    case 'Softmax':
    case 'LogSoftmax': {
      const log = n.opType === 'LogSoftmax';
      const legacy = graph.opset < 13;
      const axis = attrInt(n, 'axis', legacy ? 1 : -1);
      return unary((x) => (legacy ? softmaxLegacy(tf, x, axis, log) : softmaxAxis(tf, x, axis, log)));
    }
    case 'Gemm': {
      const alpha = attrFloat(n, 'alpha', 1);
      const beta = attrFloat(n, 'beta', 1);
      const tA = attrInt(n, 'transA', 0) !== 0;
      const tB = attrInt(n, 'transB', 0) !== 0;
      return (env) => {
        let y = tf.matMul(get(env, 0), get(env, 1), tA, tB);
        if (alpha !== 1) y = tf.mul(y, alpha);
        if (n.inputs[2]) {
          const c = get(env, 2);
          y = tf.add(y, beta !== 1 ? tf.mul(c, beta) : c);
        }
        env.set(out, y);
      };
    }
    case 'MatMul':
      return binary((a, b) => {
        if (a.rank === 2 && b.rank === 2) return tf.matMul(a, b);
        if (a.rank > 2 && b.rank === 2) {
          const k = a.shape[a.rank - 1];
          const y = tf.matMul(tf.reshape(a, [-1, k]), b);
          return tf.reshape(y, [...(a.shape as number[]).slice(0, -1), b.shape[1] as number]);
        }
        if (a.rank === b.rank && a.rank <= 4) return tf.matMul(a, b);
        throw new Error(`${where}: MatMul of ranks ${a.rank} and ${b.rank} is not supported`);
      });
    case 'Flatten': {
      const axis = attrInt(n, 'axis', 1);
      return unary((x) => {
        const a = normAxis(axis, x.rank);
        const rows = x.shape.slice(0, a).reduce((p, q) => p * q, 1);
        return tf.reshape(x, [rows, x.size / Math.max(rows, 1)]);
      });
    }
    case 'Reshape': {
      const shape = ctx.intConsts.get(n.inputs[1]);
      if (!shape) {
        ctx.problems.push(`${where}: the target shape must be a constant int64 initializer`);
        return undefined;
      }
      const allowZero = attrInt(n, 'allowzero', 0) !== 0;
      return unary((x) =>
        tf.reshape(
          x,
          shape.map((d, i) => (d === 0 && !allowZero ? x.shape[i] : d)),
        ),
      );
    }
    case 'Transpose': {
      const perm = attrInts(n, 'perm');
      return unary((x) => tf.transpose(x, perm ?? [...Array(x.rank).keys()].reverse()));
    }
    case 'GlobalAveragePool':
      return unary((x) => tf.mean(x, [...Array(x.rank).keys()].slice(2), true));
    case 'BatchNormalization': {
      const eps = attrFloat(n, 'epsilon', 1e-5);
      return (env) => {
        const x = get(env, 0);
        const shape = [1, -1, ...Array(x.rank - 2).fill(1)];
        const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => tf.reshape(get(env, i), shape));
        const a = tf.div(scale, tf.sqrt(tf.add(variance, eps)));
        env.set(out, tf.add(tf.mul(tf.sub(x, mean), a), bias));
      };
    }
    case 'Conv': {
      const strides = attrInts(n, 'strides') ?? [1, 1];
      const dil = attrInts(n, 'dilations') ?? [1, 1];
      const ks = attrInts(n, 'kernel_shape');
      const w = ctx.consts.get(n.inputs[1]);
      if (!w || w.rank !== 4) {
        ctx.problems.push(`${where}: only 2-D Conv with constant weights is supported`);
        return undefined;
      }
      if (ks && (ks.length !== 2 || ks[0] !== w.shape[2] || ks[1] !== w.shape[3])) {
        ctx.problems.push(`${where}: kernel_shape does not match the weights`);
        return undefined;
      }
      // tfjs has no conv2d gradient for dilations > 1: dilate the (constant) kernel with zeros instead.
      const [M, C, kh, kw] = w.shape as [number, number, number, number];
      const [dh, dw] = [dil[0] ?? 1, dil[1] ?? 1];
      const kh2 = (kh - 1) * dh + 1;
      const kw2 = (kw - 1) * dw + 1;
      const src = w.dataSync();
      const hwcm = new Float32Array(kh2 * kw2 * C * M);
      for (let m = 0; m < M; m++)
        for (let c = 0; c < C; c++)
          for (let i = 0; i < kh; i++)
            for (let j = 0; j < kw; j++) {
              hwcm[((i * dh * kw2 + j * dw) * C + c) * M + m] = src[((m * C + c) * kh + i) * kw + j];
            }
      const filter = tf.keep(tf.tensor4d(hwcm, [kh2, kw2, C, M]));
      ctx.consts.set(`${n.inputs[1]}::hwcm`, filter);
      const k: [number, number] = [kh, kw];
      return (env) => {
        const x = get(env, 0);
        if (x.rank !== 4) throw new Error(`${where}: only 2-D Conv (rank-4 input) is supported`);
        const [pt, pl, pb, pr] = windowPads(
          n,
          x.shape[2] as number,
          x.shape[3] as number,
          k,
          [strides[0], strides[1]],
          [dh, dw],
        );
        const xh = tf.transpose(x, [0, 2, 3, 1]) as import('@tensorflow/tfjs-core').Tensor4D;
        const pad: [[number, number], [number, number], [number, number], [number, number]] = [
          [0, 0],
          [pt, pb],
          [pl, pr],
          [0, 0],
        ];
        let y: Tensor = tf.conv2d(xh, filter, [strides[0], strides[1]], pad, 'NHWC');
        if (n.inputs[2]) y = tf.add(y, get(env, 2));
        env.set(out, tf.transpose(y, [0, 3, 1, 2]));
      };
    }
    case 'MaxPool':
    case 'AveragePool': {
      const ks = attrInts(n, 'kernel_shape');
      if (!ks || ks.length !== 2) {
        ctx.problems.push(`${where}: only 2-D pooling is supported`);
        return undefined;
      }
      const strides = attrInts(n, 'strides') ?? [1, 1];
      const max = n.opType === 'MaxPool';
      const includePad = attrInt(n, 'count_include_pad', 0) !== 0;
      return (env) => {
        const x = get(env, 0);
        if (x.rank !== 4) throw new Error(`${where}: only 2-D pooling (rank-4 input) is supported`);
        const [pt, pl, pb, pr] = windowPads(
          n,
          x.shape[2] as number,
          x.shape[3] as number,
          [ks[0], ks[1]],
          [strides[0], strides[1]],
          [1, 1],
        );
        const xh = tf.transpose(x, [0, 2, 3, 1]);
        const padSpec: [number, number][] = [
          [0, 0],
          [pt, pb],
          [pl, pr],
          [0, 0],
        ];
        const any = pt + pl + pb + pr > 0;
        let y: Tensor;
        if (max) {
          const xp = any ? tf.pad(xh, padSpec, -3.4e38) : xh;
          // Non-overlapping windows: tfjs's maxPool (its gradient was checked); overlapping: shifted views.
          y =
            strides[0] === ks[0] && strides[1] === ks[1]
              ? tf.maxPool(
                  xp as import('@tensorflow/tfjs-core').Tensor4D,
                  [ks[0], ks[1]],
                  [strides[0], strides[1]],
                  'valid',
                )
              : windowMax(tf, xp, ks[0], ks[1], strides[0], strides[1]);
        } else {
          const xp = (any ? tf.pad(xh, padSpec, 0) : xh) as import('@tensorflow/tfjs-core').Tensor4D;
          y = tf.avgPool(xp, [ks[0], ks[1]], [strides[0], strides[1]], 'valid');
          if (any && !includePad) {
            const ones = tf.pad(
              tf.ones([1, x.shape[2] as number, x.shape[3] as number, 1]),
              padSpec,
              0,
            ) as import('@tensorflow/tfjs-core').Tensor4D;
            y = tf.div(y, tf.avgPool(ones, [ks[0], ks[1]], [strides[0], strides[1]], 'valid'));
          }
        }
        env.set(out, tf.transpose(y, [0, 3, 1, 2]));
      };
    }
    case 'Constant':
      return () => undefined; // folded into ctx.consts before compiling
    default:
      ctx.problems.push(`op ${n.opType} is not in the supported op set`);
      return undefined;
  }
}

function constTensor(tf: Tf, t: OnnxTensor): Tensor | undefined {
  if (t.dtype === 'float32' && t.floats) return tf.keep(tf.tensor(t.floats, t.dims, 'float32'));
  return undefined;
}

/**
 * Imports `graph` into tfjs. On success the returned model runs the same computation; otherwise `problems`
 * says why (the first unsupported op, attribute or layout) and `unsupportedOps` lists ops outside the set.
 */
export function importOnnxGraph(
  tf: Tf,
  graph: OnnxGraph,
  opts: { outputKind?: OutputKind } = {},
): ImportResult {
  const problems: string[] = [];
  const unsupportedOps = [
    ...new Set(graph.nodes.filter((n) => !SUPPORTED_OPS[n.opType]).map((n) => n.opType)),
  ].sort();
  for (const n of graph.nodes) problems.push(...checkNode(n, graph.opset));
  if (graph.inputs.length !== 1)
    problems.push(`the graph has ${graph.inputs.length} inputs; exactly one is supported`);
  else if (graph.inputs[0].elemType !== 1) problems.push(`input '${graph.inputs[0].name}' is not float32`);
  if (graph.outputs.length !== 1)
    problems.push(`the graph has ${graph.outputs.length} outputs; exactly one is supported`);
  if (problems.length) return { ok: false, problems: [...new Set(problems)], unsupportedOps };

  const consts = new Map<string, Tensor>();
  const intConsts = new Map<string, number[]>();
  for (const t of graph.initializers.values()) {
    if (t.dtype === 'int' && t.ints) intConsts.set(t.name, t.ints);
    const c = constTensor(tf, t);
    if (c) consts.set(t.name, c);
  }
  const ctx: Ctx = { tf, graph, consts, intConsts, problems };
  const inputName = graph.inputs[0].name;
  const available = new Set<string>([inputName, ...graph.initializers.keys()]);
  const steps: Compiled[] = [];
  for (const n of graph.nodes) {
    if (n.opType === 'Constant') {
      const v = n.attrs.get('value');
      if (v?.kind === 'tensor') {
        if (v.value.dtype === 'int' && v.value.ints) intConsts.set(n.outputs[0], v.value.ints);
        const c = constTensor(tf, v.value);
        if (c) consts.set(n.outputs[0], c);
      }
      available.add(n.outputs[0]);
      continue;
    }
    const missing = n.inputs.filter((i) => i !== '' && !available.has(i));
    if (missing.length) {
      problems.push(
        `node ${n.name} (${n.opType}) reads ${missing.join(', ')} before it is computed (graph not topologically sorted)`,
      );
      break;
    }
    const step = compileNode(ctx, n);
    if (!step) break;
    steps.push(step);
    for (const o of n.outputs) if (o) available.add(o);
  }
  const outName = graph.outputs[0].name;
  if (!problems.length && !available.has(outName)) problems.push(`output '${outName}' is never computed`);
  if (problems.length) {
    for (const t of consts.values()) t.dispose();
    return { ok: false, problems, unsupportedOps };
  }

  const producers = graph.nodes.filter((n) => n.outputs.includes(outName));
  const last = producers[0];
  const lastAxisOk = (n: OnnxNode) => {
    const ax = attrInt(n, 'axis', graph.opset < 13 ? 1 : -1);
    const rank = graph.outputs[0].shape?.length ?? 2;
    return normAxis(ax, rank) === rank - 1;
  };
  const outputKind: OutputKind =
    opts.outputKind ??
    (last?.opType === 'Softmax' && lastAxisOk(last)
      ? 'probabilities'
      : last?.opType === 'LogSoftmax' && lastAxisOk(last)
        ? 'log-probabilities'
        : 'logits');
  const finalSoftmax = outputKind === 'probabilities' && last?.opType === 'Softmax' && lastAxisOk(last);

  const run = (x: Tensor, stopAtFinalSoftmax: boolean): Tensor => {
    const env = new Map<string, Tensor>([[inputName, x]]);
    const n = steps.length - (stopAtFinalSoftmax ? 1 : 0);
    for (let i = 0; i < n; i++) steps[i](env);
    if (stopAtFinalSoftmax) {
      const t = env.get(last.inputs[0]) ?? consts.get(last.inputs[0]);
      if (!t) throw new Error('the final Softmax input is not available');
      return t;
    }
    const y = env.get(outName) ?? consts.get(outName);
    if (!y) throw new Error(`output '${outName}' is not available`);
    return y;
  };
  const lastIsStep = finalSoftmax && graph.nodes[graph.nodes.length - 1] === last;
  return {
    ok: true,
    model: {
      inputName,
      outputKind,
      forward: (x) => run(x, false),
      logProbabilities: (x) => {
        if (outputKind === 'log-probabilities') return run(x, false);
        if (outputKind === 'logits') return tf.logSoftmax(run(x, false));
        if (lastIsStep) return tf.logSoftmax(run(x, true));
        return tf.log(tf.maximum(run(x, false), 1e-30));
      },
      dispose: () => {
        for (const t of consts.values()) t.dispose();
      },
    },
  };
}
