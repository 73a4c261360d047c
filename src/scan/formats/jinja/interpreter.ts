/**
 * Abstract interpretation of a parsed Jinja template (syntax tree of @huggingface/jinja): every attribute and item
 * access is checked with its name resolved by constant folding, over bounded sets of possible constant values.
 * Nothing is rendered; no value from the template is ever executed.
 */
import type { HitCollector } from './collector.js';
import {
  DANGEROUS_MODULES,
  EXEC_CALLED_MEMBERS,
  EXEC_MEMBERS,
  EXEC_ROOT_CALLS,
  KNOWN_DUNDERS,
  LEAKY_GLOBALS,
  WEB_GLOBALS,
  isInternalName,
  isPrivateName,
} from './names.js';
import {
  TPL_CODE_EXECUTION,
  TPL_DYNAMIC_ATTRIBUTE,
  TPL_LEAKY_GLOBAL,
  TPL_OBFUSCATED,
  TPL_PRIVATE_ATTRIBUTE,
  TPL_PYTHON_INTERNALS,
} from './rules.js';
import {
  ConstDict,
  MAX_CONST_LIST,
  MAX_CONST_STRING,
  constKey,
  constSize,
  iterate,
  percentFormat,
  pyStr,
  sliceIndices,
  strFormat,
  truthy,
  type Const,
} from './values.js';

// ---------------------------------------------------------------------------------------------- syntax tree

export interface Node {
  type: string;
}
interface ValueNode<T> extends Node {
  value: T;
}
interface MemberNode extends Node {
  object: Node;
  property: Node;
  computed: boolean;
}
interface CallNode extends Node {
  callee: Node;
  args: Node[];
}
interface OpNode extends Node {
  operator: { value: string };
  left: Node;
  right: Node;
}
interface UnaryNode extends Node {
  operator: { value: string };
  argument: Node;
}
interface FilterNode extends Node {
  operand: Node;
  filter: Node;
}
interface SliceNode extends Node {
  start?: Node;
  stop?: Node;
  step?: Node;
}
interface KwNode extends Node {
  key: ValueNode<string>;
  value: Node;
}
interface IfNode extends Node {
  test: Node;
  body: Node[];
  alternate: Node[];
}
interface ForNode extends Node {
  loopvar: Node;
  iterable: Node;
  body: Node[];
  defaultBlock: Node[];
}
interface SetNode extends Node {
  assignee: Node;
  value: Node | null;
  body: Node[];
}
interface MacroNode extends Node {
  name: ValueNode<string>;
  args: Node[];
  body: Node[];
}

/** A node type this analyser does not model (a newer parser version): the caller falls back to the token scan. */
export class UnsupportedNode extends Error {
  constructor(readonly nodeType: string) {
    super(`unsupported syntax node ${nodeType}`);
  }
}

/** Children of a node, in evaluation order. */
export function childrenOf(n: Node): Node[] {
  const c = (x: unknown): Node[] => (x && typeof x === 'object' && 'type' in x ? [x as Node] : []);
  const all = (xs: unknown): Node[] => (Array.isArray(xs) ? (xs as Node[]) : []);
  const r = n as unknown as Record<string, unknown>;
  switch (n.type) {
    case 'Program':
      return all(r.body);
    case 'If':
      return [...c(r.test), ...all(r.body), ...all(r.alternate)];
    case 'For':
      return [...c(r.loopvar), ...c(r.iterable), ...all(r.body), ...all(r.defaultBlock)];
    case 'Set':
      return [...c(r.assignee), ...c(r.value), ...all(r.body)];
    case 'Macro':
      return [...c(r.name), ...all(r.args), ...all(r.body)];
    case 'CallStatement':
      return [...c(r.call), ...all(r.callerArgs), ...all(r.body)];
    case 'FilterStatement':
      return [...c(r.filter), ...all(r.body)];
    case 'MemberExpression':
      return [...c(r.object), ...c(r.property)];
    case 'CallExpression':
      return [...c(r.callee), ...all(r.args)];
    case 'BinaryExpression':
      return [...c(r.left), ...c(r.right)];
    case 'FilterExpression':
      return [...c(r.operand), ...c(r.filter)];
    case 'SelectExpression':
      return [...c(r.lhs), ...c(r.test)];
    case 'TestExpression':
      return [...c(r.operand), ...c(r.test)];
    case 'UnaryExpression':
    case 'SpreadExpression':
    case 'KeywordSpreadExpression':
      return c(r.argument);
    case 'SliceExpression':
      return [...c(r.start), ...c(r.stop), ...c(r.step)];
    case 'KeywordArgumentExpression':
      return [...c(r.key), ...c(r.value)];
    case 'Ternary':
      return [...c(r.condition), ...c(r.trueExpr), ...c(r.falseExpr)];
    case 'ArrayLiteral':
    case 'TupleLiteral':
      return all(r.value);
    case 'ObjectLiteral': {
      const m = r.value instanceof Map ? (r.value as Map<Node, Node>) : new Map<Node, Node>();
      return [...m].flat();
    }
    case 'Identifier':
    case 'StringLiteral':
    case 'IntegerLiteral':
    case 'FloatLiteral':
    case 'Comment':
    case 'Break':
    case 'Continue':
      return [];
    default:
      throw new UnsupportedNode(n.type);
  }
}

/** Node count, depth and the names a template defines (set targets, loop variables, macros and parameters). */
export function survey(
  root: Node,
  maxNodes: number,
  maxDepth: number,
): { nodes: number; depth: number; defined: Set<string>; over?: 'nodes' | 'depth' } {
  const defined = new Set(['loop', 'caller', 'varargs', 'kwargs']);
  const stack: [Node, number][] = [[root, 0]];
  let nodes = 0;
  let depth = 0;
  const defineTarget = (t: Node | null | undefined): void => {
    if (!t) return;
    if (t.type === 'Identifier') defined.add((t as ValueNode<string>).value);
    else if (t.type === 'TupleLiteral') for (const x of (t as ValueNode<Node[]>).value) defineTarget(x);
    else if (t.type === 'MemberExpression') defineTarget((t as MemberNode).object);
    else if (t.type === 'KeywordArgumentExpression') defineTarget((t as KwNode).key);
  };
  while (stack.length) {
    const [n, d] = stack.pop()!;
    nodes++;
    if (d > depth) depth = d;
    if (nodes > maxNodes) return { nodes, depth, defined, over: 'nodes' };
    if (d > maxDepth) return { nodes, depth, defined, over: 'depth' };
    if (n.type === 'Set') defineTarget((n as SetNode).assignee);
    else if (n.type === 'For') defineTarget((n as ForNode).loopvar);
    else if (n.type === 'Macro') {
      defineTarget((n as MacroNode).name);
      for (const a of (n as MacroNode).args) defineTarget(a);
    } else if (n.type === 'CallStatement') {
      for (const a of ((n as unknown as { callerArgs: Node[] | null }).callerArgs ?? []) as Node[])
        defineTarget(a);
    }
    for (const ch of childrenOf(n)) stack.push([ch, d + 1]);
  }
  return { nodes, depth, defined };
}

