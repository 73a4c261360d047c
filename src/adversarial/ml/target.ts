/**
 * Wraps a locally trained `Classifier` as a `ModelTarget`, exposing scores (probabilities) or labels only.
 * Used by tests and examples to attack models whose ground truth (weights, training set) is known.
 */
import type { Batch, Capability, ModelTarget } from '../robustness/target.js';
import { argmaxRows, type Classifier } from './models.js';

export interface ClassifierTargetOptions {
  name?: string;
  /** What the target reveals (default 'scores'). */
  output?: 'scores' | 'labels';
  clipValues?: readonly [number, number];
}

export function classifierTarget(model: Classifier, opts: ClassifierTargetOptions = {}): ModelTarget {
  const scores = (opts.output ?? 'scores') === 'scores';
  let queries = 0;
  const caps: Capability[] = scores ? ['scores', 'labels'] : ['labels'];
  const run = (x: Batch): Float64Array => {
    if (x.data.length !== x.n * model.d)
      throw new RangeError(`batch has ${x.data.length} values, expected ${x.n}×${model.d}`);
    queries += x.n;
    return model.predictProba(x.data, x.n);
  };
  const target: ModelTarget = {
    name: opts.name ?? `${model.kind}-classifier`,
    capabilities: new Set(caps),
    inputShape: [model.d],
    nbClasses: model.k,
    clipValues: opts.clipValues ?? [-Infinity, Infinity],
    scoresAreProbabilities: true,
    predictLabels: (x) => Promise.resolve(argmaxRows(run(x), x.n, model.k)),
    get queries() {
      return queries;
    },
  };
  if (scores)
    (target as { predict?: ModelTarget['predict'] }).predict = (x) =>
      Promise.resolve(Float32Array.from(run(x)));
  return target;
}
