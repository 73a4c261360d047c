import { GUARD_INVISIBLE } from '../rules.js';
import type { ScanHit, ScanMode, TextScanner } from './types.js';

/**
 * Invisible and bidirectional control characters: zero-width characters (U+200B–U+200F minus the emoji joiner
 * U+200D between pictographs, U+2060–U+2064, U+FEFF, U+180E, U+00AD), bidi embeddings/overrides/isolates
 * (U+202A–U+202E, U+2066–U+2069) and the Unicode tag block U+E0000–U+E007F (ASCII smuggling).
 */
const INVISIBLE =
  /[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]|\u{E0000}|[\u{E0001}-\u{E007F}]/gu;
const PICTO = /\p{Extended_Pictographic}/u;

function kindOf(ch: string): string {
  const cp = ch.codePointAt(0)!;
  if (cp >= 0xe0000) return 'tag-characters';
  if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) return 'bidi-control';
  return 'zero-width';
}

/** Decodes Unicode tag characters (U+E0020–U+E007E) to the ASCII they smuggle; other characters are kept. */
export function decodeTagCharacters(text: string): string {
  return text.replace(/[\u{E0020}-\u{E007E}]/gu, (c) => String.fromCharCode(c.codePointAt(0)! - 0xe0000));
}

/** Removes the characters this scanner reports, after decoding tag characters (for other scanners' normal form). */
export function normalizeHidden(text: string): string {
  if (!hasHidden(text)) return text;
  return decodeTagCharacters(text).replace(INVISIBLE, '');
}

const QUICK = /[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\uDB40]/;
function hasHidden(text: string): boolean {
  return QUICK.test(text);
}

export class InvisibleTextScanner implements TextScanner {
  readonly name = 'invisibleText';
  readonly redactable = true;
  constructor(readonly mode: ScanMode) {}

  scan(text: string): ScanHit[] {
    if (!hasHidden(text)) return [];
    const hits: ScanHit[] = [];
    INVISIBLE.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = INVISIBLE.exec(text)) !== null) {
      const ch = m[0];
      if (ch === '\u200D') {
        // The zero-width joiner inside emoji sequences (👩‍💻) is legitimate.
        const before = text.slice(Math.max(0, m.index - 2), m.index);
        const after = text.slice(m.index + 1, m.index + 3);
        if (PICTO.test(before) && PICTO.test(after)) continue;
      }
      const kind = kindOf(ch);
      const last = hits[hits.length - 1];
      // Merge runs of the same kind into one hit.
      if (last && last.kind === kind && last.end === m.index) last.end = m.index + ch.length;
      else
        hits.push({ rule: GUARD_INVISIBLE, kind, start: m.index, end: m.index + ch.length, replacement: '' });
    }
    return hits;
  }
}
