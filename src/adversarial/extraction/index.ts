export * from './rules.js';
export * from './oracle.js';
export * from './knockoff.js';
export * from './equation.js';
export * from './onnx-target.js';
export * from './report.js';
