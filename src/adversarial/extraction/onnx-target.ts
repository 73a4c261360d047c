/**
 * A scores target over an ONNX classifier run by onnxruntime-node (CPU, one intra-op thread), for the extraction and
 * membership-inference commands. The model takes one float32 input [N, ...] and returns class probabilities or
 * logits [N, C] (an output named like `probabilities` is preferred, as skl2onnx writes it with zipmap=False).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { BulwarkError, UsageError } from '../../core/errors.js';
import { argmaxRows } from '../ml/models.js';
import type { Batch, ModelTarget } from '../robustness/target.js';

type Ort = typeof import('onnxruntime-node');
type OrtTensor = import('onnxruntime-node').Tensor;

export interface OnnxScoresTargetOptions {
  /** Output tensor to read (default: `probabilities`, else the first float output). */
  output?: string;
  /** Whether the output holds probabilities or logits (default: guessed from its name and a probe query). */
  outputKind?: 'probabilities' | 'logits';
  /** Valid input range (default: unbounded). */
  clipValues?: readonly [number, number];
  /** What the target reveals to the attack (default 'scores'). */
  reveal?: 'scores' | 'labels';
}

function oneLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err)
    .split('\n')[0]!
    .slice(0, 300);
}

export async function openOnnxScoresTarget(
  file: string,
  opts: OnnxScoresTargetOptions = {},
): Promise<ModelTarget & { dispose(): Promise<void> }> {
  const name = path.basename(file);
  try {
    if (!(await stat(file)).isFile()) throw new Error('not a file');
  } catch {
    throw new UsageError(`model ${file} not found or not a file; pass an .onnx model`);
  }
  let ort: Ort;
  try {
    ort = await import('onnxruntime-node');
  } catch (err) {
    throw new BulwarkError('E_UNSUPPORTED', `onnxruntime-node could not be loaded (${oneLine(err)})`);
  }
  let session: import('onnxruntime-node').InferenceSession;
  try {
    session = await ort.InferenceSession.create(file, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionProviders: ['cpu'],
    });
  } catch (err) {
    throw new BulwarkError('E_UNSUPPORTED', `${name}: onnxruntime cannot load the model (${oneLine(err)})`);
  }
  const fail = async (msg: string): Promise<never> => {
    await session.release();
    throw new BulwarkError('E_UNSUPPORTED', `${name}: ${msg}`);
  };
  const inputs = session.inputMetadata;
  if (inputs.length !== 1)
    return fail(`the model has ${inputs.length} inputs; only one float32 input is supported`);
  const meta = inputs[0] as import('onnxruntime-node').InferenceSession.ValueMetadata;
  if (!meta.isTensor || meta.type !== 'float32') return fail(`input '${meta.name}' is not a float32 tensor`);
  const dims = meta.shape.slice(1);
  if (meta.shape.length < 2 || dims.some((v) => typeof v !== 'number' || v < 1))
    return fail(
      `input '${meta.name}' has shape [${meta.shape.join(', ')}]; need a batch axis and fixed feature dims`,
    );
  const inputShape = dims as number[];
  const d = inputShape.reduce((a, b) => a * b, 1);
  const input = meta.name;

  const isTensor = (v: unknown): v is OrtTensor => !!v && typeof v === 'object' && 'dims' in v && 'type' in v;
  const run = async (x: Float32Array, n: number): Promise<Record<string, OrtTensor>> => {
    try {
      return (await session.run({ [input]: new ort.Tensor('float32', x, [n, ...inputShape]) })) as Record<
        string,
        OrtTensor
      >;
    } catch (err) {
      throw new BulwarkError('E_UNSUPPORTED', `${name}: inference failed (${oneLine(err)})`);
    }
  };
  // Probe with two rows to find the output, the number of classes and the kind of scores (not counted as queries).
  const probe = await run(new Float32Array(2 * d).fill(0.5), 2);
  let out = opts.output;
  if (out === undefined) {
    const names = Object.keys(probe);
    out =
      names.find((k) => /prob/i.test(k) && isTensor(probe[k]) && probe[k].type === 'float32') ??
      names.find((k) => isTensor(probe[k]) && probe[k].type === 'float32');
  }
  if (!out || !isTensor(probe[out]) || probe[out].type !== 'float32')
    return fail(
      `no float32 score output (outputs: ${Object.keys(probe).join(', ')}); name one with --output`,
    );
  const pt = probe[out];
  if (pt.dims.length !== 2 || pt.dims[0] !== 2 || !(pt.dims[1] >= 2))
    return fail(`output '${out}' has shape [${pt.dims.join(', ')}]; need class scores [N, C] with C ≥ 2`);
  const k = pt.dims[1];
  let kind = opts.outputKind;
  if (!kind) {
    const p = pt.data as Float32Array;
    const rowsSumToOne = [0, 1].every((i) => {
      let s = 0;
      for (let c = 0; c < k; c++) {
        if (p[i * k + c] < 0) return false;
        s += p[i * k + c];
      }
      return Math.abs(s - 1) < 1e-3;
    });
    kind = /prob/i.test(out) || rowsSumToOne ? 'probabilities' : 'logits';
  }
  const outName = out;
  let queries = 0;
  const scores = async (x: Batch): Promise<Float32Array> => {
    if (x.data.length !== x.n * d)
      throw new RangeError(`batch has ${x.data.length} values, expected ${x.n}×${d}`);
    const res = await run(x.data, x.n);
    queries += x.n;
    const t = res[outName];
    if (!isTensor(t) || t.dims[0] !== x.n || (t.data as Float32Array).length !== x.n * k)
      throw new BulwarkError('E_UNSUPPORTED', `${name}: output '${outName}' has an unexpected shape`);
    return Float32Array.from(t.data as Float32Array);
  };
  const revealScores = (opts.reveal ?? 'scores') === 'scores';
  const target: ModelTarget & { dispose(): Promise<void> } = {
    name,
    capabilities: new Set(revealScores ? (['scores', 'labels'] as const) : (['labels'] as const)),
    inputShape,
    nbClasses: k,
    clipValues: opts.clipValues ?? [-Infinity, Infinity],
    scoresAreProbabilities: kind === 'probabilities',
    predictLabels: async (x) => argmaxRows(await scores(x), x.n, k),
    get queries() {
      return queries;
    },
    dispose: () => session.release(),
  };
  if (revealScores) (target as { predict?: ModelTarget['predict'] }).predict = scores;
  return target;
}
