import { ParseError } from '../../../core/errors.js';
import type { GraphCollector, OpHit, Scope } from './graph-walk.js';
import { ATTRS_OF_INTEREST, CONDITIONAL_OPS, opPolicy } from './op-policy.js';

/**
 * Protobuf text format (`saved_model.pbtxt`, `graph.pbtxt`): TensorFlow loads these exactly like the binary files.
 * A small tokenizer walks the messages and fills a {@link GraphCollector} with the same facts as the binary walk
 * (nodes, functions, string constants, saver scopes, assets), so the same policy applies.
 */

/** How a text file starts: the first field name decides what it is. */
export function textGraphKind(head: Uint8Array): 'saved-model' | 'meta-graph' | 'graph-def' | undefined {
  let i = 0;
  const n = Math.min(head.length, 4096);
  const ws = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
  while (i < n) {
    while (i < n && ws(head[i])) i++;
    if (head[i] !== 0x23) break; // '#' comment line
    while (i < n && head[i] !== 0x0a) i++;
  }
  const rest = Buffer.from(head.subarray(i, Math.min(n, i + 64))).toString('latin1');
  const m = /^([a-z_]+)\s*(:|\{|<)/.exec(rest);
  if (!m) return undefined;
  switch (m[1]) {
    case 'saved_model_schema_version':
    case 'meta_graphs':
      return 'saved-model';
    case 'meta_info_def':
      return 'meta-graph';
    case 'node':
      return m[2] === ':' ? undefined : 'graph-def';
  }
  return undefined;
}

type Token = { t: 'id' | 'str' | 'p'; v: string; at: number };

function* tokenize(text: string): Generator<Token> {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x2c || c === 0x3b) {
      i++;
      continue;
    }
    if (c === 0x23) {
      while (i < n && text.charCodeAt(i) !== 0x0a) i++;
      continue;
    }
    if (c === 0x22 || c === 0x27) {
      const at = i;
      let out = '';
      i++;
      while (i < n && text.charCodeAt(i) !== c) {
        if (text[i] === '\\' && i + 1 < n) {
          const e = text[i + 1];
          if (e === 'n') out += '\n';
          else if (e === 't') out += '\t';
          else if (/[0-7]/.test(e)) {
            const oct = /^[0-7]{1,3}/.exec(text.slice(i + 1, i + 4))![0];
            out += String.fromCharCode(parseInt(oct, 8));
            i += oct.length - 1;
          } else if (e === 'x') {
            const hex = /^[0-9a-fA-F]{1,2}/.exec(text.slice(i + 2, i + 4))?.[0] ?? '';
            out += String.fromCharCode(parseInt(hex || '0', 16));
            i += hex.length;
          } else out += e;
          i += 2;
        } else out += text[i++];
        if (out.length > 65_536)
          throw new ParseError('string longer than 64 KiB in text-format protobuf', at);
      }
      if (i >= n) throw new ParseError('unterminated string in text-format protobuf', at);
      i++;
      yield { t: 'str', v: out, at };
      continue;
    }
    if ('{}<>[]:'.includes(text[i])) {
      yield { t: 'p', v: text[i], at: i };
      i++;
      continue;
    }
    const at = i;
    while (i < n && /[A-Za-z0-9_.+\-/]/.test(text[i])) i++;
    if (i === at)
      throw new ParseError(`unexpected character ${JSON.stringify(text[i])} in text-format protobuf`, at);
    yield { t: 'id', v: text.slice(at, i), at };
  }
}

interface NodeRec {
  scope: Scope;
  name: string;
  op: string;
  inputs: string[];
  attrs: Map<string, string[]>;
  attrKey: string;
  strings: string[];
  dtypeString: boolean;
}

interface Frame {
  field: string;
  node?: NodeRec;
  scope?: Scope;
  close: string;
}

