import { readFile, stat } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { BulwarkError, LimitError, ParseError } from '../../core/errors.js';
import descriptions from './data/atlas-descriptions.json' with { type: 'json' };
import type { Catalog, CatalogEntry } from './types.js';

/**
 * Loader for the official MITRE ATLAS distribution file (`dist/ATLAS.yaml` of mitre-atlas/atlas-data). The official
 * JSON Schema is permissive, so this loader applies its own, stricter checks: id formats, duplicate ids, required
 * fields and their types, dangling references (technique → tactic, sub-technique → parent, mitigation → technique),
 * dates. It keeps only facts (ids, names, tactic membership, maturity, links, dates); descriptions come from
 * Bulwark's own map (`data/atlas-descriptions.json`), never from ATLAS's prose.
 *
 * Known defect of v5.6.0: in AML.M0018 and AML.M0034 a `{id, use}` technique mapping sits at the end of the
 * `ml-lifecycle` string list. Strict mode rejects it; lenient mode moves it to `techniques` and reports the repair.
 */

/** Largest ATLAS.yaml accepted (v5.6.0 is about 450 KB). */
export const MAX_ATLAS_BYTES = 16 * 1024 * 1024;

export const ATLAS_ID = {
  tactic: /^AML\.TA\d{4}$/,
  technique: /^AML\.T\d{4}$/,
  subTechnique: /^AML\.T\d{4}\.\d{3}$/,
  mitigation: /^AML\.M\d{4}$/,
} as const;

export const ATLAS_SOURCE: Catalog['source'] = {
  title: 'MITRE ATLAS (Adversarial Threat Landscape for AI Systems), dist/ATLAS.yaml',
  publisher: 'The MITRE Corporation',
  reference: 'https://github.com/mitre-atlas/atlas-data',
  license:
    'Apache-2.0 (ids, names, tactic membership, maturity and mitigation links are taken from ATLAS data, © MITRE); descriptions are Bulwark’s own',
};

export interface AtlasRepair {
  entry: string;
  field: string;
  message: string;
}

export interface AtlasImportResult {
  catalog: Catalog;
  /** Defects repaired in lenient mode (empty in strict mode, which fails instead). */
  repairs: AtlasRepair[];
  /** Entries for which Bulwark has no own description yet (a placeholder is used). */
  undescribed: string[];
  counts: {
    tactics: number;
    techniques: number;
    topLevel: number;
    subTechniques: number;
    mitigations: number;
  };
}

/** The ATLAS file broke one or more validation rules. `problems` lists each one; the message names the first few. */
export class AtlasValidationError extends ParseError {
  readonly problems: string[];
  constructor(problems: string[], hint: string) {
    const shown = problems.slice(0, 4).join('; ');
    const more = problems.length > 4 ? `; and ${problems.length - 4} more` : '';
    super(
      `ATLAS data is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${shown}${more}${hint}`,
    );
    this.name = 'AtlasValidationError';
    this.problems = problems;
  }
}

