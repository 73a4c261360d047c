/**
 * Training-run specs (`bulwark attest training --run SPEC`) and SLSA Provenance v1 built from them with the
 * `https://bulwark.dev/buildtypes/training/v1` buildType. Inputs on disk are hashed: a file by SHA-256, a directory
 * (and every base model) by its OMS root digest.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { BulwarkError, ConfigError, errorMessage } from '../../core/errors.js';
import type { HashOptions } from '../oms/types.js';
import { digestPath, parseDigestInput } from './digest.js';
import { isTimestamp, isTypeUri } from './schema.js';
import {
  TRAINING_BUILD_TYPE_V1,
  type DigestKind,
  type ResourceDescriptor,
  type SlsaProvenance,
  type TrainingDatasetSpec,
  type TrainingInputSpec,
  type TrainingRunSpec,
} from './types.js';

/** Largest run spec read (bytes); also the bound of the JSON of `parameters` and `environment`. */
export const MAX_SPEC_BYTES = 1024 * 1024;
const MAX_DATASETS = 1000;

/** Keys that name credentials: such values must never end up in a signed, published attestation. */
const SECRET_KEY =
  /(^|[_.-])(secret|password|passwd|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?|auth)$/i;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(source: string, message: string): never {
  throw new ConfigError(`${source}: ${message}`);
}

function str(v: unknown, source: string, where: string, optional = false): string | undefined {
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string' || v.trim() === '') fail(source, `${where} must be a non-empty string`);
  return v;
}

/** Rejects keys that look like credentials anywhere in a free-form object, and bounds its depth. */
function checkFreeForm(v: unknown, source: string, where: string, depth = 0): void {
  if (depth > 16) fail(source, `${where} is nested too deeply (more than 16 levels)`);
  if (Array.isArray(v)) v.forEach((x, i) => checkFreeForm(x, source, `${where}[${i}]`, depth + 1));
  else if (isObject(v))
    for (const [k, x] of Object.entries(v)) {
      if (SECRET_KEY.test(k))
        fail(
          source,
          `${where}.${k} looks like a credential; remove it (attestations are published and signed)`,
        );
      checkFreeForm(x, source, `${where}.${k}`, depth + 1);
    }
}

function input(v: unknown, source: string, where: string): TrainingInputSpec {
  if (!isObject(v)) fail(source, `${where} must be a mapping`);
  const out: TrainingInputSpec = { name: str(v.name, source, `${where}.name`)! };
  out.path = str(v.path, source, `${where}.path`, true);
  out.uri = str(v.uri, source, `${where}.uri`, true);
  if (out.uri !== undefined && !isTypeUri(out.uri)) fail(source, `${where}.uri must be a URI with a scheme`);
  if (v.digest !== undefined) {
    if (typeof v.digest !== 'string' && !isObject(v.digest))
      fail(source, `${where}.digest must be "sha256:<hex>" or a map`);
    try {
      out.digest = parseDigestInput(v.digest as string | Record<string, string>, `${where}.digest`);
    } catch (err) {
      fail(source, errorMessage(err));
    }
    if (typeof out.digest === 'object' && !out.digest.sha256)
      fail(source, `${where}.digest needs a sha256 entry`);
  }
  if (out.path === undefined && out.digest === undefined)
    fail(source, `${where} needs a path (hashed) or a digest`);
  return out;
}

