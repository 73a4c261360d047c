import type { Finding, References } from '../core/finding.js';
import { getRule, type RuleMeta } from '../core/rules.js';
import { expandControls, type Crosswalk } from './catalogs/crosswalks.js';
import {
  FRAMEWORK_REFERENCE_KEYS,
  frameworkKey,
  getCatalog,
  normaliseId,
  type CatalogOptions,
  type Framework,
  type FrameworkReferenceKey,
} from './catalogs/index.js';

/**
 * Which framework controls each rule evidences. A rule's own `references` are merged with defaults for its family,
 * so that every rule of every pillar maps to NIST AI RMF, ISO/IEC 42001 and the EU AI Act, and to ATLAS or OWASP
 * where a threat applies. The defaults are Bulwark's judgement; docs/frameworks.md explains them.
 */

type FamilyRefs = Required<Pick<References, 'nistAiRmf' | 'iso42001' | 'euAiAct'>> &
  Pick<References, 'atlas' | 'owaspMl' | 'owaspLlm'>;

/** What every model-file scanner family evidences: supply-chain security of third-party models. */
const SCANNER: FamilyRefs = {
  nistAiRmf: ['MEASURE 2.7', 'GOVERN 6.1', 'MANAGE 3.2'],
  iso42001: ['A.10.3', 'A.7.5'],
  euAiAct: ['Art. 15'],
  atlas: ['AML.T0010.003', 'AML.M0016'],
  owaspMl: ['ML06'],
  owaspLlm: ['LLM03'],
};

/** Scanner families whose findings are code execution on load (unsafe artifacts). */
const CODE_EXEC: FamilyRefs = {
  ...SCANNER,
  atlas: ['AML.T0010.003', 'AML.T0011.000', 'AML.T0018.002', 'AML.M0016', 'AML.M0011'],
};

/** Signatures and attestations: artifacts are verified before use. */
const PROVENANCE: FamilyRefs = {
  nistAiRmf: ['MANAGE 3.2', 'MANAGE 3.1', 'GOVERN 6.1'],
  iso42001: ['A.7.5', 'A.10.3'],
  euAiAct: ['Art. 15'],
  atlas: ['AML.T0010', 'AML.M0013', 'AML.M0014'],
  owaspMl: ['ML06'],
  owaspLlm: ['LLM03'],
};

