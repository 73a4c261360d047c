import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError } from '../core/errors.js';
import { DEFAULT_LIMITS, type Limits } from '../core/limits.js';
import { isSeverity, SEVERITIES, type Severity } from '../core/severity.js';
import type { AllowRule, DenyRule } from '../scan/pickle/policy-types.js';
import { PicklePolicy, type PolicyExtension } from '../scan/pickle/policy.js';
import type { ScanOptions } from '../scan/types.js';

/** Names looked for in the working directory, in this order, when no --config is given. */
export const CONFIG_FILE_NAMES = ['bulwark.yaml', '.bulwark.yaml'] as const;

/** Config files larger than this are refused (a config file is a few lines). */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** A pickle allowlist entry: "pkg.mod.Name", "pkg.mod.*", or the object form (needed for dotted names). */
export type PickleAllowEntry = string | { module: string; names: '*' | string[] };

export interface PickleDenyEntry {
  module: string;
  names: '*' | string[];
  /** Default: high. */
  severity?: Severity;
  /** One sentence shown in findings. Default: "denied by <config file>". */
  reason?: string;
}

/** The contents of bulwark.yaml, validated. */
export interface BulwarkConfig {
  scan?: {
    include?: string[];
    exclude?: string[];
    /** Default for --fail-on. */
    failOn?: Severity;
    limits?: Partial<Limits>;
  };
  pickle?: {
    allow?: PickleAllowEntry[];
    deny?: PickleDenyEntry[];
  };
}

export interface LoadedConfig {
  /** The file it came from, as found or as given. */
  path: string;
  config: BulwarkConfig;
}

export interface LoadConfigOptions {
  /** An explicit config file (--config). It must exist. */
  path?: string;
  /** Directory searched for bulwark.yaml / .bulwark.yaml. Default: the current working directory. */
  cwd?: string;
}

/**
 * Loads the config file: `options.path` when given (it must exist), else the first of bulwark.yaml, .bulwark.yaml in
 * `cwd`. Resolves to undefined when there is none. Throws ConfigError (one line: file, key path, what is expected).
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig | undefined> {
  const cwd = options.cwd ?? process.cwd();
  if (options.path !== undefined) {
    if (options.path.trim() === '')
      throw new ConfigError('--config needs a file name; pass the path of a bulwark.yaml file');
    const text = await readConfigFile(options.path, path.resolve(cwd, options.path), true);
    return { path: options.path, config: parseConfig(text!, options.path) };
  }
  for (const name of CONFIG_FILE_NAMES) {
    const text = await readConfigFile(name, path.join(cwd, name), false);
    if (text !== undefined) return { path: name, config: parseConfig(text, name) };
  }
  return undefined;
}

async function readConfigFile(shown: string, file: string, required: boolean): Promise<string | undefined> {
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new ConfigError(`${shown}: is not a regular file; point --config at a YAML file`);
    size = st.size;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (!required && (code === 'ENOENT' || code === 'ENOTDIR')) return undefined;
    if (code === 'ENOENT')
      throw new ConfigError(`config file ${shown} does not exist; check the --config path`, { cause: err });
    throw new ConfigError(
      `${shown}: cannot read the config file (${code ?? String(err)}); check its permissions`,
      {
        cause: err,
      },
    );
  }
  if (size > MAX_CONFIG_BYTES)
    throw new ConfigError(
      `${shown}: the config file is larger than 1 MiB; a bulwark.yaml is a few lines of YAML`,
    );
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(
      `${shown}: cannot read the config file (${code ?? String(err)}); check its permissions`,
      {
        cause: err,
      },
    );
  }
}

/** Parses and validates config text. `fileName` only appears in error messages. */
export function parseConfig(text: string, fileName: string): BulwarkConfig {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const pos = yamlError.linePos?.[0];
    const where = pos ? `${fileName}:${pos.line}:${pos.col}` : fileName;
    const what = yamlError.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(`${where}: invalid YAML: ${what}; fix the YAML syntax`);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ConfigError(
      `${fileName}: invalid YAML: ${(err as Error).message.split('\n')[0]}; fix the YAML syntax`,
    );
  }
  return validateConfig(data, fileName);
}

