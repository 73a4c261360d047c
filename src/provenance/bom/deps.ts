/**
 * Dependencies a model repository declares: `requirements.txt` (pip requirement lines, PEP 508), the
 * `[project] dependencies` array of `pyproject.toml` (read by a small line-based scanner, not a TOML parser) and the
 * `dependencies` object of `package.json`. Nothing is resolved or installed; names and specifiers are recorded as
 * written, and a package URL (`pkg:pypi/…`, `pkg:npm/…`) carries a version only when the declaration pins one
 * exact version.
 */

export interface DeclaredDependency {
  ecosystem: 'pypi' | 'npm';
  /** Name as written. */
  name: string;
  /** PyPI: PEP 503 normalised (lower case, runs of `-_.` → `-`); npm: as written. */
  normalizedName: string;
  /** Version specifier / range as written (`>=4.40,<5`, `^1.2.0`), if any. */
  specifier?: string;
  /** The exact version when the specifier pins one (`==2.3.1`, `1.2.3`). */
  version?: string;
  extras?: string[];
  /** PEP 508 environment marker (`python_version >= "3.9"`). */
  marker?: string;
  /** PEP 508 direct reference (`name @ https://…`) or npm URL/git/file spec. */
  url?: string;
  /** File the declaration came from, relative to the model root. */
  declaredIn: string;
  /** `package-url` of the dependency. */
  purl: string;
}

export interface ParsedDependencies {
  dependencies: DeclaredDependency[];
  warnings: string[];
}

/** At most this many dependencies are taken from one file. */
export const MAX_DEPENDENCIES_PER_FILE = 1000;
const MAX_LINE = 4096;

const PEP508 =
  /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[([^\]]*)\])?\s*(?:@\s*(\S+)\s*|\(?\s*((?:~=|===|==|!=|<=|>=|<|>)[^;()]*?)\s*\)?\s*)?(?:;\s*(.+))?$/;