// ---------------------------------------------------------------------------------------------- abstract values

/** What is known about a value: a bounded set of possible constants, how it was built, where it came from. */
interface AVal {
  /** Possible constant values; null when unknown. */
  alts: Const[] | null;
  /** Transformations that built it (concat, format, join, reverse…): evidence of obfuscation. */
  ops: readonly string[];
  /** Built by string operations (concatenation, formatting, joining). */
  built: boolean;
  /** Derived from Python internals or a global that exposes them. */
  py: boolean;
  /** Attributes of a `namespace(...)` object. */
  ns?: Map<string, AVal>;
  /** For an unknown value built from strings: the constant pieces it was built from. */
  parts?: string[];
}

const MAX_ALTS = 16;
const MAX_UNROLL = 64;
const MAX_MACRO_DEPTH = 4;
const MAX_UNROLL_NESTING = 3;

const UNKNOWN: AVal = Object.freeze({ alts: null, ops: [], built: false, py: false }) as AVal;

function unknown(py = false, built = false, ops: readonly string[] = []): AVal {
  return { alts: null, ops, built, py };
}
function mergeOps(...xs: (readonly string[])[]): string[] {
  const s = new Set<string>();
  for (const x of xs) for (const o of x) s.add(o);
  return [...s];
}
function make(alts: Const[] | null, ops: readonly string[], built: boolean, py: boolean): AVal {
  if (alts === null) return unknown(py, built, ops);
  const seen = new Map<string, Const>();
  for (const a of alts) {
    if (constSize(a) > MAX_CONST_STRING) return unknown(py, built, ops);
    seen.set(constKey(a), a);
    if (seen.size > MAX_ALTS) return unknown(py, built, ops);
  }
  return { alts: [...seen.values()], ops, built, py };
}
function single(v: AVal): Const | undefined {
  return v.alts && v.alts.length === 1 ? v.alts[0] : undefined;
}
function konst(c: Const): AVal {
  return { alts: [c], ops: [], built: false, py: false };
}
function union(a: AVal, b: AVal): AVal {
  const ops = mergeOps(a.ops, b.ops);
  if (!a.alts || !b.alts) return unknown(a.py || b.py, a.built || b.built, ops);
  return make([...a.alts, ...b.alts], ops, a.built || b.built, a.py || b.py);
}
/** Applies `f` to every alternative; unknown when any result is undefined. */
function map1(v: AVal, f: (c: Const) => Const | undefined, op?: string, built = v.built): AVal {
  const ops = op ? mergeOps(v.ops, [op]) : v.ops;
  if (!v.alts) return unknown(v.py, built, ops);
  const out: Const[] = [];
  for (const a of v.alts) {
    const r = f(a);
    if (r === undefined) return unknown(v.py, built, ops);
    out.push(r);
  }
  return make(out, ops, built, v.py);
}
/** Constant string pieces a value is or was built from (for names that cannot be fully resolved). */
function partsOf(v: AVal): string[] {
  if (v.alts) return v.alts.filter((a): a is string => typeof a === 'string' && a.length <= 64);
  return v.parts ?? [];
}
function map2(
  a: AVal,
  b: AVal,
  f: (x: Const, y: Const) => Const | undefined,
  op: string | undefined,
  built: boolean,
): AVal {
  const ops = op ? mergeOps(a.ops, b.ops, [op]) : mergeOps(a.ops, b.ops);
  const py = a.py || b.py;
  const fail = (): AVal => {
    const v = unknown(py, built, ops);
    if (built) {
      const parts = [...new Set([...partsOf(a), ...partsOf(b)])].slice(0, 32);
      if (parts.length) v.parts = parts;
    }
    return v;
  };
  if (!a.alts || !b.alts || a.alts.length * b.alts.length > MAX_ALTS) return fail();
  const out: Const[] = [];
  for (const x of a.alts)
    for (const y of b.alts) {
      const r = f(x, y);
      if (r === undefined) return fail();
      out.push(r);
    }
  return make(out, ops, built, py);
}
function hasString(v: AVal): boolean {
  return !!v.alts?.some((a) => typeof a === 'string');
}
function bounded(s: string): string | undefined {
  return s.length <= MAX_CONST_STRING ? s : undefined;
}

interface Args {
  pos: AVal[];
  kw: Map<string, AVal>;
  spread: boolean;
}

class Scope {
  readonly vars = new Map<string, AVal>();
  constructor(
    readonly parent: Scope | undefined,
    readonly condBase: number,
  ) {}
}

interface Output {
  parts: string[];
  size: number;
  known: boolean;
  ops: Set<string>;
  condBase: number;
}

type Via = 'dot' | 'item' | 'attr' | 'get' | 'path' | 'format';

/** Evaluation steps after which loops are no longer unrolled nor macros expanded. */
const STEP_BUDGET = 400_000;

export class TemplateInterpreter {
  private scope: Scope = new Scope(undefined, 0);
  private cond = 0;
  private steps = 0;
  private exhausted = false;
  private unrollNesting = 0;
  private macroDepth = 0;
  private readonly macros = new Map<string, MacroNode>();
  private readonly expansions = new Map<string, AVal>();
  private readonly outputs: Output[] = [];

  constructor(
    private readonly raw: string,
    private readonly hits: HitCollector,
    private readonly defined: ReadonlySet<string>,
    private readonly deadline: () => void,
  ) {}

  run(program: Node): void {
    this.block((program as ValueNode<Node[]> & { body: Node[] }).body);
  }

  private tick(): void {
    this.steps++;
    if ((this.steps & 0xfff) === 0) this.deadline();
    if (this.steps > STEP_BUDGET) this.exhausted = true;
  }

  // ------------------------------------------------------------------------------------------ scopes

