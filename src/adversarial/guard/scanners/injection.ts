import { GUARD_INJECTION } from '../rules.js';
import { normalizeHidden } from './invisible.js';
import type { ScanHit, ScanMode, TextScanner } from './types.js';

/**
 * Prompt-injection heuristics (no model): instruction-override phrases, role/persona overrides, requests for the
 * system prompt, chat-template role markers, and base64/hex blocks that decode to any of these. Every pattern uses
 * bounded repetition only, so the scan is linear in the text length. Text is first normalised: Unicode tag characters
 * are decoded to ASCII and zero-width/bidi characters removed (spans then refer to the normalised text, so this
 * scanner is block/log only).
 */
export const INJECTION_PATTERNS: readonly { kind: string; re: RegExp }[] = [
  {
    kind: 'override-instructions',
    re: /\b(?:ignore|disregard|forget|skip|override|bypass|abandon|neglect)\b[^.\n]{0,40}?\b(?:previous|prior|above|earlier|preceding|foregoing|all|any|every|your|the|system|initial|original|safety)\b[^.\n]{0,30}?\b(?:instructions?|prompts?|rules|directions|guidelines|directives|context|constraints|guardrails|polic(?:y|ies)|programming|restrictions)\b/i,
  },
  {
    kind: 'persona-override',
    re: /\byou are (?:now|no longer)\b|\bfrom now on,? you\b|\bact as (?:an? )?(?:unrestricted|unfiltered|uncensored|jailbroken|evil)\b|\bdeveloper mode\b|\bdo anything now\b|\bDAN mode\b|\bjailbr(?:eak|oken)\b|\bwithout (?:any )?(?:restrictions|filters|censorship)\b/i,
  },
  {
    kind: 'prompt-leak',
    re: /\b(?:reveal|show|print|repeat|output|display|leak|dump|tell me|give me|write out|what (?:is|are|were|was))\b[^.\n]{0,30}?\b(?:your|the)\s+(?:system|initial|hidden|secret|original|first|previous)\s+(?:prompt|instructions?|message|rules)\b/i,
  },
  {
    kind: 'role-marker',
    re: /<\|(?:im_start|im_end|system|endoftext|eot_id|start_header_id)\|>|\[\/?INST\]|<<\/?SYS>>|^\s{0,8}#{2,4}\s{0,4}(?:system|instruction|new instructions?)\s{0,4}:|^\s{0,8}(?:system|assistant)\s{0,4}:\s/im,
  },
];

const BASE64_BLOCK = /[A-Za-z0-9+/_-]{24,4096}={0,2}/g;
const HEX_BLOCK = /\b(?:[0-9a-fA-F]{2}){12,2048}\b/g;
const MAX_BLOCKS = 32;

function printable(s: string): boolean {
  if (s.length === 0) return false;
  let ok = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 32 && c < 127) || c === 10 || c === 13 || c === 9) ok++;
  }
  return ok / s.length >= 0.9;
}

function matchPlain(text: string): ScanHit[] {
  const hits: ScanHit[] = [];
  for (const p of INJECTION_PATTERNS) {
    const m = p.re.exec(text);
    if (m) hits.push({ rule: GUARD_INJECTION, kind: p.kind, start: m.index, end: m.index + m[0].length });
  }
  return hits;
}

export class PromptInjectionScanner implements TextScanner {
  readonly name = 'promptInjection';
  readonly redactable = false;
  constructor(
    readonly mode: ScanMode,
    readonly decode = true,
  ) {}

  scan(raw: string): ScanHit[] {
    const text = normalizeHidden(raw);
    const hits = matchPlain(text);
    if (!this.decode) return hits;
    let blocks = 0;
    for (const [re, enc] of [
      [BASE64_BLOCK, 'base64'],
      [HEX_BLOCK, 'hex'],
    ] as const) {
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(text)) !== null && blocks < MAX_BLOCKS) {
        blocks++;
        const decoded = Buffer.from(m[0], enc === 'hex' ? 'hex' : 'base64').toString('latin1');
        if (!printable(decoded)) continue;
        for (const h of matchPlain(decoded))
          hits.push({ ...h, kind: `${enc}-${h.kind}`, start: m.index, end: m.index + m[0].length });
      }
    }
    return hits;
  }
}
