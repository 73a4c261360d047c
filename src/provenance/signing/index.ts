export type {
  EnvelopeSigner,
  EnvelopeVerifier,
  SignerIdentity,
  SigningMethod,
  VerifiedEnvelope,
} from './types.js';
export { createKeySigner, createKeyVerifier, loadPublicKey, loadSigningKey } from './key.js';
export { checkEnvelopeSignature, COMPAT_V020_PAE } from './envelope.js';
export {
  certificateIdentity,
  createCertificateSigner,
  createCertificateVerifier,
  type CertificateSignerOptions,
  type CertificateVerifierOptions,
} from './certificate.js';
export { certificateUsage, parseCertificates, type CertificateUsage } from './x509.js';
export { createVerifier, signingMethodOf, verifierForBundle, type TrustOptions } from './dispatch.js';
