import { BulwarkError, UsageError } from '../../core/errors.js';
import type { Finding } from '../../core/finding.js';
import { makeFinding } from '../../core/rules.js';
import { mulberry32 } from '../../core/random.js';
import type { Attack, AttackOutput, Norm, QueryBudget } from './attacks/types.js';
import { BATCH_ROWS, rowDistance } from './attacks/util.js';
import { attackMetrics, type AttackMetrics } from './metrics.js';
import { ROBUST_ACCURACY_LOW, ROBUSTNESS_INCONCLUSIVE, TINY_PERTURBATION } from './rules.js';
import { inputSize, type Batch, type Capability, type ModelTarget } from './target.js';

export interface RobustnessData {
  /** n rows of inputSize(target) values, row-major. */
  x: Float32Array;
  y: Int32Array;
  n: number;
}

export interface RobustnessOptions {
  attacks: readonly Attack[];
  eps: readonly number[];
  norm: Norm;
  /** Seed of every attack's PRNG (default 0). */
  seed?: number;
  budget?: QueryBudget;
  /** BW-ROB-001 when robust accuracy is below it (default 0.5). */
  threshold?: number;
  /** BW-ROB-002: a perturbation is tiny when at most this share of the input range per feature (default 0.01). */
  tinyFraction?: number;
  /** Shown in findings and records (default: the target's name). */
  model?: string;
  dataset?: string;
  /** Called when an evaluation starts (progress). */
  onEvaluation?: (attack: string, eps: number) => void;
}

export interface RobustnessEvaluation {
  clean_accuracy: number;
  n_examples: number;
  evaluations: AttackMetrics[];
  findings: Finding[];
  /** Some evaluation ran out of budget. */
  inconclusive: boolean;
  /** Some robust accuracy fell below the threshold. */
  failed: boolean;
  threshold: number;
}

const RANK: Record<Capability, number> = { labels: 0, scores: 1, gradients: 2 };

/** The strongest access a target declares (gradients ⊃ scores ⊃ labels). */
export function targetAccess(t: ModelTarget): Capability {
  let best: Capability = 'labels';
  for (const c of t.capabilities) if (RANK[c] > RANK[best]) best = c;
  return best;
}

/** Throws a one-line UsageError when the target does not give the access the attack needs or the norm is unsupported. */
export function checkAttack(attack: Attack, target: ModelTarget, norm: Norm): void {
  const has = targetAccess(target);
  if (RANK[has] < RANK[attack.requires])
    throw new UsageError(
      `attack ${attack.name} needs ${attack.requires} but target ${target.name} gives only ${[...target.capabilities].sort().join(', ')}; choose an attack for that access (gradients: fgsm, pgd; scores: square, simba; labels: hsj)`,
    );
  if (!attack.norms.includes(norm))
    throw new UsageError(
      `attack ${attack.name} supports norm ${attack.norms.join(' or ')}, not ${norm}; pick another --norm or attack`,
    );
}

/** Predicted labels of all rows (evaluation queries, not charged to an attack). */
export async function predictAll(target: ModelTarget, x: Float32Array, n: number): Promise<Int32Array> {
  const d = inputSize(target);
  const out = new Int32Array(n);
  for (let s = 0; s < n; s += BATCH_ROWS) {
    const m = Math.min(BATCH_ROWS, n - s);
    out.set((await target.predictLabels({ data: x.subarray(s * d, (s + m) * d), n: m })).subarray(0, m), s);
  }
  return out;
}

