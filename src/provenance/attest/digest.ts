import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { BulwarkError, errorMessage } from '../../core/errors.js';
import { hashModel } from '../oms/parallel.js';
import type { HashOptions, ModelManifest } from '../oms/types.js';
import type { DigestKind } from './types.js';

/** Names of signature and attestation files that live beside a model's files (not part of what is attested). */
export const SIGNATURE_FILE =
  /(^model\.sig$|\.sig$|\.sigstore$|\.sigstore\.json$|\.intoto\.jsonl?$|\.dsse\.json$)/;

/** Top-level files of a model directory that are signatures or attestations (see SIGNATURE_FILE). */
export async function signatureFiles(modelPath: string): Promise<string[]> {
  try {
    if (!(await stat(modelPath)).isDirectory()) return [];
    const entries = await readdir(modelPath, { withFileTypes: true });
    return entries.filter((e) => e.isFile() && SIGNATURE_FILE.test(e.name)).map((e) => e.name);
  } catch {
    return [];
  }
}

/**
 * Hashes a model (file or directory) the OMS way (worker threads for large models). Unless `skipSignatures` is
 * false, signature and attestation files at the top of a directory are left out, so that signing or attesting a
 * model in place does not change the digest later attestations see.
 */
export async function hashTree(
  modelPath: string,
  opts: HashOptions = {},
  skipSignatures = true,
): Promise<ModelManifest> {
  const extra = skipSignatures ? await signatureFiles(modelPath) : [];
  const o = extra.length
    ? { ...opts, ignorePaths: [...(opts.ignorePaths ?? []), ...extra.map((n) => path.join(modelPath, n))] }
    : opts;
  return hashModel(modelPath, o);
}

/** Hex SHA-256 of a file's bytes, streamed. */
export function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    const s = createReadStream(file, { signal });
    s.on('data', (chunk) => h.update(chunk));
    s.on('error', reject);
    s.on('end', () => resolve(h.digest('hex')));
  });
}

/**
 * The digest a training-run provenance records for an input on disk: the SHA-256 of a file's bytes, or the OMS root
 * digest of a directory (with `hashOptions`). `kind: 'oms-root'` forces the OMS root also for a single file (models).
 */
export async function digestPath(
  p: string,
  opts: { kind?: DigestKind; hashOptions?: HashOptions } = {},
): Promise<{ sha256: string; kind: DigestKind }> {
  let isFile: boolean;
  try {
    const st = await stat(p);
    isFile = st.isFile();
    if (!isFile && !st.isDirectory())
      throw new BulwarkError('E_IO', `${p} is neither a file nor a directory; name a file or a directory`);
  } catch (err) {
    if (err instanceof BulwarkError) throw err;
    throw new BulwarkError('E_NOT_FOUND', `cannot read ${p}: ${errorMessage(err)}; check the path`, {
      cause: err,
    });
  }
  const kind: DigestKind = opts.kind ?? (isFile ? 'file' : 'oms-root');
  if (kind === 'file') {
    if (!isFile) throw new BulwarkError('E_IO', `${p} is a directory, but a file digest was asked for`);
    return { sha256: await sha256File(p, opts.hashOptions?.signal), kind };
  }
  return { sha256: (await hashTree(p, opts.hashOptions)).rootDigest, kind };
}

const HEX = /^[0-9a-f]+$/;
/** Hex lengths of DigestSet algorithms whose length is fixed. */
export const DIGEST_HEX_LENGTH: Record<string, number> = {
  sha1: 40,
  sha224: 56,
  sha256: 64,
  sha384: 96,
  sha512: 128,
  sha512_224: 56,
  sha512_256: 64,
  sha3_224: 56,
  sha3_256: 64,
  sha3_384: 96,
  sha3_512: 128,
  md5: 32,
  gitCommit: 40,
  gitTree: 40,
  gitBlob: 40,
};

/** Why a DigestSet is malformed, or undefined when it is well formed (non-empty, lower-case hex of the right length). */
export function digestSetProblem(d: unknown): string | undefined {
  if (typeof d !== 'object' || d === null || Array.isArray(d)) return 'digest is not an object';
  const entries = Object.entries(d as Record<string, unknown>);
  if (entries.length === 0) return 'digest is empty';
  for (const [alg, value] of entries) {
    if (typeof value !== 'string' || value.length === 0) return `digest.${alg} is not a string`;
    const len = DIGEST_HEX_LENGTH[alg];
    if (alg.startsWith('git') && (value.length === 40 || value.length === 64) && HEX.test(value)) continue;
    if (len !== undefined && (value.length !== len || !HEX.test(value)))
      return `digest.${alg} is not ${len} lower-case hex digits`;
  }
  return undefined;
}

/** Parses `sha256:<hex>` or a DigestSet map given by a user. */
export function parseDigestInput(d: string | Record<string, string>, what: string): Record<string, string> {
  let set: Record<string, string>;
  if (typeof d === 'string') {
    const m = /^([a-z0-9_]+):([0-9a-fA-F]+)$/.exec(d.trim());
    if (!m) throw new BulwarkError('E_USAGE', `${what}: digest must look like sha256:<hex>`);
    set = { [m[1]]: m[2].toLowerCase() };
  } else set = d;
  const problem = digestSetProblem(set);
  if (problem) throw new BulwarkError('E_USAGE', `${what}: ${problem}`);
  return set;
}
