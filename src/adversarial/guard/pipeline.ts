/** Builds the scanners a policy asks for and runs them over the text fields of a request or a response. */
import type { RuleMeta } from '../../core/rules.js';
import type { AuditScan } from './audit.js';
import type { GuardPolicy } from './policy.js';
import { BannedContentScanner } from './scanners/banned.js';
import { CanaryScanner } from './scanners/canary.js';
import { MarkdownExfilScanner } from './scanners/exfil.js';
import { PromptInjectionScanner } from './scanners/injection.js';
import { InvisibleTextScanner } from './scanners/invisible.js';
import { JsonValidityScanner } from './scanners/json.js';
import { PiiScanner } from './scanners/pii.js';
import { SimilarityScanner } from './scanners/similarity.js';
import { TokenLimitScanner } from './scanners/tokens.js';
import { applyRedactions, type ScanHit, type TextScanner } from './scanners/types.js';

export interface Scanners {
  input: TextScanner[];
  /** Scanners that see the whole prompt at once (token limit). */
  inputWhole: TextScanner[];
  output: TextScanner[];
  json?: JsonValidityScanner;
  jsonAlways: boolean;
}

export function buildScanners(p: GuardPolicy): Scanners {
  const input: TextScanner[] = [];
  const inputWhole: TextScanner[] = [];
  const i = p.input;
  // Order matters for redaction: invisible characters are stripped before the other scanners look.
  if (i.invisibleText) input.push(new InvisibleTextScanner(i.invisibleText.mode));
  if (i.banned)
    input.push(new BannedContentScanner(i.banned.mode, { ...i.banned, maxScanChars: p.limits.maxScanChars }));
  if (i.promptInjection)
    input.push(new PromptInjectionScanner(i.promptInjection.mode, i.promptInjection.decode));
  if (i.similarity)
    input.push(
      new SimilarityScanner(
        i.similarity.mode,
        i.similarity.threshold,
        i.similarity.phrases,
        p.limits.maxScanChars,
      ),
    );
  if (i.tokenLimit) inputWhole.push(new TokenLimitScanner(i.tokenLimit.mode, i.tokenLimit.maxTokens));
  const output: TextScanner[] = [];
  const o = p.output;
  if (o.canary) output.push(new CanaryScanner(o.canary.mode, o.canary.tokens));
  if (o.markdownExfil) output.push(new MarkdownExfilScanner(o.markdownExfil.mode, o.markdownExfil));
  if (o.pii) {
    const opts: ConstructorParameters<typeof PiiScanner>[1] = { secrets: o.pii.secrets };
    if (o.pii.entities) opts.entities = o.pii.entities;
    if (o.pii.minScore !== undefined) opts.minScore = o.pii.minScore;
    output.push(new PiiScanner(o.pii.mode, opts));
  }
  const s: Scanners = { input, inputWhole, output, jsonAlways: o.json?.always ?? false };
  if (o.json) s.json = new JsonValidityScanner(o.json.mode);
  return s;
}

export interface ScanOutcome {
  /** Texts after redaction (same order as the input). */
  texts: string[];
  changed: boolean;
  blocked: RuleMeta[];
  scans: AuditScan[];
}

/** Runs `scanners` over each text, applying redactions in order; `whole` scanners see the texts joined. */
export function runScanners(
  stage: 'input' | 'output',
  scanners: readonly TextScanner[],
  texts: readonly string[],
  whole: readonly TextScanner[] = [],
  maxScanChars = Infinity,
): ScanOutcome {
  const out = [...texts];
  const scans: AuditScan[] = [];
  const blocked: RuleMeta[] = [];
  let changed = false;
  const record = (sc: TextScanner, hits: ScanHit[]) => {
    const byKind = new Map<string, { rule: RuleMeta; count: number; score?: number }>();
    for (const h of hits) {
      const k = `${h.rule.id}\u0000${h.kind}`;
      const e = byKind.get(k);
      if (e) {
        e.count++;
        if (h.score !== undefined) e.score = Math.max(e.score ?? -Infinity, h.score);
      } else byKind.set(k, { rule: h.rule, count: 1, ...(h.score !== undefined ? { score: h.score } : {}) });
    }
    for (const [k, e] of byKind) {
      const rec: AuditScan = {
        scanner: sc.name,
        ruleId: e.rule.id,
        kind: k.split('\u0000')[1],
        action: sc.mode,
        stage,
        count: e.count,
      };
      if (e.score !== undefined) rec.score = e.score;
      scans.push(rec);
      if (sc.mode === 'block' && !blocked.includes(e.rule)) blocked.push(e.rule);
    }
  };
  for (const sc of scanners) {
    const all: ScanHit[] = [];
    for (let t = 0; t < out.length; t++) {
      const text = out[t];
      const hits = sc.scan(text.length > maxScanChars ? text.slice(0, maxScanChars) : text);
      if (!hits.length) continue;
      all.push(...hits);
      if (sc.mode === 'redact') {
        out[t] = applyRedactions(text, hits);
        changed = true;
      }
    }
    if (all.length) record(sc, all);
  }
  for (const sc of whole) {
    const hits = sc.scan(out.join('\n'));
    if (hits.length) record(sc, hits);
  }
  return { texts: out, changed, blocked, scans };
}
