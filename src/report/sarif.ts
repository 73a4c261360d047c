import { realpathSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Finding, References } from '../core/finding.js';
import { allRules, getRule, type RuleMeta } from '../core/rules.js';
import type { Severity } from '../core/severity.js';
import type { FileResult, ScanReport } from '../scan/types.js';
import {
  atlasUrl,
  cweNumber,
  cweUrl,
  OWASP_ML_TOP10_URL,
  PROJECT_URL,
  ruleDocsPath,
  ruleDocsUrl,
} from './links.js';
import type {
  SarifArtifact,
  SarifArtifactLocation,
  SarifLevel,
  SarifLocation,
  SarifLog,
  SarifNotification,
  SarifReportingDescriptor,
  SarifResult,
} from './sarif-types.js';
import { INNER_SEPARATOR, innerPath, plainJson } from './util.js';

export type * from './sarif-types.js';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';

/** Base id of relative artifact URIs: the directory the scan ran from (GitHub code scanning resolves it to the checkout). */
export const SRCROOT = '%SRCROOT%';

/** Key of Bulwark's entry in result.partialFingerprints. Bump the suffix if the hashed fields ever change. */
export const FINGERPRINT_KEY = 'bulwarkFinding/v1';

/** SARIF level of each severity. */
export const SARIF_LEVEL: Readonly<Record<Severity, SarifLevel>> = Object.freeze({
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
});

/** The numeric score GitHub code scanning reads from properties["security-severity"] (a string, 0.0–10.0). */
export const SECURITY_SEVERITY: Readonly<Record<Severity, string>> = Object.freeze({
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.0',
});

const PRECISION: Readonly<Record<RuleMeta['confidence'], string>> = {
  high: 'high',
  medium: 'medium',
  low: 'low',
};

export interface SarifOptions {
  /** Directory that artifact URIs are made relative to. Default: the current working directory. */
  baseDir?: string;
  /** Rules listed in tool.driver.rules. Default: every registered rule (allRules()). */
  rules?: RuleMeta[];
  /** Process exit code to record in the invocation. */
  exitCode?: number;
}

/**
 * Converts a scan report to a SARIF 2.1.0 log with one run. Rules carry ATLAS/OWASP tags and GitHub's
 * security-severity; results carry stable partial fingerprints; inconclusive files make the invocation unsuccessful
 * and are listed as tool execution notifications.
 */
export function toSarif(report: ScanReport, options: SarifOptions = {}): SarifLog {
  const baseDir = path.resolve(options.baseDir ?? process.cwd());
  const rules = [...(options.rules ?? allRules())];
  const ruleIndex = new Map<string, number>();
  const descriptors: SarifReportingDescriptor[] = [];
  const addRule = (id: string): number => {
    let index = ruleIndex.get(id);
    if (index === undefined) {
      const meta = rules.find((r) => r.id === id) ?? getRule(id);
      index = descriptors.length;
      descriptors.push(meta ? ruleDescriptor(meta) : { id, shortDescription: { text: id } });
      ruleIndex.set(id, index);
    }
    return index;
  };
  for (const rule of rules) addRule(rule.id);

  const artifacts: SarifArtifact[] = [];
  const results: SarifResult[] = [];
  const notifications: SarifNotification[] = [];

  for (const file of report.files) {
    const fileLocation = artifactLocation(file.path, baseDir);
    const fileIndex = artifacts.length;
    artifacts.push(fileArtifact(file, fileLocation));
    addMemberArtifacts(file, fileIndex, artifacts);

    for (const finding of file.findings) {
      const findingFile = finding.location.file || file.path;
      const location =
        findingFile === file.path
          ? { ...fileLocation, index: fileIndex }
          : artifactLocation(findingFile, baseDir);
      results.push(sarifResult(finding, file, location, addRule(finding.ruleId)));
    }

    if (file.verdict === 'inconclusive')
      notifications.push(inconclusiveNotification(file, fileLocation, ruleIndex));
  }

  const started = Date.parse(report.startedAt);
  const invocation: SarifLog['runs'][number]['invocations'] = [
    {
      executionSuccessful: notifications.length === 0,
      ...(Number.isFinite(started)
        ? {
            startTimeUtc: new Date(started).toISOString(),
            endTimeUtc: new Date(started + Math.max(0, report.durationMs)).toISOString(),
          }
        : {}),
      ...(options.exitCode !== undefined ? { exitCode: options.exitCode } : {}),
      ...(notifications.length ? { toolExecutionNotifications: notifications } : {}),
    },
  ];

  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Bulwark',
            version: report.tool.version,
            ...(/^\d+\.\d+\.\d+/.test(report.tool.version) ? { semanticVersion: report.tool.version } : {}),
            informationUri: PROJECT_URL,
            rules: descriptors,
          },
        },
        invocations: invocation,
        artifacts,
        results,
        properties: { reportSchemaVersion: report.schemaVersion, summary: plainJson(report.summary) },
      },
    ],
  };
}

