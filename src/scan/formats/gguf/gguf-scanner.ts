/**
 * GGUF (llama.cpp) scanner: parses the header only — metadata key/values and tensor descriptors — through bounded
 * random-access reads, checks every size field against the file, and analyses chat templates for template
 * injection. Tensor data is never read.
 */
import { SliceSource, type ByteSource } from '../../source.js';
import type { FormatScanner, ScanContext, SniffInput } from '../../types.js';
import { analyzeTemplate } from '../jinja/ssti.js';
import { FILE_TYPES, GGML_TYPES, VALUE_TYPE_NAMES, ValueType, scalarSize } from './ggml-types.js';
import {
  GGUF_DUPLICATE,
  GGUF_HIDDEN_DATA,
  GGUF_IMPLAUSIBLE,
  GGUF_INFO,
  GGUF_LIMIT,
  GGUF_MALFORMED,
  GGUF_MISALIGNED,
  GGUF_OUT_OF_BOUNDS,
  GGUF_OVERLAP,
  GGUF_TRUNCATED,
} from './rules.js';

const MiB = 1024 * 1024;
/** Largest header analysed (metadata, vocabulary and tensor descriptors). */
export const GGUF_MAX_HEADER = 256 * MiB;
/** First read window; it doubles on every refill up to MAX_CHUNK (headers range from kilobytes to tens of MB). */
const FIRST_CHUNK = 64 * 1024;
const MAX_CHUNK = 4 * MiB;
const MAX_NESTING = 4;
const GGML_MAX_DIMS = 4;
const GGML_MAX_NAME = 64;
const DEFAULT_ALIGNMENT = 32;
/** Chat templates are decoded up to this size (larger ones are reported by the template analysis). */
const MAX_TEMPLATE_BYTES = 16 * MiB;
/** Other top-level metadata strings are decoded up to this size (for general.* evidence and the template check). */
const MAX_META_STRING = MiB;
const INT64_MAX = (1n << 63n) - 1n;
const U64_LIMIT = 1n << 64n;
const TEMPLATE_KEY = /^tokenizer\.chat_template(\..+)?$/;
/** Chat templates analysed per file (real files have one to three). */
const MAX_TEMPLATES = 64;
/** Other metadata strings with Jinja delimiters scanned per file, and their total size. */
const MAX_QUIET_STRINGS = 64;
const MAX_QUIET_CHARS = 4 * MiB;

class Truncated extends Error {}
class Implausible extends Error {}
class HeaderLimit extends Error {}
class Malformed extends Error {}

function alignUp(x: bigint, a: bigint): bigint {
  return ((x + a - 1n) / a) * a;
}

/** Sequential reader over the header with a 1 MiB window; every declared size is checked before it is used. */
class Reader {
  pos = 0;
  private buf: Uint8Array = new Uint8Array(0);
  private view = new DataView(this.buf.buffer);
  private bufStart = 0;
  private chunk = FIRST_CHUNK;
  constructor(
    private readonly src: ByteSource,
    readonly le: boolean,
    readonly v1: boolean,
  ) {}

  get size(): number {
    return this.src.size;
  }

  private has(n: number): boolean {
    return this.pos >= this.bufStart && this.pos + n <= this.bufStart + this.buf.length;
  }

  private async fill(n: number): Promise<void> {
    if (this.pos + n > this.src.size)
      throw new Truncated(
        `file ends at byte ${this.src.size} inside the header (needed ${n} bytes at ${this.pos})`,
      );
    if (this.pos + n > GGUF_MAX_HEADER) throw new HeaderLimit(`header larger than ${GGUF_MAX_HEADER} bytes`);
    const len = Math.min(this.src.size - this.pos, Math.max(n, this.chunk));
    this.chunk = Math.min(MAX_CHUNK, this.chunk * 2);
    const b = await this.src.read(this.pos, len);
    if (b.length < n) throw new Truncated(`file ends inside the header at byte ${this.pos + b.length}`);
    this.buf = b;
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    this.bufStart = this.pos;
  }

  async u32(): Promise<number> {
    if (!this.has(4)) await this.fill(4);
    const v = this.view.getUint32(this.pos - this.bufStart, this.le);
    this.pos += 4;
    return v;
  }

