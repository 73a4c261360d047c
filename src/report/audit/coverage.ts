import '../../all-rules.js';
import type { References } from '../../core/finding.js';
import { getRule } from '../../core/rules.js';
import type { Severity } from '../../core/severity.js';
import {
  FRAMEWORK_REFERENCE_KEYS,
  findEntry,
  getCatalog,
  type FrameworkReferenceKey,
} from '../../governance/catalogs/index.js';
import type { EvidenceDocument } from '../../governance/evidence.js';
import { controlsForRule, coverageFor, familyDefaults } from '../../governance/mappings.js';
import type { GateResult } from '../../governance/policy/gate.js';

/**
 * Per-framework coverage of one audit (docs/reports.md, "Framework coverage"):
 * - a control has *failing* evidence when a finding (through its rule's mapped controls, see `controlsForRule`, and the
 *   finding's own references) or a failed or waived gate rule (through its `controls`) maps to it;
 * - *passing* evidence when a passed gate rule or a passed check (through the default controls of the rule families
 *   the check runs) maps to it and nothing fails it;
 * - *none* otherwise.
 * Crosswalks are not followed: only direct mappings count.
 */

export type ControlStatus = 'failing' | 'passing' | 'none';

/** What gave a control its evidence. */
export interface CoverageSource {
  kind: 'finding' | 'gate' | 'check';
  /** Rule id (finding), gate rule id, or check id. */
  id: string;
  /** Finding or gate rule severity. */
  severity?: Severity;
  /** Number of findings of that rule (kind finding). */
  count?: number;
  /** A waived gate rule failure. */
  waived?: boolean;
  /** Checks involved (findings' checks, or the check itself). */
  checks?: string[];
}

export interface ControlCoverage {
  id: string;
  name: string;
  status: Exclude<ControlStatus, 'none'>;
  failing: CoverageSource[];
  passing: CoverageSource[];
}

export interface FrameworkCoverage {
  framework: FrameworkReferenceKey;
  name: string;
  version: string;
  counts: { passing: number; failing: number; none: number; total: number };
  /** Controls with passing or failing evidence, in catalog order. */
  controls: ControlCoverage[];
  /** Ids of the framework's controls without evidence, in catalog order. */
  none: string[];
  /** Mapped ids that the catalog does not know (typos in policies or references). */
  unknown: string[];
}

/** Frameworks shown in reports, in this order. */
export const REPORT_FRAMEWORKS: readonly FrameworkReferenceKey[] = [
  'euAiAct',
  'nistAiRmf',
  'iso42001',
  'atlas',
  'owaspMl',
  'owaspLlm',
];

/** Rule families whose default controls a passed check evidences. */
const SCANNER_FAMILIES = [
  'general',
  'archive',
  'formats',
  'gguf',
  'safetensors',
  'onnx',
  'numpy',
  'pickle',
  'pytorch',
  'keras',
  'tensorflow',
  'huggingface',
  'template',
];
export function checkFamilies(checkId: string): string[] {
  if (checkId === 'scan') return SCANNER_FAMILIES;
  if (checkId === 'signature' || checkId === 'bom') return ['provenance'];
  if (checkId.startsWith('attest')) return ['attestation'];
  if (checkId === 'card') return ['model-card'];
  if (checkId.startsWith('fairness')) return ['fairness'];
  if (checkId.startsWith('privacy')) return ['privacy'];
  return [];
}

function checkControls(checkId: string): References {
  const out: Record<string, Set<string>> = {};
  for (const fam of checkFamilies(checkId)) {
    const refs = familyDefaults(fam) ?? {};
    for (const k of FRAMEWORK_REFERENCE_KEYS) for (const id of refs[k] ?? []) (out[k] ??= new Set()).add(id);
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v]])) as References;
}

/** Controls a finding evidences: its rule's mapped controls plus its own references. */
export function findingControls(ruleId: string, own: References | undefined): References {
  const rule = getRule(ruleId);
  const base = rule ? controlsForRule(rule) : {};
  const merged: References = { ...base };
  for (const [k, v] of Object.entries(own ?? {}) as [keyof References, string[] | undefined][])
    if (v?.length) merged[k] = [...new Set([...(base[k] ?? []), ...v])];
  return merged;
}

