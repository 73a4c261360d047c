import { createHash, X509Certificate as NodeX509, verify as cryptoVerify } from 'node:crypto';
import { bundleFromJSON, type Bundle, type TransparencyLogEntry } from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';
import {
  Verifier,
  toSignedEntity,
  toTrustMaterial,
  type SignedEntity,
  type TrustMaterial,
  type VerificationPolicy,
} from '@sigstore/verify';
import { ConfigError, UsageError, VerificationError, errorMessage } from '../../core/errors.js';
import { pae } from '../dsse.js';
import { BUNDLE_MEDIA_TYPE_V03, BUNDLE_MEDIA_TYPES_LEGACY, type SigstoreBundleJson } from '../bundle.js';
import type { EnvelopeVerifier, VerifiedEnvelope } from '../signing/types.js';
import { loadTrustedRootFile, publicGoodTrustedRoot } from './trust-root.js';

/** Options of keyless (Sigstore) verification. `identity` or `identityRegex` is required. */
export interface SigstoreVerifyOptions {
  /** Expected certificate identity (SAN: e-mail or URI), compared exactly. */
  identity?: string;
  /** JavaScript regular expression the certificate identity must match (unanchored: add `^…$`). */
  identityRegex?: string;
  /** Expected OIDC issuer (the Fulcio certificate's issuer extension), compared exactly. */
  issuer: string;
  /** A `trusted_root.json`; default: the public-good root shipped in `@sigstore/tuf`. */
  trustedRootPath?: string;
  /** Transparency-log entries required (default 1). */
  tlogThreshold?: number;
  /** Embedded SCTs (certificate-transparency log) required (default 1). */
  ctlogThreshold?: number;
  /** Verified timestamps (Rekor integrated time or RFC 3161) required (default 1). */
  timestampThreshold?: number;
}

/** Fulcio certificate extensions naming the OIDC issuer (v2 is DER-wrapped, v1 raw). */
const OID_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';
const OID_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
const KNOWN_MEDIA_TYPES: readonly string[] = [BUNDLE_MEDIA_TYPE_V03, ...BUNDLE_MEDIA_TYPES_LEGACY];
/** Bound on the bundle parts we iterate over ourselves (bundles hold one of each in practice). */
const MAX_TLOG_ENTRIES = 32;

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function threshold(name: string, value: number | undefined): number {
  if (value === undefined) return 1;
  if (!Number.isInteger(value) || value < 0 || value > 16) {
    throw new UsageError(`${name} must be an integer from 0 to 16, got ${String(value)}`);
  }
  return value;
}

/** SAN and OIDC issuer of a Fulcio certificate (as `@sigstore/verify` derives them); undefined parts when absent. */
function certificateIdentity(der: Buffer): { san?: string; issuer?: string } {
  const cert = X509Certificate.parse(Buffer.from(der));
  const v2 = cert.extension(OID_ISSUER_V2);
  const issuer = v2
    ? v2.valueObj.subs?.[0]?.value.toString('ascii')
    : cert.extension(OID_ISSUER_V1)?.value.toString('ascii');
  return { san: cert.subjectAltName, issuer };
}

const LIB_REASON: Record<string, VerificationError['reason']> = {
  CERTIFICATE_ERROR: 'untrusted-certificate',
  TIMESTAMP_ERROR: 'untrusted-certificate',
  PUBLIC_KEY_ERROR: 'wrong-key',
  SIGNATURE_ERROR: 'bad-signature',
  UNTRUSTED_SIGNER_ERROR: 'wrong-identity',
  TLOG_ERROR: 'tlog',
  TLOG_BODY_ERROR: 'tlog',
  TLOG_INCLUSION_PROOF_ERROR: 'tlog',
  TLOG_INCLUSION_PROMISE_ERROR: 'tlog',
  TLOG_MISSING_INCLUSION_ERROR: 'tlog',
};

