import type { Capability, ModelTarget } from '../target.js';

/** Threat model norm: L∞ (`inf`) or L2 (`2`). */
export type Norm = 'inf' | '2';

/** Query limits. A query is one row sent to the target (a prediction or a gradient). */
export interface QueryBudget {
  /** Most queries one sample may use (default: unlimited beyond the attack's own schedule). */
  perSample?: number;
  /** Most queries the whole attack run may use, over all samples. */
  total?: number;
}

/** What one attack run gets: the samples to attack (all correctly classified), the threat model and a seeded RNG. */
export interface AttackInput {
  target: ModelTarget;
  /** `n` rows of `inputSize(target)` values, row-major. */
  x: Float32Array;
  /** True labels. */
  y: Int32Array;
  n: number;
  norm: Norm;
  /** Perturbation bound ε (for a minimal-perturbation attack: the distance at which a sample counts as broken, so it may stop). */
  eps: number;
  /** Uniform [0, 1) PRNG (mulberry32), the only source of randomness. */
  rng: () => number;
  budget: QueryBudget;
}

/** Result of one attack run, with its query log. */
export interface AttackOutput {
  /** Adversarial candidates, same layout as the input (a sample the attack could not break keeps its best try or `x`). */
  xAdv: Float32Array;
  /** Queries each sample used. */
  queries: Int32Array;
  /** Per sample, the query count (1-based, this sample's own) at which it was first misclassified, or -1. */
  firstSuccess: Int32Array;
  /** Per sample: the budget ran out before the attack finished its schedule for it (its result is a lower bound). */
  exhausted: Uint8Array;
  /**
   * Minimal-perturbation attacks: per sample, the improvements as flat pairs (queries so far, distance), so the
   * queries needed to get within any ε can be read back.
   */
  trace?: number[][];
}

/** An evasion attack. `requires` is the access it needs (ART's estimator requirements). */
export interface Attack {
  /** Short id used on the command line: fgsm, pgd, square, simba, hsj. */
  readonly name: string;
  readonly requires: Capability;
  /** Norms the attack supports. */
  readonly norms: readonly Norm[];
  /**
   * `bounded`: searches inside the ε-ball, run once per ε. `minimal`: looks for the smallest perturbation (run once,
   * with the smallest ε as its stopping distance; a sample is broken at ε when its perturbation is at most ε).
   */
  readonly mode: 'bounded' | 'minimal';
  /** Parameters in effect (ART names), for the report. */
  readonly params: Readonly<Record<string, number | string | boolean>>;
  run(input: AttackInput): Promise<AttackOutput>;
}
