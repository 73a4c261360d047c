import type { RuleMeta } from '../core/rules.js';

/** Home of the project. Every documentation link in the reports is derived from it. */
export const PROJECT_URL = 'https://github.com/bulwark-mlsecops/bulwark';
/** Where the Markdown documentation (docs/) is browsed. */
export const DOCS_URL = `${PROJECT_URL}/blob/main/docs`;
/** Where bugs are reported. */
export const ISSUES_URL = `${PROJECT_URL}/issues`;

/** Path of a rule's documentation inside the repository and the npm package, e.g. "docs/rules/pickle.md". */
export function ruleDocsPath(rule: Pick<RuleMeta, 'family'>): string {
  return `docs/rules/${rule.family.toLowerCase()}.md`;
}

/** Browsable URL of a rule's documentation, anchored at the rule's section. */
export function ruleDocsUrl(rule: Pick<RuleMeta, 'family' | 'id'>): string {
  return `${DOCS_URL}/rules/${rule.family.toLowerCase()}.md#${rule.id.toLowerCase()}`;
}

export function atlasUrl(id: string): string {
  return `https://atlas.mitre.org/techniques/${encodeURIComponent(id)}`;
}

export const OWASP_ML_TOP10_URL = 'https://owasp.org/www-project-machine-learning-security-top-10/';

/** "CWE-502" or "502" -> "502"; undefined when it is not a CWE number. */
export function cweNumber(id: string): string | undefined {
  const m = /^(?:CWE-)?(\d+)$/i.exec(id.trim());
  return m ? m[1] : undefined;
}

export function cweUrl(id: string): string | undefined {
  const n = cweNumber(id);
  return n ? `https://cwe.mitre.org/data/definitions/${n}.html` : undefined;
}
