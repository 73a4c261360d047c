import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { References } from '../../core/finding.js';
import { ATLAS } from './atlas.js';
import { EU_AI_ACT } from './eu-ai-act.js';
import { ISO_42001 } from './iso42001.js';
import { NIST_AI_600_1 } from './nist-ai-600-1.js';
import { NIST_AI_RMF } from './nist-ai-rmf.js';
import { OWASP_LLM } from './owasp-llm.js';
import { OWASP_ML } from './owasp-ml.js';
import type { Catalog, CatalogEntry } from './types.js';

/** Keys of the catalogs Bulwark ships. The first six are also keys of `References`. */
export const FRAMEWORKS = [
  'atlas',
  'owaspMl',
  'owaspLlm',
  'nistAiRmf',
  'nist600-1',
  'euAiAct',
  'iso42001',
] as const;
export type Framework = (typeof FRAMEWORKS)[number];

/** `References` keys that name a catalog (the rest, cwe/cve/ghsa, are vulnerability databases). */
export const FRAMEWORK_REFERENCE_KEYS = [
  'atlas',
  'owaspMl',
  'owaspLlm',
  'euAiAct',
  'nistAiRmf',
  'iso42001',
] as const;
export type FrameworkReferenceKey = (typeof FRAMEWORK_REFERENCE_KEYS)[number];

/** Accepted spellings for the framework argument of the CLI and of `getCatalog`. */
const ALIASES: Record<string, Framework> = {
  atlas: 'atlas',
  'mitre-atlas': 'atlas',
  owaspml: 'owaspMl',
  'owasp-ml': 'owaspMl',
  owaspllm: 'owaspLlm',
  'owasp-llm': 'owaspLlm',
  nistairmf: 'nistAiRmf',
  'nist-ai-rmf': 'nistAiRmf',
  'ai-rmf': 'nistAiRmf',
  'nist600-1': 'nist600-1',
  'nist-ai-600-1': 'nist600-1',
  'ai-600-1': 'nist600-1',
  euaiact: 'euAiAct',
  'eu-ai-act': 'euAiAct',
  iso42001: 'iso42001',
  'iso-42001': 'iso42001',
};

/** Resolves a framework name or alias (case-insensitive) to its key, or undefined. */
export function frameworkKey(name: string): Framework | undefined {
  return ALIASES[name.trim().toLowerCase()];
}

const SHIPPED: Record<Framework, Catalog> = {
  atlas: ATLAS,
  owaspMl: OWASP_ML,
  owaspLlm: OWASP_LLM,
  nistAiRmf: NIST_AI_RMF,
  'nist600-1': NIST_AI_600_1,
  euAiAct: EU_AI_ACT,
  iso42001: ISO_42001,
};

/** Environment variable naming a directory of imported catalogs (`atlas-<version>.json`). */
export const CATALOG_DIR_ENV = 'BULWARK_CATALOG_DIR';

export interface CatalogOptions {
  /** Directory of imported catalogs; default: env BULWARK_CATALOG_DIR. Set to `null` to use shipped data only. */
  dir?: string | null;
}

/** Compares dotted version numbers (`5.10.0` > `5.6.0`). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

const MAX_IMPORTED_BYTES = 32 * 1024 * 1024;
const importedCache = new Map<string, { mtimeMs: number; catalog: Catalog }>();

/** Checks that a parsed JSON value is a catalog of `framework`; returns a problem or undefined. */
export function catalogShapeProblem(value: unknown, framework: string): string | undefined {
  const c = value as Partial<Catalog> | null;
  if (!c || typeof c !== 'object') return 'not a JSON object';
  if (c.framework !== framework)
    return `framework is ${JSON.stringify(c.framework)}, expected ${JSON.stringify(framework)}`;
  if (typeof c.version !== 'string' || typeof c.name !== 'string') return 'name or version is missing';
  if (!c.source || typeof c.source !== 'object') return 'source is missing';
  if (!Array.isArray(c.entries) || c.entries.length === 0) return 'entries is missing or empty';
  const ids = new Set<string>();
  for (const e of c.entries as unknown[]) {
    const x = e as Partial<CatalogEntry> | null;
    if (
      !x ||
      typeof x.id !== 'string' ||
      typeof x.name !== 'string' ||
      typeof x.kind !== 'string' ||
      typeof x.description !== 'string'
    )
      return 'an entry lacks id, name, kind or description';
    if (ids.has(x.id)) return `duplicate entry id ${x.id}`;
    ids.add(x.id);
  }
  return undefined;
}

