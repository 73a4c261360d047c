import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { getRule, type RuleMeta } from '../../core/rules.js';
import type { EvidenceDocument, EvidenceFinding } from '../../governance/evidence.js';
import type { RuleResult } from '../../governance/policy/gate.js';
import { PROJECT_URL } from '../links.js';
import {
  encodePath,
  fingerprint,
  FINGERPRINT_KEY,
  SARIF_LEVEL,
  SARIF_SCHEMA_URI,
  SECURITY_SEVERITY,
  SRCROOT,
  toSarif,
} from '../sarif.js';
import type { SarifReportingDescriptor } from '../sarif-types.js';
import type { ScanReport } from '../../scan/types.js';
import { INNER_SEPARATOR, innerPath, plainJson } from '../util.js';
import type { ReportContext } from './common.js';
import { findingControls } from './coverage.js';

/** uriBaseId of artifact URIs in audit SARIF: the audited subject (the directory, or the file's directory). */
export const SUBJECT_BASE_ID = 'SUBJECTROOT';
/** Prefix of the pseudo-rules that stand for gate policy rules. */
export const GATE_RULE_PREFIX = 'gate/';

/** Absolute path of the subject, when the evidence tells it (the scan's model input, or an absolute subject path). */
function subjectBase(ev: EvidenceDocument): string | undefined {
  const candidates = [
    ...ev.checks.flatMap((c) => c.source.inputs.filter((i) => i.role === 'model').map((i) => i.path)),
    ev.subject.path,
  ];
  return candidates.find((p) => path.isAbsolute(p));
}

/** Whether the subject is one file (the scan lists the subject path itself as a scanned file), not a directory. */
function subjectIsFile(ev: EvidenceDocument, base: string | undefined): boolean {
  const scanned = ev.checks.find((c) => c.id === 'scan')?.data.files;
  const paths = Array.isArray(scanned) ? scanned.map((f) => (f as { path?: unknown }).path) : [];
  const target = base ?? ev.subject.path;
  return paths.includes(target);
}

/** Directory that SUBJECTROOT stands for: the subject directory, or the directory of a single-file subject. */
function subjectRoot(ev: EvidenceDocument): { abs?: string; rel: string; isFile: boolean } {
  const base = subjectBase(ev);
  const isFile = subjectIsFile(ev, base);
  const given = ev.subject.path.split(path.sep).join('/');
  return {
    ...(base ? { abs: isFile ? path.dirname(base) : base } : {}),
    rel: isFile ? path.posix.dirname(given) : given,
    isFile,
  };
}

/** Artifact location of a finding's file: relative to the subject (uriBaseId SUBJECTROOT) or an absolute file: URI. */
export function subjectLocation(file: string, ev: EvidenceDocument): { uri: string; uriBaseId?: string } {
  const root = subjectRoot(ev);
  if (!root.abs) {
    // Paths as given on the command line: make them relative to the subject when they are below it.
    const f = file.split(path.sep).join('/');
    const rel = path.posix.relative(root.rel, f);
    const use = !rel || rel.startsWith('..') || path.posix.isAbsolute(rel) ? f : rel;
    return { uri: encodePath(use.replace(/^\/+/, '')), uriBaseId: SUBJECT_BASE_ID };
  }
  const abs = path.resolve(root.abs, file);
  const rel = path.relative(root.abs, abs);
  // The subject directory itself (e.g. a missing model card): the base.
  if (rel === '') return { uri: '.', uriBaseId: SUBJECT_BASE_ID };
  if (rel.startsWith('..') || path.isAbsolute(rel)) return { uri: pathToFileURL(abs).href };
  return { uri: encodePath(rel.split(path.sep).join('/')), uriBaseId: SUBJECT_BASE_ID };
}