/** Defaults per rule family. A family missing here fails test/governance/mappings.test.ts. */
export const FAMILY_DEFAULTS: Readonly<Record<string, FamilyRefs>> = {
  // scan pillar: model-file scanners
  general: SCANNER,
  archive: SCANNER,
  formats: SCANNER,
  gguf: SCANNER,
  safetensors: SCANNER,
  onnx: SCANNER,
  numpy: CODE_EXEC,
  pickle: CODE_EXEC,
  pytorch: CODE_EXEC,
  keras: CODE_EXEC,
  tensorflow: CODE_EXEC,
  huggingface: { ...CODE_EXEC, atlas: [...(CODE_EXEC.atlas ?? []), 'AML.T0011.001'] },
  template: CODE_EXEC,
  // provenance pillar
  provenance: PROVENANCE,
  attestation: {
    ...PROVENANCE,
    iso42001: ['A.7.5', 'A.10.3', 'A.6.2.3'],
    atlas: [...(PROVENANCE.atlas ?? []), 'AML.M0023', 'AML.M0025'],
  },
  // adversarial pillar: runtime guard, LLM red-team probes, drift monitoring
  guard: {
    nistAiRmf: ['MEASURE 2.7', 'MEASURE 2.4'],
    iso42001: ['A.6.2.6', 'A.6.2.8'],
    euAiAct: ['Art. 15'],
    atlas: ['AML.M0020', 'AML.M0024'],
  },
  llm: {
    nistAiRmf: ['MEASURE 2.7', 'MEASURE 2.6'],
    iso42001: ['A.6.2.4'],
    euAiAct: ['Art. 15', 'Art. 9'],
    atlas: ['AML.M0008'],
  },
  drift: {
    nistAiRmf: ['MEASURE 2.4', 'MANAGE 4.1'],
    iso42001: ['A.6.2.6'],
    euAiAct: ['Art. 72', 'Art. 15'],
    atlas: ['AML.T0031'],
    owaspMl: ['ML08'],
  },
  poisoning: {
    nistAiRmf: ['MEASURE 2.7'],
    iso42001: ['A.7.4'],
    euAiAct: ['Art. 10', 'Art. 15'],
    atlas: ['AML.T0020'],
    owaspMl: ['ML02'],
    owaspLlm: ['LLM04'],
  },
  extraction: {
    nistAiRmf: ['MEASURE 2.7'],
    iso42001: ['A.6.2.4'],
    euAiAct: ['Art. 15'],
    atlas: ['AML.T0024.002'],
    owaspMl: ['ML05'],
    owaspLlm: ['LLM02'],
  },
  inference: {
    nistAiRmf: ['MEASURE 2.10', 'MEASURE 2.7'],
    iso42001: ['A.7.4'],
    euAiAct: ['Art. 15'],
    atlas: ['AML.T0024.000'],
    owaspMl: ['ML04'],
    owaspLlm: ['LLM02'],
  },
  robustness: {
    nistAiRmf: ['MEASURE 2.6', 'MEASURE 2.7'],
    iso42001: ['A.6.2.4'],
    euAiAct: ['Art. 15'],
    atlas: ['AML.T0015', 'AML.T0043'],
    owaspMl: ['ML01'],
  },
  // trust pillar
  fairness: {
    nistAiRmf: ['MEASURE 2.11'],
    iso42001: ['A.5.4', 'A.7.4'],
    euAiAct: ['Art. 10'],
  },
  privacy: {
    nistAiRmf: ['MEASURE 2.10'],
    iso42001: ['A.7.4', 'A.5.4'],
    euAiAct: ['Art. 10'],
    atlas: ['AML.T0024.000', 'AML.T0057'],
    owaspMl: ['ML03', 'ML04'],
    owaspLlm: ['LLM02'],
  },
  'model-card': {
    nistAiRmf: ['MAP 2.2', 'MEASURE 2.9'],
    iso42001: ['A.6.2.7', 'A.8.2'],
    euAiAct: ['Art. 11', 'Art. 13'],
  },
};

/**
 * Families whose rules measure a trustworthiness property rather than detect a threat, so they need no ATLAS or
 * OWASP mapping. Every other family maps to at least one ATLAS or OWASP id.
 */
export const NON_THREAT_FAMILIES: readonly string[] = ['fairness', 'model-card'];

/** Defaults for a family, or undefined if Bulwark has none (a new family: add it to FAMILY_DEFAULTS). */
export function familyDefaults(family: string): References | undefined {
  return FAMILY_DEFAULTS[family];
}

/** The controls a rule evidences: its own references merged with its family's defaults (own ids first). */
export function controlsForRule(rule: Pick<RuleMeta, 'family' | 'references'>): References {
  const defaults = FAMILY_DEFAULTS[rule.family] ?? {};
  const out: References = {};
  const keys = new Set([...Object.keys(rule.references ?? {}), ...Object.keys(defaults)]) as Set<
    keyof References
  >;
  for (const k of [
    'atlas',
    'owaspMl',
    'owaspLlm',
    'euAiAct',
    'nistAiRmf',
    'iso42001',
    'cwe',
    'cve',
    'ghsa',
  ] as const) {
    if (!keys.has(k)) continue;
    const set = new Set([...(rule.references?.[k] ?? []), ...((defaults as References)[k] ?? [])]);
    if (set.size) out[k] = [...set];
  }
  return out;
}

export interface CoveredControl {
  id: string;
  name: string;
  /** Rules whose findings (or which, given as ids) evidence the control. */
  rules: string[];
  /** Set when the control is reached only through a crosswalk. */
  via?: Crosswalk;
}

export interface Coverage {
  framework: Framework;
  version: string;
  /** Entries of the kinds that evidence attaches to (subcategories, controls, articles, techniques…). */
  total: number;
  covered: CoveredControl[];
  uncovered: string[];
  /** Rule ids given that are not registered (import src/all-rules.js first). */
  unknownRules: string[];
}

