import type { DsseEnvelope } from './dsse.js';

/** The bundle media type model_signing ≥ 1.0 writes and requires. */
export const BUNDLE_MEDIA_TYPE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';
/** Older Sigstore bundle media types a verifier may meet. */
export const BUNDLE_MEDIA_TYPES_LEGACY = [
  'application/vnd.dev.sigstore.bundle+json;version=0.1',
  'application/vnd.dev.sigstore.bundle+json;version=0.2',
  'application/vnd.dev.sigstore.bundle+json;version=0.3',
] as const;

/** In-toto statement type and the predicate types of model signatures. */
export const INTOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
export const OMS_PREDICATE_V1 = 'https://model_signing/signature/v1.0';
export const OMS_PREDICATE_V01 = 'https://model_signing/Digests/v0.1';

/** Sigstore bundle JSON (protobuf-specs `Bundle`), as far as model signatures use it. Fields are untrusted input. */
export interface SigstoreBundleJson {
  mediaType: string;
  verificationMaterial: {
    publicKey?: { hint?: string; rawBytes?: string; keyDetails?: string };
    x509CertificateChain?: { certificates: { rawBytes: string }[] };
    certificate?: { rawBytes: string };
    tlogEntries?: unknown[];
    timestampVerificationData?: unknown;
  };
  dsseEnvelope: DsseEnvelope;
}

/** An in-toto Statement v1. */
export interface InTotoStatement<P = unknown> {
  _type: string;
  subject: { name?: string; digest: Record<string, string> }[];
  predicateType: string;
  predicate: P;
}
