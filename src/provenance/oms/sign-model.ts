import path from 'node:path';
import { UsageError } from '../../core/errors.js';
import type { InTotoStatement, SigstoreBundleJson } from '../bundle.js';
import { INTOTO_PAYLOAD_TYPE } from '../dsse.js';
import type { EnvelopeSigner } from '../signing/types.js';
import { hashModel } from './parallel.js';
import { manifestToStatement, statementPayload, type OmsPredicate } from './statement.js';
import type { HashOptions, ModelManifest } from './types.js';

export interface SignModelOptions extends HashOptions {
  /** Where the signature will be written; left out of hashing (and recorded in `ignore_paths`) when inside the model. */
  signaturePath?: string;
  /** Sign a model with no files (the OMS spec says not to; default false: a usage error). */
  allowEmpty?: boolean;
}

/** What `signModel` produced. */
export interface SignedModel {
  bundle: SigstoreBundleJson;
  manifest: ModelManifest;
  statement: InTotoStatement<OmsPredicate>;
  /** The signed DSSE payload bytes. */
  payload: Buffer;
}

/**
 * Hashes a model as OpenSSF Model Signing does, builds the in-toto statement exactly as `model_signing` 1.x writes it,
 * and signs it with `signer` (key, certificate or Sigstore). The bundle verifies with `model_signing verify` and with
 * `verifyModel`. Write it with `bundleToJson`.
 */
export async function signModel(
  modelPath: string,
  signer: EnvelopeSigner,
  opts: SignModelOptions = {},
): Promise<SignedModel> {
  const { signaturePath, allowEmpty, ...hashOpts } = opts;
  const ignorePaths = [...(hashOpts.ignorePaths ?? [])];
  if (signaturePath) ignorePaths.push(path.resolve(signaturePath));
  const manifest = await hashModel(modelPath, { ...hashOpts, ignorePaths });
  if (manifest.resources.length === 0 && !allowEmpty)
    throw new UsageError(
      `model ${JSON.stringify(modelPath)} has no files to sign (after ignored paths); the OMS spec forbids empty signatures (pass --allow-empty to sign anyway)`,
    );
  const statement = manifestToStatement(manifest);
  const payload = statementPayload(statement);
  const bundle = await signer.sign(INTOTO_PAYLOAD_TYPE, payload);
  return { bundle, manifest, statement, payload };
}

/** The bundle as model_signing writes it: compact JSON, fields in protobuf order. */
export function bundleToJson(bundle: SigstoreBundleJson): string {
  return JSON.stringify(bundle);
}
