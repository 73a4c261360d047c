import { GUARD_JSON } from '../rules.js';
import type { ScanHit, ScanMode, TextScanner } from './types.js';

/** The response text must parse as JSON (a ```json fence around it is accepted). Block or log only. */
export class JsonValidityScanner implements TextScanner {
  readonly name = 'json';
  readonly redactable = false;
  constructor(readonly mode: ScanMode) {}

  scan(text: string): ScanHit[] {
    let t = text.trim();
    const fence = /^```(?:json)?\s*\n([\s\S]*)\n```$/i.exec(t);
    if (fence) t = fence[1];
    try {
      JSON.parse(t);
      return [];
    } catch {
      return [{ rule: GUARD_JSON, kind: 'invalid-json' }];
    }
  }
}
