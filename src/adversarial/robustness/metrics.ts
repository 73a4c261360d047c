import type { AttackOutput, Norm } from './attacks/types.js';
import { rowDistance, rowNorm } from './attacks/util.js';

/** Mean and median of a list (0 for an empty list). */
export interface Summary {
  mean: number;
  median: number;
}

export function summarize(values: readonly number[]): Summary {
  if (!values.length) return { mean: 0, median: 0 };
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return {
    mean: s.reduce((a, b) => a + b, 0) / s.length,
    median: s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2,
  };
}

/** Metrics of one (attack, norm, ε) evaluation. Accuracies are fractions in [0, 1]. */
export interface AttackMetrics {
  attack: string;
  norm: Norm;
  threat_model: 'Linf' | 'L2';
  eps: number;
  /** Samples evaluated (clean and adversarial). */
  n_examples: number;
  /** Samples the model classified correctly before the attack (the ones attacked). */
  clean_correct: number;
  /** Samples still correctly classified after the attack. */
  robust_correct: number;
  robust_accuracy: number;
  /** Share of initially correct samples the attack misclassified within ε. */
  attack_success_rate: number;
  successes: number;
  /** Initially correct samples the attack neither broke nor finished (budget exhausted): robust accuracy is an upper bound. */
  unresolved: number;
  /** Perturbation norms ‖x_adv − x‖ of the successful adversarial examples. */
  perturbation_linf: Summary;
  perturbation_l2: Summary;
  /** Queries the attack spent (rows sent to the target), all samples together, and per successful sample until success. */
  queries_total: number;
  queries_mean_per_sample: number;
  queries_to_success_median: number;
  /**
   * ART's `empirical_robustness`: mean of ‖x_adv − x‖_p / ‖x‖_p (p = the threat-model norm) over the successful
   * adversarial examples; 0 when there is none.
   */
  empirical_robustness: number;
  /** Attack parameters in effect (ART names). */
  params: Record<string, number | string | boolean>;
  seconds: number;
}

export interface MetricsInput {
  attack: string;
  params: Record<string, number | string | boolean>;
  norm: Norm;
  eps: number;
  d: number;
  /** All samples (n rows) and their labels. */
  x: Float32Array;
  y: Int32Array;
  n: number;
  /** Indices (into x) of the initially correct samples, in the order they were attacked. */
  correct: readonly number[];
  /** The attack's output over the correct samples. */
  out: AttackOutput;
  /** Labels predicted for `out.xAdv`. */
  advPred: Int32Array;
  /** For minimal-perturbation attacks: a success counts only within ε. */
  minimal: boolean;
  seconds: number;
}

/** Computes the metrics of one evaluation; `broken[k]` tells whether correct sample k was broken within ε. */
export function attackMetrics(m: MetricsInput): { metrics: AttackMetrics; broken: Uint8Array } {
  const { d, out, correct } = m;
  const xs = new Float32Array(correct.length * d);
  correct.forEach((i, k) => xs.set(m.x.subarray(i * d, i * d + d), k * d));
  const broken = new Uint8Array(correct.length);
  const linf: number[] = [];
  const l2: number[] = [];
  const er: number[] = [];
  const toSuccess: number[] = [];
  let unresolved = 0;
  let queries = 0;
  for (let k = 0; k < correct.length; k++) {
    queries += out.queries[k]!;
    const dist = rowDistance(out.xAdv, xs, k, d, m.norm);
    const fooled = m.advPred[k] !== m.y[correct[k]!]! && (!m.minimal || dist <= m.eps * (1 + 1e-6));
    if (fooled) {
      broken[k] = 1;
      linf.push(rowDistance(out.xAdv, xs, k, d, 'inf'));
      l2.push(rowDistance(out.xAdv, xs, k, d, '2'));
      const xn = rowNorm(xs, k, d, m.norm);
      if (xn > 0) er.push(dist / xn);
      const tr = m.minimal ? out.trace?.[k] : undefined;
      if (tr) {
        for (let t = 0; t + 1 < tr.length; t += 2)
          if (tr[t + 1]! <= m.eps * (1 + 1e-6)) {
            toSuccess.push(tr[t]!);
            break;
          }
      } else if (out.firstSuccess[k]! >= 0) toSuccess.push(out.firstSuccess[k]!);
    } else if (out.exhausted[k]) unresolved++;
  }
  const successes = linf.length;
  const robust = correct.length - successes;
  return {
    broken,
    metrics: {
      attack: m.attack,
      norm: m.norm,
      threat_model: m.norm === 'inf' ? 'Linf' : 'L2',
      eps: m.eps,
      n_examples: m.n,
      clean_correct: correct.length,
      robust_correct: robust,
      robust_accuracy: m.n ? robust / m.n : 0,
      attack_success_rate: correct.length ? successes / correct.length : 0,
      successes,
      unresolved,
      perturbation_linf: summarize(linf),
      perturbation_l2: summarize(l2),
      queries_total: queries,
      queries_mean_per_sample: correct.length ? queries / correct.length : 0,
      queries_to_success_median: summarize(toSuccess).median,
      empirical_robustness: er.length ? er.reduce((a, b) => a + b, 0) / er.length : 0,
      params: m.params,
      seconds: m.seconds,
    },
  };
}
