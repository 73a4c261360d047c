import { type KeyObject } from 'node:crypto';
import { VerificationError } from '../../core/errors.js';
import { decodeBase64, type SigstoreBundleJson } from '../bundle.js';
import { hashForKey, pae, paeCompatV02, verifyBytes, type DsseEnvelope } from '../dsse.js';

/** Compat tag set on a `VerifiedEnvelope` when the signature was made over model_signing 0.2.0's PAE. */
export const COMPAT_V020_PAE = 'model_signing-0.2.0-pae';

/** A DSSE envelope whose signature checked out with a key. */
export interface EnvelopeCheck {
  payloadType: string;
  payload: Buffer;
  compat?: string;
}

/**
 * Verifies the DSSE signature(s) of an envelope with one public key. Accepts the standard PAE with the curve's digest
 * and, as a fallback for bundles model_signing 0.2.0 wrote, its buggy PAE signed with SHA-256. Returns undefined when
 * no signature verifies.
 */
export function checkEnvelopeSignature(publicKey: KeyObject, env: DsseEnvelope): EnvelopeCheck | undefined {
  const digest = hashForKey(publicKey);
  if (!digest)
    throw new VerificationError(
      'bad-signature',
      'the signing key is not an elliptic-curve key on P-256, P-384 or P-521; model signatures use ECDSA on NIST curves',
      { keyType: publicKey.asymmetricKeyType },
    );
  const payload = decodeBase64(env.payload);
  for (const s of env.signatures) {
    const sig = decodeBase64(s.sig);
    if (verifyBytes(publicKey, pae(env.payloadType, payload), sig, digest))
      return { payloadType: env.payloadType, payload };
  }
  for (const s of env.signatures) {
    const sig = decodeBase64(s.sig);
    if (verifyBytes(publicKey, paeCompatV02(env.payloadType, payload), sig, 'sha256'))
      return { payloadType: env.payloadType, payload, compat: COMPAT_V020_PAE };
  }
  return undefined;
}

/** The envelope of a bundle that was already checked by `parseBundle` (or a clear error if it was not). */
export function envelopeOf(bundle: SigstoreBundleJson): DsseEnvelope {
  const env = bundle?.dsseEnvelope;
  if (
    !env ||
    typeof env.payload !== 'string' ||
    !Array.isArray(env.signatures) ||
    env.signatures.length === 0
  )
    throw new VerificationError(
      'malformed-bundle',
      'malformed signature bundle: no DSSE envelope with a signature',
    );
  return env;
}
