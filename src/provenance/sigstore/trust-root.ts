import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { ConfigError, errorMessage } from '../../core/errors.js';

/** The TUF repository of the Sigstore public-good instance, as keyed in `@sigstore/tuf/seeds.json`. */
export const PUBLIC_GOOD_TUF_MIRROR = 'https://tuf-repo-cdn.sigstore.dev';
/** Media type prefix of a `trusted_root.json` (protobuf-specs `TrustedRoot`). */
export const TRUSTED_ROOT_MEDIA_TYPE_PREFIX = 'application/vnd.dev.sigstore.trustedroot';
/** Media type prefix of a `ClientTrustConfig` (what model_signing / sigstore-python take as `--trust-config`). */
export const CLIENT_TRUST_CONFIG_MEDIA_TYPE_PREFIX = 'application/vnd.dev.sigstore.clienttrustconfig';
/** A trusted root is a few KiB; refuse anything absurdly large before parsing it. */
const MAX_TRUSTED_ROOT_BYTES = 4 * 1024 * 1024;

/**
 * Parses a `trusted_root.json` document (already decoded JSON), or the `trustedRoot` of a `ClientTrustConfig`.
 * Throws `ConfigError` when it is neither. `source` names where it came from, for the message.
 */
export function parseTrustedRoot(json: unknown, source: string): TrustedRoot {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ConfigError(`${source} is not a Sigstore trusted root: expected a JSON object`);
  }
  const outer = (json as { mediaType?: unknown }).mediaType;
  if (typeof outer === 'string' && outer.startsWith(CLIENT_TRUST_CONFIG_MEDIA_TYPE_PREFIX)) {
    json = (json as { trustedRoot?: unknown }).trustedRoot;
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new ConfigError(`${source} is a Sigstore client trust config without a trustedRoot object`);
    }
  }
  const mediaType = (json as { mediaType?: unknown }).mediaType;
  if (typeof mediaType !== 'string' || !mediaType.startsWith(TRUSTED_ROOT_MEDIA_TYPE_PREFIX)) {
    throw new ConfigError(
      `${source} is not a Sigstore trusted root: mediaType must start with ${TRUSTED_ROOT_MEDIA_TYPE_PREFIX} (or be a client trust config)`,
    );
  }
  try {
    return TrustedRoot.fromJSON(json);
  } catch (err) {
    throw new ConfigError(`${source} is not a valid Sigstore trusted root: ${errorMessage(err)}`);
  }
}

/** Reads and parses a `trusted_root.json` file (e.g. `--trust-config FILE`). */
export function loadTrustedRootFile(file: string): TrustedRoot {
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_TRUSTED_ROOT_BYTES) {
      throw new ConfigError(
        `trusted root ${file} is ${size} bytes, more than the ${MAX_TRUSTED_ROOT_BYTES} allowed; pass a trusted_root.json`,
      );
    }
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`cannot read trusted root ${file}: ${errorMessage(err)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`trusted root ${file} is not JSON: ${errorMessage(err)}`);
  }
  return parseTrustedRoot(json, `trusted root ${file}`);
}

let publicGood: TrustedRoot | undefined;

/**
 * The Sigstore public-good `trusted_root.json` that `@sigstore/tuf` ships in its `seeds.json` (the TUF target cached
 * at the package's release). Read once, offline. A newer root can be fetched with `@sigstore/tuf`'s
 * `getTrustedRoot()` when online and passed as a file.
 */
export function publicGoodTrustedRoot(): TrustedRoot {
  if (publicGood) return publicGood;
  const require = createRequire(import.meta.url);
  let seedsPath: string;
  let seeds: unknown;
  try {
    seedsPath = require.resolve('@sigstore/tuf/seeds.json');
    seeds = JSON.parse(readFileSync(seedsPath, 'utf8'));
  } catch (err) {
    throw new ConfigError(
      `cannot load the shipped Sigstore trusted root from @sigstore/tuf/seeds.json (${errorMessage(err)}); reinstall bulwark or pass --trust-config FILE`,
    );
  }
  const target = (seeds as Record<string, { targets?: Record<string, unknown> }>)?.[PUBLIC_GOOD_TUF_MIRROR]
    ?.targets?.['trusted_root.json'];
  if (typeof target !== 'string') {
    throw new ConfigError(
      `@sigstore/tuf/seeds.json holds no trusted_root.json for ${PUBLIC_GOOD_TUF_MIRROR}; pass --trust-config FILE`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(target, 'base64').toString('utf8'));
  } catch (err) {
    throw new ConfigError(
      `the trusted_root.json in @sigstore/tuf/seeds.json is not JSON: ${errorMessage(err)}`,
    );
  }
  publicGood = parseTrustedRoot(json, 'the shipped public-good trusted root');
  return publicGood;
}
