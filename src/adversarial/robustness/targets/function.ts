/** A target around plain JavaScript functions; the caller declares which access it grants. */
import { ConfigError } from '../../../core/errors.js';
import type { Batch, Capability, ModelTarget } from '../target.js';
import { argmaxRows, capabilityProblems, checkBatch, checkLabels, QueryCounter } from './common.js';

export interface FunctionTargetOptions {
  name: string;
  inputShape: number[];
  nbClasses: number;
  clipValues?: [number, number];
  /** Class scores, n × nbClasses. */
  predict?: (x: Batch) => Float32Array | Promise<Float32Array>;
  /** Labels; derived from `predict` when absent. */
  predictLabels?: (x: Batch) => Int32Array | ArrayLike<number> | Promise<Int32Array | ArrayLike<number>>;
  /** Loss gradient w.r.t. the input (same layout as x). */
  lossGradient?: (x: Batch, labels: Int32Array) => Float32Array | Promise<Float32Array>;
  scoresAreProbabilities?: boolean;
  /**
   * Access granted. Default: everything the given functions allow. Declaring less hides the rest (e.g.
   * `['labels']` with a `predict` function makes a decision-only target); declaring more is an error.
   */
  capabilities?: Capability[];
}

/** Builds a target from functions. Throws ConfigError when declared capabilities lack an implementation. */
export function createFunctionTarget(opts: FunctionTargetOptions): ModelTarget {
  const name = opts.name || 'function';
  if (!Array.isArray(opts.inputShape) || opts.inputShape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new ConfigError(`${name}: inputShape must be positive integers`);
  }
  if (!Number.isInteger(opts.nbClasses) || opts.nbClasses < 2)
    throw new ConfigError(`${name}: nbClasses must be an integer ≥ 2`);
  const implemented = new Set<Capability>();
  if (opts.predict || opts.predictLabels) implemented.add('labels');
  if (opts.predict) implemented.add('scores');
  if (opts.predict && opts.lossGradient) implemented.add('gradients');
  if (opts.lossGradient && !opts.predict)
    throw new ConfigError(`${name}: a lossGradient function needs a predict function too`);
  const declared = new Set<Capability>(opts.capabilities ?? implemented);
  declared.add('labels');
  for (const c of declared) {
    if (!implemented.has(c)) {
      const need =
        c === 'gradients'
          ? 'predict and lossGradient'
          : c === 'scores'
            ? 'predict'
            : 'predict or predictLabels';
      throw new ConfigError(`${name}: capability '${c}' is declared but not implemented; pass ${need}`);
    }
  }
  if (declared.has('gradients') && !declared.has('scores')) declared.add('scores');
  const counter = new QueryCounter();
  const k = opts.nbClasses;
  const base = {
    name,
    capabilities: declared as ReadonlySet<Capability>,
    inputShape: [...opts.inputShape],
    nbClasses: k,
    clipValues: opts.clipValues ?? ([0, 1] as [number, number]),
    scoresAreProbabilities: opts.scoresAreProbabilities ?? false,
    get queries() {
      return counter.value;
    },
  };
  const scores = async (x: Batch): Promise<Float32Array> => {
    checkBatch(base, x);
    const y = await (opts.predict as NonNullable<FunctionTargetOptions['predict']>)(x);
    if (!(y instanceof Float32Array) || y.length !== x.n * k) {
      throw new ConfigError(
        `${name}: predict returned ${y?.length} values for ${x.n} rows; return a Float32Array of n × ${k}`,
      );
    }
    counter.add(x.n);
    return y;
  };
  const labels = async (x: Batch): Promise<Int32Array> => {
    if (opts.predictLabels) {
      checkBatch(base, x);
      const l = Int32Array.from(await opts.predictLabels(x));
      if (l.length !== x.n || l.some((v) => v < 0 || v >= k)) {
        throw new ConfigError(`${name}: predictLabels must return ${x.n} labels in 0..${k - 1}`);
      }
      counter.add(x.n);
      return l;
    }
    return argmaxRows(await scores(x), x.n, k);
  };
  const target: ModelTarget = Object.assign(Object.create(null) as object, {
    name: base.name,
    capabilities: base.capabilities,
    inputShape: base.inputShape,
    nbClasses: base.nbClasses,
    clipValues: base.clipValues,
    scoresAreProbabilities: base.scoresAreProbabilities,
    predictLabels: labels,
  }) as unknown as ModelTarget;
  Object.defineProperty(target, 'queries', { get: () => counter.value, enumerable: true });
  if (declared.has('scores')) target.predict = scores;
  if (declared.has('gradients')) {
    const grad = opts.lossGradient as NonNullable<FunctionTargetOptions['lossGradient']>;
    target.lossGradient = async (x: Batch, y: Int32Array) => {
      const size = checkBatch(base, x);
      checkLabels(base, y, x.n);
      const g = await grad(x, y);
      if (!(g instanceof Float32Array) || g.length !== x.n * size) {
        throw new ConfigError(
          `${name}: lossGradient returned ${g?.length} values; return a Float32Array shaped like x`,
        );
      }
      counter.add(x.n);
      return g;
    };
  }
  const problems = capabilityProblems(target);
  if (problems.length) throw new ConfigError(`${name}: ${problems.join('; ')}`);
  return target;
}