  async u64(): Promise<bigint> {
    if (!this.has(8)) await this.fill(8);
    const v = this.view.getBigUint64(this.pos - this.bufStart, this.le);
    this.pos += 8;
    return v;
  }

  /** A count or length: 32 bits in GGUF v1, 64 bits later. */
  async len(): Promise<bigint> {
    return this.v1 ? BigInt(await this.u32()) : this.u64();
  }

  async scalar(t: number): Promise<number | bigint | boolean> {
    const n = scalarSize(t)!;
    if (!this.has(n)) await this.fill(n);
    const o = this.pos - this.bufStart;
    const v = this.view;
    this.pos += n;
    switch (t) {
      case ValueType.UINT8:
        return v.getUint8(o);
      case ValueType.INT8:
        return v.getInt8(o);
      case ValueType.BOOL:
        return v.getUint8(o) !== 0;
      case ValueType.UINT16:
        return v.getUint16(o, this.le);
      case ValueType.INT16:
        return v.getInt16(o, this.le);
      case ValueType.UINT32:
        return v.getUint32(o, this.le);
      case ValueType.INT32:
        return v.getInt32(o, this.le);
      case ValueType.FLOAT32:
        return v.getFloat32(o, this.le);
      case ValueType.UINT64:
        return v.getBigUint64(o, this.le);
      case ValueType.INT64:
        return v.getBigInt64(o, this.le);
      default:
        return v.getFloat64(o, this.le);
    }
  }

  /**
   * Checks that `bytes` declared by the file fit in the rest of the file and the header bound. A claim beyond both
   * the file and any real header is implausible (crafted); one that only runs past the end of the file is a
   * truncation; one that fits in the file but not the bound is a limit.
   */
  claim(desc: string, bytes: bigint): void {
    const remaining = BigInt(this.src.size - this.pos);
    const headerLeft = BigInt(GGUF_MAX_HEADER - this.pos);
    if (bytes <= remaining && bytes <= headerLeft) return;
    if (bytes > remaining) {
      if (bytes > INT64_MAX || bytes > BigInt(GGUF_MAX_HEADER))
        throw new Implausible(
          `${desc} needs at least ${bytes} bytes, but only ${remaining} remain in the file`,
        );
      throw new Truncated(`${desc} runs past the end of the file (${bytes} bytes needed, ${remaining} left)`);
    }
    throw new HeaderLimit(`${desc} makes the header larger than ${GGUF_MAX_HEADER} bytes`);
  }

  skip(n: number): void {
    this.pos += n;
  }

  /** Reads a string; decodes at most `cap` bytes (undefined text when longer or cap is 0). */
  async string(desc: string, cap: number): Promise<{ text?: string; offset: number; length: number }> {
    const len = await this.len();
    this.claim(desc, len);
    const n = Number(len);
    const offset = this.pos;
    if (n > cap) {
      this.skip(n);
      return { offset, length: n };
    }
    if (!this.has(n)) await this.fill(n);
    const s = this.pos - this.bufStart;
    const text = Buffer.from(this.buf.buffer, this.buf.byteOffset + s, n).toString('utf8');
    this.pos += n;
    return { text, offset, length: n };
  }

  /** Skips `count` strings (a vocabulary), synchronously while they are in the window. */
  async skipStrings(count: bigint, desc: string, deadline: () => void): Promise<void> {
    const prefix = this.v1 ? 4 : 8;
    this.claim(desc, count * BigInt(prefix));
    let left = Number(count);
    while (left > 0) {
      if (!this.has(prefix)) await this.fill(prefix);
      const o = this.pos - this.bufStart;
      const len = this.v1 ? BigInt(this.view.getUint32(o, this.le)) : this.view.getBigUint64(o, this.le);
      this.pos += prefix;
      this.claim(`${desc} element`, len);
      this.pos += Number(len);
      if (--left % 65536 === 0) deadline();
    }
  }
}

interface TensorInfo {
  name: string;
  dims: bigint[];
  type: number;
  offset: bigint;
  /** Byte size, when the type is known and the shape is valid. */
  size?: bigint;
  /** File offset of the tensor descriptor. */
  at: number;
}

