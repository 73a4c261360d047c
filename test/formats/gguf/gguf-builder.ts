/** A GGUF builder for tests (public GGUF specification): typed metadata, tensors, crafted fields. */

export const T = {
  U8: 0,
  I8: 1,
  U16: 2,
  I16: 3,
  U32: 4,
  I32: 5,
  F32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  U64: 10,
  I64: 11,
  F64: 12,
} as const;

interface Kv {
  key: string;
  type: number;
  value: unknown;
  elemType?: number;
}

interface Tensor {
  name: string;
  dims: (number | bigint)[];
  type: number;
  bytes: number;
  /** Absolute data offset; default: laid out contiguously. */
  offset?: bigint | number;
  /** Write the data (default true when the offset is the natural one). */
  write?: boolean;
}

const enc = new TextEncoder();

export class GgufBuilder {
  readonly kvs: Kv[] = [];
  readonly tensors: Tensor[] = [];
  alignment = 32;
  tensorCount?: bigint;
  kvCount?: bigint;
  rawKvs: Uint8Array[] = [];
  tail: Uint8Array = new Uint8Array(0);

  constructor(
    readonly version = 3,
    readonly littleEndian = true,
  ) {}

  kv(key: string, type: number, value: unknown, elemType?: number): this {
    this.kvs.push({ key, type, value, elemType });
    return this;
  }

  str(key: string, value: string): this {
    return this.kv(key, T.STRING, value);
  }

  tensor(
    name: string,
    dims: (number | bigint)[],
    type: number,
    bytes: number,
    offset?: bigint | number,
  ): this {
    this.tensors.push({ name, dims, type, bytes, offset });
    return this;
  }

  // ------------------------------------------------------------------------------------------ encoding

  private parts: Uint8Array[] = [];
  private size = 0;
  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.size += b.length;
  }
  u32(n: number): Uint8Array {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n >>> 0, this.littleEndian);
    return b;
  }
  u64(n: number | bigint): Uint8Array {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(n)), this.littleEndian);
    return b;
  }
  len(n: number | bigint): Uint8Array {
    return this.version === 1 ? this.u32(Number(n)) : this.u64(n);
  }
  string(s: string, declared?: number | bigint): Uint8Array {
    const b = enc.encode(s);
    return concat([this.len(declared ?? b.length), b]);
  }
  value(type: number, v: unknown, elemType?: number): Uint8Array {
    const b = new Uint8Array(8);
    const dv = new DataView(b.buffer);
    const le = this.littleEndian;
    switch (type) {
      case T.U8:
      case T.I8:
        dv.setUint8(0, Number(v));
        return b.slice(0, 1);
      case T.BOOL:
        dv.setUint8(0, v ? 1 : 0);
        return b.slice(0, 1);
      case T.U16:
      case T.I16:
        dv.setUint16(0, Number(v), le);
        return b.slice(0, 2);
      case T.U32:
      case T.I32:
        dv.setUint32(0, Number(v) >>> 0, le);
        return b.slice(0, 4);
      case T.F32:
        dv.setFloat32(0, Number(v), le);
        return b.slice(0, 4);
      case T.U64:
      case T.I64:
        dv.setBigUint64(0, BigInt.asUintN(64, BigInt(v as number)), le);
        return b;
      case T.F64:
        dv.setFloat64(0, Number(v), le);
        return b;
      case T.STRING:
        return this.string(String(v));
      case T.ARRAY: {
        const items = v as unknown[];
        const et = elemType ?? T.U32;
        return concat([
          this.u32(et),
          this.len(items.length),
          ...items.map((x) =>
            et === T.ARRAY ? this.nested(x as { et: number; items: unknown[] }) : this.value(et, x),
          ),
        ]);
      }
      default:
        throw new Error(`type ${type}`);
    }
  }
  nested(x: { et: number; items: unknown[] }): Uint8Array {
    return this.value(T.ARRAY, x.items, x.et);
  }

  /** Natural (contiguous, aligned) data offsets of the tensors without an explicit offset. */
  layout(): bigint[] {
    let off = 0n;
    const a = BigInt(this.alignment);
    return this.tensors.map((t) => {
      if (t.offset !== undefined) return BigInt(t.offset);
      const o = off;
      off = o + BigInt(t.bytes);
      off = ((off + a - 1n) / a) * a;
      return o;
    });
  }

  build(): Uint8Array {
    this.parts = [];
    this.size = 0;
    this.push(enc.encode('GGUF'));
    this.push(this.u32(this.version));
    this.push(this.len(this.tensorCount ?? BigInt(this.tensors.length)));
    this.push(this.len(this.kvCount ?? BigInt(this.kvs.length + this.rawKvs.length)));
    for (const kv of this.kvs) {
      this.push(this.string(kv.key));
      this.push(this.u32(kv.type));
      this.push(this.value(kv.type, kv.value, kv.elemType));
    }
    for (const r of this.rawKvs) this.push(r);
    const offsets = this.layout();
    this.tensors.forEach((t, i) => {
      this.push(this.string(t.name));
      this.push(this.u32(t.dims.length));
      for (const d of t.dims) this.push(this.len(d));
      this.push(this.u32(t.type));
      this.push(this.u64(offsets[i]));
    });
    this.push(new Uint8Array((this.alignment - (this.size % this.alignment)) % this.alignment));
    const header = concat(this.parts);
    const order = this.tensors
      .map((t, i) => ({ t, o: offsets[i] }))
      .filter(({ t, o }) => t.write !== false && o < 1n << 24n)
      .sort((x, y) => (x.o < y.o ? -1 : 1));
    const body: Uint8Array[] = [];
    let pos = 0;
    for (const { t, o } of order) {
      const at = Number(o);
      if (at < pos) continue;
      body.push(new Uint8Array(at - pos));
      const data = new Uint8Array(t.bytes).map((_, j) => (j * 13 + t.name.length) & 0xff);
      body.push(data);
      pos = at + t.bytes;
      const pad = (this.alignment - (pos % this.alignment)) % this.alignment;
      body.push(new Uint8Array(pad));
      pos += pad;
    }
    return concat([header, ...body, this.tail]);
  }
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A small llama-like model: metadata, vocabulary, chat template and three tensors (F32, F16, Q8_0). */
export function llamaLike(
  opts: { version?: number; littleEndian?: boolean; template?: string } = {},
): GgufBuilder {
  const g = new GgufBuilder(opts.version ?? 3, opts.littleEndian ?? true);
  g.str('general.architecture', 'llama');
  g.str('general.name', 'Test Model');
  g.kv('general.file_type', T.U32, 7);
  g.kv('llama.context_length', T.U32, 2048);
  g.kv('llama.rope.freq_base', T.F32, 10000);
  g.str('tokenizer.ggml.model', 'llama');
  g.kv('tokenizer.ggml.tokens', T.ARRAY, ['<s>', '</s>', '__init__', '__class__', '{{', 'popen'], T.STRING);
  g.kv('tokenizer.ggml.scores', T.ARRAY, [0, -1, -2, -3, -4, -5], T.F32);
  g.kv('tokenizer.ggml.bos_token_id', T.U32, 0);
  if (opts.template !== undefined) g.str('tokenizer.chat_template', opts.template);
  g.tensor('token_embd.weight', [32, 6], 1, 32 * 6 * 2);
  g.tensor('blk.0.attn_q.weight', [32, 32], 8, 32 * 34);
  g.tensor('output_norm.weight', [32], 0, 128);
  return g;
}
