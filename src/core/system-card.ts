import { readFile, stat } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { BulwarkError, ConfigError } from './errors.js';

/**
 * The AI system card: what an organisation declares about the AI system a model is part of. Written by people in
 * YAML (`--system-card FILE`); read by model cards (EU AI Act Article 13 / Annex IV fields) and by risk
 * classification. Every field is optional at parse time; what is mandatory for a purpose is checked there.
 */
export interface SystemCard {
  name?: string;
  version?: string;
  /** The provider (legal entity placing the system on the market or putting it into service). */
  provider?: { name?: string; address?: string; contact?: string };
  owners?: { name: string; role?: string; contact?: string }[];
  /** Article 13(3)(b)(i): the intended purpose. */
  intendedPurpose?: string;
  intendedUsers?: string[];
  /** Where and how it is deployed, e.g. "public web chat", "internal HR screening". */
  deploymentContext?: string;
  /** Uses the provider rules out (foreseeable misuse). */
  outOfScopeUses?: string[];
  /** EU AI Act Annex III area when the provider considers one applicable, e.g. "employment". */
  annexIIIArea?: string;
  /** Categories of data processed, e.g. personal, biometric, health, children. */
  dataCategories?: string[];
  /** Whether people interact with the system directly (Article 50 transparency). */
  interactsWithPeople?: boolean;
  /** Whether it generates synthetic audio, image, video or text (Article 50). */
  generatesContent?: boolean;
  /** A safety component of a product under EU harmonisation legislation (EU AI Act Annex I, Article 6(1)). */
  safetyComponent?: boolean;
  /** The provider claims the Article 6(3) derogation for its Annex III use (must be documented). */
  highRiskDerogation?: boolean;
  /** Practices declared by the system (used to screen Article 5 prohibitions), e.g. "social scoring". */
  practices?: string[];
  /** Article 14: human-oversight measures. */
  humanOversight?: string;
  /** Article 12: logging / record-keeping mechanisms. */
  logging?: string;
  /** Article 15 declarations. */
  accuracy?: string;
  robustness?: string;
  cybersecurity?: string;
  /** Article 13(3)(b)(iii): known or foreseeable risks. */
  knownRisks?: string[];
  limitations?: string[];
  /** Article 13(3)(e): expected lifetime and maintenance / update measures. */
  lifetime?: string;
  maintenance?: string;
  /** Annex IV(3)/(9): post-market monitoring. */
  postMarketMonitoring?: string;
  /** Annex IV(5): risk management system reference. */
  riskManagement?: string;
  /** Annex IV(7): harmonised standards or other specifications applied. */
  standards?: string[];
  /** Anything else the author wrote, kept as is. */
  [key: string]: unknown;
}

const MAX_SYSTEM_CARD_BYTES = 1 << 20;

const STRING_FIELDS = [
  'name',
  'version',
  'intendedPurpose',
  'deploymentContext',
  'annexIIIArea',
  'humanOversight',
  'logging',
  'accuracy',
  'robustness',
  'cybersecurity',
  'lifetime',
  'maintenance',
  'postMarketMonitoring',
  'riskManagement',
] as const;
const LIST_FIELDS = [
  'intendedUsers',
  'outOfScopeUses',
  'dataCategories',
  'practices',
  'knownRisks',
  'limitations',
  'standards',
] as const;

/** Checks the types of a parsed system card; throws ConfigError naming the first bad field. */
export function validateSystemCard(value: unknown, source = 'system card'): SystemCard {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ConfigError(`${source}: expected a YAML mapping at the top level`);
  const card = value as Record<string, unknown>;
  for (const k of STRING_FIELDS)
    if (card[k] !== undefined && typeof card[k] !== 'string')
      throw new ConfigError(`${source}: ${k} must be a string`);
  for (const k of LIST_FIELDS) {
    const v = card[k];
    if (v === undefined) continue;
    if (typeof v === 'string') card[k] = [v];
    else if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
      throw new ConfigError(`${source}: ${k} must be a list of strings`);
  }
  for (const k of [
    'interactsWithPeople',
    'generatesContent',
    'safetyComponent',
    'highRiskDerogation',
  ] as const)
    if (card[k] !== undefined && typeof card[k] !== 'boolean')
      throw new ConfigError(`${source}: ${k} must be true or false`);
  if (card.provider !== undefined) {
    const p = card.provider;
    if (typeof p === 'string') card.provider = { name: p };
    else if (p === null || typeof p !== 'object' || Array.isArray(p))
      throw new ConfigError(`${source}: provider must be a mapping with name, address, contact`);
  }
  if (card.owners !== undefined) {
    if (!Array.isArray(card.owners))
      throw new ConfigError(`${source}: owners must be a list of {name, role, contact}`);
    card.owners = card.owners.map((o, i) => {
      if (typeof o === 'string') return { name: o };
      if (o === null || typeof o !== 'object' || typeof (o as { name?: unknown }).name !== 'string')
        throw new ConfigError(`${source}: owners[${i}] needs a name`);
      return o;
    });
  }
  return card as SystemCard;
}

/** Reads and validates a system card YAML file (bounded to 1 MiB). */
export async function readSystemCard(file: string): Promise<SystemCard> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    throw new BulwarkError(
      'E_NOT_FOUND',
      `system card ${JSON.stringify(file)} does not exist; check the path`,
    );
  }
  if (size > MAX_SYSTEM_CARD_BYTES)
    throw new ConfigError(`system card ${JSON.stringify(file)} is larger than 1 MiB; is it the right file?`);
  let parsed: unknown;
  try {
    parsed = parseYaml(await readFile(file, 'utf8'), { maxAliasCount: 100 });
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new ConfigError(`system card ${JSON.stringify(file)} is not valid YAML: ${msg}`);
  }
  return validateSystemCard(parsed, `system card ${file}`);
}