  private lookup(name: string): AVal | undefined {
    for (let s: Scope | undefined = this.scope; s; s = s.parent) {
      const v = s.vars.get(name);
      if (v) return v;
    }
    return undefined;
  }
  private owner(name: string): Scope | undefined {
    for (let s: Scope | undefined = this.scope; s; s = s.parent) if (s.vars.has(name)) return s;
    return undefined;
  }
  private assignIn(scope: Scope, name: string, v: AVal): void {
    let val = v;
    if (this.cond > scope.condBase) {
      const old = scope.vars.get(name) ?? this.lookup(name);
      if (old) val = union(old, v);
    }
    scope.vars.set(name, val);
  }
  private assign(name: string, v: AVal): void {
    this.assignIn(this.scope, name, v);
    if (v.ns) for (const [k, x] of v.ns) this.scope.vars.set(`${name}.${k}`, x);
  }
  private push(): void {
    this.scope = new Scope(this.scope, this.cond);
  }
  private pop(): void {
    this.scope = this.scope.parent ?? this.scope;
  }
  /** A name the template does not define and no scope holds: a global of the rendering environment. */
  private isGlobal(name: string): boolean {
    return !this.defined.has(name) && !this.lookup(name);
  }

  // ------------------------------------------------------------------------------------------ output capture

  private emit(v: AVal): void {
    const out = this.outputs.at(-1);
    if (!out || !out.known) return;
    const c = single(v);
    if (this.cond > out.condBase || c === undefined) {
      out.known = false;
      return;
    }
    const s = pyStr(c);
    out.size += s.length;
    if (out.size > MAX_CONST_STRING) out.known = false;
    else {
      out.parts.push(s);
      for (const o of v.ops) out.ops.add(o);
    }
  }
  private captureBlock(body: Node[]): AVal {
    const out: Output = { parts: [], size: 0, known: true, ops: new Set(), condBase: this.cond };
    this.outputs.push(out);
    try {
      this.block(body);
    } finally {
      this.outputs.pop();
    }
    return out.known
      ? make([out.parts.join('')], [...out.ops], true, false)
      : unknown(false, true, [...out.ops]);
  }

  // ------------------------------------------------------------------------------------------ statements

  private block(stmts: Node[]): void {
    for (const s of stmts) this.stmt(s);
  }

  private stmt(s: Node): void {
    this.tick();
    switch (s.type) {
      case 'StringLiteral':
        // Template text (or a literal output): printed, never used as a name.
        this.emit(konst((s as ValueNode<string>).value));
        return;
      case 'Comment':
      case 'Break':
      case 'Continue':
        return;
      case 'If': {
        const n = s as IfNode;
        this.expr(n.test);
        this.cond++;
        this.block(n.body);
        this.block(n.alternate);
        this.cond--;
        return;
      }
      case 'For':
        this.forLoop(s as ForNode);
        return;
      case 'Set':
        this.setStatement(s as SetNode);
        return;
      case 'Macro':
        this.macroDefinition(s as MacroNode);
        return;
      case 'CallStatement': {
        const n = s as unknown as { call: Node; callerArgs: Node[] | null; body: Node[] };
        this.expr(n.call);
        this.cond++;
        this.push();
        for (const a of n.callerArgs ?? []) this.bindParameter(a, undefined);
        this.captureBlock(n.body);
        this.pop();
        this.cond--;
        return;
      }
      case 'FilterStatement': {
        const n = s as unknown as { filter: Node; body: Node[] };
        const body = this.captureBlock(n.body);
        this.emit(this.filterWith(n.filter, body, undefined));
        return;
      }
      case 'Program':
        this.block((s as unknown as { body: Node[] }).body);
        return;
      default:
        this.emit(this.expr(s));
    }
  }

  private forLoop(n: ForNode): void {
    const it = this.expr(n.iterable);
    const c = single(it);
    const items = c === undefined ? undefined : iterate(c);
    if (items && items.length <= MAX_UNROLL && !this.exhausted && this.unrollNesting < MAX_UNROLL_NESTING) {
      this.unrollNesting++;
      for (const item of items) {
        this.push();
        this.bindTarget(n.loopvar, { alts: [item], ops: it.ops, built: it.built, py: it.py });
        this.block(n.body);
        this.pop();
        if (this.exhausted) break;
      }
      this.unrollNesting--;
      if (items.length === 0) this.block(n.defaultBlock);
      return;
    }
    this.cond++;
    this.push();
    const elems = items && items.length <= MAX_ALTS ? make(items, it.ops, it.built, it.py) : unknown(it.py);
    this.bindTarget(n.loopvar, elems);
    this.block(n.body);
    this.pop();
    this.block(n.defaultBlock);
    this.cond--;
  }

  private setStatement(n: SetNode): void {
    const v = n.value ? this.expr(n.value) : this.captureBlock(n.body);
    this.checkValue(v);
    this.bindTarget(n.assignee, v);
  }

  private bindTarget(t: Node, v: AVal): void {
    switch (t.type) {
      case 'Identifier': {
        const name = (t as ValueNode<string>).value;
        if (isInternalName(name)) this.hits.add(TPL_PYTHON_INTERNALS, name);
        this.assign(name, v);
        return;
      }
      case 'TupleLiteral': {
        const targets = (t as ValueNode<Node[]>).value;
        const c = single(v);
        const items = c === undefined ? undefined : iterate(c);
        targets.forEach((x, i) =>
          this.bindTarget(
            x,
            items && items.length === targets.length
              ? { alts: [items[i]], ops: v.ops, built: v.built, py: v.py }
              : unknown(v.py),
          ),
        );
        return;
      }
      case 'MemberExpression': {
        const m = t as MemberNode;
        if (!m.computed && m.object.type === 'Identifier' && m.property.type === 'Identifier') {
          const obj = (m.object as ValueNode<string>).value;
          const attr = (m.property as ValueNode<string>).value;
          this.checkName(attr, [], false, 'dot', false);
          const scope = this.owner(obj) ?? this.scope;
          this.assignIn(scope, `${obj}.${attr}`, v);
          return;
        }
        this.expr(m);
        return;
      }
      default:
        this.expr(t);
    }
  }

  private bindParameter(p: Node, v: AVal | undefined): void {
    if (p.type === 'Identifier') this.bindTarget(p, v ?? UNKNOWN);
    else if (p.type === 'KeywordArgumentExpression') {
      const k = p as KwNode;
      this.bindTarget(k.key, v ?? this.expr(k.value));
    } else this.expr(p);
  }

  private macroDefinition(n: MacroNode): void {
    this.macros.set(n.name.value, n);
    // Analyse the body once with unknown arguments; calls with constant arguments are expanded where they occur.
    this.cond++;
    this.push();
    for (const a of n.args) this.bindParameter(a, undefined);
    this.captureBlock(n.body);
    this.pop();
    this.cond--;
  }

