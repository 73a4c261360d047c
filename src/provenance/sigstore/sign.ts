import { bundleToJSON } from '@sigstore/bundle';
import {
  DSSEBundleBuilder,
  FulcioSigner,
  RekorWitness,
  TSAWitness,
  type IdentityProvider,
  type Witness,
} from '@sigstore/sign';
import { BulwarkError, UsageError, errorMessage } from '../../core/errors.js';
import { BUNDLE_MEDIA_TYPE_V03, type SigstoreBundleJson } from '../bundle.js';
import type { EnvelopeSigner } from '../signing/types.js';

/** Public-good Sigstore service URLs (the defaults). */
export const PUBLIC_GOOD_FULCIO_URL = 'https://fulcio.sigstore.dev';
export const PUBLIC_GOOD_REKOR_URL = 'https://rekor.sigstore.dev';
/** The public-good RFC 3161 timestamp authority (not used unless `tsaURL` is set). */
export const PUBLIC_GOOD_TSA_URL = 'https://timestamp.sigstore.dev';

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_RETRIES = 2;
const DEFAULT_RETRY_BACKOFF_MS = 1_000;
const MAX_TOKEN_BYTES = 64 * 1024;

/** Options of keyless (Sigstore) signing. Defaults: the public-good Fulcio / Rekor URLs, no TSA. */
export interface SigstoreSignOptions {
  /** OIDC identity token (JWT) exchanged with Fulcio for a short-lived certificate. Never logged or echoed. */
  identityToken: string;
  /** Fulcio base URL (default https://fulcio.sigstore.dev). */
  fulcioURL?: string;
  /** Rekor base URL (default https://rekor.sigstore.dev). */
  rekorURL?: string;
  /** RFC 3161 timestamp authority base URL; when unset no signed timestamp is requested. */
  tsaURL?: string;
  /** Timeout of each HTTP request, in milliseconds (default 30000). */
  timeoutMs?: number;
  /** Retries after a failed request (network error, 408, 429, 5xx); default 2. */
  retries?: number;
  /** First retry delay in milliseconds, doubling each retry up to 10 s (default 1000). */
  retryBackoffMs?: number;
  /**
   * Not supported: `@sigstore/sign` makes its requests through its own HTTP client (make-fetch-happen, which honours
   * HTTPS_PROXY / NO_PROXY). Setting it throws `UsageError` rather than being silently ignored.
   */
  fetch?: typeof fetch;
}

