/**
 * Token-level scan of a Jinja template: finds code regions the way Jinja2's lexer does ({{ }}, {% %}, skipping
 * {# #} comments and {% raw %} blocks), tokenizes them with Python string-escape rules and looks for dangerous
 * names. Used when the parser rejects a template (Python's Jinja2 may still accept it), when a template exceeds
 * the parser's bounds, and as a cross-check after a successful parse.
 */
import type { HitCollector } from './collector.js';
import {
  DANGEROUS_MODULES,
  EXEC_CALLED_MEMBERS,
  EXEC_MEMBERS,
  EXEC_ROOT_CALLS,
  KNOWN_DUNDERS,
  LEAKY_GLOBALS,
  LOADER_STATEMENTS,
  WEB_GLOBALS,
  isInternalName,
  isPrivateName,
} from './names.js';
import {
  TPL_CODE_EXECUTION,
  TPL_LEAKY_GLOBAL,
  TPL_LOADER,
  TPL_OBFUSCATED,
  TPL_PRIVATE_ATTRIBUTE,
  TPL_PYTHON_INTERNALS,
} from './rules.js';

export interface CodeRegion {
  start: number;
  end: number;
  statement: boolean;
}

const RAW_OPEN = /\{%[-+]?\s*raw\s*[-+]?%\}/y;
const RAW_CLOSE = /\{%[-+]?\s*endraw\s*[-+]?%\}/g;

/** Replaces the content of {% raw %} blocks (literal text) with spaces, keeping offsets. */
export function blankRawBlocks(text: string): string {
  if (!/\{%[-+]?\s*raw\s*[-+]?%\}/.test(text)) return text;
  let out = '';
  let pos = 0;
  for (const r of rawBlocks(text)) {
    out += text.slice(pos, r.start) + ' '.repeat(r.end - r.start);
    pos = r.end;
  }
  return out + text.slice(pos);
}

function rawBlocks(text: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  const open = /\{%[-+]?\s*raw\s*[-+]?%\}/g;
  let m: RegExpExecArray | null;
  while ((m = open.exec(text))) {
    RAW_CLOSE.lastIndex = m.index + m[0].length;
    const c = RAW_CLOSE.exec(text);
    const end = c ? c.index + c[0].length : text.length;
    out.push({ start: m.index, end });
    open.lastIndex = end;
  }
  return out;
}

/** Code regions ({{ … }} and {% … %}) of a template, outside comments and raw blocks. */
export function codeRegions(text: string, maxRegions = 1_000_000): CodeRegion[] {
  const out: CodeRegion[] = [];
  const n = text.length;
  let i = 0;
  while (i < n && out.length < maxRegions) {
    const j = text.indexOf('{', i);
    if (j < 0 || j + 1 >= n) break;
    const c = text[j + 1];
    if (c === '#') {
      const e = text.indexOf('#}', j + 2);
      if (e < 0) break;
      i = e + 2;
      continue;
    }
    if (c !== '{' && c !== '%') {
      i = j + 1;
      continue;
    }
    if (c === '%') {
      RAW_OPEN.lastIndex = j;
      const raw = RAW_OPEN.exec(text);
      if (raw) {
        RAW_CLOSE.lastIndex = j + raw[0].length;
        const e = RAW_CLOSE.exec(text);
        i = e ? e.index + e[0].length : n;
        continue;
      }
    }
    const close = c === '{' ? '}}' : '%}';
    let k = j + 2;
    let quote = '';
    let end = n;
    while (k < n) {
      const ch = text[k];
      if (quote) {
        if (ch === '\\') k++;
        else if (ch === quote) quote = '';
      } else if (ch === "'" || ch === '"') quote = ch;
      else if (ch === close[0] && text[k + 1] === close[1]) {
        end = k;
        break;
      }
      k++;
    }
    out.push({ start: j + 2, end, statement: c === '%' });
    i = end + 2;
  }
  return out;
}

export interface ScanToken {
  kind: 'id' | 'str' | 'num' | 'op';
  value: string;
  index: number;
  /** For strings: an escape sequence changed the text. */
  escaped?: boolean;
}

const NAMED_CHARS: Record<string, string> = {
  'LOW LINE': '_',
  'FULL STOP': '.',
  SPACE: ' ',
  'LEFT SQUARE BRACKET': '[',
  'RIGHT SQUARE BRACKET': ']',
  'LEFT PARENTHESIS': '(',
  'RIGHT PARENTHESIS': ')',
  APOSTROPHE: "'",
  'QUOTATION MARK': '"',
  SOLIDUS: '/',
  'REVERSE SOLIDUS': '\\',
  'HYPHEN-MINUS': '-',
};