/** Validates a parsed run spec (untrusted YAML/JSON). Throws ConfigError with the first problem. */
export function validateTrainingRunSpec(raw: unknown, source = 'run spec'): TrainingRunSpec {
  if (!isObject(raw)) fail(source, 'must be a mapping');
  const known = new Set([
    'builder',
    'entryPoint',
    'task',
    'parameters',
    'environment',
    'baseModel',
    'datasets',
    'code',
    'container',
    'invocationId',
    'startedOn',
    'finishedOn',
  ]);
  for (const k of Object.keys(raw)) if (!known.has(k)) fail(source, `unknown key "${k.slice(0, 64)}"`);
  if (!isObject(raw.builder)) fail(source, 'builder must be a mapping with an id');
  const builderId = str(raw.builder.id, source, 'builder.id')!;
  if (!isTypeUri(builderId))
    fail(source, 'builder.id must be a URI (e.g. https://ci.example.com/runners/gpu)');
  const spec: TrainingRunSpec = {
    builder: { id: builderId },
    entryPoint: str(raw.entryPoint, source, 'entryPoint')!,
    datasets: [],
  };
  if (raw.builder.version !== undefined) {
    const v = raw.builder.version;
    if (!isObject(v) || !Object.values(v).every((x) => typeof x === 'string'))
      fail(source, 'builder.version must be a map of strings');
    spec.builder.version = v as Record<string, string>;
  }
  spec.task = str(raw.task, source, 'task', true);
  for (const k of ['parameters', 'environment'] as const) {
    if (raw[k] === undefined) continue;
    if (!isObject(raw[k])) fail(source, `${k} must be a mapping`);
    checkFreeForm(raw[k], source, k);
    if (JSON.stringify(raw[k]).length > MAX_SPEC_BYTES) fail(source, `${k} is larger than 1 MiB`);
    spec[k] = raw[k];
  }
  if (raw.baseModel !== undefined) spec.baseModel = input(raw.baseModel, source, 'baseModel');
  if (!Array.isArray(raw.datasets) || raw.datasets.length === 0)
    fail(source, 'datasets must list at least one dataset (name and path or digest)');
  if (raw.datasets.length > MAX_DATASETS) fail(source, `more than ${MAX_DATASETS} datasets`);
  const names = new Set<string>();
  raw.datasets.forEach((d: unknown, i) => {
    const ds: TrainingDatasetSpec = input(d, source, `datasets[${i}]`);
    const role = (d as Record<string, unknown>).role;
    if (role !== undefined && role !== 'training-data' && role !== 'evaluation-data')
      fail(source, `datasets[${i}].role must be training-data or evaluation-data`);
    ds.role = (role as TrainingDatasetSpec['role']) ?? 'training-data';
    if (names.has(ds.name)) fail(source, `datasets[${i}].name "${ds.name.slice(0, 64)}" is used twice`);
    names.add(ds.name);
    spec.datasets.push(ds);
  });
  if (!spec.datasets.some((d) => d.role === 'training-data'))
    fail(source, 'at least one dataset must have role training-data');
  if (raw.code !== undefined) {
    if (!isObject(raw.code)) fail(source, 'code must be a mapping with uri and commit');
    const uri = str(raw.code.uri, source, 'code.uri')!;
    if (!isTypeUri(uri)) fail(source, 'code.uri must be a URI (e.g. git+https://github.com/org/repo)');
    const commit = str(raw.code.commit, source, 'code.commit')!.toLowerCase();
    if (!/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(commit))
      fail(source, 'code.commit must be a full git commit id (40 or 64 hex digits)');
    spec.code = { uri, commit, path: str(raw.code.path, source, 'code.path', true) };
  }
  if (raw.container !== undefined) {
    if (!isObject(raw.container)) fail(source, 'container must be a mapping with image and digest');
    const image = str(raw.container.image, source, 'container.image')!;
    const digest = str(raw.container.digest, source, 'container.digest')!;
    if (!/^sha256:[0-9a-f]{64}$/.test(digest))
      fail(source, 'container.digest must be sha256:<64 hex digits>');
    spec.container = { image, digest };
  }
  spec.invocationId = str(raw.invocationId, source, 'invocationId', true);
  for (const k of ['startedOn', 'finishedOn'] as const) {
    if (raw[k] === undefined) continue;
    const v = raw[k] instanceof Date ? (raw[k] as Date).toISOString() : raw[k];
    if (!isTimestamp(v)) fail(source, `${k} must be an RFC 3339 time, e.g. 2026-01-31T12:00:00Z`);
    spec[k] = v;
  }
  if (spec.startedOn && spec.finishedOn && Date.parse(spec.finishedOn) < Date.parse(spec.startedOn))
    fail(source, 'finishedOn is before startedOn');
  return spec;
}

/** Reads and validates a run spec file (YAML or JSON; at most 1 MiB). */
export async function loadTrainingRunSpec(file: string): Promise<TrainingRunSpec> {
  let text: string;
  try {
    if ((await stat(file)).size > MAX_SPEC_BYTES)
      throw new ConfigError(`${file}: run spec is larger than 1 MiB`);
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof BulwarkError) throw err;
    throw new BulwarkError(
      'E_NOT_FOUND',
      `cannot read run spec ${file}: ${errorMessage(err)}; check the path`,
    );
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 100, prettyErrors: false });
  } catch (err) {
    throw new ConfigError(`${file}: not valid YAML or JSON: ${errorMessage(err).split('\n')[0]}`);
  }
  return validateTrainingRunSpec(raw, file);
}