  private expandMacro(m: MacroNode, args: Args): AVal {
    if (this.exhausted || this.macroDepth >= MAX_MACRO_DEPTH) return unknown(false, true, ['macro']);
    // Same macro, same (abstract) arguments: same output. Keeps recursive macros from expanding exponentially.
    const argKey = (v: AVal): string => (v.alts ? v.alts.map(constKey).join('|') : v.py ? '?py' : '?');
    const key = `${m.name.value}(${args.pos.map(argKey).join(',')};${[...args.kw].map(([k, v]) => `${k}=${argKey(v)}`).join(',')})`;
    const cached = this.expansions.get(key);
    if (cached) return cached;
    this.expansions.set(key, unknown(false, true, ['macro'])); // a recursive call with the same arguments
    const out = this.expandMacroBody(m, args);
    this.expansions.set(key, out);
    return out;
  }

  private expandMacroBody(m: MacroNode, args: Args): AVal {
    this.macroDepth++;
    this.push();
    try {
      m.args.forEach((p, i) => {
        const name = p.type === 'Identifier' ? (p as ValueNode<string>).value : (p as KwNode).key?.value;
        const given = args.pos[i] ?? (name !== undefined ? args.kw.get(name) : undefined);
        this.bindParameter(p, given);
      });
      const out = this.captureBlock(m.body);
      return { ...out, ops: mergeOps(out.ops, ['macro']), built: true };
    } finally {
      this.pop();
      this.macroDepth--;
    }
  }

  // ------------------------------------------------------------------------------------------ expressions

  private expr(n: Node): AVal {
    this.tick();
    const v = this.evaluate(n);
    this.checkValue(v);
    return v;
  }

  private evaluate(n: Node): AVal {
    switch (n.type) {
      case 'StringLiteral':
      case 'IntegerLiteral':
      case 'FloatLiteral':
        return konst((n as ValueNode<string | number>).value);
      case 'Identifier':
        return this.identifier((n as ValueNode<string>).value);
      case 'ArrayLiteral':
      case 'TupleLiteral': {
        const vals = (n as ValueNode<Node[]>).value.map((x) => this.expr(x));
        const py = vals.some((v) => v.py);
        const built = vals.some((v) => v.built);
        const ops = mergeOps(...vals.map((v) => v.ops));
        if (vals.length > MAX_CONST_LIST || vals.some((v) => single(v) === undefined))
          return unknown(py, built, ops);
        return make([vals.map((v) => single(v) as Const)], ops, built, py);
      }
      case 'ObjectLiteral': {
        const entries = [...((n as ValueNode<Map<Node, Node>>).value ?? new Map<Node, Node>())].map(
          ([k, v]) => [this.expr(k), this.expr(v)] as const,
        );
        const all = entries.flat();
        const py = all.some((v) => v.py);
        const ops = mergeOps(...all.map((v) => v.ops));
        const map = new Map<string, Const>();
        for (const [k, v] of entries) {
          const kc = single(k);
          const vc = single(v);
          if (typeof kc !== 'string' || vc === undefined) return unknown(py, false, ops);
          map.set(kc, vc);
        }
        return make([new ConstDict(map)], ops, false, py);
      }
      case 'BinaryExpression':
        return this.binary(n as OpNode);
      case 'UnaryExpression': {
        const u = n as UnaryNode;
        const a = this.expr(u.argument);
        const op = u.operator.value;
        if (op === 'not') return map1(a, (c) => !truthy(c), undefined, false);
        if (op === '-') return map1(a, (c) => (typeof c === 'number' ? -c : undefined));
        if (op === '+') return map1(a, (c) => (typeof c === 'number' ? c : undefined));
        return unknown(a.py);
      }
      case 'MemberExpression':
        return this.member(n as MemberNode, false).value;
      case 'CallExpression':
        return this.call(n as CallNode);
      case 'FilterExpression': {
        const f = n as FilterNode;
        const operand = this.expr(f.operand);
        return this.filterWith(f.filter, operand, this.rootName(f.operand));
      }
      case 'SelectExpression': {
        const s = n as unknown as { lhs: Node; test: Node };
        const lhs = this.expr(s.lhs);
        this.expr(s.test);
        return lhs;
      }
      case 'TestExpression': {
        const t = n as unknown as { operand: Node };
        const v = this.expr(t.operand);
        return unknown(v.py);
      }
      case 'Ternary': {
        const t = n as unknown as { condition: Node; trueExpr: Node; falseExpr: Node };
        const c = this.expr(t.condition);
        const a = this.expr(t.trueExpr);
        const b = this.expr(t.falseExpr);
        const cc = single(c);
        if (cc !== undefined) return truthy(cc) ? a : b;
        return union(a, b);
      }
      case 'KeywordArgumentExpression':
        return this.expr((n as KwNode).value);
      case 'SpreadExpression':
      case 'KeywordSpreadExpression': {
        const v = this.expr((n as UnaryNode).argument);
        return unknown(v.py);
      }
      case 'SliceExpression': {
        const s = n as SliceNode;
        for (const x of [s.start, s.stop, s.step]) if (x) this.expr(x);
        return UNKNOWN;
      }
      default:
        throw new UnsupportedNode(n.type);
    }
  }

  private identifier(name: string): AVal {
    if (isInternalName(name)) this.hits.add(TPL_PYTHON_INTERNALS, name);
    const v = this.lookup(name);
    if (v) return v;
    if (name === 'true' || name === 'True') return konst(true);
    if (name === 'false' || name === 'False') return konst(false);
    if (name === 'none' || name === 'None') return konst(null);
    const py =
      !this.defined.has(name) &&
      (LEAKY_GLOBALS.has(name) ||
        WEB_GLOBALS.has(name) ||
        DANGEROUS_MODULES.has(name) ||
        isInternalName(name));
    return unknown(py);
  }

  /** The global name an expression is, when it is a bare identifier the template does not define. */
  private rootName(n: Node): string | undefined {
    if (n.type !== 'Identifier') return undefined;
    const name = (n as ValueNode<string>).value;
    return this.isGlobal(name) ? name : undefined;
  }