/** Validates an already-parsed config object (e.g. from JSON). */
export function validateConfig(data: unknown, fileName: string): BulwarkConfig {
  const v = new Validator(fileName);
  if (data === null || data === undefined) return {};
  const top = v.object(data, '', ['scan', 'pickle']);
  const config: BulwarkConfig = {};
  if (top.scan !== undefined && top.scan !== null) config.scan = v.scan(top.scan, 'scan');
  if (top.pickle !== undefined && top.pickle !== null) config.pickle = v.pickle(top.pickle, 'pickle');
  return config;
}

let cachedPolicy: PicklePolicy | undefined;
function builtinPolicy(): PicklePolicy {
  return (cachedPolicy ??= new PicklePolicy());
}

const PY_DOTTED = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** Limits that count bytes: these also accept sizes such as "512 MiB". */
const BYTE_LIMITS = new Set<keyof Limits>([
  'maxLineBytes',
  'maxRetainedString',
  'maxStringArena',
  'maxDecompressedBytes',
  'ratioFloorBytes',
  'inMemoryBytes',
]);
/** Limits where 0 would make every scan fail. */
const POSITIVE_LIMITS = new Set<keyof Limits>([
  'maxOpcodes',
  'maxStack',
  'maxMembers',
  'timeoutMs',
  'maxCompressionRatio',
]);

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  kib: 1024,
  mb: 1e6,
  mib: 1024 ** 2,
  gb: 1e9,
  gib: 1024 ** 3,
  tb: 1e12,
  tib: 1024 ** 4,
};

class Validator {
  constructor(private readonly file: string) {}

  fail(keyPath: string, problem: string, fix: string): never {
    throw new ConfigError(`${this.file}: ${keyPath ? `${keyPath}: ` : ''}${problem}; ${fix}`);
  }

