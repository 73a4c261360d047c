import type { ScanReport } from '../scan/types.js';
import { jsonReplacer } from './util.js';

/** Version of the JSON report layout (docs/schema/scan-report.schema.json). */
export const JSON_SCHEMA_VERSION = '1.0';

/** Where the JSON Schema of the report lives inside the repository and the npm package. */
export const JSON_SCHEMA_PATH = 'docs/schema/scan-report.schema.json';

export interface JsonOptions {
  /** Indentation; 0 writes one line. Default 2. */
  indent?: number;
}

/**
 * The stable JSON output: the ScanReport object itself, as documented in docs/output-formats.md and
 * docs/schema/scan-report.schema.json. Ends with a newline.
 */
export function toJson(report: ScanReport, options: JsonOptions = {}): string {
  const indent = options.indent ?? 2;
  return `${JSON.stringify(report, jsonReplacer, indent > 0 ? indent : undefined)}\n`;
}