function namedChar(name: string): string {
  const n = name.toUpperCase().trim();
  if (NAMED_CHARS[n]) return NAMED_CHARS[n];
  let m = /^LATIN (SMALL|CAPITAL) LETTER ([A-Z])$/.exec(n);
  if (m) return m[1] === 'SMALL' ? m[2].toLowerCase() : m[2];
  m = /^DIGIT (ZERO|ONE|TWO|THREE|FOUR|FIVE|SIX|SEVEN|EIGHT|NINE)$/.exec(n);
  if (m)
    return String(
      ['ZERO', 'ONE', 'TWO', 'THREE', 'FOUR', 'FIVE', 'SIX', 'SEVEN', 'EIGHT', 'NINE'].indexOf(m[1]),
    );
  return '\ufffd';
}

/** Decodes a Python string literal body the way Jinja2 does (unicode-escape). */
export function decodePyString(body: string): { value: string; escaped: boolean } {
  if (!body.includes('\\')) return { value: body, escaped: false };
  let out = '';
  let escaped = false;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch !== '\\' || i + 1 >= body.length) {
      out += ch;
      continue;
    }
    const e = body[++i];
    const simple: Record<string, string> = {
      '\\': '\\',
      "'": "'",
      '"': '"',
      n: '\n',
      t: '\t',
      r: '\r',
      a: '\x07',
      b: '\b',
      f: '\f',
      v: '\v',
      '\n': '',
    };
    if (e in simple) {
      out += simple[e];
      continue;
    }
    escaped = true;
    if (e === 'x' || e === 'u' || e === 'U') {
      const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + len);
      if (hex.length === len && /^[0-9a-fA-F]+$/.test(hex)) {
        const cp = parseInt(hex, 16);
        out += cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
        i += len;
      } else out += `\\${e}`;
      continue;
    }
    if (/[0-7]/.test(e)) {
      let oct = e;
      while (oct.length < 3 && /[0-7]/.test(body[i + 1] ?? '')) oct += body[++i];
      out += String.fromCodePoint(parseInt(oct, 8));
      continue;
    }
    if (e === 'N' && body[i + 1] === '{') {
      const close = body.indexOf('}', i + 2);
      if (close > 0) {
        out += namedChar(body.slice(i + 2, close));
        i = close;
        continue;
      }
    }
    out += `\\${e}`;
  }
  return { value: out, escaped };
}

/** Tokenizes one code region. */
export function lexRegion(text: string, start: number, end: number): ScanToken[] {
  const out: ScanToken[] = [];
  let i = start;
  while (i < end) {
    const ch = text[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (/[A-Za-z_]/.test(ch)) {
      let j = i + 1;
      while (j < end && /\w/.test(text[j])) j++;
      out.push({ kind: 'id', value: text.slice(i, j), index: i });
      i = j;
      continue;
    }
    if (/[0-9]/.test(ch)) {
      let j = i + 1;
      while (j < end && /[0-9_.]/.test(text[j])) j++;
      out.push({ kind: 'num', value: text.slice(i, j), index: i });
      i = j;
      continue;
    }
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      while (j < end && text[j] !== ch) j += text[j] === '\\' ? 2 : 1;
      const { value, escaped } = decodePyString(text.slice(i + 1, Math.min(j, end)));
      out.push({ kind: 'str', value, index: i, escaped });
      i = j + 1;
      continue;
    }
    out.push({ kind: 'op', value: ch, index: i });
    i++;
  }
  return out;
}

const RUN_GLUE = new Set([
  '~',
  '+',
  ',',
  '[',
  ']',
  '(',
  ')',
  '|',
  'join',
  'format',
  'reverse',
  'list',
  '*',
  '%',
]);
const RUN_TARGETS = [...KNOWN_DUNDERS, ...[...EXEC_MEMBERS].filter((n) => n.length >= 5)];

/**
 * Scans the template's code regions and records hits. `strong` limits the scan to signals that have no benign
 * reading (used as a cross-check after a successful parse); `defined` names the template's own variables.
 */