/** Findings of one kind, aggregated (a crafted file can repeat a problem a million times). */
class Issues {
  private readonly items = new Map<string, { count: number; examples: string[]; offset?: number }>();
  add(kind: string, example: string, offset?: number): void {
    let it = this.items.get(kind);
    if (!it) {
      it = { count: 0, examples: [] };
      if (offset !== undefined) it.offset = offset;
      this.items.set(kind, it);
    }
    it.count++;
    if (it.examples.length < 5) it.examples.push(example);
  }
  get(kind: string): { count: number; examples: string[]; offset?: number } | undefined {
    return this.items.get(kind);
  }
}

function describeList(x: { count: number; examples: string[] }): string {
  return x.count > x.examples.length
    ? `${x.examples.join('; ')} (+${x.count - x.examples.length} more)`
    : x.examples.join('; ');
}

class GgufAnalysis {
  private version = 0;
  private le = true;
  private readonly keys = new Set<string>();
  private readonly meta = new Map<string, unknown>();
  private readonly types = new Map<string, number>();
  private readonly templates = new Set<string>();
  private readonly tensors: TensorInfo[] = [];
  private readonly issues = new Issues();
  private tensorCount = 0n;
  private kvCount = 0n;
  private tokens?: number;
  private templatesAnalysed = 0;
  private quietStrings = 0;
  private quietChars = 0;
  private skippedTemplates = 0;

  constructor(
    private readonly src: ByteSource,
    private readonly ctx: ScanContext,
  ) {}

  async run(): Promise<void> {
    const ctx = this.ctx;
    if (this.src.size < 8) {
      ctx.report(GGUF_MALFORMED, { message: 'GGUF file ends inside its 8-byte preamble', offset: 0 });
      return;
    }
    const pre = await this.src.read(0, 8);
    const dv = new DataView(pre.buffer, pre.byteOffset, pre.byteLength);
    const vLe = dv.getUint32(4, true);
    const vBe = dv.getUint32(4, false);
    if (vLe >= 1 && vLe <= 3) this.version = vLe;
    else if (vBe >= 1 && vBe <= 3) {
      this.version = vBe;
      this.le = false;
    } else {
      ctx.report(GGUF_MALFORMED, {
        message: `unsupported GGUF version ${vLe} (this analyser knows versions 1-3)`,
        offset: 4,
        evidence: { version: vLe },
      });
      return;
    }
    const r = new Reader(this.src, this.le, this.version === 1);
    r.pos = 8;
    let headerEnd: number | undefined;
    try {
      await this.header(r);
      headerEnd = r.pos;
      ctx.addAnalysis('gguf-header');
    } catch (err) {
      const at = r.pos;
      if (err instanceof Implausible)
        ctx.report(GGUF_IMPLAUSIBLE, { message: `GGUF header: ${err.message}`, offset: at });
      else if (err instanceof Truncated)
        ctx.report(GGUF_MALFORMED, { message: `GGUF header truncated: ${err.message}`, offset: at });
      else if (err instanceof HeaderLimit)
        ctx.report(GGUF_LIMIT, { message: `GGUF header not fully analysed: ${err.message}`, offset: at });
      else if (err instanceof Malformed)
        ctx.report(GGUF_MALFORMED, { message: `GGUF header malformed: ${err.message}`, offset: at });
      else throw err;
    }
    if (this.skippedTemplates)
      ctx.report(GGUF_LIMIT, {
        message: `GGUF file holds more than ${MAX_TEMPLATES} chat templates; ${this.skippedTemplates} were not analysed`,
        evidence: { analysed: MAX_TEMPLATES, skipped: this.skippedTemplates },
      });
    this.reportTensorIssues();
    if (headerEnd !== undefined) await this.layout(headerEnd);
    this.reportInfo(headerEnd !== undefined);
  }