function seedFor(seed: number, attack: string, eps: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const ch of `${attack}:${eps}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

/** Every adversarial example must lie in the clip range and (for bounded attacks) in the ε-ball: a bug otherwise. */
function verifyBounds(
  attack: Attack,
  out: AttackOutput,
  xs: Float32Array,
  d: number,
  norm: Norm,
  eps: number,
  clipValues: readonly [number, number],
): void {
  const [lo, hi] = clipValues;
  const tol = 1e-5 * Math.max(1, hi - lo);
  const rows = xs.length / d;
  for (let k = 0; k < rows; k++) {
    for (let j = 0; j < d; j++) {
      const v = out.xAdv[k * d + j]!;
      if (!(v >= lo - tol && v <= hi + tol))
        throw new BulwarkError(
          'E_INTERNAL',
          `attack ${attack.name} produced a value ${v} outside the clip range [${lo}, ${hi}]`,
        );
    }
    if (attack.mode === 'bounded' && rowDistance(out.xAdv, xs, k, d, norm) > eps * (1 + 1e-5) + 1e-6)
      throw new BulwarkError(
        'E_INTERNAL',
        `attack ${attack.name} left the ε-ball (${norm}, ε=${eps}) on sample ${k}`,
      );
  }
}

/**
 * Runs every attack at every ε on the correctly classified samples and returns the metrics and findings. Attacks are
 * checked against the target's access first, so a mismatch fails before any query.
 */
export async function evaluateRobustness(
  target: ModelTarget,
  data: RobustnessData,
  opts: RobustnessOptions,
): Promise<RobustnessEvaluation> {
  const d = inputSize(target);
  if (data.x.length !== data.n * d || data.y.length !== data.n)
    throw new UsageError(
      `data has ${data.x.length} values for ${data.n} rows but the model takes ${d} per row; check the feature columns`,
    );
  if (!opts.attacks.length)
    throw new UsageError('no attack selected; pass --attacks fgsm,pgd,square,simba,hsj');
  if (!opts.eps.length || opts.eps.some((e) => !(e > 0 && Number.isFinite(e))))
    throw new UsageError('every ε must be a positive number; pass e.g. --eps 0.05,0.1');
  for (const a of opts.attacks) checkAttack(a, target, opts.norm);
  const threshold = opts.threshold ?? 0.5;
  const seed = opts.seed ?? 0;
  const budget = opts.budget ?? {};
  const modelName = opts.model ?? target.name;
  const [lo, hi] = target.clipValues;

  const clean = await predictAll(target, data.x, data.n);
  const correct: number[] = [];
  for (let i = 0; i < data.n; i++) if (clean[i] === data.y[i]) correct.push(i);
  const xs = new Float32Array(correct.length * d);
  correct.forEach((i, k) => xs.set(data.x.subarray(i * d, i * d + d), k * d));
  const ys = Int32Array.from(correct, (i) => data.y[i]!);

  const evaluations: AttackMetrics[] = [];
  const findings: Finding[] = [];
  const eps = [...new Set(opts.eps)].sort((a, b) => a - b);
  for (const attack of opts.attacks) {
    const runs: Array<{ eps: number; out: AttackOutput; seconds: number }> = [];
    const runOnce = async (e: number) => {
      opts.onEvaluation?.(attack.name, e);
      const t0 = performance.now();
      const out = await attack.run({
        target,
        x: xs,
        y: ys,
        n: correct.length,
        norm: opts.norm,
        eps: e,
        rng: mulberry32(seedFor(seed, attack.name, e)),
        budget,
      });
      verifyBounds(attack, out, xs, d, opts.norm, e, target.clipValues);
      return { out, seconds: (performance.now() - t0) / 1000 };
    };
    if (attack.mode === 'minimal') {
      const r = await runOnce(eps[0]!);
      for (const e of eps) runs.push({ eps: e, ...r });
    } else for (const e of eps) runs.push({ eps: e, ...(await runOnce(e)) });
    let advPredCache: { out: AttackOutput; pred: Int32Array } | undefined;
    for (const r of runs) {
      const pred =
        advPredCache?.out === r.out
          ? advPredCache.pred
          : await predictAll(target, r.out.xAdv, correct.length);
      advPredCache = { out: r.out, pred };
      const { metrics } = attackMetrics({
        attack: attack.name,
        params: { ...attack.params },
        norm: opts.norm,
        eps: r.eps,
        d,
        x: data.x,
        y: data.y,
        n: data.n,
        correct,
        out: r.out,
        advPred: pred,
        minimal: attack.mode === 'minimal',
        seconds: r.seconds,
      });
      evaluations.push(metrics);
      const where = { file: modelName };
      const label = `${attack.name} ${metrics.threat_model} ε=${r.eps}`;
      const ev = {
        attack: attack.name,
        threat_model: metrics.threat_model,
        eps: r.eps,
        clean_accuracy: correct.length / Math.max(1, data.n),
        robust_accuracy: metrics.robust_accuracy,
        attack_success_rate: metrics.attack_success_rate,
        n_examples: data.n,
        threshold,
      };
      if (metrics.robust_accuracy < threshold)
        findings.push(
          makeFinding(ROBUST_ACCURACY_LOW, {
            message: `robust accuracy ${metrics.robust_accuracy.toFixed(3)} under ${label} is below the threshold ${threshold} (clean ${ev.clean_accuracy.toFixed(3)})`,
            location: where,
            evidence: {
              ...ev,
              perturbation_linf: metrics.perturbation_linf,
              perturbation_l2: metrics.perturbation_l2,
            },
          }),
        );
      if (metrics.unresolved > 0)
        findings.push(
          makeFinding(ROBUSTNESS_INCONCLUSIVE, {
            message: `${label}: the query budget ran out on ${metrics.unresolved} of ${correct.length} sample(s) before the attack finished; robust accuracy ${metrics.robust_accuracy.toFixed(3)} is an upper bound`,
            location: where,
            evidence: { ...ev, unresolved: metrics.unresolved, budget },
          }),
        );
      // Tiny perturbation: successes within 1% of the range per feature.
      const tiny = (opts.tinyFraction ?? 0.01) * (hi - lo) * (opts.norm === '2' ? Math.sqrt(d) : 1);
      let tinyCount = 0;
      for (let k = 0; k < correct.length; k++) {
        if (pred[k] === ys[k]) continue;
        if (rowDistance(r.out.xAdv, xs, k, d, opts.norm) <= Math.min(tiny, r.eps * (1 + 1e-6))) tinyCount++;
      }
      if (correct.length && tinyCount >= Math.max(1, 0.05 * correct.length))
        findings.push(
          makeFinding(TINY_PERTURBATION, {
            message: `${label}: ${tinyCount} of ${correct.length} correctly classified sample(s) misclassified with a perturbation of at most ${tiny.toPrecision(3)} (${opts.norm === '2' ? 'L2' : 'L∞'})`,
            location: where,
            evidence: { ...ev, tiny_successes: tinyCount, tiny_bound: tiny },
          }),
        );
    }
  }
  return {
    clean_accuracy: data.n ? correct.length / data.n : 0,
    n_examples: data.n,
    evaluations,
    findings,
    inconclusive: evaluations.some((e) => e.unresolved > 0),
    failed: evaluations.some((e) => e.robust_accuracy < threshold),
    threshold,
  };
}

/**
 * The same model with less access (e.g. labels only, as a deployed API that returns classes), so black-box attacks
 * can be evaluated against a white-box model. Queries are counted by the wrapped target.
 */
export function restrictAccess(target: ModelTarget, access: Capability): ModelTarget {
  if (RANK[targetAccess(target)] < RANK[access])
    throw new UsageError(`target ${target.name} gives only ${targetAccess(target)} access, not ${access}`);
  const caps: Capability[] = (['labels', 'scores', 'gradients'] as const).filter(
    (c) => RANK[c] <= RANK[access],
  );
  return {
    name: target.name,
    capabilities: new Set(caps),
    inputShape: target.inputShape,
    nbClasses: target.nbClasses,
    clipValues: target.clipValues,
    scoresAreProbabilities: target.scoresAreProbabilities,
    predictLabels: (x) => target.predictLabels(x),
    ...(access !== 'labels' && target.predict ? { predict: (x: Batch) => target.predict!(x) } : {}),
    ...(access === 'gradients' && target.lossGradient
      ? { lossGradient: (x: Batch, y: Int32Array) => target.lossGradient!(x, y) }
      : {}),
    get queries() {
      return target.queries;
    },
    dispose: () => target.dispose?.() ?? Promise.resolve(),
  };
}
