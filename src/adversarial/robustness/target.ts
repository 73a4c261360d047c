/**
 * One interface for every model an attack can be run against, with the access it allows declared up front
 * (as ART's estimator mixins do). Attacks declare what they need; the runner refuses a mismatch.
 */

/** What a target lets an attacker see. `gradients` implies `scores` implies `labels`. */
export type Capability = 'gradients' | 'scores' | 'labels';

/** A batch of inputs: `n` rows of `inputSize` float32 values each, row-major. */
export interface Batch {
  data: Float32Array;
  n: number;
}

export interface ModelTarget {
  /** Human-readable name (file, URL, function name). */
  readonly name: string;
  readonly capabilities: ReadonlySet<Capability>;
  /** Shape of one input without the batch dimension, e.g. [784] or [1, 28, 28]. */
  readonly inputShape: readonly number[];
  readonly nbClasses: number;
  /** Valid input range, e.g. [0, 1] for images; attacks clip to it. */
  readonly clipValues: readonly [number, number];
  /** Class scores (probabilities or logits, see `scoresAreProbabilities`), `n × nbClasses`. Needs `scores`. */
  predict?(x: Batch): Promise<Float32Array>;
  readonly scoresAreProbabilities?: boolean;
  /** Predicted labels. Every target has it (derived from `predict` when only scores are given). */
  predictLabels(x: Batch): Promise<Int32Array>;
  /** Gradient of the cross-entropy loss w.r.t. the input for the given labels, same layout as `x`. Needs `gradients`. */
  lossGradient?(x: Batch, labels: Int32Array): Promise<Float32Array>;
  /** Number of queries answered so far (one per row), for budgets and query logs. */
  readonly queries: number;
  /** Releases native resources (sessions, tensors). */
  dispose?(): Promise<void>;
}

/** Elements per input row. */
export function inputSize(t: Pick<ModelTarget, 'inputShape'>): number {
  return t.inputShape.reduce((a, b) => a * b, 1);
}