  private binary(n: OpNode): AVal {
    const op = n.operator.value;
    const l = this.expr(n.left);
    const r = this.expr(n.right);
    const stringy = hasString(l) || hasString(r) || l.built || r.built;
    switch (op) {
      case '~':
        return map2(l, r, (a, b) => bounded(pyStr(a) + pyStr(b)), 'concat', true);
      case '+':
        return map2(
          l,
          r,
          (a, b) => {
            if (typeof a === 'string' && typeof b === 'string') return bounded(a + b);
            if (typeof a === 'number' && typeof b === 'number') return a + b;
            if (Array.isArray(a) && Array.isArray(b))
              return [...a, ...b].length <= MAX_CONST_LIST ? [...a, ...b] : undefined;
            return undefined;
          },
          stringy ? 'concat' : undefined,
          stringy,
        );
      case '*':
        return map2(
          l,
          r,
          (a, b) => {
            const rep = (x: Const, k: Const): Const | undefined => {
              if (typeof k !== 'number' || !Number.isInteger(k)) return undefined;
              const times = Math.max(0, k);
              if (typeof x === 'string')
                return x.length * times <= MAX_CONST_STRING ? x.repeat(times) : undefined;
              if (Array.isArray(x) && x.length * times <= MAX_CONST_LIST)
                return Array.from({ length: times }, () => x as Const[]).flat();
              return undefined;
            };
            if (typeof a === 'number' && typeof b === 'number') return a * b;
            return rep(a, b) ?? rep(b, a);
          },
          stringy ? 'repeat' : undefined,
          stringy,
        );
      case '%':
        return map2(
          l,
          r,
          (a, b) => {
            if (typeof a === 'string') return percentFormat(a, b);
            if (typeof a === 'number' && typeof b === 'number' && b !== 0) return ((a % b) + b) % b;
            return undefined;
          },
          stringy ? 'format' : undefined,
          stringy,
        );
      case '-':
      case '/':
      case '//':
      case '**':
        return map2(
          l,
          r,
          (a, b) => {
            if (typeof a !== 'number' || typeof b !== 'number') return undefined;
            if (op === '-') return a - b;
            if (op === '**') return Math.abs(b) <= 64 ? a ** b : undefined;
            if (b === 0) return undefined;
            return op === '/' ? a / b : Math.floor(a / b);
          },
          undefined,
          false,
        );
      case 'and': {
        const lc = single(l);
        if (lc !== undefined) return truthy(lc) ? r : l;
        return union(l, r);
      }
      case 'or': {
        const lc = single(l);
        if (lc !== undefined) return truthy(lc) ? l : r;
        return union(l, r);
      }
      default:
        return unknown(l.py || r.py);
    }
  }

  /** Evaluates `obj.name` / `obj[key]`; `called` when it is the callee of a call. */
  private member(n: MemberNode, called: boolean): { obj: AVal; key: AVal; value: AVal } {
    return this.memberOn(this.expr(n.object), this.rootName(n.object), n, called);
  }

  /** `obj.name` / `obj[key]` / `obj[a:b:c]` on an already evaluated object. */
  private memberOn(
    obj: AVal,
    root: string | undefined,
    n: MemberNode,
    called: boolean,
  ): { obj: AVal; key: AVal; value: AVal } {
    if (!n.computed) {
      const p = n.property;
      const name =
        p.type === 'Identifier' ? (p as ValueNode<string>).value : String((p as ValueNode<number>).value);
      const key = konst(name);
      // namespace attributes and values assigned with {% set ns.attr = … %}
      if (n.object.type === 'Identifier') {
        const stored = this.lookup(`${(n.object as ValueNode<string>).value}.${name}`);
        if (stored) {
          this.checkName(name, [], obj.py, 'dot', called);
          return { obj, key, value: stored };
        }
      }
      return { obj, key, value: this.access(obj, root, key, 'dot', called) };
    }
    if (n.property.type === 'SliceExpression') {
      const s = n.property as SliceNode;
      const part = (x: Node | undefined): AVal => (x ? this.expr(x) : konst(null));
      const [a, b, st] = [part(s.start), part(s.stop), part(s.step)];
      const [ac, bc, sc] = [single(a), single(b), single(st)];
      const num = (c: Const | undefined): number | null | undefined =>
        c === null ? null : typeof c === 'number' ? c : undefined;
      const [an, bn, sn] = [num(ac), num(bc), num(sc)];
      if (an === undefined || bn === undefined || sn === undefined)
        return { obj, key: UNKNOWN, value: unknown(obj.py) };
      const value = map1(
        obj,
        (c) => {
          if (typeof c === 'string') {
            const chars = [...c];
            const idx = sliceIndices(chars.length, an, bn, sn);
            return idx?.map((i) => chars[i]).join('');
          }
          if (Array.isArray(c)) {
            const idx = sliceIndices(c.length, an, bn, sn);
            return idx?.map((i) => (c as Const[])[i]);
          }
          return undefined;
        },
        'slice',
      );
      return { obj, key: UNKNOWN, value };
    }
    const key = this.expr(n.property);
    return { obj, key, value: this.access(obj, root, key, 'item', called) };
  }

  /**
   * One attribute/item access: reports dangerous names (resolved through folding), leaky roots and unresolvable
   * computed names, and returns the accessed value when both sides are constants.
   */
  private access(obj: AVal, root: string | undefined, key: AVal, via: Via, called: boolean): AVal {
    let py = obj.py || key.py;
    if (root) {
      if (LEAKY_GLOBALS.has(root)) {
        this.hits.add(TPL_LEAKY_GLOBAL, root);
        py = true;
      } else if (WEB_GLOBALS.has(root)) {
        this.hits.add(TPL_LEAKY_GLOBAL, root, { variant: 'web', impact: 'suspicious', severity: 'medium' });
        py = true;
      } else if (DANGEROUS_MODULES.has(root)) {
        this.hits.add(TPL_CODE_EXECUTION, root);
        py = true;
      }
    }
    if (!key.alts) {
      if (via === 'attr' || ((via === 'item' || via === 'get') && key.built)) {
        const core = key.parts?.map(dunderCore).find((c) => c !== undefined);
        if (core) {
          // Built from pieces of a special name ('globals', '__'…) plus values only known at render time.
          this.hits.add(TPL_PYTHON_INTERNALS, `__${core}__`);
          this.hits.add(TPL_OBFUSCATED, `__${core}__`, { ops: mergeOps(key.ops, ['partial']) });
          return unknown(true);
        }
        this.hits.add(TPL_DYNAMIC_ATTRIBUTE, via === 'attr' ? '|attr(<computed>)' : '[<computed string>]');
      }
      return unknown(py);
    }
    for (const alt of key.alts) {
      if (typeof alt !== 'string') continue;
      const segs = via === 'path' ? alt.split('.') : [alt];
      for (const seg of segs) {
        if (this.checkName(seg, key.ops, obj.py || py, via, called)) py = true;
      }
    }
    const o = single(obj);
    const k = single(key);
    if (o !== undefined && k !== undefined) {
      let r: Const | undefined;
      if (o instanceof ConstDict && typeof k === 'string') r = o.map.get(k);
      else if ((typeof o === 'string' || Array.isArray(o)) && typeof k === 'number' && Number.isInteger(k)) {
        const seq = typeof o === 'string' ? [...o] : (o as Const[]);
        r = seq[k < 0 ? seq.length + k : k];
      }
      if (r !== undefined) return { alts: [r], ops: mergeOps(obj.ops, key.ops), built: obj.built, py };
    }
    return unknown(py);
  }

