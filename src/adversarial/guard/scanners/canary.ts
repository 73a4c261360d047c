import { GUARD_CANARY } from '../rules.js';
import type { ScanHit, ScanMode, TextScanner } from './types.js';

/** Canary strings that must never appear in a response (case-insensitive). */
export class CanaryScanner implements TextScanner {
  readonly name = 'canary';
  readonly redactable = true;
  private readonly tokens: string[];

  constructor(
    readonly mode: ScanMode,
    tokens: readonly string[],
  ) {
    this.tokens = tokens.map((t) => t.toLowerCase()).filter((t) => t.length > 0);
  }

  /** Longest canary, for streaming windows. */
  get maxLength(): number {
    return Math.max(0, ...this.tokens.map((t) => t.length));
  }

  scan(text: string): ScanHit[] {
    const hay = text.toLowerCase();
    const hits: ScanHit[] = [];
    this.tokens.forEach((t, i) => {
      for (let at = hay.indexOf(t); at >= 0; at = hay.indexOf(t, at + t.length))
        hits.push({ rule: GUARD_CANARY, kind: `canary-${i + 1}`, start: at, end: at + t.length });
    });
    return hits;
  }
}
