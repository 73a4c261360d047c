export * from './rules.js';
export * from './membership.js';
export * from './report.js';
