/**
 * End-to-end lineage: a chain of models, each with a signed bundle. The first link is usually a model signature (OMS)
 * of the base model; every later link is a training-run attestation whose base-model dependency must be the previous
 * link's signed root digest, whose datasets must match the local copies given, and whose subject must be the model
 * on disk. Every link is checked; the first broken one is reported.
 */
import path from 'node:path';
import { VerificationError, type VerificationFailure } from '../../core/errors.js';
import { OMS_PREDICATE_V01, OMS_PREDICATE_V1, type SigstoreBundleJson } from '../bundle.js';
import type { OmsSerialization } from '../oms/types.js';
import type { HashOptions } from '../oms/types.js';
import type { EnvelopeVerifier, SignerIdentity } from '../signing/types.js';
import { digestPath, hashTree } from './digest.js';
import { statementProblems, trainingProblems } from './schema.js';
import { decodeStatement } from './sign.js';
import {
  SLSA_PROVENANCE_V1,
  TRAINING_BUILD_TYPE_V1,
  type ResourceDescriptor,
  type SlsaProvenance,
} from './types.js';
import { roleOf } from './verify.js';

export interface LineageLink {
  /** The model this link is about (file or directory). */
  modelPath: string;
  /** Its signature (OMS) or training-run attestation bundle. */
  bundle: SigstoreBundleJson;
  /** Verifies the bundle's signature (key, certificate or Sigstore). */
  verifier: EnvelopeVerifier;
  /** Shown in messages (e.g. the bundle's file name). */
  label?: string;
  /** Training links: dataset name → local file or directory to compare with the attested digest. */
  datasets?: Record<string, string>;
  /** OMS hashing options for this link's model (training links; signatures use the options they record). */
  hashOptions?: HashOptions;
}

export type LineageFailure =
  | VerificationFailure
  | 'malformed-attestation'
  | 'base-model-missing'
  | 'base-model-mismatch'
  | 'dataset-mismatch'
  | 'dataset-missing';

export interface DatasetCheck {
  name: string;
  role: string;
  /** sha256 the run attests. */
  digest?: string;
  /** false: no local copy was given (not compared). */
  checked: boolean;
  ok: boolean;
}

export interface LineageLinkResult {
  index: number;
  label: string;
  modelPath: string;
  kind: 'model-signature' | 'training' | 'unknown';
  ok: boolean;
  reason?: LineageFailure;
  message?: string;
  signer?: SignerIdentity;
  /** The root digest the link's statement attests for its model. */
  subjectDigest?: string;
  /** Training links: the base model digest the run names. */
  baseDigest?: string;
  datasets: DatasetCheck[];
}

export interface LineageResult {
  ok: boolean;
  links: LineageLinkResult[];
  /** The first broken link. */
  broken?: { index: number; reason: LineageFailure; message: string };
}

export interface LineageOptions {
  /** Fail a training link whose datasets have no local copy given (default false: listed as unchecked). */
  requireDatasets?: boolean;
  cwd?: string;
}

const short = (hex: string | undefined): string => (hex ? `sha256:${hex.slice(0, 12)}…` : 'no sha256');

/** Hash options that reproduce an OMS signature's serialization. */
function omsHashOptions(ser: Partial<OmsSerialization> | undefined): HashOptions {
  if (!ser) return {};
  const o: HashOptions = { ignoreGitPaths: false };
  if (ser.method === 'files' || ser.method === 'shards') o.method = ser.method;
  if (ser.hash_type === 'sha256' || ser.hash_type === 'blake2b' || ser.hash_type === 'blake3')
    o.hashType = ser.hash_type;
  if (typeof ser.shard_size === 'number') o.shardSize = ser.shard_size;
  if (typeof ser.allow_symlinks === 'boolean') o.allowSymlinks = ser.allow_symlinks;
  if (Array.isArray(ser.ignore_paths)) o.ignorePaths = ser.ignore_paths.filter((p) => typeof p === 'string');
  return o;
}