const LIB_WHAT: Record<string, string> = {
  CERTIFICATE_ERROR: 'the signing certificate is not trusted',
  TIMESTAMP_ERROR: 'no trusted timestamp vouches for the signing certificate',
  SIGNATURE_ERROR: 'the DSSE signature does not verify',
  TLOG_ERROR: 'transparency-log check failed',
  TLOG_BODY_ERROR: 'the transparency-log entry does not match the envelope',
  TLOG_INCLUSION_PROOF_ERROR: 'the transparency-log inclusion proof does not verify',
  TLOG_INCLUSION_PROMISE_ERROR: 'the transparency-log signed entry timestamp (SET) does not verify',
  TLOG_MISSING_INCLUSION_ERROR: 'the transparency-log entry has neither inclusion proof nor promise',
};

/**
 * Verifies Sigstore keyless bundles (Fulcio certificate + Rekor entry) fully offline against a trusted root, then
 * checks the certificate identity and OIDC issuer. Throws `VerificationError` with a precise reason.
 */
export class SigstoreVerifier implements EnvelopeVerifier {
  readonly method = 'sigstore' as const;
  private readonly policy: VerificationPolicy;
  private readonly identityTest: (san: string) => boolean;
  private readonly expectedIdentity: string;
  private readonly thresholds: { tlogThreshold: number; ctlogThreshold: number; timestampThreshold: number };
  private trust: TrustMaterial | undefined;

  constructor(private readonly opts: SigstoreVerifyOptions) {
    if (opts.identity === undefined && opts.identityRegex === undefined) {
      throw new UsageError(
        'Sigstore verification needs the expected signer: pass --identity or --identity-regex',
      );
    }
    if (opts.identity !== undefined && opts.identityRegex !== undefined) {
      throw new UsageError('pass either --identity or --identity-regex, not both');
    }
    if (typeof opts.issuer !== 'string' || opts.issuer === '') {
      throw new UsageError(
        'Sigstore verification needs the OIDC issuer: pass --identity-provider (e.g. https://accounts.google.com)',
      );
    }
    let sanPattern: string;
    if (opts.identity !== undefined) {
      if (opts.identity === '') throw new UsageError('--identity must not be empty');
      const expected = opts.identity;
      sanPattern = `^${escapeRegex(expected)}$`;
      this.identityTest = (san) => san === expected;
      this.expectedIdentity = expected;
    } else {
      const source = opts.identityRegex as string;
      let re: RegExp;
      try {
        re = new RegExp(source);
      } catch (err) {
        throw new UsageError(`--identity-regex is not a valid regular expression: ${errorMessage(err)}`);
      }
      sanPattern = source;
      this.identityTest = (san) => re.test(san);
      this.expectedIdentity = `an identity matching /${source}/`;
    }
    this.policy = { subjectAlternativeName: sanPattern, extensions: { issuer: opts.issuer } };
    this.thresholds = {
      tlogThreshold: threshold('tlogThreshold', opts.tlogThreshold),
      ctlogThreshold: threshold('ctlogThreshold', opts.ctlogThreshold),
      timestampThreshold: threshold('timestampThreshold', opts.timestampThreshold),
    };
  }

  private trustMaterial(): TrustMaterial {
    if (!this.trust) {
      const root = this.opts.trustedRootPath
        ? loadTrustedRootFile(this.opts.trustedRootPath)
        : publicGoodTrustedRoot();
      try {
        this.trust = toTrustMaterial(root);
      } catch (err) {
        const file = this.opts.trustedRootPath ?? 'the shipped public-good trusted root';
        throw new ConfigError(`cannot use trusted root ${file}: ${errorMessage(err)}`);
      }
    }
    return this.trust;
  }

