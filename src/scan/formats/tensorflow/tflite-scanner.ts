import { BulwarkError, LimitError, ParseError } from '../../../core/errors.js';
import { probePickle } from '../../pickle/scanner.js';
import { BufferSource, SliceSource, type ByteSource } from '../../source.js';
import type { FormatScanner, ScanContext, SniffInput } from '../../types.js';
import { ProtoReader, WIRE_LEN } from '../protobuf/wire.js';
import { flexStringVector, FlatReader, type FbTable } from './flatbuffer.js';
import { judgeOp } from './graph-report.js';
import { ATTRS_OF_INTEREST, opPolicy } from './op-policy.js';
import {
  TF_MALFORMED,
  TF_SHELL_OP,
  TFL_CUSTOM_OP,
  TFL_EMBEDDED,
  TFL_FLEX_OP,
  TFL_METADATA,
} from './rules.js';
import { KNOWN_TF_OPS } from './tf-op-names.js';

/**
 * TensorFlow Lite models: a FlatBuffer with the file identifier "TFL3". Field indices follow
 * tensorflow/lite/schema/schema.fbs:
 *   Model { 0 version, 1 operator_codes, 2 subgraphs, 3 description, 4 buffers, 5 metadata_buffer, 6 metadata }
 *   OperatorCode { 0 deprecated_builtin_code: byte, 1 custom_code: string, 2 version, 3 builtin_code: int }
 *   SubGraph { 3 operators }   Operator { 0 opcode_index: uint, 5 custom_options: [ubyte] }
 *   Buffer { 0 data: [ubyte], 1 offset: ulong, 2 size: ulong }   Metadata { 0 name: string, 1 buffer: uint }
 */

const CUSTOM = 32;
const MAX_OPCODES = 100_000;
const MAX_SUBGRAPHS = 10_000;
const MAX_OPERATORS = 5_000_000;
const MAX_METADATA = 10_000;
const MAX_NODEDEF = 1024 * 1024;

/** Custom ops that ship with the TFLite runtime or MediaPipe and run no code from outside. */
const KNOWN_CUSTOM_OPS = new Set([
  'TFLite_Detection_PostProcess',
  'Mfcc',
  'AudioSpectrogram',
  'Convolution2DTransposeBias',
  'MaxPoolingWithArgmax2D',
  'MaxUnpooling2D',
  'Landmarks2TransformMatrix',
  'TransformLandmarks',
  'TransformTensorBilinear',
  'NumericVerify',
]);

interface OpCode {
  index: number;
  builtin: number;
  custom?: string;
}

function isTflite(h: Uint8Array, size: number): boolean {
  if (h.length < 8 || size < 16) return false;
  if (h[4] !== 0x54 || h[5] !== 0x46 || h[6] !== 0x4c || h[7] !== 0x33) return false; // "TFL3"
  const root = h[0] | (h[1] << 8) | (h[2] << 16) | (h[3] << 24);
  return root >= 8 && root < size;
}

/** Whether bytes look like content worth analysing as a member (archive, pickle, compressed stream). */
function embeddedKind(h: Uint8Array, size: number): string | undefined {
  if (h.length >= 4 && h[0] === 0x50 && h[1] === 0x4b && (h[2] === 3 || h[2] === 5)) return 'zip';
  if (h.length >= 2 && h[0] === 0x1f && h[1] === 0x8b) return 'gzip';
  if (h.length >= 3 && h[0] === 0x42 && h[1] === 0x5a && h[2] === 0x68) return 'bzip2';
  if (h.length >= 6 && h[0] === 0xfd && h[1] === 0x37 && h[2] === 0x7a && h[3] === 0x58) return 'xz';
  if (h.length >= 6 && h[0] === 0x37 && h[1] === 0x7a && h[2] === 0xbc && h[3] === 0xaf) return '7z';
  if (h.length >= 2 && h[0] === 0x80 && h[1] >= 2 && h[1] <= 5) return 'pickle';
  if (h.length >= 6 && h[0] === 0x93 && h[1] === 0x4e && h[2] === 0x55) return 'numpy';
  // Protocol 0/1 pickles have no marker; probe only content that starts like one (a GLOBAL or MARK opcode).
  if ((h[0] === 0x63 || h[0] === 0x28) && probePickle(h, size).isPickle) return 'pickle';
  return undefined;
}

