import { GUARD_BANNED } from '../rules.js';
import type { ScanHit, ScanMode, TextScanner } from './types.js';

/** Longest user regex source accepted. */
export const MAX_REGEX_SOURCE = 512;

/**
 * Returns why a user-supplied regular expression is unsafe, or undefined if it passes. JavaScript regexes backtrack,
 * so a pattern such as `(a+)+$` takes exponential time on a crafted input. Rejected: sources over 512 characters,
 * backreferences (`\1`, `\k<name>`), lookbehind, and nested quantifiers, i.e. a quantified group (`*`, `+`, `{n,}`,
 * `{n,m}` with m > 1) that itself contains a quantifier. Alternations with overlapping branches under a quantifier
 * (`(a|a)*`) are not detected; the guard also bounds the text each regex sees (`maxScanChars`), which bounds the
 * polynomial cases (`\d+\d+x`).
 */
export function regexSafetyProblem(source: string): string | undefined {
  if (source.length > MAX_REGEX_SOURCE) return `is longer than ${MAX_REGEX_SOURCE} characters`;
  if (/\\[1-9]|\\k</.test(source)) return 'uses a backreference';
  if (/\(\?<[=!]/.test(source)) return 'uses a lookbehind';
  // Stack of groups: does the group (so far) contain a quantifier?
  const stack: boolean[] = [];
  let lastGroupHadQuant = false;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      i++;
      lastGroupHadQuant = false;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      lastGroupHadQuant = false;
      continue;
    }
    if (c === '(') {
      stack.push(false);
      continue;
    }
    if (c === ')') {
      lastGroupHadQuant = stack.pop() ?? false;
      const quant = quantifierAt(source, i + 1);
      if (quant.repeats && lastGroupHadQuant) return 'has a nested quantifier (catastrophic backtracking)';
      if (stack.length && (lastGroupHadQuant || quant.repeats)) stack[stack.length - 1] = true;
      continue;
    }
    const q = quantifierAt(source, i);
    if (q.repeats) {
      if (stack.length) stack[stack.length - 1] = true;
      i += q.length - 1;
    }
    lastGroupHadQuant = false;
  }
  return undefined;
}

function quantifierAt(s: string, i: number): { repeats: boolean; length: number } {
  const c = s[i];
  if (c === '*' || c === '+') return { repeats: true, length: s[i + 1] === '?' ? 2 : 1 };
  if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}\??/.exec(s.slice(i, i + 24));
    if (!m) return { repeats: false, length: 1 };
    const max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
    return { repeats: max > 1, length: m[0].length };
  }
  return { repeats: false, length: 1 };
}

export interface BannedOptions {
  substrings?: readonly string[];
  regexes?: readonly string[];
  caseSensitive?: boolean;
  /** Characters of each text that are searched (default 100000). */
  maxScanChars?: number;
}

/** Banned substrings and regular expressions (regexes must pass `regexSafetyProblem`; compile errors throw). */
export class BannedContentScanner implements TextScanner {
  readonly name: string;
  readonly redactable = true;
  private readonly subs: string[];
  private readonly res: RegExp[];
  private readonly maxScanChars: number;
  private readonly caseSensitive: boolean;

  constructor(
    readonly mode: ScanMode,
    opts: BannedOptions,
    name = 'bannedContent',
  ) {
    this.name = name;
    this.caseSensitive = opts.caseSensitive ?? false;
    this.subs = (opts.substrings ?? []).map((s) => (this.caseSensitive ? s : s.toLowerCase()));
    this.maxScanChars = opts.maxScanChars ?? 100_000;
    this.res = (opts.regexes ?? []).map((src) => {
      const problem = regexSafetyProblem(src);
      if (problem) throw new SyntaxError(`regex ${JSON.stringify(src.slice(0, 60))} ${problem}`);
      return new RegExp(src, this.caseSensitive ? 'gu' : 'giu');
    });
  }

  scan(full: string): ScanHit[] {
    const text = full.length > this.maxScanChars ? full.slice(0, this.maxScanChars) : full;
    const hits: ScanHit[] = [];
    if (this.subs.length) {
      const hay = this.caseSensitive ? text : text.toLowerCase();
      this.subs.forEach((s, i) => {
        if (!s) return;
        for (let at = hay.indexOf(s); at >= 0; at = hay.indexOf(s, at + s.length))
          hits.push({ rule: GUARD_BANNED, kind: `substring-${i + 1}`, start: at, end: at + s.length });
      });
    }
    this.res.forEach((re, i) => {
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      let n = 0;
      while ((m = re.exec(text)) !== null && n++ < 1000) {
        if (m[0].length === 0) {
          re.lastIndex++;
          continue;
        }
        hits.push({ rule: GUARD_BANNED, kind: `regex-${i + 1}`, start: m.index, end: m.index + m[0].length });
      }
    });
    return hits;
  }
}
