import { mulberry32 } from '../../core/random.js';
/**
 * Membership-inference metrics for a threshold attack on per-sample scores (loss, confidence, any attack score).
 * Pure functions with no I/O and no CLI coupling, reused by the adversarial pillar.
 *
 * Convention: after orientation, a HIGHER attack score means "more likely a member". Pass `higherIsMember: false`
 * for losses (members have lower loss); the scores are then negated.
 */

export interface RocPoint {
  /** Predict "member" when the oriented score is ≥ threshold. */
  threshold: number;
  fpr: number;
  tpr: number;
}

export interface TprAtFpr {
  /** Target false-positive rate. */
  fpr: number;
  /** Highest TPR of an ROC point whose FPR ≤ the target (0 if none). */
  tpr: number;
  /** Attained FPR of that point. */
  attainedFpr: number;
  /** Threshold on the oriented score; null when no threshold reaches the target FPR. */
  threshold: number | null;
  /** False when there are too few non-members to measure this FPR (fewer than 1 / fpr). */
  measurable: boolean;
}

export interface MembershipMetrics {
  members: number;
  nonMembers: number;
  higherIsMember: boolean;
  /** ROC AUC = P(score_member > score_nonmember) + ½ P(tie) (Mann-Whitney U / (n1 n0)). */
  auc: number;
  tprAtFpr: TprAtFpr[];
  /** Best threshold attack: max over thresholds of TPR − FPR, and its balanced accuracy (½ + advantage/2). */
  advantage: number;
  bestThreshold: number;
  bestAccuracy: number;
  /** ROC curve, starting at (0,0) and ending at (1,1); downsampled to at most `maxRocPoints`. */
  roc: RocPoint[];
  /** Percentile bootstrap CI of the AUC, when requested. */
  aucCi?: { level: number; low: number; high: number; resamples: number };
}

export interface MembershipOptions {
  /** Default true: higher score = member. Use false for losses. */
  higherIsMember?: boolean;
  /** FPR levels for TPR@FPR (default 0.001, 0.01, 0.1). */
  fprs?: readonly number[];
  /** Bootstrap resamples for an AUC confidence interval (default 0 = none). */
  bootstrap?: number;
  /** Confidence level of the bootstrap interval (default 0.95). */
  ciLevel?: number;
  /** Seed of the bootstrap's PRNG (default 1). */
  seed?: number;
  /** Most ROC points returned (default 200). */
  maxRocPoints?: number;
}

export const DEFAULT_FPRS: readonly number[] = [0.001, 0.01, 0.1];

function check(name: string, xs: readonly number[]): void {
  if (xs.length === 0) throw new RangeError(`${name}: need at least one score`);
  for (const x of xs) if (!Number.isFinite(x)) throw new RangeError(`${name}: scores must be finite numbers`);
}

/** Exact ROC AUC with ties counted half (Mann-Whitney), O((n1 + n0) log(n1 + n0)). */
export function rocAuc(positives: readonly number[], negatives: readonly number[]): number {
  check('positives', positives);
  check('negatives', negatives);
  const pos = Float64Array.from(positives).sort();
  const neg = Float64Array.from(negatives).sort();
  // For each positive (ascending): negatives strictly below it, plus half of those equal to it.
  let below = 0;
  let upTo = 0;
  let u = 0;
  for (let i = 0; i < pos.length; i++) {
    const p = pos[i];
    while (below < neg.length && neg[below] < p) below++;
    if (upTo < below) upTo = below;
    while (upTo < neg.length && neg[upTo] === p) upTo++;
    u += below + (upTo - below) / 2;
  }
  return u / (pos.length * neg.length);
}

