/** Stable error codes. Documented in docs/errors.md. */
export type ErrorCode =
  | 'E_USAGE'
  | 'E_CONFIG'
  | 'E_IO'
  | 'E_NOT_FOUND'
  | 'E_PARSE'
  | 'E_LIMIT'
  | 'E_UNSUPPORTED'
  | 'E_VERIFY'
  | 'E_INTERNAL';

/** Base class of every error Bulwark throws on purpose. `message` is one line that says what is wrong and how to fix it. */
export class BulwarkError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'BulwarkError';
  }
}

export class UsageError extends BulwarkError {
  constructor(message: string) {
    super('E_USAGE', message);
    this.name = 'UsageError';
  }
}

export class ConfigError extends BulwarkError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_CONFIG', message, options);
    this.name = 'ConfigError';
  }
}

/** Malformed input: the bytes do not follow the format they claim. */
export class ParseError extends BulwarkError {
  readonly offset: number | undefined;
  constructor(message: string, offset?: number) {
    super('E_PARSE', message);
    this.name = 'ParseError';
    this.offset = offset;
  }
}

/** A resource bound (bytes, opcodes, memo, depth, time, decompressed size) was reached. */
export class LimitError extends BulwarkError {
  readonly limit: string;
  constructor(limit: string, message: string) {
    super('E_LIMIT', message);
    this.name = 'LimitError';
    this.limit = limit;
  }
}

/**
 * Why a signature, attestation, log proof or model verification failed. Stable strings: tests, reports and the
 * verify-on-load API branch on them.
 */
export type VerificationFailure =
  | 'unsigned'
  | 'malformed-bundle'
  | 'wrong-media-type'
  | 'wrong-payload-type'
  | 'wrong-predicate-type'
  | 'bad-signature'
  | 'wrong-key'
  | 'untrusted-certificate'
  | 'certificate-usage'
  | 'wrong-identity'
  | 'tlog'
  | 'root-digest-mismatch'
  | 'tampered-file'
  | 'extra-file'
  | 'missing-file'
  | 'hashing-mismatch'
  | 'empty-model'
  | 'subject-mismatch'
  | 'bad-proof'
  | 'log-rewritten';

/** A verification that ran and said no (as opposed to bad usage or an I/O error). */
export class VerificationError extends BulwarkError {
  readonly reason: VerificationFailure;
  readonly details: Record<string, unknown>;
  constructor(reason: VerificationFailure, message: string, details: Record<string, unknown> = {}) {
    super('E_VERIFY', message);
    this.name = 'VerificationError';
    this.reason = reason;
    this.details = details;
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
