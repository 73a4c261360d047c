/**
 * Membership-inference attacks against a queryable model: a threshold attack on the target's confidence in the
 * true label and on its loss (Yeom et al. 2018), and a shadow-model attack (Shokri et al. 2017): k shadow models are
 * trained on disjoint halves of the attacker's own labelled data with known membership, an attack classifier
 * (logistic regression) learns member vs non-member from their outputs (sorted probability vector, one-hot label,
 * log-probability of the label) and is applied to the target's outputs on candidate records. The metrics (ROC AUC,
 * TPR at low FPR, advantage) come from the privacy pillar's `membershipMetrics`.
 */
import { UsageError } from '../../core/errors.js';
import { mulberry32 } from '../../core/random.js';
import {
  DEFAULT_FPRS,
  leakageVerdict,
  membershipMetrics,
  type MembershipMetrics,
} from '../../trust/privacy/membership.js';
import { Oracle, hasScores } from '../extraction/oracle.js';
import {
  argmaxRows,
  oneHot,
  trainClassifier,
  trainLogistic,
  type LogisticModel,
  type ModelKind,
  type TrainOptions,
} from '../ml/models.js';
import { inputSize, type ModelTarget } from '../robustness/target.js';

/** Labelled records: `n` rows of `d` features and their true class indices. */
export interface LabelledSet {
  x: Float32Array;
  y: Int32Array;
  n: number;
}

export interface MembershipAttackOptions {
  /** Known training records of the target (candidates that are members). */
  members: LabelledSet;
  /** Records the target was not trained on. */
  nonMembers: LabelledSet;
  /** The attacker's own labelled data, from the same distribution, for the shadow models (omit: no shadow attack). */
  attacker?: LabelledSet;
  /** Number of shadow models (default 4). */
  shadowModels?: number;
  /** Shadow architecture (default 'mlp'). */
  shadowModel?: ModelKind;
  /** Shadow training options (default: hidden 64, epochs 100, lr 0.01, batch 32). */
  shadowTrain?: TrainOptions;
  /** One attack model per true class instead of one global model (default false). */
  perClass?: boolean;
  /** FPR levels for TPR@FPR (default 0.001, 0.01, 0.1). */
  fprs?: readonly number[];
  /** AUC at or above this is leakage (default 0.6). */
  minAuc?: number;
  seed?: number;
  batchSize?: number;
}

/** Metrics without the ROC curve (kept short for reports). */
export type AttackMetrics = Omit<MembershipMetrics, 'roc'>;

export interface ShadowAttackResult {
  models: number;
  architecture: ModelKind;
  attackerRows: number;
  /** Mean accuracy of the shadow models on their own training (in) and held-out (out) halves. */
  shadowTrainAccuracy: number;
  shadowTestAccuracy: number;
  /** Attack model AUC on the shadow records it was trained on (how separable shadow membership is). */
  attackTrainAuc: number;
  perClass: boolean;
  metrics: AttackMetrics;
  leaking: boolean;
  reasons: string[];
}

export interface MembershipAttackResult {
  target: string;
  access: 'scores' | 'labels';
  members: number;
  nonMembers: number;
  classes: number;
  /** Target accuracy on members and non-members, and the gap between them. */
  memberAccuracy: number;
  nonMemberAccuracy: number;
  generalizationGap: number;
  /** Threshold attacks: confidence in the true label (higher = member) and loss (lower = member); or, for a
   * labels-only target, "correctly classified" (the gap attack). */
  threshold: {
    confidence?: AttackMetrics;
    loss?: AttackMetrics;
    correct?: AttackMetrics;
    best: 'confidence' | 'loss' | 'correct';
    leaking: boolean;
    reasons: string[];
  };
  shadow?: ShadowAttackResult;
  /** Why the shadow attack did not run, when it did not. */
  shadowSkipped?: string;
  queries: number;
  ms: number;
}

const LOG_FLOOR = 1e-12;

function checkSet(name: string, s: LabelledSet, d: number, k: number): void {
  if (s.n < 1 || s.x.length !== s.n * d || s.y.length !== s.n)
    throw new UsageError(`${name} must have at least one row of ${d} features and a label per row`);
  for (let i = 0; i < s.n; i++)
    if (!(s.y[i] >= 0 && s.y[i] < k))
      throw new UsageError(`${name} row ${i + 1}: label ${s.y[i]} is not a class index in 0..${k - 1}`);
}

function strip(m: MembershipMetrics): AttackMetrics {
  const { roc: _roc, ...rest } = m;
  return rest;
}

/** Attack features of one record: sorted probabilities (descending), one-hot label, clipped log p(label). */
export function attackFeatures(p: Float64Array, y: Int32Array, n: number, k: number): Float64Array {
  const w = 2 * k + 1;
  const out = new Float64Array(n * w);
  const row = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) row[c] = p[i * k + c];
    row.sort().reverse();
    out.set(row, i * w);
    out[i * w + k + y[i]] = 1;
    out[i * w + 2 * k] = Math.log(Math.max(p[i * k + y[i]], LOG_FLOOR));
  }
  return out;
}

