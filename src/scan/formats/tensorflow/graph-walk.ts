import { LimitError, ParseError } from '../../../core/errors.js';
import { ProtoReader, WIRE_LEN, WIRE_VARINT, type ProtoField } from '../protobuf/wire.js';
import { ATTRS_OF_INTEREST, CONDITIONAL_OPS, opPolicy } from './op-policy.js';

/**
 * Walks TensorFlow graph protobufs (GraphDef, FunctionDefLibrary, MetaGraphDef, SavedModel) with a lazy
 * {@link ProtoReader}, collecting the op inventory and the nodes that need a closer look. Field numbers follow
 * tensorflow/core/framework/{graph,node_def,function,attr_value,tensor}.proto and
 * tensorflow/core/protobuf/{saved_model,meta_graph,saver,saved_object_graph}.proto.
 */

/** A graph or a function body: node names are local to it. */
export interface Scope {
  kind: 'graph' | 'function';
  name: string;
  /** String constants of the scope: node name → values (Const nodes of dtype string only). */
  consts: Map<string, string[]>;
  /** Name scopes of the TF1 saver (from SaverDef), for graphs. */
  saverScopes: string[];
  /**
   * Asset tensors of a TF1 graph (AssetFileDef.tensor_info): node name → asset file name. The loader feeds these
   * tensors with the path of the asset inside the model, whatever constant the graph holds.
   */
  assetTensors: Map<string, string>;
}

/** A node whose op is host-facing (or may be, depending on attributes). */
export interface OpHit {
  scope: Scope;
  node: string;
  op: string;
  inputs: string[];
  attrs: Map<string, string[]>;
}

/** Keras metadata found in a SavedModel object graph (TF 2.0–2.4 layout). */
export interface KerasObjectMetadata {
  identifier: string;
  json: string;
}

const DT_STRING = 7;
const MAX_DISTINCT_OPS = 20_000;
const MAX_HITS = 2_000;
const MAX_NAME = 1024;
const MAX_CONST_STRINGS = 4;
const MAX_CONST_STRING_BYTES = 1024;
const MAX_KERAS_METADATA_BYTES = 64 * 1024 * 1024;
/** String constants remembered (for resolving the paths of host-facing ops), over all scopes. */
const MAX_CONSTS = 200_000;
/** Function names remembered (a node whose op is a library function is a call, not an unknown op). */
const MAX_FUNCTION_NAMES = 200_000;
/** Node positions held while a function's signature has not been seen yet. */
const MAX_DEFERRED = 4_000_000;

export class GraphCollector {
  /** Op name → number of nodes using it. */
  readonly ops = new Map<string, number>();
  /** Op name → first "scope: node" using it. */
  readonly firstUse = new Map<string, string>();
  readonly functionNames = new Set<string>();
  readonly hits: OpHit[] = [];
  hitsDropped = 0;
  /** Host-facing nodes beyond MAX_HITS: op → count and first location (judged without attributes or constants). */
  readonly droppedOps = new Map<string, { count: number; scope: Scope; node: string }>();
  distinctOpsDropped = 0;
  nodes = 0;
  graphs = 0;
  functions = 0;
  private constCount = 0;
  readonly assetFiles: string[] = [];
  readonly kerasMetadata: KerasObjectMetadata[] = [];
  private kerasBytes = 0;
  readonly tags: string[] = [];
  tfVersion = '';

  constructor(private readonly r: ProtoReader) {}

  newScope(kind: Scope['kind'], name: string): Scope {
    return { kind, name, consts: new Map(), saverScopes: [], assetTensors: new Map() };
  }

  /** SavedModel { 1: saved_model_schema_version, 2: repeated MetaGraphDef }. */
  async savedModel(start: number, end: number): Promise<void> {
    let index = 0;
    await this.r.walk(start, end, 0, (f) => {
      if (f.no === 2 && f.wire === WIRE_LEN) return this.metaGraph(f, 0, `meta_graph[${index++}]`);
      return undefined;
    });
  }

