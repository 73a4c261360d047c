/** LLM red teaming: targets, probes, converters, detectors, runner, report and the vulnerable assistant. */
export * from './types.js';
export * from './rules.js';
export * from './converters.js';
export * from './detectors.js';
export * from './probes/index.js';
export * from './targets.js';
export * from './judge.js';
export * from './runner.js';
export * from './report.js';
export * from './vulnerable-assistant.js';
