import type { Confidence, Finding, Impact, Location, References } from './finding.js';
import type { Severity } from './severity.js';

/** Metadata of a rule: stable id, docs, default severity and impact, framework mappings. */
export interface RuleMeta {
  /** Stable id, never reused: BW-<FAMILY>-<NNN>. */
  id: string;
  /** Short kebab-case name. */
  name: string;
  /** Rule family; one docs page per family (docs/rules/<family>.md). */
  family: string;
  title: string;
  description: string;
  severity: Severity;
  impact: Impact;
  confidence: Confidence;
  remediation: string;
  references: References;
}

const registry = new Map<string, RuleMeta>();
const families = new Map<string, string>();

/** Declares a rule family and the introduction of its docs page (docs/rules/<family>.md). */
export function defineRuleFamily(id: string, intro: string): void {
  families.set(id, intro);
}

export function ruleFamilyIntro(id: string): string | undefined {
  return families.get(id);
}

export function defineRule(meta: RuleMeta): RuleMeta {
  if (!/^BW-[A-Z0-9]+-\d{3}$/.test(meta.id)) throw new Error(`bad rule id ${meta.id}`);
  const existing = registry.get(meta.id);
  if (existing && existing !== meta) throw new Error(`duplicate rule id ${meta.id}`);
  registry.set(meta.id, meta);
  return meta;
}

export function getRule(id: string): RuleMeta | undefined {
  return registry.get(id);
}

export function allRules(): RuleMeta[] {
  return [...registry.values()].sort((a, b) => a.id.localeCompare(b.id));
}

export interface FindingInit {
  message: string;
  location: Location;
  evidence?: Record<string, unknown>;
  severity?: Severity;
  impact?: Impact;
  confidence?: Confidence;
  remediation?: string;
  references?: References;
}

/** Build a finding from a rule, with optional per-finding overrides. */
export function makeFinding(rule: RuleMeta, init: FindingInit): Finding {
  const f: Finding = {
    ruleId: rule.id,
    severity: init.severity ?? rule.severity,
    confidence: init.confidence ?? rule.confidence,
    impact: init.impact ?? rule.impact,
    message: init.message,
    location: init.location,
  };
  if (init.evidence) f.evidence = init.evidence;
  f.remediation = init.remediation ?? rule.remediation;
  const refs = mergeRefs(rule.references, init.references);
  if (refs) f.references = refs;
  return f;
}

/** Every reference list a rule or finding may carry, in display order. */
export const REFERENCE_KEYS = [
  'atlas',
  'owaspMl',
  'owaspLlm',
  'euAiAct',
  'nistAiRmf',
  'iso42001',
  'cwe',
  'cve',
  'ghsa',
] as const;

function mergeRefs(a: References, b: References | undefined): References | undefined {
  const out: References = {};
  for (const key of REFERENCE_KEYS) {
    const set = new Set([...(a[key] ?? []), ...(b?.[key] ?? [])]);
    if (set.size) out[key] = [...set];
  }
  return Object.keys(out).length ? out : undefined;
}
