import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { BulwarkError, VerificationError, type VerificationFailure } from '../core/errors.js';
import type { Finding } from '../core/finding.js';
import { MAX_BUNDLE_BYTES } from './bundle.js';
import { verifyModel, type ModelVerification, type VerifyModelOptions } from './oms/verify-model.js';
import { verificationFindings } from './rules.js';
import type { EnvelopeVerifier } from './signing/types.js';

/** `warn`: report problems and let the load go on; `enforce`: refuse to load (throw) unless verified. */
export type LoadPolicy = 'warn' | 'enforce';

export interface VerifyBeforeLoadOptions extends Omit<VerifyModelOptions, 'signaturePath'> {
  /** The signature bundle. Default: `MODEL/model.sig` for a directory, `MODEL.sig` beside a single file. */
  signature?: string;
  verifier: EnvelopeVerifier;
  policy: LoadPolicy;
  /** Called once in warn mode when the model is unsigned or fails verification. Default: `process.emitWarning`. */
  onWarn?: (message: string, result: LoadVerification) => void;
}

/** The outcome of a verify-before-load check. */
export interface LoadVerification {
  status: 'verified' | 'unsigned' | 'failed';
  modelPath: string;
  signaturePath: string;
  policy: LoadPolicy;
  /** Set when verified. */
  verification?: ModelVerification;
  /** Why it is not verified (`unsigned` when there is no signature file). */
  reason?: VerificationFailure | 'unsigned' | 'error';
  message?: string;
  error?: unknown;
  /** The same outcome as BW-PROV findings (empty when verified). */
  findings: Finding[];
}

/** Reason carried by the VerificationError thrown for a model without a signature. */
export const UNSIGNED_REASON: VerificationFailure = 'unsigned';

/** Default signature location used by `bulwark sign` / `verify`: `DIR/model.sig`, or `FILE.sig` for a single file. */
export async function defaultSignaturePath(modelPath: string): Promise<string> {
  const abs = path.resolve(modelPath);
  let isDir = false;
  try {
    isDir = (await stat(abs)).isDirectory();
  } catch {
    // A missing model is reported by verification.
  }
  return isDir ? path.join(abs, 'model.sig') : `${abs}.sig`;
}

/**
 * Verifies a model's OMS signature before it is loaded. In `enforce` mode it throws `VerificationError` when the
 * model is unsigned (reason `unsigned`) or verification fails (the failure's reason) — and rethrows I/O errors — so a
 * loader wrapped in it never reads unverified weights. In `warn` mode it always resolves, calling `onWarn` with a
 * one-line message when the model is not verified. Either way the result carries the outcome as findings.
 */
export async function verifyBeforeLoad(
  modelPath: string,
  opts: VerifyBeforeLoadOptions,
): Promise<LoadVerification> {
  const { signature, verifier, policy, onWarn, ...verifyOpts } = opts;
  if (policy !== 'warn' && policy !== 'enforce')
    throw new TypeError(`verify-on-load policy must be "warn" or "enforce", not ${JSON.stringify(policy)}`);
  const signaturePath = signature ? path.resolve(signature) : await defaultSignaturePath(modelPath);
  const location = { file: modelPath };
  const base = { modelPath, signaturePath, policy };

  let bundle: Buffer | undefined;
  let readError: unknown;
  try {
    const st = await stat(signaturePath);
    if (st.size > MAX_BUNDLE_BYTES)
      throw new VerificationError(
        'malformed-bundle',
        `signature ${signaturePath} is ${st.size} bytes, over the ${MAX_BUNDLE_BYTES}-byte limit; it is not a model signature`,
      );
    bundle = await readFile(signaturePath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') readError = err;
  }

  let result: LoadVerification;
  if (!bundle && !readError) {
    const err = new VerificationError(
      UNSIGNED_REASON,
      `model ${modelPath} is unsigned: no signature at ${signaturePath}`,
      { signaturePath },
    );
    result = {
      ...base,
      status: 'unsigned',
      reason: 'unsigned',
      message: err.message,
      error: err,
      findings: verificationFindings(err, location),
    };
  } else {
    try {
      if (readError) throw readError;
      const verification = await verifyModel(modelPath, bundle!, verifier, { ...verifyOpts, signaturePath });
      return { ...base, status: 'verified', verification, findings: [] };
    } catch (err) {
      const reason = err instanceof VerificationError ? err.reason : 'error';
      const message =
        err instanceof Error ? `model ${modelPath} failed verification: ${err.message}` : String(err);
      result = {
        ...base,
        status: 'failed',
        reason,
        message,
        error: err,
        findings: verificationFindings(err, location),
      };
    }
  }
  if (policy === 'enforce') {
    const err = result.error;
    if (err instanceof BulwarkError) throw err;
    throw new BulwarkError('E_IO', result.message ?? 'model verification failed', { cause: err });
  }
  const warn = onWarn ?? ((m: string) => process.emitWarning(m, { code: 'BULWARK_UNVERIFIED_MODEL' }));
  warn(result.message ?? 'model is not verified', result);
  return result;
}