/** Serialised SARIF log, two-space indented, ending with a newline. */
export function renderSarif(report: ScanReport, options: SarifOptions = {}): string {
  return `${JSON.stringify(toSarif(report, options), null, 2)}\n`;
}

export function ruleTags(rule: Pick<RuleMeta, 'references' | 'family'>): string[] {
  const tags = ['security', rule.family.toLowerCase()];
  const refs: References = rule.references ?? {};
  for (const id of refs.atlas ?? []) tags.push(`external/atlas/${id}`);
  for (const id of refs.owaspMl ?? []) tags.push(`external/owasp-ml/${id}`);
  for (const id of refs.owaspLlm ?? []) tags.push(`external/owasp-llm/${id}`);
  for (const id of refs.cwe ?? []) {
    const n = cweNumber(id);
    if (n) tags.push(`external/cwe/cwe-${n}`);
  }
  return [...new Set(tags)];
}

function ruleDescriptor(rule: RuleMeta): SarifReportingDescriptor {
  const url = ruleDocsUrl(rule);
  const refs = rule.references ?? {};
  const refLines: string[] = [];
  const refText: string[] = [];
  if (refs.atlas?.length) {
    refLines.push(`- MITRE ATLAS: ${refs.atlas.map((id) => `[${id}](${atlasUrl(id)})`).join(', ')}`);
    refText.push(`MITRE ATLAS ${refs.atlas.join(', ')}`);
  }
  if (refs.owaspMl?.length) {
    refLines.push(
      `- OWASP ML Top 10: ${refs.owaspMl.map((id) => `[${id}](${OWASP_ML_TOP10_URL})`).join(', ')}`,
    );
    refText.push(`OWASP ML Top 10 ${refs.owaspMl.join(', ')}`);
  }
  for (const [key, label] of [
    ['owaspLlm', 'OWASP LLM Top 10'],
    ['euAiAct', 'EU AI Act'],
    ['nistAiRmf', 'NIST AI RMF'],
    ['iso42001', 'ISO/IEC 42001'],
  ] as const) {
    const ids = refs[key];
    if (ids?.length) {
      refLines.push(`- ${label}: ${ids.join(', ')}`);
      refText.push(`${label} ${ids.join(', ')}`);
    }
  }
  if (refs.cwe?.length) {
    refLines.push(`- CWE: ${refs.cwe.map((id) => (cweUrl(id) ? `[${id}](${cweUrl(id)})` : id)).join(', ')}`);
    refText.push(`CWE ${refs.cwe.join(', ')}`);
  }
  const text = [
    `${rule.title}.`,
    rule.description,
    `Remediation: ${rule.remediation}`,
    ...(refText.length ? [`References: ${refText.join('; ')}.`] : []),
    `Documentation: ${ruleDocsPath(rule)} (${url})`,
  ].join('\n\n');
  const markdown = [
    `**${rule.title}** (\`${rule.id}\`)`,
    rule.description,
    `**Remediation:** ${rule.remediation}`,
    ...(refLines.length ? [`**References**\n\n${refLines.join('\n')}`] : []),
    `[Documentation](${url}) (\`${ruleDocsPath(rule)}\`)`,
  ].join('\n\n');
  return {
    id: rule.id,
    name: rule.name,
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.description },
    help: { text, markdown },
    helpUri: url,
    defaultConfiguration: { level: SARIF_LEVEL[rule.severity] },
    properties: {
      tags: ruleTags(rule),
      'security-severity': SECURITY_SEVERITY[rule.severity],
      precision: PRECISION[rule.confidence],
      severity: rule.severity,
      impact: rule.impact,
      family: rule.family,
    },
  };
}

