export * from './attacks/index.js';
export { attackMetrics, summarize, type AttackMetrics, type Summary } from './metrics.js';
export {
  checkAttack,
  evaluateRobustness,
  predictAll,
  restrictAccess,
  targetAccess,
  type RobustnessData,
  type RobustnessEvaluation,
  type RobustnessOptions,
} from './runner.js';
export {
  buildRobustnessResult,
  epsString,
  evaluationKey,
  renderRobustnessText,
  robustBenchRecords,
  type RobustBenchRecord,
  type RobustnessResult,
} from './record.js';
export { ROBUST_ACCURACY_LOW, ROBUSTNESS_INCONCLUSIVE, TINY_PERTURBATION } from './rules.js';
export { inputSize, type Batch, type Capability, type ModelTarget } from './target.js';
export { readRobustnessData, type ReadRobustnessDataOptions } from './data.js';
