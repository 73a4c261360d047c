/**
 * KnockoffNets / CopycatCNN-style model extraction (Orekondy et al. 2019, Correia-Silva et al. 2018): query the
 * target on a transfer set (the attacker's natural samples, or uniform noise in the clip range), train a surrogate
 * on its answers (probability vectors when the target returns them, else labels), and measure top-1 agreement with
 * the target on held-out data, as a curve over query budgets. The transfer set is queried once, for the largest
 * budget; smaller budgets use its prefixes (random sampling), so nothing is queried twice.
 */
import { UsageError } from '../../core/errors.js';
import { mulberry32 } from '../../core/random.js';
import { argmaxRows, oneHot, trainClassifier, type ModelKind, type TrainOptions } from '../ml/models.js';
import { inputSize, type ModelTarget } from '../robustness/target.js';
import { hasScores, Oracle } from './oracle.js';

export interface ExtractionOptions {
  /** Attacker's natural samples (`transferRows × d`). Without it, uniform noise in the clip range is used. */
  transfer?: Float32Array;
  transferRows?: number;
  /** Held-out evaluation inputs (`evalRows × d`) and, optionally, their true labels. */
  evalX: Float32Array;
  evalRows: number;
  evalY?: Int32Array;
  /** Query budgets (default 100, 500, 2000). */
  budgets?: readonly number[];
  /** Surrogate architecture (default 'mlp'). */
  surrogate?: ModelKind;
  /** Train on probability vectors (default: when the target returns scores). False = labels only (Copycat). */
  useProbabilities?: boolean;
  /** Agreement at or above this counts as a stolen model (default 0.9). */
  agreementThreshold?: number;
  seed?: number;
  /** Rows per query batch (default 256). */
  batchSize?: number;
  /** Surrogate training options; epochs default to clamp(30000 / budget, 20, 200). */
  train?: TrainOptions;
  /** Per-feature range for uniform noise when the clip range is infinite (default: the transfer set's range). */
  noiseRange?: readonly [number, number];
}

export interface ExtractionPoint {
  /** Budget asked for. */
  budget: number;
  /** Queries the surrogate was trained on (smaller than `budget` when the transfer set is smaller). */
  queries: number;
  /** Top-1 agreement of surrogate and target on the evaluation set (fidelity). */
  agreement: number;
  /** Surrogate accuracy on the evaluation set's true labels, when given. */
  surrogateAccuracy?: number;
  trainMs: number;
}

export interface ExtractionResult {
  target: string;
  /** What the surrogate was trained on. */
  access: 'scores' | 'labels';
  sampling: 'natural' | 'uniform';
  surrogate: ModelKind;
  seed: number;
  inputSize: number;
  classes: number;
  evalRows: number;
  /** Target accuracy on the evaluation set's true labels, when given. */
  targetAccuracy?: number;
  agreementThreshold: number;
  curve: ExtractionPoint[];
  /** Smallest budget whose agreement reached the threshold, or null. */
  stolenAtBudget: number | null;
  /** Attack queries sent (never more than the largest budget). */
  attackQueries: number;
  /** Queries used to label the evaluation set (measurement, not attack). */
  evalQueries: number;
  ms: number;
}

export const DEFAULT_BUDGETS: readonly number[] = [100, 500, 2000];
const MAX_BUDGET = 1_000_000;

