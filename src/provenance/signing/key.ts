import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { UsageError, VerificationError } from '../../core/errors.js';
import { BUNDLE_MEDIA_TYPE_V03, decodeBase64, type SigstoreBundleJson } from '../bundle.js';
import { hashForKey, keyHint, makeEnvelope, signPae } from '../dsse.js';
import { checkEnvelopeSignature, envelopeOf } from './envelope.js';
import type { EnvelopeSigner, EnvelopeVerifier, VerifiedEnvelope } from './types.js';

/** Loads an EC private key (PEM: PKCS#8, SEC1; or a KeyObject) usable for model signing. */
export function loadSigningKey(privateKey: string | Buffer | KeyObject, passphrase?: string): KeyObject {
  let key: KeyObject;
  if (privateKey instanceof KeyObject) {
    key = privateKey;
  } else {
    try {
      key = createPrivateKey(passphrase === undefined ? privateKey : { key: privateKey, passphrase });
    } catch (err) {
      const msg = String((err as Error).message);
      if (/passphrase|decrypt|bad decrypt/i.test(msg))
        throw new UsageError(
          'the private key is encrypted and the password is missing or wrong; pass the right password',
        );
      throw new UsageError('the private key is not a PEM or DER private key; pass an EC private key file');
    }
  }
  if (key.type !== 'private') throw new UsageError('a private key is needed to sign; got a public key');
  if (!hashForKey(key))
    throw new UsageError(
      'model signatures use ECDSA on P-256, P-384 or P-521; the private key is of another type or curve',
    );
  return key;
}

/** Loads a public key (PEM SPKI, possibly with leading text as certtool writes it; or a KeyObject). */
export function loadPublicKey(publicKey: string | Buffer | KeyObject): KeyObject {
  let key: KeyObject;
  if (publicKey instanceof KeyObject) {
    key = publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey;
  } else {
    try {
      key = createPublicKey(publicKey);
    } catch {
      throw new UsageError(
        "the public key is not a PEM public key; pass the signer's public key file (SPKI PEM)",
      );
    }
  }
  if (!hashForKey(key))
    throw new UsageError(
      'model signatures use ECDSA on P-256, P-384 or P-521; the public key is of another type or curve',
    );
  return key;
}

/**
 * A signer for the `key` method: ECDSA with the curve's digest over the DSSE PAE, bundle with
 * `verificationMaterial.publicKey.hint` (hex SHA-256 of the public key PEM), `tlogEntries: []` and `keyid: ""`,
 * exactly as `model_signing sign key` writes it.
 */
export function createKeySigner(
  privateKeyPem: string | Buffer | KeyObject,
  opts: { passphrase?: string } = {},
): EnvelopeSigner {
  const key = loadSigningKey(privateKeyPem, opts.passphrase);
  const hint = keyHint(createPublicKey(key));
  return {
    method: 'key',
    async sign(payloadType: string, payload: Buffer): Promise<SigstoreBundleJson> {
      const sig = signPae(key, payloadType, payload);
      return {
        mediaType: BUNDLE_MEDIA_TYPE_V03,
        verificationMaterial: { publicKey: { hint }, tlogEntries: [] },
        dsseEnvelope: makeEnvelope(payloadType, payload, sig),
      };
    },
  };
}

/**
 * A verifier for the `key` method. Checks `publicKey.hint` (or, for model_signing < 1.1 bundles, the embedded
 * `publicKey.rawBytes` PEM) against the given key — a mismatch is `wrong-key` — then the DSSE signature
 * (`bad-signature`). A bundle without either is verified by signature alone, with a warning.
 */
export function createKeyVerifier(publicKeyPem: string | Buffer | KeyObject): EnvelopeVerifier {
  const key = loadPublicKey(publicKeyPem);
  const hint = keyHint(key);
  const spki = key.export({ type: 'spki', format: 'der' });
  return {
    method: 'key',
    async verify(bundle: SigstoreBundleJson): Promise<VerifiedEnvelope> {
      const env = envelopeOf(bundle);
      const warnings: string[] = [];
      const vm = bundle.verificationMaterial ?? {};
      const pk = vm.publicKey;
      if (vm.x509CertificateChain || vm.certificate)
        throw new VerificationError(
          'wrong-key',
          `the bundle was signed with a certificate (${vm.certificate ? 'Sigstore keyless' : 'certificate chain'}), not a bare key; verify it with the ${vm.certificate ? 'sigstore' : 'certificate'} method`,
          { material: vm.certificate ? 'certificate' : 'x509CertificateChain' },
        );
      if (pk?.hint) {
        if (pk.hint.toLowerCase() !== hint)
          throw new VerificationError(
            'wrong-key',
            `the bundle was signed by another key (hint ${pk.hint.slice(0, 16)}…, given key ${hint.slice(0, 16)}…); pass the signer's public key`,
            { bundleHint: pk.hint, keyHint: hint },
          );
      } else if (pk?.rawBytes) {
        const embedded = embeddedKeyDer(pk.rawBytes);
        if (embedded && !embedded.equals(spki))
          throw new VerificationError(
            'wrong-key',
            "the bundle embeds another public key than the one given; pass the signer's public key",
            { keyHint: hint },
          );
        if (!embedded)
          warnings.push(
            'the public key embedded in the bundle could not be read; checked the signature only',
          );
      } else {
        warnings.push('the bundle names no key hint; verified by signature only');
      }
      const ok = checkEnvelopeSignature(key, env);
      if (!ok)
        throw new VerificationError(
          'bad-signature',
          'the DSSE signature does not verify with the given public key; the bundle was altered or signed by another key',
          { keyHint: hint },
        );
      return {
        payloadType: ok.payloadType,
        payload: ok.payload,
        signer: { method: 'key', keyHint: hint },
        ...(ok.compat ? { compat: ok.compat } : {}),
        warnings,
      };
    },
  };
}

/** `publicKey.rawBytes` of model_signing 0.3–1.0 is base64 of the PEM text (sometimes of DER); returns SPKI DER. */
function embeddedKeyDer(rawBytes: string): Buffer | undefined {
  const raw = decodeBase64(rawBytes);
  try {
    const text = raw.toString('utf8');
    const k = text.includes('-----BEGIN')
      ? createPublicKey(text)
      : createPublicKey({ key: raw, format: 'der', type: 'spki' });
    return k.export({ type: 'spki', format: 'der' });
  } catch {
    return undefined;
  }
}
