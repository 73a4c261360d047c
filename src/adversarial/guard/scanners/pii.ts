import { PiiAnalyzer, type PiiOptions } from '../../../trust/privacy/pii.js';
import { GUARD_PII, GUARD_SECRET } from '../rules.js';
import type { ScanHit, ScanMode, TextScanner } from './types.js';

/** Personal data and secrets, through the privacy module's recognizers; redaction writes `<ENTITY>`. */
export class PiiScanner implements TextScanner {
  readonly name = 'pii';
  readonly redactable = true;
  private readonly analyzer: PiiAnalyzer;

  constructor(
    readonly mode: ScanMode,
    opts: PiiOptions = {},
  ) {
    this.analyzer = new PiiAnalyzer(opts);
  }

  scan(text: string): ScanHit[] {
    return this.analyzer.analyze(text).map((m) => ({
      rule: m.kind === 'secret' ? GUARD_SECRET : GUARD_PII,
      kind: m.entity,
      start: m.start,
      end: m.end,
      score: m.score,
      replacement: `<${m.entity}>`,
    }));
  }
}
