/**
 * PII and secret detection engine: runs the recognizers' regexes, validates candidates, raises scores with context
 * words found in a window before the match (Presidio's LemmaContextAwareEnhancer, without lemmas), applies a score
 * threshold and resolves overlapping results (highest score, then longest span, then recognizer order).
 */
import { createHmac } from 'node:crypto';
import { UsageError } from '../../core/errors.js';
import { NAME_RECOGNIZERS } from './names.js';
import { RECOGNIZERS, type EntityKind, type Recognizer } from './recognizers.js';

/** Score added when a context word is found (Presidio `context_similarity_factor`). */
export const CONTEXT_BOOST = 0.35;
/** Lowest score of a match with context (Presidio `min_score_with_context_similarity`). */
export const CONTEXT_FLOOR = 0.4;
export const DEFAULT_MIN_SCORE = 0.5;
export const DEFAULT_CONTEXT_WINDOW = 5;
/** Text longer than this is analysed in overlapping windows of this size. */
export const WINDOW_CHARS = 64 * 1024;
const WINDOW_OVERLAP = 1024;

export interface PiiOptions {
  /** Entity types to report (default: every built-in type except the opt-in PERSON and LOCATION). */
  entities?: readonly string[];
  /** Minimum final score (default 0.5). */
  minScore?: number;
  /** Words before a match searched for context words (default 5). */
  contextWindow?: number;
  /** Include secret recognizers (default true). */
  secrets?: boolean;
  /** Extra recognizers appended after the built-in ones. */
  extraRecognizers?: readonly Recognizer[];
}

export interface AnalyzeOptions {
  /** Words treated as if they preceded every match, e.g. the words of a column name ("phone_number"). */
  contextWords?: readonly string[];
  /**
   * Baseline mode for benchmarks: regex candidates only, with their base scores; no validation, no context, no
   * threshold, no overlap resolution.
   */
  raw?: boolean;
}

export interface PiiMatch {
  entity: string;
  kind: EntityKind;
  start: number;
  end: number;
  score: number;
  /** Pattern name, e.g. "card", "ipv4". */
  pattern: string;
  /** True when a context word raised the score. */
  context?: boolean;
}

interface Compiled {
  rec: Recognizer;
  order: number;
  context: Set<string>;
  suffix: Set<string>;
}

/** All recognizers Bulwark knows, built-in and optional, in priority order. */
export function allRecognizers(): readonly Recognizer[] {
  return [...RECOGNIZERS, ...NAME_RECOGNIZERS];
}

/** Entity types known to the engine (built-in, secrets and the opt-in PERSON/LOCATION). */
export function knownEntities(): string[] {
  return [...new Set(allRecognizers().map((r) => r.entity))];
}

/** Reusable analyzer: selects and prepares the recognizers once. */
export class PiiAnalyzer {
  readonly minScore: number;
  readonly contextWindow: number;
  private readonly compiled: Compiled[];

  constructor(opts: PiiOptions = {}) {
    this.minScore = opts.minScore ?? DEFAULT_MIN_SCORE;
    this.contextWindow = opts.contextWindow ?? DEFAULT_CONTEXT_WINDOW;
    if (!(this.minScore >= 0 && this.minScore <= 1))
      throw new UsageError('--min-score must be between 0 and 1');
    if (!Number.isInteger(this.contextWindow) || this.contextWindow < 0 || this.contextWindow > 50)
      throw new UsageError('--context-window must be an integer from 0 to 50');
    const all = [...allRecognizers(), ...(opts.extraRecognizers ?? [])];
    let wanted: Set<string> | undefined;
    if (opts.entities && opts.entities.length > 0) {
      wanted = new Set(opts.entities.map((e) => e.trim().toUpperCase()).filter(Boolean));
      const known = new Set(all.map((r) => r.entity));
      const unknown = [...wanted].filter((e) => !known.has(e));
      if (unknown.length)
        throw new UsageError(
          `unknown entity type ${unknown.join(', ')}; known types: ${[...known].sort().join(', ')}`,
        );
    }
    const secrets = opts.secrets ?? true;
    this.compiled = all
      .filter((r) => (wanted ? wanted.has(r.entity) : !r.optIn && (secrets || r.kind !== 'secret')))
      .map((rec, order) => ({
        rec,
        order,
        context: new Set(rec.context ?? []),
        suffix: new Set(rec.suffixContext ?? []),
      }));
  }

