import { packageVersion } from '../../cli/version.js';
import { UsageError } from '../../core/errors.js';
import type { EvidenceDocument } from '../../governance/evidence.js';
import type { GateResult } from '../../governance/policy/gate.js';
import { writeFileAtomic } from '../../cli/io.js';
import { jsonReplacer } from '../util.js';
import type { ReportContext } from './common.js';
import { auditCoverage } from './coverage.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { auditOscal } from './oscal.js';
import { auditSarif } from './sarif.js';

export type ReportFormat = 'html' | 'md' | 'json' | 'sarif' | 'oscal';
export const REPORT_FORMATS: readonly ReportFormat[] = ['html', 'md', 'json', 'sarif', 'oscal'];

/** Version of the `bulwark.report` JSON layout. */
export const REPORT_SCHEMA_VERSION = '1.0';

export interface RenderOptions {
  /** The one timestamp of the report. Default: now. */
  generatedAt?: Date;
}

/** Builds what every renderer needs (coverage computed once). */
export function reportContext(
  evidence: EvidenceDocument,
  gate: GateResult | undefined,
  opts: RenderOptions = {},
): ReportContext {
  const at = opts.generatedAt ?? new Date();
  if (Number.isNaN(at.getTime()))
    throw new UsageError('generatedAt is not a valid date; give an ISO timestamp');
  return {
    evidence,
    gate,
    coverage: auditCoverage(evidence, gate),
    generatedAt: at.toISOString(),
    toolVersion: packageVersion(),
  };
}

/**
 * Renders an audit report. The output depends only on the evidence, the gate result and `generatedAt`: the same
 * input gives the same bytes except for that one timestamp.
 */
export function renderReport(
  evidence: EvidenceDocument,
  gate: GateResult | undefined,
  format: ReportFormat,
  opts: RenderOptions = {},
): string {
  const ctx = reportContext(evidence, gate, opts);
  switch (format) {
    case 'html':
      return renderHtml(ctx);
    case 'md':
      return renderMarkdown(ctx);
    case 'json':
      return `${JSON.stringify(
        {
          kind: 'bulwark.report',
          schemaVersion: REPORT_SCHEMA_VERSION,
          generatedAt: ctx.generatedAt,
          tool: { name: 'bulwark', version: ctx.toolVersion },
          evidence,
          gate: gate ?? null,
          coverage: ctx.coverage,
        },
        jsonReplacer,
        2,
      )}\n`;
    case 'sarif':
      return `${JSON.stringify(auditSarif(ctx), null, 2)}\n`;
    case 'oscal':
      return `${JSON.stringify(auditOscal(ctx), null, 2)}\n`;
    default:
      throw new UsageError(
        `unknown report format ${JSON.stringify(format)}; use one of ${REPORT_FORMATS.join(', ')}`,
      );
  }
}

/** Report format named by a file's extension: .html/.htm, .md, .sarif/.sarif.json, .oscal.json, .json. */
export function formatForFile(file: string): ReportFormat {
  const f = file.toLowerCase();
  if (f.endsWith('.html') || f.endsWith('.htm')) return 'html';
  if (f.endsWith('.md') || f.endsWith('.markdown')) return 'md';
  if (f.endsWith('.sarif') || f.endsWith('.sarif.json')) return 'sarif';
  if (f.endsWith('.oscal.json')) return 'oscal';
  if (f.endsWith('.json')) return 'json';
  throw new UsageError(
    `cannot tell the report format of ${JSON.stringify(file)}; end the name with .html, .md, .sarif, .oscal.json or .json`,
  );
}

/** Writes the report in the format named by the file's extension, atomically. */
export async function writeReportFile(
  evidence: EvidenceDocument,
  gate: GateResult | undefined,
  file: string,
  opts: RenderOptions = {},
): Promise<void> {
  const format = formatForFile(file);
  await writeFileAtomic(file, renderReport(evidence, gate, format, opts));
}
