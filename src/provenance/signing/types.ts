import type { SigstoreBundleJson } from '../bundle.js';

export type SigningMethod = 'key' | 'certificate' | 'sigstore';

/** Who signed, as established by a verifier. */
export interface SignerIdentity {
  method: SigningMethod;
  /** Key methods: hex SHA-256 of the public key PEM (the bundle hint). */
  keyHint?: string;
  /** Certificate and Sigstore methods: the leaf certificate's subject or SAN (email / URI). */
  subject?: string;
  /** Sigstore: OIDC issuer from the Fulcio certificate; certificate method: the issuing CA's subject. */
  issuer?: string;
  /** Sigstore: transparency-log index, when present. */
  tlogIndex?: string;
}

/** Signs a DSSE payload and wraps it in a Sigstore bundle. One implementation per method. */
export interface EnvelopeSigner {
  readonly method: SigningMethod;
  sign(payloadType: string, payload: Buffer): Promise<SigstoreBundleJson>;
}

/** What a verifier hands back once the envelope's signature (and chain / tlog) check out. */
export interface VerifiedEnvelope {
  payloadType: string;
  payload: Buffer;
  signer: SignerIdentity;
  /** Set when a historical encoding was needed (e.g. model_signing 0.2.0's PAE). */
  compat?: string;
  /** Warnings that did not fail verification (e.g. a bundle without a key hint). */
  warnings: string[];
}

/**
 * Verifies the signature material of a bundle (not the model files). Throws `VerificationError` with a precise
 * `reason` on failure.
 */
export interface EnvelopeVerifier {
  readonly method: SigningMethod;
  verify(bundle: SigstoreBundleJson): Promise<VerifiedEnvelope>;
}