interface Acc {
  failing: Map<string, CoverageSource>;
  passing: Map<string, CoverageSource>;
}

/** Computes coverage of every report framework for the evidence and (optional) gate result. */
export function auditCoverage(evidence: EvidenceDocument, gate: GateResult | undefined): FrameworkCoverage[] {
  return REPORT_FRAMEWORKS.map((fw) => frameworkCoverage(fw, evidence, gate));
}

function frameworkCoverage(
  fw: FrameworkReferenceKey,
  evidence: EvidenceDocument,
  gate: GateResult | undefined,
): FrameworkCoverage {
  const catalog = getCatalog(fw, { dir: null });
  const acc = new Map<string, Acc>();
  const unknown = new Set<string>();
  const touch = (
    ids: readonly string[] | undefined,
    side: keyof Acc,
    key: string,
    make: () => CoverageSource,
    merge?: (s: CoverageSource) => void,
  ) => {
    for (const raw of ids ?? []) {
      const entry = findEntry(fw, raw, { dir: null });
      if (!entry) {
        unknown.add(raw);
        continue;
      }
      let a = acc.get(entry.id);
      if (!a) acc.set(entry.id, (a = { failing: new Map(), passing: new Map() }));
      const existing = a[side].get(key);
      if (existing) merge?.(existing);
      else a[side].set(key, make());
    }
  };
  for (const f of evidence.findings) {
    const refs = findingControls(f.ruleId, f.references);
    touch(
      refs[fw],
      'failing',
      `finding:${f.ruleId}`,
      () => ({ kind: 'finding', id: f.ruleId, severity: f.severity, count: 1, checks: [f.check] }),
      (s) => {
        s.count = (s.count ?? 0) + 1;
        if (!s.checks!.includes(f.check)) s.checks!.push(f.check);
      },
    );
  }
  for (const r of gate?.results ?? []) {
    if (r.status === 'fail' || r.status === 'waived')
      touch(r.controls[fw], 'failing', `gate:${r.id}`, () => ({
        kind: 'gate',
        id: r.id,
        severity: r.severity,
        ...(r.status === 'waived' ? { waived: true } : {}),
      }));
    else if (r.status === 'pass')
      touch(r.controls[fw], 'passing', `gate:${r.id}`, () => ({
        kind: 'gate',
        id: r.id,
        severity: r.severity,
      }));
  }
  for (const c of evidence.checks)
    if (c.status === 'pass')
      touch(checkControls(c.id)[fw], 'passing', `check:${c.id}`, () => ({ kind: 'check', id: c.id }));

  const order = new Map(catalog.entries.map((e, i) => [e.id, i]));
  const names = new Map(catalog.entries.map((e) => [e.id, e.name]));
  const controls: ControlCoverage[] = [...acc.entries()]
    .sort((a, b) => (order.get(a[0]) ?? 0) - (order.get(b[0]) ?? 0))
    .map(([id, a]) => ({
      id,
      name: names.get(id) ?? id,
      status: a.failing.size ? 'failing' : 'passing',
      failing: sortSources([...a.failing.values()]),
      passing: sortSources([...a.passing.values()]),
    }));
  const evidenced = new Set(controls.map((c) => c.id));
  const none = coverageFor([], fw, { crosswalks: false, dir: null }).uncovered.filter(
    (id) => !evidenced.has(id),
  );
  const failing = controls.filter((c) => c.status === 'failing').length;
  return {
    framework: fw,
    name: catalog.name,
    version: catalog.version,
    counts: {
      passing: controls.length - failing,
      failing,
      none: none.length,
      total: controls.length + none.length,
    },
    controls,
    none,
    unknown: [...unknown].sort(),
  };
}

const KIND_ORDER = { gate: 0, finding: 1, check: 2 } as const;
function sortSources(s: CoverageSource[]): CoverageSource[] {
  for (const x of s) x.checks?.sort();
  return s.sort(
    (a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}
