import path from 'node:path';
import { stat } from 'node:fs/promises';
import { BulwarkError, VerificationError } from '../../core/errors.js';
import {
  INTOTO_STATEMENT_V1,
  OMS_PREDICATE_V01,
  OMS_PREDICATE_V1,
  parseBundle,
  type InTotoStatement,
  type SigstoreBundleJson,
} from '../bundle.js';
import { INTOTO_PAYLOAD_TYPE } from '../dsse.js';
import type { EnvelopeVerifier, SignerIdentity, VerifiedEnvelope } from '../signing/types.js';
import { omsRootDigest, splitShardName } from './hash.js';
import { hashModel } from './parallel.js';
import {
  DEFAULT_GIT_IGNORES,
  OMS_HASH_TYPES,
  type HashOptions,
  type ModelManifest,
  type OmsHashType,
  type OmsResource,
} from './types.js';

/** Most resources a signature may list (a model with more files than this is not a model). */
export const MAX_SIGNED_RESOURCES = 1_000_000;

export interface VerifyModelOptions {
  /** More paths to leave out (absolute, or relative to the model root); added to the ignore paths the signer recorded. */
  ignorePaths?: string[];
  /** Leave out `.git`, `.gitattributes`, `.github`, `.gitignore` (default true), as model_signing does. */
  ignoreGitPaths?: boolean;
  /** Hash only the files the signature lists: files on disk that it does not list are not `extra-file`. */
  ignoreUnsignedFiles?: boolean;
  /** Accept a signature over a model with no files (the OMS spec says to reject it; default false). */
  allowEmpty?: boolean;
  /** The signature file; always left out of hashing when it lies inside the model directory. */
  signaturePath?: string;
  /** Worker threads for hashing (see HashOptions.workers). */
  workers?: number;
  onProgress?: HashOptions['onProgress'];
  signal?: AbortSignal;
  /**
   * Receives the manifest the verifier computed, once every resource matched, when it was hashed exactly as
   * `hashModel(model, { ignorePaths: [signaturePath] })` hashes with its defaults (files, SHA-256, no symlinks, git
   * paths left out, nothing else ignored): a caller that needs that manifest too can skip hashing the model again.
   */
  onDefaultManifest?: (manifest: ModelManifest) => void;
}

/** The outcome of a successful verification. Failures throw `VerificationError`. */
export interface ModelVerification {
  verified: true;
  signer: SignerIdentity;
  /** The statement's subject name (informational). */
  modelName: string;
  /** The OMS root digest (sha256, hex) the signature binds; undefined for v0.1 (per-file subjects). */
  rootDigest: string | undefined;
  predicateType: string;
  /** Number of signed resources (files, or shards) that matched. */
  resources: number;
  /** Distinct files the resources cover. */
  files: number;
  method: 'files' | 'shards';
  hashType: OmsHashType;
  /** Historical encodings that had to be accepted (e.g. `model_signing-0.2.0-pae`, `v0.1-predicate`). */
  compat: string[];
  warnings: string[];
}

/** A signature bundle whose DSSE signature checked out, with its decoded in-toto statement. */
export interface VerifiedStatement {
  bundle: SigstoreBundleJson;
  envelope: VerifiedEnvelope;
  statement: InTotoStatement;
}

/**
 * Parses a bundle, verifies its signature material with `verifier`, and decodes the in-toto statement. Does not look
 * at the predicate, so it serves model signatures and other attestations alike. Throws `VerificationError`
 * (`malformed-bundle`, `wrong-media-type`, the verifier's reasons, `wrong-payload-type`).
 */