  /** Checks one resolved attribute/item name. Returns true when it leads into Python internals. */
  private checkName(
    name: string,
    ops: readonly string[],
    objPy: boolean,
    via: Via,
    called: boolean,
  ): boolean {
    const obfuscated = (): string[] | undefined => this.obfuscation(name, ops);
    if (isInternalName(name)) {
      this.hits.add(TPL_PYTHON_INTERNALS, name);
      if (name === '__import__' || name === '__builtins__') this.hits.add(TPL_CODE_EXECUTION, name);
      const obf = obfuscated();
      if (obf) this.hits.add(TPL_OBFUSCATED, name, { ops: obf });
      return true;
    }
    if (
      EXEC_MEMBERS.has(name) ||
      (called && EXEC_CALLED_MEMBERS.has(name)) ||
      (objPy && (DANGEROUS_MODULES.has(name) || EXEC_CALLED_MEMBERS.has(name)))
    ) {
      this.hits.add(TPL_CODE_EXECUTION, name);
      const obf = obfuscated();
      if (obf) this.hits.add(TPL_OBFUSCATED, name, { ops: obf });
      return true;
    }
    // Private attributes; an item key such as message['_meta'] is only a dictionary key.
    if (isPrivateName(name) && (via === 'dot' || via === 'attr' || via === 'path')) {
      this.hits.add(TPL_PRIVATE_ATTRIBUTE, name);
      return objPy;
    }
    return false;
  }

  /** How a resolved name was hidden: the operations that built it, or escapes / literal splitting. */
  private obfuscation(name: string, ops: readonly string[]): string[] | undefined {
    if (ops.length) return [...ops];
    if (this.raw.includes(name)) return undefined;
    return [/\\[xuUN0-7]/.test(this.raw) ? 'escape' : 'concat'];
  }

  /** A string constant that names Python internals (`'__class__'`, `'a.__globals__'`) anywhere in an expression. */
  private checkValue(v: AVal): void {
    if (!v.alts) return;
    for (const a of v.alts) {
      if (typeof a !== 'string' || a.length > 256 || a.length < 5 || !a.includes('__')) continue;
      if (!/^[\w.]+$/.test(a.trim())) continue;
      for (const seg of a.trim().split('.')) {
        // Only names Python objects really have: a reversed or partial dunder is a building block, not an access.
        if (!KNOWN_DUNDERS.has(seg) && !(isInternalName(seg) && !seg.startsWith('__'))) continue;
        this.hits.add(TPL_PYTHON_INTERNALS, seg);
        const obf = this.obfuscation(seg, v.ops);
        if (obf) this.hits.add(TPL_OBFUSCATED, seg, { ops: obf });
      }
    }
  }

  private args(nodes: Node[]): Args {
    const out: Args = { pos: [], kw: new Map(), spread: false };
    for (const a of nodes) {
      if (a.type === 'KeywordArgumentExpression') {
        const k = a as KwNode;
        const name = k.key.value;
        if (isInternalName(name)) {
          this.hits.add(TPL_PYTHON_INTERNALS, name);
          this.hits.add(TPL_OBFUSCATED, name, { ops: ['dict-key'] });
        }
        out.kw.set(name, this.expr(k.value));
      } else if (a.type === 'SpreadExpression' || a.type === 'KeywordSpreadExpression') {
        this.expr(a);
        out.spread = true;
      } else out.pos.push(this.expr(a));
    }
    return out;
  }

  private call(n: CallNode): AVal {
    const callee = n.callee;
    if (callee.type === 'Identifier') {
      const name = (callee as ValueNode<string>).value;
      const args = this.args(n.args);
      const fn = this.identifier(name);
      const macro = this.macros.get(name);
      if (macro && !this.lookup(name)) return this.expandMacro(macro, args);
      if (!this.isGlobal(name)) return unknown(fn.py);
      if (EXEC_ROOT_CALLS.has(name)) this.hits.add(TPL_CODE_EXECUTION, `${name}()`);
      switch (name) {
        case 'dict': {
          if (args.pos.length || args.spread) return UNKNOWN;
          const map = new Map<string, Const>();
          for (const [k, v] of args.kw) {
            const c = single(v);
            if (c === undefined) return unknown(false, false, ['dict-key']);
            map.set(k, c);
          }
          return make([new ConstDict(map)], ['dict-key'], true, false);
        }
        case 'range': {
          const nums = args.pos.map((a) => single(a));
          if (nums.some((x) => typeof x !== 'number')) return UNKNOWN;
          const [a, b, s] =
            nums.length === 1
              ? [0, nums[0] as number, 1]
              : [nums[0] as number, nums[1] as number, (nums[2] as number) ?? 1];
          if (s === 0 || Math.abs((b - a) / s) > MAX_CONST_LIST) return UNKNOWN;
          const out: number[] = [];
          for (let i = a; s > 0 ? i < b : i > b; i += s) out.push(i);
          return konst(out);
        }
        case 'namespace': {
          const ns = new Map(args.kw);
          return { ...UNKNOWN, ns };
        }
        default:
          return unknown(false);
      }
    }
    if (callee.type === 'MemberExpression') {
      const m = this.member(callee as MemberNode, true);
      const args = this.args(n.args);
      const method = single(m.key);
      if (typeof method === 'string') {
        const folded = this.method(m.obj, method, args);
        if (folded) return folded;
        if (m.value.py && /^(__import__|import_module)$/.test(method)) this.moduleArgument(args);
      } else if (m.value.py) this.moduleArgument(args);
      return unknown(m.value.py);
    }
    const fn = this.expr(callee);
    const args = this.args(n.args);
    if (fn.py) this.moduleArgument(args);
    return unknown(fn.py);
  }

  /** `__import__('os')` and friends reached through internals: report the module. */
  private moduleArgument(args: Args): void {
    const first = args.pos[0];
    if (!first?.alts) return;
    for (const a of first.alts)
      if (typeof a === 'string' && DANGEROUS_MODULES.has(a)) {
        this.hits.add(TPL_CODE_EXECUTION, a);
        const obf = this.obfuscation(a, first.ops);
        if (obf) this.hits.add(TPL_OBFUSCATED, a, { ops: obf });
      }
  }