  async verify(json: SigstoreBundleJson): Promise<VerifiedEnvelope> {
    const trust = this.trustMaterial();
    const bundle = parseBundle(json);
    if (bundle.content.$case !== 'dsseEnvelope') {
      throw new VerificationError(
        'malformed-bundle',
        'the bundle holds a message signature, not a DSSE envelope; model signatures are DSSE',
      );
    }
    const envelope = bundle.content.dsseEnvelope;
    const material = bundle.verificationMaterial.content;
    if (material.$case !== 'certificate' && material.$case !== 'x509CertificateChain') {
      throw new VerificationError(
        'malformed-bundle',
        'the bundle is signed with a public key, not a Sigstore certificate; verify it with the key method',
      );
    }
    const certDer =
      material.$case === 'certificate'
        ? material.certificate.rawBytes
        : material.x509CertificateChain.certificates[0]?.rawBytes;
    if (!certDer || certDer.length === 0) {
      throw new VerificationError('malformed-bundle', 'the bundle has an empty signing certificate');
    }
    if (envelope.signatures.length !== 1) {
      throw new VerificationError(
        'malformed-bundle',
        `the DSSE envelope has ${envelope.signatures.length} signatures; a Sigstore bundle holds exactly one`,
      );
    }
    const tlogEntries: TransparencyLogEntry[] = bundle.verificationMaterial.tlogEntries;
    if (tlogEntries.length > MAX_TLOG_ENTRIES) {
      throw new VerificationError('malformed-bundle', `the bundle has ${tlogEntries.length} tlog entries`);
    }

    let identity: { san?: string; issuer?: string };
    let leafKey;
    try {
      identity = certificateIdentity(certDer);
      leafKey = new NodeX509(certDer).publicKey;
    } catch (err) {
      throw new VerificationError(
        'malformed-bundle',
        `the signing certificate cannot be parsed: ${errorMessage(err)}`,
      );
    }

    // The envelope signature first: sigstore-js checks the tlog body before the signature, which would report a
    // tampered payload or signature as a log mismatch. A signature that fails under its own certificate is bad.
    const sig = envelope.signatures[0].sig;
    if (!verifyWithCertKey(leafKey, pae(envelope.payloadType, envelope.payload), sig)) {
      throw new VerificationError(
        'bad-signature',
        'the DSSE signature does not verify with the bundle certificate: the payload or signature was altered',
      );
    }

    if (tlogEntries.length < this.thresholds.tlogThreshold) {
      throw new VerificationError(
        'tlog',
        `the bundle has ${tlogEntries.length} transparency-log entries, ${this.thresholds.tlogThreshold} required: it was not logged in Rekor`,
        { tlogEntries: tlogEntries.length },
      );
    }

    // Also before the library: it validates the certificate at the entry's integrated time first, so an entry taken
    // from another signature would otherwise surface as a certificate-validity error.
    checkDsseEntries(tlogEntries, envelope.payload, sig);

    let entity: SignedEntity;
    try {
      entity = toSignedEntity(bundle);
    } catch (err) {
      throw new VerificationError('malformed-bundle', `the bundle cannot be read: ${errorMessage(err)}`);
    }
    if (entity.timestamps.length === 0) {
      throw new VerificationError(
        'untrusted-certificate',
        'the bundle has no timestamp (Rekor integrated time or RFC 3161) to check the short-lived certificate against',
      );
    }

    try {
      new Verifier(trust, this.thresholds).verify(entity, this.policy);
    } catch (err) {
      throw this.mapError(err, identity);
    }

    // Belt and braces: the policy above matched a regex; check the exact values ourselves as well.
    this.checkIdentity(identity);

    return {
      payloadType: envelope.payloadType,
      payload: Buffer.from(envelope.payload),
      signer: {
        method: 'sigstore',
        subject: identity.san,
        issuer: identity.issuer,
        tlogIndex: tlogEntries[0]?.logIndex,
      },
      warnings: [],
    };
  }

