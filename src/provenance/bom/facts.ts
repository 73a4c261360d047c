/**
 * The facts both BOM formats are built from: the OMS manifest (SHA-256 of every file and the root digest), the
 * repository's own metadata (model card, config, declared dependencies), the model's identity, the creation time and
 * references to a signature bundle and a scan report. Computing them once keeps CycloneDX and SPDX output in step.
 */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BulwarkError, UsageError } from '../../core/errors.js';
import { parseBundle } from '../bundle.js';
import { hashModel } from '../oms/parallel.js';
import type { HashOptions, ModelManifest } from '../oms/types.js';
import { emptyCardInfo, readModelCardInfo, type ModelCardInfo } from './card.js';
import { huggingfacePurl } from './deps.js';
import type { CdxApproachType, EvidenceSource } from './types.js';

/** Largest signature bundle or scan report hashed for an external reference. */
export const MAX_REFERENCED_FILE_BYTES = 64 * 1024 * 1024;

export interface BomOptions {
  /** Model name; `org/name` is taken as a Hugging Face repository id (group, purl, hub links). */
  name?: string;
  /** Model version (for a Hugging Face model, the revision / commit). */
  version?: string;
  /**
   * Creation time written into the document: a Date, an ISO 8601 string or seconds since the epoch. Default: now.
   */
  timestamp?: Date | string | number;
  /**
   * Reproducible output: the serial number / document id is derived from the content instead of being random.
   * Needs `timestamp` (otherwise two runs differ by their creation time).
   */
  reproducible?: boolean;
  /** Sigstore/OMS signature bundle of the model: a local path (hashed) or an https URL. */
  signature?: string;
  /** Scan report of the model (e.g. `bulwark scan --format json` output): a local path (hashed) or an https URL. */
  scanReport?: string;
  /** Learning approach (CycloneDX `modelParameters.approach.type`); a repository never says, so only when given. */
  approach?: CdxApproachType;
  /** Version of Bulwark recorded as the generating tool (default: the package's version). */
  toolVersion?: string;
  /** Directory relative paths (`signature`, `scanReport`) are resolved against (default: process.cwd()). */
  cwd?: string;
  /** A manifest already computed for this model in files mode with SHA-256 (skips hashing). */
  manifest?: ModelManifest;
  /** Hashing options passed to the OMS hasher (method and hash type are always files / sha256). */
  hash?: Pick<
    HashOptions,
    'allowSymlinks' | 'ignorePaths' | 'ignoreGitPaths' | 'workers' | 'signal' | 'onProgress'
  >;
}

export interface ModelIdentity {
  name: string;
  nameSource: EvidenceSource;
  /** `org/name` when known. */
  repoId?: string;
  group?: string;
  version?: string;
  purl?: string;
}

export interface ReferencedFile {
  /** What the document records: the path as given (POSIX separators) or the URL. */
  ref: string;
  /** SHA-256 (hex) when the reference is a local file. */
  sha256?: string;
  isUrl: boolean;
}

export interface ModelFacts {
  manifest: ModelManifest;
  card: ModelCardInfo;
  identity: ModelIdentity;
  /** ISO 8601, seconds precision, UTC. */
  created: string;
  reproducible: boolean;
  toolVersion: string;
  approach?: CdxApproachType;
  signature?: ReferencedFile & {
    /** The bundle's in-toto subject digest equals the root digest (a consistency check, not a verification). */
    subjectMatches?: boolean;
  };
  scanReport?: ReferencedFile;
  /** Card warnings plus reference warnings, in a stable order. */
  warnings: string[];
  /** True when the model path is a single file. */
  singleFile: boolean;
}

const REPO_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}\/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;

let cachedVersion: string | undefined;
function bulwarkVersion(): string {
  if (cachedVersion === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
        version?: unknown;
      };
      cachedVersion = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
    } catch {
      cachedVersion = '0.0.0';
    }
  }
  return cachedVersion;
}