export function tokenScan(
  text: string,
  hits: HitCollector,
  opts: { strong: boolean; defined?: ReadonlySet<string>; deadline?: () => void },
): void {
  const analysis = 'token-scan' as const;
  const defined = opts.defined ?? new Set<string>();
  let n = 0;
  for (const region of codeRegions(text)) {
    if (++n % 1000 === 0) opts.deadline?.();
    const toks = lexRegion(text, region.start, region.end);
    const firstId = toks[0]?.kind === 'id' ? toks[0] : toks[1]?.kind === 'id' ? toks[1] : undefined;
    if (!opts.strong && region.statement && firstId && LOADER_STATEMENTS.has(firstId.value)) {
      const target = toks.find((t) => t.kind === 'str');
      hits.add(TPL_LOADER, `${firstId.value} ${target ? JSON.stringify(target.value) : '…'}`, {
        index: firstId.index,
        analysis,
      });
    }
    for (let i = 0; i < toks.length; i++) {
      const t = toks[i];
      const prev = toks[i - 1];
      const next = toks[i + 1];
      const afterDot = prev?.kind === 'op' && prev.value === '.';
      if (t.kind === 'id') {
        const name = t.value;
        if (isInternalName(name)) {
          hits.add(TPL_PYTHON_INTERNALS, name, { index: t.index, analysis });
          if (name === '__import__' && next?.value === '(')
            hits.add(TPL_CODE_EXECUTION, '__import__()', { index: t.index, analysis });
          continue;
        }
        if (afterDot && EXEC_MEMBERS.has(name)) {
          hits.add(TPL_CODE_EXECUTION, name, { index: t.index, analysis });
          continue;
        }
        if (afterDot && !opts.strong && isPrivateName(name)) {
          hits.add(TPL_PRIVATE_ATTRIBUTE, name, { index: t.index, analysis });
          continue;
        }
        if (afterDot && EXEC_CALLED_MEMBERS.has(name) && next?.value === '(' && !opts.strong) {
          hits.add(TPL_CODE_EXECUTION, name, { index: t.index, analysis });
          continue;
        }
        if (opts.strong || afterDot || defined.has(name)) continue;
        if (afterDot) continue;
        if (name === 'attr' || name === 'get') continue;
        const accessed = next?.kind === 'op' && (next.value === '.' || next.value === '[');
        const attrNext = next?.value === '|' && toks[i + 2]?.value === 'attr';
        if ((accessed || attrNext) && LEAKY_GLOBALS.has(name))
          hits.add(TPL_LEAKY_GLOBAL, name, { index: t.index, analysis });
        else if ((accessed || attrNext) && WEB_GLOBALS.has(name))
          hits.add(TPL_LEAKY_GLOBAL, name, {
            index: t.index,
            analysis,
            variant: 'web',
            impact: 'suspicious',
            severity: 'medium',
          });
        else if (accessed && DANGEROUS_MODULES.has(name))
          hits.add(TPL_CODE_EXECUTION, name, { index: t.index, analysis });
        else if (next?.value === '(' && EXEC_ROOT_CALLS.has(name))
          hits.add(TPL_CODE_EXECUTION, `${name}()`, { index: t.index, analysis });
        continue;
      }
      if (t.kind === 'str') {
        const ops = t.escaped ? ['escape'] : [];
        for (const seg of t.value.split('.')) {
          const s = seg.trim();
          // A string names internals when it is a real special name (not a reversed or partial one) or mangled.
          if (KNOWN_DUNDERS.has(s) || (isInternalName(s) && !s.startsWith('__'))) {
            hits.add(TPL_PYTHON_INTERNALS, s, { index: t.index, analysis });
            if (t.escaped) hits.add(TPL_OBFUSCATED, s, { index: t.index, ops, analysis });
          } else if (!opts.strong && isPrivateName(s) && prev?.value === '(' && toks[i - 2]?.value === 'attr')
            hits.add(TPL_PRIVATE_ATTRIBUTE, s, { index: t.index, analysis });
        }
        const inAccess =
          prev?.value === '[' || (prev?.value === '(' && /^(attr|get)$/.test(toks[i - 2]?.value ?? ''));
        if (inAccess && EXEC_MEMBERS.has(t.value.trim())) {
          hits.add(TPL_CODE_EXECUTION, t.value.trim(), { index: t.index, analysis });
          if (t.escaped) hits.add(TPL_OBFUSCATED, t.value.trim(), { index: t.index, ops, analysis });
        }
      }
    }
    if (!opts.strong) scanRuns(toks, hits);
  }
}

/** Strings glued by operators (`'__cla' ~ 'ss__'`, `['__', 'class', '__']|join`), also reversed. */
function scanRuns(toks: ScanToken[], hits: HitCollector): void {
  let run: ScanToken[] = [];
  const flush = (): void => {
    if (run.length >= 1) {
      const joined = run.map((t) => t.value).join('');
      const candidates = [joined, [...joined].reverse().join('')];
      for (const target of RUN_TARGETS) {
        if (run.some((t) => t.value.includes(target))) continue;
        const hit = candidates.findIndex((c) => c.includes(target));
        if (hit < 0) continue;
        const rule = target.startsWith('__') ? TPL_PYTHON_INTERNALS : TPL_CODE_EXECUTION;
        const ops = hit === 1 ? ['concat', 'reverse'] : ['concat'];
        hits.add(rule, target, { index: run[0].index, analysis: 'token-scan' });
        hits.add(TPL_OBFUSCATED, target, { index: run[0].index, ops, analysis: 'token-scan' });
      }
    }
    run = [];
  };
  for (const t of toks) {
    if (t.kind === 'str') run.push(t);
    else if (t.kind === 'num' || RUN_GLUE.has(t.value)) continue;
    else flush();
  }
  flush();
}
