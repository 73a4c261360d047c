import { GUARD_EXFIL } from '../rules.js';
import type { ScanHit, ScanMode, TextScanner } from './types.js';

const MD_LINK = /(!?)\[[^\]\n]{0,1000}\]\(\s{0,8}<?([^)\s>]{1,4096})>?(?:\s{1,8}"[^"\n]{0,500}")?\s{0,8}\)/g;
const MD_REF = /^\s{0,3}\[[^\]\n]{1,200}\]:\s{0,8}<?(\S{1,4096}?)>?(?:\s|$)/gm;
const HTML_IMG = /<img\b[^>]{0,1000}?\bsrc\s{0,4}=\s{0,4}["']?([^"'\s>]{1,4096})/gi;

export interface ExfilOptions {
  /** Hosts (and their subdomains) links may point at. */
  allowDomains?: readonly string[];
  /** A query value at least this long counts as data. Default 8. */
  minQueryChars?: number;
  /** A path segment at least this long counts as data. Default 32. */
  minPathSegment?: number;
}

/**
 * Markdown images and links (inline, reference-style) and HTML img tags pointing at hosts outside the allowlist with
 * data in the URL (a query value of ≥ minQueryChars, or a path segment of ≥ minPathSegment characters). Redaction
 * replaces the whole image/link with `[link removed]`.
 */
export class MarkdownExfilScanner implements TextScanner {
  readonly name = 'markdownExfil';
  readonly redactable = true;
  private readonly allow: string[];
  private readonly minQuery: number;
  private readonly minSegment: number;

  constructor(
    readonly mode: ScanMode,
    opts: ExfilOptions = {},
  ) {
    this.allow = (opts.allowDomains ?? []).map((d) => d.toLowerCase().replace(/^\*?\./, ''));
    this.minQuery = opts.minQueryChars ?? 8;
    this.minSegment = opts.minPathSegment ?? 32;
  }

  /** Why `raw` is an exfiltration URL, or undefined. */
  dataBearing(raw: string): string | undefined {
    let url: URL;
    try {
      url = new URL(raw.startsWith('//') ? `https:${raw}` : raw);
    } catch {
      return undefined;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    const host = url.hostname.toLowerCase();
    if (this.allow.some((d) => host === d || host.endsWith(`.${d}`))) return undefined;
    for (const [k, v] of url.searchParams)
      if (v.length >= this.minQuery || k.length >= this.minQuery * 4) return 'query';
    if (url.search.length > 1 && !url.search.includes('=') && url.search.length > this.minQuery)
      return 'query';
    if (url.pathname.split('/').some((s) => s.length >= this.minSegment)) return 'path';
    return undefined;
  }

  scan(text: string): ScanHit[] {
    if (!text.includes('](') && !text.includes(']:') && !/<img/i.test(text)) return [];
    const hits: ScanHit[] = [];
    for (const [re, kindOf] of [
      [MD_LINK, (m: RegExpExecArray) => (m[1] === '!' ? 'markdown-image' : 'markdown-link')],
      [MD_REF, () => 'markdown-reference'],
      [HTML_IMG, () => 'html-image'],
    ] as const) {
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(text)) !== null) {
        const url = re === MD_LINK ? m[2] : m[1];
        const why = this.dataBearing(url);
        if (!why) continue;
        let end = m.index + m[0].length;
        if (re === HTML_IMG) {
          const close = text.indexOf('>', end);
          if (close >= 0 && close - end < 1000) end = close + 1;
        }
        hits.push({
          rule: GUARD_EXFIL,
          kind: `${kindOf(m)}-${why}`,
          start: m.index,
          end,
          replacement: '[link removed]',
        });
      }
    }
    return hits;
  }
}
