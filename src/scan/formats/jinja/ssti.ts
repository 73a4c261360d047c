/**
 * Server-side template injection analysis of Jinja chat templates (CVE-2024-34359, CVE-2026-5760, LiteLLM
 * GHSA-46cm-pfwv-cgf8). Used for GGUF `tokenizer.chat_template*` metadata, `tokenizer_config.json` `chat_template`
 * fields and standalone template files. The template is parsed and abstractly interpreted, never rendered.
 */
import { parse, tokenize } from '@huggingface/jinja';
import { LimitError } from '../../../core/errors.js';
import type { ScanContext } from '../../types.js';
import { HitCollector, type HitGroup } from './collector.js';
import { TemplateInterpreter, UnsupportedNode, survey, type Node } from './interpreter.js';
import {
  TPL_CODE_EXECUTION,
  TPL_DYNAMIC_ATTRIBUTE,
  TPL_LEAKY_GLOBAL,
  TPL_LIMIT,
  TPL_LOADER,
  TPL_OBFUSCATED,
  TPL_PRIVATE_ATTRIBUTE,
  TPL_PYTHON_INTERNALS,
  TPL_UNPARSED,
} from './rules.js';
import { blankRawBlocks, tokenScan } from './token-scan.js';

/** Largest template parsed (characters). Real chat templates are a few kilobytes. */
export const MAX_TEMPLATE_CHARS = 1024 * 1024;
/** Larger templates are token-scanned up to this many characters. */
export const MAX_TOKEN_SCAN_CHARS = 16 * 1024 * 1024;
const MAX_TOKENS = 200_000;
const MAX_NODES = 400_000;
const MAX_DEPTH = 256;
/** Brackets nested deeper than this are refused before parsing (the parser is recursive). */
const MAX_BRACKET_DEPTH = 128;

export interface TemplateReport {
  hits: HitCollector;
  /** The template was parsed and fully interpreted. */
  parsed: boolean;
  parseError?: string;
  /** A bound was exceeded: why. */
  limit?: string;
}

/** Analyses a template and returns its hits (no context needed; used by analyzeTemplate and tests). */
export function inspectTemplate(template: string, deadline: () => void = () => undefined): TemplateReport {
  const hits = new HitCollector(template);
  if (template.length > MAX_TEMPLATE_CHARS) {
    tokenScan(template.slice(0, MAX_TOKEN_SCAN_CHARS), hits, { strong: false, deadline });
    return {
      hits,
      parsed: false,
      limit: `${template.length} characters (more than ${MAX_TEMPLATE_CHARS})${template.length > MAX_TOKEN_SCAN_CHARS ? `; token scan of the first ${MAX_TOKEN_SCAN_CHARS}` : ''}`,
    };
  }
  const source = blankRawBlocks(template);
  let program: Node;
  try {
    const tokens = tokenize(source);
    if (tokens.length > MAX_TOKENS) {
      tokenScan(template, hits, { strong: false, deadline });
      return { hits, parsed: false, limit: `${tokens.length} tokens (more than ${MAX_TOKENS})` };
    }
    let depth = 0;
    let maxDepth = 0;
    for (const t of tokens) {
      if (t.type === 'OpenParen' || t.type === 'OpenSquareBracket' || t.type === 'OpenCurlyBracket') {
        if (++depth > maxDepth) maxDepth = depth;
      } else if (t.type === 'CloseParen' || t.type === 'CloseSquareBracket' || t.type === 'CloseCurlyBracket')
        depth = Math.max(0, depth - 1);
    }
    if (maxDepth > MAX_BRACKET_DEPTH) {
      tokenScan(template, hits, { strong: false, deadline });
      return {
        hits,
        parsed: false,
        limit: `brackets nested ${maxDepth} deep (more than ${MAX_BRACKET_DEPTH})`,
      };
    }
    program = parse(normalizeTokens(tokens)) as unknown as Node;
  } catch (err) {
    tokenScan(template, hits, { strong: false, deadline });
    if (err instanceof RangeError) return { hits, parsed: false, limit: 'nesting too deep for the parser' };
    return { hits, parsed: false, parseError: oneLine(err) };
  }
  try {
    const s = survey(program, MAX_NODES, MAX_DEPTH);
    if (s.over) {
      tokenScan(template, hits, { strong: false, deadline });
      return {
        hits,
        parsed: false,
        limit:
          s.over === 'depth'
            ? `syntax tree deeper than ${MAX_DEPTH} levels`
            : `more than ${MAX_NODES} syntax nodes`,
      };
    }
    new TemplateInterpreter(template, hits, s.defined, deadline).run(program);
    // Cross-check with the token scan: signals that have no benign reading, in case the parsers disagree.
    tokenScan(template, hits, { strong: true, defined: s.defined, deadline });
    return { hits, parsed: true };
  } catch (err) {
    if (err instanceof LimitError) throw err;
    tokenScan(template, hits, { strong: false, deadline });
    if (err instanceof UnsupportedNode) return { hits, parsed: false, parseError: err.message };
    if (err instanceof RangeError) return { hits, parsed: false, limit: 'nesting too deep to analyse' };
    return { hits, parsed: false, parseError: `analysis failed: ${oneLine(err)}` };
  }
}