function sarifResult(
  finding: Finding,
  file: FileResult,
  artifact: SarifArtifactLocation,
  ruleIndex: number,
): SarifResult {
  const inner = innerPath(finding.location);
  const offset = finding.location.offset;
  const location: SarifLocation = { physicalLocation: { artifactLocation: artifact } };
  // A byte offset names a region of the file on disk only when the finding is in the file itself; inside a
  // container it counts in the decompressed member, so it goes to properties.innerOffset instead.
  if (!inner && offset !== undefined && Number.isSafeInteger(offset) && offset >= 0)
    location.physicalLocation!.region = { byteOffset: offset };
  if (inner) {
    const segments = finding.location.inner!;
    location.logicalLocations = [
      {
        name: segments[segments.length - 1],
        fullyQualifiedName: `${file.path}${INNER_SEPARATOR}${inner}`,
        kind: 'member',
      },
    ];
  }
  const properties: Record<string, unknown> = {
    'security-severity': SECURITY_SEVERITY[finding.severity],
    severity: finding.severity,
    confidence: finding.confidence,
    impact: finding.impact,
    verdict: file.verdict,
  };
  if (inner) {
    properties.innerPath = inner;
    properties.innerPathSegments = [...finding.location.inner!];
    if (offset !== undefined) properties.innerOffset = offset;
  }
  if (finding.evidence) properties.evidence = plainJson(finding.evidence);
  if (finding.remediation) properties.remediation = finding.remediation;
  if (finding.references) properties.references = plainJson(finding.references);
  return {
    ruleId: finding.ruleId,
    ruleIndex,
    level: SARIF_LEVEL[finding.severity],
    message: { text: finding.message },
    locations: [location],
    partialFingerprints: {
      [FINGERPRINT_KEY]: fingerprint(finding.ruleId, artifact.uri ?? file.path, inner, finding.message),
    },
    properties,
  };
}

/** Stable hash of rule id, file, inner path and message: the same finding in the same place keeps its identity. */
export function fingerprint(
  ruleId: string,
  file: string,
  inner: string | undefined,
  message: string,
): string {
  return createHash('sha256')
    .update(JSON.stringify([ruleId, file, inner ?? '', message]))
    .digest('hex')
    .slice(0, 32);
}

function fileArtifact(file: FileResult, location: SarifArtifactLocation): SarifArtifact {
  const properties: Record<string, unknown> = { verdict: file.verdict, formats: [...file.formats] };
  if (file.skipped) properties.skipped = file.skipped;
  return { location, length: file.size, roles: ['analysisTarget'], properties };
}

/** Members of containers become nested artifacts (parentIndex) whose URI is the member name. */
function addMemberArtifacts(file: FileResult, fileIndex: number, artifacts: SarifArtifact[]): void {
  const byInner = new Map<string, number>();
  for (const member of file.members ?? []) {
    if (member.inner.length === 0) continue;
    const parentKey = JSON.stringify(member.inner.slice(0, -1));
    const parentIndex = member.inner.length > 1 ? (byInner.get(parentKey) ?? fileIndex) : fileIndex;
    const name = member.inner[member.inner.length - 1];
    const properties: Record<string, unknown> = {
      verdict: member.verdict,
      formats: [...member.formats],
      innerPath: member.inner.join(INNER_SEPARATOR),
    };
    if (member.skipped) properties.skipped = member.skipped;
    byInner.set(JSON.stringify(member.inner), artifacts.length);
    artifacts.push({ location: { uri: encodePath(name) }, parentIndex, properties });
  }
}

function inconclusiveNotification(
  file: FileResult,
  location: SarifArtifactLocation,
  ruleIndex: Map<string, number>,
): SarifNotification {
  const causes = file.findings.filter((f) => f.impact === 'inconclusive');
  const reasons = causes.map((f) => {
    const inner = innerPath(f.location);
    return inner ? `${inner}: ${f.message}` : f.message;
  });
  if (reasons.length === 0) reasons.push(file.skipped ?? 'an analysis could not complete');
  const shown =
    reasons.slice(0, 3).join('; ') + (reasons.length > 3 ? `; and ${reasons.length - 3} more` : '');
  const notification: SarifNotification = {
    level: 'error',
    message: { text: `${file.path} is inconclusive: ${shown}` },
    locations: [{ physicalLocation: { artifactLocation: location } }],
  };
  if (causes.length) {
    const index = ruleIndex.get(causes[0].ruleId);
    notification.associatedRule = { id: causes[0].ruleId, ...(index !== undefined ? { index } : {}) };
  }
  return notification;
}

/**
 * URI of a scanned file: relative to baseDir (forward slashes, each segment percent-encoded, uriBaseId %SRCROOT%)
 * when the file is below it, else an absolute file: URI.
 */
export function artifactLocation(filePath: string, baseDir: string): SarifArtifactLocation {
  const absolute = path.resolve(baseDir, filePath);
  // Compare real paths: the working directory is always resolved, a scanned path may go through a symlink.
  const relative = path.relative(realOrSelf(baseDir), realOrSelf(absolute));
  const outside =
    relative === '' || relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
  if (outside) return { uri: pathToFileURL(wellFormed(absolute)).href };
  return { uri: encodePath(relative.split(path.sep).join('/')), uriBaseId: SRCROOT };
}

function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** Percent-encodes each "/"-separated segment of a relative path. */
export function encodePath(p: string): string {
  return wellFormed(p).split('/').map(encodeURIComponent).join('/');
}

/** Lone surrogates (which encodeURIComponent rejects) become U+FFFD. */
function wellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}