function accuracy(p: Float64Array, y: Int32Array, n: number, k: number): number {
  const pred = argmaxRows(p, n, k);
  let ok = 0;
  for (let i = 0; i < n; i++) if (pred[i] === y[i]) ok++;
  return ok / n;
}

/** Standardises columns with the given mean/std (computed from `fit` when not given). */
function standardiser(fit: Float64Array, n: number, w: number): (x: Float64Array, m: number) => Float64Array {
  const mean = new Float64Array(w);
  const sd = new Float64Array(w);
  for (let i = 0; i < n; i++) for (let j = 0; j < w; j++) mean[j] += fit[i * w + j] / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < w; j++) sd[j] += (fit[i * w + j] - mean[j]) ** 2 / n;
  for (let j = 0; j < w; j++) sd[j] = Math.sqrt(sd[j]) || 1;
  return (x, m) => {
    const out = new Float64Array(m * w);
    for (let i = 0; i < m; i++) for (let j = 0; j < w; j++) out[i * w + j] = (x[i * w + j] - mean[j]) / sd[j];
    return out;
  };
}

/** Runs the threshold attacks and, with attacker data and a scores target, the shadow-model attack. */
export async function runMembershipAttack(
  target: ModelTarget,
  opts: MembershipAttackOptions,
): Promise<MembershipAttackResult> {
  const t0 = performance.now();
  const d = inputSize(target);
  const k = target.nbClasses;
  checkSet('members', opts.members, d, k);
  checkSet('non-members', opts.nonMembers, d, k);
  if (opts.attacker) checkSet('attacker data', opts.attacker, d, k);
  const seed = opts.seed ?? 1;
  const fprs = opts.fprs ?? DEFAULT_FPRS;
  const criteria = { minAuc: opts.minAuc ?? 0.6 };
  const scores = hasScores(target);
  const oracle = new Oracle(target, Infinity, opts.batchSize);
  const mAns = await oracle.query(opts.members.x, opts.members.n, true);
  const nAns = await oracle.query(opts.nonMembers.x, opts.nonMembers.n, true);
  const correct = (labels: Int32Array, y: Int32Array) => Array.from(labels, (l, i) => (l === y[i] ? 1 : 0));
  const mCorrect = correct(mAns.labels, opts.members.y);
  const nCorrect = correct(nAns.labels, opts.nonMembers.y);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const memberAccuracy = mean(mCorrect);
  const nonMemberAccuracy = mean(nCorrect);

  let threshold: MembershipAttackResult['threshold'];
  if (scores) {
    const conf = (p: Float64Array, y: Int32Array) => Array.from(y, (c, i) => p[i * k + c]);
    const mConf = conf(mAns.probs!, opts.members.y);
    const nConf = conf(nAns.probs!, opts.nonMembers.y);
    const loss = (xs: number[]) => xs.map((p) => -Math.log(Math.max(p, LOG_FLOOR)));
    const confidence = membershipMetrics(mConf, nConf, { fprs, higherIsMember: true });
    const lossM = membershipMetrics(loss(mConf), loss(nConf), { fprs, higherIsMember: false });
    const best = lossM.auc > confidence.auc ? lossM : confidence;
    const v = leakageVerdict(best, criteria);
    threshold = {
      confidence: strip(confidence),
      loss: strip(lossM),
      best: best === lossM ? 'loss' : 'confidence',
      leaking: v.leaking,
      reasons: v.reasons,
    };
  } else {
    const gap = membershipMetrics(mCorrect, nCorrect, { fprs, higherIsMember: true });
    const v = leakageVerdict(gap, criteria);
    threshold = { correct: strip(gap), best: 'correct', leaking: v.leaking, reasons: v.reasons };
  }

  let shadow: ShadowAttackResult | undefined;
  let shadowSkipped: string | undefined;
  if (!opts.attacker) shadowSkipped = 'no attacker data given';
  else if (!scores)
    shadowSkipped = `${target.name} returns labels only; the shadow-model attack needs class scores`;
  else {
    shadow = shadowAttack(opts.attacker, mAns.probs!, nAns.probs!, opts, d, k, seed, fprs, criteria);
  }
  return {
    target: target.name,
    access: scores ? 'scores' : 'labels',
    members: opts.members.n,
    nonMembers: opts.nonMembers.n,
    classes: k,
    memberAccuracy,
    nonMemberAccuracy,
    generalizationGap: memberAccuracy - nonMemberAccuracy,
    threshold,
    ...(shadow ? { shadow } : {}),
    ...(shadowSkipped ? { shadowSkipped } : {}),
    queries: oracle.queries,
    ms: Math.round(performance.now() - t0),
  };
}