type Tok = ReturnType<typeof tokenize>[number];
const NOT_A_VALUE_END = new Set(['in', 'not', 'and', 'or', 'if', 'else', 'is']);

/**
 * Rewrites two Python-Jinja2 constructs the JS parser rejects, without changing what the analysis sees: the empty
 * tuple `()` (common in injection payloads: `().__class__`) becomes an empty list, and a trailing comma before `)`
 * (`('a',)`) is dropped.
 */
export function normalizeTokens(tokens: Tok[]): Tok[] {
  const out: Tok[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const next = tokens[i + 1];
    if (t.type === 'OpenParen' && next?.type === 'CloseParen') {
      const prev = out.at(-1);
      const callee =
        prev !== undefined &&
        ((prev.type === 'Identifier' && !NOT_A_VALUE_END.has(prev.value)) ||
          prev.type === 'CloseParen' ||
          prev.type === 'CloseSquareBracket' ||
          prev.type === 'CloseCurlyBracket' ||
          prev.type === 'StringLiteral');
      if (!callee) {
        out.push(
          { value: '[', type: 'OpenSquareBracket' } as Tok,
          { value: ']', type: 'CloseSquareBracket' } as Tok,
        );
        i++;
        continue;
      }
    }
    if (t.type === 'Comma' && next?.type === 'CloseParen') continue;
    out.push(t);
  }
  return out;
}

function oneLine(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  const s = m.replace(/\s+/g, ' ').trim();
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
}

function list(names: string[], max = 8): string {
  return names.length > max
    ? `${names.slice(0, max).join(', ')} (+${names.length - max} more)`
    : names.join(', ');
}

function describe(g: HitGroup, label: string): string {
  const names = list(g.names);
  switch (g.rule.id) {
    case TPL_PYTHON_INTERNALS.id:
      return `${label} reaches Python object internals (${names}): server-side template injection`;
    case TPL_LEAKY_GLOBAL.id:
      return `${label} reads attributes of Jinja global(s) that expose Python: ${names}`;
    case TPL_CODE_EXECUTION.id:
      return `${label} references command execution / OS access: ${names}`;
    case TPL_OBFUSCATED.id:
      return `${label} assembles dangerous names at render time (${names}) via ${[...g.ops].join(', ') || 'obfuscation'}`;
    case TPL_DYNAMIC_ATTRIBUTE.id:
      return `${label} reads attributes whose names are computed at render time: ${names}`;
    case TPL_PRIVATE_ATTRIBUTE.id:
      return `${label} reads private attribute(s): ${names}`;
    case TPL_LOADER.id:
      return `${label} loads other templates: ${names}`;
    default:
      return `${label}: ${names}`;
  }
}

export interface AnalyzeTemplateOptions {
  /** Where the template comes from, e.g. "gguf:tokenizer.chat_template" or "tokenizer_config.json:chat_template". */
  source: string;
  /** Byte offset of the template in the scanned content, when known. */
  offset?: number;
  /**
   * For strings that only might be templates (metadata values containing `{{`): report dangerous findings only,
   * no parse failure or limit finding.
   */
  quiet?: boolean;
}

/** Analyses a Jinja template (chat template) for server-side template injection; findings go to ctx. */
export function analyzeTemplate(template: string, ctx: ScanContext, opts: AnalyzeTemplateOptions): void {
  const r = inspectTemplate(template, () => ctx.checkDeadline());
  const label = `chat template (${opts.source})`;
  const at = (index: number | undefined): number | undefined => {
    if (opts.offset === undefined) return undefined;
    if (index === undefined) return opts.offset;
    return opts.offset + Buffer.byteLength(template.slice(0, index), 'utf8');
  };
  for (const g of r.hits.groups.values()) {
    if (opts.quiet && (g.impact ?? g.rule.impact) !== 'malicious') continue;
    const evidence: Record<string, unknown> = { source: opts.source, names: g.names, analysis: g.analysis };
    if (g.ops.size) evidence.obfuscation = [...g.ops];
    if (!r.parsed) evidence.parsed = false;
    ctx.report(g.rule, {
      message: describe(g, label),
      offset: at(g.index),
      evidence,
      ...(g.impact ? { impact: g.impact } : {}),
      ...(g.severity ? { severity: g.severity } : {}),
      ...(g.analysis === 'token-scan' && !r.parsed ? { confidence: 'medium' as const } : {}),
    });
  }
  if (r.parsed) {
    ctx.addAnalysis('jinja-ssti');
    return;
  }
  if (opts.quiet) return;
  if (r.limit) {
    ctx.report(TPL_LIMIT, {
      message: `${label} not parsed: ${r.limit}; only a token-level scan ran`,
      offset: at(undefined),
      evidence: { source: opts.source, limit: r.limit, chars: template.length },
    });
  } else if (!r.hits.malicious()) {
    ctx.report(TPL_UNPARSED, {
      message: `${label} could not be parsed (${r.parseError ?? 'syntax error'}); a token-level scan found nothing dangerous`,
      offset: at(undefined),
      evidence: { source: opts.source, error: r.parseError },
    });
  }
  ctx.addAnalysis('jinja-token-scan');
}