/** Runs the extraction attack and returns the agreement curve. */
export async function runExtraction(target: ModelTarget, opts: ExtractionOptions): Promise<ExtractionResult> {
  const t0 = performance.now();
  const d = inputSize(target);
  const k = target.nbClasses;
  const seed = opts.seed ?? 1;
  const budgets = [...new Set(opts.budgets ?? DEFAULT_BUDGETS)].sort((a, b) => a - b);
  if (budgets.length === 0 || budgets.some((b) => !Number.isInteger(b) || b < 1 || b > MAX_BUDGET))
    throw new UsageError(`budgets must be integers in 1..${MAX_BUDGET}, e.g. --budgets 100,500,2000`);
  if (opts.evalRows < 1 || opts.evalX.length !== opts.evalRows * d)
    throw new UsageError(`the evaluation set must have at least one row of ${d} features`);
  const useProbs = opts.useProbabilities ?? hasScores(target);
  if (useProbs && !hasScores(target))
    throw new UsageError(
      `${target.name} returns labels only; train the surrogate on labels (no --probabilities)`,
    );
  const threshold = opts.agreementThreshold ?? 0.9;
  const rand = mulberry32(seed);
  const maxBudget = budgets[budgets.length - 1];

  // Transfer set: a random permutation of the natural samples, or uniform noise.
  let sampling: 'natural' | 'uniform';
  let xs: Float32Array;
  let rows: number;
  if (opts.transfer && (opts.transferRows ?? 0) > 0) {
    sampling = 'natural';
    const n = opts.transferRows!;
    if (opts.transfer.length !== n * d)
      throw new UsageError(`the transfer set must have rows of ${d} features`);
    rows = Math.min(n, maxBudget);
    const idx = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    xs = new Float32Array(rows * d);
    for (let r = 0; r < rows; r++) xs.set(opts.transfer.subarray(idx[r] * d, idx[r] * d + d), r * d);
  } else {
    sampling = 'uniform';
    let [lo, hi] = target.clipValues;
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = opts.noiseRange ?? [NaN, NaN];
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(hi > lo))
      throw new UsageError(
        `${target.name} has no finite clip range; give a transfer set (--data) or a noise range for uniform sampling`,
      );
    rows = maxBudget;
    xs = new Float32Array(rows * d);
    for (let i = 0; i < xs.length; i++) xs[i] = lo + (hi - lo) * rand();
  }

  // Evaluation labels from the target (measurement), then the attack queries under the budget.
  const evalOracle = new Oracle(target, Infinity, opts.batchSize);
  const evalAns = await evalOracle.query(opts.evalX, opts.evalRows, false);
  const oracle = new Oracle(target, maxBudget, opts.batchSize);
  const ans = await oracle.query(xs, rows, useProbs);
  const targets = useProbs ? ans.probs! : oneHot(ans.labels, k);

  const accuracy = (pred: Int32Array, y: Int32Array) => {
    let ok = 0;
    for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) ok++;
    return ok / y.length;
  };
  const curve: ExtractionPoint[] = [];
  for (const budget of budgets) {
    const n = Math.min(budget, rows);
    const t1 = performance.now();
    const model = trainClassifier(
      opts.surrogate ?? 'mlp',
      xs.subarray(0, n * d),
      n,
      d,
      targets.subarray(0, n * k),
      k,
      {
        epochs: Math.max(20, Math.min(200, Math.round(30000 / n))),
        seed,
        ...opts.train,
      },
    );
    const pred = argmaxRows(model.predictProba(opts.evalX, opts.evalRows), opts.evalRows, k);
    curve.push({
      budget,
      queries: n,
      agreement: accuracy(pred, evalAns.labels),
      ...(opts.evalY ? { surrogateAccuracy: accuracy(pred, opts.evalY) } : {}),
      trainMs: Math.round(performance.now() - t1),
    });
  }
  const stolen = curve.find((p) => p.agreement >= threshold);
  return {
    target: target.name,
    access: useProbs ? 'scores' : 'labels',
    sampling,
    surrogate: opts.surrogate ?? 'mlp',
    seed,
    inputSize: d,
    classes: k,
    evalRows: opts.evalRows,
    ...(opts.evalY ? { targetAccuracy: accuracy(evalAns.labels, opts.evalY) } : {}),
    agreementThreshold: threshold,
    curve,
    stolenAtBudget: stolen ? stolen.budget : null,
    attackQueries: oracle.queries,
    evalQueries: evalOracle.queries,
    ms: Math.round(performance.now() - t0),
  };
}
