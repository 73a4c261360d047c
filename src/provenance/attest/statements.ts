/**
 * Builders of the in-toto statements `bulwark attest` signs. The subject is always the model's OMS root digest
 * (`{name, digest: {sha256: root}}`), optionally followed by one subject per file.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { BulwarkError } from '../../core/errors.js';
import type { Finding } from '../../core/finding.js';
import { allRules } from '../../core/rules.js';
import { worseVerdict, type Verdict } from '../../core/verdict.js';
import type { FileResult, ScanReport } from '../../scan/types.js';
import { INTOTO_STATEMENT_V1, type InTotoStatement } from '../bundle.js';
import type { ModelManifest } from '../oms/types.js';
import { cycloneDxProblems, spdxProblems, trainingProblems } from './schema.js';
import {
  CYCLONEDX_PREDICATE,
  SCAN_PREDICATE_V1,
  SLSA_PROVENANCE_V1,
  SPDX3_PREDICATE,
  type ScanPredicate,
  type ScanPredicateFile,
  type ScanPredicateFinding,
  type SlsaProvenance,
} from './types.js';

export type Subject = InTotoStatement['subject'][number];

/** What a statement needs of a hashed model. A full `ModelManifest` fits. */
export type ModelDigest = Pick<ModelManifest, 'modelName' | 'rootDigest'> &
  Partial<Pick<ModelManifest, 'resources' | 'serialization'>>;

export interface SubjectOptions {
  /**
   * Add one subject per file after the root (`<model>/<file>`, sha256 of the file). Only for manifests hashed file
   * by file with SHA-256; other manifests have no per-file SHA-256 to give.
   */
  perFileSubjects?: boolean;
}

/** Subjects of a model attestation: the OMS root digest first, then (optionally) each file. */
export function modelSubjects(model: ModelDigest, opts: SubjectOptions = {}): Subject[] {
  if (!/^[0-9a-f]{64}$/.test(model.rootDigest))
    throw new BulwarkError('E_USAGE', 'the model root digest must be 64 lower-case hex digits');
  const subjects: Subject[] = [{ name: model.modelName, digest: { sha256: model.rootDigest } }];
  if (opts.perFileSubjects) {
    const s = model.serialization;
    if (!model.resources || s?.method !== 'files' || s.hash_type !== 'sha256')
      throw new BulwarkError(
        'E_USAGE',
        'per-file subjects need a manifest hashed file by file with sha256; drop the per-file option or hash with files/sha256',
      );
    for (const r of model.resources)
      subjects.push({
        name: r.name === '.' ? model.modelName : `${model.modelName}/${r.name}`,
        digest: { sha256: r.digest },
      });
  }
  return subjects;
}

function statement<P>(subjects: Subject[], predicateType: string, predicate: P): InTotoStatement<P> {
  return { _type: INTOTO_STATEMENT_V1, subject: subjects, predicateType, predicate };
}

// ---------------------------------------------------------------------------------------------------------------
// Scan results
// ---------------------------------------------------------------------------------------------------------------

/** Bounds of the scan predicate, so that an attestation stays small whatever the report holds. */
export const SCAN_PREDICATE_LIMITS = {
  files: 10_000,
  findingsPerFile: 50,
  findings: 2_000,
  message: 512,
} as const;

export interface ScanStatementOptions extends SubjectOptions {
  /** The model path the report's file paths are relative to (as the scan was run); used to make paths model-relative. */
  modelPath?: string;
  /** Directory the scan ran in (default: the current directory). */
  cwd?: string;
  /** Identifies the rule set; default: computed from the rules registered in this process. */
  ruleSet?: { version: string; rules: number };
  /**
   * Require every file of the manifest to appear in the report (default true when the manifest lists resources), so
   * that a report of another model cannot be attested for this one.
   */
  requireCoverage?: boolean;
}

/** `sha256:<hex>` over the sorted `id severity` lines of the registered rules, and their count. */
export function ruleSetVersion(): { version: string; rules: number } {
  const rules = allRules();
  const lines = rules.map((r) => `${r.id} ${r.severity}`).sort();
  return {
    version: `sha256:${createHash('sha256').update(lines.join('\n')).digest('hex')}`,
    rules: rules.length,
  };
}

