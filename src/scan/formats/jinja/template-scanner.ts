/**
 * Standalone Jinja templates (chat_template.jinja, *.j2): text with Jinja delimiters, analysed for server-side
 * template injection. Chosen by content: no NUL bytes, mostly printable, and `{{` or `{%` in the first bytes.
 */
import type { ByteSource } from '../../source.js';
import type { FormatScanner, ScanContext, SniffInput } from '../../types.js';
import { MAX_TOKEN_SCAN_CHARS, analyzeTemplate } from './ssti.js';

/** Bytes read from a template file; anything this large is over the parse bound and is only token-scanned. */
const MAX_READ_BYTES = MAX_TOKEN_SCAN_CHARS;

export function looksLikeTemplate(head: Uint8Array): boolean {
  if (head.length < 4) return false;
  let printable = 0;
  let delim = false;
  for (let i = 0; i < head.length; i++) {
    const c = head[i];
    if (c === 0) return false;
    if (c === 9 || c === 10 || c === 13 || (c >= 32 && c !== 127)) printable++;
    if (c === 0x7b && (head[i + 1] === 0x25 || head[i + 1] === 0x7b)) delim = true;
  }
  return delim && printable / head.length > 0.97;
}

export const jinjaTemplateScanner: FormatScanner = {
  id: 'jinja-template',
  version: '1',
  sniff(input: SniffInput): number {
    if (!looksLikeTemplate(input.head)) return 0;
    // Text that starts with a Jinja delimiter cannot be JSON (whose sniff only looks at the first `{`).
    const start = Buffer.from(input.head.subarray(0, 64))
      .toString('utf8')
      .replace(/^\uFEFF?\s*/, '');
    if (/^\{[{%#]/.test(start)) return /\.(jinja2?|j2|tmpl|template)$/i.test(input.name) ? 37 : 35;
    // Source code that merely contains "{{" (Python f-strings, a template constant) belongs to its own scanner.
    const text = Buffer.from(input.head).toString('utf8');
    if (/^(import \w|from [\w.]+ import |def \w+\(|class \w+[(:])/m.test(text)) return 20;
    const base = 25;
    return /\.(jinja2?|j2|tmpl|template)$/i.test(input.name) ? base + 2 : base;
  },
  async scan(source: ByteSource, ctx: ScanContext): Promise<void> {
    ctx.addFormat('jinja-template');
    const n = Math.min(source.size, MAX_READ_BYTES);
    const bytes = await source.read(0, n);
    let text = Buffer.from(bytes).toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const name = ctx.location.inner?.at(-1) ?? ctx.location.file;
    analyzeTemplate(text, ctx, { source: name.split(/[\\/]/).at(-1) ?? name, offset: 0 });
  },
};
