import type { Impact } from '../../../core/finding.js';
import type { RuleMeta } from '../../../core/rules.js';
import type { Severity } from '../../../core/severity.js';

/** Names found for one rule in one template; reported as a single finding. */
export interface HitGroup {
  rule: RuleMeta;
  names: string[];
  ops: Set<string>;
  /** Character index in the template of the first hit, when known. */
  index?: number;
  impact?: Impact;
  severity?: Severity;
  /** Where the hit was found: the syntax tree or the token-level scan. */
  analysis: 'ast' | 'token-scan';
}

const MAX_NAMES = 24;

/** Collects hits per rule (and variant), deduplicating names. */
export class HitCollector {
  readonly groups = new Map<string, HitGroup>();
  constructor(private readonly raw: string) {}

  add(
    rule: RuleMeta,
    name: string,
    opts: {
      ops?: Iterable<string>;
      index?: number;
      variant?: string;
      impact?: Impact;
      severity?: Severity;
      analysis?: 'ast' | 'token-scan';
    } = {},
  ): void {
    const key = rule.id + (opts.variant ? `:${opts.variant}` : '');
    let g = this.groups.get(key);
    if (!g) {
      g = { rule, names: [], ops: new Set(), analysis: opts.analysis ?? 'ast' };
      if (opts.impact) g.impact = opts.impact;
      if (opts.severity) g.severity = opts.severity;
      this.groups.set(key, g);
    }
    const shown = name.length > 80 ? `${name.slice(0, 77)}...` : name;
    if (!g.names.includes(shown) && g.names.length < MAX_NAMES) g.names.push(shown);
    for (const o of opts.ops ?? []) g.ops.add(o);
    if (g.index === undefined) {
      const idx = opts.index ?? (name.length >= 2 ? this.raw.indexOf(name) : -1);
      if (idx >= 0) g.index = idx;
    }
  }

  has(ruleId: string): boolean {
    for (const g of this.groups.values()) if (g.rule.id === ruleId) return true;
    return false;
  }

  /** True when some hit makes the template malicious. */
  malicious(): boolean {
    for (const g of this.groups.values()) if ((g.impact ?? g.rule.impact) === 'malicious') return true;
    return false;
  }
}