function bounded(text: string, max: number): string {
  // Control characters out: messages end up in terminals and logs.
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** Path of a reported file relative to the model root, POSIX-style (`.` for the model file itself). */
function modelRelative(file: string, modelAbs: string | undefined, cwd: string): string {
  if (modelAbs === undefined) return file.split(path.sep).join('/');
  const rel = path.relative(modelAbs, path.resolve(cwd, file));
  if (rel === '') return '.';
  if (rel.startsWith('..') || path.isAbsolute(rel)) return path.basename(file);
  return rel.split(path.sep).join('/');
}

function predicateFinding(f: Finding): ScanPredicateFinding {
  const location: ScanPredicateFinding['location'] = {};
  if (f.location.inner?.length) location.inner = f.location.inner.slice(0, 16).map((m) => bounded(m, 256));
  if (f.location.offset !== undefined) location.offset = f.location.offset;
  return {
    ruleId: f.ruleId,
    severity: f.severity,
    location,
    message: bounded(f.message, SCAN_PREDICATE_LIMITS.message),
  };
}

/**
 * Builds a scan-result attestation (`https://bulwark.dev/attestation/scan/v1`) from a scan report. Findings keep rule
 * id, severity, location and a bounded message; their evidence (which can quote file content) is never included.
 */
export function buildScanStatement(
  model: ModelDigest,
  report: ScanReport,
  opts: ScanStatementOptions = {},
): InTotoStatement<ScanPredicate> {
  if (!report || !Array.isArray(report.files) || typeof report.summary !== 'object')
    throw new BulwarkError(
      'E_PARSE',
      'the scan report is not a Bulwark scan report; produce it with `bulwark scan -f json`',
    );
  const cwd = opts.cwd ?? process.cwd();
  const modelAbs = opts.modelPath === undefined ? undefined : path.resolve(cwd, opts.modelPath);
  const digests = new Map<string, string>();
  if (model.serialization?.method === 'files' && model.serialization.hash_type === 'sha256')
    for (const r of model.resources ?? []) digests.set(r.name, r.digest);

  let truncated = report.files.length > SCAN_PREDICATE_LIMITS.files;
  let budget: number = SCAN_PREDICATE_LIMITS.findings;
  let verdict: Verdict = 'clean';
  const files: ScanPredicateFile[] = [];
  const seen = new Set<string>();
  for (const fr of report.files as FileResult[]) {
    verdict = worseVerdict(verdict, fr.verdict);
    if (files.length >= SCAN_PREDICATE_LIMITS.files) continue;
    const p = modelRelative(fr.path, modelAbs, cwd);
    seen.add(p);
    const take = Math.max(0, Math.min(SCAN_PREDICATE_LIMITS.findingsPerFile, budget, fr.findings.length));
    budget -= take;
    const entry: ScanPredicateFile = {
      path: bounded(p, 1024),
      size: fr.size,
      verdict: fr.verdict,
      formats: fr.formats.slice(0, 16),
      findings: fr.findings.slice(0, take).map(predicateFinding),
    };
    const d = digests.get(p);
    if (d) entry.digest = { sha256: d };
    if (fr.skipped) entry.skipped = bounded(fr.skipped, 256);
    if (take < fr.findings.length) {
      entry.findingsOmitted = fr.findings.length - take;
      truncated = true;
    }
    files.push(entry);
  }

  if (opts.requireCoverage ?? model.resources !== undefined) {
    const names = [...new Set((model.resources ?? []).map((r) => r.name.replace(/:\d+:\d+$/, '')))];
    const missing = names.filter((n) => !seen.has(n));
    if (missing.length)
      throw new BulwarkError(
        'E_USAGE',
        `the scan report does not cover ${missing.length} file(s) of the model (e.g. ${bounded(missing[0], 200)}); scan the model again and attest that report`,
      );
  }

  const s = report.summary;
  const predicate: ScanPredicate = {
    scanner: {
      name: report.tool?.name ?? 'bulwark',
      version: report.tool?.version ?? 'unknown',
      ruleSet: opts.ruleSet ?? ruleSetVersion(),
    },
    scannedOn: new Date(Date.parse(report.startedAt) || Date.now()).toISOString(),
    durationMs: Math.max(0, Math.round(report.durationMs || 0)),
    verdict,
    summary: {
      files: s.files,
      clean: s.clean,
      suspicious: s.suspicious,
      malicious: s.malicious,
      inconclusive: s.inconclusive,
      skipped: s.skipped,
      findings: { ...s.findings },
    },
    files,
  };
  if (truncated) predicate.truncated = true;
  return statement(modelSubjects(model, opts), SCAN_PREDICATE_V1, predicate);
}

// ---------------------------------------------------------------------------------------------------------------
// BOM
// ---------------------------------------------------------------------------------------------------------------

export type BomFormat = 'cyclonedx' | 'spdx';

/** Wraps a CycloneDX JSON BOM (or an SPDX 3 JSON-LD document) as the predicate of a statement about the model. */
export function buildBomStatement(
  model: ModelDigest,
  bom: unknown,
  opts: SubjectOptions & { format?: BomFormat } = {},
): InTotoStatement<Record<string, unknown>> {
  const format = opts.format ?? 'cyclonedx';
  const problems = format === 'cyclonedx' ? cycloneDxProblems(bom) : spdxProblems(bom);
  if (problems.length)
    throw new BulwarkError(
      'E_PARSE',
      `the BOM is not a ${format === 'cyclonedx' ? 'CycloneDX JSON' : 'SPDX 3 JSON-LD'} document: ${problems[0]}`,
    );
  return statement(
    modelSubjects(model, opts),
    format === 'cyclonedx' ? CYCLONEDX_PREDICATE : SPDX3_PREDICATE,
    bom as Record<string, unknown>,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// SLSA training provenance
// ---------------------------------------------------------------------------------------------------------------

/** Wraps SLSA Provenance v1 (see ./training.ts for building it from a run spec) about the model the run produced. */
export function buildTrainingStatement(
  model: ModelDigest,
  provenance: SlsaProvenance,
  opts: SubjectOptions = {},
): InTotoStatement<SlsaProvenance> {
  const problems = trainingProblems(provenance);
  if (problems.length)
    throw new BulwarkError('E_USAGE', `the training provenance is malformed: ${problems[0]}`);
  return statement(modelSubjects(model, opts), SLSA_PROVENANCE_V1, provenance);
}
