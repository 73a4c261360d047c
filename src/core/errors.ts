/** Stable error codes. Documented in docs/errors.md. */
export type ErrorCode =
  'E_USAGE' | 'E_CONFIG' | 'E_IO' | 'E_NOT_FOUND' | 'E_PARSE' | 'E_LIMIT' | 'E_UNSUPPORTED' | 'E_INTERNAL';

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

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
