/**
 * Verification of attestations: the envelope signature (through any EnvelopeVerifier), then the statement — type,
 * known predicate type, predicate shape, subject digest against the model on disk, and for training provenance the
 * base model and dataset digests against local copies.
 */
import path from 'node:path';
import { BulwarkError, VerificationError, type VerificationFailure } from '../../core/errors.js';
import {
  OMS_PREDICATE_V01,
  OMS_PREDICATE_V1,
  type InTotoStatement,
  type SigstoreBundleJson,
} from '../bundle.js';
import type { HashOptions } from '../oms/types.js';
import type { EnvelopeVerifier, SignerIdentity } from '../signing/types.js';
import { digestPath, hashTree } from './digest.js';
import { kindOfPredicate, predicateProblems, statementProblems, type AttestationKind } from './schema.js';
import { decodeStatement } from './sign.js';
import {
  CYCLONEDX_PREDICATE,
  SPDX3_PREDICATE,
  type DigestKind,
  type ResourceDescriptor,
  type ScanPredicate,
  type SlsaProvenance,
} from './types.js';

export type { AttestationKind } from './schema.js';

/** Stable codes of statement problems. */
export type AttestationProblemCode =
  | 'malformed-statement'
  | 'unknown-predicate-type'
  | 'malformed-predicate'
  | 'subject-mismatch'
  | 'base-model-mismatch'
  | 'base-model-missing'
  | 'dataset-mismatch'
  | 'dataset-unknown';

/** One problem found while checking an attestation statement. `message` is one line. */
export interface AttestationProblem {
  code: AttestationProblemCode;
  message: string;
}

/** Result of checking an in-toto statement (after its signature was verified). */
export interface AttestationCheck {
  predicateType: string;
  /** The first subject's sha256 digest (the OMS root digest of the model), when present. */
  subjectDigest: string | undefined;
  /** The first subject's name. */
  subjectName?: string;
  kind: AttestationKind;
  ok: boolean;
  problems: AttestationProblem[];
  /** One line describing what was attested. */
  summary: string;
  /** What was compared with files on disk (model, base model, datasets). */
  checked: string[];
}

export interface CheckAttestationOptions {
  /** Re-hash this model (OMS root digest) and require a subject with that sha256 digest. */
  modelPath?: string;
  /** OMS hashing options for the model, base model and dataset directories (the ones used when attesting). */
  hashOptions?: HashOptions;
  /** Training provenance: re-hash this base model and compare with the `base-model` dependency. */
  baseModelPath?: string;
  /** Training provenance: dataset name → local file or directory, compared with the dependency of that name. */
  datasets?: Record<string, string>;
  /** Directory relative paths are resolved against (default: the current directory). */
  cwd?: string;
}

const short = (hex: string | undefined): string => (hex ? `sha256:${hex.slice(0, 12)}…` : 'no sha256');

function summarize(st: InTotoStatement, kind: AttestationKind): string {
  const name = st.subject?.[0]?.name ?? 'the model';
  const p = st.predicate as Record<string, unknown>;
  if (kind === 'scan') {
    const sp = p as unknown as ScanPredicate;
    const findings = Object.values(sp.summary.findings).reduce((a, b) => a + b, 0);
    return `scan of ${name}: ${sp.verdict}, ${sp.summary.files} file(s), ${findings} finding(s) (${sp.scanner.name} ${sp.scanner.version})`;
  }
  if (kind === 'bom') {
    if (st.predicateType === SPDX3_PREDICATE)
      return `SPDX 3 document of ${name}: ${(p['@graph'] as unknown[]).length} element(s)`;
    const comps = Array.isArray(p.components) ? p.components.length : 0;
    return `CycloneDX ${String(p.specVersion)} BOM of ${name}: ${comps} component(s)`;
  }
  if (kind === 'slsa-training') {
    const sp = p as unknown as SlsaProvenance;
    const deps = sp.buildDefinition.resolvedDependencies ?? [];
    const base = deps.find((d) => roleOf(d) === 'base-model');
    const data = deps.filter((d) => roleOf(d) === 'training-data' || roleOf(d) === 'evaluation-data');
    return `training run of ${name} by ${sp.runDetails.builder.id}: base ${base ? `${base.name} ${short(base.digest?.sha256)}` : 'none'}, ${data.length} dataset(s)`;
  }
  return `${String(st.predicateType).slice(0, 100)} about ${name}`;
}

export function roleOf(d: ResourceDescriptor): string | undefined {
  const r = (d.annotations as { role?: unknown } | undefined)?.role;
  return typeof r === 'string' ? r : undefined;
}

function digestKindOf(d: ResourceDescriptor): DigestKind | undefined {
  const k = (d.annotations as { digestKind?: unknown } | undefined)?.digestKind;
  return k === 'file' || k === 'oms-root' ? k : undefined;
}

/** Known predicate types (model signatures are checked by `bulwark verify`, not here). */
const KNOWN = new Set([
  'https://bulwark.dev/attestation/scan/v1',
  CYCLONEDX_PREDICATE,
  SPDX3_PREDICATE,
  'https://slsa.dev/provenance/v1',
]);

