import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, Scalar, type Node } from 'yaml';
import { BulwarkError, ConfigError } from '../../core/errors.js';
import type { References } from '../../core/finding.js';
import { isSeverity, type Severity } from '../../core/severity.js';
import { CelCompileError, compileExpr, type CompiledExpr } from './cel.js';

/** Framework controls a policy rule evidences (same keys as finding references). */
export type Controls = Pick<
  References,
  'atlas' | 'owaspMl' | 'owaspLlm' | 'nistAiRmf' | 'euAiAct' | 'iso42001'
>;
const CONTROL_KEYS = ['atlas', 'owaspMl', 'owaspLlm', 'nistAiRmf', 'euAiAct', 'iso42001'] as const;

export interface PolicyRule {
  id: string;
  description: string;
  severity: Severity;
  expression: CompiledExpr;
  /** Precondition: the rule applies only when this is true. */
  when?: CompiledExpr;
  controls: Controls;
  remediation?: string;
  /** Where the rule is defined, e.g. `policy.yaml:12`. */
  origin: string;
}

export interface Waiver {
  rule: string;
  reason: string;
  approver: string;
  /** Last day the waiver applies (inclusive), YYYY-MM-DD. */
  expires: string;
  /** Limits the waiver to subjects whose name or root digest equals this. */
  subject?: string;
  origin: string;
}

export interface Policy {
  name: string;
  description?: string;
  /** Where it came from: a file path or `builtin:<name>`. */
  source: string;
  rules: PolicyRule[];
  waivers: Waiver[];
}

/** Built-in policy packs, shipped as YAML in `policies/` at the package root. */
export const BUILTIN_PACKS = ['baseline', 'strict', 'eu-ai-act-high-risk'] as const;
export type BuiltinPack = (typeof BUILTIN_PACKS)[number];

const MAX_POLICY_BYTES = 1 << 20;
const MAX_RULES = 1000;
const ID_RE = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export function builtinPackPath(name: BuiltinPack): string {
  // src/governance/policy → repository root; dist/governance/policy → package root.
  return fileURLToPath(new URL(`../../../policies/${name}.yaml`, import.meta.url));
}

/** Loads a policy from a file path, `builtin:NAME` or a bare built-in name. */
export async function loadPolicy(ref: string): Promise<Policy> {
  const name = ref.startsWith('builtin:') ? ref.slice('builtin:'.length) : ref;
  if ((BUILTIN_PACKS as readonly string[]).includes(name))
    return parsePolicyFile(await readFile(builtinPackPath(name as BuiltinPack), 'utf8'), `builtin:${name}`);
  if (ref.startsWith('builtin:'))
    throw new ConfigError(
      `unknown built-in policy ${JSON.stringify(name)}; use one of ${BUILTIN_PACKS.join(', ')}`,
    );
  return parsePolicyFile(await readBoundedText(ref, 'policy'), ref);
}

async function readBoundedText(file: string, what: string): Promise<string> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    throw new BulwarkError(
      'E_NOT_FOUND',
      `${what} file ${JSON.stringify(file)} does not exist; give a path or one of ${BUILTIN_PACKS.join(', ')}`,
    );
  }
  if (size > MAX_POLICY_BYTES)
    throw new ConfigError(`${what} file ${JSON.stringify(file)} is larger than 1 MiB`);
  return readFile(file, 'utf8');
}

/** Loads a waiver file (`waivers: [...]`). */
export async function loadWaivers(file: string): Promise<Waiver[]> {
  const text = await readBoundedText(file, 'waiver');
  const { doc, lc } = parseYaml(text, file);
  const waivers = doc.get('waivers', true) as Node | undefined;
  if (!isSeq(waivers)) throw new ConfigError(`${file}: expected a top-level 'waivers:' list`);
  return waivers.items.map((w) => parseWaiver(w as Node, file, lc));
}

function parseYaml(text: string, source: string) {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const pos = e.linePos?.[0];
    throw new ConfigError(`${source}${pos ? `:${pos.line}` : ''}: invalid YAML: ${e.message.split('\n')[0]}`);
  }
  if (!isMap(doc.contents)) throw new ConfigError(`${source}: expected a YAML mapping at the top level`);
  return { doc, lc };
}

function lineOf(node: Node | undefined, lc: LineCounter): number {
  return node?.range ? lc.linePos(node.range[0]).line : 0;
}

function str(map: Node, key: string, where: string, required: boolean): string | undefined {
  if (!isMap(map)) throw new ConfigError(`${where}: expected a mapping`);
  const v = map.get(key, true) as Node | undefined;
  if (v === undefined || (isScalar(v) && v.value === null)) {
    if (required) throw new ConfigError(`${where}: '${key}' is required`);
    return undefined;
  }
  if (!isScalar(v) || (typeof v.value !== 'string' && typeof v.value !== 'number'))
    throw new ConfigError(`${where}: '${key}' must be a string`);
  return String(v.value);
}