function shadowAttack(
  attacker: LabelledSet,
  memberProbs: Float64Array,
  nonMemberProbs: Float64Array,
  opts: MembershipAttackOptions,
  d: number,
  k: number,
  seed: number,
  fprs: readonly number[],
  criteria: { minAuc: number },
): ShadowAttackResult {
  const nModels = Math.max(1, Math.min(64, Math.floor(opts.shadowModels ?? 4)));
  const chunk = Math.floor(attacker.n / nModels);
  const half = Math.floor(chunk / 2);
  if (half < 2)
    throw new UsageError(
      `attacker data has ${attacker.n} rows: too few for ${nModels} shadow models (need at least 4 rows each)`,
    );
  const rand = mulberry32(seed);
  const idx = Array.from({ length: attacker.n }, (_, i) => i);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  const take = (rows: number[]): LabelledSet => {
    const x = new Float32Array(rows.length * d);
    const y = new Int32Array(rows.length);
    rows.forEach((r, i) => {
      x.set(attacker.x.subarray(r * d, r * d + d), i * d);
      y[i] = attacker.y[r];
    });
    return { x, y, n: rows.length };
  };
  const w = 2 * k + 1;
  const feats: Float64Array[] = [];
  const labels: number[] = [];
  const trueY: number[] = [];
  let trainAcc = 0;
  let testAcc = 0;
  const arch = opts.shadowModel ?? 'mlp';
  for (let s = 0; s < nModels; s++) {
    const rows = idx.slice(s * chunk, s * chunk + 2 * half);
    const inSet = take(rows.slice(0, half));
    const outSet = take(rows.slice(half));
    const model = trainClassifier(arch, inSet.x, inSet.n, d, oneHot(inSet.y, k), k, {
      hidden: 64,
      epochs: 100,
      ...opts.shadowTrain,
      seed: seed + 1 + s,
    });
    const pIn = model.predictProba(inSet.x, inSet.n);
    const pOut = model.predictProba(outSet.x, outSet.n);
    trainAcc += accuracy(pIn, inSet.y, inSet.n, k) / nModels;
    testAcc += accuracy(pOut, outSet.y, outSet.n, k) / nModels;
    feats.push(attackFeatures(pIn, inSet.y, inSet.n, k), attackFeatures(pOut, outSet.y, outSet.n, k));
    for (let i = 0; i < inSet.n; i++) labels.push(1);
    for (let i = 0; i < outSet.n; i++) labels.push(0);
    trueY.push(...inSet.y, ...outSet.y);
  }
  const n = labels.length;
  const X = new Float64Array(n * w);
  let o = 0;
  for (const f of feats) {
    X.set(f, o);
    o += f.length;
  }
  const norm = standardiser(X, n, w);
  const Xs = norm(X, n);
  const attackOpts: TrainOptions = { epochs: 60, lr: 0.02, l2: 1e-3, batchSize: 64, seed };
  const fit = (rows: number[]): LogisticModel => {
    const x = new Float64Array(rows.length * w);
    rows.forEach((r, i) => x.set(Xs.subarray(r * w, r * w + w), i * w));
    return trainLogistic(
      x,
      rows.length,
      w,
      oneHot(
        rows.map((r) => labels[r]),
        2,
      ),
      2,
      attackOpts,
    );
  };
  const all = Array.from({ length: n }, (_, i) => i);
  const global = fit(all);
  const perClassModels = new Map<number, LogisticModel>();
  if (opts.perClass) {
    for (let c = 0; c < k; c++) {
      const rows = all.filter((r) => trueY[r] === c);
      const pos = rows.filter((r) => labels[r] === 1).length;
      if (pos >= 5 && rows.length - pos >= 5) perClassModels.set(c, fit(rows));
    }
  }
  const score = (p: Float64Array, y: Int32Array, m: number): number[] => {
    const f = norm(attackFeatures(p, y, m, k), m);
    const out: number[] = [];
    for (let i = 0; i < m; i++) {
      const model = perClassModels.get(y[i]) ?? global;
      out.push(model.predictProba(f.subarray(i * w, i * w + w), 1)[1]);
    }
    return out;
  };
  const sIn: number[] = [];
  const sOut: number[] = [];
  for (let i = 0; i < n; i++) {
    const model = perClassModels.get(trueY[i]) ?? global;
    const pm = model.predictProba(Xs.subarray(i * w, i * w + w), 1)[1];
    (labels[i] ? sIn : sOut).push(pm);
  }
  const attackTrainAuc = membershipMetrics(sIn, sOut).auc;
  const mScores = score(memberProbs, opts.members.y, opts.members.n);
  const nScores = score(nonMemberProbs, opts.nonMembers.y, opts.nonMembers.n);
  const metrics = membershipMetrics(mScores, nScores, { fprs, higherIsMember: true });
  const v = leakageVerdict(metrics, criteria);
  return {
    models: nModels,
    architecture: arch,
    attackerRows: attacker.n,
    shadowTrainAccuracy: trainAcc,
    shadowTestAccuracy: testAcc,
    attackTrainAuc,
    perClass: opts.perClass ?? false,
    metrics: strip(metrics),
    leaking: v.leaking,
    reasons: v.reasons,
  };
}