export async function verifySignedStatement(
  bundleJson: string | Uint8Array | SigstoreBundleJson | unknown,
  verifier: EnvelopeVerifier,
): Promise<VerifiedStatement> {
  const bundle = parseBundle(bundleJson);
  const envelope = await verifier.verify(bundle);
  if (envelope.payloadType !== INTOTO_PAYLOAD_TYPE)
    throw new VerificationError(
      'wrong-payload-type',
      `DSSE payloadType is ${JSON.stringify(envelope.payloadType.slice(0, 100))}, not ${INTOTO_PAYLOAD_TYPE}; this is not an in-toto attestation`,
      { payloadType: envelope.payloadType.slice(0, 100) },
    );
  let statement: unknown;
  try {
    statement = JSON.parse(envelope.payload.toString('utf8'));
  } catch {
    throw new VerificationError(
      'malformed-bundle',
      'malformed signature bundle: the signed payload is not JSON',
    );
  }
  if (typeof statement !== 'object' || statement === null || Array.isArray(statement))
    throw new VerificationError(
      'malformed-bundle',
      'malformed signature bundle: the signed statement is not an object',
    );
  const st = statement as Record<string, unknown>;
  if (st._type !== INTOTO_STATEMENT_V1)
    throw new VerificationError(
      'wrong-payload-type',
      `statement _type is ${JSON.stringify(String(st._type).slice(0, 100))}, not ${INTOTO_STATEMENT_V1}`,
      { type: String(st._type).slice(0, 100) },
    );
  if (typeof st.predicateType !== 'string')
    throw new VerificationError(
      'malformed-bundle',
      'malformed signature bundle: the statement has no predicateType',
    );
  if (!Array.isArray(st.subject))
    throw new VerificationError(
      'malformed-bundle',
      'malformed signature bundle: the statement has no subject list',
    );
  return { bundle, envelope, statement: st as unknown as InTotoStatement };
}

/** True for the predicate types of OMS model signatures (v1.0 and the v0.1 of model_signing 0.2). */
export function isModelSignaturePredicate(predicateType: string): boolean {
  return predicateType === OMS_PREDICATE_V1 || predicateType === OMS_PREDICATE_V01;
}

interface Expected {
  method: 'files' | 'shards';
  hashType: OmsHashType;
  shardSize?: number;
  allowSymlinks: boolean;
  signedIgnores: string[];
  resources: OmsResource[];
  rootDigest: string | undefined;
  modelName: string;
  compat: string[];
}

const HEX = /^[0-9a-fA-F]+$/;

