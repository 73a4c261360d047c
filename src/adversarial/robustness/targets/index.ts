/**
 * Model targets for the robustness, poisoning, extraction and inference attacks. `loadOnnxTarget` returns the
 * best target an ONNX file allows: differentiable (gradients) when its graph imports into TensorFlow.js,
 * otherwise scores-only through onnxruntime with the reason recorded in `fallbackReason`.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { BulwarkError, LimitError, UsageError } from '../../../core/errors.js';
import { DifferentiableOnnxTarget } from './differentiable.js';
import { createOnnxTarget, type OnnxTarget, type OnnxTargetOptions } from './onnx.js';
import { readOnnxGraph, type OnnxGraphLimits } from './onnx-graph.js';
import { loadTf } from './tf.js';
import { importOnnxGraph, type OutputKind } from './tfjs-import.js';

export interface LoadOnnxTargetOptions extends Omit<OnnxTargetOptions, 'scoresAreProbabilities'> {
  /** Try to import the graph for gradients (default true). */
  differentiable?: boolean;
  /** How the output relates to class scores (default: from the graph's last op). */
  outputKind?: OutputKind;
  /** Rows per tfjs gradient call (default 256). */
  gradientBatch?: number;
  /** Bounds on the file and graph. */
  limits?: OnnxGraphLimits;
  /** Receives one-line notes (e.g. why gradients are unavailable). */
  onMessage?: (message: string) => void;
}

export type LoadedOnnxTarget = OnnxTarget | DifferentiableOnnxTarget;

/** Loads an ONNX classifier file as a model target (see the module comment). */
export async function loadOnnxTarget(
  file: string,
  opts: LoadOnnxTargetOptions = {},
): Promise<LoadedOnnxTarget> {
  const name = path.basename(file);
  const maxBytes = opts.limits?.maxBytes ?? 256 * 1024 * 1024;
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new UsageError(`${file} is not a file; pass an .onnx model`);
    size = st.size;
  } catch (err) {
    if (err instanceof BulwarkError) throw err;
    throw new UsageError(`model ${file} not found; check the path`);
  }
  if (size > maxBytes)
    throw new LimitError('model-bytes', `${name}: ${size} bytes is over the limit of ${maxBytes}`);
  const bytes = new Uint8Array(await readFile(file));
  return loadOnnxTargetFromBytes(bytes, { ...opts, name: opts.name ?? name });
}

/** Same as `loadOnnxTarget` for model bytes already in memory. */
export async function loadOnnxTargetFromBytes(
  bytes: Uint8Array,
  opts: LoadOnnxTargetOptions & { name: string },
): Promise<LoadedOnnxTarget> {
  const graph = readOnnxGraph(bytes, opts.name, opts.limits);
  const lastOp = graph.nodes.find((n) => n.outputs.includes(graph.outputs[0]?.name ?? ''))?.opType;
  const kind: OutputKind =
    opts.outputKind ??
    (lastOp === 'Softmax' ? 'probabilities' : lastOp === 'LogSoftmax' ? 'log-probabilities' : 'logits');
  const scores = await createOnnxTarget(bytes, { ...opts, scoresAreProbabilities: kind === 'probabilities' });
  if (opts.differentiable === false) return scores;
  let reason: string;
  let unsupportedOps: string[] = [];
  try {
    const tf = await loadTf();
    const res = importOnnxGraph(tf, graph, { outputKind: opts.outputKind });
    if (res.ok)
      return new DifferentiableOnnxTarget(tf, scores, res.model, { gradientBatch: opts.gradientBatch });
    unsupportedOps = res.unsupportedOps;
    reason = unsupportedOps.length
      ? `op${unsupportedOps.length > 1 ? 's' : ''} ${unsupportedOps.join(', ')} not in the differentiable op set`
      : res.problems[0];
  } catch (err) {
    reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
  }
  scores.fallbackReason = reason;
  scores.unsupportedOps = unsupportedOps;
  opts.onMessage?.(
    `${opts.name}: gradients unavailable (${reason}); using the scores-only onnxruntime target`,
  );
  return scores;
}

export { DifferentiableOnnxTarget } from './differentiable.js';
export { createOnnxTarget, loadOrt, OnnxTarget, type OnnxTargetOptions } from './onnx.js';
export { readOnnxGraph, type OnnxGraph, type OnnxGraphLimits, type OnnxNode } from './onnx-graph.js';
export {
  importOnnxGraph,
  SUPPORTED_OPS,
  type ImportedGraph,
  type ImportResult,
  type OutputKind,
} from './tfjs-import.js';
export { loadTf, type Tf } from './tf.js';
export { createFunctionTarget, type FunctionTargetOptions } from './function.js';
export { createHttpTarget, HttpTarget, type HttpTargetConfig } from './http.js';
export { argmaxRows, capabilityProblems } from './common.js';