/** Normalises a creation time to `YYYY-MM-DDTHH:MM:SSZ`; throws UsageError for an unreadable value. */
export function normalizeTimestamp(t: Date | string | number | undefined): string {
  let d: Date;
  if (t === undefined) d = new Date();
  else if (t instanceof Date) d = t;
  else if (typeof t === 'number') d = new Date(t * 1000);
  else if (/^\d{1,12}$/.test(t.trim())) d = new Date(Number(t.trim()) * 1000);
  else d = new Date(t);
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1970 || d.getUTCFullYear() > 9999)
    throw new UsageError(
      `timestamp ${JSON.stringify(String(t).slice(0, 60))} is not a date; give ISO 8601 (2026-01-31T12:00:00Z) or seconds since the epoch`,
    );
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function isUrl(s: string): boolean {
  return /^https?:\/\/[^\s]+$/i.test(s);
}

/** Percent-encodes a local path for use as a relative IRI reference (POSIX separators). */
export function pathToIriRef(p: string): string {
  return p
    .split(/[\\/]/)
    .map((seg) => encodeURIComponent(seg))
    .join('/');
}

async function sha256File(file: string, label: string): Promise<string> {
  let st;
  try {
    st = await stat(file);
  } catch {
    throw new UsageError(`${label} ${JSON.stringify(file)} does not exist; check the path`);
  }
  if (!st.isFile()) throw new UsageError(`${label} ${JSON.stringify(file)} is not a regular file`);
  if (st.size > MAX_REFERENCED_FILE_BYTES)
    throw new UsageError(
      `${label} ${JSON.stringify(file)} is ${st.size} bytes, over the ${MAX_REFERENCED_FILE_BYTES}-byte limit`,
    );
  const h = createHash('sha256');
  const fh = await open(file, 'r');
  try {
    for await (const chunk of fh.createReadStream({ highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  } finally {
    await fh.close().catch(() => undefined);
  }
  return h.digest('hex');
}

async function referencedFile(
  value: string | undefined,
  cwd: string,
  label: string,
): Promise<ReferencedFile | undefined> {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (v === '') throw new UsageError(`${label} is empty; give a file path or an https URL`);
  if (isUrl(v)) return { ref: v, isUrl: true };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v))
    throw new UsageError(
      `${label} ${JSON.stringify(v.slice(0, 200))}: only local paths and http(s) URLs are accepted`,
    );
  const sha256 = await sha256File(path.resolve(cwd, v), label);
  return { ref: v.split(path.sep).join('/'), sha256, isUrl: false };
}

/** Paths inside the model directory to leave out of hashing (a signature or report kept beside the model files). */
function ignoredInside(modelRoot: string, cwd: string, refs: (string | undefined)[]): string[] {
  const out: string[] = [];
  for (const r of refs) {
    if (r === undefined || isUrl(r.trim())) continue;
    const abs = path.resolve(cwd, r.trim());
    const rel = path.relative(modelRoot, abs);
    if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) out.push(abs);
  }
  return out;
}

async function hashForBom(
  modelPath: string,
  opts: BomOptions,
  extraIgnores: string[],
): Promise<ModelManifest> {
  if (opts.manifest) {
    const s = opts.manifest.serialization;
    if (s.method !== 'files' || s.hash_type !== 'sha256')
      throw new UsageError(
        `the manifest given was made with ${s.method}/${s.hash_type}; a BOM needs files mode with sha256 (per-file SHA-256)`,
      );
    return opts.manifest;
  }
  const hashOpts: HashOptions = {
    ...opts.hash,
    method: 'files',
    hashType: 'sha256',
    ignorePaths: [...(opts.hash?.ignorePaths ?? []), ...extraIgnores],
  };
  try {
    return await hashModel(modelPath, hashOpts);
  } catch (err) {
    if (err instanceof BulwarkError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code)
      throw new BulwarkError(
        'E_IO',
        `cannot read the model at ${JSON.stringify(modelPath)} (${code}); check the permissions of its files`,
        { cause: err },
      );
    throw err;
  }
}

function resolveIdentity(opts: BomOptions, card: ModelCardInfo, manifest: ModelManifest): ModelIdentity {
  let name: string;
  let nameSource: EvidenceSource;
  if (opts.name !== undefined && opts.name.trim() !== '') {
    name = opts.name.trim();
    nameSource = 'supplied';
  } else if (card.modelIndexName) {
    name = card.modelIndexName;
    nameSource = 'declared';
  } else {
    name = manifest.modelName;
    nameSource = 'inferred';
  }
  const id: ModelIdentity = { name, nameSource };
  if (REPO_ID.test(name)) {
    id.repoId = name;
    const [org, short] = name.split('/');
    id.group = org;
    id.name = short;
  }
  if (opts.version !== undefined && opts.version.trim() !== '') id.version = opts.version.trim();
  if (id.repoId) id.purl = huggingfacePurl(id.repoId, id.version);
  return id;
}