/** Full ROC curve: one point per distinct threshold, from (0,0) to (1,1). */
export function rocCurve(positives: readonly number[], negatives: readonly number[]): RocPoint[] {
  check('positives', positives);
  check('negatives', negatives);
  const all = [
    ...positives.map((s) => ({ s, pos: true })),
    ...negatives.map((s) => ({ s, pos: false })),
  ].sort((a, b) => b.s - a.s);
  const pts: RocPoint[] = [{ threshold: Infinity, fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < all.length;) {
    const s = all[i].s;
    while (i < all.length && all[i].s === s) {
      if (all[i].pos) tp++;
      else fp++;
      i++;
    }
    pts.push({ threshold: s, fpr: fp / negatives.length, tpr: tp / positives.length });
  }
  return pts;
}

/** TPR at a target FPR: the best ROC point whose FPR does not exceed the target. */
export function tprAtFpr(roc: readonly RocPoint[], target: number, nonMembers: number): TprAtFpr {
  let best: RocPoint | undefined;
  for (const p of roc) if (p.fpr <= target + 1e-15 && (!best || p.tpr > best.tpr)) best = p;
  const b = best ?? roc[0];
  return {
    fpr: target,
    tpr: b.tpr,
    attainedFpr: b.fpr,
    threshold: Number.isFinite(b.threshold) ? b.threshold : null,
    measurable: nonMembers * target >= 1,
  };
}

export { mulberry32 };

function downsample(roc: RocPoint[], max: number): RocPoint[] {
  if (roc.length <= max) return roc;
  const out: RocPoint[] = [];
  const step = (roc.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(roc[Math.round(i * step)]);
  return out;
}

/** Runs the threshold attack and returns AUC, TPR@FPR, advantage and (optionally) a bootstrap CI. */
export function membershipMetrics(
  members: readonly number[],
  nonMembers: readonly number[],
  opts: MembershipOptions = {},
): MembershipMetrics {
  const higherIsMember = opts.higherIsMember ?? true;
  const orient = (xs: readonly number[]) => (higherIsMember ? xs : xs.map((x) => -x));
  const pos = orient(members);
  const neg = orient(nonMembers);
  const auc = rocAuc(pos, neg);
  const roc = rocCurve(pos, neg);
  let advantage = 0;
  let bestThreshold = roc[0].threshold;
  for (const p of roc)
    if (p.tpr - p.fpr > advantage) {
      advantage = p.tpr - p.fpr;
      bestThreshold = p.threshold;
    }
  const result: MembershipMetrics = {
    members: members.length,
    nonMembers: nonMembers.length,
    higherIsMember,
    auc,
    tprAtFpr: (opts.fprs ?? DEFAULT_FPRS).map((f) => tprAtFpr(roc, f, nonMembers.length)),
    advantage,
    bestThreshold: higherIsMember ? bestThreshold : -bestThreshold,
    bestAccuracy: 0.5 + advantage / 2,
    roc: downsample(roc, opts.maxRocPoints ?? 200).map((p) => ({
      ...p,
      threshold: higherIsMember ? p.threshold : -p.threshold,
    })),
  };
  const B = opts.bootstrap ?? 0;
  if (B > 0) {
    const rand = mulberry32(opts.seed ?? 1);
    const level = opts.ciLevel ?? 0.95;
    const aucs: number[] = [];
    const rs = (xs: readonly number[]) => xs.map(() => xs[Math.floor(rand() * xs.length)]);
    for (let b = 0; b < B; b++) aucs.push(rocAuc(rs(pos), rs(neg)));
    aucs.sort((a, b) => a - b);
    const q = (p: number) => aucs[Math.min(B - 1, Math.max(0, Math.floor(p * B)))];
    result.aucCi = { level, low: q((1 - level) / 2), high: q(1 - (1 - level) / 2), resamples: B };
  }
  return result;
}

export interface LeakageCriteria {
  /** AUC at or above this is leakage (default 0.6). */
  minAuc?: number;
  /** TPR at 1% FPR at or above this multiple of the FPR is leakage (default 10, i.e. TPR ≥ 10%). */
  tprMultiple?: number;
}

/** Whether the metrics show significant leakage, and why. */
export function leakageVerdict(
  m: MembershipMetrics,
  criteria: LeakageCriteria = {},
): { leaking: boolean; reasons: string[] } {
  const minAuc = criteria.minAuc ?? 0.6;
  const mult = criteria.tprMultiple ?? 10;
  const reasons: string[] = [];
  if (m.auc >= minAuc) reasons.push(`AUC ${m.auc.toFixed(3)} ≥ ${minAuc}`);
  const at1 = m.tprAtFpr.find((t) => Math.abs(t.fpr - 0.01) < 1e-12);
  if (at1 && at1.measurable && at1.tpr >= mult * 0.01)
    reasons.push(`TPR ${(at1.tpr * 100).toFixed(1)}% at 1% FPR ≥ ${mult}× the FPR`);
  return { leaking: reasons.length > 0, reasons };
}
