import type { Severity } from '../../core/severity.js';

/** A denylist entry. `names: '*'` covers every name in the module and in all its submodules. */
export interface DenyRule {
  /** Dotted module path after alias normalisation (e.g. "os", "torch.utils.collect_env"). */
  module: string;
  /** '*' or the names (possibly dotted, e.g. "Trace.run") that are dangerous in this module. */
  names: '*' | readonly string[];
  severity: Severity;
  /** One sentence: what loading it does. Shown in findings. */
  reason: string;
  ghsa?: readonly string[];
  cve?: readonly string[];
}

/** An allowlist entry. `names: '*'` allows every undotted name in exactly this module (not submodules). */
export interface AllowRule {
  module: string;
  names: '*' | readonly string[];
}