  object(value: unknown, keyPath: string, allowed: readonly string[]): Record<string, unknown> {
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      this.fail(
        keyPath,
        `expected a mapping, found ${describe(value)}`,
        `write ${keyPath || 'the file'} as key: value lines`,
      );
    const obj = value as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) {
        const hint = closest(key, allowed);
        this.fail(
          join(keyPath, key),
          `unknown key${hint ? ` (did you mean ${hint}?)` : ''}`,
          `allowed keys ${keyPath ? `under ${keyPath}` : 'at the top level'} are ${allowed.join(', ')}`,
        );
      }
    }
    return obj;
  }

  scan(value: unknown, keyPath: string): NonNullable<BulwarkConfig['scan']> {
    const obj = this.object(value, keyPath, ['include', 'exclude', 'failOn', 'limits']);
    const out: NonNullable<BulwarkConfig['scan']> = {};
    if (obj.include != null) out.include = this.globs(obj.include, join(keyPath, 'include'));
    if (obj.exclude != null) out.exclude = this.globs(obj.exclude, join(keyPath, 'exclude'));
    if (obj.failOn != null) out.failOn = this.severity(obj.failOn, join(keyPath, 'failOn'));
    if (obj.limits != null) out.limits = this.limits(obj.limits, join(keyPath, 'limits'));
    return out;
  }

  globs(value: unknown, keyPath: string): string[] {
    if (!Array.isArray(value))
      this.fail(
        keyPath,
        `expected a list of glob patterns, found ${describe(value)}`,
        `write it as a YAML list, e.g. ["**/*.pt"]`,
      );
    return value.map((item, i) => {
      if (typeof item !== 'string' || item.trim() === '')
        this.fail(
          `${keyPath}[${i}]`,
          `expected a glob pattern, found ${describe(item)}`,
          'write a non-empty string such as "**/*.pkl"',
        );
      return item;
    });
  }

  severity(value: unknown, keyPath: string): Severity {
    if (typeof value !== 'string' || !isSeverity(value))
      this.fail(keyPath, `${describe(value)} is not a severity`, `use one of ${SEVERITIES.join(', ')}`);
    return value;
  }

  limits(value: unknown, keyPath: string): Partial<Limits> {
    const names = Object.keys(DEFAULT_LIMITS) as (keyof Limits)[];
    const obj = this.object(value, keyPath, names);
    const out: Partial<Limits> = {};
    for (const name of names) {
      const raw = obj[name];
      if (raw === undefined || raw === null) continue;
      out[name] = this.limit(name, raw, join(keyPath, name));
    }
    return out;
  }

  limit(name: keyof Limits, raw: unknown, keyPath: string): number {
    const isBytes = BYTE_LIMITS.has(name);
    let n: number | undefined;
    if (typeof raw === 'number') n = raw;
    else if (typeof raw === 'string' && isBytes) n = parseSize(raw);
    const integer = name !== 'maxCompressionRatio';
    const min = POSITIVE_LIMITS.has(name) ? (integer ? 1 : Number.MIN_VALUE) : 0;
    const ok = n !== undefined && Number.isFinite(n) && n >= min && (!integer || Number.isSafeInteger(n));
    if (!ok) {
      const kind = integer
        ? min > 0
          ? 'a positive integer'
          : 'a non-negative integer'
        : 'a positive number';
      this.fail(
        keyPath,
        `${describe(raw)} is not a valid limit`,
        `use ${kind}${isBytes ? ' of bytes or a size such as "512 MiB"' : ''} (default ${DEFAULT_LIMITS[name]})`,
      );
    }
    return n!;
  }

  pickle(value: unknown, keyPath: string): NonNullable<BulwarkConfig['pickle']> {
    const obj = this.object(value, keyPath, ['allow', 'deny']);
    const out: NonNullable<BulwarkConfig['pickle']> = {};
    if (obj.allow != null) {
      const p = join(keyPath, 'allow');
      out.allow = this.list(obj.allow, p, 'allowlist entries').map((e, i) =>
        this.allowEntry(e, `${p}[${i}]`),
      );
    }
    if (obj.deny != null) {
      const p = join(keyPath, 'deny');
      out.deny = this.list(obj.deny, p, 'denylist entries').map((e, i) => this.denyEntry(e, `${p}[${i}]`));
    }
    return out;
  }

  list(value: unknown, keyPath: string, what: string): unknown[] {
    if (!Array.isArray(value))
      this.fail(keyPath, `expected a list of ${what}, found ${describe(value)}`, 'write it as a YAML list');
    return value;
  }

  allowEntry(value: unknown, keyPath: string): PickleAllowEntry {
    if (typeof value === 'string') {
      const rule = parseGlobalRef(value, (problem) =>
        this.fail(keyPath, problem, 'write "module.Name", "module.*" or {module: ..., names: [...]}'),
      );
      this.notDenied(rule, keyPath);
      return value;
    }
    const obj = this.object(value, keyPath, ['module', 'names']);
    const entry = {
      module: this.module(obj.module, join(keyPath, 'module')),
      names: this.names(obj.names, join(keyPath, 'names')),
    };
    this.notDenied(entry, keyPath);
    return entry;
  }

  /**
   * An allow entry must not name a global on the built-in denylist: a config file (which may come with the
   * repository being scanned) cannot switch off the detection of os.system and friends. Unknown standard-library
   * globals (denied by default, not by the list) may be allowed.
   */
  notDenied(rule: AllowRule, keyPath: string): void {
    if (rule.names === '*') return;
    for (const name of rule.names) {
      const v = builtinPolicy().classify(rule.module, name);
      if (v.class === 'denied' && v.matched !== 'stdlib-default-deny')
        this.fail(
          keyPath,
          `${rule.module}.${name} is on the built-in denylist (${v.reason}) and cannot be allowed`,
          'remove the entry (a denied global is never allowed)',
        );
    }
  }

  denyEntry(value: unknown, keyPath: string): PickleDenyEntry {
    const obj = this.object(value, keyPath, ['module', 'names', 'severity', 'reason']);
    const out: PickleDenyEntry = {
      module: this.module(obj.module, join(keyPath, 'module')),
      names: this.names(obj.names, join(keyPath, 'names')),
    };
    if (obj.severity != null) out.severity = this.severity(obj.severity, join(keyPath, 'severity'));
    if (obj.reason != null) {
      if (typeof obj.reason !== 'string' || obj.reason.trim() === '')
        this.fail(
          join(keyPath, 'reason'),
          `expected a sentence, found ${describe(obj.reason)}`,
          'write what loading it does',
        );
      out.reason = obj.reason;
    }
    return out;
  }

  module(value: unknown, keyPath: string): string {
    if (typeof value !== 'string' || !PY_DOTTED.test(value))
      this.fail(
        keyPath,
        `${describe(value)} is not a Python module path`,
        'write a dotted module name such as "torch.nn"',
      );
    return value;
  }

  names(value: unknown, keyPath: string): '*' | string[] {
    if (value === '*') return '*';
    if (!Array.isArray(value) || value.length === 0)
      this.fail(
        keyPath,
        `expected "*" or a non-empty list of names, found ${describe(value)}`,
        'write names: ["Name", ...] or names: "*"',
      );
    return value.map((n, i) => {
      if (typeof n !== 'string' || !PY_DOTTED.test(n))
        this.fail(
          `${keyPath}[${i}]`,
          `${describe(n)} is not a Python name`,
          'write an identifier such as "Linear" (dotted for attributes)',
        );
      return n;
    });
  }
}

