/**
 * A small in-test classifier implementing ModelTarget in plain JS: softmax regression with analytic input
 * gradients, trained by full-batch gradient descent on synthetic 8×8 "digits" (class prototypes plus noise).
 */
import { mulberry32 } from '../../src/core/random.js';
import type { Batch, Capability, ModelTarget } from '../../src/adversarial/robustness/target.js';

export const D = 64;
export const K = 10;

export interface Dataset {
  x: Float32Array;
  y: Int32Array;
  n: number;
}

/** n samples: prototype of class (i mod K) + Gaussian-ish noise, clipped to [0, 1]. */
export function syntheticDigits(n: number, seed: number, noise = 0.25): Dataset {
  const protoRng = mulberry32(7);
  const protos = Float32Array.from({ length: K * D }, () => (protoRng() < 0.5 ? 0.65 : 0.35));
  const rng = mulberry32(seed);
  const x = new Float32Array(n * D);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % K;
    y[i] = c;
    for (let j = 0; j < D; j++) {
      const e = (rng() + rng() + rng() - 1.5) * noise * 2;
      x[i * D + j] = Math.min(1, Math.max(0, protos[c * D + j]! + e));
    }
  }
  return { x, y, n };
}

export class SoftmaxTarget implements ModelTarget {
  readonly name: string;
  readonly capabilities: ReadonlySet<Capability>;
  readonly inputShape = [8, 8] as const;
  readonly nbClasses = K;
  readonly clipValues = [0, 1] as const;
  readonly scoresAreProbabilities = true;
  queries = 0;
  constructor(
    readonly w: Float32Array,
    readonly b: Float32Array,
    access: Capability = 'gradients',
    name = 'softmax-js',
  ) {
    this.name = name;
    const all: Capability[] = ['labels', 'scores', 'gradients'];
    this.capabilities = new Set(all.slice(0, all.indexOf(access) + 1));
    if (access !== 'gradients') this.lossGradient = undefined;
    if (access === 'labels') this.predict = undefined;
  }

  private probs(x: Batch): Float32Array {
    const out = new Float32Array(x.n * K);
    for (let i = 0; i < x.n; i++) {
      let mx = -Infinity;
      for (let c = 0; c < K; c++) {
        let z = this.b[c]!;
        for (let j = 0; j < D; j++) z += this.w[c * D + j]! * x.data[i * D + j]!;
        out[i * K + c] = z;
        mx = Math.max(mx, z);
      }
      let s = 0;
      for (let c = 0; c < K; c++) s += out[i * K + c] = Math.exp(out[i * K + c]! - mx);
      for (let c = 0; c < K; c++) out[i * K + c]! /= s;
    }
    return out;
  }

  predict?: (x: Batch) => Promise<Float32Array> = async (x) => {
    this.queries += x.n;
    return this.probs(x);
  };

  async predictLabels(x: Batch): Promise<Int32Array> {
    this.queries += x.n;
    const p = this.probs(x);
    return Int32Array.from({ length: x.n }, (_, i) => {
      let best = 0;
      for (let c = 1; c < K; c++) if (p[i * K + c]! > p[i * K + best]!) best = c;
      return best;
    });
  }

  lossGradient?: (x: Batch, labels: Int32Array) => Promise<Float32Array> = async (x, labels) => {
    this.queries += x.n;
    const p = this.probs(x);
    const g = new Float32Array(x.n * D);
    for (let i = 0; i < x.n; i++)
      for (let c = 0; c < K; c++) {
        const r = p[i * K + c]! - (c === labels[i] ? 1 : 0);
        for (let j = 0; j < D; j++) g[i * D + j]! += r * this.w[c * D + j]!;
      }
    return g;
  };

  /** Same weights, less access. */
  restricted(access: Capability): SoftmaxTarget {
    return new SoftmaxTarget(this.w, this.b, access, `${this.name}-${access}`);
  }
}

/** Trains softmax regression by full-batch gradient descent (deterministic). */
export function trainSoftmax(data: Dataset, epochs = 150, lr = 0.5): SoftmaxTarget {
  const w = new Float32Array(K * D);
  const b = new Float32Array(K);
  const t = new SoftmaxTarget(w, b);
  for (let e = 0; e < epochs; e++) {
    const p = (t as unknown as { probs(x: Batch): Float32Array }).probs({ data: data.x, n: data.n });
    const gw = new Float32Array(K * D);
    const gb = new Float32Array(K);
    for (let i = 0; i < data.n; i++)
      for (let c = 0; c < K; c++) {
        const r = p[i * K + c]! - (c === data.y[i] ? 1 : 0);
        gb[c]! += r;
        for (let j = 0; j < D; j++) gw[c * D + j]! += r * data.x[i * D + j]!;
      }
    for (let q = 0; q < w.length; q++) w[q]! -= (lr * gw[q]!) / data.n;
    for (let c = 0; c < K; c++) b[c]! -= (lr * gb[c]!) / data.n;
  }
  return t;
}