/** The op and string attributes of a serialized NodeDef (Flex custom options). */
async function parseNodeDef(bytes: Uint8Array): Promise<{ op: string; attrs: Map<string, string[]> }> {
  const r = new ProtoReader(new BufferSource(bytes), { maxDepth: 8, maxFields: 100_000 });
  let op = '';
  const attrRefs: { offset: number; end: number }[] = [];
  await r.walk(0, bytes.length, 0, (f) => {
    if (f.wire !== WIRE_LEN) return undefined;
    if (f.no === 2) return r.withString(f, 1024, (v) => (op = v));
    if (f.no === 5 && attrRefs.length < 256) attrRefs.push({ offset: f.offset, end: f.end });
    return undefined;
  });
  const wanted = ATTRS_OF_INTEREST[op] ?? [];
  const attrs = new Map<string, string[]>();
  for (const a of wanted.length ? attrRefs : []) {
    let key = '';
    const values: string[] = [];
    await r.walk(a.offset, a.end, 1, (e) => {
      if (e.no === 1 && e.wire === WIRE_LEN) return r.withString(e, 128, (v) => (key = v));
      if (e.no === 2 && e.wire === WIRE_LEN)
        return r.message(e, 1, (x) => {
          if (x.no === 2 && x.wire === WIRE_LEN) return r.withString(x, 2048, (s) => values.push(s));
          if (x.no === 1 && x.wire === WIRE_LEN)
            return r.message(x, 2, (l) =>
              l.no === 2 && l.wire === WIRE_LEN && values.length < 16
                ? r.withString(l, 2048, (s) => values.push(s))
                : undefined,
            );
          return undefined;
        });
      return undefined;
    });
    if (wanted.includes(key)) attrs.set(key, values);
  }
  return { op, attrs };
}

class TfliteAnalysis {
  readonly fb: FlatReader;
  opcodes: OpCode[] = [];
  operators = 0;
  subgraphs = 0;
  /** Flex opcode index → ops named by the NodeDefs of operators using it. */
  readonly flexNodeOps = new Map<number, Map<string, Map<string, string[]>>>();
  metadata: { name: string; buffer: number; size?: number }[] = [];
  version = 0;
  description = '';

  constructor(
    readonly source: ByteSource,
    readonly ctx: ScanContext,
  ) {
    this.fb = new FlatReader(source);
  }