function checkURL(name: string, value: string | undefined, fallback: string): string {
  const raw = value ?? fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${name} is not a URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`${name} must be an http(s) URL, got ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new UsageError(`${name} must not carry credentials`);
  }
  return raw.replace(/\/+$/, '');
}

function nonNegativeInt(name: string, value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new UsageError(`${name} must be an integer from 0 to ${max}, got ${String(value)}`);
  }
  return value;
}

/**
 * Checks the identity token the way Fulcio's client will read it (a JWT whose payload has a verified `email` or a
 * `sub`), so that a bad token fails here with a message that never repeats the token.
 */
export function checkIdentityToken(token: string): { subject: string; issuer?: string } {
  if (typeof token !== 'string' || token.trim() === '') {
    throw new UsageError(
      'keyless signing needs an OIDC identity token: pass --identity-token or set SIGSTORE_ID_TOKEN',
    );
  }
  if (token.length > MAX_TOKEN_BYTES) throw new UsageError('the identity token is too long to be a JWT');
  const parts = token.trim().split('.');
  if (parts.length !== 3 || !/^[A-Za-z0-9_-]+$/.test(parts[1])) {
    throw new UsageError('the identity token is not a JWT (expected header.payload.signature)');
  }
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new UsageError('the identity token is not a JWT: its payload is not base64url JSON');
  }
  if (typeof claims !== 'object' || claims === null) {
    throw new UsageError('the identity token is not a JWT: its payload is not a JSON object');
  }
  if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now()) {
    throw new UsageError(
      `the identity token expired at ${new Date(claims.exp * 1000).toISOString()}; get a fresh one`,
    );
  }
  const issuer = typeof claims.iss === 'string' ? claims.iss : undefined;
  if (typeof claims.email === 'string') {
    if (claims.email_verified !== true) {
      throw new UsageError('the identity token has an e-mail address that its issuer has not verified');
    }
    return { subject: claims.email, issuer };
  }
  if (typeof claims.sub === 'string' && claims.sub !== '') return { subject: claims.sub, issuer };
  throw new UsageError('the identity token has neither an email nor a sub claim');
}

const SERVICE_OF: Record<
  string,
  { name: string; flag: string; key: 'fulcio' | 'rekor' | 'tsa' | undefined }
> = {
  CA_CREATE_SIGNING_CERTIFICATE_ERROR: {
    name: 'Fulcio could not issue a signing certificate',
    flag: '--fulcio-url',
    key: 'fulcio',
  },
  TLOG_CREATE_ENTRY_ERROR: { name: 'Rekor could not log the signature', flag: '--rekor-url', key: 'rekor' },
  TLOG_FETCH_ENTRY_ERROR: {
    name: 'Rekor could not return the logged entry',
    flag: '--rekor-url',
    key: 'rekor',
  },
  TSA_CREATE_TIMESTAMP_ERROR: { name: 'the timestamp authority failed', flag: '--tsa-url', key: 'tsa' },
  IDENTITY_TOKEN_READ_ERROR: {
    name: 'cannot read the identity token',
    flag: '--identity-token',
    key: undefined,
  },
  IDENTITY_TOKEN_PARSE_ERROR: {
    name: 'the identity token is not valid',
    flag: '--identity-token',
    key: undefined,
  },
};

/** Describes why a request failed without echoing request bodies (which hold the identity token). */
function causeText(cause: unknown): string {
  if (cause === undefined || cause === null) return 'unknown error';
  const e = cause as { code?: unknown; type?: unknown; message?: unknown; statusCode?: unknown };
  if (typeof e.statusCode === 'number') {
    return `HTTP ${e.statusCode}: ${errorMessage(cause).replace(/^\(\d+\)\s*/, '')}`;
  }
  // make-fetch-happen reports its `timeout` as a FetchError of type 'request-timeout' ("network timeout at: URL").
  if (e.type === 'request-timeout' || e.type === 'body-timeout' || e.code === 'ETIMEDOUT') {
    return `timed out (${String(e.message)})`;
  }
  if (typeof e.code === 'string') return `${e.code}: ${String(e.message)}`;
  return errorMessage(cause);
}

/** Keyless DSSE signer: Fulcio certificate for the token's identity, Rekor `dsse` entry, optional RFC 3161 stamp. */
export class SigstoreSigner implements EnvelopeSigner {
  readonly method = 'sigstore' as const;
  private readonly urls: { fulcio: string; rekor: string; tsa?: string };
  private readonly fetchOpts: {
    timeout: number;
    retry: { retries: number; factor: number; minTimeout: number; maxTimeout: number };
  };
  private readonly token: string;

  constructor(opts: SigstoreSignOptions) {
    if (opts.fetch !== undefined) {
      throw new UsageError(
        'a custom fetch is not supported for Sigstore signing; use HTTPS_PROXY / NO_PROXY to route requests',
      );
    }
    checkIdentityToken(opts.identityToken);
    this.token = opts.identityToken.trim();
    this.urls = {
      fulcio: checkURL('--fulcio-url', opts.fulcioURL, PUBLIC_GOOD_FULCIO_URL),
      rekor: checkURL('--rekor-url', opts.rekorURL, PUBLIC_GOOD_REKOR_URL),
      tsa: opts.tsaURL === undefined ? undefined : checkURL('--tsa-url', opts.tsaURL, ''),
    };
    const retries = nonNegativeInt('retries', opts.retries, DEFAULT_RETRIES, 10);
    const backoff = nonNegativeInt('retryBackoffMs', opts.retryBackoffMs, DEFAULT_RETRY_BACKOFF_MS, 60_000);
    this.fetchOpts = {
      timeout: nonNegativeInt('timeoutMs', opts.timeoutMs, DEFAULT_TIMEOUT_MS, 600_000) || DEFAULT_TIMEOUT_MS,
      retry: { retries, factor: 2, minTimeout: backoff, maxTimeout: Math.max(backoff, 10_000) },
    };
  }

  async sign(payloadType: string, payload: Buffer): Promise<SigstoreBundleJson> {
    const token = this.token;
    const identityProvider: IdentityProvider = { getToken: () => Promise.resolve(token) };
    const witnesses: Witness[] = [
      new RekorWitness({
        rekorBaseURL: this.urls.rekor,
        entryType: 'dsse',
        fetchOnConflict: true,
        ...this.fetchOpts,
      }),
    ];
    if (this.urls.tsa) witnesses.push(new TSAWitness({ tsaBaseURL: this.urls.tsa, ...this.fetchOpts }));
    const builder = new DSSEBundleBuilder({
      signer: new FulcioSigner({ identityProvider, fulcioBaseURL: this.urls.fulcio, ...this.fetchOpts }),
      witnesses,
      certificateChain: false,
    });
    let bundle;
    try {
      bundle = await builder.create({ data: payload, type: payloadType });
    } catch (err) {
      throw this.mapError(err);
    }
    const json = bundleToJSON(bundle) as unknown as SigstoreBundleJson;
    checkProduced(json);
    return json;
  }

  private mapError(err: unknown): Error {
    const code = (err as { code?: unknown })?.code;
    const svc = typeof code === 'string' ? SERVICE_OF[code] : undefined;
    if (!svc) {
      return new BulwarkError('E_IO', `Sigstore signing failed: ${errorMessage(err)}`, { cause: err });
    }
    const cause = (err as { cause?: unknown }).cause;
    if (svc.key === undefined) {
      // Never echo the library message here: for a bad token it contains the token itself.
      return new UsageError(`${svc.name}; check ${svc.flag} / SIGSTORE_ID_TOKEN`);
    }
    const url = this.urls[svc.key];
    const attempts = this.fetchOpts.retry.retries + 1;
    return new BulwarkError(
      'E_IO',
      `${svc.name} at ${url}: ${causeText(cause)} (${attempts} attempt${attempts === 1 ? '' : 's'}); check ${svc.flag} or retry later`,
      { cause: err },
    );
  }
}

/** The bundle must be what OMS verifiers (model_signing) accept: v0.3, single certificate, dsse tlog entry. */
function checkProduced(json: SigstoreBundleJson): void {
  const vm = json.verificationMaterial;
  const entries = (vm.tlogEntries ?? []) as { kindVersion?: { kind?: string } }[];
  if (
    json.mediaType !== BUNDLE_MEDIA_TYPE_V03 ||
    !vm.certificate?.rawBytes ||
    entries.length !== 1 ||
    entries[0].kindVersion?.kind !== 'dsse'
  ) {
    throw new BulwarkError(
      'E_INTERNAL',
      'the Sigstore client produced a bundle model_signing cannot read (expected v0.3, certificate, one dsse entry)',
    );
  }
}