function malformed(what: string): never {
  throw new VerificationError('malformed-bundle', `malformed model signature: ${what}`, { problem: what });
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads what the statement says was signed; checks structure and the root digest (in predicate order). */
export function expectedFromStatement(statement: InTotoStatement): Expected {
  const subjects = statement.subject as unknown[];
  if (statement.predicateType === OMS_PREDICATE_V01) {
    // model_signing 0.2: one subject per file, SHA-256 of the whole file, no serialization block.
    if (subjects.length > MAX_SIGNED_RESOURCES) malformed('too many subjects');
    const resources = subjects.map((s, i) => {
      if (!isObj(s) || typeof s.name !== 'string' || !isObj(s.digest) || typeof s.digest.sha256 !== 'string')
        malformed(`subject ${i} has no name and sha256 digest`);
      const digest = (s.digest as Record<string, string>).sha256;
      if (!HEX.test(digest) || digest.length !== 64)
        malformed(`subject ${i} has a sha256 digest that is not 64 hex digits`);
      return { name: s.name as string, algorithm: 'sha256', digest: digest.toLowerCase() };
    });
    return {
      method: 'files',
      hashType: 'sha256',
      allowSymlinks: false,
      signedIgnores: [],
      resources,
      rootDigest: undefined,
      modelName: '',
      compat: ['v0.1-predicate'],
    };
  }
  if (statement.predicateType !== OMS_PREDICATE_V1)
    throw new VerificationError(
      'wrong-predicate-type',
      `statement predicateType ${JSON.stringify(statement.predicateType.slice(0, 100))} is not a model signature (${OMS_PREDICATE_V1})`,
      { predicateType: statement.predicateType.slice(0, 200) },
    );
  if (subjects.length !== 1)
    malformed(`the statement has ${subjects.length} subjects; a model signature has exactly one`);
  const subj = subjects[0];
  if (!isObj(subj) || !isObj(subj.digest) || typeof subj.digest.sha256 !== 'string')
    malformed('the subject has no sha256 digest');
  const root = (subj.digest as Record<string, string>).sha256.toLowerCase();
  if (!HEX.test(root) || root.length !== 64) malformed('the subject sha256 digest is not 64 hex digits');
  const pred = statement.predicate;
  if (!isObj(pred)) malformed('the predicate is not an object');
  const ser = pred.serialization;
  if (!isObj(ser)) malformed('predicate.serialization is missing');
  const method = ser.method;
  if (method !== 'files' && method !== 'shards')
    throw new VerificationError(
      'hashing-mismatch',
      `serialization method ${JSON.stringify(String(method).slice(0, 50))} is not supported (files or shards)`,
    );
  const hashType = ser.hash_type as OmsHashType;
  if (!OMS_HASH_TYPES.includes(hashType))
    throw new VerificationError(
      'hashing-mismatch',
      `serialization hash_type ${JSON.stringify(String(hashType).slice(0, 50))} is not supported (sha256, blake2b or blake3)`,
    );
  let shardSize: number | undefined;
  if (method === 'shards') {
    const n = ser.shard_size;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0)
      malformed('serialization.shard_size is not a positive whole number');
    shardSize = n;
  }
  if (ser.allow_symlinks !== undefined && typeof ser.allow_symlinks !== 'boolean')
    malformed('serialization.allow_symlinks is not a boolean');
  const ig = ser.ignore_paths ?? [];
  if (!Array.isArray(ig) || ig.some((p) => typeof p !== 'string') || ig.length > 10_000)
    malformed('serialization.ignore_paths is not a list of strings');
  const list = pred.resources;
  if (!Array.isArray(list)) malformed('predicate.resources is missing');
  if (list.length > MAX_SIGNED_RESOURCES) malformed(`more than ${MAX_SIGNED_RESOURCES} resources`);
  const seen = new Set<string>();
  const resources = list.map((r, i) => {
    if (
      !isObj(r) ||
      typeof r.name !== 'string' ||
      typeof r.algorithm !== 'string' ||
      typeof r.digest !== 'string'
    )
      malformed(`resource ${i} lacks a string name, algorithm and digest`);
    if (
      !HEX.test(r.digest as string) ||
      (r.digest as string).length % 2 !== 0 ||
      (r.digest as string).length > 256
    )
      malformed(`resource ${JSON.stringify(r.name)} has a digest that is not hex`);
    if (seen.has(r.name as string)) malformed(`resource ${JSON.stringify(r.name)} is listed twice`);
    seen.add(r.name as string);
    const alg = r.algorithm as string;
    const okAlg = alg === hashType || (method === 'shards' && alg === `${hashType}-sharded-${shardSize}`);
    if (!okAlg)
      throw new VerificationError(
        'hashing-mismatch',
        `resource ${JSON.stringify(r.name)} uses algorithm ${JSON.stringify(alg.slice(0, 50))}, which does not match serialization ${method}/${hashType}`,
        { resource: r.name },
      );
    return { name: r.name as string, algorithm: alg, digest: (r.digest as string).toLowerCase() };
  });
  const recomputed = omsRootDigest(resources);
  if (recomputed !== root)
    throw new VerificationError(
      'root-digest-mismatch',
      `the subject digest ${root.slice(0, 16)}… is not the digest of the listed resources (${recomputed.slice(0, 16)}…); the statement is inconsistent`,
      { subject: root, computed: recomputed },
    );
  return {
    method,
    hashType,
    shardSize,
    allowSymlinks: ser.allow_symlinks === true,
    signedIgnores: ig as string[],
    resources,
    rootDigest: root,
    modelName: typeof subj.name === 'string' ? subj.name : '',
    compat: [],
  };
}

/**
 * Signed ignore paths are relative to the model root, except in bundles some producers (the Go implementation) wrote
 * relative to their working directory (`test/assets/models/simple/ignore-me` for model `simple`). For those, the part
 * after the model's own directory name (as signed, or as found now) is added too.
 */