async function checkLink(
  link: LineageLink,
  index: number,
  previous: LineageLinkResult | undefined,
  opts: LineageOptions,
): Promise<LineageLinkResult> {
  const label = link.label ?? `link ${index + 1}`;
  const r: LineageLinkResult = {
    index,
    label,
    modelPath: link.modelPath,
    kind: 'unknown',
    ok: false,
    datasets: [],
  };
  const broken = (reason: LineageFailure, message: string): LineageLinkResult => {
    r.reason = reason;
    r.message = `${label} (${link.modelPath}): ${message}`;
    return r;
  };
  const cwd = opts.cwd ?? process.cwd();

  let statement;
  try {
    const env = await link.verifier.verify(link.bundle);
    r.signer = env.signer;
    statement = decodeStatement(env.payloadType, env.payload);
  } catch (err) {
    if (err instanceof VerificationError) return broken(err.reason, err.message);
    throw err;
  }
  const shape = statementProblems(statement);
  if (shape.length) return broken('malformed-attestation', `the statement is malformed: ${shape[0]}`);
  r.subjectDigest = statement.subject[0].digest.sha256;

  if (statement.predicateType === OMS_PREDICATE_V1 || statement.predicateType === OMS_PREDICATE_V01) {
    r.kind = 'model-signature';
    if (index > 0)
      return broken(
        'wrong-predicate-type',
        'a model signature says nothing about where the model came from; this link needs a training-run attestation',
      );
    const ser = (statement.predicate as { serialization?: Partial<OmsSerialization> }).serialization;
    const root = (await hashTree(path.resolve(cwd, link.modelPath), omsHashOptions(ser), false)).rootDigest;
    if (root !== r.subjectDigest)
      return broken(
        'subject-mismatch',
        `the model on disk hashes to ${short(root)}, but its signature covers ${short(r.subjectDigest)}; the model was modified or swapped`,
      );
    r.ok = true;
    return r;
  }

  if (statement.predicateType !== SLSA_PROVENANCE_V1)
    return broken(
      'wrong-predicate-type',
      `predicate ${statement.predicateType.slice(0, 100)} is neither a model signature nor a training run`,
    );
  const prov = statement.predicate as SlsaProvenance;
  const shapeP = trainingProblems(prov);
  if (shapeP.length)
    return broken('malformed-attestation', `the training provenance is malformed: ${shapeP[0]}`);
  if (prov.buildDefinition.buildType !== TRAINING_BUILD_TYPE_V1)
    return broken(
      'wrong-predicate-type',
      `buildType ${prov.buildDefinition.buildType.slice(0, 100)} is not a training run`,
    );
  r.kind = 'training';
  const deps = prov.buildDefinition.resolvedDependencies ?? [];
  const base = deps.find((d) => roleOf(d) === 'base-model');
  r.baseDigest = base?.digest?.sha256;

  // Links in order: the run's input is the previous model as signed, its output is this model on disk.
  if (previous) {
    if (!base)
      return broken(
        'base-model-missing',
        `the training run names no base model, but it should descend from ${previous.label}`,
      );
    if (base.digest?.sha256 !== previous.subjectDigest)
      return broken(
        'base-model-mismatch',
        `the run was trained from ${base.name ?? 'a base model'} ${short(base.digest?.sha256)}, but ${previous.label} is ${short(previous.subjectDigest)}`,
      );
  }
  const data = deps.filter((d) => roleOf(d) === 'training-data' || roleOf(d) === 'evaluation-data');
  const given = new Map(Object.entries(link.datasets ?? {}));
  for (const name of given.keys())
    if (!data.some((d) => d.name === name))
      return broken(
        'dataset-missing',
        `a local copy of dataset ${JSON.stringify(name)} was given, but the run used no such dataset`,
      );
  for (const d of data as (ResourceDescriptor & { name: string })[]) {
    const check: DatasetCheck = {
      name: d.name,
      role: roleOf(d)!,
      digest: d.digest?.sha256,
      checked: false,
      ok: false,
    };
    r.datasets.push(check);
    const local = given.get(d.name);
    if (local === undefined) {
      if (opts.requireDatasets)
        return broken(
          'dataset-missing',
          `no local copy of dataset ${JSON.stringify(d.name)} was given to check`,
        );
      continue;
    }
    const kind = (d.annotations as { digestKind?: unknown } | undefined)?.digestKind;
    const got = await digestPath(path.resolve(cwd, local), {
      kind: kind === 'file' || kind === 'oms-root' ? kind : undefined,
      hashOptions: link.hashOptions,
    });
    check.checked = true;
    check.ok = got.sha256 === d.digest?.sha256;
    if (!check.ok)
      return broken(
        'dataset-mismatch',
        `dataset ${d.name}: ${local} hashes to ${short(got.sha256)}, but the run used ${short(d.digest?.sha256)}`,
      );
  }
  const root = (await hashTree(path.resolve(cwd, link.modelPath), link.hashOptions ?? {})).rootDigest;
  if (!statement.subject.some((s) => s.digest.sha256 === root))
    return broken(
      'subject-mismatch',
      `the model on disk hashes to ${short(root)}, but the run produced ${short(r.subjectDigest)}; the model was modified or swapped`,
    );
  r.ok = true;
  return r;
}

/**
 * Verifies a lineage chain, oldest model first (e.g. [base model + its signature, fine-tuned model + its training
 * attestation]). Every link is checked; `broken` names the first that failed and why.
 */
export async function verifyLineage(chain: LineageLink[], opts: LineageOptions = {}): Promise<LineageResult> {
  const links: LineageLinkResult[] = [];
  for (let i = 0; i < chain.length; i++) links.push(await checkLink(chain[i], i, links[i - 1], opts));
  const first = links.find((l) => !l.ok);
  const result: LineageResult = { ok: chain.length > 0 && !first, links };
  if (first) result.broken = { index: first.index, reason: first.reason!, message: first.message! };
  return result;
}