export interface ResolveOptions {
  /** Directory relative paths of the spec are resolved against (the spec file's directory). */
  baseDir?: string;
  /** OMS hashing options of the base model and of dataset directories. */
  hashOptions?: HashOptions;
}

async function inputDescriptor(
  inp: TrainingInputSpec,
  role: string,
  kind: DigestKind | undefined,
  opts: ResolveOptions,
): Promise<ResourceDescriptor> {
  const rd: ResourceDescriptor = { name: inp.name };
  if (inp.uri) rd.uri = inp.uri;
  let digestKind: DigestKind | undefined = kind;
  if (inp.path !== undefined) {
    const abs = path.resolve(opts.baseDir ?? process.cwd(), inp.path);
    const d = await digestPath(abs, { kind, hashOptions: opts.hashOptions });
    digestKind = d.kind;
    if (inp.digest && typeof inp.digest === 'object' && inp.digest.sha256 !== d.sha256)
      throw new BulwarkError(
        'E_VERIFY',
        `${role} ${inp.name}: ${inp.path} hashes to sha256:${d.sha256}, not the digest the run spec gives; fix the spec or the file`,
      );
    rd.digest = { sha256: d.sha256 };
  } else rd.digest = { ...(inp.digest as Record<string, string>) };
  rd.annotations = { role };
  if (digestKind) rd.annotations.digestKind = digestKind;
  return rd;
}

/**
 * Builds SLSA Provenance v1 for a training run: hashes the base model (OMS root) and the datasets (SHA-256 of a file,
 * OMS root of a directory) and lays the spec out as buildDefinition / runDetails.
 */
export async function buildTrainingProvenance(
  spec: TrainingRunSpec,
  opts: ResolveOptions = {},
): Promise<SlsaProvenance> {
  const deps: ResourceDescriptor[] = [];
  if (spec.baseModel) deps.push(await inputDescriptor(spec.baseModel, 'base-model', 'oms-root', opts));
  for (const d of spec.datasets)
    deps.push(await inputDescriptor(d, d.role ?? 'training-data', undefined, opts));
  if (spec.code) {
    const rd: ResourceDescriptor = {
      uri: spec.code.uri,
      digest: { gitCommit: spec.code.commit },
      annotations: { role: 'source-code' },
    };
    if (spec.code.path) rd.annotations!.path = spec.code.path;
    deps.push(rd);
  }
  if (spec.container) {
    const image = spec.container.image;
    deps.push({
      uri: /^[a-z][a-z0-9+.-]*:\/\//.test(image) ? image : `oci://${image}`,
      digest: { sha256: spec.container.digest.slice('sha256:'.length) },
      annotations: { role: 'container-image' },
    });
  }
  const externalParameters: Record<string, unknown> = { entryPoint: spec.entryPoint };
  if (spec.task) externalParameters.task = spec.task;
  if (spec.parameters) externalParameters.parameters = spec.parameters;
  const provenance: SlsaProvenance = {
    buildDefinition: {
      buildType: TRAINING_BUILD_TYPE_V1,
      externalParameters,
      resolvedDependencies: deps,
    },
    runDetails: { builder: { id: spec.builder.id } },
  };
  if (spec.environment) provenance.buildDefinition.internalParameters = { environment: spec.environment };
  if (spec.builder.version) provenance.runDetails.builder.version = spec.builder.version;
  const metadata: NonNullable<SlsaProvenance['runDetails']['metadata']> = {};
  if (spec.invocationId) metadata.invocationId = spec.invocationId;
  if (spec.startedOn) metadata.startedOn = new Date(spec.startedOn).toISOString();
  if (spec.finishedOn) metadata.finishedOn = new Date(spec.finishedOn).toISOString();
  if (Object.keys(metadata).length) provenance.runDetails.metadata = metadata;
  return provenance;
}

/** Dependencies of a training provenance with a given role. */
export function dependenciesByRole(p: SlsaProvenance, role: string): ResourceDescriptor[] {
  return (p.buildDefinition.resolvedDependencies ?? []).filter(
    (d) => (d.annotations as { role?: unknown } | undefined)?.role === role,
  );
}