  async run(): Promise<void> {
    const fb = this.fb;
    const model = await fb.table(await fb.u32(0));
    this.version = await fb.fieldU32(model, 0);
    this.description = (await fb.fieldString(model, 3, 256)) ?? '';

    const codes = await fb.fieldVector(model, 1, 4);
    if (codes) {
      if (codes.length > MAX_OPCODES)
        throw new LimitError('tfliteOpcodes', `more than ${MAX_OPCODES} TFLite operator codes`);
      for (let i = 0; i < codes.length; i++) {
        const t = await fb.tableAt(codes, i);
        const deprecated = await fb.fieldI8(t, 0);
        const builtin = Math.max(deprecated, await fb.fieldI32(t, 3));
        const custom = await fb.fieldString(t, 1, 1024);
        this.opcodes.push({ index: i, builtin, custom });
      }
    }
    const flexCodes = new Set(this.opcodes.filter((c) => c.custom?.startsWith('Flex')).map((c) => c.index));

    const subgraphs = await fb.fieldVector(model, 2, 4);
    if (subgraphs) {
      if (subgraphs.length > MAX_SUBGRAPHS)
        throw new LimitError('tfliteSubgraphs', `more than ${MAX_SUBGRAPHS} TFLite subgraphs`);
      this.subgraphs = subgraphs.length;
      for (let s = 0; s < subgraphs.length; s++) {
        const sg = await fb.tableAt(subgraphs, s);
        const ops = await fb.fieldVector(sg, 3, 4);
        if (!ops) continue;
        if (this.operators + ops.length > MAX_OPERATORS)
          throw new LimitError('tfliteOperators', `more than ${MAX_OPERATORS} TFLite operators`);
        this.operators += ops.length;
        // Operators are only opened when a Flex op needs its NodeDef.
        if (!flexCodes.size) continue;
        for (let i = 0; i < ops.length; i++) {
          if ((i & 0xfff) === 0) this.ctx.checkDeadline();
          const op = await fb.tableAt(ops, i);
          const idx = await fb.fieldU32(op, 0);
          if (!flexCodes.has(idx)) continue;
          const opts = await fb.fieldVector(op, 5, 1);
          if (!opts || opts.length === 0 || opts.length > MAX_NODEDEF) continue;
          const strings = flexStringVector(await this.source.read(opts.start, opts.length));
          const nodeDef = strings?.[1];
          if (!nodeDef) continue;
          let parsed: { op: string; attrs: Map<string, string[]> };
          try {
            parsed = await parseNodeDef(nodeDef);
          } catch (err) {
            // An unreadable NodeDef: the op is judged by its custom_code name alone.
            if (err instanceof BulwarkError) continue;
            throw err;
          }
          let byOp = this.flexNodeOps.get(idx);
          if (!byOp) this.flexNodeOps.set(idx, (byOp = new Map()));
          if (byOp.size < 16 && !byOp.has(parsed.op)) byOp.set(parsed.op, parsed.attrs);
        }
      }
    }

    const meta = await fb.fieldVector(model, 6, 4);
    if (meta) {
      if (meta.length > MAX_METADATA)
        throw new LimitError('tfliteMetadata', `more than ${MAX_METADATA} metadata entries`);
      for (let i = 0; i < meta.length; i++) {
        const t = await fb.tableAt(meta, i);
        this.metadata.push({
          name: (await fb.fieldString(t, 0, 256)) ?? '',
          buffer: await fb.fieldU32(t, 1),
        });
      }
    }
    if (this.metadata.length) await this.metadataBuffers(model);
  }

  private async metadataBuffers(model: FbTable): Promise<void> {
    const fb = this.fb;
    const buffers = await fb.fieldVector(model, 4, 4);
    for (const m of this.metadata) {
      if (!buffers || m.buffer >= buffers.length) {
        this.ctx.report(TF_MALFORMED, {
          message: `TFLite metadata ${JSON.stringify(m.name)} points to buffer ${m.buffer}, which does not exist`,
          severity: 'low',
        });
        continue;
      }
      const b = await fb.tableAt(buffers, m.buffer);
      let start: number;
      let len: number;
      const data = await fb.fieldVector(b, 0, 1);
      if (data) {
        start = data.start;
        len = data.length;
      } else {
        const offField = await fb.field(b, 1);
        const sizeField = await fb.field(b, 2);
        if (offField === undefined || sizeField === undefined) {
          m.size = 0;
          continue;
        }
        start = await fb.u64(offField);
        len = await fb.u64(sizeField);
        if (start + len > this.source.size) {
          this.ctx.report(TF_MALFORMED, {
            message: `TFLite metadata ${JSON.stringify(m.name)} buffer lies outside the file`,
            severity: 'low',
          });
          continue;
        }
      }
      m.size = len;
      if (len === 0) continue;
      const head = await this.source.read(start, Math.min(len, 4096));
      const kind = embeddedKind(head, len);
      if (!kind) continue;
      const member = `metadata:${m.name || m.buffer}`;
      this.ctx.report(TFL_EMBEDDED, {
        message: `TFLite metadata ${JSON.stringify(m.name)} holds ${kind} content (${len} bytes); analysed as ${member}`,
        evidence: { metadata: m.name, kind, bytes: len },
      });
      await this.ctx.scanMember(member, new SliceSource(this.source, start, len));
    }
  }

