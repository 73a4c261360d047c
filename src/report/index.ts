export { toJson, JSON_SCHEMA_PATH, JSON_SCHEMA_VERSION, type JsonOptions } from './json.js';
export {
  toSarif,
  renderSarif,
  fingerprint,
  SARIF_LEVEL,
  SECURITY_SEVERITY,
  SARIF_SCHEMA_URI,
  type SarifOptions,
  type SarifLog,
} from './sarif.js';
export { toText, useColor, type TextOptions } from './text.js';
export { ruleDocsPath, ruleDocsUrl, PROJECT_URL, DOCS_URL, ISSUES_URL } from './links.js';