/** Gathers everything a BOM of `modelPath` says. Throws BulwarkError for a missing/unreadable model or bad options. */
export async function collectModelFacts(modelPath: string, opts: BomOptions = {}): Promise<ModelFacts> {
  const cwd = opts.cwd ?? process.cwd();
  const root = path.resolve(cwd, modelPath);
  if (opts.reproducible && opts.timestamp === undefined)
    throw new UsageError(
      'reproducible output needs a fixed creation time; pass --timestamp or set SOURCE_DATE_EPOCH',
    );
  const created = normalizeTimestamp(opts.timestamp);
  const extraIgnores = ignoredInside(root, cwd, [opts.signature, opts.scanReport]);
  const manifest = await hashForBom(root, opts, extraIgnores);
  const st = await stat(root);
  const singleFile = st.isFile();
  const card = singleFile ? emptyCardInfo() : await readModelCardInfo(root);
  const identity = resolveIdentity(opts, card, manifest);
  const warnings = [...card.warnings];
  if (manifest.resources.length === 0) warnings.push('the model has no files to hash');

  const signature = await referencedFile(opts.signature, cwd, 'signature bundle');
  let subjectMatches: boolean | undefined;
  if (signature && !signature.isUrl) {
    subjectMatches = await checkSignatureSubject(
      path.resolve(cwd, opts.signature!.trim()),
      manifest,
      warnings,
    );
  }
  const scanReport = await referencedFile(opts.scanReport, cwd, 'scan report');
  return {
    manifest,
    card,
    identity,
    created,
    reproducible: opts.reproducible === true,
    toolVersion: opts.toolVersion ?? bulwarkVersion(),
    ...(opts.approach ? { approach: opts.approach } : {}),
    ...(signature
      ? { signature: { ...signature, ...(subjectMatches !== undefined ? { subjectMatches } : {}) } }
      : {}),
    ...(scanReport ? { scanReport } : {}),
    warnings,
    singleFile,
  };
}

/**
 * Compares the in-toto subject digest of an OMS signature bundle with the model's root digest. This is a
 * consistency check for the BOM (does this bundle belong to these bytes?), not a signature verification.
 */
async function checkSignatureSubject(
  file: string,
  manifest: ModelManifest,
  warnings: string[],
): Promise<boolean | undefined> {
  let text: string;
  try {
    const fh = await open(file, 'r');
    try {
      const buf = Buffer.alloc(Math.min((await fh.stat()).size, MAX_REFERENCED_FILE_BYTES));
      await fh.read(buf, 0, buf.length, 0);
      text = buf.toString('utf8');
    } finally {
      await fh.close();
    }
  } catch {
    return undefined;
  }
  let statement: unknown;
  try {
    const bundle = parseBundle(text, { allowLegacyMediaTypes: true });
    statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'));
  } catch (err) {
    warnings.push(
      `the signature file is not a readable Sigstore bundle with an in-toto statement (${String((err as Error).message).slice(0, 200)}); referenced without a subject check`,
    );
    return undefined;
  }
  const st = statement as {
    subject?: { digest?: Record<string, unknown> }[];
    predicate?: { serialization?: { method?: unknown; hash_type?: unknown } };
  };
  const digest = Array.isArray(st?.subject) ? st.subject[0]?.digest?.sha256 : undefined;
  const ser = st?.predicate?.serialization;
  if (typeof digest !== 'string') {
    warnings.push('the signature bundle has no sha256 subject digest; referenced without a subject check');
    return undefined;
  }
  if (ser && (ser.method !== 'files' || ser.hash_type !== 'sha256')) {
    warnings.push(
      `the signature was made with ${String(ser.method)}/${String(ser.hash_type)} hashing; its subject cannot be compared with the files/sha256 root digest`,
    );
    return undefined;
  }
  if (digest.toLowerCase() !== manifest.rootDigest) {
    warnings.push(
      `the signature bundle's subject digest ${digest.slice(0, 64)} differs from this model's OMS root digest ${manifest.rootDigest}; the bundle signs other content`,
    );
    return false;
  }
  return true;
}
