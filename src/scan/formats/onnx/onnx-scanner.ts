import { lstat, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { LimitError, ParseError } from '../../../core/errors.js';
import type { ByteSource } from '../../source.js';
import type { FormatScanner, ScanContext, SniffInput } from '../../types.js';
import {
  isPrintable,
  parseHead,
  ProtoReader,
  WIRE_LEN,
  WIRE_VARINT,
  type HeadField,
  type ProtoField,
} from '../protobuf/wire.js';
import { unsafePath } from '../tensorflow/op-policy.js';
import {
  ONNX_CONTRIB_DOMAIN,
  ONNX_CUSTOM_DOMAIN,
  ONNX_EXTERNAL_MISSING,
  ONNX_EXTERNAL_RANGE,
  ONNX_EXTERNAL_TRAVERSAL,
  ONNX_FUNCTIONS,
  ONNX_INVENTORY,
  ONNX_MALFORMED,
  ONNX_OVERSIZED_TENSOR,
  ONNX_PYTHON_OP,
} from './rules.js';

/*
 * Field numbers (onnx/onnx.proto):
 *   ModelProto { 1 ir_version, 2 producer_name, 3 producer_version, 4 domain, 5 model_version, 6 doc_string,
 *                7 graph, 8 opset_import, 14 metadata_props, 20 training_info, 25 functions, 26 configuration }
 *   OperatorSetIdProto { 1 domain, 2 version }
 *   GraphProto { 1 node, 2 name, 5 initializer, 10 doc_string, 11 input, 12 output, 13 value_info,
 *                14 quantization_annotation, 15 sparse_initializer, 16 metadata_props }
 *   NodeProto { 1 input, 2 output, 3 name, 4 op_type, 5 attribute, 6 doc_string, 7 domain, 8 overload }
 *   AttributeProto { 1 name, 4 s, 5 t, 6 g, 10 tensors, 11 graphs, 20 type, 22 sparse_tensor, 23 sparse_tensors }
 *   TensorProto { 1 dims, 2 data_type, 4 float_data, 5 int32_data, 6 string_data, 7 int64_data, 8 name,
 *                 9 raw_data, 10 double_data, 11 uint64_data, 13 external_data, 14 data_location }
 *   SparseTensorProto { 1 values, 2 indices, 3 dims }   StringStringEntryProto { 1 key, 2 value }
 *   TrainingInfoProto { 1 initialization, 2 algorithm }
 *   FunctionProto { 1 name, 7 node, 9 opset_import, 10 domain, 11 attribute_proto }
 */

const STANDARD_DOMAINS = new Set([
  '',
  'ai.onnx',
  'ai.onnx.ml',
  'ai.onnx.training',
  'ai.onnx.preview.training',
  'ai.onnx.preview',
]);
/** Domains of operators that ship with known runtimes (native code of that runtime). */
const RUNTIME_DOMAINS = new Set([
  'com.microsoft',
  'com.microsoft.nchwc',
  'com.microsoft.experimental',
  'com.microsoft.mlfeaturizers',
  'com.microsoft.dml',
  'com.microsoft.extensions',
  'com.ms.internal.nhwc',
  'ai.onnx.contrib',
  'org.pytorch.aten',
  'org.pytorch._caffe2',
  'pkg.onnxscript.torch_lib',
  'pkg.onnxscript.torch_lib.common',
  'org.openvinotoolkit',
]);

/** Element size in bits per TensorProto.DataType (STRING and unknown types: undefined). */
const ELEM_BITS: Record<number, number> = {
  1: 32,
  2: 8,
  3: 8,
  4: 16,
  5: 16,
  6: 32,
  7: 64,
  9: 8,
  10: 16,
  11: 64,
  12: 32,
  13: 64,
  14: 64,
  15: 128,
  16: 16,
  17: 8,
  18: 8,
  19: 8,
  20: 8,
  21: 4,
  22: 4,
  23: 4,
  24: 8,
  25: 2,
  26: 2,
};
const TIB = 2 ** 40;
const SLACK = 1024 * 1024;
/** Dense size above which a sparse initializer is reported (runtimes densify it when loading). */
const SPARSE_DENSE_LIMIT = 64 * 2 ** 30;
const MAX_GRAPH_DEPTH = 32;
const MAX_DIMS = 1024;
const MAX_LOCATIONS = 10_000;
const MAX_EXAMPLES = 20;

function isPythonOp(domain: string, op: string): boolean {
  if (/python/i.test(op)) return true;
  if (/^Py(?:Op|Func|Function|Call)(?:$|[A-Z_])/.test(op)) return true;
  return domain === 'ai.onnx.contrib' && /^Py[A-Z_]/.test(op);
}

interface TensorInfo {
  name: string;
  where: string;
  dims: number[];
  dataType: number;
  rawBytes: number;
  /** Elements stored in fixed-size typed fields (float_data, double_data); -1 when only varint data is present. */
  typedElems: number;
  hasVarintData: boolean;
  external: Map<string, string>;
  dataLocation: number;
}

interface ExternalRef {
  tensor: string;
  where: string;
  location: string;
  offset: number;
  length: number | undefined;
  declared: number | undefined;
}

class OnnxWalker {
  irVersion = 0;
  producer = '';
  producerVersion = '';
  readonly opsets = new Map<string, number>();
  graphs = 0;
  nodes = 0;
  initializers = 0;
  tensors = 0;
  /** "domain\u0000op" → count and first node. */
  readonly ops = new Map<string, { count: number; first: string }>();
  readonly functions: string[] = [];
  readonly localFunctions = new Set<string>();
  readonly pythonOps: { domain: string; op: string; node: string; where: string }[] = [];
  readonly externals: ExternalRef[] = [];
  readonly oversized: { tensor: string; where: string; declared: number; held: string }[] = [];
  readonly malformedNotes: string[] = [];
  metadataKeys: string[] = [];

  constructor(
    private readonly r: ProtoReader,
    private readonly ctx: ScanContext,
  ) {}

  async model(size: number): Promise<void> {
    let training = 0;
    await this.r.walk(0, size, 0, (f) => {
      switch (f.no) {
        case 1:
          if (f.wire === WIRE_VARINT) this.irVersion = f.value;
          return undefined;
        case 2:
          return f.wire === WIRE_LEN ? this.r.withString(f, 256, (v) => (this.producer = v)) : undefined;
        case 3:
          return f.wire === WIRE_LEN
            ? this.r.withString(f, 256, (v) => (this.producerVersion = v))
            : undefined;
        case 7:
          return f.wire === WIRE_LEN ? this.graph(f, 1, 'graph', 0) : undefined;
        case 8:
          return f.wire === WIRE_LEN ? this.opset(f, 1, this.opsets) : undefined;
        case 14:
          return f.wire === WIRE_LEN ? this.metadataProp(f) : undefined;
        case 20:
          if (f.wire !== WIRE_LEN) return undefined;
          training++;
          return this.r.message(f, 0, (t) =>
            (t.no === 1 || t.no === 2) && t.wire === WIRE_LEN
              ? this.graph(
                  t,
                  2,
                  `training_info[${training - 1}].${t.no === 1 ? 'initialization' : 'algorithm'}`,
                  0,
                )
              : undefined,
          );
        case 25:
          return f.wire === WIRE_LEN ? this.func(f, 1) : undefined;
      }
      return undefined;
    });
  }

  private metadataProp(f: ProtoField): Promise<void> {
    return this.r.message(f, 0, (e) =>
      e.no === 1 && e.wire === WIRE_LEN && this.metadataKeys.length < 64
        ? this.r.withString(e, 128, (v) => this.metadataKeys.push(v))
        : undefined,
    );
  }

  private async opset(f: ProtoField, depth: number, into: Map<string, number>): Promise<void> {
    let domain = '';
    let version = 0;
    await this.r.message(f, depth, (o) => {
      if (o.no === 1 && o.wire === WIRE_LEN) return this.r.withString(o, 256, (v) => (domain = v));
      if (o.no === 2 && o.wire === WIRE_VARINT) version = o.signed;
      return undefined;
    });
    if (into.size < 256) into.set(domain, version);
  }

  private async graph(f: ProtoField, depth: number, where: string, gdepth: number): Promise<void> {
    if (gdepth > MAX_GRAPH_DEPTH)
      throw new LimitError(
        'onnxSubgraphDepth',
        `ONNX subgraphs nested deeper than ${MAX_GRAPH_DEPTH} levels`,
      );
    this.graphs++;
    let name = '';
    const label = () => (name ? `${where} ${JSON.stringify(name.slice(0, 100))}` : where);
    await this.r.message(f, depth, (g) => {
      if (g.wire !== WIRE_LEN) return undefined;
      switch (g.no) {
        case 1:
          return this.node(g, depth + 1, label(), gdepth);
        case 2:
          return this.r.withString(g, 256, (v) => (name = v));
        case 5:
          this.initializers++;
          return this.tensor(g, depth + 1, `${label()} initializer`);
        case 15:
          this.initializers++;
          return this.sparseTensor(g, depth + 1, `${label()} sparse initializer`);
      }
      return undefined;
    });
  }

  private async func(f: ProtoField, depth: number): Promise<void> {
    let name = '';
    let domain = '';
    // Nodes are walked in place: the name (field 1) comes first, the domain (field 10) after the nodes.
    const where = () => `function ${domain ? `${domain}::` : ''}${name}`;
    await this.r.message(f, depth, (g) => {
      if (g.wire !== WIRE_LEN) return undefined;
      switch (g.no) {
        case 1:
          return this.r.withString(g, 256, (v) => (name = v));
        case 10:
          return this.r.withString(g, 256, (v) => (domain = v));
        case 7:
          return this.node(g, depth + 1, where(), 1);
        case 11:
          return this.attribute(g, depth + 1, where(), 1);
      }
      return undefined;
    });
    if (this.localFunctions.size < 100_000) this.localFunctions.add(`${domain}\u0000${name}`);
    if (this.functions.length < 10_000) this.functions.push(`${domain}::${name}`);
  }

  private async node(f: ProtoField, depth: number, where: string, gdepth: number): Promise<void> {
    let name = '';
    let op = '';
    let domain = '';
    const attrs: ProtoField[] = [];
    await this.r.message(f, depth, (n) => {
      if (n.wire !== WIRE_LEN) return undefined;
      switch (n.no) {
        case 3:
          return this.r.withString(n, 512, (v) => (name = v));
        case 4:
          return this.r.withString(n, 512, (v) => (op = v));
        case 7:
          return this.r.withString(n, 512, (v) => (domain = v));
        case 5:
          if (attrs.length < 4096) attrs.push(n);
          return undefined;
      }
      return undefined;
    });
    this.nodes++;
    const key = `${domain}\u0000${op}`;
    const entry = this.ops.get(key);
    if (entry) entry.count++;
    else if (this.ops.size < 20_000) this.ops.set(key, { count: 1, first: `${where}: ${name || op}` });
    if (isPythonOp(domain, op) && this.pythonOps.length < 1000)
      this.pythonOps.push({ domain, op, node: name, where });
    const nodeWhere = `${where} node ${JSON.stringify((name || op).slice(0, 100))}`;
    for (const a of attrs) await this.attribute(a, depth + 1, nodeWhere, gdepth);
  }

  private async attribute(f: ProtoField, depth: number, where: string, gdepth: number): Promise<void> {
    let name = '';
    const label = () => `${where} attribute ${JSON.stringify(name)}`;
    await this.r.message(f, depth, (a) => {
      if (a.wire !== WIRE_LEN) return undefined;
      switch (a.no) {
        case 1:
          return this.r.withString(a, 256, (v) => (name = v));
        case 5:
        case 10:
          return this.tensor(a, depth + 1, label());
        case 6:
        case 11:
          return this.graph(a, depth + 1, `${label()} subgraph`, gdepth + 1);
        case 22:
        case 23:
          return this.sparseTensor(a, depth + 1, label());
      }
      return undefined;
    });
  }

  /** SparseTensorProto { 1: values, 2: indices, 3: dims }: runtimes densify sparse initializers to `dims`. */
  private async sparseTensor(f: ProtoField, depth: number, where: string): Promise<void> {
    const dims: number[] = [];
    let values: TensorInfo | undefined;
    await this.r.message(f, depth, (s) => {
      if ((s.no === 1 || s.no === 2) && s.wire === WIRE_LEN)
        return this.tensor(s, depth + 1, `${where} ${s.no === 1 ? 'values' : 'indices'}`).then((t) => {
          if (s.no === 1) values = t;
        });
      if (s.no === 3) {
        if (s.wire === WIRE_VARINT) {
          if (dims.length < MAX_DIMS) dims.push(s.signed);
          return undefined;
        }
        if (s.wire === WIRE_LEN)
          return this.r.varints(s, MAX_DIMS).then(({ values: v }) => {
            for (const d of v) if (dims.length < MAX_DIMS) dims.push(d);
          });
      }
      return undefined;
    });
    const bits = values ? ELEM_BITS[values.dataType] : undefined;
    if (bits === undefined || dims.some((d) => d < 0)) return;
    let elems = 1;
    for (const d of dims) elems = Math.min(elems * d, 2 ** 62);
    const dense = Math.ceil((elems * bits) / 8);
    if (dense > SPARSE_DENSE_LIMIT && this.oversized.length < 1000)
      this.oversized.push({
        tensor: values?.name ?? '',
        where,
        declared: dense,
        held: 'a sparse tensor that is densified on load',
      });
  }

  private async tensor(f: ProtoField, depth: number, where: string): Promise<TensorInfo> {
    this.tensors++;
    if ((this.tensors & 0xfff) === 0) this.ctx.checkDeadline();
    const t: TensorInfo = {
      name: '',
      where,
      dims: [],
      dataType: 0,
      rawBytes: -1,
      typedElems: 0,
      hasVarintData: false,
      external: new Map(),
      dataLocation: 0,
    };
    let dimCount = 0;
    await this.r.message(f, depth, (x) => {
      switch (x.no) {
        case 1: {
          if (x.wire === WIRE_VARINT) {
            dimCount++;
            if (t.dims.length < MAX_DIMS) t.dims.push(x.signed);
            return undefined;
          }
          if (x.wire !== WIRE_LEN) return undefined;
          return this.r.varints(x, MAX_DIMS).then(({ values, count }) => {
            dimCount += count;
            for (const v of values) if (t.dims.length < MAX_DIMS) t.dims.push(v);
          });
        }
        case 2:
          if (x.wire === WIRE_VARINT) t.dataType = x.value;
          return undefined;
        case 8:
          return x.wire === WIRE_LEN ? this.r.withString(x, 256, (v) => (t.name = v)) : undefined;
        case 9:
          if (x.wire === WIRE_LEN) t.rawBytes = (t.rawBytes < 0 ? 0 : t.rawBytes) + x.length;
          return undefined;
        case 4:
          if (x.wire === WIRE_LEN) t.typedElems += x.length / 4;
          else if (x.wire === 5) t.typedElems++;
          return undefined;
        case 10:
          if (x.wire === WIRE_LEN) t.typedElems += x.length / 8;
          else if (x.wire === 1) t.typedElems++;
          return undefined;
        case 5:
        case 7:
        case 11:
          t.hasVarintData = true;
          return undefined;
        case 13:
          if (x.wire !== WIRE_LEN) return undefined;
          return this.stringEntry(x, depth + 1).then(([k, v]) => {
            if (t.external.size < 16) t.external.set(k, v);
          });
        case 14:
          if (x.wire === WIRE_VARINT) t.dataLocation = x.value;
          return undefined;
      }
      return undefined;
    });
    if (dimCount > MAX_DIMS) this.note(`tensor ${t.name} in ${where} has ${dimCount} dims`);
    this.checkTensor(t);
    return t;
  }

  private async stringEntry(f: ProtoField, depth: number): Promise<[string, string]> {
    let key = '';
    let value = '';
    await this.r.message(f, depth, (e) => {
      if (e.no === 1 && e.wire === WIRE_LEN) return this.r.withString(e, 256, (v) => (key = v));
      if (e.no === 2 && e.wire === WIRE_LEN) return this.r.withString(e, 4096, (v) => (value = v));
      return undefined;
    });
    return [key, value];
  }

  private note(s: string): void {
    if (this.malformedNotes.length < 20) this.malformedNotes.push(s);
  }

  private checkTensor(t: TensorInfo): void {
    const label = t.name ? JSON.stringify(t.name.slice(0, 100)) : '(unnamed)';
    if (t.dims.some((d) => d < 0)) {
      this.note(`tensor ${label} in ${t.where} has a negative dimension`);
      return;
    }
    const bits = ELEM_BITS[t.dataType];
    let elems = 1;
    for (const d of t.dims) elems = Math.min(elems * d, 2 ** 62);
    const declared = bits === undefined ? undefined : Math.ceil((elems * bits) / 8);
    const external = t.dataLocation === 1 || t.external.size > 0;
    if (external) {
      const location = t.external.get('location');
      if (location === undefined || location === '') {
        this.note(`tensor ${label} in ${t.where} stores external data without a location`);
        return;
      }
      const offset = Number(t.external.get('offset') ?? '0');
      const lenText = t.external.get('length');
      const length = lenText === undefined ? undefined : Number(lenText);
      if (
        !Number.isSafeInteger(offset) ||
        offset < 0 ||
        (length !== undefined && (!Number.isSafeInteger(length) || length < 0))
      ) {
        this.note(`tensor ${label} in ${t.where} has an invalid external data offset/length`);
        return;
      }
      if (this.externals.length < 100_000)
        this.externals.push({ tensor: t.name, where: t.where, location, offset, length, declared });
      if (declared !== undefined && length !== undefined && declared > length + SLACK)
        this.oversize(t, declared, `${length} bytes of external data`);
      else if (declared !== undefined && declared > TIB) this.oversize(t, declared, 'external data');
      return;
    }
    if (declared === undefined) return;
    if (declared > TIB) {
      this.oversize(t, declared, this.heldText(t));
      return;
    }
    if (t.hasVarintData) return; // element count of varint-packed data is not known without reading it
    const held = t.rawBytes >= 0 ? t.rawBytes : Math.ceil((t.typedElems * bits!) / 8);
    if (declared > held + SLACK) this.oversize(t, declared, this.heldText(t));
  }

  private heldText(t: TensorInfo): string {
    if (t.rawBytes >= 0) return `${t.rawBytes} bytes of raw_data`;
    if (t.typedElems) return `${t.typedElems} typed elements`;
    return 'no data';
  }

  private oversize(t: TensorInfo, declared: number, held: string): void {
    if (this.oversized.length < 1000) this.oversized.push({ tensor: t.name, where: t.where, declared, held });
  }
}

/** ONNX ModelProto sniffing: ir_version first, then plausible ModelProto fields. */
const MODEL_WIRES: Record<number, number> = {
  1: WIRE_VARINT,
  2: WIRE_LEN,
  3: WIRE_LEN,
  4: WIRE_LEN,
  5: WIRE_VARINT,
  6: WIRE_LEN,
  7: WIRE_LEN,
  8: WIRE_LEN,
  14: WIRE_LEN,
  20: WIRE_LEN,
  25: WIRE_LEN,
  26: WIRE_LEN,
};
const GRAPH_FIELDS = new Set([1, 2, 5, 10, 11, 12, 13, 14, 15, 16]);

function plausibleModelField(f: HeadField, size: number): boolean {
  if (MODEL_WIRES[f.no] !== f.wire) return false;
  if ((f.no === 2 || f.no === 3 || f.no === 4) && f.payload && !isPrintable(f.payload)) return false;
  if (f.no === 7 && f.payload && f.payload.length) {
    const g = parseHead(f.payload, 0, f.length, Math.min(size, f.length), 8);
    if (!g.ok || !g.fields.every((x) => GRAPH_FIELDS.has(x.no) && x.wire === WIRE_LEN)) return false;
  }
  if (f.no === 8 && f.payload && f.payload.length) {
    const o = parseHead(f.payload, 0, f.length, Math.min(size, f.length), 4);
    if (
      !o.ok ||
      !o.fields.every((x) => (x.no === 1 && x.wire === WIRE_LEN) || (x.no === 2 && x.wire === WIRE_VARINT))
    )
      return false;
  }
  return true;
}

export function sniffOnnx(head: Uint8Array, size: number): number {
  if (head.length < 2) return 0;
  const p = parseHead(head, 0, size, size, 32);
  if (!p.ok || !p.fields.length) return 0;
  if (!p.fields.every((f) => plausibleModelField(f, size))) return 0;
  const f0 = p.fields[0];
  const strong = p.fields.some(
    (f) => f.no === 7 || f.no === 8 || ((f.no === 2 || f.no === 3) && f.length > 0),
  );
  let score = 0;
  if (f0.no === 1 && f0.value >= 1 && f0.value <= 64) score = strong ? 75 : p.fields.length > 1 ? 40 : 0;
  else if ((f0.no === 7 || f0.no === 8) && strong && p.fields.length > 1) score = 40;
  // A field that runs past the end: a truncated model (scanned, and reported as malformed) or not ONNX at all.
  if (p.overrun) score = Math.min(score, 60);
  return score;
}

async function checkExternal(ctx: ScanContext, w: OnnxWalker): Promise<void> {
  const byLocation = new Map<string, ExternalRef[]>();
  for (const e of w.externals) {
    const list = byLocation.get(e.location);
    if (list) list.push(e);
    else byLocation.set(e.location, [e]);
  }
  const modelDir = ctx.diskPath ? path.dirname(ctx.diskPath) : undefined;
  let realDir: string | undefined;
  if (modelDir) realDir = await realpath(modelDir).catch(() => undefined);
  let checked = 0;
  const missing: string[] = [];
  for (const [location, refs] of byLocation) {
    const first = refs[0];
    const names = refs.slice(0, MAX_EXAMPLES).map((r) => r.tensor);
    const kind = unsafePath(location);
    if (kind) {
      ctx.report(ONNX_EXTERNAL_TRAVERSAL, {
        message: `external data location ${JSON.stringify(location.slice(0, 200))} is ${describe(kind)} (${refs.length} tensor${refs.length === 1 ? '' : 's'}, e.g. ${JSON.stringify(first.tensor)} in ${first.where})`,
        evidence: { location: location.slice(0, 1024), kind, tensors: names },
      });
      continue;
    }
    if (!modelDir || !realDir || ++checked > MAX_LOCATIONS) continue;
    const target = path.join(modelDir, location);
    let real: string | undefined;
    try {
      real = await realpath(target);
    } catch {
      // A dangling symbolic link is still a link: judge where it points.
      const link = await lstat(target).catch(() => undefined);
      if (link?.isSymbolicLink()) {
        const to = await readlink(target).catch(() => '');
        const resolved = path.resolve(path.dirname(target), to);
        if (!within(realDir, resolved) && !within(modelDir, resolved)) {
          reportSymlink(ctx, location, resolved, refs);
          continue;
        }
      }
      missing.push(location);
      continue;
    }
    if (!within(realDir, real)) {
      reportSymlink(ctx, location, real, refs);
      continue;
    }
    const st = await stat(real).catch(() => undefined);
    if (!st || !st.isFile()) {
      ctx.report(ONNX_EXTERNAL_RANGE, {
        message: `external data location ${JSON.stringify(location.slice(0, 200))} is not a regular file`,
        evidence: { location, tensors: names },
      });
      continue;
    }
    for (const r of refs) {
      const end = r.offset + (r.length ?? 0);
      if (r.offset > st.size || end > st.size) {
        ctx.report(ONNX_EXTERNAL_RANGE, {
          message: `tensor ${JSON.stringify(r.tensor)} reads bytes ${r.offset}–${end} of ${JSON.stringify(location)}, which has ${st.size} bytes`,
          evidence: { location, tensor: r.tensor, offset: r.offset, length: r.length, fileSize: st.size },
        });
        break;
      }
      const held = r.length ?? st.size - r.offset;
      if (r.declared !== undefined && r.declared > held + SLACK) {
        ctx.report(ONNX_OVERSIZED_TENSOR, {
          message: `tensor ${JSON.stringify(r.tensor)} declares ${r.declared} bytes but its external data holds ${held}`,
          evidence: {
            tensor: r.tensor,
            where: r.where,
            declaredBytes: r.declared,
            heldBytes: held,
            location,
          },
        });
        break;
      }
    }
  }
  if (missing.length)
    ctx.report(ONNX_EXTERNAL_MISSING, {
      message: `external data not found next to the model: ${missing
        .slice(0, 5)
        .map((m) => JSON.stringify(m))
        .join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`,
      evidence: { locations: missing.slice(0, 100) },
    });
}

function within(dir: string, p: string): boolean {
  const rel = path.relative(dir, p);
  return rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

function reportSymlink(ctx: ScanContext, location: string, resolved: string, refs: ExternalRef[]): void {
  ctx.report(ONNX_EXTERNAL_TRAVERSAL, {
    message: `external data location ${JSON.stringify(location.slice(0, 200))} is a symbolic link to ${JSON.stringify(resolved)}, outside the model directory`,
    evidence: {
      location,
      resolved,
      kind: 'symlink',
      tensors: refs.slice(0, MAX_EXAMPLES).map((r) => r.tensor),
    },
  });
}

function describe(kind: string): string {
  switch (kind) {
    case 'absolute':
      return 'an absolute path';
    case 'url':
      return 'a URL';
    case 'traversal':
      return 'a path that climbs out of the model directory';
    case 'nul':
      return 'a path with a NUL byte';
  }
  return 'unsafe';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function report(ctx: ScanContext, w: OnnxWalker): void {
  for (const p of w.pythonOps.slice(0, 50))
    ctx.report(ONNX_PYTHON_OP, {
      message: `node ${JSON.stringify(p.node)} in ${p.where} runs Python operator ${p.domain ? `${p.domain}::` : ''}${p.op}`,
      evidence: { domain: p.domain, opType: p.op, node: p.node, where: p.where },
    });

  const custom = new Map<string, { ops: string[]; count: number; first: string }>();
  const runtime = new Map<string, { ops: string[]; count: number }>();
  for (const [key, v] of w.ops) {
    const [domain, op] = key.split('\u0000');
    if (STANDARD_DOMAINS.has(domain) || w.localFunctions.has(key)) continue;
    if (RUNTIME_DOMAINS.has(domain)) {
      const e = runtime.get(domain) ?? { ops: [], count: 0 };
      if (e.ops.length < 50) e.ops.push(op);
      e.count += v.count;
      runtime.set(domain, e);
    } else {
      const e = custom.get(domain) ?? { ops: [], count: 0, first: v.first };
      if (e.ops.length < 50) e.ops.push(op);
      e.count += v.count;
      custom.set(domain, e);
    }
  }
  for (const [domain, e] of custom)
    ctx.report(ONNX_CUSTOM_DOMAIN, {
      message: `${e.count} node${e.count === 1 ? ' uses' : 's use'} custom operator domain ${JSON.stringify(domain)} (${e.ops.slice(0, 10).join(', ')}), which needs a native custom-op library`,
      evidence: { domain, ops: e.ops, nodes: e.count, first: e.first },
    });
  for (const [domain, e] of runtime)
    ctx.report(ONNX_CONTRIB_DOMAIN, {
      message: `${e.count} node${e.count === 1 ? ' uses' : 's use'} ${domain} operators: ${e.ops.slice(0, 10).join(', ')}`,
      evidence: { domain, ops: e.ops, nodes: e.count },
    });

  for (const o of w.oversized.slice(0, 50))
    ctx.report(ONNX_OVERSIZED_TENSOR, {
      message: `tensor ${JSON.stringify(o.tensor)} in ${o.where} declares ${o.declared} bytes but holds ${o.held}`,
      evidence: { tensor: o.tensor, where: o.where, declaredBytes: o.declared, held: o.held },
    });
  if (w.oversized.length > 50)
    ctx.report(ONNX_OVERSIZED_TENSOR, {
      message: `${w.oversized.length - 50} more tensors declare more data than they hold`,
      evidence: { more: w.oversized.length - 50 },
    });

  for (const n of w.malformedNotes)
    ctx.report(ONNX_MALFORMED, { message: `invalid tensor: ${n}`, severity: 'low' });

  if (w.functions.length)
    ctx.report(ONNX_FUNCTIONS, {
      message: `model defines ${w.functions.length} local function${w.functions.length === 1 ? '' : 's'}: ${w.functions.slice(0, 10).join(', ')}`,
      evidence: { functions: w.functions.slice(0, 200) },
    });

  const ops = [...w.ops]
    .sort((a, b) => b[1].count - a[1].count)
    .slice(0, 300)
    .map(([k, v]) => [k.replace('\u0000', '::').replace(/^::/, ''), v.count] as const);
  ctx.report(ONNX_INVENTORY, {
    message: `ONNX model (IR ${w.irVersion}${w.producer ? `, ${w.producer}${w.producerVersion ? ` ${w.producerVersion}` : ''}` : ''}): ${plural(w.graphs, 'graph')}, ${plural(w.nodes, 'node')}, ${plural(w.initializers, 'initializer')}, ${plural(w.ops.size, 'operator type')}`,
    evidence: {
      irVersion: w.irVersion,
      producer: w.producer,
      producerVersion: w.producerVersion,
      opsets: Object.fromEntries(w.opsets),
      graphs: w.graphs,
      nodes: w.nodes,
      initializers: w.initializers,
      tensors: w.tensors,
      externalDataTensors: w.externals.length,
      ops: Object.fromEntries(ops),
      metadataKeys: w.metadataKeys,
    },
  });
}

/** ONNX models (`.onnx`), recognised by their ModelProto structure. */
export const onnxScanner: FormatScanner = {
  id: 'onnx',
  version: '1',
  sniff(input: SniffInput): number {
    return sniffOnnx(input.head, input.size);
  },
  async scan(source: ByteSource, ctx: ScanContext): Promise<void> {
    ctx.addFormat('onnx');
    const r = new ProtoReader(source, { onProgress: () => ctx.checkDeadline() });
    const w = new OnnxWalker(r, ctx);
    let failure: unknown;
    try {
      await w.model(source.size);
    } catch (err) {
      failure = err;
    }
    report(ctx, w);
    await checkExternal(ctx, w);
    if (failure instanceof ParseError) {
      ctx.report(ONNX_MALFORMED, {
        message: `ONNX protobuf is malformed: ${failure.message}; the rest of the model was not analysed`,
        offset: failure.offset,
        evidence: { error: failure.message },
      });
      return;
    }
    if (failure !== undefined) throw failure;
    ctx.addAnalysis(
      `onnx:${w.graphs} graphs, ${w.nodes} nodes, ${w.tensors} tensors (bytes read: structure only)`,
    );
  },
};
