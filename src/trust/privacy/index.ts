/** Privacy pillar: PII and secret detection, k-anonymity / ℓ-diversity / t-closeness, membership inference. */
export * from './checksums.js';
export * from './recognizers.js';
export * from './names.js';
export * from './pii.js';
export * from './pii-eval.js';
export * from './scan.js';
export * from './kanon.js';
export * from './kanon-search.js';
export * from './membership.js';
export * from './rules.js';
export * from './model-scores.js';
