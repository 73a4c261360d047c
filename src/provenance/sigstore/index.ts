import type { EnvelopeSigner, EnvelopeVerifier } from '../signing/types.js';
import { SigstoreSigner, type SigstoreSignOptions } from './sign.js';
import { SigstoreVerifier, type SigstoreVerifyOptions } from './verify.js';

export type { SigstoreSignOptions } from './sign.js';
export type { SigstoreVerifyOptions } from './verify.js';
export {
  PUBLIC_GOOD_FULCIO_URL,
  PUBLIC_GOOD_REKOR_URL,
  PUBLIC_GOOD_TSA_URL,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_RETRIES,
  checkIdentityToken,
} from './sign.js';
export {
  PUBLIC_GOOD_TUF_MIRROR,
  publicGoodTrustedRoot,
  loadTrustedRootFile,
  parseTrustedRoot,
} from './trust-root.js';

/**
 * Keyless signer: exchanges the OIDC identity token for a short-lived Fulcio certificate, signs the DSSE envelope
 * with an ephemeral P-256 key, logs it in Rekor (and optionally gets an RFC 3161 timestamp). Throws `UsageError` on
 * bad options (checked here, before any network access).
 */
export function createSigstoreSigner(opts: SigstoreSignOptions): EnvelopeSigner {
  return new SigstoreSigner(opts);
}

/**
 * Offline keyless verifier: checks the Fulcio chain, SCT, Rekor entry (SET / inclusion proof / checkpoint),
 * timestamps and signature against a trusted root, then the certificate identity and OIDC issuer.
 * Throws `UsageError` on bad options; `verify()` throws `VerificationError` (or `ConfigError` for a bad trusted root).
 */
export function createSigstoreVerifier(opts: SigstoreVerifyOptions): EnvelopeVerifier {
  return new SigstoreVerifier(opts);
}
