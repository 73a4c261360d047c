import type { Severity } from '../../core/severity.js';
import type { AllowRule, DenyRule } from './policy-types.js';
import {
  ALLOW_CLASS_PREFIXES,
  ALLOW_RULES,
  DENY_RULES,
  MODULE_ALIASES,
  STDLIB_MODULES,
} from './policy-data.js';

export type GlobalClass = 'allowed' | 'denied' | 'unknown';

export interface GlobalVerdict {
  class: GlobalClass;
  /** Module after alias normalisation. */
  module: string;
  name: string;
  severity: Severity;
  reason: string;
  /** The deny/allow entry that decided, as "module.name" or "module.*". */
  matched?: string;
  /** Allowed only as a value (an enum member or constant of an allowlisted class): calling it is dangerous. */
  notCallable?: boolean;
  ghsa?: readonly string[];
  cve?: readonly string[];
}

/** User extensions from the config file. */
export interface PolicyExtension {
  allow?: AllowRule[];
  deny?: DenyRule[];
  /** Module prefixes under which every undotted name is allowed (e.g. "__torch__" inside TorchScript archives). */
  allowPrefixes?: string[];
}

export function normalizeModule(module: string): string {
  const dot = module.indexOf('.');
  const head = dot < 0 ? module : module.slice(0, dot);
  const alias = MODULE_ALIASES[module] ?? MODULE_ALIASES[head];
  if (MODULE_ALIASES[module]) return MODULE_ALIASES[module];
  if (alias) return alias + module.slice(head.length);
  return module;
}

/** Conventional import aliases a module's namespace may hold (`import numpy as np`): attribute walks follow them. */
const IMPORT_ALIASES: Readonly<Record<string, string>> = {
  np: 'numpy',
  pd: 'pandas',
  tf: 'tensorflow',
  sp: 'scipy',
  plt: 'matplotlib.pyplot',
  sk: 'sklearn',
};

interface DenyIndexEntry {
  rule: DenyRule;
  target: string;
}

/**
 * Decides whether a pickle global is allowed, denied or unknown. Default-deny: anything neither allowed nor denied
 * is "unknown" (at least suspicious); unknown standard-library globals are treated as dangerous.
 */
export class PicklePolicy {
  /** Specific deny targets "module.name" (a name may be dotted). */
  private readonly denyExact = new Map<string, DenyIndexEntry>();
  /** Module-wide deny: covers the module and every submodule. */
  private readonly denyModule = new Map<string, DenyIndexEntry>();
  private readonly allowExact = new Set<string>();
  private readonly allowModule = new Set<string>();
  private readonly classPrefixes: string[];
  private readonly anyPrefixes: string[];
  private readonly cache = new Map<string, GlobalVerdict>();
  private readonly ext: PolicyExtension | undefined;

  constructor(ext?: PolicyExtension) {
    this.ext = ext;
    this.anyPrefixes = [...(ext?.allowPrefixes ?? [])];
    for (const rule of [...DENY_RULES, ...(ext?.deny ?? [])]) this.addDeny(rule);
    for (const rule of [...ALLOW_RULES, ...(ext?.allow ?? [])]) this.addAllow(rule);
    this.classPrefixes = [...ALLOW_CLASS_PREFIXES];
  }

  /** A policy with extra allowances for one context (e.g. TorchScript's own class namespace). */
  derive(extra: PolicyExtension): PicklePolicy {
    return new PicklePolicy({
      allow: [...(this.ext?.allow ?? []), ...(extra.allow ?? [])],
      deny: [...(this.ext?.deny ?? []), ...(extra.deny ?? [])],
      allowPrefixes: [...this.anyPrefixes, ...(extra.allowPrefixes ?? [])],
    });
  }

  private addDeny(rule: DenyRule): void {
    const module = normalizeModule(rule.module);
    if (rule.names === '*') this.denyModule.set(module, { rule, target: `${module}.*` });
    else for (const n of rule.names) this.denyExact.set(`${module}.${n}`, { rule, target: `${module}.${n}` });
  }

  private addAllow(rule: AllowRule): void {
    const module = normalizeModule(rule.module);
    if (rule.names === '*') this.allowModule.add(module);
    else for (const n of rule.names) this.allowExact.add(`${module}.${n}`);
  }

