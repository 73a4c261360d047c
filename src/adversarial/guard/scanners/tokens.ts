import { GUARD_TOKENS } from '../rules.js';
import type { ScanHit, ScanMode, TextScanner } from './types.js';

const PIECES =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]|[\p{L}\p{M}]+|\p{N}+|[^\s\p{L}\p{M}\p{N}]/gu;

/**
 * Approximate token count, close to BPE tokenizers such as cl100k on English prose: every run of letters counts one
 * token per started 6 characters (common words are one token), every run of digits one per started 3 digits (cl100k
 * splits numbers in groups of 3), every other non-space character one token. No vocabulary is needed. Han, kana
 * and Hangul characters count one token each. It under-counts rare long words and over-counts dense punctuation, so set
 * limits with a margin; it is meant for cost and abuse limits, not billing.
 */
export function estimateTokens(text: string): number {
  let n = 0;
  PIECES.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = PIECES.exec(text)) !== null) {
    const s = m[0];
    const c = s.charCodeAt(0);
    if (c >= 48 && c <= 57) n += Math.ceil(s.length / 3);
    else if (s.length === 1) n += 1;
    else n += Math.ceil(s.length / 6);
  }
  return n;
}

/** Flags prompts above `maxTokens` approximate tokens (block or log only). */
export class TokenLimitScanner implements TextScanner {
  readonly name = 'tokenLimit';
  readonly redactable = false;
  constructor(
    readonly mode: ScanMode,
    readonly maxTokens: number,
  ) {}

  scan(text: string): ScanHit[] {
    // Every token covers at least one UTF-16 unit, so a text no longer than the limit needs no count.
    if (text.length <= this.maxTokens) return [];
    const n = estimateTokens(text);
    return n > this.maxTokens ? [{ rule: GUARD_TOKENS, kind: 'over-limit', score: n }] : [];
  }
}
