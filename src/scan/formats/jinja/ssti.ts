// PLACEHOLDER: the Jinja template analysis (issue 2) replaces this file.
import type { ScanContext } from '../../types.js';

/** Analyses a Jinja template (chat template) for server-side template injection; findings go to ctx. */
export function analyzeTemplate(
  _template: string,
  _ctx: ScanContext,
  _opts: { source: string; offset?: number },
): void {}
