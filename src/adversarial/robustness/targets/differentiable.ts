/**
 * White-box target: predictions from onnxruntime (the model as deployed), loss gradients from the same graph
 * rebuilt in TensorFlow.js (`tf.grad` of softmax cross-entropy with one-hot labels, so the WASM backend never
 * needs a gather gradient).
 */
import type { Tensor } from '@tensorflow/tfjs-core';
import type { Batch, Capability, ModelTarget } from '../target.js';
import { checkBatch, checkLabels, QueryCounter } from './common.js';
import type { OnnxTarget } from './onnx.js';
import type { ImportedGraph } from './tfjs-import.js';
import type { Tf } from './tf.js';

export class DifferentiableOnnxTarget implements ModelTarget {
  readonly capabilities: ReadonlySet<Capability> = new Set<Capability>(['gradients', 'scores', 'labels']);
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly nbClasses: number;
  readonly clipValues: readonly [number, number];
  readonly scoresAreProbabilities: boolean;
  /** Rows per tfjs gradient call (bounds the WASM memory). */
  readonly gradientBatch: number;
  private readonly gradCounter = new QueryCounter();
  private readonly gradFn: (x: Tensor, onehot: Tensor) => Tensor;

  constructor(
    private readonly tf: Tf,
    private readonly scores: OnnxTarget,
    readonly graph: ImportedGraph,
    opts: { gradientBatch?: number } = {},
  ) {
    this.name = scores.name;
    this.inputShape = scores.inputShape;
    this.nbClasses = scores.nbClasses;
    this.clipValues = scores.clipValues;
    this.scoresAreProbabilities = scores.scoresAreProbabilities;
    this.gradientBatch = Math.max(1, Math.floor(opts.gradientBatch ?? 256));
    this.gradFn = (x, onehot) =>
      tf.grad((xx: Tensor) => tf.neg(tf.sum(tf.mul(graph.logProbabilities(xx), onehot))))(x);
  }

  /** Queries answered: scored rows plus rows whose gradient was taken. */
  get queries(): number {
    return this.scores.queries + this.gradCounter.value;
  }

  /** Rows whose gradient was taken. */
  get gradientQueries(): number {
    return this.gradCounter.value;
  }

  predict(x: Batch): Promise<Float32Array> {
    return this.scores.predict(x);
  }

  predictLabels(x: Batch): Promise<Int32Array> {
    return this.scores.predictLabels(x);
  }

  /** Scores computed by the imported tfjs graph (for checking the import against onnxruntime); not counted. */
  forwardTf(x: Batch): Float32Array {
    checkBatch(this, x);
    const { tf } = this;
    return tf
      .tidy(() => {
        const t = tf.tensor(x.data, [x.n, ...this.inputShape], 'float32');
        const y = this.graph.forward(t);
        return y.dataSync() as Float32Array;
      })
      .slice(0, x.n * this.nbClasses);
  }

  /**
   * Gradient of each row's cross-entropy loss −log p(label | x) with respect to that row (the sum over rows is
   * differentiated, so rows do not mix). Same layout as `x`.
   */
  async lossGradient(x: Batch, labels: Int32Array): Promise<Float32Array> {
    const size = checkBatch(this, x);
    checkLabels(this, labels, x.n);
    const { tf } = this;
    const out = new Float32Array(x.n * size);
    const k = this.nbClasses;
    for (let start = 0; start < x.n; start += this.gradientBatch) {
      const rows = Math.min(this.gradientBatch, x.n - start);
      const g = tf.tidy(() => {
        const xt = tf.tensor(
          x.data.subarray(start * size, (start + rows) * size),
          [rows, ...this.inputShape],
          'float32',
        );
        const oh = new Float32Array(rows * k);
        for (let i = 0; i < rows; i++) oh[i * k + labels[start + i]] = 1;
        return this.gradFn(xt, tf.tensor(oh, [rows, k], 'float32'));
      });
      out.set((await g.data()) as Float32Array, start * size);
      g.dispose();
    }
    this.gradCounter.add(x.n);
    return out;
  }

  async dispose(): Promise<void> {
    this.graph.dispose();
    await this.scores.dispose();
  }
}