  report(): void {
    const ctx = this.ctx;
    const flexOps: string[] = [];
    const customOps: string[] = [];
    for (const c of this.opcodes) {
      if (c.builtin !== CUSTOM && c.custom === undefined) continue;
      const name = c.custom ?? '';
      if (name.startsWith('Flex')) {
        const named = name.slice(4);
        const fromNodeDefs = this.flexNodeOps.get(c.index);
        const candidates = new Map<string, Map<string, string[]>>([[named, new Map()]]);
        for (const [op, attrs] of fromNodeDefs ?? []) candidates.set(op, attrs);
        for (const [op, attrs] of candidates) {
          const v = judgeOp(op, attrs, () => undefined, false);
          const mismatch = op !== named ? ` (its NodeDef runs ${op}, not ${named})` : '';
          if (v) {
            ctx.report(v.rule, {
              message: `TFLite Flex op ${JSON.stringify(name)}${mismatch}: TensorFlow op ${op} ${v.policy.what}${v.detail ? ` (${v.detail.slice(0, 200)})` : ''}`,
              severity: v.severity,
              impact: v.impact,
              confidence: v.confidence,
              evidence: { customCode: name, op, detail: v.detail },
            });
          } else if (!KNOWN_TF_OPS.has(op)) {
            ctx.report(TFL_CUSTOM_OP, {
              message: `TFLite Flex op ${JSON.stringify(name)}${mismatch} names ${JSON.stringify(op)}, which is not a TensorFlow op`,
              evidence: { customCode: name, op },
            });
          } else flexOps.push(op === named ? name : `${name} (${op})`);
        }
        continue;
      }
      if (KNOWN_CUSTOM_OPS.has(name)) {
        customOps.push(name);
        continue;
      }
      if (opPolicy(name)?.category === 'shell-like') {
        ctx.report(TF_SHELL_OP, {
          message: `TFLite custom op ${JSON.stringify(name.slice(0, 200))} is named like a command runner; it runs whatever its native kernel does`,
          evidence: { customCode: name },
        });
        continue;
      }
      ctx.report(TFL_CUSTOM_OP, {
        message:
          name === ''
            ? 'TFLite operator code is CUSTOM without a custom_code name'
            : `TFLite custom op ${JSON.stringify(name.slice(0, 200))} needs a native kernel registered by the application`,
        evidence: { customCode: name },
      });
    }
    if (flexOps.length)
      ctx.report(TFL_FLEX_OP, {
        message: `TFLite model runs ${flexOps.length} TensorFlow op${flexOps.length === 1 ? '' : 's'} through the Flex delegate: ${flexOps.slice(0, 20).join(', ')}`,
        evidence: { flexOps },
      });
    if (this.metadata.length)
      ctx.report(TFL_METADATA, {
        message: `TFLite metadata: ${this.metadata
          .slice(0, 20)
          .map((m) => `${m.name || '(unnamed)'}${m.size !== undefined ? ` (${m.size} bytes)` : ''}`)
          .join(', ')}`,
        evidence: { metadata: this.metadata.slice(0, 200), builtinCustomOps: customOps },
      });
  }
}

/** TensorFlow Lite FlatBuffer models (`.tflite`), recognised by the "TFL3" file identifier. */
export const tfliteScanner: FormatScanner = {
  id: 'tflite',
  version: '1',
  // TFLite Support appends associated files (labels, vocabularies) as a ZIP after the FlatBuffer.
  embeds: ['zip'],
  sniff(input: SniffInput): number {
    const h = input.head;
    if (h.length < 8 || h[4] !== 0x54 || h[5] !== 0x46 || h[6] !== 0x4c || h[7] !== 0x33) return 0;
    // The identifier alone still claims the file, so that a broken root offset is reported as malformed.
    return isTflite(h, input.size) ? 80 : 45;
  },
  async scan(source: ByteSource, ctx: ScanContext): Promise<void> {
    ctx.addFormat('tflite');
    const a = new TfliteAnalysis(source, ctx);
    let failure: unknown;
    try {
      await a.run();
    } catch (err) {
      failure = err;
    }
    a.report();
    if (failure instanceof ParseError) {
      ctx.report(TF_MALFORMED, {
        message: `TFLite FlatBuffer is malformed: ${failure.message}; the rest of the model was not analysed`,
        offset: failure.offset,
        evidence: { error: failure.message },
      });
    } else if (failure !== undefined) throw failure;
    // An archive appended after the FlatBuffer (TFLite Support packs associated files this way) is found by the
    // engine from the end record and analysed as a ZIP interpretation of the same bytes.
    if (failure === undefined)
      ctx.addAnalysis(
        `tflite:${a.opcodes.length} operator codes, ${a.subgraphs} subgraphs, ${a.operators} operators, ${a.metadata.length} metadata`,
      );
  },
};