  /**
   * MetaGraphDef { 1: MetaInfoDef, 2: GraphDef, 3: SaverDef, 4: collection_def, 5: signature_def,
   * 6: AssetFileDef, 7: SavedObjectGraph }.
   */
  async metaGraph(
    f: ProtoField | { offset: number; end: number },
    depth: number,
    label: string,
  ): Promise<void> {
    const scope = this.newScope('graph', label);
    const visit = (g: ProtoField): unknown => {
      if (g.wire !== WIRE_LEN) return undefined;
      switch (g.no) {
        case 1:
          return this.metaInfo(g, depth + 1);
        case 2:
          return this.graphDef(g, depth + 1, scope);
        case 3:
          return this.r.message(g, depth + 1, (s) => {
            // SaverDef { 1: filename_tensor_name, 2: save_tensor_name, 3: restore_op_name }
            if (s.no >= 1 && s.no <= 3 && s.wire === WIRE_LEN)
              return this.r.withString(s, MAX_NAME, (v) => {
                const slash = v.lastIndexOf('/');
                if (slash > 0) scope.saverScopes.push(v.slice(0, slash + 1));
              });
            return undefined;
          });
        case 6: {
          // AssetFileDef { 1: TensorInfo tensor_info { 1: name }, 2: filename }
          let tensor = '';
          let filename = '';
          return this.r
            .message(g, depth + 1, (a) => {
              if (a.no === 2 && a.wire === WIRE_LEN)
                return this.r.withString(a, MAX_NAME, (v) => (filename = v));
              if (a.no === 1 && a.wire === WIRE_LEN)
                return this.r.message(a, depth + 2, (t) =>
                  t.no === 1 && t.wire === WIRE_LEN
                    ? this.r.withString(t, MAX_NAME, (v) => (tensor = v))
                    : undefined,
                );
              return undefined;
            })
            .then(() => {
              if (this.assetFiles.length < 10_000) this.assetFiles.push(filename);
              if (tensor && scope.assetTensors.size < 10_000)
                scope.assetTensors.set(inputNode(tensor), filename);
            });
        }
        case 7:
          return this.objectGraph(g, depth + 1);
      }
      return undefined;
    };
    if ('no' in f) await this.r.message(f, depth, visit);
    else await this.r.walk(f.offset, f.end, depth, visit);
  }

  /** MetaInfoDef { 1: meta_graph_version, 2: stripped_op_list, 4: tags, 5: tensorflow_version }. */
  private metaInfo(f: ProtoField, depth: number): Promise<void> {
    return this.r.message(f, depth, (m) => {
      if (m.wire !== WIRE_LEN) return undefined;
      if (m.no === 4)
        return this.r.withString(m, 256, (v) => {
          if (this.tags.length < 64) this.tags.push(v);
        });
      if (m.no === 5) return this.r.withString(m, 64, (v) => (this.tfVersion = v));
      return undefined;
    });
  }

  /** GraphDef { 1: repeated NodeDef, 2: FunctionDefLibrary }. */
  async graphDef(
    f: ProtoField | { offset: number; end: number },
    depth: number,
    scope: Scope,
  ): Promise<void> {
    this.graphs++;
    const visit = (g: ProtoField): unknown => {
      if (g.wire !== WIRE_LEN) return undefined;
      if (g.no === 1) return this.node(g.offset, g.end, depth + 1, scope);
      if (g.no === 2) return this.library(g, depth + 1);
      return undefined;
    };
    if ('no' in f) await this.r.message(f, depth, visit);
    else await this.r.walk(f.offset, f.end, depth, visit);
  }

  /** FunctionDefLibrary { 1: repeated FunctionDef }. */
  private library(f: ProtoField, depth: number): Promise<void> {
    return this.r.message(f, depth, (g) => {
      if (g.no === 1 && g.wire === WIRE_LEN) return this.functionDef(g, depth + 1);
      return undefined;
    });
  }