function compileAt(
  source: string,
  node: Node,
  lc: LineCounter,
  file: string,
  ruleId: string,
  key: string,
): CompiledExpr {
  try {
    return compileExpr(source);
  } catch (err) {
    if (!(err instanceof CelCompileError)) throw err;
    let line = lineOf(node, lc);
    const block = isScalar(node) && (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED);
    if (err.line !== undefined) line += (block ? 1 : 0) + err.line - 1;
    const col = err.column !== undefined ? `, column ${err.column} of the expression` : '';
    throw new ConfigError(`${file}:${line}: rule ${ruleId}: ${key}: ${err.message}${col}`);
  }
}

function parseWaiver(node: Node, file: string, lc: LineCounter): Waiver {
  const where = `${file}:${lineOf(node, lc)}: waiver`;
  const rule = str(node, 'rule', where, true)!;
  const reason = str(node, 'reason', where, true)!;
  const approver = str(node, 'approver', where, true)!;
  const expiresNode = isMap(node) ? (node.get('expires', true) as Node | undefined) : undefined;
  let expires = str(node, 'expires', where, true)!;
  if (isScalar(expiresNode) && (expiresNode.value as unknown) instanceof Date)
    expires = (expiresNode.value as unknown as Date).toISOString().slice(0, 10);
  if (!DATE_RE.test(expires) || Number.isNaN(Date.parse(`${expires}T00:00:00Z`)))
    throw new ConfigError(`${where}: expires ${JSON.stringify(expires)} is not a date; write YYYY-MM-DD`);
  const subject = str(node, 'subject', where, false);
  return {
    rule,
    reason,
    approver,
    expires,
    ...(subject ? { subject } : {}),
    origin: `${file}:${lineOf(node, lc)}`,
  };
}

/** Parses and compiles a policy document; every error names the file and line. */
export function parsePolicyFile(text: string, source: string): Policy {
  const { doc, lc } = parseYaml(text, source);
  const root = doc.contents as Node;
  const name = str(root, 'name', source, true)!;
  const description = str(root, 'description', source, false);
  const rulesNode = doc.get('rules', true) as Node | undefined;
  if (!isSeq(rulesNode) || rulesNode.items.length === 0)
    throw new ConfigError(`${source}: 'rules:' must be a non-empty list`);
  if (rulesNode.items.length > MAX_RULES) throw new ConfigError(`${source}: more than ${MAX_RULES} rules`);
  const rules: PolicyRule[] = [];
  const seen = new Set<string>();
  for (const item of rulesNode.items as Node[]) {
    const line = lineOf(item, lc);
    const where = `${source}:${line}`;
    const id = str(item, 'id', `${where}: rule`, true)!;
    if (!ID_RE.test(id))
      throw new ConfigError(`${where}: rule id ${JSON.stringify(id)} must match ${ID_RE.source}`);
    if (seen.has(id)) throw new ConfigError(`${where}: rule id ${id} is defined twice`);
    seen.add(id);
    const severity = str(item, 'severity', `${where}: rule ${id}`, false) ?? 'high';
    if (!isSeverity(severity))
      throw new ConfigError(
        `${where}: rule ${id}: severity ${JSON.stringify(severity)} must be critical, high, medium, low or info`,
      );
    const exprSrc = str(item, 'expression', `${where}: rule ${id}`, true)!;
    const exprNode = (item as unknown as { get(k: string, keep: true): Node }).get('expression', true);
    const expression = compileAt(exprSrc, exprNode, lc, source, id, 'expression');
    const whenSrc = str(item, 'when', `${where}: rule ${id}`, false);
    const when =
      whenSrc !== undefined
        ? compileAt(
            whenSrc,
            (item as unknown as { get(k: string, keep: true): Node }).get('when', true),
            lc,
            source,
            id,
            'when',
          )
        : undefined;
    const controls: Controls = {};
    const cNode = isMap(item) ? (item.get('controls', true) as Node | undefined) : undefined;
    if (cNode !== undefined) {
      if (!isMap(cNode)) throw new ConfigError(`${where}: rule ${id}: controls must be a mapping`);
      for (const pair of cNode.items) {
        const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
        if (!(CONTROL_KEYS as readonly string[]).includes(key))
          throw new ConfigError(
            `${where}: rule ${id}: unknown control framework '${key}'; use ${CONTROL_KEYS.join(', ')}`,
          );
        const val = pair.value as Node;
        const list = isSeq(val)
          ? val.items.map((x) => String(isScalar(x) ? x.value : x))
          : isScalar(val)
            ? [String(val.value)]
            : undefined;
        if (!list) throw new ConfigError(`${where}: rule ${id}: controls.${key} must be a list of ids`);
        controls[key as keyof Controls] = list;
      }
    }
    rules.push({
      id,
      description: str(item, 'description', `${where}: rule ${id}`, false) ?? id,
      severity,
      expression,
      ...(when ? { when } : {}),
      controls,
      ...(str(item, 'remediation', where, false)
        ? { remediation: str(item, 'remediation', where, false)! }
        : {}),
      origin: where,
    });
  }
  const waiversNode = doc.get('waivers', true) as Node | undefined;
  const waivers = isSeq(waiversNode) ? waiversNode.items.map((w) => parseWaiver(w as Node, source, lc)) : [];
  return { name, ...(description ? { description } : {}), source, rules, waivers };
}