/** Walks a text-format graph file into `gc` (the collector's protobuf reader is not used). */
export function walkTextGraph(text: string, gc: GraphCollector, maxDepth = 100): void {
  const stack: Frame[] = [];
  let graphScope: Scope | undefined;
  let metaIndex = 0;
  let assetTensor = '';
  let assetFile = '';
  const scopeOf = (): Scope => {
    for (let i = stack.length - 1; i >= 0; i--) if (stack[i].scope) return stack[i].scope!;
    if (!graphScope) {
      graphScope = gc.newScope('graph', 'graph');
      gc.graphs++;
    }
    return graphScope;
  };
  const nodeOf = (): NodeRec | undefined => {
    for (let i = stack.length - 1; i >= 0; i--) if (stack[i].node) return stack[i].node;
    return undefined;
  };
  let field: string | undefined;
  let sawColon = false;
  let inList = false;
  let extension: string | undefined;
  for (const tok of tokenize(text)) {
    if (extension !== undefined) {
      // "[type.googleapis.com/...]" extension or Any field name
      if (tok.t === 'p' && tok.v === ']') {
        field = extension;
        extension = undefined;
      } else extension += tok.v;
      continue;
    }
    if (tok.t === 'p' && (tok.v === '{' || tok.v === '<')) {
      if (field === undefined) throw new ParseError('message without a field name', tok.at);
      if (stack.length >= maxDepth)
        throw new ParseError(`text-format messages nested deeper than ${maxDepth}`, tok.at);
      const frame: Frame = { field, close: tok.v === '{' ? '}' : '>' };
      const parent = stack.at(-1)?.field;
      if (field === 'meta_graphs') {
        graphScope = gc.newScope('graph', `meta_graph[${metaIndex++}]`);
        frame.scope = graphScope;
      }
      if (field === 'graph_def') {
        gc.graphs++;
        if (!graphScope) frame.scope = graphScope = gc.newScope('graph', 'graph');
      }
      if (field === 'function' && parent === 'library') {
        frame.scope = gc.newScope('function', '');
        gc.functions++;
      }
      const isNode =
        (field === 'node' && (parent === undefined || parent === 'graph_def')) ||
        (field === 'node_def' && parent === 'function');
      if (isNode)
        frame.node = {
          scope: scopeOf(),
          name: '',
          op: '',
          inputs: [],
          attrs: new Map(),
          attrKey: '',
          strings: [],
          dtypeString: false,
        };
      if (field === 'asset_file_def') {
        assetTensor = '';
        assetFile = '';
      }
      stack.push(frame);
      field = undefined;
      sawColon = false;
      continue;
    }
    if (tok.t === 'p' && (tok.v === '}' || tok.v === '>')) {
      const frame = stack.pop();
      if (!frame || frame.close !== tok.v)
        throw new ParseError('unbalanced braces in text-format protobuf', tok.at);
      if (frame.node) finishNode(gc, frame.node);
      if (frame.scope?.kind === 'function') gc.functionNames.add(frame.scope.name);
      if (frame.field === 'attr') {
        const node = nodeOf();
        if (node && node.attrKey) {
          if (node.op !== 'Const') node.attrs.set(node.attrKey, node.strings.slice(0, 16));
          else if (node.attrKey === 'value' && node.dtypeString)
            node.attrs.set('value', node.strings.slice(0, 4));
        }
        if (node) {
          node.attrKey = '';
          node.strings = [];
          node.dtypeString = false;
        }
      }
      if (frame.field === 'asset_file_def') {
        if (gc.assetFiles.length < 10_000) gc.assetFiles.push(assetFile);
        if (assetTensor) scopeOf().assetTensors.set(assetTensor.split(':')[0], assetFile);
      }
      field = undefined;
      inList = false;
      continue;
    }
    if (tok.t === 'p' && tok.v === ':') {
      sawColon = true;
      continue;
    }
    if (tok.t === 'p' && tok.v === '[') {
      if (field === undefined) extension = '';
      else inList = true;
      continue;
    }
    if (tok.t === 'p' && tok.v === ']') {
      inList = false;
      field = undefined;
      continue;
    }
    if (field === undefined) {
      if (tok.t === 'id') {
        field = tok.v;
        sawColon = false;
      }
      // an adjacent string literal continues the previous one: ignored
      continue;
    }
    if (!sawColon)
      throw new ParseError(`unexpected ${JSON.stringify(tok.v)} in text-format protobuf`, tok.at);
    scalar(
      gc,
      stack,
      field,
      tok,
      nodeOf(),
      scopeOf,
      (t) => (assetTensor = t),
      (f) => (assetFile = f),
    );
    if (!inList) field = undefined;
  }
  if (stack.length) throw new ParseError('text-format protobuf ends inside a message', text.length);
}

function scalar(
  gc: GraphCollector,
  stack: Frame[],
  field: string,
  tok: Token,
  node: NodeRec | undefined,
  scopeOf: () => Scope,
  setAssetTensor: (t: string) => void,
  setAssetFile: (f: string) => void,
): void {
  const parent = stack.at(-1)?.field;
  const path = stack.map((f) => f.field).join('.');
  const v = tok.v;
  if (parent === 'signature' && field === 'name' && stack.at(-2)?.field === 'function') {
    const s = stack.at(-2)!.scope;
    if (s) s.name = v;
    return;
  }
  if (node && stack.at(-1)?.node === node) {
    if (field === 'name') node.name = v;
    else if (field === 'op') node.op = v;
    else if (field === 'input' && node.inputs.length < 8) node.inputs.push(v);
    return;
  }
  if (node) {
    if (parent === 'attr' && field === 'key') node.attrKey = v;
    else if ((field === 's' || field === 'string_val') && node.strings.length < 16) node.strings.push(v);
    else if (field === 'dtype' && v === 'DT_STRING' && parent === 'tensor') node.dtypeString = true;
    return;
  }
  if (path.endsWith('saver_def') && /_name$/.test(field)) {
    const slash = v.lastIndexOf('/');
    if (slash > 0) scopeOf().saverScopes.push(v.slice(0, slash + 1));
    return;
  }
  if (path.endsWith('meta_info_def') && field === 'tags' && gc.tags.length < 64) gc.tags.push(v);
  else if (path.endsWith('meta_info_def') && field === 'tensorflow_version') gc.tfVersion = v;
  else if (path.endsWith('asset_file_def') && field === 'filename') setAssetFile(v);
  else if (path.endsWith('asset_file_def.tensor_info') && field === 'name') setAssetTensor(v);
}

function finishNode(gc: GraphCollector, n: NodeRec): void {
  gc.nodes++;
  const count = gc.ops.get(n.op);
  if (count !== undefined) gc.ops.set(n.op, count + 1);
  else if (gc.ops.size < 20_000) {
    gc.ops.set(n.op, 1);
    gc.firstUse.set(n.op, `${n.scope.name}: ${n.name}`);
  }
  if (n.op === 'Const') {
    const values = n.attrs.get('value');
    if (values) n.scope.consts.set(n.name, values);
    return;
  }
  if (opPolicy(n.op) === undefined && !CONDITIONAL_OPS.has(n.op) && !(n.op in ATTRS_OF_INTEREST)) return;
  if (gc.hits.length >= 2_000) {
    gc.dropHit(n.op, n.scope, n.name);
    return;
  }
  const hit: OpHit = { scope: n.scope, node: n.name, op: n.op, inputs: n.inputs, attrs: n.attrs };
  gc.hits.push(hit);
}