/** Checks an in-toto statement structurally and, when paths are given, against the files on disk. */
export async function checkAttestation(
  statement: InTotoStatement,
  opts: CheckAttestationOptions = {},
): Promise<AttestationCheck> {
  const problems: AttestationProblem[] = [];
  const checked: string[] = [];
  const predicateType = typeof statement?.predicateType === 'string' ? statement.predicateType : '';
  const subjectDigest =
    typeof statement?.subject?.[0]?.digest?.sha256 === 'string'
      ? statement.subject[0].digest.sha256
      : undefined;
  const result = (kind: AttestationKind, summary: string): AttestationCheck => ({
    predicateType,
    subjectDigest,
    subjectName: typeof statement?.subject?.[0]?.name === 'string' ? statement.subject[0].name : undefined,
    kind,
    ok: problems.length === 0,
    problems,
    summary,
    checked,
  });

  const shape = statementProblems(statement);
  if (shape.length) {
    problems.push({ code: 'malformed-statement', message: `the statement is malformed: ${shape[0]}` });
    return result('unknown', 'malformed statement');
  }
  if (!KNOWN.has(predicateType)) {
    const hint =
      predicateType === OMS_PREDICATE_V1 || predicateType === OMS_PREDICATE_V01
        ? '; this is a model signature: verify it with `bulwark verify`'
        : '';
    problems.push({
      code: 'unknown-predicate-type',
      message: `predicate type ${JSON.stringify(predicateType.slice(0, 120))} is not one Bulwark checks${hint}`,
    });
    return result('unknown', `unknown predicate ${predicateType.slice(0, 120)}`);
  }
  const kind = kindOfPredicate(predicateType, statement.predicate);
  const pp = predicateProblems(predicateType, statement.predicate) ?? [];
  if (pp.length) {
    problems.push({
      code: 'malformed-predicate',
      message: `the ${predicateType} predicate is malformed: ${pp[0]}`,
    });
    return result(kind, `malformed ${predicateType} predicate`);
  }

  const cwd = opts.cwd ?? process.cwd();
  const hashOptions = opts.hashOptions ?? {};
  if (opts.modelPath !== undefined) {
    const abs = path.resolve(cwd, opts.modelPath);
    const root = (await hashTree(abs, hashOptions)).rootDigest;
    checked.push(`model ${opts.modelPath}`);
    if (!statement.subject.some((s) => s.digest.sha256 === root))
      problems.push({
        code: 'subject-mismatch',
        message: `${opts.modelPath} hashes to ${short(root)}, but the attestation is about ${short(subjectDigest)}; the model changed or the attestation is for another model`,
      });
  }

  if (kind === 'slsa-training') {
    const deps = (statement.predicate as SlsaProvenance).buildDefinition.resolvedDependencies ?? [];
    if (opts.baseModelPath !== undefined) {
      const base = deps.find((d) => roleOf(d) === 'base-model');
      checked.push(`base model ${opts.baseModelPath}`);
      if (!base)
        problems.push({
          code: 'base-model-missing',
          message: 'a base model was given, but the training run names no base-model dependency',
        });
      else {
        const root = (await hashTree(path.resolve(cwd, opts.baseModelPath), hashOptions)).rootDigest;
        if (root !== base.digest?.sha256)
          problems.push({
            code: 'base-model-mismatch',
            message: `base model ${opts.baseModelPath} hashes to ${short(root)}, but the run was trained from ${base.name} ${short(base.digest?.sha256)}`,
          });
      }
    }
    for (const [name, p] of Object.entries(opts.datasets ?? {})) {
      const dep = deps.find(
        (d) => d.name === name && (roleOf(d) === 'training-data' || roleOf(d) === 'evaluation-data'),
      );
      checked.push(`dataset ${name}`);
      if (!dep) {
        problems.push({
          code: 'dataset-unknown',
          message: `the training run names no dataset ${JSON.stringify(name)}`,
        });
        continue;
      }
      const got = await digestPath(path.resolve(cwd, p), { kind: digestKindOf(dep), hashOptions });
      if (got.sha256 !== dep.digest?.sha256)
        problems.push({
          code: 'dataset-mismatch',
          message: `dataset ${name}: ${p} hashes to ${short(got.sha256)}, but the run used ${short(dep.digest?.sha256)}`,
        });
    }
  } else if (opts.baseModelPath !== undefined || Object.keys(opts.datasets ?? {}).length)
    throw new BulwarkError('E_USAGE', 'base model and dataset paths apply to training-run attestations only');

  return result(kind, summarize(statement, kind));
}

/** Why an attestation did not verify: a signature failure, or a statement problem. */
export type AttestationFailure = VerificationFailure | AttestationProblemCode;

export interface AttestationVerification {
  ok: boolean;
  /** Set when `ok` is false: the first failure. */
  reason?: AttestationFailure;
  message?: string;
  /** Set once the signature verified. */
  signer?: SignerIdentity;
  warnings: string[];
  statement?: InTotoStatement;
  check?: AttestationCheck;
}

/**
 * Verifies an attestation bundle: signature (via `verifier`), payload type, then `checkAttestation`. Resolves with
 * `ok: false` and a precise `reason` when a check says no; rejects only on bad usage or unreadable files.
 */
export async function verifyAttestationBundle(
  bundle: SigstoreBundleJson,
  verifier: EnvelopeVerifier,
  opts: CheckAttestationOptions = {},
): Promise<AttestationVerification> {
  let statement: InTotoStatement;
  let signer: SignerIdentity;
  const warnings: string[] = [];
  try {
    if (typeof bundle !== 'object' || bundle === null || typeof bundle.dsseEnvelope !== 'object')
      throw new VerificationError(
        'malformed-bundle',
        'the bundle has no DSSE envelope; it is not an attestation bundle',
      );
    const env = await verifier.verify(bundle);
    signer = env.signer;
    warnings.push(...env.warnings);
    statement = decodeStatement(env.payloadType, env.payload);
  } catch (err) {
    if (err instanceof VerificationError)
      return { ok: false, reason: err.reason, message: err.message, warnings };
    throw err;
  }
  const check = await checkAttestation(statement, opts);
  const first = check.problems[0];
  return {
    ok: check.ok,
    reason: first?.code,
    message: first?.message,
    signer,
    warnings,
    statement,
    check,
  };
}
