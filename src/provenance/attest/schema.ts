/**
 * Structural (schema-less) checks of in-toto statements and the predicates Bulwark emits or accepts. Every check
 * returns a list of problems; an empty list means the shape is valid. Inputs are untrusted JSON.
 */
import { INTOTO_STATEMENT_V1 } from '../bundle.js';
import { digestSetProblem } from './digest.js';
import {
  CYCLONEDX_PREDICATE,
  DEPENDENCY_ROLES,
  SCAN_PREDICATE_V1,
  SLSA_PROVENANCE_V1,
  SPDX3_PREDICATE,
  TRAINING_BUILD_TYPE_V1,
} from './types.js';

export type AttestationKind = 'scan' | 'bom' | 'slsa-training' | 'unknown';

/** Predicate types checkAttestation understands, and the kind each one is. */
export function kindOfPredicate(predicateType: unknown, predicate?: unknown): AttestationKind {
  if (predicateType === SCAN_PREDICATE_V1) return 'scan';
  if (predicateType === CYCLONEDX_PREDICATE || predicateType === SPDX3_PREDICATE) return 'bom';
  if (predicateType === SLSA_PROVENANCE_V1) {
    const bt = (predicate as { buildDefinition?: { buildType?: unknown } } | undefined)?.buildDefinition
      ?.buildType;
    // SLSA provenance of some other build (e.g. CI packaging) is understood, but is not a training run.
    return bt === TRAINING_BUILD_TYPE_V1 ? 'slsa-training' : 'unknown';
  }
  return 'unknown';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 3339 date-time (what protobuf Timestamp JSON and SLSA use). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
export function isTimestamp(v: unknown): v is string {
  return typeof v === 'string' && RFC3339.test(v) && !Number.isNaN(Date.parse(v));
}

/** A TypeURI: an absolute URI with a scheme. */
export function isTypeUri(v: unknown): v is string {
  return typeof v === 'string' && /^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/.test(v);
}

/** in-toto Statement v1 envelope fields. */
export function statementProblems(s: unknown): string[] {
  if (!isObject(s)) return ['statement is not a JSON object'];
  const out: string[] = [];
  if (s._type !== INTOTO_STATEMENT_V1) out.push(`_type is not ${INTOTO_STATEMENT_V1}`);
  if (!Array.isArray(s.subject) || s.subject.length === 0) out.push('subject is missing or empty');
  else
    s.subject.forEach((sub: unknown, i) => {
      if (!isObject(sub)) return out.push(`subject[${i}] is not an object`);
      if (sub.name !== undefined && typeof sub.name !== 'string')
        out.push(`subject[${i}].name is not a string`);
      const p = digestSetProblem(sub.digest);
      if (p) out.push(`subject[${i}]: ${p}`);
    });
  if (!isTypeUri(s.predicateType)) out.push('predicateType is not a URI');
  if (!isObject(s.predicate)) out.push('predicate is not an object');
  return out;
}

/** in-toto ResourceDescriptor v1. */
export function resourceDescriptorProblems(rd: unknown, where: string): string[] {
  if (!isObject(rd)) return [`${where} is not an object`];
  const out: string[] = [];
  if (rd.uri === undefined && rd.digest === undefined && rd.content === undefined)
    out.push(`${where} has none of uri, digest, content`);
  for (const k of ['name', 'uri', 'content', 'downloadLocation', 'mediaType'] as const)
    if (rd[k] !== undefined && typeof rd[k] !== 'string') out.push(`${where}.${k} is not a string`);
  if (rd.uri !== undefined && !isTypeUri(rd.uri)) out.push(`${where}.uri is not a URI`);
  if (rd.digest !== undefined) {
    const p = digestSetProblem(rd.digest);
    if (p) out.push(`${where}: ${p}`);
  }
  if (rd.annotations !== undefined && !isObject(rd.annotations))
    out.push(`${where}.annotations is not an object`);
  return out;
}

const VERDICTS = new Set(['clean', 'suspicious', 'malicious', 'inconclusive']);
const SEVERITIES = new Set(['critical', 'high', 'medium', 'low', 'info']);
const COUNT_KEYS = ['files', 'clean', 'suspicious', 'malicious', 'inconclusive', 'skipped'] as const;

const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** `https://bulwark.dev/attestation/scan/v1`. */
export function scanPredicateProblems(p: unknown): string[] {
  if (!isObject(p)) return ['predicate is not an object'];
  const out: string[] = [];
  const sc = p.scanner;
  if (!isObject(sc) || typeof sc.name !== 'string' || typeof sc.version !== 'string')
    out.push('predicate.scanner must have name and version strings');
  else if (!isObject(sc.ruleSet) || typeof sc.ruleSet.version !== 'string' || !isCount(sc.ruleSet.rules))
    out.push('predicate.scanner.ruleSet must have a version string and a rules count');
  if (!isTimestamp(p.scannedOn)) out.push('predicate.scannedOn is not an RFC 3339 timestamp');
  if (!isCount(p.durationMs)) out.push('predicate.durationMs is not a non-negative integer');
  if (!VERDICTS.has(p.verdict as string)) out.push('predicate.verdict is not a verdict');
  const sum = p.summary;
  if (!isObject(sum)) out.push('predicate.summary is not an object');
  else {
    for (const k of COUNT_KEYS) if (!isCount(sum[k])) out.push(`predicate.summary.${k} is not a count`);
    if (!isObject(sum.findings) || !Object.values(sum.findings).every(isCount))
      out.push('predicate.summary.findings is not a map of counts');
  }
  if (!Array.isArray(p.files)) out.push('predicate.files is not an array');
  else {
    if (isObject(sum) && isCount(sum.files) && p.truncated !== true && sum.files !== p.files.length)
      out.push(
        `predicate.summary.files (${String(sum.files)}) differs from the ${p.files.length} files listed`,
      );
    p.files.forEach((f: unknown, i) => {
      const w = `predicate.files[${i}]`;
      if (!isObject(f)) return out.push(`${w} is not an object`);
      if (typeof f.path !== 'string' || f.path === '') out.push(`${w}.path is not a string`);
      if (!VERDICTS.has(f.verdict as string)) out.push(`${w}.verdict is not a verdict`);
      if (!isCount(f.size)) out.push(`${w}.size is not a count`);
      if (f.digest !== undefined) {
        const dp = digestSetProblem(f.digest);
        if (dp) out.push(`${w}: ${dp}`);
      }
      if (!Array.isArray(f.findings)) return out.push(`${w}.findings is not an array`);
      f.findings.forEach((x: unknown, j) => {
        const wf = `${w}.findings[${j}]`;
        if (!isObject(x)) return out.push(`${wf} is not an object`);
        if (typeof x.ruleId !== 'string' || !/^BW-[A-Z0-9]+-\d{3}$/.test(x.ruleId))
          out.push(`${wf}.ruleId is not a rule id`);
        if (!SEVERITIES.has(x.severity as string)) out.push(`${wf}.severity is not a severity`);
        if (typeof x.message !== 'string') out.push(`${wf}.message is not a string`);
        if (!isObject(x.location)) out.push(`${wf}.location is not an object`);
      });
    });
  }
  return out.slice(0, 20);
}

/** CycloneDX JSON (any 1.x spec version), as far as an attestation verifier needs. */
export function cycloneDxProblems(p: unknown): string[] {
  if (!isObject(p)) return ['predicate is not an object'];
  const out: string[] = [];
  if (p.bomFormat !== 'CycloneDX') out.push('predicate.bomFormat is not "CycloneDX"');
  if (typeof p.specVersion !== 'string' || !/^1\.\d+$/.test(p.specVersion))
    out.push('predicate.specVersion is not a CycloneDX 1.x version');
  if (p.components !== undefined && !Array.isArray(p.components))
    out.push('predicate.components is not an array');
  if (p.metadata !== undefined && !isObject(p.metadata)) out.push('predicate.metadata is not an object');
  return out;
}

/** SPDX 3 JSON-LD document. */
export function spdxProblems(p: unknown): string[] {
  if (!isObject(p)) return ['predicate is not an object'];
  const out: string[] = [];
  const ctx = p['@context'];
  if (typeof ctx !== 'string' || !/^https:\/\/spdx\.org\/rdf\/3\./.test(ctx))
    out.push('predicate["@context"] is not an SPDX 3 context');
  if (!Array.isArray(p['@graph'])) out.push('predicate["@graph"] is not an array');
  return out;
}

/** SLSA Provenance v1 (`https://slsa.dev/provenance/v1`), field by field as in the spec. */
export function slsaProblems(p: unknown): string[] {
  if (!isObject(p)) return ['predicate is not an object'];
  const out: string[] = [];
  const bd = p.buildDefinition;
  if (!isObject(bd)) out.push('predicate.buildDefinition is missing');
  else {
    if (!isTypeUri(bd.buildType)) out.push('buildDefinition.buildType is not a URI');
    if (!isObject(bd.externalParameters)) out.push('buildDefinition.externalParameters is not an object');
    if (bd.internalParameters !== undefined && !isObject(bd.internalParameters))
      out.push('buildDefinition.internalParameters is not an object');
    if (bd.resolvedDependencies !== undefined) {
      if (!Array.isArray(bd.resolvedDependencies))
        out.push('buildDefinition.resolvedDependencies is not an array');
      else
        bd.resolvedDependencies.forEach((rd: unknown, i) =>
          out.push(...resourceDescriptorProblems(rd, `resolvedDependencies[${i}]`)),
        );
    }
  }
  const rd = p.runDetails;
  if (!isObject(rd)) out.push('predicate.runDetails is missing');
  else {
    const b = rd.builder;
    if (!isObject(b) || !isTypeUri(b.id)) out.push('runDetails.builder.id is not a URI');
    else {
      if (
        b.version !== undefined &&
        (!isObject(b.version) || !Object.values(b.version).every((v) => typeof v === 'string'))
      )
        out.push('runDetails.builder.version is not a map of strings');
      if (b.builderDependencies !== undefined) {
        if (!Array.isArray(b.builderDependencies))
          out.push('runDetails.builder.builderDependencies is not an array');
        else
          b.builderDependencies.forEach((d: unknown, i) =>
            out.push(...resourceDescriptorProblems(d, `builderDependencies[${i}]`)),
          );
      }
    }
    const m = rd.metadata;
    if (m !== undefined) {
      if (!isObject(m)) out.push('runDetails.metadata is not an object');
      else {
        if (m.invocationId !== undefined && typeof m.invocationId !== 'string')
          out.push('runDetails.metadata.invocationId is not a string');
        for (const k of ['startedOn', 'finishedOn'] as const)
          if (m[k] !== undefined && !isTimestamp(m[k]))
            out.push(`runDetails.metadata.${k} is not an RFC 3339 timestamp`);
        if (
          isTimestamp(m.startedOn) &&
          isTimestamp(m.finishedOn) &&
          Date.parse(m.finishedOn) < Date.parse(m.startedOn)
        )
          out.push('runDetails.metadata.finishedOn is before startedOn');
      }
    }
    if (rd.byproducts !== undefined) {
      if (!Array.isArray(rd.byproducts)) out.push('runDetails.byproducts is not an array');
      else
        rd.byproducts.forEach((d: unknown, i) =>
          out.push(...resourceDescriptorProblems(d, `byproducts[${i}]`)),
        );
    }
  }
  return out.slice(0, 20);
}

const ROLES = new Set<string>(DEPENDENCY_ROLES);

/** The training buildType's own requirements, on top of SLSA v1. */
export function trainingProblems(p: unknown): string[] {
  const out = slsaProblems(p);
  if (out.length) return out;
  const bd = (p as { buildDefinition: Record<string, unknown> }).buildDefinition;
  if (bd.buildType !== TRAINING_BUILD_TYPE_V1) return out; // Another buildType: SLSA shape only.
  const ext = bd.externalParameters as Record<string, unknown>;
  if (typeof ext.entryPoint !== 'string' || ext.entryPoint === '')
    out.push('externalParameters.entryPoint is not a non-empty string');
  if (ext.parameters !== undefined && !isObject(ext.parameters))
    out.push('externalParameters.parameters is not an object');
  const deps = (bd.resolvedDependencies ?? []) as Record<string, unknown>[];
  let bases = 0;
  let training = 0;
  deps.forEach((d, i) => {
    const role = isObject(d.annotations) ? d.annotations.role : undefined;
    if (typeof role !== 'string' || !ROLES.has(role))
      return out.push(
        `resolvedDependencies[${i}].annotations.role is not one of ${DEPENDENCY_ROLES.join(', ')}`,
      );
    if (role === 'base-model') bases++;
    if (role === 'training-data') training++;
    if (['base-model', 'training-data', 'evaluation-data'].includes(role)) {
      if (!isObject(d.digest) || typeof d.digest.sha256 !== 'string')
        out.push(`resolvedDependencies[${i}] (${role}) has no sha256 digest`);
      if (typeof d.name !== 'string' || d.name === '')
        out.push(`resolvedDependencies[${i}] (${role}) has no name`);
    }
    if (role === 'source-code' && (!isObject(d.digest) || typeof d.digest.gitCommit !== 'string'))
      out.push(`resolvedDependencies[${i}] (source-code) has no gitCommit digest`);
  });
  if (bases > 1) out.push('more than one base-model dependency');
  if (training === 0) out.push('no training-data dependency');
  return out;
}

/** Problems of a predicate of a known type; undefined for an unknown type. */
export function predicateProblems(predicateType: unknown, predicate: unknown): string[] | undefined {
  switch (predicateType) {
    case SCAN_PREDICATE_V1:
      return scanPredicateProblems(predicate);
    case CYCLONEDX_PREDICATE:
      return cycloneDxProblems(predicate);
    case SPDX3_PREDICATE:
      return spdxProblems(predicate);
    case SLSA_PROVENANCE_V1:
      return trainingProblems(predicate);
    default:
      return undefined;
  }
}
