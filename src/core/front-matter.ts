import { parseDocument, type Document } from 'yaml';

/**
 * Markdown documents with YAML front matter (Hugging Face model and dataset cards): splitting, safe YAML parsing,
 * heading sections. Shared by every pillar that reads cards; each builds its own view of the metadata.
 */

/** Largest YAML front matter parsed. */
export const MAX_FRONT_MATTER_BYTES = 256 * 1024;
/** Most alias expansions accepted when a front matter document is turned into values. */
export const MAX_FRONT_MATTER_ALIASES = 100;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/**
 * The YAML front matter, the body and the offset where it starts (after the closing `---` or `...` line; LF or CRLF
 * line ends), or undefined when the text has none. Unclosed front matter runs to the end and leaves no body.
 */
export function splitFrontMatter(
  text: string,
): { yaml: string; body: string; bodyStart: number; closed: boolean } | undefined {
  const m = /^---[ \t]*\r?\n/.exec(text);
  if (!m) return undefined;
  const re = /^(---|\.\.\.)[ \t]*\r?$/gm;
  re.lastIndex = m[0].length;
  const close = re.exec(text);
  if (!close) return { yaml: text.slice(m[0].length), body: '', bodyStart: text.length, closed: false };
  const bodyStart = close.index + close[0].length;
  return { yaml: text.slice(m[0].length, close.index), body: text.slice(bodyStart), bodyStart, closed: true };
}

/** Parses YAML text as a document with the core schema only: no custom tags, no merge keys, no exceptions. */
export function parseCoreYaml(yaml: string): Document.Parsed {
  return parseDocument(yaml, {
    schema: 'core',
    customTags: [],
    merge: false,
    uniqueKeys: false,
    prettyErrors: false,
    strict: false,
  });
}

/** Parses front matter safely: core schema, no custom tags or merge keys, bounded size and aliases. */
export function parseFrontMatterYaml(yaml: string): { meta?: Record<string, unknown>; error?: string } {
  const bytes = Buffer.byteLength(yaml, 'utf8');
  if (bytes > MAX_FRONT_MATTER_BYTES)
    return { error: `front matter is ${bytes} bytes, over the ${MAX_FRONT_MATTER_BYTES}-byte limit` };
  let doc;
  try {
    doc = parseCoreYaml(yaml);
  } catch (err) {
    return { error: `front matter is not valid YAML (${clip((err as Error).message.split('\n')[0], 200)})` };
  }
  if (doc.errors.length)
    return { error: `front matter is not valid YAML (${clip(doc.errors[0].message.split('\n')[0], 200)})` };
  const unresolved = doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
  if (unresolved)
    // Tags outside the core schema (e.g. `!!python/object/apply:…`) have no place in a model card: distrust it all.
    return {
      error: `front matter uses a YAML tag outside the core schema (${clip(unresolved.message.split('\n')[0], 200)})`,
    };
  let meta: unknown;
  try {
    meta = doc.toJS({ maxAliasCount: MAX_FRONT_MATTER_ALIASES });
  } catch (err) {
    return { error: `front matter could not be read (${clip((err as Error).message, 200)})` };
  }
  if (meta === null || meta === undefined) return { meta: {} };
  if (!isRecord(meta)) return { error: 'front matter is not a mapping' };
  return { meta };
}

/** Splits Markdown into heading sections (text up to the next heading of any level), ignoring fenced code. */
export function markdownSections(body: string): { level: number; heading: string; text: string }[] {
  const out: { level: number; heading: string; lines: string[] }[] = [];
  let fence: string | undefined;
  let current: { level: number; heading: string; lines: string[] } = { level: 0, heading: '', lines: [] };
  out.push(current);
  for (const line of body.split(/\r?\n/)) {
    const f = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (f) {
      if (fence === undefined) fence = f[1][0];
      else if (f[1][0] === fence) fence = undefined;
      current.lines.push(line);
      continue;
    }
    const h = fence === undefined ? /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line) : null;
    if (h) {
      current = { level: h[1].length, heading: h[2], lines: [] };
      out.push(current);
    } else current.lines.push(line);
  }
  return out.map((s) => ({
    level: s.level,
    heading: s.heading,
    text: s.lines
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim(),
  }));
}