/** What SUBJECTROOT resolves to: relative to %SRCROOT% when the subject was named by a relative path. */
function subjectBaseUri(ev: EvidenceDocument): Record<string, unknown> {
  const root = subjectRoot(ev);
  const description = { text: `The audited subject ${ev.subject.name} (${ev.subject.path})` };
  if (!path.isAbsolute(ev.subject.path)) {
    const rel = root.rel === '.' || root.rel === '' ? '' : `${encodePath(root.rel.replace(/\/+$/, ''))}/`;
    return { ...(rel ? { uri: rel } : {}), uriBaseId: SRCROOT, description };
  }
  return root.abs
    ? { uri: `${pathToFileURL(root.abs).href.replace(/\/+$/, '')}/`, description }
    : { description };
}

/** Location of results about the whole subject (gate rules): the subject as it was named. */
function wholeSubjectLocation(ev: EvidenceDocument): { uri: string; uriBaseId?: string } {
  if (path.isAbsolute(ev.subject.path)) return { uri: pathToFileURL(ev.subject.path).href };
  return {
    uri: encodePath(
      ev.subject.path
        .split(path.sep)
        .join('/')
        .replace(/^\.\/+/, ''),
    ),
    uriBaseId: SRCROOT,
  };
}

/** Rule descriptors of the registry, built by the scan SARIF writer (same text, tags and severities). */
function registryDescriptors(rules: RuleMeta[]): SarifReportingDescriptor[] {
  if (!rules.length) return [];
  const empty = {
    schemaVersion: '1.0',
    tool: { name: 'bulwark', version: '0.0.0' },
    startedAt: '',
    durationMs: 0,
    summary: {},
    files: [],
  } as unknown as ScanReport;
  return toSarif(empty, { rules, baseDir: '/' }).runs[0].tool.driver.rules ?? [];
}

