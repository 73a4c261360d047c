import type { DsseEnvelope } from './dsse.js';
import { VerificationError } from '../core/errors.js';

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

/** Largest bundle a verifier reads (a model signature is a few KiB; certificate chains and tlog entries add little). */
export const MAX_BUNDLE_BYTES = 16 * 1024 * 1024;

/**
 * Parses and structurally checks a Sigstore bundle carrying a DSSE envelope, as model signatures use it. Throws
 * `VerificationError`: `malformed-bundle` (not JSON, or a required field is missing or has the wrong type; the
 * message says which) or `wrong-media-type` (anything but `application/vnd.dev.sigstore.bundle.v0.3+json`, unless
 * `allowLegacyMediaTypes` admits the older `…bundle+json;version=0.x` spellings).
 */
export function parseBundle(
  input: string | Uint8Array | unknown,
  opts: { allowLegacyMediaTypes?: boolean } = {},
): SigstoreBundleJson {
  let json: unknown = input;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    const size = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
    if (size > MAX_BUNDLE_BYTES)
      throw new VerificationError(
        'malformed-bundle',
        `signature bundle is ${size} bytes, over the ${MAX_BUNDLE_BYTES}-byte limit; this is not a model signature`,
        { size },
      );
    const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new VerificationError(
        'malformed-bundle',
        `signature bundle is not valid JSON (${(err as Error).message}); pass the .sig file model signing wrote`,
      );
    }
  }
  const bad = (what: string): never => {
    throw new VerificationError('malformed-bundle', `malformed signature bundle: ${what}`, { problem: what });
  };
  if (!isObject(json)) return bad('the top level is not a JSON object');
  if (typeof json.mediaType !== 'string') return bad('"mediaType" is missing or not a string');
  const legacy = (BUNDLE_MEDIA_TYPES_LEGACY as readonly string[]).includes(json.mediaType);
  if (json.mediaType !== BUNDLE_MEDIA_TYPE_V03 && !(legacy && opts.allowLegacyMediaTypes))
    throw new VerificationError(
      'wrong-media-type',
      `bundle mediaType ${JSON.stringify(json.mediaType.slice(0, 200))} is not ${BUNDLE_MEDIA_TYPE_V03}; model signatures use Sigstore bundle v0.3`,
      { mediaType: json.mediaType.slice(0, 200) },
    );
  const vm = json.verificationMaterial;
  if (!isObject(vm)) return bad('"verificationMaterial" is missing or not an object');
  const kinds = ['publicKey', 'x509CertificateChain', 'certificate'].filter((k) => vm[k] !== undefined);
  if (kinds.length === 0)
    return bad('"verificationMaterial" has none of publicKey, x509CertificateChain, certificate');
  if (kinds.length > 1) return bad(`"verificationMaterial" has more than one of ${kinds.join(', ')}`);
  if (vm.publicKey !== undefined) {
    const pk = vm.publicKey;
    if (!isObject(pk)) return bad('"verificationMaterial.publicKey" is not an object');
    for (const f of ['hint', 'rawBytes', 'keyDetails'])
      if (pk[f] !== undefined && pk[f] !== null && typeof pk[f] !== 'string')
        return bad(`"verificationMaterial.publicKey.${f}" is not a string`);
  }
  if (vm.x509CertificateChain !== undefined) {
    const ch = vm.x509CertificateChain;
    if (!isObject(ch) || !Array.isArray(ch.certificates) || ch.certificates.length === 0)
      return bad('"verificationMaterial.x509CertificateChain.certificates" is missing or empty');
    if (ch.certificates.length > 16) return bad('the certificate chain has more than 16 certificates');
    ch.certificates.forEach((c, i) => {
      if (!isObject(c) || !isBase64(c.rawBytes))
        bad(`certificate ${i} of x509CertificateChain has no base64 "rawBytes"`);
    });
  }
  if (vm.certificate !== undefined && (!isObject(vm.certificate) || !isBase64(vm.certificate.rawBytes)))
    return bad('"verificationMaterial.certificate.rawBytes" is missing or not base64');
  if (vm.tlogEntries !== undefined && vm.tlogEntries !== null && !Array.isArray(vm.tlogEntries))
    return bad('"verificationMaterial.tlogEntries" is not an array');
  if (vm.certificate !== undefined && (!Array.isArray(vm.tlogEntries) || vm.tlogEntries.length === 0))
    return bad(
      'a Sigstore keyless bundle (verificationMaterial.certificate) needs at least one tlogEntries entry',
    );
  const env = json.dsseEnvelope;
  if (json.messageSignature !== undefined && env === undefined)
    return bad('the bundle holds a messageSignature, not a DSSE envelope; model signatures are DSSE');
  if (!isObject(env)) return bad('"dsseEnvelope" is missing or not an object');
  if (!isBase64(env.payload)) return bad('"dsseEnvelope.payload" is missing or not base64');
  if (typeof env.payloadType !== 'string')
    return bad('"dsseEnvelope.payloadType" is missing or not a string');
  if (!Array.isArray(env.signatures) || env.signatures.length === 0)
    return bad('"dsseEnvelope.signatures" is missing or empty');
  if (env.signatures.length > 16) return bad('"dsseEnvelope.signatures" has more than 16 entries');
  env.signatures.forEach((s, i) => {
    if (!isObject(s) || !isBase64(s.sig) || s.sig === '')
      bad(`signature ${i} of the DSSE envelope has no base64 "sig"`);
    if (isObject(s) && s.keyid !== undefined && s.keyid !== null && typeof s.keyid !== 'string')
      bad(`signature ${i} of the DSSE envelope has a non-string "keyid"`);
  });
  return json as unknown as SigstoreBundleJson;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Standard or URL-safe base64, padding optional (protobuf JSON accepts both). */
export function isBase64(v: unknown): v is string {
  return typeof v === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(v);
}

/** Decodes standard or URL-safe base64. */
export function decodeBase64(s: string): Buffer {
  return Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}