  private checkIdentity(identity: { san?: string; issuer?: string }): void {
    if (identity.san === undefined || !this.identityTest(identity.san)) {
      throw new VerificationError(
        'wrong-identity',
        `signed by ${identity.san ?? '(no identity)'}, expected ${this.expectedIdentity}: check ${
          this.opts.identity !== undefined ? '--identity' : '--identity-regex'
        }`,
        { expected: this.opts.identity ?? this.opts.identityRegex, actual: identity.san },
      );
    }
    if (identity.issuer !== this.opts.issuer) {
      throw new VerificationError(
        'wrong-identity',
        `identity issued by ${identity.issuer ?? '(no issuer)'}, expected ${this.opts.issuer}: check --identity-provider`,
        { expectedIssuer: this.opts.issuer, actualIssuer: identity.issuer },
      );
    }
  }

  private mapError(err: unknown, identity: { san?: string; issuer?: string }): Error {
    if (err instanceof VerificationError) return err;
    const code = (err as { code?: unknown })?.code;
    if (typeof code === 'string' && code in LIB_REASON) {
      if (code === 'UNTRUSTED_SIGNER_ERROR') {
        try {
          this.checkIdentity(identity);
        } catch (mine) {
          return mine as Error;
        }
      }
      const what = LIB_WHAT[code] ?? 'Sigstore verification failed';
      return new VerificationError(LIB_REASON[code], `${what}: ${errorMessage(err)}`, { code });
    }
    return new VerificationError('malformed-bundle', `the bundle cannot be verified: ${errorMessage(err)}`);
  }
}

function parseBundle(json: SigstoreBundleJson): Bundle {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new VerificationError(
      'malformed-bundle',
      'the signature is not a Sigstore bundle: expected a JSON object',
    );
  }
  const mediaType: unknown = (json as { mediaType?: unknown }).mediaType;
  if (typeof mediaType !== 'string' || !KNOWN_MEDIA_TYPES.includes(mediaType)) {
    throw new VerificationError(
      'wrong-media-type',
      `unsupported bundle mediaType ${JSON.stringify(mediaType)}; expected ${BUNDLE_MEDIA_TYPE_V03}`,
      { mediaType },
    );
  }
  try {
    return bundleFromJSON(json);
  } catch (err) {
    const fields = (err as { fields?: unknown }).fields;
    const detail =
      Array.isArray(fields) && fields.length > 0
        ? `missing or invalid ${fields.join(', ')}`
        : errorMessage(err);
    throw new VerificationError(
      'malformed-bundle',
      `the signature is not a valid Sigstore bundle: ${detail}`,
    );
  }
}

/** Each Rekor `dsse` 0.0.1 entry must record this envelope's payload hash and signature. */
function checkDsseEntries(entries: readonly TransparencyLogEntry[], payload: Buffer, sig: Buffer): void {
  const payloadHash = createHash('sha256').update(payload).digest('hex');
  const sigB64 = sig.toString('base64');
  for (const entry of entries) {
    if (entry.kindVersion?.kind !== 'dsse' || entry.kindVersion.version !== '0.0.1') continue;
    let body: { spec?: { payloadHash?: { value?: unknown }; signatures?: { signature?: unknown }[] } };
    try {
      body = JSON.parse(Buffer.from(entry.canonicalizedBody).toString('utf8')) as typeof body;
    } catch {
      throw new VerificationError('tlog', `transparency-log entry ${entry.logIndex} has an unreadable body`);
    }
    const sigs = Array.isArray(body?.spec?.signatures) ? body.spec.signatures : [];
    if (body?.spec?.payloadHash?.value !== payloadHash || !sigs.some((s) => s?.signature === sigB64)) {
      throw new VerificationError(
        'tlog',
        `transparency-log entry ${entry.logIndex} records another payload or signature than this envelope`,
        { logIndex: entry.logIndex },
      );
    }
  }
}

function verifyWithCertKey(key: import('node:crypto').KeyObject, data: Buffer, sig: Buffer): boolean {
  try {
    // Same digest choice as sigstore-js (`crypto.verify(undefined, …)`: SHA-256 for ECDSA keys from Fulcio).
    return cryptoVerify(null, data, key, sig);
  } catch {
    return false;
  }
}