  /** FunctionDef { 1: OpDef signature { 1: name }, 3: repeated NodeDef node_def }. */
  private async functionDef(f: ProtoField, depth: number): Promise<void> {
    let name = '';
    let scope: Scope | undefined;
    // The signature normally comes first: nodes are then walked in place; otherwise they wait for the name.
    const deferred: number[] = [];
    this.functions++;
    await this.r.message(f, depth, (g) => {
      if (g.wire !== WIRE_LEN) return undefined;
      if (g.no === 1 && !scope)
        return this.r
          .message(g, depth + 1, (s) =>
            s.no === 1 && s.wire === WIRE_LEN ? this.r.withString(s, MAX_NAME, (v) => (name = v)) : undefined,
          )
          .then(() => {
            scope = this.newScope('function', name || `<unnamed function ${this.functions}>`);
          });
      if (g.no === 3) {
        if (scope) return this.node(g.offset, g.end, depth + 1, scope);
        if (deferred.length >= MAX_DEFERRED)
          throw new LimitError('tfFunctionNodes', 'function with too many nodes before its signature');
        deferred.push(g.offset, g.end);
      }
      return undefined;
    });
    if (this.functionNames.size < MAX_FUNCTION_NAMES) this.functionNames.add(name);
    scope ??= this.newScope('function', `<unnamed function ${this.functions}>`);
    for (let i = 0; i < deferred.length; i += 2)
      await this.node(deferred[i], deferred[i + 1], depth + 1, scope);
  }

  /** NodeDef { 1: name, 2: op, 3: repeated input, 4: device, 5: map<string, AttrValue> attr }. */
  private async node(start: number, end: number, depth: number, scope: Scope): Promise<void> {
    let name = '';
    let op = '';
    const inputs: ProtoField[] = [];
    const attrs: ProtoField[] = [];
    await this.r.walk(start, end, depth, (g) => {
      if (g.wire !== WIRE_LEN) return undefined;
      switch (g.no) {
        case 1:
          return this.r.withString(g, MAX_NAME, (v) => (name = v));
        case 2:
          return this.r.withString(g, MAX_NAME, (v) => (op = v));
        case 3:
          if (inputs.length < 8) inputs.push(g);
          return undefined;
        case 5:
          if (attrs.length < 256) attrs.push(g);
          return undefined;
      }
      return undefined;
    });
    this.nodes++;
    const count = this.ops.get(op);
    if (count !== undefined) this.ops.set(op, count + 1);
    else if (this.ops.size < MAX_DISTINCT_OPS) {
      this.ops.set(op, 1);
      this.firstUse.set(op, `${scope.name}: ${name}`);
    } else this.distinctOpsDropped++;

    if (op === 'Const') {
      if (this.constCount >= MAX_CONSTS) return;
      const values = await this.constStrings(attrs, depth + 1);
      if (values) {
        scope.consts.set(name, values);
        this.constCount++;
      }
      return;
    }
    const interesting = opPolicy(op) !== undefined || CONDITIONAL_OPS.has(op) || op in ATTRS_OF_INTEREST;
    if (!interesting) return;
    if (this.hits.length >= MAX_HITS) {
      this.dropHit(op, scope, name);
      return;
    }
    const inputNames: string[] = [];
    for (const i of inputs) inputNames.push(await this.r.string(i, 512));
    const wanted = ATTRS_OF_INTEREST[op] ?? [];
    const attrValues = new Map<string, string[]>();
    if (wanted.length)
      for (const a of attrs) {
        const entry = await this.attrStrings(a, depth + 1, wanted);
        if (entry) attrValues.set(entry.key, entry.values);
      }
    this.hits.push({ scope, node: name, op, inputs: inputNames, attrs: attrValues });
  }

  /** Remembers a host-facing node that is not kept in full, so that its op is still judged. */
  dropHit(op: string, scope: Scope, node: string): void {
    this.hitsDropped++;
    const d = this.droppedOps.get(op);
    if (d) d.count++;
    else if (this.droppedOps.size < 1000) this.droppedOps.set(op, { count: 1, scope, node });
  }