export function effectiveSignedIgnores(signed: readonly string[], names: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of signed) {
    const clean = p.replace(/\\/g, '/').replace(/\/+$/, '');
    if (clean === '' || clean === '.') continue;
    out.push(clean);
    const parts = clean.split('/');
    for (const n of names) {
      if (!n) continue;
      const i = parts.lastIndexOf(n);
      if (i >= 0 && i < parts.length - 1) out.push(parts.slice(i + 1).join('/'));
    }
  }
  return [...new Set(out)];
}

/** The file a resource name refers to (shards: without `:start:end`). */
function fileOf(name: string, method: 'files' | 'shards'): string {
  return method === 'shards' ? (splitShardName(name)?.path ?? name) : name;
}

/**
 * Verifies a model against an OpenSSF Model Signing bundle, the way `model_signing verify` does: the bundle's
 * signature (by `verifier`), the statement, the root digest, then re-hashes the model with the signed serialization
 * parameters and compares every resource by exact name, algorithm and digest.
 *
 * Resolves with who signed and what matched; throws `VerificationError` whose `reason` says what failed
 * (`tampered-file`, `extra-file`, `missing-file` name the files in the message and in `details`).
 */
export async function verifyModel(
  modelPath: string,
  bundleJson: string | Uint8Array | SigstoreBundleJson | unknown,
  verifier: EnvelopeVerifier,
  opts: VerifyModelOptions = {},
): Promise<ModelVerification> {
  return verifyModelStatement(modelPath, await verifySignedStatement(bundleJson, verifier), opts);
}

/**
 * The second half of `verifyModel`: checks a statement whose signature already verified (from
 * `verifySignedStatement`) against the model on disk.
 */