  classify(rawModule: string, rawName: string): GlobalVerdict {
    const key = `${rawModule}\u0000${rawName}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const v = this.decide(rawModule, rawName);
    if (this.cache.size < 100_000) this.cache.set(key, v);
    return v;
  }

  private decide(rawModule: string, rawName: string): GlobalVerdict {
    const module = normalizeModule(rawModule.trim());
    const name = rawName.trim();
    const full = `${module}.${name}`;
    const base = { module, name };

    // 1. Specific deny entries: the full dotted path or any attribute path below one.
    const exact = this.findDenyExact(full);
    if (exact) return denied(base, exact);
    // Attribute walks: a dotted name may reach another module object ("pathlib" + "os.system").
    const nameParts = name.split('.');
    // i = 0: the whole dotted name may itself be an import path ("torch.nn.modules.module" + "torch.load").
    for (let i = 0; i < nameParts.length; i++) {
      if (i === 0 && nameParts.length < 2) continue;
      const parts = nameParts.slice(i);
      parts[0] = IMPORT_ALIASES[parts[0]] ?? parts[0];
      const sub = parts.join('.');
      const viaAttr = this.findDenyExact(normalizeModule(sub)) ?? this.findDenyModule(normalizeModule(sub));
      if (viaAttr) return denied(base, viaAttr, `reached through the attribute path ${name}`);
    }
    if (nameParts.length > 1) {
      const head = normalizeModule(nameParts[0]);
      const viaHead = this.findDenyExact(head) ?? this.findDenyModule(head);
      if (viaHead) return denied(base, viaHead, `reached through the attribute path ${name}`);
    }

    // 2. Exact allow entries (a dotted name is only allowed when listed as such).
    if (this.allowExact.has(full))
      return { ...base, class: 'allowed', severity: 'info', reason: 'allowlisted', matched: full };

    // 3. Module-wide deny (parent packages included).
    const mod = this.findDenyModule(full);
    if (mod) return denied(base, mod);

    // 4. Module-wide allow and class prefixes (undotted names only).
    if (nameParts.length === 1) {
      if (this.allowModule.has(module))
        return { ...base, class: 'allowed', severity: 'info', reason: 'allowlisted', matched: `${module}.*` };
      if (this.anyPrefixes.some((p) => module === p || module.startsWith(`${p}.`)))
        return {
          ...base,
          class: 'allowed',
          severity: 'info',
          reason: 'allowed in this context',
          matched: `${module}.*`,
        };
      if (/^[A-Z]/.test(name) && this.classPrefixes.some((p) => module === p || module.startsWith(`${p}.`)))
        return {
          ...base,
          class: 'allowed',
          severity: 'info',
          reason: 'allowlisted class',
          matched: `${module}.<Class>`,
        };
    }

    // 5. A method or attribute reached through an allowlisted class (DataFrame.to_csv, AutoModel.from_pretrained,
    // an enum member): calling it turns a harmless class into an arbitrary call; deeper or dunder paths are denied.
    if (nameParts.length > 1 && this.decide(module, nameParts[0]).class === 'allowed') {
      // Enum members and constants (UPPER_CASE) are values: Python 3.11.2 pickles enum members as
      // getattr(Class, 'NAME'). They stay allowed as long as nothing calls them.
      // Any other plain attribute (a static method, a function reference) is likewise a harmless value until it is
      // called, and calling it is reported (BW-PKL-001) — so is handing it to a function that calls its argument.
      if (nameParts.length === 2 && !/^__.*__$/.test(nameParts[1]))
        return {
          ...base,
          class: 'allowed',
          severity: 'info',
          reason: `attribute ${nameParts[1]} of the allowlisted ${module}.${nameParts[0]} (allowed as a value, not as a call)`,
          matched: 'attribute-of-allowed',
          notCallable: true,
        };
      return {
        ...base,
        class: 'denied',
        severity: 'high',
        reason: `${name} reaches the attribute ${nameParts.slice(1).join('.')} of the allowlisted ${module}.${nameParts[0]}; data pickles never call methods through a class`,
        matched: 'attribute-of-allowed',
      };
    }

    // 6. Unknown. Standard-library gadgets are where bypasses live: treat unknown stdlib globals as dangerous.
    const top = module.split('.')[0];
    if (STDLIB_MODULES.has(top)) {
      return {
        ...base,
        class: 'denied',
        severity: 'high',
        reason: `standard-library global ${full} is not on the allowlist of globals that ML files use; stdlib functions are the usual gadgets for code execution and I/O`,
        matched: 'stdlib-default-deny',
      };
    }
    return {
      ...base,
      class: 'unknown',
      severity: 'medium',
      reason: `${full} is neither on the allowlist nor the denylist; loading imports ${module} and may run its code`,
    };
  }

  private findDenyExact(path: string): DenyIndexEntry | undefined {
    // path itself or any prefix of it that is a specific deny target (e.g. "code.InteractiveInterpreter.runcode.__call__").
    let p = path;
    while (true) {
      const e = this.denyExact.get(p);
      if (e) return e;
      const dot = p.lastIndexOf('.');
      if (dot < 0) return undefined;
      p = p.slice(0, dot);
    }
  }

  private findDenyModule(path: string): DenyIndexEntry | undefined {
    let p = path;
    while (true) {
      const e = this.denyModule.get(p);
      if (e) return e;
      const dot = p.lastIndexOf('.');
      if (dot < 0) return undefined;
      p = p.slice(0, dot);
    }
  }
}

function denied(base: { module: string; name: string }, e: DenyIndexEntry, how?: string): GlobalVerdict {
  const v: GlobalVerdict = {
    ...base,
    class: 'denied',
    severity: e.rule.severity,
    reason: how ? `${e.rule.reason} (${how})` : e.rule.reason,
    matched: e.target,
  };
  if (e.rule.ghsa) v.ghsa = e.rule.ghsa;
  if (e.rule.cve) v.cve = e.rule.cve;
  return v;
}
