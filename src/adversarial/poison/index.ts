export * from './detectors.js';
export * from './linalg.js';
export * from './poison.js';
export * from './rules.js';