  /** Entity types this analyzer reports. */
  entities(): string[] {
    return [...new Set(this.compiled.map((c) => c.rec.entity))];
  }

  /** Finds PII and secrets in `text`. Results are sorted by start offset and never overlap (except in raw mode). */
  analyze(text: string, opts: AnalyzeOptions = {}): PiiMatch[] {
    if (text.length <= WINDOW_CHARS) return this.analyzeWindow(text, 0, opts);
    const out: PiiMatch[] = [];
    for (let off = 0; off < text.length; off += WINDOW_CHARS - WINDOW_OVERLAP) {
      out.push(...this.analyzeWindow(text.slice(off, off + WINDOW_CHARS), off, opts));
      if (off + WINDOW_CHARS >= text.length) break;
    }
    return opts.raw ? out : resolveOverlaps(out);
  }

  private analyzeWindow(text: string, base: number, opts: AnalyzeOptions): PiiMatch[] {
    const found: (PiiMatch & { order: number })[] = [];
    const extra = opts.contextWords?.map(normWord).filter(Boolean) ?? [];
    for (const c of this.compiled) {
      for (const p of c.rec.patterns) {
        const rx = p.regex;
        rx.lastIndex = 0;
        let m: RegExpExecArray | null;
        while ((m = rx.exec(text)) !== null) {
          if (m[0].length === 0) {
            rx.lastIndex++;
            continue;
          }
          const span = m.indices?.groups?.v ?? [m.index, m.index + m[0].length];
          let start = span[0];
          let end = span[1];
          let score = p.score;
          if (opts.raw) {
            found.push({
              entity: c.rec.entity,
              kind: c.rec.kind,
              start: base + start,
              end: base + end,
              score,
              pattern: p.name,
              order: c.order,
            });
            continue;
          }
          if (c.rec.validate) {
            const v = c.rec.validate(text.slice(start, end), p.name, m.groups ?? {});
            if (v === false) continue;
            if (typeof v === 'number') score = v;
            else if (v) {
              if (v.score !== undefined) score = v.score;
              if (v.skip !== undefined) start += v.skip;
              if (v.length !== undefined) end = start + v.length;
            }
          }
          let context = false;
          if (score < 1 && (c.context.size > 0 || extra.length > 0)) {
            if (
              hasContext(text, start, this.contextWindow, c.context, extra) ||
              (c.suffix.size > 0 && hasSuffixContext(text, end, c.suffix))
            ) {
              score = Math.min(1, Math.max(CONTEXT_FLOOR, score + CONTEXT_BOOST));
              context = true;
            }
          }
          if (score < this.minScore || end <= start) continue;
          const match: PiiMatch & { order: number } = {
            entity: c.rec.entity,
            kind: c.rec.kind,
            start: base + start,
            end: base + end,
            score: Math.round(score * 1000) / 1000,
            pattern: p.name,
            order: c.order,
          };
          if (context) match.context = true;
          found.push(match);
        }
      }
    }
    if (opts.raw) return found.map(stripOrder);
    return resolveOverlaps(found);
  }
}

function stripOrder(m: PiiMatch & { order?: number }): PiiMatch {
  const { order: _order, ...rest } = m;
  return rest;
}

