import { celEnv, isCelError, parse, plan, unparse, type CelEnv } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';

type ParsedExpr = ReturnType<typeof parse>;
type Expr = NonNullable<ParsedExpr['expr']>;

/** Names a policy expression may use. Anything else is a load-time error. */
export const POLICY_VARIABLES = [
  'evidence',
  'summary',
  'subject',
  'checks',
  'findings',
  'system',
  'risk',
  'now',
] as const;

/** Bounds on one expression (CEL has no loops, but nested comprehensions over large lists can be costly). */
export const CEL_LIMITS = {
  /** Characters of source. */
  maxLength: 4096,
  /** AST nodes after macro expansion. */
  maxNodes: 2000,
  /** Comprehensions (exists/all/filter/map) nested inside each other. */
  maxComprehensionDepth: 2,
  /** Estimated iterations: the longest list in the evidence raised to the comprehension depth. */
  maxIterations: 5_000_000,
} as const;

/** Why an expression was rejected, with the 1-based line and column inside the expression when known. */
export class CelCompileError extends Error {
  readonly line: number | undefined;
  readonly column: number | undefined;
  constructor(message: string, line?: number, column?: number) {
    super(message);
    this.name = 'CelCompileError';
    this.line = line;
    this.column = column;
  }
}

export interface CompiledExpr {
  source: string;
  /** Evaluates against bound variables; returns a boolean or throws CelEvalError. */
  evaluate(vars: Record<string, unknown>): unknown;
  /** Member paths rooted at policy variables (e.g. `summary.malicious`), to show what decided a result. */
  paths: string[];
  /** `exists`/`all`/`exists_one` calls over policy lists: witnesses can be listed for these. */
  quantifiers: { call: string; kind: 'exists' | 'all' | 'exists_one'; witnesses: CompiledFilter }[];
  comprehensionDepth: number;
}

export interface CompiledFilter {
  source: string;
  evaluate(vars: Record<string, unknown>): unknown;
}

export class CelEvalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CelEvalError';
  }
}

let sharedEnv: CelEnv | undefined;
function env(): CelEnv {
  sharedEnv ??= celEnv({ funcs: strings });
  return sharedEnv;
}

function walk(e: Expr | undefined, visit: (e: Expr, depth: number) => void, depth = 0): void {
  if (!e) return;
  visit(e, depth);
  const k = e.exprKind;
  switch (k.case) {
    case 'selectExpr':
      walk(k.value.operand, visit, depth);
      break;
    case 'callExpr':
      walk(k.value.target, visit, depth);
      for (const a of k.value.args) walk(a, visit, depth);
      break;
    case 'listExpr':
      for (const a of k.value.elements) walk(a, visit, depth);
      break;
    case 'structExpr':
      for (const en of k.value.entries) {
        if (en.keyKind.case === 'mapKey') walk(en.keyKind.value, visit, depth);
        walk(en.value, visit, depth);
      }
      break;
    case 'comprehensionExpr': {
      const c = k.value;
      walk(c.iterRange, visit, depth);
      walk(c.accuInit, visit, depth + 1);
      walk(c.loopCondition, visit, depth + 1);
      walk(c.loopStep, visit, depth + 1);
      walk(c.result, visit, depth + 1);
      break;
    }
    default:
      break;
  }
}

/** Root identifier of a select chain (`summary.bySeverity.high` → `summary`). */
function chainRoot(e: Expr): string | undefined {
  let cur: Expr | undefined = e;
  while (cur) {
    if (cur.exprKind.case === 'selectExpr') cur = cur.exprKind.value.operand;
    else if (cur.exprKind.case === 'identExpr') return cur.exprKind.value.name;
    else return undefined;
  }
  return undefined;
}