export async function verifyModelStatement(
  modelPath: string,
  signed: Pick<VerifiedStatement, 'envelope' | 'statement'>,
  opts: VerifyModelOptions = {},
): Promise<ModelVerification> {
  const { envelope, statement } = signed;
  const exp = expectedFromStatement(statement);
  const compat = [...(envelope.compat ? [envelope.compat] : []), ...exp.compat];
  const warnings = [...envelope.warnings];
  if (exp.resources.length === 0 && !opts.allowEmpty)
    throw new VerificationError(
      'empty-model',
      'the signature covers no files; an empty model signature proves nothing (pass --allow-empty to accept it)',
    );

  const root = path.resolve(modelPath);
  let st;
  try {
    st = await stat(root);
  } catch {
    throw new BulwarkError(
      'E_NOT_FOUND',
      `model path ${JSON.stringify(modelPath)} does not exist; check the path`,
    );
  }
  const single = st.isFile();
  const baseName = path.basename(root);
  const signedIgnores = single ? [] : effectiveSignedIgnores(exp.signedIgnores, [exp.modelName, baseName]);
  const ignorePaths = [...(opts.ignorePaths ?? []), ...signedIgnores];
  const sigAbs = opts.signaturePath ? path.resolve(opts.signaturePath) : undefined;
  if (sigAbs) ignorePaths.push(sigAbs);
  // Signed ignores that leave out nothing the default hashing keeps: the signature itself, and the git paths.
  const harmless = (p: string): boolean =>
    (sigAbs !== undefined && path.resolve(root, p) === sigAbs) || DEFAULT_GIT_IGNORES.includes(p);

  // Single-file models: model_signing names the resource ".", the spec and Go use the file's basename.
  const rename = (n: string): string => {
    if (!single) return n;
    const f = fileOf(n, exp.method);
    if (f !== baseName) return n;
    return exp.method === 'shards' ? `.${n.slice(f.length)}` : '.';
  };
  const expected = new Map<string, OmsResource>();
  for (const r of exp.resources) expected.set(rename(r.name), r);

  let manifest: ModelManifest;
  try {
    manifest = await hashModel(root, {
      method: exp.method,
      hashType: exp.hashType,
      ...(exp.shardSize !== undefined ? { shardSize: exp.shardSize } : {}),
      allowSymlinks: exp.allowSymlinks,
      ignorePaths,
      ignoreGitPaths: opts.ignoreGitPaths !== false,
      ...(opts.ignoreUnsignedFiles
        ? { onlyPaths: [...expected.keys()].map((n) => fileOf(n, exp.method)) }
        : {}),
      ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (err) {
    if (err instanceof BulwarkError && err.code === 'E_USAGE')
      throw new VerificationError('hashing-mismatch', `the model cannot be hashed as signed: ${err.message}`);
    throw err;
  }

  compareManifests(expected, manifest.resources, exp.method);
  if (
    opts.onDefaultManifest &&
    exp.method === 'files' &&
    exp.hashType === 'sha256' &&
    !exp.allowSymlinks &&
    !opts.ignorePaths?.length &&
    signedIgnores.every(harmless) &&
    !opts.ignoreUnsignedFiles &&
    opts.ignoreGitPaths !== false
  )
    opts.onDefaultManifest(manifest);
  const files = new Set(exp.resources.map((r) => fileOf(r.name, exp.method))).size;
  return {
    verified: true,
    signer: envelope.signer,
    modelName: exp.modelName || baseName,
    rootDigest: exp.rootDigest,
    predicateType: statement.predicateType,
    resources: exp.resources.length,
    files,
    method: exp.method,
    hashType: exp.hashType,
    compat,
    warnings,
  };
}

const SHOW = 5;

function listNames(names: string[]): string {
  const shown = names.slice(0, SHOW).map((n) => JSON.stringify(n));
  return names.length > SHOW ? `${shown.join(', ')} and ${names.length - SHOW} more` : shown.join(', ');
}

/** Compares signed and actual resources by file: any difference for a file signed and present is tampering. */
function compareManifests(
  expected: Map<string, OmsResource>,
  actual: readonly OmsResource[],
  method: 'files' | 'shards',
): void {
  const actualByName = new Map(actual.map((r) => [r.name, r]));
  const expFiles = new Map<string, string[]>();
  for (const n of expected.keys()) {
    const f = fileOf(n, method);
    const l = expFiles.get(f);
    if (l) l.push(n);
    else expFiles.set(f, [n]);
  }
  const actFiles = new Map<string, string[]>();
  for (const r of actual) {
    const f = fileOf(r.name, method);
    const l = actFiles.get(f);
    if (l) l.push(r.name);
    else actFiles.set(f, [r.name]);
  }
  const tampered: string[] = [];
  const missing: string[] = [];
  const extra: string[] = [];
  for (const [f, names] of expFiles) {
    const got = actFiles.get(f);
    if (!got) {
      missing.push(f);
      continue;
    }
    const same =
      got.length === names.length &&
      names.every((n) => {
        const a = actualByName.get(n);
        const e = expected.get(n)!;
        return a !== undefined && a.digest === e.digest && sameAlgorithm(a.algorithm, e.algorithm);
      });
    if (!same) tampered.push(f);
  }
  for (const f of actFiles.keys()) if (!expFiles.has(f)) extra.push(f);
  const details = { tampered, missing, extra };
  if (tampered.length)
    throw new VerificationError(
      'tampered-file',
      `${tampered.length === 1 ? 'file' : 'files'} ${listNames(tampered)} changed since signing (digest differs)`,
      details,
    );
  if (missing.length)
    throw new VerificationError(
      'missing-file',
      `signed ${missing.length === 1 ? 'file' : 'files'} ${listNames(missing)} ${missing.length === 1 ? 'is' : 'are'} missing from the model`,
      details,
    );
  if (extra.length)
    throw new VerificationError(
      'extra-file',
      `${extra.length === 1 ? 'file' : 'files'} ${listNames(extra)} ${extra.length === 1 ? 'is' : 'are'} not covered by the signature (pass --ignore-unsigned-files or --ignore-paths to accept)`,
      details,
    );
}

/** `sha256` and `sha256-sharded-<N>` name the same digest of a shard. */
function sameAlgorithm(a: string, b: string): boolean {
  return a === b || a.replace(/-sharded-\d+$/, '') === b.replace(/-sharded-\d+$/, '');
}
