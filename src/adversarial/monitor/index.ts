export * from './stats.js';
export * from './engine.js';
export * from './monitor.js';
export * from './report.js';
export * from './rules.js';