/** Entry kinds that count as controls in coverage, per framework. */
const CONTROL_KINDS: Record<Framework, readonly string[]> = {
  atlas: ['technique', 'sub-technique', 'mitigation'],
  owaspMl: ['risk'],
  owaspLlm: ['risk'],
  nistAiRmf: ['subcategory'],
  'nist600-1': ['risk'],
  euAiAct: ['article', 'annex', 'practice'],
  iso42001: ['control'],
};

export interface CoverageOptions extends CatalogOptions {
  /** Also count controls reached through crosswalks (one hop, not `related`). Default true. */
  crosswalks?: boolean;
}

/**
 * Which controls of `framework` have evidence from the given findings or rule ids. A finding contributes its rule's
 * controls (see controlsForRule) plus its own references.
 */
export function coverageFor(
  findingsOrRuleIds: readonly (Finding | string)[],
  framework: string,
  opts: CoverageOptions = {},
): Coverage {
  const fw = frameworkKey(framework);
  if (!fw) throw new Error(`unknown framework ${JSON.stringify(framework)}`);
  const catalog = getCatalog(fw, opts);
  const byId = new Map(catalog.entries.map((e) => [e.id, e]));
  const direct = new Map<string, Set<string>>();
  const viaMap = new Map<string, { rules: Set<string>; via: Crosswalk }>();
  const unknownRules = new Set<string>();

  for (const item of findingsOrRuleIds) {
    const ruleId = typeof item === 'string' ? item : item.ruleId;
    const rule = getRule(ruleId);
    if (!rule) unknownRules.add(ruleId);
    let refs: References = rule ? controlsForRule(rule) : {};
    if (typeof item !== 'string' && item.references)
      refs = controlsForRule({ family: '', references: mergeRefs(refs, item.references) });
    const controls: { framework: string; id: string }[] = [];
    for (const k of FRAMEWORK_REFERENCE_KEYS)
      for (const id of refs[k] ?? [])
        controls.push({ framework: k, id: normaliseId(k as FrameworkReferenceKey, id) });
    const reached =
      opts.crosswalks === false
        ? controls.map((c) => ({ ...c, depth: 0 as number, via: undefined as Crosswalk | undefined }))
        : expandControls(controls);
    for (const c of reached) {
      if (c.framework !== fw) continue;
      let id = c.id;
      if (!byId.has(id) && fw === 'euAiAct') id = id.replace(/(\([^()]*\))+$/, '');
      if (!byId.has(id)) continue;
      if (!c.via) {
        if (!direct.has(id)) direct.set(id, new Set());
        direct.get(id)!.add(ruleId);
      } else {
        if (!viaMap.has(id)) viaMap.set(id, { rules: new Set(), via: c.via });
        viaMap.get(id)!.rules.add(ruleId);
      }
    }
  }
  const covered: CoveredControl[] = [];
  for (const [id, rules] of direct) covered.push({ id, name: byId.get(id)!.name, rules: [...rules].sort() });
  for (const [id, v] of viaMap)
    if (!direct.has(id))
      covered.push({ id, name: byId.get(id)!.name, rules: [...v.rules].sort(), via: v.via });
  const order = new Map(catalog.entries.map((e, i) => [e.id, i]));
  covered.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  const kinds = CONTROL_KINDS[fw];
  const controlEntries = catalog.entries.filter((e) => kinds.includes(e.kind));
  const coveredIds = new Set(covered.map((c) => c.id));
  return {
    framework: fw,
    version: catalog.version,
    total: controlEntries.length,
    covered,
    uncovered: controlEntries.filter((e) => !coveredIds.has(e.id)).map((e) => e.id),
    unknownRules: [...unknownRules].sort(),
  };
}

function mergeRefs(a: References, b: References): References {
  const out: References = { ...a };
  for (const [k, v] of Object.entries(b) as [keyof References, string[] | undefined][]) {
    if (v?.length) out[k] = [...new Set([...(a[k] ?? []), ...v])];
  }
  return out;
}