function position(
  parsed: ParsedExpr,
  source: string,
  id: bigint,
): { line: number; column: number } | undefined {
  const offset = parsed.sourceInfo?.positions[String(id)];
  if (offset === undefined) return undefined;
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/**
 * Parses and checks a policy expression: syntax, size, known variables, comprehension depth. Throws
 * CelCompileError with the position of the problem.
 */
export function compileExpr(source: string): CompiledExpr {
  if (source.length > CEL_LIMITS.maxLength)
    throw new CelCompileError(
      `expression is ${source.length} characters; the limit is ${CEL_LIMITS.maxLength}`,
    );
  let parsed: ParsedExpr;
  try {
    parsed = parse(source);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const m = /<input>:(\d+):(\d+): (.*)/s.exec(msg);
    if (m) throw new CelCompileError(m[3].split('\n')[0], Number(m[1]), Number(m[2]) + 1);
    throw new CelCompileError(msg.split('\n')[0]);
  }
  let nodes = 0;
  let maxDepth = 0;
  const iterVars = new Set<string>();
  walk(parsed.expr, (e, depth) => {
    nodes++;
    if (e.exprKind.case === 'comprehensionExpr') {
      maxDepth = Math.max(maxDepth, depth + 1);
      iterVars.add(e.exprKind.value.iterVar);
      if (e.exprKind.value.iterVar2) iterVars.add(e.exprKind.value.iterVar2);
      iterVars.add(e.exprKind.value.accuVar);
    }
  });
  if (nodes > CEL_LIMITS.maxNodes)
    throw new CelCompileError(`expression has ${nodes} nodes; the limit is ${CEL_LIMITS.maxNodes}`);
  if (maxDepth > CEL_LIMITS.maxComprehensionDepth)
    throw new CelCompileError(
      `comprehensions (exists/all/filter/map) are nested ${maxDepth} deep; the limit is ${CEL_LIMITS.maxComprehensionDepth}`,
    );
  const known = new Set<string>(POLICY_VARIABLES);
  let unknown: { name: string; id: bigint } | undefined;
  walk(parsed.expr, (e) => {
    if (e.exprKind.case === 'identExpr') {
      const name = e.exprKind.value.name;
      if (!known.has(name) && !iterVars.has(name) && !unknown) unknown = { name, id: e.id };
    }
  });
  if (unknown) {
    const pos = position(parsed, source, unknown.id);
    throw new CelCompileError(
      `unknown variable '${unknown.name}'; use one of ${POLICY_VARIABLES.join(', ')}`,
      pos?.line,
      pos?.column,
    );
  }
  let program: ReturnType<typeof plan>;
  try {
    program = plan(env(), parsed);
  } catch (err) {
    throw new CelCompileError(err instanceof Error ? err.message.split('\n')[0] : String(err));
  }

  // Paths rooted at policy variables, maximal chains only.
  const paths = new Set<string>();
  const inner = new Set<Expr>();
  walk(parsed.expr, (e) => {
    if (e.exprKind.case === 'selectExpr' && e.exprKind.value.operand) inner.add(e.exprKind.value.operand);
  });
  walk(parsed.expr, (e) => {
    if ((e.exprKind.case === 'selectExpr' || e.exprKind.case === 'identExpr') && !inner.has(e)) {
      if (e.exprKind.case === 'selectExpr' && e.exprKind.value.testOnly) return;
      const root = chainRoot(e);
      if (root && known.has(root) && root !== 'now') paths.add(unparse(e));
    }
  });

  const quantifiers: CompiledExpr['quantifiers'] = [];
  for (const call of Object.values(parsed.sourceInfo?.macroCalls ?? {})) {
    if (call.exprKind.case !== 'callExpr') continue;
    const c = call.exprKind.value;
    const kind = c.function as 'exists' | 'all' | 'exists_one';
    if (!['exists', 'all', 'exists_one'].includes(kind) || !c.target || c.args.length !== 2) continue;
    const root = chainRoot(c.target);
    if (!root || !known.has(root)) continue;
    const v = c.args[0].exprKind.case === 'identExpr' ? c.args[0].exprKind.value.name : undefined;
    if (!v) continue;
    const target = unparse(c.target);
    const pred = unparse(c.args[1]);
    const filterSrc =
      kind === 'all' ? `${target}.filter(${v}, !(${pred}))` : `${target}.filter(${v}, ${pred})`;
    try {
      const f = plan(env(), parse(filterSrc));
      quantifiers.push({
        call: unparse(call),
        kind,
        witnesses: { source: filterSrc, evaluate: (vars) => unwrap(f(vars as never)) },
      });
    } catch {
      // A nested macro that cannot be re-parsed on its own: no witness list for it.
    }
  }

  return {
    source,
    paths: [...paths].sort(),
    quantifiers,
    comprehensionDepth: maxDepth,
    evaluate(vars) {
      const r = program(vars as never);
      if (isCelError(r)) throw new CelEvalError(r.message);
      return r;
    },
  };
}

function unwrap(r: unknown): unknown {
  if (isCelError(r)) throw new CelEvalError(r.message);
  return r;
}

/** Evaluates a path such as `summary.malicious` for display; errors become a description. */
export function evaluatePath(path: string, vars: Record<string, unknown>): unknown {
  try {
    const r = plan(env(), parse(path))(vars as never);
    return isCelError(r) ? { error: r.message } : toPlain(r);
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

/** Converts CEL runtime values (CelList, CelMap, bigint, Uint) back to plain JSON-able values. */
export function toPlain(v: unknown, depth = 0): unknown {
  if (depth > 20) return '…';
  if (typeof v === 'bigint') return Number(v);
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  const anyV = v as {
    [Symbol.iterator]?: unknown;
    entries?: () => Iterable<[unknown, unknown]>;
    value?: unknown;
  };
  if (typeof (v as { get?: unknown }).get === 'function' && typeof anyV.entries === 'function') {
    const out: Record<string, unknown> = {};
    for (const [k, val] of anyV.entries()) out[String(toPlain(k))] = toPlain(val, depth + 1);
    return out;
  }
  if (typeof anyV[Symbol.iterator] === 'function')
    return [...(v as Iterable<unknown>)].map((x) => toPlain(x, depth + 1));
  if (Array.isArray(v)) return v.map((x) => toPlain(x, depth + 1));
  if (Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v)) out[k] = toPlain(val, depth + 1);
    return out;
  }
  if (typeof anyV.value === 'bigint') return Number(anyV.value);
  return String(v);
}

/** The longest list anywhere in a value (bounded walk), used for the iteration estimate. */
export function longestList(v: unknown, budget = { nodes: 1_000_000 }): number {
  if (budget.nodes-- <= 0 || v === null || typeof v !== 'object') return 0;
  if (Array.isArray(v)) {
    let max = v.length;
    for (const x of v) max = Math.max(max, longestList(x, budget));
    return max;
  }
  let max = 0;
  for (const x of Object.values(v as Record<string, unknown>)) max = Math.max(max, longestList(x, budget));
  return max;
}
