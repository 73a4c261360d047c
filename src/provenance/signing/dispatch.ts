import type { KeyObject } from 'node:crypto';
import { UsageError } from '../../core/errors.js';
import type { SigstoreBundleJson } from '../bundle.js';
import { createSigstoreVerifier, type SigstoreVerifyOptions } from '../sigstore/index.js';
import { createCertificateVerifier } from './certificate.js';
import { createKeyVerifier } from './key.js';
import type { EnvelopeVerifier, SigningMethod } from './types.js';

/**
 * The signing method a bundle was made with, read from its verification material: `publicKey` → key,
 * `x509CertificateChain` → certificate, `certificate` (a single Fulcio certificate, `rawBytes`) → sigstore.
 * Undefined when the material is none of these.
 */
export function signingMethodOf(
  bundle: Pick<SigstoreBundleJson, 'verificationMaterial'>,
): SigningMethod | undefined {
  const vm = bundle?.verificationMaterial;
  if (!vm || typeof vm !== 'object') return undefined;
  if (vm.publicKey) return 'key';
  if (vm.x509CertificateChain) return 'certificate';
  if (vm.certificate) return 'sigstore';
  return undefined;
}

/** What a verifier may trust; the method of the bundle picks which part is used. */
export interface TrustOptions {
  /** Key method: the signer's public key (PEM). */
  publicKey?: string | Buffer | KeyObject;
  /** Certificate method: trusted root certificate(s) (PEM). Default: Node's built-in Mozilla CA store. */
  certificateChain?: string | Buffer | (string | Buffer)[];
  /** Sigstore method: expected identity and issuer (and trust root). */
  sigstore?: SigstoreVerifyOptions;
}

/** Creates the verifier for a method from trust options. Throws UsageError when the method's trust input is missing. */
export function createVerifier(method: SigningMethod, trust: TrustOptions): EnvelopeVerifier {
  switch (method) {
    case 'key':
      if (!trust.publicKey)
        throw new UsageError('the bundle is signed with a key; pass the public key (--public-key)');
      return createKeyVerifier(trust.publicKey);
    case 'certificate':
      return createCertificateVerifier(
        trust.certificateChain === undefined ? {} : { trustedRoots: trust.certificateChain },
      );
    case 'sigstore':
      if (!trust.sigstore)
        throw new UsageError(
          'the bundle is signed with Sigstore (keyless); pass the expected identity and issuer (--identity, --identity-provider)',
        );
      return createSigstoreVerifier(trust.sigstore);
  }
}

/** Picks the verifier for a bundle by its verification material (see `signingMethodOf`). */
export function verifierForBundle(bundle: SigstoreBundleJson, trust: TrustOptions): EnvelopeVerifier {
  const method = signingMethodOf(bundle);
  if (!method)
    throw new UsageError(
      'the bundle has no publicKey, x509CertificateChain or certificate; it is not a model signature',
    );
  return createVerifier(method, trust);
}
