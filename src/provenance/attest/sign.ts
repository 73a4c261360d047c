import { BulwarkError, VerificationError } from '../../core/errors.js';
import type { InTotoStatement, SigstoreBundleJson } from '../bundle.js';
import { INTOTO_PAYLOAD_TYPE } from '../dsse.js';
import type { EnvelopeSigner } from '../signing/types.js';
import { statementProblems } from './schema.js';

/** Largest statement payload accepted when verifying (bytes, decoded). */
export const MAX_STATEMENT_BYTES = 64 * 1024 * 1024;

/** The DSSE payload of an attestation: the statement as compact JSON, UTF-8. */
export function attestationPayload(statement: InTotoStatement): Buffer {
  return Buffer.from(JSON.stringify(statement), 'utf8');
}

/**
 * Signs an in-toto statement with any envelope signer (key, certificate, Sigstore keyless) and returns the Sigstore
 * bundle: a DSSE envelope of type `application/vnd.in-toto+json`, exactly as model signatures are made.
 */
export async function attest(
  statement: InTotoStatement,
  signer: EnvelopeSigner,
): Promise<SigstoreBundleJson> {
  const problems = statementProblems(statement);
  if (problems.length)
    throw new BulwarkError('E_USAGE', `refusing to sign a malformed statement: ${problems[0]}`);
  return signer.sign(INTOTO_PAYLOAD_TYPE, attestationPayload(statement));
}

/**
 * Decodes the statement of a verified envelope. Throws VerificationError (`wrong-payload-type` or
 * `malformed-bundle`) when the payload is not an in-toto statement in JSON.
 */
export function decodeStatement(payloadType: string, payload: Buffer): InTotoStatement {
  if (payloadType !== INTOTO_PAYLOAD_TYPE)
    throw new VerificationError(
      'wrong-payload-type',
      `the envelope's payload type is ${JSON.stringify(payloadType.slice(0, 80))}, not ${INTOTO_PAYLOAD_TYPE}; this is not an attestation`,
    );
  if (payload.length > MAX_STATEMENT_BYTES)
    throw new VerificationError(
      'malformed-bundle',
      'the statement is larger than 64 MiB; refusing to parse it',
    );
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new VerificationError(
      'malformed-bundle',
      'the envelope payload is not JSON; the bundle is corrupt',
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new VerificationError('malformed-bundle', 'the envelope payload is not a JSON object');
  return value as InTotoStatement;
}

/** Reads the statement of a bundle WITHOUT verifying its signature (for display and routing only). */
export function peekStatement(bundle: SigstoreBundleJson): InTotoStatement {
  const env = bundle?.dsseEnvelope;
  if (!env || typeof env.payload !== 'string' || typeof env.payloadType !== 'string')
    throw new VerificationError(
      'malformed-bundle',
      'the bundle has no DSSE envelope; it is not an attestation bundle',
    );
  return decodeStatement(env.payloadType, Buffer.from(env.payload, 'base64'));
}
