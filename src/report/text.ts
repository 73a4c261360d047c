import type { Finding } from '../core/finding.js';
import { SEVERITIES, type Severity } from '../core/severity.js';
import type { Verdict } from '../core/verdict.js';
import type { FileResult, ScanReport } from '../scan/types.js';
import { formatBytes, formatDuration, innerPath, safeText } from './util.js';

export interface TextOptions {
  /** Write ANSI colours. Default false; the CLI turns it on for a TTY when NO_COLOR is unset (see useColor). */
  color?: boolean;
  /** List only files that need attention (suspicious, malicious, inconclusive), then the summary. */
  quiet?: boolean;
}

/** The few SGR codes used; no colour library needed. */
const SGR = {
  reset: '\u001b[0m',
  bold: '\u001b[1m',
  dim: '\u001b[2m',
  red: '\u001b[31m',
  green: '\u001b[32m',
  yellow: '\u001b[33m',
  magenta: '\u001b[35m',
  cyan: '\u001b[36m',
} as const;

type Style = keyof typeof SGR;

const VERDICT_STYLE: Record<Verdict | 'skipped', Style[]> = {
  clean: ['green'],
  suspicious: ['yellow', 'bold'],
  inconclusive: ['magenta', 'bold'],
  malicious: ['red', 'bold'],
  skipped: ['dim'],
};

const SEVERITY_STYLE: Record<Severity, Style[]> = {
  critical: ['red', 'bold'],
  high: ['red'],
  medium: ['yellow'],
  low: ['cyan'],
  info: ['dim'],
};

const LABEL_WIDTH = 'INCONCLUSIVE'.length;
const SEVERITY_WIDTH = 'critical'.length;

/**
 * Colour decision for a stream: only a TTY, and never when NO_COLOR is set to a non-empty value
 * (https://no-color.org). FORCE_COLOR is not consulted.
 */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}

/**
 * Human-readable report: one line per file (`VERDICT  path  [formats]`), its findings indented below it, skipped
 * files with their reason, and a summary block. Every string that came from a scanned file is escaped (safeText),
 * so hostile names and messages cannot inject terminal control sequences.
 */
export function toText(report: ScanReport, options: TextOptions = {}): string {
  const paint = (styles: Style[], text: string): string =>
    options.color ? `${styles.map((s) => SGR[s]).join('')}${text}${SGR.reset}` : text;
  const lines: string[] = [];

  const files = options.quiet
    ? report.files.filter((f) => !f.skipped && f.verdict !== 'clean')
    : report.files;
  for (const file of files) {
    lines.push(fileLine(file, paint));
    for (const finding of sortFindings(file.findings)) lines.push(...findingLines(finding, paint));
  }
  if (files.length > 0) lines.push('');

  lines.push(...summaryLines(report, paint));
  return `${lines.join('\n')}\n`;
}

function fileLine(file: FileResult, paint: (s: Style[], t: string) => string): string {
  const kind = file.skipped ? 'skipped' : file.verdict;
  const label = paint(VERDICT_STYLE[kind], kind.toUpperCase().padEnd(LABEL_WIDTH));
  const formats = file.formats.length ? `  [${file.formats.map(safeText).join(', ')}]` : '';
  const reason = file.skipped ? `  ${safeText(file.skipped)}` : '';
  return `${label}  ${safeText(file.path)}${formats}${reason}`;
}

function findingLines(finding: Finding, paint: (s: Style[], t: string) => string): string[] {
  const indent = '    ';
  const severity = paint(SEVERITY_STYLE[finding.severity], finding.severity.padEnd(SEVERITY_WIDTH));
  const lines = [`${indent}${severity}  ${safeText(finding.ruleId)}  ${safeText(finding.message)}`];
  const where: string[] = [];
  const inner = innerPath(finding.location);
  if (inner) where.push(`in ${safeText(inner)}`);
  if (finding.location.offset !== undefined) where.push(`at offset ${finding.location.offset}`);
  const pad = ' '.repeat(indent.length + SEVERITY_WIDTH + 2);
  if (where.length) lines.push(paint(['dim'], `${pad}${where.join(' ')}`));
  const calls = finding.evidence?.calls;
  if (Array.isArray(calls))
    for (const c of calls.slice(0, 3)) lines.push(paint(['dim'], `${pad}call: ${safeText(String(c))}`));
  return lines;
}

function sortFindings(findings: Finding[]): Finding[] {
  const rank = (s: Severity): number => SEVERITIES.indexOf(s);
  return [...findings].sort((a, b) => rank(a.severity) - rank(b.severity));
}

function summaryLines(report: ScanReport, paint: (s: Style[], t: string) => string): string[] {
  const s = report.summary;
  const bytes = report.files.reduce((n, f) => n + f.size, 0);
  const count = (n: number, styles: Style[]): string => (n > 0 ? paint(styles, String(n)) : String(n));
  const bySeverity = SEVERITIES.map(
    (sev) => `${count(s.findings[sev] ?? 0, SEVERITY_STYLE[sev])} ${sev}`,
  ).join(', ');
  const total = SEVERITIES.reduce((n, sev) => n + (s.findings[sev] ?? 0), 0);
  const row = (name: string, value: string): string => `  ${name.padEnd(13)} ${value}`;
  return [
    paint(['bold'], 'Summary'),
    row('files', `${s.files} (${formatBytes(bytes)})`),
    row('clean', count(s.clean, VERDICT_STYLE.clean)),
    row('suspicious', count(s.suspicious, VERDICT_STYLE.suspicious)),
    row('malicious', count(s.malicious, VERDICT_STYLE.malicious)),
    row('inconclusive', count(s.inconclusive, VERDICT_STYLE.inconclusive)),
    row('skipped', String(s.skipped)),
    row('findings', `${total}${total ? ` (${bySeverity})` : ''}`),
    row('duration', formatDuration(report.durationMs)),
  ];
}
