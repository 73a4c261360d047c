import { createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { UsageError, VerificationError } from '../../core/errors.js';
import { BUNDLE_MEDIA_TYPE_V03, decodeBase64, type SigstoreBundleJson } from '../bundle.js';
import { hashForKey, makeEnvelope, signPae } from '../dsse.js';
import { checkEnvelopeSignature, envelopeOf } from './envelope.js';
import { loadSigningKey } from './key.js';
import type { EnvelopeSigner, EnvelopeVerifier, VerifiedEnvelope } from './types.js';
import { certificateUsage, OID_CODE_SIGNING, oneLineName, parseCertificates } from './x509.js';

type PemInput = string | Buffer;

export interface CertificateSignerOptions {
  /** EC private key (PEM) matching the signing certificate. */
  privateKey: PemInput | KeyObject;
  passphrase?: string;
  /** The signing (leaf) certificate, PEM or DER. */
  signingCertificate: PemInput;
  /** Intermediate certificates (PEM files may hold several), written after the leaf in the bundle. */
  certificateChain?: PemInput[];
}

function loadCertificates(input: PemInput, what: string): X509Certificate[] {
  try {
    return parseCertificates(input);
  } catch (err) {
    throw new UsageError(
      `${what} is not a PEM or DER certificate (${(err as Error).message}); pass a certificate file`,
    );
  }
}

/**
 * A signer for the `certificate` method: like the key method, but the bundle carries
 * `verificationMaterial.x509CertificateChain` = [leaf, …intermediates] (DER, base64), as `model_signing sign
 * certificate` writes it. The private key must match the leaf certificate.
 */
export function createCertificateSigner(opts: CertificateSignerOptions): EnvelopeSigner {
  const key = loadSigningKey(opts.privateKey, opts.passphrase);
  const [leaf, ...rest] = loadCertificates(opts.signingCertificate, 'the signing certificate');
  if (rest.length > 0)
    throw new UsageError(
      'the signing certificate file holds more than one certificate; pass intermediates with --certificate-chain',
    );
  const pub = createPublicKey(key).export({ type: 'spki', format: 'der' });
  if (!leaf.publicKey.export({ type: 'spki', format: 'der' }).equals(pub))
    throw new UsageError(
      'the private key does not belong to the signing certificate; pass the matching pair',
    );
  const chain = (opts.certificateChain ?? []).flatMap((c, i) =>
    loadCertificates(c, `certificate chain file ${i + 1}`),
  );
  const certificates = [leaf, ...chain].map((c) => ({ rawBytes: c.raw.toString('base64') }));
  return {
    method: 'certificate',
    async sign(payloadType: string, payload: Buffer): Promise<SigstoreBundleJson> {
      const sig = signPae(key, payloadType, payload);
      return {
        mediaType: BUNDLE_MEDIA_TYPE_V03,
        verificationMaterial: { x509CertificateChain: { certificates }, tlogEntries: [] },
        dsseEnvelope: makeEnvelope(payloadType, payload, sig),
      };
    },
  };
}

export interface CertificateVerifierOptions {
  /**
   * Trusted root certificates (PEM; a file may hold several). Default: the Mozilla CA store built into Node, as
   * model_signing falls back to `certifi`.
   */
  trustedRoots?: PemInput | PemInput[];
  /** Check validity at this time instead of the leaf's notBefore (model_signing checks at notBefore). */
  at?: Date;
}

const MAX_DEPTH = 10;

/**
 * A verifier for the `certificate` method. Builds a path leaf → intermediates from the bundle → a trusted root
 * (`untrusted-certificate` when there is none or a certificate on it is outside its validity at the leaf's
 * notBefore), requires the leaf to allow signing (KeyUsage digitalSignature or ExtendedKeyUsage codeSigning;
 * otherwise `certificate-usage`), and verifies the DSSE signature with the leaf's key (`bad-signature`).
 */
export function createCertificateVerifier(opts: CertificateVerifierOptions = {}): EnvelopeVerifier {
  const inputs =
    opts.trustedRoots === undefined
      ? [...rootCertificates]
      : Array.isArray(opts.trustedRoots)
        ? opts.trustedRoots
        : [opts.trustedRoots];
  const roots = inputs.flatMap((r, i) => loadCertificates(r, `trusted root file ${i + 1}`));
  if (roots.length === 0)
    throw new UsageError('no trusted root certificate given; pass --certificate-chain ROOT.pem');
  return {
    method: 'certificate',
    async verify(bundle: SigstoreBundleJson): Promise<VerifiedEnvelope> {
      const env = envelopeOf(bundle);
      const vm = bundle.verificationMaterial ?? {};
      const raw = vm.x509CertificateChain?.certificates ?? (vm.certificate ? [vm.certificate] : undefined);
      if (!raw || raw.length === 0)
        throw new VerificationError(
          'wrong-key',
          'the bundle carries a public key, not a certificate chain; verify it with the key method',
          { material: 'publicKey' },
        );
      let certs: X509Certificate[];
      try {
        certs = raw.map((c) => new X509Certificate(decodeBase64(c.rawBytes)));
      } catch {
        throw new VerificationError(
          'malformed-bundle',
          'malformed signature bundle: a certificate in verificationMaterial does not parse as X.509 DER',
        );
      }
      const leaf = certs[0];
      const at = opts.at ?? new Date(leaf.validFrom);
      const path = buildPath(leaf, certs.slice(1), roots);
      for (const c of path) {
        const from = new Date(c.validFrom);
        const to = new Date(c.validTo);
        if (!(from <= at && at <= to))
          throw new VerificationError(
            'untrusted-certificate',
            `certificate ${oneLineName(c.subject)} was not valid at ${at.toISOString()} (valid ${from.toISOString()} to ${to.toISOString()})`,
            { subject: oneLineName(c.subject), at: at.toISOString() },
          );
      }
      let usage;
      try {
        usage = certificateUsage(leaf.raw);
      } catch (err) {
        throw new VerificationError(
          'malformed-bundle',
          `malformed signature bundle: the signing certificate's extensions do not parse (${(err as Error).message})`,
        );
      }
      if (!usage.digitalSignature && !usage.extKeyUsage?.includes(OID_CODE_SIGNING))
        throw new VerificationError(
          'certificate-usage',
          `signing certificate ${oneLineName(leaf.subject)} allows neither digitalSignature (KeyUsage) nor codeSigning (ExtendedKeyUsage); it may not sign models`,
          { subject: oneLineName(leaf.subject) },
        );
      const key = leaf.publicKey;
      if (!hashForKey(key))
        throw new VerificationError(
          'bad-signature',
          'the signing certificate does not hold an EC key on P-256, P-384 or P-521; model signatures use ECDSA on NIST curves',
        );
      const ok = checkEnvelopeSignature(key, env);
      if (!ok)
        throw new VerificationError(
          'bad-signature',
          `the DSSE signature does not verify with the key of certificate ${oneLineName(leaf.subject)}; the bundle was altered`,
          { subject: oneLineName(leaf.subject) },
        );
      const anchor = path[path.length - 1];
      return {
        payloadType: ok.payloadType,
        payload: ok.payload,
        signer: {
          method: 'certificate',
          subject: certificateIdentity(leaf),
          issuer: oneLineName(leaf.issuer),
        },
        ...(ok.compat ? { compat: ok.compat } : {}),
        warnings: anchor === leaf ? ['the signing certificate is itself a trusted root'] : [],
      };
    },
  };
}

/** A certificate's identity for display: its SAN when present, else its subject. */
export function certificateIdentity(c: X509Certificate): string {
  const san = c.subjectAltName;
  return san ? `${oneLineName(c.subject)} (${san})` : oneLineName(c.subject);
}

function issuedBy(child: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return child.checkIssued(issuer) && child.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** leaf → … → trusted root, using only the bundle's intermediates. Throws `untrusted-certificate`. */
function buildPath(
  leaf: X509Certificate,
  intermediates: X509Certificate[],
  roots: X509Certificate[],
): X509Certificate[] {
  const path = [leaf];
  const isRoot = (c: X509Certificate) => roots.some((r) => r.fingerprint256 === c.fingerprint256);
  let current = leaf;
  for (let depth = 0; depth <= MAX_DEPTH; depth++) {
    if (isRoot(current)) return path;
    const root = roots.find((r) => r.ca && issuedBy(current, r));
    if (root) {
      path.push(root);
      return path;
    }
    const next = intermediates.find((c) => !path.includes(c) && c.ca && issuedBy(current, c));
    if (!next) break;
    path.push(next);
    current = next;
  }
  throw new VerificationError(
    'untrusted-certificate',
    `the certificate chain of ${oneLineName(leaf.subject)} does not lead to a trusted root; pass the right root with --certificate-chain`,
    { subject: oneLineName(leaf.subject), issuer: oneLineName(current.issuer) },
  );
}