function gateDescriptor(r: RuleResult): SarifReportingDescriptor {
  const controls = Object.entries(r.controls)
    .filter(([, v]) => v?.length)
    .map(([k, v]) => `${k}: ${v!.join(', ')}`);
  return {
    id: `${GATE_RULE_PREFIX}${r.id}`,
    name: `gate-${r.id.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
    shortDescription: { text: r.description },
    fullDescription: { text: `Gate policy rule ${r.id}: ${r.expression.replace(/\s+/g, ' ').trim()}` },
    help: {
      text: [
        r.description,
        r.remediation ? `Remediation: ${r.remediation}` : '',
        controls.length ? `Controls: ${controls.join('; ')}` : '',
      ]
        .filter(Boolean)
        .join('\n\n'),
    },
    defaultConfiguration: { level: SARIF_LEVEL[r.severity] },
    properties: {
      tags: ['governance', 'gate'],
      'security-severity': SECURITY_SEVERITY[r.severity],
      severity: r.severity,
      origin: r.origin,
      controls: plainJson(r.controls),
    },
  };
}

/**
 * SARIF 2.1.0 of an audit: one result per finding of every pillar (rules from the registry), plus one result per
 * failed gate rule (pseudo-rule `gate/<id>`, located at the subject); waived failures carry an accepted suppression.
 */
export function auditSarif(ctx: ReportContext): Record<string, unknown> {
  const ev = ctx.evidence;
  const used = [...new Set(ev.findings.map((f) => f.ruleId))].sort();
  const known = used.map((id) => getRule(id)).filter((r): r is RuleMeta => r !== undefined);
  const descriptors: SarifReportingDescriptor[] = [
    ...registryDescriptors(known),
    ...used.filter((id) => !getRule(id)).map((id) => ({ id, shortDescription: { text: id } })),
  ];
  const gateRules = (ctx.gate?.results ?? []).filter((r) => r.status === 'fail' || r.status === 'waived');
  descriptors.push(...gateRules.map(gateDescriptor));
  const index = new Map(descriptors.map((d, i) => [d.id, i]));

  const results: Record<string, unknown>[] = ev.findings.map((f) =>
    findingResult(f, ev, index.get(f.ruleId)!),
  );
  const subjectLoc = {
    physicalLocation: { artifactLocation: wholeSubjectLocation(ev) },
  };
  for (const r of gateRules) {
    results.push({
      ruleId: `${GATE_RULE_PREFIX}${r.id}`,
      ruleIndex: index.get(`${GATE_RULE_PREFIX}${r.id}`),
      level: SARIF_LEVEL[r.severity],
      message: { text: `Gate rule ${r.id} failed: ${r.description} (${r.message})` },
      locations: [subjectLoc],
      partialFingerprints: {
        [FINGERPRINT_KEY]: fingerprint(
          `${GATE_RULE_PREFIX}${r.id}`,
          ev.subject.name,
          undefined,
          r.expression,
        ),
      },
      ...(r.status === 'waived' && r.waiver
        ? {
            suppressions: [
              {
                kind: 'external',
                status: 'accepted',
                justification: `${r.waiver.reason} (approved by ${r.waiver.approver}, expires ${r.waiver.expires})`,
              },
            ],
          }
        : {}),
      properties: {
        'security-severity': SECURITY_SEVERITY[r.severity],
        severity: r.severity,
        gateStatus: r.status,
        evidence: plainJson(r.evidence),
        witnesses: plainJson(r.witnesses),
        controls: plainJson(r.controls),
        ...(r.remediation ? { remediation: r.remediation } : {}),
      },
    });
  }
  const errors = ev.checks.filter((c) => c.status === 'error' || c.status === 'inconclusive');
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Bulwark',
            version: ctx.toolVersion,
            ...(/^\d+\.\d+\.\d+/.test(ctx.toolVersion) ? { semanticVersion: ctx.toolVersion } : {}),
            informationUri: PROJECT_URL,
            rules: descriptors,
          },
        },
        originalUriBaseIds: { [SUBJECT_BASE_ID]: subjectBaseUri(ev) },
        invocations: [
          {
            executionSuccessful: errors.length === 0,
            ...(errors.length
              ? {
                  toolExecutionNotifications: errors.map((c) => ({
                    level: c.status === 'error' ? 'error' : 'warning',
                    message: { text: `check ${c.id} ${c.status}: ${c.reason}` },
                  })),
                }
              : {}),
          },
        ],
        results,
        properties: {
          kind: 'bulwark.audit',
          generatedAt: ctx.generatedAt,
          subject: plainJson(ev.subject),
          summary: plainJson(ev.summary),
          ...(ctx.gate
            ? { gate: { policy: ctx.gate.policy.name, outcome: ctx.gate.outcome, counts: ctx.gate.counts } }
            : {}),
        },
      },
    ],
  };
}

function findingResult(f: EvidenceFinding, ev: EvidenceDocument, ruleIndex: number): Record<string, unknown> {
  const artifact = subjectLocation(f.location.file, ev);
  const inner = innerPath(f.location);
  const location: Record<string, unknown> = { physicalLocation: { artifactLocation: artifact } };
  const offset = f.location.offset;
  if (!inner && offset !== undefined && Number.isSafeInteger(offset) && offset >= 0)
    (location.physicalLocation as Record<string, unknown>).region = { byteOffset: offset };
  if (inner)
    location.logicalLocations = [
      {
        name: f.location.inner![f.location.inner!.length - 1],
        fullyQualifiedName: `${artifact.uri}${INNER_SEPARATOR}${inner}`,
        kind: 'member',
      },
    ];
  const properties: Record<string, unknown> = {
    'security-severity': SECURITY_SEVERITY[f.severity],
    severity: f.severity,
    confidence: f.confidence,
    impact: f.impact,
    check: f.check,
    pillar: f.pillar,
    controls: plainJson(findingControls(f.ruleId, f.references)),
  };
  if (inner) {
    properties.innerPath = inner;
    properties.innerPathSegments = [...f.location.inner!];
    if (offset !== undefined) properties.innerOffset = offset;
  }
  if (f.evidence) properties.evidence = plainJson(f.evidence);
  if (f.remediation) properties.remediation = f.remediation;
  return {
    ruleId: f.ruleId,
    ruleIndex,
    level: SARIF_LEVEL[f.severity],
    message: { text: f.message },
    locations: [location],
    partialFingerprints: { [FINGERPRINT_KEY]: fingerprint(f.ruleId, artifact.uri, inner, f.message) },
    properties,
  };
}
