// PLACEHOLDER — replaced by the full lists (see docs/rules/pickle.md).
import type { AllowRule, DenyRule } from './policy-types.js';

/** Module aliases: C-accelerator and Python 2 names mapped to the module users know. */
export const MODULE_ALIASES: Readonly<Record<string, string>> = {
  posix: 'os',
  nt: 'os',
  _operator: 'operator',
  _pickle: 'pickle',
  cPickle: 'pickle',
  _io: 'io',
  __builtin__: 'builtins',
  __builtins__: 'builtins',
  httplib: 'http.client',
};

export const DENY_RULES: readonly DenyRule[] = [
  { module: 'os', names: '*', severity: 'critical', reason: 'operating-system access: runs commands, reads and writes files' },
  { module: 'builtins', names: ['eval', 'exec', 'compile', 'getattr', '__import__', 'open'], severity: 'critical', reason: 'runs arbitrary Python code' },
];

export const ALLOW_RULES: readonly AllowRule[] = [
  { module: 'collections', names: ['OrderedDict'] },
  { module: 'torch._utils', names: ['_rebuild_tensor_v2'] },
];

/** Module prefixes under which CamelCase class names are allowed (estimators, layers, configs). */
export const ALLOW_CLASS_PREFIXES: readonly string[] = [];

/** Top-level names of the Python standard library (sys.stdlib_module_names). */
export const STDLIB_MODULES: ReadonlySet<string> = new Set(['os', 'sys', 'builtins', 'collections']);
