import { atLeast, type Severity } from '../core/severity.js';
import type { ScanReport } from '../scan/types.js';

/** Process exit codes of the bulwark CLI. Documented in docs/exit-codes.md; never renumbered. */
export const ExitCode = {
  /** No finding at or above --fail-on, no malicious file, nothing inconclusive. */
  Clean: 0,
  /** A finding at or above --fail-on, or a malicious file. */
  Findings: 1,
  /** No exit-1 condition, but a file is inconclusive or could not be read, or the report could not be written. */
  Inconclusive: 2,
  /** Bad invocation: unknown flag or value, missing or nonexistent path, bad config file, nothing to scan. */
  Usage: 3,
  /** Unexpected exception: a bug in Bulwark. */
  Internal: 4,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Default of --fail-on: high and critical findings fail; medium (suspicious) ones are reported but do not. */
export const DEFAULT_FAIL_ON: Severity = 'high';

/**
 * Exit code for a finished scan: 1 if any file is malicious or any finding is at or above `failOn`; else 2 if any
 * file is inconclusive; else 0. Skipped files do not change the outcome.
 */
export function scanExitCode(report: ScanReport, failOn: Severity): ExitCode {
  const failing = report.files.some(
    (f) => f.verdict === 'malicious' || f.findings.some((finding) => atLeast(finding.severity, failOn)),
  );
  if (failing) return ExitCode.Findings;
  if (report.files.some((f) => f.verdict === 'inconclusive')) return ExitCode.Inconclusive;
  return ExitCode.Clean;
}
