import { BufferSource, type ByteSource } from '../../source.js';
import { GEN_LIMIT } from '../../rules.js';
import type { FormatScanner, ScanContext, SniffInput } from '../../types.js';
import { probePickle } from '../../pickle/scanner.js';
import { analyzePython } from './python-analysis.js';

/** Largest Python file analysed (custom code files are tens of KB; larger files are analysed up to this size). */
export const MAX_PYTHON_BYTES = 5 * 1024 * 1024;
/** Tokens analysed per file. */
export const MAX_PYTHON_TOKENS = 2_000_000;

const STRONG = [
  /^import\s+[A-Za-z_][\w.]*(\s+as\s+\w+)?(\s*,\s*[A-Za-z_][\w.]*(\s+as\s+\w+)?)*\s*(#.*)?$/,
  /^from\s+\.*[A-Za-z_]?[\w.]*\s+import\s+(\(|\*|[A-Za-z_])/,
  /^(async\s+)?def\s+[A-Za-z_]\w*\s*\(/,
  /^class\s+[A-Za-z_]\w*\s*[(:]/,
  /^@[A-Za-z_][\w.]*(\(.*)?$/,
];
const WEAK = [
  /^(if|elif|while|for|with|try|except|finally|else)\b.*:\s*(#.*)?$/,
  /^(return|raise|yield|pass|assert|global|nonlocal|del)\b/,
  /^[A-Za-z_][\w.]*(\[[^\]]*\])?\s*(:\s*[\w.[\], ]+)?\s*[-+*/|&]?=\s*\S/,
  /^[A-Za-z_][\w.]*\(.*\)\s*(#.*)?$/,
  /^(""")|(''')/,
  /^#/,
];

/**
 * Recognises Python source by content: a python shebang, or a density of Python statements. Returns 0 (not
 * Python), 1 (probably: a short module) or 2 (certainly: shebang or several import/def/class lines).
 */
export function pythonConfidence(head: Uint8Array, size: number): 0 | 1 | 2 {
  if (head.length === 0) return 0;
  let control = 0;
  for (const c of head) {
    if (c === 0) return 0;
    if (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) control++;
  }
  if (control > head.length / 100) return 0;
  let text = Buffer.from(head).toString('utf8');
  if (text.includes('\ufffd') && (text.match(/\ufffd/g)?.length ?? 0) > 4) return 0;
  text = text.replace(/^\uFEFF/, '');
  const firstLine = text.split(/\r?\n/, 1)[0];
  if (/^#!.*\bpython[0-9.]*\b/.test(firstLine)) return 2;
  if (/^#!/.test(firstLine)) return 0; // another interpreter
  if (/^---\s*$/.test(firstLine)) return 0; // YAML front matter (model cards, Markdown)
  const lines = text.split(/\r?\n/);
  if (head.length < size) lines.pop(); // the last line may be cut
  let strong = 0;
  let weak = 0;
  let code = 0;
  let foreign = 0;
  for (const raw of lines) {
    const line = raw.trimEnd();
    if (!line.trim()) continue;
    if (/^(```|~~~|---\s*$|<[a-zA-Z!/]|\{|\[\s*$|[a-z_-]+:\s)/.test(line)) foreign++;
    const indented = /^\s/.test(line);
    const l = line.trim();
    if (!indented && STRONG.some((re) => re.test(l))) strong++;
    else if (indented && STRONG.slice(2).some((re) => re.test(l))) strong++;
    else if (WEAK.some((re) => re.test(l))) weak++;
    if (!l.startsWith('#')) code++;
  }
  if (foreign > 2 && foreign * 4 > strong + weak) return 0;
  const nonEmpty = Math.max(1, lines.filter((x) => x.trim()).length);
  if (strong >= 2 && (strong + weak) / nonEmpty >= 0.25) return 2;
  // A short module: a single import or def and mostly Python-looking lines.
  return strong >= 1 && code > 0 && (strong + weak) / nonEmpty >= 0.6 ? 1 : 0;
}

export const pythonSourceScanner: FormatScanner = {
  id: 'python-source',
  version: '1',
  sniff(input: SniffInput): number {
    const confidence = pythonConfidence(input.head, input.size);
    if (!confidence) return 0;
    // Never take a (protocol 0) pickle away from the pickle scanner.
    if (probePickle(input.head, input.size).isPickle) return 0;
    // Below JSON (30); when the file is certainly Python, above the Jinja template scanner (25-27), which claims
    // any text with "{{" or "{%" — tokenizer code often holds a chat template constant near the top.
    return confidence === 2 ? 28 : 22;
  },
  async scan(source: ByteSource, ctx: ScanContext): Promise<void> {
    ctx.addFormat('python-source');
    const size = Math.min(source.size, MAX_PYTHON_BYTES);
    const bytes = await source.read(0, size);
    if (source.size > MAX_PYTHON_BYTES)
      ctx.report(GEN_LIMIT, {
        message: `Python file of ${source.size} bytes is larger than ${MAX_PYTHON_BYTES}; only the first ${MAX_PYTHON_BYTES} bytes were analysed`,
        evidence: { limit: 'maxPythonBytes', scanner: 'python-source' },
      });
    const text = Buffer.from(bytes).toString('utf8');
    ctx.checkDeadline();
    const result = analyzePython(text, { maxTokens: MAX_PYTHON_TOKENS });
    if (result.truncated)
      ctx.report(GEN_LIMIT, {
        message: `Python file has more than ${MAX_PYTHON_TOKENS} tokens; the rest was not analysed`,
        evidence: { limit: 'maxPythonTokens', scanner: 'python-source' },
      });
    const byteOffset = offsetMapper(
      text,
      result.observations.map((o) => o.pos),
    );
    for (const o of result.observations) {
      ctx.report(o.rule, {
        message: o.message,
        offset: o.pos > 0 ? byteOffset(o.pos) : undefined,
        evidence: o.evidence,
        severity: o.severity,
        impact: o.impact,
        confidence: o.confidence,
      });
    }
    for (const p of result.embeddedPickles) {
      ctx.checkDeadline();
      await ctx.scanMember(`<bytes decoded at line ${p.line}>`, new BufferSource(p.data), {
        format: 'pickle',
      });
    }
    if (!result.truncated && source.size <= MAX_PYTHON_BYTES) ctx.addAnalysis('python-static');
  },
};

/** Converts character offsets of `text` to UTF-8 byte offsets (one pass over the sorted positions). */
function offsetMapper(text: string, positions: number[]): (pos: number) => number {
  const sorted = [...new Set(positions)].sort((a, b) => a - b);
  const map = new Map<number, number>();
  let last = 0;
  let bytes = 0;
  for (const p of sorted) {
    bytes += Buffer.byteLength(text.slice(last, p), 'utf8');
    last = p;
    map.set(p, bytes);
  }
  return (pos: number) => map.get(pos) ?? Buffer.byteLength(text.slice(0, pos), 'utf8');
}