/** The newest valid imported `<framework>-<version>.json` in `dir` that is newer than the shipped catalog. */
function newestImported(framework: Framework, dir: string): Catalog | undefined {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  const shipped = SHIPPED[framework];
  const prefix = `${framework}-`;
  const candidates = names
    .filter((n) => n.startsWith(prefix) && n.endsWith('.json'))
    .map((n) => ({ n, v: n.slice(prefix.length, -'.json'.length) }))
    .filter(({ v }) => /^\d+(\.\d+)*$/.test(v) && compareVersions(v, shipped.version) > 0)
    .sort((a, b) => compareVersions(b.v, a.v));
  for (const { n, v } of candidates) {
    const file = path.join(dir, n);
    try {
      const st = statSync(file);
      if (!st.isFile() || st.size > MAX_IMPORTED_BYTES) continue;
      const hit = importedCache.get(file);
      if (hit && hit.mtimeMs === st.mtimeMs) return hit.catalog;
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (catalogShapeProblem(parsed, framework) || (parsed as Catalog).version !== v) continue;
      importedCache.set(file, { mtimeMs: st.mtimeMs, catalog: parsed as Catalog });
      return parsed as Catalog;
    } catch {
      continue;
    }
  }
  return undefined;
}

/**
 * The catalog of `framework`. For ATLAS, an imported catalog (`atlas-<version>.json`, written by
 * `bulwark frameworks import atlas --out DIR`) in `opts.dir` or env BULWARK_CATALOG_DIR is preferred when its version
 * is newer than the shipped one; invalid files there are ignored.
 */
export function getCatalog(framework: string, opts: CatalogOptions = {}): Catalog {
  const key = frameworkKey(framework);
  if (!key)
    throw new Error(`unknown framework ${JSON.stringify(framework)}; known: ${FRAMEWORKS.join(', ')}`);
  const dir = opts.dir === undefined ? process.env[CATALOG_DIR_ENV] : opts.dir;
  if (key === 'atlas' && dir) return newestImported(key, dir) ?? SHIPPED[key];
  return SHIPPED[key];
}

/** Every catalog (shipped, or newer imported ones per `getCatalog`). */
export function allCatalogs(opts: CatalogOptions = {}): Catalog[] {
  return FRAMEWORKS.map((f) => getCatalog(f, opts));
}

const indexCache = new WeakMap<Catalog, Map<string, CatalogEntry>>();
function indexOf(c: Catalog): Map<string, CatalogEntry> {
  let m = indexCache.get(c);
  if (!m) {
    m = new Map(c.entries.map((e) => [e.id, e]));
    indexCache.set(c, m);
  }
  return m;
}

/** Canonical form of an id as written in references: trims, drops OWASP `:2023`/`:2025` suffixes, normalises case. */
export function normaliseId(framework: Framework, id: string): string {
  const s = id.trim().replace(/\s+/g, ' ');
  switch (framework) {
    case 'owaspMl':
    case 'owaspLlm':
      return s.replace(/:\d{4}$/, '').toUpperCase();
    case 'nistAiRmf':
      return s.toUpperCase();
    case 'atlas':
      return s.toUpperCase();
    default:
      return s;
  }
}

/**
 * Finds an entry by id. EU AI Act sub-provisions (`Art. 15(5)`, `Art. 10(2)(f)`) resolve to the closest entry that
 * exists (`Art. 15`, `Art. 10`) when they have no entry of their own.
 */
export function findEntry(
  framework: string,
  id: string,
  opts: CatalogOptions = {},
): CatalogEntry | undefined {
  const key = frameworkKey(framework);
  if (!key) return undefined;
  const idx = indexOf(getCatalog(key, opts));
  let cur = normaliseId(key, id);
  const exact = idx.get(cur);
  if (exact || key !== 'euAiAct') return exact;
  while (/\([^()]*\)$/.test(cur)) {
    cur = cur.replace(/\([^()]*\)$/, '');
    const hit = idx.get(cur);
    if (hit) return hit;
  }
  return undefined;
}

export interface ReferenceProblem {
  key: keyof References;
  id: string;
  message: string;
}

const DB_FORMATS: Partial<Record<keyof References, RegExp>> = {
  cwe: /^CWE-\d+$/,
  cve: /^CVE-\d{4}-\d{4,}$/,
  ghsa: /^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$/,
};

/** Reference ids that are unknown to the catalogs (or, for cwe/cve/ghsa, not in the database's id format). */
export function validateReferences(refs: References, opts: CatalogOptions = {}): ReferenceProblem[] {
  const problems: ReferenceProblem[] = [];
  for (const [k, ids] of Object.entries(refs) as [keyof References, string[] | undefined][]) {
    if (!ids) continue;
    if (!Array.isArray(ids)) {
      problems.push({ key: k, id: String(ids), message: `references.${k} is not a list` });
      continue;
    }
    for (const id of ids) {
      if ((FRAMEWORK_REFERENCE_KEYS as readonly string[]).includes(k)) {
        if (!findEntry(k, id, opts)) {
          const c = getCatalog(k, opts);
          problems.push({ key: k, id, message: `${JSON.stringify(id)} is not in ${c.name} ${c.version}` });
        }
      } else if (DB_FORMATS[k]) {
        if (!DB_FORMATS[k]!.test(id))
          problems.push({ key: k, id, message: `${JSON.stringify(id)} is not a ${k.toUpperCase()} id` });
      } else problems.push({ key: k, id, message: `unknown reference key ${JSON.stringify(k)}` });
    }
  }
  return problems;
}

export { ATLAS, EU_AI_ACT, ISO_42001, NIST_AI_600_1, NIST_AI_RMF, OWASP_LLM, OWASP_ML };
export type { Catalog, CatalogEntry };