/** "pkg.mod.Name" -> {module: "pkg.mod", names: ["Name"]}; "pkg.mod.*" -> module-wide. */
export function parseGlobalRef(
  ref: string,
  fail: (problem: string) => never = (p) => {
    throw new ConfigError(`${p}; write "module.Name" or "module.*"`);
  },
): AllowRule {
  const dot = ref.lastIndexOf('.');
  if (dot <= 0) fail(`${describe(ref)} has no module part`);
  const module = ref.slice(0, dot);
  const name = ref.slice(dot + 1);
  if (!PY_DOTTED.test(module)) fail(`${describe(ref)}: ${describe(module)} is not a Python module path`);
  if (name === '*') return { module, names: '*' };
  if (!PY_DOTTED.test(name)) fail(`${describe(ref)}: ${describe(name)} is not a Python name`);
  return { module, names: [name] };
}

/** The pickle section as the policy extension the scanner takes. */
export function toPolicyExtension(
  pickle: BulwarkConfig['pickle'],
  fileName = 'the config file',
): PolicyExtension | undefined {
  if (!pickle || (!pickle.allow?.length && !pickle.deny?.length)) return undefined;
  const ext: PolicyExtension = {};
  if (pickle.allow?.length)
    ext.allow = pickle.allow.map((e) =>
      typeof e === 'string' ? parseGlobalRef(e) : { module: e.module, names: e.names },
    );
  if (pickle.deny?.length)
    ext.deny = pickle.deny.map((e): DenyRule => ({
      module: e.module,
      names: e.names,
      severity: e.severity ?? 'high',
      reason: e.reason ?? `denied by ${fileName}`,
    }));
  return ext;
}

/** The scan options a config file sets (include, exclude, limits, pickle policy). failOn is a CLI matter. */
export function configToScanOptions(config: BulwarkConfig, fileName?: string): ScanOptions {
  const options: ScanOptions = {};
  if (config.scan?.include) options.include = [...config.scan.include];
  if (config.scan?.exclude) options.exclude = [...config.scan.exclude];
  if (config.scan?.limits && Object.keys(config.scan.limits).length)
    options.limits = { ...config.scan.limits };
  const policy = toPolicyExtension(config.pickle, fileName);
  if (policy) options.policy = policy;
  return options;
}

/** "512 MiB" -> 536870912; undefined when it is not a size. */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) return undefined;
  const unit = SIZE_UNITS[(m[2] || 'b').toLowerCase()];
  if (unit === undefined) return undefined;
  const n = Math.round(Number(m[1]) * unit);
  return Number.isSafeInteger(n) ? n : undefined;
}

function join(parent: string, key: string): string {
  return parent ? `${parent}.${key}` : key;
}

/** A short, printable rendering of a value for error messages. */
function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  const text = JSON.stringify(value) ?? String(value);

  const printable = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return printable.length > 60 ? `${printable.slice(0, 57)}...` : printable;
}

/** The allowed key nearest to a misspelt one (edit distance <= 2), for "did you mean". */
function closest(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of allowed) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}