  /** Method calls on constants (`'{}'.format`, `''.join`, `.replace`) and item getters (`.get(key)`). */
  private method(obj: AVal, name: string, args: Args): AVal | undefined {
    const a0 = args.pos[0];
    if (name === 'get' || name === 'pop' || name === 'setdefault' || name === '__getitem__') {
      if (!a0) return undefined;
      const v = this.access(obj, undefined, a0, 'get', false);
      return v.alts ? v : a0 && args.pos[1] ? union(v, args.pos[1]) : v;
    }
    const o = single(obj);
    if (o instanceof ConstDict) {
      if (name === 'keys') return { ...obj, alts: [[...o.map.keys()]] };
      if (name === 'values') return { ...obj, alts: [[...o.map.values()]] };
      if (name === 'items') return { ...obj, alts: [[...o.map].map(([k, v]) => [k, v])] };
      return undefined;
    }
    if (!hasString(obj) && !(name === 'format' && obj.alts === null)) return undefined;
    switch (name) {
      case 'format': {
        if (!obj.alts) return undefined;
        const pos = args.pos.map((a) => single(a));
        const kwc = new Map<string, Const>();
        let allKnown = !args.spread && pos.every((x) => x !== undefined);
        for (const [k, v] of args.kw) {
          const c = single(v);
          if (c === undefined) allKnown = false;
          else kwc.set(k, c);
        }
        return map1(
          obj,
          (fmt) => {
            if (typeof fmt !== 'string') return undefined;
            const { result, fields } = strFormat(fmt, allKnown ? (pos as Const[]) : undefined, kwc);
            for (const f of fields) {
              const argVal = /^\d+$/.test(f.arg)
                ? args.pos[Number(f.arg)]
                : f.arg
                  ? args.kw.get(f.arg)
                  : undefined;
              for (const acc of f.accessors)
                this.checkName(acc, obj.ops, argVal?.py ?? false, 'format', false);
            }
            return result;
          },
          'format',
          true,
        );
      }
      case 'join': {
        const list = a0 ? single(a0) : undefined;
        if (list === undefined) return unknown(a0?.py ?? false, true, mergeOps(obj.ops, a0?.ops ?? []));
        const items = iterate(list);
        if (!items) return undefined;
        return map1(
          { ...obj, ops: mergeOps(obj.ops, a0?.ops ?? []) },
          (sep) => (typeof sep === 'string' ? bounded(items.map(pyStr).join(sep)) : undefined),
          'join',
          true,
        );
      }
      case 'replace': {
        const from = args.pos[0] ? single(args.pos[0]) : undefined;
        const to = args.pos[1] ? single(args.pos[1]) : undefined;
        if (typeof from !== 'string' || typeof to !== 'string') return undefined;
        return map1(
          obj,
          (s) => (typeof s === 'string' ? bounded(from === '' ? s : s.split(from).join(to)) : undefined),
          'replace',
          true,
        );
      }
      case 'lower':
      case 'upper':
      case 'swapcase':
      case 'title':
      case 'capitalize':
      case 'casefold':
        return map1(obj, (s) => (typeof s === 'string' ? caseChange(s, name) : undefined), 'case', true);
      case 'strip':
      case 'lstrip':
      case 'rstrip': {
        const chars = a0 ? single(a0) : null;
        if (chars !== null && typeof chars !== 'string') return undefined;
        return map1(
          obj,
          (s) => (typeof s === 'string' ? stripChars(s, chars, name) : undefined),
          'strip',
          obj.built,
        );
      }
      default:
        return undefined;
    }
  }

  // ------------------------------------------------------------------------------------------ filters

  /**
   * Applies a filter node. The parser folds postfix operations after a filter into the filter node
   * (`x|attr('a')()`, `x|attr('a').b`), so calls and member accesses wrapping the filter are applied to its result.
   */
  private filterWith(filter: Node, operand: AVal, root: string | undefined): AVal {
    if (filter.type === 'Identifier')
      return this.applyFilter(
        (filter as ValueNode<string>).value,
        operand,
        { pos: [], kw: new Map(), spread: false },
        root,
      );
    if (filter.type === 'CallExpression') {
      const c = filter as CallNode;
      if (c.callee.type === 'Identifier')
        return this.applyFilter((c.callee as ValueNode<string>).value, operand, this.args(c.args), root);
      let fn: AVal;
      if (c.callee.type === 'MemberExpression') {
        const m = c.callee as MemberNode;
        fn = this.memberOn(this.filterWith(m.object, operand, root), undefined, m, true).value;
      } else fn = this.filterWith(c.callee, operand, root);
      const args = this.args(c.args);
      if (fn.py) this.moduleArgument(args);
      return unknown(fn.py);
    }
    if (filter.type === 'MemberExpression') {
      const m = filter as MemberNode;
      return this.memberOn(this.filterWith(m.object, operand, root), undefined, m, false).value;
    }
    throw new UnsupportedNode(filter.type);
  }

