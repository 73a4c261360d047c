/**
 * Bulwark library API.
 *
 *   import { scan, toSarif } from 'bulwark';
 *   const report = await scan(['models/']);
 */
export { scan, scanBytes } from './scan/engine.js';
export type {
  ScanReport,
  ScanSummary,
  FileResult,
  MemberResult,
  ScanOptions,
  ScanProgress,
} from './scan/types.js';
export type { Finding, Location, References, Confidence, Impact } from './core/finding.js';
export { SEVERITIES, atLeast, severityRank, isSeverity, type Severity } from './core/severity.js';
export { VERDICTS, worseVerdict, type Verdict } from './core/verdict.js';
export { DEFAULT_LIMITS, resolveLimits, type Limits } from './core/limits.js';
export { allRules, getRule, type RuleMeta } from './core/rules.js';
export type { PolicyExtension } from './scan/pickle/policy.js';
export type { AllowRule, DenyRule } from './scan/pickle/policy-types.js';
export {
  BulwarkError,
  UsageError,
  ConfigError,
  ParseError,
  LimitError,
  errorMessage,
  type ErrorCode,
} from './core/errors.js';
export { toJson, JSON_SCHEMA_PATH, type JsonOptions } from './report/json.js';
export {
  toSarif,
  renderSarif,
  SARIF_LEVEL,
  SECURITY_SEVERITY,
  type SarifOptions,
  type SarifLog,
} from './report/sarif.js';
export { toText, type TextOptions } from './report/text.js';
export {
  loadConfig,
  parseConfig,
  configToScanOptions,
  CONFIG_FILE_NAMES,
  type BulwarkConfig,
  type LoadedConfig,
  type LoadConfigOptions,
} from './config/config.js';
export { ExitCode, scanExitCode, DEFAULT_FAIL_ON } from './cli/exit-codes.js';
