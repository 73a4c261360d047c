import { createHash, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';

/** DSSE payload type of in-toto statements. */
export const INTOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** A DSSE envelope as it appears in a Sigstore bundle (`payload` and `sig` are base64). */
export interface DsseEnvelope {
  payload: string;
  payloadType: string;
  signatures: { sig: string; keyid?: string | null }[];
}

/** DSSE v1 pre-authentication encoding: `"DSSEv1" SP len(type) SP type SP len(payload) SP payload`. */
export function pae(payloadType: string, payload: Uint8Array): Buffer {
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} `, 'utf8'),
    payload,
  ]);
}

/**
 * The PAE `model_signing` 0.2.0 signed by mistake: `"DSSEV1 <len> <type> <len> " + repr(payload_bytes)`, where the
 * payload is written the way Python prints a bytes object. Needed to verify signatures made by that release.
 */
export function paeCompatV02(payloadType: string, payload: Uint8Array): Buffer {
  const q = payload.includes(0x27) && !payload.includes(0x22) ? '"' : "'";
  const quote = q.charCodeAt(0);
  let r = `b${q}`;
  for (const c of payload) {
    if (c === 0x5c) r += '\\\\';
    else if (c === quote) r += `\\${q}`;
    else if (c === 0x09) r += '\\t';
    else if (c === 0x0a) r += '\\n';
    else if (c === 0x0d) r += '\\r';
    else if (c < 0x20 || c >= 0x7f) r += `\\x${c.toString(16).padStart(2, '0')}`;
    else r += String.fromCharCode(c);
  }
  r += q;
  return Buffer.from(`DSSEV1 ${payloadType.length} ${payloadType} ${payload.length} ${r}`, 'utf8');
}

export type DigestName = 'sha256' | 'sha384' | 'sha512';

const CURVE_HASH: Record<string, DigestName> = {
  prime256v1: 'sha256',
  secp384r1: 'sha384',
  secp521r1: 'sha512',
};

/**
 * The digest `model_signing` pairs with an elliptic-curve key (P-256 → SHA-256, P-384 → SHA-384, P-521 → SHA-512).
 * Undefined for other key types: OMS signs with NIST curves only.
 */
export function hashForKey(key: KeyObject): DigestName | undefined {
  if (key.asymmetricKeyType !== 'ec') return undefined;
  return CURVE_HASH[key.asymmetricKeyDetails?.namedCurve ?? ''];
}

/** `publicKey.hint` as model_signing ≥ 1.1 writes it: hex SHA-256 of the SPKI PEM text. */
export function keyHint(publicKey: KeyObject): string {
  const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  return createHash('sha256').update(pem).digest('hex');
}

/** Signs the DSSE PAE with an EC private key, hash chosen by curve; returns the DER (ASN.1) ECDSA signature. */
export function signPae(privateKey: KeyObject, payloadType: string, payload: Uint8Array): Buffer {
  const digest = hashForKey(privateKey);
  if (!digest)
    throw new TypeError('only elliptic-curve keys on P-256, P-384 or P-521 can sign model signatures');
  return cryptoSign(digest, pae(payloadType, payload), privateKey);
}

/** Verifies a DER ECDSA signature over bytes with the curve's digest (or an explicit one). */
export function verifyBytes(
  publicKey: KeyObject,
  data: Uint8Array,
  signature: Uint8Array,
  digest: DigestName | undefined = hashForKey(publicKey),
): boolean {
  if (!digest) return false;
  try {
    return cryptoVerify(digest, data, publicKey, signature);
  } catch {
    return false;
  }
}

/** Builds an envelope holding one signature; `keyid` is `""` as model_signing writes it. */
export function makeEnvelope(payloadType: string, payload: Uint8Array, sig: Uint8Array): DsseEnvelope {
  return {
    payload: Buffer.from(payload).toString('base64'),
    payloadType,
    signatures: [{ sig: Buffer.from(sig).toString('base64'), keyid: '' }],
  };
}