  private applyFilter(name: string, v: AVal, args: Args, root: string | undefined): AVal {
    const a0 = args.pos[0];
    const elem = (): AVal => unknown(v.py);
    const attributeKw = (): void => {
      const at = args.kw.get('attribute');
      if (at) this.access(elem(), undefined, at, 'path', false);
    };
    switch (name) {
      case 'attr':
        return this.access(v, root, a0 ?? UNKNOWN, 'attr', false);
      case 'map': {
        attributeKw();
        if (args.kw.has('attribute')) return unknown(v.py);
        const fname = a0 ? single(a0) : undefined;
        if (typeof fname !== 'string') return unknown(v.py);
        const rest: Args = { pos: args.pos.slice(1), kw: args.kw, spread: args.spread };
        if (fname === 'attr') {
          this.access(elem(), undefined, rest.pos[0] ?? UNKNOWN, 'attr', false);
          return unknown(v.py);
        }
        const c = single(v);
        const items = c === undefined ? undefined : iterate(c);
        if (!items || items.length > MAX_CONST_LIST) return unknown(v.py, v.built, v.ops);
        const mapped = items.map((x) =>
          this.applyFilter(fname, { alts: [x], ops: [], built: false, py: v.py }, rest, undefined),
        );
        if (mapped.some((x) => single(x) === undefined))
          return unknown(v.py, true, mergeOps(v.ops, ...mapped.map((x) => x.ops)));
        return make(
          [mapped.map((x) => single(x) as Const)],
          mergeOps(v.ops, ...mapped.map((x) => x.ops)),
          true,
          v.py,
        );
      }
      case 'selectattr':
      case 'rejectattr':
        if (a0) this.access(elem(), undefined, a0, 'path', false);
        return unknown(v.py);
      case 'sort':
      case 'unique':
      case 'min':
      case 'max':
      case 'sum':
      case 'groupby':
      case 'dictsort': {
        attributeKw();
        if (name === 'groupby' && a0) this.access(elem(), undefined, a0, 'path', false);
        const c = single(v);
        if (
          (name === 'sort' || name === 'unique') &&
          Array.isArray(c) &&
          c.every((x) => typeof x === 'string')
        ) {
          const arr = [...(c as string[])];
          const out = name === 'sort' ? arr.sort() : [...new Set(arr)];
          return make([out], mergeOps(v.ops, [name]), v.built, v.py);
        }
        return unknown(v.py);
      }
      case 'join': {
        attributeKw();
        const sep = a0 ? single(a0) : '';
        if (typeof sep !== 'string') return unknown(v.py, true, v.ops);
        return map1(
          v,
          (c) => {
            const items = iterate(c);
            return items ? bounded(items.map(pyStr).join(sep)) : undefined;
          },
          'join',
          true,
        );
      }
      case 'reverse':
        return map1(
          v,
          (c) =>
            typeof c === 'string'
              ? [...c].reverse().join('')
              : Array.isArray(c)
                ? [...c].reverse()
                : undefined,
          'reverse',
          true,
        );
      case 'lower':
      case 'upper':
      case 'capitalize':
      case 'title':
        return map1(v, (c) => caseChange(pyStr(c), name), 'case', true);
      case 'trim': {
        const chars = a0 ? single(a0) : null;
        if (chars !== null && typeof chars !== 'string') return unknown(v.py);
        return map1(v, (c) => stripChars(pyStr(c), chars, 'strip'), 'strip', v.built);
      }
      case 'replace': {
        const from = a0 ? single(a0) : undefined;
        const to = args.pos[1] ? single(args.pos[1]) : undefined;
        if (typeof from !== 'string' || typeof to !== 'string') return unknown(v.py, true, v.ops);
        return map1(
          v,
          (c) => bounded(from === '' ? pyStr(c) : pyStr(c).split(from).join(to)),
          'replace',
          true,
        );
      }
      case 'format': {
        const vals = args.pos.map((a) => single(a));
        let arg: Const;
        if (args.kw.size) {
          const m = new Map<string, Const>();
          for (const [k, x] of args.kw) {
            const c = single(x);
            if (c === undefined) return unknown(v.py, true, v.ops);
            m.set(k, c);
          }
          arg = new ConstDict(m);
        } else {
          if (vals.some((x) => x === undefined)) return unknown(v.py, true, v.ops);
          arg = vals as Const[];
        }
        const ops = mergeOps(v.ops, ...args.pos.map((a) => a.ops));
        return map1(
          { ...v, ops },
          (c) => (typeof c === 'string' ? percentFormat(c, arg) : undefined),
          'format',
          true,
        );
      }
      case 'string':
        return map1(v, (c) => pyStr(c));
      case 'list':
        return map1(v, (c) => iterate(c), 'list');
      case 'first':
      case 'last':
        return map1(v, (c) => {
          const items = iterate(c);
          if (!items || !items.length) return undefined;
          return name === 'first' ? items[0] : items[items.length - 1];
        });
      case 'random': {
        const c = single(v);
        const items = c === undefined ? undefined : iterate(c);
        if (!items || !items.length || items.length > MAX_ALTS) return unknown(v.py);
        return make(items, v.ops, v.built, v.py);
      }
      case 'int':
      case 'float':
        return map1(v, (c) => {
          if (typeof c === 'number') return name === 'int' ? Math.trunc(c) : c;
          if (typeof c === 'boolean') return c ? 1 : 0;
          if (typeof c === 'string' && /^\s*[+-]?\d+(\.\d+)?\s*$/.test(c))
            return name === 'int' ? Math.trunc(Number(c)) : Number(c);
          return undefined;
        });
      case 'length':
      case 'count':
        return map1(v, (c) => iterate(c)?.length, undefined, false);
      case 'default':
      case 'd':
        if (!a0) return v;
        if (!v.alts) return { ...a0, py: a0.py || v.py };
        return union(v, a0);
      case 'safe':
      case 'e':
      case 'escape':
      case 'forceescape':
        return map1(v, (c) => (typeof c === 'string' && !/[<>&'"]/.test(c) ? c : undefined));
      case 'items':
        return map1(v, (c) => (c instanceof ConstDict ? [...c.map].map(([k, x]) => [k, x]) : undefined));
      default:
        return unknown(v.py);
    }
  }
}

function caseChange(s: string, how: string): string {
  switch (how) {
    case 'lower':
    case 'casefold':
      return s.toLowerCase();
    case 'upper':
      return s.toUpperCase();
    case 'swapcase':
      return [...s].map((ch) => (ch === ch.toUpperCase() ? ch.toLowerCase() : ch.toUpperCase())).join('');
    case 'capitalize':
      return s.slice(0, 1).toUpperCase() + s.slice(1).toLowerCase();
    default:
      return s
        .toLowerCase()
        .replace(/(^|[^A-Za-z])([a-z])/g, (_m, p: string, c: string) => p + c.toUpperCase());
  }
}

function stripChars(s: string, chars: string | null, how: string): string {
  const set = chars === null ? null : new Set(chars);
  const strip = (ch: string): boolean => (set ? set.has(ch) : /\s/.test(ch));
  let a = 0;
  let b = s.length;
  if (how !== 'rstrip') while (a < b && strip(s[a])) a++;
  if (how !== 'lstrip') while (b > a && strip(s[b - 1])) b--;
  return s.slice(a, b);
}

const DUNDER_CORES = new Set([
  'globals',
  'builtins',
  'subclasses',
  'mro',
  'getattribute',
  'import',
  'class',
  'base',
  'bases',
  'init',
  'dict',
  'code',
  'func',
  'closure',
  'reduce',
]);

/** The special name a string piece spells ('globals', '__glo'-less 'globals__', '__class'), if any. */
function dunderCore(part: string): string | undefined {
  const core = part.replace(/_/g, '').toLowerCase();
  if (DUNDER_CORES.has(core) && (part.includes('_') || core.length >= 5)) return core;
  return undefined;
}