/** Keeps the best of overlapping matches: highest score, then longest span, then earliest recognizer. */
export function resolveOverlaps(matches: (PiiMatch & { order?: number })[]): PiiMatch[] {
  const sorted = [...matches].sort(
    (a, b) => b.score - a.score || b.end - b.start - (a.end - a.start) || (a.order ?? 0) - (b.order ?? 0),
  );
  const kept: PiiMatch[] = [];
  for (const m of sorted) {
    if (kept.some((k) => m.start < k.end && k.start < m.end)) continue;
    kept.push(stripOrder(m));
  }
  return kept.sort((a, b) => a.start - b.start);
}

const WORD_SPLIT = /[^\p{L}\p{N}#]+/u;

function normWord(w: string): string {
  return w.toLowerCase().replace(/'s$/, '');
}

function hasContext(
  text: string,
  start: number,
  window: number,
  words: Set<string>,
  extra: readonly string[],
): boolean {
  for (const w of extra) if (words.has(w) || words.has(w.replace(/s$/, ''))) return true;
  if (window === 0) return false;
  const before = text.slice(Math.max(0, start - 40 * window), start).split(WORD_SPLIT);
  let seen = 0;
  for (let i = before.length - 1; i >= 0 && seen < window; i--) {
    if (before[i] === '') continue;
    seen++;
    const w = normWord(before[i]);
    if (words.has(w) || (w.endsWith('s') && words.has(w.slice(0, -1)))) return true;
  }
  return false;
}

/** Context words among the two words right after a match. */
function hasSuffixContext(text: string, end: number, words: Set<string>): boolean {
  const after = text
    .slice(end, end + 40)
    .split(WORD_SPLIT)
    .filter(Boolean)
    .slice(0, 2);
  return after.some((w) => words.has(normWord(w)));
}

/** Splits a column or field name into context words: "customer_phoneNumber" → customer, phone, number. */
export function nameToContextWords(name: string): string[] {
  return name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .split(/[^\p{L}\p{N}]+/u)
    .map((w) => w.toLowerCase())
    .filter(Boolean);
}

// ---------------------------------------------------------------------------------------------- redaction

export type RedactMode = 'replace' | 'mask' | 'hash';
export const REDACT_MODES: readonly RedactMode[] = ['replace', 'mask', 'hash'];

/**
 * Returns `text` with every match replaced: `replace` → `<ENTITY>`, `mask` → one `*` per character, `hash` →
 * `<ENTITY:hex>` with the first 16 hex digits of HMAC-SHA-256(salt, value) (same value + same salt → same token, so
 * joins still work; without the salt the value cannot be recovered by hashing guesses).
 */
export function redactText(
  text: string,
  matches: readonly PiiMatch[],
  mode: RedactMode,
  salt?: string,
): string {
  if (mode === 'hash' && !salt)
    throw new UsageError('hash redaction needs a salt; pass --salt or set BULWARK_REDACT_SALT');
  const sorted = [...matches].sort((a, b) => a.start - b.start);
  let out = '';
  let pos = 0;
  for (const m of sorted) {
    if (m.start < pos) continue;
    out += text.slice(pos, m.start);
    const value = text.slice(m.start, m.end);
    if (mode === 'replace') out += `<${m.entity}>`;
    else if (mode === 'mask') out += '*'.repeat([...value].length);
    else out += `<${m.entity}:${createHmac('sha256', salt!).update(value).digest('hex').slice(0, 16)}>`;
    pos = m.end;
  }
  return out + text.slice(pos);
}

/**
 * A preview that never shows a secret or a PII value in clear. Secrets: first 4 characters + `…` (nothing for values
 * of 8 characters or fewer). PII: first 2 and last 2 characters with `*` between (all `*` for short values).
 */
export function maskPreview(value: string, kind: EntityKind): string {
  const chars = [...value];
  if (kind === 'secret') return chars.length <= 8 ? '…' : `${chars.slice(0, 4).join('')}…`;
  if (chars.length <= 6) return '*'.repeat(chars.length);
  const middle = Math.min(chars.length - 4, 16);
  return `${chars.slice(0, 2).join('')}${'*'.repeat(middle)}${chars.slice(-2).join('')}`;
}