  private async header(r: Reader): Promise<void> {
    this.tensorCount = await r.len();
    this.kvCount = await r.len();
    const minKv = BigInt((this.version === 1 ? 4 : 8) + 4 + 1);
    const minTensor = BigInt((this.version === 1 ? 4 + 4 + 4 : 8 + 4 + 4) + 8);
    r.claim(`metadata_kv_count ${this.kvCount}`, this.kvCount * minKv);
    r.claim(`tensor_count ${this.tensorCount}`, this.tensorCount * minTensor);
    r.claim(
      `metadata_kv_count ${this.kvCount} with tensor_count ${this.tensorCount}`,
      this.kvCount * minKv + this.tensorCount * minTensor,
    );
    const kvCount = Number(this.kvCount);
    for (let i = 0; i < kvCount; i++) {
      if ((i & 1023) === 1023) this.ctx.checkDeadline();
      const keyAt = r.pos;
      const k = await r.string('metadata key', 64 * 1024);
      if (k.text === undefined) throw new Malformed(`metadata key of ${k.length} bytes at offset ${keyAt}`);
      const key = k.text;
      if (this.keys.has(key)) this.issues.add('duplicate-key', key, keyAt);
      this.keys.add(key);
      const type = await r.u32();
      await this.value(r, key, type, 0);
    }
    const tensorCount = Number(this.tensorCount);
    const names = new Set<string>();
    for (let i = 0; i < tensorCount; i++) {
      if ((i & 1023) === 1023) this.ctx.checkDeadline();
      const at = r.pos;
      const t = await this.tensorInfo(r, at);
      if (names.has(t.name)) this.issues.add('duplicate-tensor', t.name, at);
      names.add(t.name);
      this.tensors.push(t);
    }
  }

