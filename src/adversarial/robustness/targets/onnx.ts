/**
 * Scores-only target: an ONNX classifier served by onnxruntime-node (CPU, one intra-op thread). Batches are
 * split into chunks of `batchSize` rows; every answered row counts as one query.
 */
import { BulwarkError, ConfigError } from '../../../core/errors.js';
import type { Batch, Capability, ModelTarget } from '../target.js';
import { argmaxRows, checkBatch, oneLine, QueryCounter } from './common.js';

type Ort = typeof import('onnxruntime-node');
type OrtSession = import('onnxruntime-node').InferenceSession;

let ortPromise: Promise<Ort> | undefined;
/** onnxruntime-node, loaded once. */
export async function loadOrt(): Promise<Ort> {
  ortPromise ??= import('onnxruntime-node').catch((err: unknown) => {
    ortPromise = undefined;
    throw new BulwarkError(
      'E_UNSUPPORTED',
      `onnxruntime-node could not be loaded (${oneLine(err)}); reinstall with onnxruntime-node-install=skip in .npmrc`,
    );
  });
  return ortPromise;
}

export interface OnnxTargetOptions {
  /** Display name (default: the file name). */
  name?: string;
  /** Input shape without the batch axis; needed when the model's is symbolic. */
  inputShape?: number[];
  /** Number of classes; read from the model's output shape (or a probe run) when absent. */
  nbClasses?: number;
  /** Valid input range (default [0, 1]). */
  clipValues?: [number, number];
  /** Rows per onnxruntime call (default 256). */
  batchSize?: number;
  /** Whether the output is probabilities (default: false; `loadOnnxTarget` sets it from the graph). */
  scoresAreProbabilities?: boolean;
  /** Intra-op threads (default 1). */
  threads?: number;
}

/** Scores-only ONNX target. Create with `createOnnxTarget` or `loadOnnxTarget`. */
export class OnnxTarget implements ModelTarget {
  readonly capabilities: ReadonlySet<Capability> = new Set<Capability>(['scores', 'labels']);
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly nbClasses: number;
  readonly clipValues: readonly [number, number];
  readonly scoresAreProbabilities: boolean;
  /** Scores only: no gradients. */
  readonly lossGradient: undefined = undefined;
  /** Why this target is scores-only when gradients were asked for (set by `loadOnnxTarget`). */
  fallbackReason?: string;
  /** Ops outside the importer's set (set by `loadOnnxTarget` on fallback). */
  unsupportedOps?: string[];
  private readonly counter = new QueryCounter();
  private readonly rowSize: number;

  constructor(
    private readonly ort: Ort,
    private readonly session: OrtSession,
    private readonly inputName: string,
    private readonly outputName: string,
    private readonly chunk: number,
    private readonly fixedBatch: boolean,
    meta: {
      name: string;
      inputShape: number[];
      nbClasses: number;
      clipValues: [number, number];
      probs: boolean;
    },
  ) {
    this.name = meta.name;
    this.inputShape = meta.inputShape;
    this.nbClasses = meta.nbClasses;
    this.clipValues = meta.clipValues;
    this.scoresAreProbabilities = meta.probs;
    this.rowSize = meta.inputShape.reduce((a, b) => a * b, 1);
  }

  get queries(): number {
    return this.counter.value;
  }

  /** Runs the model on rows without counting queries (for probes and the differentiable wrapper's checks). */
  async runUncounted(data: Float32Array, n: number): Promise<Float32Array> {
    const k = this.nbClasses;
    let out: Float32Array | undefined;
    for (let start = 0; start < n; start += this.chunk) {
      const rows = Math.min(this.chunk, n - start);
      const feedRows = this.fixedBatch ? this.chunk : rows;
      let slice = data.subarray(start * this.rowSize, (start + rows) * this.rowSize);
      if (feedRows !== rows) {
        const padded = new Float32Array(feedRows * this.rowSize);
        padded.set(slice);
        slice = padded;
      }
      const tensor = new this.ort.Tensor('float32', slice, [feedRows, ...this.inputShape]);
      let result: import('onnxruntime-node').InferenceSession.OnnxValueMapType;
      try {
        result = await this.session.run({ [this.inputName]: tensor }, [this.outputName]);
      } catch (err) {
        throw new BulwarkError(
          'E_UNSUPPORTED',
          `${this.name}: onnxruntime failed to run the model (${oneLine(err)})`,
        );
      }
      const y = result[this.outputName] as import('onnxruntime-node').Tensor;
      const values = y.data as Float32Array;
      if (y.type !== 'float32' || values.length < rows * k) {
        throw new BulwarkError(
          'E_UNSUPPORTED',
          `${this.name}: output '${this.outputName}' is ${y.type} [${y.dims.join(', ')}]; a float32 [N, ${k}] score tensor is expected`,
        );
      }
      if (rows === n && values.length === n * k) return values; // one call: hand over onnxruntime's buffer
      out ??= new Float32Array(n * k);
      out.set(values.subarray(0, rows * k), start * k);
    }
    return out ?? new Float32Array(0);
  }