  /** String values of a Const node's "value" attr when its dtype is DT_STRING; undefined otherwise. */
  private async constStrings(attrs: ProtoField[], depth: number): Promise<string[] | undefined> {
    for (const a of attrs) {
      let key = '';
      let value: ProtoField | undefined;
      await this.r.message(a, depth, (e) => {
        if (e.no === 1 && e.wire === WIRE_LEN) return this.r.withString(e, 64, (v) => (key = v));
        if (e.no === 2 && e.wire === WIRE_LEN) value = e;
        return undefined;
      });
      if (key !== 'value' || !value) continue;
      let tensor: ProtoField | undefined;
      await this.r.message(value, depth + 1, (v) => {
        if (v.no === 8 && v.wire === WIRE_LEN) tensor = v;
        return undefined;
      });
      if (!tensor) return undefined;
      let dtype = 0;
      const strings: ProtoField[] = [];
      // TensorProto { 1: dtype, 2: tensor_shape, 4: tensor_content, 8: repeated bytes string_val }
      await this.r.message(tensor, depth + 2, (t) => {
        if (t.no === 1 && t.wire === WIRE_VARINT) dtype = t.value;
        else if (t.no === 8 && t.wire === WIRE_LEN && strings.length < MAX_CONST_STRINGS) strings.push(t);
        return undefined;
      });
      if (dtype !== DT_STRING) return undefined;
      const out: string[] = [];
      for (const s of strings) out.push(await this.r.string(s, MAX_CONST_STRING_BYTES));
      return out;
    }
    return undefined;
  }

  /** An attr map entry's key and its string values (AttrValue.s or AttrValue.list.s), when the key is wanted. */
  private async attrStrings(
    a: ProtoField,
    depth: number,
    wanted: string[],
  ): Promise<{ key: string; values: string[] } | undefined> {
    let key = '';
    let value: ProtoField | undefined;
    await this.r.message(a, depth, (e) => {
      if (e.no === 1 && e.wire === WIRE_LEN) return this.r.withString(e, 128, (v) => (key = v));
      if (e.no === 2 && e.wire === WIRE_LEN) value = e;
      return undefined;
    });
    if (!value || !wanted.includes(key)) return undefined;
    const values: string[] = [];
    const v = value;
    await this.r.message(v, depth + 1, (x) => {
      if (x.wire !== WIRE_LEN) return undefined;
      if (x.no === 2) return this.r.withString(x, MAX_CONST_STRING_BYTES, (s) => values.push(s));
      if (x.no === 1)
        return this.r.message(x, depth + 2, (l) =>
          l.no === 2 && l.wire === WIRE_LEN && values.length < 8
            ? this.r.withString(l, MAX_CONST_STRING_BYTES, (s) => values.push(s))
            : undefined,
        );
      return undefined;
    });
    return { key, values };
  }

  /** SavedObjectGraph { 1: repeated SavedObject { 4: SavedUserObject { 1: identifier, 3: metadata } } }. */
  private objectGraph(f: ProtoField, depth: number): Promise<void> {
    return this.r.message(f, depth, (n) => {
      if (n.no !== 1 || n.wire !== WIRE_LEN) return undefined;
      return this.r.message(n, depth + 1, (o) => {
        if (o.no !== 4 || o.wire !== WIRE_LEN) return undefined;
        let identifier = '';
        let metadata: ProtoField | undefined;
        return this.r
          .message(o, depth + 2, (u) => {
            if (u.no === 1 && u.wire === WIRE_LEN) return this.r.withString(u, 256, (v) => (identifier = v));
            if (u.no === 3 && u.wire === WIRE_LEN) metadata = u;
            return undefined;
          })
          .then(async () => {
            if (!metadata || metadata.length === 0 || !identifier.startsWith('_tf_keras')) return;
            if (this.kerasBytes + metadata.length > MAX_KERAS_METADATA_BYTES)
              throw new ParseError(
                'Keras metadata in the object graph is larger than 64 MiB',
                metadata.offset,
              );
            this.kerasBytes += metadata.length;
            this.kerasMetadata.push({ identifier, json: await this.r.string(metadata, metadata.length) });
          });
      });
    });
  }
}

/** The node name an input reference points to ("^ctrl", "node:0", "node:output:0" → "node"). */
export function inputNode(input: string): string {
  const s = input.startsWith('^') ? input.slice(1) : input;
  const colon = s.indexOf(':');
  return colon < 0 ? s : s.slice(0, colon);
}