/** PEP 503 name normalisation. */
export function normalizePypiName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** Percent-encodes one purl segment (RFC 3986 unreserved characters stay). */
function purlSegment(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function pypiPurl(normalizedName: string, version?: string): string {
  return `pkg:pypi/${purlSegment(normalizedName)}${version ? `@${purlSegment(version)}` : ''}`;
}

export function npmPurl(name: string, version?: string): string {
  // Scoped packages: the scope is the namespace (`@` percent-encoded), the rest the name.
  const m = /^(@[^/]+)\/(.+)$/.exec(name);
  const path = m ? `${purlSegment(m[1])}/${purlSegment(m[2])}` : purlSegment(name);
  return `pkg:npm/${path}${version ? `@${purlSegment(version)}` : ''}`;
}

/** `pkg:huggingface/<namespace>/<name>[@<revision>]`. */
export function huggingfacePurl(repoId: string, revision?: string): string | undefined {
  const m = /^([^/\s]+)\/([^/\s]+)$/.exec(repoId);
  if (!m) return undefined;
  return `pkg:huggingface/${purlSegment(m[1])}/${purlSegment(m[2])}${
    revision ? `@${purlSegment(revision.toLowerCase())}` : ''
  }`;
}

/**
 * Parses one PEP 508 requirement (`name[extras] (specifier) ; marker` or `name @ url ; marker`). Returns undefined
 * when the text is not a requirement.
 */
export function parsePep508(text: string, declaredIn: string): Omit<DeclaredDependency, 'purl'> | undefined {
  const t = text.trim();
  if (t === '' || t.length > MAX_LINE) return undefined;
  const m = PEP508.exec(t);
  if (!m) return undefined;
  const [, name, extras, url, spec, marker] = m;
  const specifier = spec?.replace(/\s+/g, '') || undefined;
  const exact = specifier ? /^={2,3}([A-Za-z0-9][A-Za-z0-9.+!_-]*)$/.exec(specifier) : null;
  return {
    ecosystem: 'pypi',
    name,
    normalizedName: normalizePypiName(name),
    ...(specifier ? { specifier } : {}),
    ...(exact && !exact[1].includes('*') ? { version: exact[1] } : {}),
    ...(extras !== undefined
      ? {
          extras: extras
            .split(',')
            .map((e) => e.trim())
            .filter(Boolean),
        }
      : {}),
    ...(marker ? { marker: marker.trim() } : {}),
    ...(url ? { url } : {}),
    declaredIn,
  };
}

function withPurl(d: Omit<DeclaredDependency, 'purl'>): DeclaredDependency {
  return {
    ...d,
    purl: d.ecosystem === 'pypi' ? pypiPurl(d.normalizedName, d.version) : npmPurl(d.name, d.version),
  };
}

/**
 * `requirements.txt`: one requirement per line; `#` comments, blank lines and pip options (`-r`, `-e`, `--index-url`,
 * …) are skipped; `\` continues a line. A line that is not a PEP 508 requirement is reported as a warning.
 */
export function parseRequirementsTxt(text: string, declaredIn = 'requirements.txt'): ParsedDependencies {
  const out: DeclaredDependency[] = [];
  const warnings: string[] = [];
  const logical: { text: string; line: number }[] = [];
  let buf = '';
  let start = 0;
  text.split(/\r?\n/).forEach((raw, i) => {
    if (buf === '') start = i + 1;
    if (/\\$/.test(raw)) {
      buf += raw.slice(0, -1);
      return;
    }
    logical.push({ text: buf + raw, line: start });
    buf = '';
  });
  if (buf) logical.push({ text: buf, line: start });
  for (const { text: l, line } of logical) {
    // A comment starts at line start or after whitespace (pip's rule).
    const s = l.replace(/(^|\s)#.*$/, '').trim();
    if (s === '') continue;
    if (s.startsWith('-')) continue; // pip options: -r, -e, --index-url, …
    if (out.length >= MAX_DEPENDENCIES_PER_FILE) {
      warnings.push(
        `${declaredIn}: more than ${MAX_DEPENDENCIES_PER_FILE} requirements; the rest were left out`,
      );
      break;
    }
    const d = parsePep508(s, declaredIn);
    if (!d) {
      warnings.push(`${declaredIn}:${line}: not a PEP 508 requirement; left out`);
      continue;
    }
    out.push(withPurl(d));
  }
  return { dependencies: out, warnings };
}

/**
 * The `dependencies` array of the `[project]` table of `pyproject.toml`. This is a line-based scanner for that one
 * array (basic and literal strings, comments, trailing commas, the array spanning lines), not a TOML parser: other
 * tables (Poetry's `[tool.poetry.dependencies]`, optional dependencies) are not read.
 */
export function parsePyprojectDependencies(text: string, declaredIn = 'pyproject.toml'): ParsedDependencies {
  const warnings: string[] = [];
  const lines = text.split(/\r?\n/);
  let inProject = false;
  let arrayText: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const header = /^\s*\[\s*([^\]]+?)\s*\]\s*(#.*)?$/.exec(line);
    if (header && !/^\s*\[\[/.test(line)) {
      inProject = header[1] === 'project';
      continue;
    }
    if (/^\s*\[\[/.test(line)) {
      inProject = false;
      continue;
    }
    if (!inProject) continue;
    const m = /^\s*dependencies\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    // Collect from the `[` to its matching `]` (strings may hold brackets; comments may hold anything).
    let collected = m[1];
    let j = i;
    while (scanArray(collected).state === 'open' && j + 1 < lines.length && j - i < 10_000) {
      j++;
      collected += '\n' + lines[j];
    }
    arrayText = collected;
    break;
  }
  if (arrayText === undefined) return { dependencies: [], warnings };
  const strings = tomlArrayStrings(arrayText);
  if (!strings) {
    warnings.push(`${declaredIn}: [project] dependencies is not an array of strings; left out`);
    return { dependencies: [], warnings };
  }
  const out: DeclaredDependency[] = [];
  for (const s of strings.slice(0, MAX_DEPENDENCIES_PER_FILE)) {
    const d = parsePep508(s, declaredIn);
    if (d) out.push(withPurl(d));
    else
      warnings.push(
        `${declaredIn}: ${JSON.stringify(s.slice(0, 100))} is not a PEP 508 requirement; left out`,
      );
  }
  if (strings.length > MAX_DEPENDENCIES_PER_FILE)
    warnings.push(
      `${declaredIn}: more than ${MAX_DEPENDENCIES_PER_FILE} dependencies; the rest were left out`,
    );
  return { dependencies: out, warnings };
}

type ScanResult = { state: 'open' } | { state: 'bad' } | { state: 'done'; strings: string[] };

function scanArray(s: string): ScanResult {
  let i = 0;
  while (i < s.length && /\s/.test(s[i])) i++;
  if (s[i] !== '[') return { state: 'bad' };
  i++;
  const strings: string[] = [];
  let expectValue = true;
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      while (i < s.length && s[i] !== '\n') i++;
    } else if (c === ']') {
      return { state: 'done', strings };
    } else if (c === ',') {
      if (expectValue) return { state: 'bad' };
      expectValue = true;
      i++;
    } else if (c === '"' || c === "'") {
      if (!expectValue) return { state: 'bad' };
      const triple = s.startsWith(c.repeat(3), i);
      if (triple) return { state: 'bad' }; // multi-line strings are not dependency specifiers
      let j = i + 1;
      let val = '';
      while (j < s.length && s[j] !== c && s[j] !== '\n') {
        if (c === '"' && s[j] === '\\') {
          const n = s[j + 1];
          const map: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', t: '\t', r: '\r' };
          if (n === 'u' || n === 'U') {
            const len = n === 'u' ? 4 : 8;
            const hex = s.slice(j + 2, j + 2 + len);
            if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) return { state: 'bad' };
            const cp = parseInt(hex, 16);
            if (cp > 0x10ffff) return { state: 'bad' };
            val += String.fromCodePoint(cp);
            j += 2 + len;
            continue;
          }
          if (n === undefined || !(n in map)) return { state: 'bad' };
          val += map[n];
          j += 2;
          continue;
        }
        val += s[j];
        j++;
      }
      if (s[j] !== c) return j >= s.length ? { state: 'open' } : { state: 'bad' };
      strings.push(val);
      expectValue = false;
      i = j + 1;
    } else {
      return { state: 'bad' };
    }
  }
  return { state: 'open' };
}

function tomlArrayStrings(s: string): string[] | undefined {
  const r = scanArray(s);
  return r.state === 'done' ? r.strings : undefined;
}

/** `package.json` `dependencies` (not dev/peer/optional dependencies: those are not needed to run the model). */
export function parsePackageJsonDependencies(text: string, declaredIn = 'package.json'): ParsedDependencies {
  const warnings: string[] = [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return {
      dependencies: [],
      warnings: [`${declaredIn} is not valid JSON (${(err as Error).message.slice(0, 200)}); left out`],
    };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return { dependencies: [], warnings: [`${declaredIn} is not a JSON object; left out`] };
  const deps = (json as Record<string, unknown>).dependencies;
  if (deps === undefined) return { dependencies: [], warnings };
  if (typeof deps !== 'object' || deps === null || Array.isArray(deps))
    return { dependencies: [], warnings: [`${declaredIn}: "dependencies" is not an object; left out`] };
  const out: DeclaredDependency[] = [];
  const entries = Object.entries(deps as Record<string, unknown>);
  for (const [name, spec] of entries.slice(0, MAX_DEPENDENCIES_PER_FILE)) {
    if (!/^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9._~-][a-z0-9._~-]*$/i.test(name) || name.length > 214) {
      warnings.push(
        `${declaredIn}: ${JSON.stringify(name.slice(0, 100))} is not an npm package name; left out`,
      );
      continue;
    }
    if (typeof spec !== 'string') {
      warnings.push(`${declaredIn}: the version of ${name} is not a string; left out`);
      continue;
    }
    const s = spec.trim().slice(0, MAX_LINE);
    const isUrl = /^(https?:|git(\+\w+)?:|github:|file:|link:|workspace:|npm:)|\//.test(s);
    const exact = /^=?v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$/.exec(s);
    out.push(
      withPurl({
        ecosystem: 'npm',
        name,
        normalizedName: name,
        ...(isUrl ? { url: s } : s ? { specifier: s } : {}),
        ...(exact ? { version: exact[1] } : {}),
        declaredIn,
      }),
    );
  }
  if (entries.length > MAX_DEPENDENCIES_PER_FILE)
    warnings.push(
      `${declaredIn}: more than ${MAX_DEPENDENCIES_PER_FILE} dependencies; the rest were left out`,
    );
  return { dependencies: out, warnings };
}