  async predict(x: Batch): Promise<Float32Array> {
    checkBatch(this, x);
    const out = await this.runUncounted(x.data, x.n);
    this.counter.add(x.n);
    return out;
  }

  async predictLabels(x: Batch): Promise<Int32Array> {
    return argmaxRows(await this.predict(x), x.n, this.nbClasses);
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** Opens ONNX model bytes with onnxruntime and wraps them as a scores-only target. */
export async function createOnnxTarget(
  model: Uint8Array,
  opts: OnnxTargetOptions & { name: string },
): Promise<OnnxTarget> {
  const ort = await loadOrt();
  let session: OrtSession;
  try {
    session = await ort.InferenceSession.create(model, {
      intraOpNumThreads: opts.threads ?? 1,
      interOpNumThreads: 1,
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
    });
  } catch (err) {
    throw new BulwarkError(
      'E_UNSUPPORTED',
      `${opts.name}: onnxruntime cannot load the model (${oneLine(err)}); check it is a valid ONNX model`,
    );
  }
  const fail = async (msg: string): Promise<never> => {
    await session.release();
    throw new ConfigError(`${opts.name}: ${msg}`);
  };
  if (session.inputNames.length !== 1)
    await fail(`the model has ${session.inputNames.length} inputs; exactly one float32 input is supported`);
  const inMeta = session.inputMetadata[0] as import('onnxruntime-node').InferenceSession.ValueMetadata;
  if (!inMeta.isTensor || inMeta.type !== 'float32')
    await fail(`input '${inMeta.name}' is not a float32 tensor`);
  const shape = inMeta.isTensor ? inMeta.shape : [];
  let inputShape = opts.inputShape;
  const modelRow = shape.slice(1);
  if (!inputShape) {
    if (shape.length < 2 || modelRow.some((d) => typeof d !== 'number' || d <= 0)) {
      await fail(
        `input '${inMeta.name}' has shape [${shape.join(', ')}]; pass inputShape (the shape of one row)`,
      );
    }
    inputShape = modelRow as number[];
  } else if (
    modelRow.length === inputShape.length &&
    modelRow.some((d, i) => typeof d === 'number' && d > 0 && d !== inputShape?.[i])
  ) {
    await fail(`inputShape [${inputShape.join(', ')}] does not match the model's [${modelRow.join(', ')}]`);
  }
  const b0 = shape[0];
  const fixedBatch = typeof b0 === 'number' && b0 > 0;
  const chunk = fixedBatch ? (b0 as number) : Math.max(1, Math.floor(opts.batchSize ?? 256));
  const outputName = session.outputNames[0];
  const outMeta = session.outputMetadata[0] as import('onnxruntime-node').InferenceSession.ValueMetadata;
  let nbClasses = opts.nbClasses;
  const last = outMeta.isTensor ? outMeta.shape[outMeta.shape.length - 1] : undefined;
  if (nbClasses === undefined && typeof last === 'number' && last > 0) nbClasses = last;
  const target = new OnnxTarget(ort, session, inMeta.name, outputName, chunk, fixedBatch, {
    name: opts.name,
    inputShape: [...(inputShape as number[])],
    nbClasses: nbClasses ?? 1,
    clipValues: opts.clipValues ?? [0, 1],
    probs: opts.scoresAreProbabilities ?? false,
  });
  if (nbClasses === undefined) {
    // Probe once (uncounted) to learn the class count from the output size.
    const probeRows = fixedBatch ? chunk : 1;
    const rowSize = (inputShape as number[]).reduce((a, b) => a * b, 1);
    const res = await session.run({
      [inMeta.name]: new ort.Tensor('float32', new Float32Array(probeRows * rowSize), [
        probeRows,
        ...(inputShape as number[]),
      ]),
    });
    const size = (res[outputName] as import('onnxruntime-node').Tensor).data.length / probeRows;
    (target as { nbClasses: number }).nbClasses = size;
  }
  if (target.nbClasses < 2)
    await fail(
      `the output has ${target.nbClasses} score(s) per row; a classifier with ≥ 2 class scores is expected`,
    );
  return target;
}