  private async value(r: Reader, key: string, type: number, depth: number): Promise<void> {
    if (scalarSize(type) !== undefined) {
      const v = await r.scalar(type);
      if (depth === 0) this.meta.set(key, { type, value: v });
      return;
    }
    if (type === ValueType.STRING) {
      const isTemplate = depth === 0 && TEMPLATE_KEY.test(key);
      const s = await r.string(
        `value of ${key}`,
        isTemplate ? MAX_TEMPLATE_BYTES : depth === 0 ? MAX_META_STRING : 0,
      );
      if (depth > 0 || s.text === undefined) return;
      if (isTemplate) {
        this.templates.add(key);
        this.template(s.text, `gguf:${key}`, s.offset);
      } else if (
        /\{[{%]/.test(s.text) &&
        this.quietStrings < MAX_QUIET_STRINGS &&
        this.quietChars + s.text.length <= MAX_QUIET_CHARS
      ) {
        this.quietStrings++;
        this.quietChars += s.text.length;
        analyzeTemplate(s.text, this.ctx, { source: `gguf:${key}`, offset: s.offset, quiet: true });
      }
      this.meta.set(key, { type, value: s.text.length > 200 ? `${s.text.slice(0, 197)}...` : s.text });
      return;
    }
    if (type === ValueType.ARRAY) {
      if (depth >= MAX_NESTING)
        throw new HeaderLimit(`arrays nested deeper than ${MAX_NESTING} levels in ${key}`);
      const et = await r.u32();
      const count = await r.len();
      if (depth === 0 && key === 'tokenizer.ggml.tokens') this.tokens = Number(count);
      const es = scalarSize(et);
      if (es !== undefined) {
        r.claim(`array ${key} of ${count} ${VALUE_TYPE_NAMES[et]}`, count * BigInt(es));
        r.skip(Number(count) * es);
        return;
      }
      if (et === ValueType.STRING) {
        if (depth === 0 && TEMPLATE_KEY.test(key)) {
          r.claim(`array ${key} of ${count} strings`, count * BigInt(this.version === 1 ? 4 : 8));
          this.templates.add(key);
          for (let i = 0; i < Number(count); i++) {
            const s = await r.string(`${key}[${i}]`, MAX_TEMPLATE_BYTES);
            if (s.text !== undefined) this.template(s.text, `gguf:${key}[${i}]`, s.offset);
          }
          return;
        }
        await r.skipStrings(count, `array ${key} of ${count} strings`, () => this.ctx.checkDeadline());
        return;
      }
      if (et === ValueType.ARRAY) {
        r.claim(`array ${key} of ${count} arrays`, count * BigInt(this.version === 1 ? 8 : 12));
        for (let i = 0; i < Number(count); i++) {
          if ((i & 4095) === 4095) this.ctx.checkDeadline();
          await this.value(r, key, ValueType.ARRAY, depth + 1);
        }
        return;
      }
      throw new Malformed(`unknown array element type ${et} in ${key}`);
    }
    throw new Malformed(`unknown value type ${type} for key ${key}`);
  }

  private template(text: string, source: string, offset: number): void {
    if (this.templatesAnalysed >= MAX_TEMPLATES) {
      this.skippedTemplates++;
      return;
    }
    this.templatesAnalysed++;
    analyzeTemplate(text, this.ctx, { source, offset });
  }

  private async tensorInfo(r: Reader, at: number): Promise<TensorInfo> {
    const n = await r.string('tensor name', 64 * 1024);
    if (n.text === undefined) throw new Malformed(`tensor name of ${n.length} bytes at offset ${at}`);
    const name = n.text;
    if (n.length >= GGML_MAX_NAME)
      this.issues.add('long-name', `${name.slice(0, 40)}... (${n.length} bytes)`, at);
    const nDims = await r.u32();
    if (nDims > GGML_MAX_DIMS) this.issues.add('n-dims', `${name}: ${nDims} dimensions`, at);
    r.claim(`tensor ${name} with ${nDims} dimensions`, BigInt(nDims) * (this.version === 1 ? 4n : 8n));
    const dims: bigint[] = [];
    for (let d = 0; d < nDims; d++) dims.push(await r.len());
    const type = await r.u32();
    const offset = await r.u64();
    const t: TensorInfo = { name, dims, type, offset, at };
    const gt = GGML_TYPES.get(type);
    this.types.set(gt?.name ?? `type ${type}`, (this.types.get(gt?.name ?? `type ${type}`) ?? 0) + 1);
    if (!gt) {
      this.issues.add('unknown-type', `${name}: ggml type ${type}`, at);
      return t;
    }
    let elements = 1n;
    for (const d of dims) {
      if (d > INT64_MAX) {
        this.issues.add('dims-overflow', `${name}: dimension ${d} is negative as int64`, at);
        return t;
      }
      elements *= d;
      if (elements > INT64_MAX) {
        this.issues.add('dims-overflow', `${name}: ${dims.join(' x ')} elements overflow 64 bits`, at);
        return t;
      }
    }
    const ne0 = dims[0] ?? 1n;
    if (ne0 % BigInt(gt.blockSize) !== 0n) {
      this.issues.add(
        'block',
        `${name}: first dimension ${ne0} is not a multiple of the ${gt.name} block (${gt.blockSize})`,
        at,
      );
      return t;
    }
    const size = (elements / BigInt(gt.blockSize)) * BigInt(gt.typeSize);
    if (size > INT64_MAX) {
      this.issues.add('dims-overflow', `${name}: byte size ${size} overflows`, at);
      return t;
    }
    t.size = size;
    return t;
  }

  private reportTensorIssues(): void {
    const ctx = this.ctx;
    const i = this.issues;
    const nd = i.get('n-dims');
    if (nd)
      ctx.report(GGUF_IMPLAUSIBLE, {
        message: `GGUF tensor(s) declare more than GGML_MAX_DIMS (${GGML_MAX_DIMS}) dimensions: ${describeList(nd)}`,
        offset: nd.offset,
        evidence: { count: nd.count, examples: nd.examples },
      });
    const ov = i.get('dims-overflow');
    if (ov)
      ctx.report(GGUF_IMPLAUSIBLE, {
        message: `GGUF tensor shape overflows size computations: ${describeList(ov)}`,
        offset: ov.offset,
        evidence: { count: ov.count, examples: ov.examples },
      });
    for (const [kind, what] of [
      ['unknown-type', 'unknown ggml tensor type'],
      ['block', 'tensor shape does not fit its quantisation block'],
      ['long-name', `tensor name of ${GGML_MAX_NAME} bytes or more (llama.cpp refuses it)`],
    ] as const) {
      const x = i.get(kind);
      if (x)
        ctx.report(GGUF_MALFORMED, {
          message: `GGUF ${what}: ${describeList(x)}`,
          offset: x.offset,
          evidence: { count: x.count, examples: x.examples },
        });
    }
    for (const [kind, what] of [
      ['duplicate-key', 'metadata key(s) appear more than once'],
      ['duplicate-tensor', 'tensor name(s) appear more than once'],
    ] as const) {
      const x = i.get(kind);
      if (x)
        ctx.report(GGUF_DUPLICATE, {
          message: `GGUF ${what}: ${describeList(x)}`,
          offset: x.offset,
          evidence: { count: x.count, examples: x.examples },
        });
    }
  }

  /** Alignment, bounds, overlap, gaps and trailing data of the tensor data section. */
  private async layout(headerEnd: number): Promise<void> {
    const ctx = this.ctx;
    let align = BigInt(DEFAULT_ALIGNMENT);
    const a = this.meta.get('general.alignment') as { type: number; value: unknown } | undefined;
    if (a) {
      const v =
        typeof a.value === 'bigint'
          ? a.value
          : typeof a.value === 'number'
            ? BigInt(Math.trunc(a.value))
            : 0n;
      if (a.type !== ValueType.UINT32 || v <= 0n || (v & (v - 1n)) !== 0n) {
        ctx.report(GGUF_MALFORMED, {
          message: `general.alignment is ${String(a.value)} (${VALUE_TYPE_NAMES[a.type] ?? a.type}); it must be a uint32 power of two`,
          evidence: { alignment: String(a.value), type: VALUE_TYPE_NAMES[a.type] ?? a.type },
        });
        return;
      }
      align = v;
    }
    const fileSize = BigInt(this.src.size);
    const dataStart = alignUp(BigInt(headerEnd), align);
    const sized = this.tensors.filter((t) => t.size !== undefined) as (TensorInfo & { size: bigint })[];
    const allSized = sized.length === this.tensors.length;
    const misaligned: TensorInfo[] = [];
    const outside = new Map<string, TensorInfo>();
    for (const t of sized) {
      if (t.offset % align !== 0n) misaligned.push(t);
      if (t.offset > INT64_MAX || dataStart + t.offset + t.size >= U64_LIMIT) outside.set(t.name, t);
    }
    const sorted = [...sized].sort((x, y) => (x.offset < y.offset ? -1 : x.offset > y.offset ? 1 : 0));
    const overlaps: string[] = [];
    let overlapAt: number | undefined;
    const gaps: { at: bigint; len: bigint }[] = [];
    let contiguous = true;
    let end = 0n;
    let last: TensorInfo | undefined;
    for (const t of sorted) {
      if (t.offset !== alignUp(end, align)) contiguous = false;
      if (last && t.offset < end && t.size > 0n) {
        overlaps.push(`${last.name} and ${t.name}`);
        overlapAt ??= t.at;
      }
      const gapStart = alignUp(end, align);
      if (t.offset > gapStart && dataStart + gapStart < fileSize)
        gaps.push({ at: gapStart, len: (t.offset < fileSize ? t.offset : fileSize - dataStart) - gapStart });
      const tEnd = t.offset + t.size;
      if (tEnd > end || !last) {
        end = tEnd > end ? tEnd : end;
        last = t;
      }
    }
    const dataEnd = dataStart + end;
    ctx.addAnalysis('gguf-layout');

    const some = (xs: string[]): string =>
      xs.length > 5 ? `${xs.slice(0, 5).join(', ')} (+${xs.length - 5} more)` : xs.join(', ');
    if (misaligned.length) {
      const names = misaligned.map((t) => `${t.name} @${t.offset}`);
      ctx.report(GGUF_MISALIGNED, {
        message: `GGUF tensor offset(s) not aligned to ${align} bytes: ${some(names)}`,
        offset: misaligned[0].at,
        evidence: { alignment: Number(align), count: names.length, examples: names.slice(0, 5) },
      });
    }
    if (overlaps.length)
      ctx.report(GGUF_OVERLAP, {
        message: `GGUF tensors share bytes: ${some(overlaps)}`,
        offset: overlapAt,
        evidence: { count: overlaps.length, examples: overlaps.slice(0, 5) },
      });
    const beyond = sized.filter((t) => dataStart + t.offset + t.size > fileSize);
    if (outside.size || (beyond.length && (!contiguous || overlaps.length || !allSized))) {
      for (const t of beyond) outside.set(t.name, t);
      const list = [...outside.values()];
      const names = list.map((t) => `${t.name} @${t.offset}+${t.size}`);
      ctx.report(GGUF_OUT_OF_BOUNDS, {
        message: `GGUF tensor data outside the file (${this.src.size} bytes, data section at ${dataStart}): ${some(names)}`,
        offset: list[0].at,
        evidence: {
          fileSize: this.src.size,
          dataOffset: Number(dataStart),
          count: names.length,
          examples: names.slice(0, 5),
        },
      });
    } else if (beyond.length) {
      ctx.report(GGUF_TRUNCATED, {
        message: `GGUF file is ${this.src.size} bytes but its tensor data runs to byte ${dataEnd} (${dataEnd - fileSize} bytes missing)`,
        evidence: { fileSize: this.src.size, expectedSize: dataEnd.toString(), tensorsCut: beyond.length },
      });
    }
    if (gaps.length && allSized) {
      const total = gaps.reduce((n, g) => n + g.len, 0n);
      ctx.report(GGUF_HIDDEN_DATA, {
        message: `GGUF data section has ${gaps.length} unreferenced gap(s) between tensors (${total} bytes)`,
        offset: Number(dataStart + gaps[0].at),
        evidence: { gaps: gaps.length, bytes: total.toString() },
      });
    }
    if (!allSized || beyond.length || outside.size) return;
    const expectedEnd = alignUp(sized.length ? dataEnd : BigInt(headerEnd), align);
    if (fileSize > expectedEnd) {
      const start = Number(expectedEnd);
      const len = this.src.size - start;
      ctx.report(GGUF_HIDDEN_DATA, {
        message: `GGUF file has ${len} bytes after the end of its tensor data (analysed as <gguf-trailing-data>)`,
        offset: start,
        evidence: { bytes: len },
      });
      await ctx.scanMember('<gguf-trailing-data>', new SliceSource(this.src, start, len));
    }
  }

  private reportInfo(complete: boolean): void {
    const str = (k: string): string | undefined => {
      const m = this.meta.get(k) as { value: unknown } | undefined;
      return typeof m?.value === 'string' ? m.value : undefined;
    };
    const num = (k: string): number | undefined => {
      const m = this.meta.get(k) as { value: unknown } | undefined;
      return typeof m?.value === 'number'
        ? m.value
        : typeof m?.value === 'bigint'
          ? Number(m.value)
          : undefined;
    };
    const arch = str('general.architecture');
    const name = str('general.name');
    const fileType = num('general.file_type');
    const quant = fileType === undefined ? undefined : (FILE_TYPES.get(fileType) ?? `file_type ${fileType}`);
    const evidence: Record<string, unknown> = {
      version: this.version,
      byteOrder: this.le ? 'little-endian' : 'big-endian',
      tensors: this.tensorCount.toString(),
      metadataKeys: this.kvCount.toString(),
    };
    if (arch) evidence.architecture = arch;
    if (name) evidence.name = name;
    if (quant) evidence.fileType = quant;
    const qv = num('general.quantization_version');
    if (qv !== undefined) evidence.quantizationVersion = qv;
    if (this.types.size) evidence.tensorTypes = Object.fromEntries(this.types);
    if (this.tokens !== undefined) evidence.vocabularySize = this.tokens;
    if (this.templates.size) evidence.chatTemplates = [...this.templates];
    if (!complete) evidence.partial = true;
    const parts = [
      `GGUF v${this.version}${this.le ? '' : ' (big-endian)'}`,
      arch ? `${arch} model` : 'model',
      name ? `"${name}"` : undefined,
      quant,
      `${this.tensorCount} tensors, ${this.kvCount} metadata keys`,
      this.templates.size ? `chat template(s): ${[...this.templates].join(', ')}` : undefined,
    ].filter(Boolean);
    this.ctx.report(GGUF_INFO, { message: parts.join(', '), evidence });
  }
}

export function isGguf(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x47 && head[1] === 0x47 && head[2] === 0x55 && head[3] === 0x46;
}

export const ggufScanner: FormatScanner = {
  id: 'gguf',
  version: '1',
  sniff(input: SniffInput): number {
    const h = input.head;
    if (!isGguf(h)) return 0;
    if (h.length < 8) return 60;
    const dv = new DataView(h.buffer, h.byteOffset, h.byteLength);
    const le = dv.getUint32(4, true);
    const be = dv.getUint32(4, false);
    if ((le >= 1 && le <= 3) || (be >= 1 && be <= 3)) return 90;
    // Magic without a known version: still ours when binary (reported as malformed), not when it is text ("GGUF models…").
    for (const c of h.subarray(4, 64)) if (c < 9 || (c > 13 && c < 32)) return 60;
    return 0;
  },
  async scan(source: ByteSource, ctx: ScanContext): Promise<void> {
    ctx.addFormat('gguf');
    await new GgufAnalysis(source, ctx).run();
  },
};