export interface AtlasImportOptions {
  /** Repair known, unambiguous defects (misplaced technique mappings) instead of failing. */
  lenient?: boolean;
  maxBytes?: number;
  /** Descriptions by id; defaults to Bulwark's shipped map. */
  descriptions?: Record<string, string>;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Normalises a YAML date (string `YYYY-MM-DD`, or a Date from other YAML loaders) to `YYYY-MM-DD`. */
export function normaliseDate(v: unknown): string | undefined {
  if (v instanceof Date && !Number.isNaN(v.getTime())) return v.toISOString().slice(0, 10);
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  const m = DATE.exec(s.slice(0, 10));
  if (!m) return undefined;
  const d = new Date(`${m[1]}-${m[2]}-${m[3]}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== s.slice(0, 10)) return undefined;
  return s.slice(0, 10);
}

function parseYaml(text: string, maxBytes: number): unknown {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes)
    throw new LimitError(
      'atlas-bytes',
      `ATLAS file is ${bytes} bytes, more than the ${maxBytes}-byte limit; check that it is the dist/ATLAS.yaml file`,
    );
  const doc = parseDocument(text, {
    schema: 'core',
    customTags: [],
    merge: false,
    uniqueKeys: true,
    prettyErrors: false,
  });
  const first = doc.errors[0] ?? doc.warnings[0];
  if (first)
    throw new ParseError(
      `ATLAS file is not valid YAML for this loader: ${first.message.split('\n')[0]} (custom tags and duplicate keys are refused)`,
    );
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ParseError(
      `ATLAS file could not be read as YAML data: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** Validates and converts a parsed ATLAS document into a catalog. Throws AtlasValidationError. */
export function atlasCatalogFromData(data: unknown, opts: AtlasImportOptions = {}): AtlasImportResult {
  const desc = opts.descriptions ?? (descriptions as Record<string, string>);
  const problems: string[] = [];
  const repairs: AtlasRepair[] = [];
  const fixable: string[] = [];
  if (!isObj(data)) throw new AtlasValidationError(['the document is not a mapping'], '');
  const version =
    typeof data.version === 'string' || typeof data.version === 'number' ? String(data.version) : '';
  if (!/^\d+\.\d+(\.\d+)?$/.test(version))
    problems.push(`top-level version ${JSON.stringify(data.version)} is not a version number`);
  if (data.id !== 'ATLAS') problems.push(`top-level id is ${JSON.stringify(data.id)}, expected "ATLAS"`);
  const matrices = data.matrices;
  if (!Array.isArray(matrices) || matrices.length === 0 || !isObj(matrices[0]))
    throw new AtlasValidationError([...problems, 'matrices is missing or empty'], '');
  const matrix = matrices.find((m) => isObj(m) && m.id === 'ATLAS') ?? matrices[0];
  if (!isObj(matrix)) throw new AtlasValidationError([...problems, 'matrix is not a mapping'], '');

  const seen = new Set<string>();
  const list = (field: string): Obj[] => {
    const v = matrix[field];
    if (!Array.isArray(v)) {
      problems.push(`matrix field ${field} is missing or not a list`);
      return [];
    }
    const out: Obj[] = [];
    v.forEach((item, i) => {
      if (!isObj(item)) problems.push(`${field}[${i}] is not a mapping`);
      else out.push(item);
    });
    return out;
  };
  const str = (o: Obj, field: string, where: string, required = true): string | undefined => {
    const v = o[field];
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
    if (v === undefined && !required) return undefined;
    problems.push(`${where}: field ${field} is ${v === undefined ? 'missing' : 'not a non-empty string'}`);
    return undefined;
  };
  const common = (o: Obj, i: number, field: string, pattern: RegExp | RegExp[], objectType: string) => {
    const id = typeof o.id === 'string' ? o.id : undefined;
    const where = id ? `${field} ${id}` : `${field}[${i}]`;
    const patterns = Array.isArray(pattern) ? pattern : [pattern];
    if (!id) problems.push(`${where}: field id is missing`);
    else if (!patterns.some((p) => p.test(id)))
      problems.push(`${where}: id does not match the ${objectType} id format`);
    else if (seen.has(id)) problems.push(`${where}: duplicate id`);
    else seen.add(id);
    const name = str(o, 'name', where);
    // Names are printed by `bulwark frameworks`: no terminal control characters, bounded length.
    if (name && /[\u0000-\u001f\u007f-\u009f]/.test(name))
      problems.push(`${where}: name contains control characters`);
    if (name && name.length > 200) problems.push(`${where}: name is longer than 200 characters`);
    str(o, 'description', where);
    if (o['object-type'] !== objectType)
      problems.push(
        `${where}: object-type is ${JSON.stringify(o['object-type'])}, expected ${JSON.stringify(objectType)}`,
      );
    const dates: Record<string, string> = {};
    for (const f of ['created_date', 'modified_date']) {
      if (o[f] === undefined) continue;
      const d = normaliseDate(o[f]);
      if (!d) problems.push(`${where}: ${f} ${JSON.stringify(o[f])} is not a YYYY-MM-DD date`);
      else dates[f === 'created_date' ? 'created' : 'modified'] = d;
    }
    return { id: id ?? '', name: name ?? '', where, dates };
  };

  const tactics = list('tactics');
  const techniques = list('techniques');
  const mitigations = list('mitigations');

  const entries: CatalogEntry[] = [];
  const undescribed: string[] = [];
  const describe = (id: string, kind: string, name: string): string => {
    const d = desc[id];
    if (typeof d === 'string' && d) return d;
    undescribed.push(id);
    return `ATLAS ${kind} "${name}" (added after Bulwark's catalog; no Bulwark description yet).`;
  };

  const tacticIds = new Set<string>();
  tactics.forEach((t, i) => {
    const c = common(t, i, 'tactic', ATLAS_ID.tactic, 'tactic');
    if (!c.id) return;
    tacticIds.add(c.id);
    entries.push({
      id: c.id,
      kind: 'tactic',
      name: c.name,
      description: describe(c.id, 'tactic', c.name),
      extra: { order: i + 1, ...c.dates },
    });
  });

  const techById = new Map<string, Obj>();
  techniques.forEach((t) => {
    if (typeof t.id === 'string' && !techById.has(t.id)) techById.set(t.id, t);
  });
  const MATURITY = new Set(['feasible', 'demonstrated', 'realized']);
  let topLevel = 0;
  let subs = 0;
  const techEntries: CatalogEntry[] = [];
  techniques.forEach((t, i) => {
    const c = common(t, i, 'technique', [ATLAS_ID.technique, ATLAS_ID.subTechnique], 'technique');
    if (!c.id) return;
    const parent = t['subtechnique-of'];
    let tacticList: string[] = [];
    if (parent !== undefined) {
      subs++;
      if (typeof parent !== 'string' || !ATLAS_ID.technique.test(parent))
        problems.push(
          `${c.where}: subtechnique-of ${JSON.stringify(parent)} is not a top-level technique id`,
        );
      else if (!techById.has(parent))
        problems.push(`${c.where}: subtechnique-of refers to unknown technique ${parent}`);
      else if (!c.id.startsWith(`${parent}.`))
        problems.push(`${c.where}: id does not extend its parent ${parent}`);
      else {
        const pt = techById.get(parent)!;
        if (pt['subtechnique-of'] !== undefined)
          problems.push(`${c.where}: parent ${parent} is itself a sub-technique`);
        tacticList = Array.isArray(pt.tactics)
          ? pt.tactics.filter((x): x is string => typeof x === 'string')
          : [];
      }
      if (!ATLAS_ID.subTechnique.test(c.id))
        problems.push(`${c.where}: a sub-technique id needs a .NNN suffix`);
    } else {
      topLevel++;
      if (!ATLAS_ID.technique.test(c.id))
        problems.push(`${c.where}: has a sub-technique id but no subtechnique-of`);
      if (!Array.isArray(t.tactics) || t.tactics.length === 0)
        problems.push(`${c.where}: field tactics is missing or empty`);
      else {
        t.tactics.forEach((ta, j) => {
          if (typeof ta !== 'string') problems.push(`${c.where}: tactics[${j}] is not a string`);
          else if (!tacticIds.has(ta)) problems.push(`${c.where}: tactics refers to unknown tactic ${ta}`);
          else tacticList.push(ta);
        });
      }
    }
    const maturity = t.maturity;
    if (maturity !== undefined && (typeof maturity !== 'string' || !MATURITY.has(maturity)))
      problems.push(
        `${c.where}: maturity ${JSON.stringify(maturity)} is not one of feasible, demonstrated, realized`,
      );
    const e: CatalogEntry = {
      id: c.id,
      kind: parent !== undefined ? 'sub-technique' : 'technique',
      name: c.name,
      description: describe(c.id, parent !== undefined ? 'sub-technique' : 'technique', c.name),
      extra: { tactics: tacticList, ...(typeof maturity === 'string' ? { maturity } : {}), ...c.dates },
    };
    if (tacticList[0]) e.group = tacticList[0];
    if (typeof parent === 'string') e.parent = parent;
    techEntries.push(e);
  });
  entries.push(...techEntries);

  mitigations.forEach((m, i) => {
    const c = common(m, i, 'mitigation', ATLAS_ID.mitigation, 'mitigation');
    if (!c.id) return;
    const linked: string[] = [];
    const addLink = (item: unknown, where: string) => {
      if (!isObj(item) || typeof item.id !== 'string') {
        problems.push(`${c.where}: ${where} is not a {id, use} technique mapping`);
        return;
      }
      if (!techById.has(item.id))
        problems.push(`${c.where}: ${where} refers to unknown technique ${item.id}`);
      else if (!linked.includes(item.id)) linked.push(item.id);
    };
    if (!Array.isArray(m.techniques)) problems.push(`${c.where}: field techniques is missing or not a list`);
    else m.techniques.forEach((item, j) => addLink(item, `techniques[${j}]`));
    const lifecycle: string[] = [];
    if (m['ml-lifecycle'] !== undefined) {
      if (!Array.isArray(m['ml-lifecycle'])) problems.push(`${c.where}: field ml-lifecycle is not a list`);
      else
        m['ml-lifecycle'].forEach((item, j) => {
          if (typeof item === 'string') lifecycle.push(item);
          else if (isObj(item) && typeof item.id === 'string' && 'use' in item) {
            const msg = `ml-lifecycle[${j}] holds a technique mapping {id: ${item.id}} that belongs in techniques`;
            if (opts.lenient) {
              repairs.push({
                entry: c.id,
                field: 'ml-lifecycle',
                message: `moved ${item.id} from ml-lifecycle[${j}] to techniques`,
              });
              addLink(item, `ml-lifecycle[${j}]`);
            } else {
              problems.push(`${c.id}: ${msg}`);
              fixable.push(c.id);
            }
          } else problems.push(`${c.where}: ml-lifecycle[${j}] is not a string`);
        });
    }
    const category: string[] = [];
    if (m.category !== undefined) {
      if (!Array.isArray(m.category)) problems.push(`${c.where}: field category is not a list`);
      else
        m.category.forEach((x, j) => {
          if (typeof x === 'string') category.push(x);
          else problems.push(`${c.where}: category[${j}] is not a string`);
        });
    }
    entries.push({
      id: c.id,
      kind: 'mitigation',
      name: c.name,
      description: describe(c.id, 'mitigation', c.name),
      extra: { techniques: linked, category, lifecycle, ...c.dates },
    });
  });

  if (problems.length) {
    const onlyFixable = fixable.length > 0 && fixable.length === problems.length;
    throw new AtlasValidationError(
      problems,
      onlyFixable ? '; rerun with --lenient to move the misplaced mappings into techniques' : '',
    );
  }
  return {
    catalog: { framework: 'atlas', name: 'MITRE ATLAS', version, source: ATLAS_SOURCE, entries },
    repairs,
    undescribed,
    counts: {
      tactics: tactics.length,
      techniques: techniques.length,
      topLevel,
      subTechniques: subs,
      mitigations: mitigations.length,
    },
  };
}

/** Parses ATLAS.yaml text (bounded, no custom tags) and validates it. */
export function parseAtlasYaml(text: string, opts: AtlasImportOptions = {}): AtlasImportResult {
  return atlasCatalogFromData(parseYaml(text, opts.maxBytes ?? MAX_ATLAS_BYTES), opts);
}

/** Reads, parses and validates an ATLAS.yaml file. */
export async function importAtlasFile(
  file: string,
  opts: AtlasImportOptions = {},
): Promise<AtlasImportResult> {
  const max = opts.maxBytes ?? MAX_ATLAS_BYTES;
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile())
      throw new BulwarkError(
        'E_NOT_FOUND',
        `${JSON.stringify(file)} is not a file; give the path of ATLAS.yaml`,
      );
    size = st.size;
  } catch (err) {
    if (err instanceof BulwarkError) throw err;
    throw new BulwarkError(
      'E_NOT_FOUND',
      `${JSON.stringify(file)} does not exist; give the path of dist/ATLAS.yaml`,
    );
  }
  if (size > max)
    throw new LimitError(
      'atlas-bytes',
      `${JSON.stringify(file)} is ${size} bytes, more than the ${max}-byte limit for an ATLAS file`,
    );
  return parseAtlasYaml(await readFile(file, 'utf8'), opts);
}

export interface CatalogDiff {
  from: string;
  to: string;
  added: string[];
  removed: string[];
  renamed: { id: string; from: string; to: string }[];
}

/** Ids added, removed and renamed between two versions of one catalog. */
export function diffCatalogs(older: Catalog, newer: Catalog): CatalogDiff {
  const a = new Map(older.entries.map((e) => [e.id, e]));
  const b = new Map(newer.entries.map((e) => [e.id, e]));
  const added = [...b.keys()].filter((id) => !a.has(id)).sort();
  const removed = [...a.keys()].filter((id) => !b.has(id)).sort();
  const renamed = [...b.values()]
    .filter((e) => a.has(e.id) && a.get(e.id)!.name !== e.name)
    .map((e) => ({ id: e.id, from: a.get(e.id)!.name, to: e.name }))
    .sort((x, y) => x.id.localeCompare(y.id));
  return { from: older.version, to: newer.version, added, removed, renamed };
}
