// GGUF section of `npm run bench`: a ≥ 1 GiB GGUF file (llama-like metadata, a 32k-token vocabulary, a chat template
// and a few large tensors) must be analysed from its header only. The header is written by the small writer below
// (public GGUF specification); the tensor data section is left as a hole (sparse file) so generation is instant and
// costs no disk. No Python needed.
//
//   import { benchGguf } from './formats-gguf.js';
//   const r = await benchGguf({ dir, scan });  // -> { name, file, sizeBytes, bytesRead, ms, verdict }
//
// Environment: BULWARK_BENCH_GGUF_MB (default 1536) — size of the tensor data section in MiB.

import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';

const MiB = 1024 * 1024;
const ALIGN = 32;
const enc = new TextEncoder();

const CHAT_TEMPLATE = `{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content'] | trim %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set system_message = '' %}
    {%- set loop_messages = messages %}
{%- endif %}
{{- bos_token }}
{%- if system_message %}{{- '<|start_header_id|>system<|end_header_id|>\\n\\n' + system_message + '<|eot_id|>' }}{%- endif %}
{%- for message in loop_messages %}
    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}
{%- endfor %}
{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}
`;

/** Little-endian GGUF v3 header writer (metadata and tensor descriptors only). */
class Header {
  constructor() {
    this.parts = [];
    this.size = 0;
    this.kvs = 0;
  }
  push(b) {
    this.parts.push(b);
    this.size += b.length;
  }
  u32(n) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  }
  u64(n) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    return b;
  }
  f32(n) {
    const b = Buffer.alloc(4);
    b.writeFloatLE(n);
    return b;
  }
  str(s) {
    const b = Buffer.from(enc.encode(s));
    return Buffer.concat([this.u64(b.length), b]);
  }
  kv(key, type, valueBytes) {
    this.kvs++;
    this.push(this.str(key));
    this.push(this.u32(type));
    this.push(valueBytes);
  }
  kvStr(key, s) {
    this.kv(key, 8, this.str(s));
  }
  kvU32(key, n) {
    this.kv(key, 4, this.u32(n));
  }
  kvF32(key, n) {
    this.kv(key, 6, this.f32(n));
  }
  kvArray(key, elemType, items, encode) {
    this.kv(key, 9, Buffer.concat([this.u32(elemType), this.u64(items.length), ...items.map(encode)]));
  }
}

function buildHeader(dataMiB) {
  const h = new Header();
  const vocab = Array.from({ length: 32000 }, (_, i) =>
    i < 3 ? ['<unk>', '<s>', '</s>'][i] : `▁tok${i.toString(36)}`,
  );
  h.kvStr('general.architecture', 'llama');
  h.kvStr('general.name', 'Bulwark Bench 1B');
  h.kvU32('general.file_type', 7);
  h.kvU32('general.quantization_version', 2);
  h.kvU32('llama.context_length', 4096);
  h.kvU32('llama.embedding_length', 2048);
  h.kvU32('llama.block_count', 16);
  h.kvU32('llama.attention.head_count', 32);
  h.kvF32('llama.rope.freq_base', 10000);
  h.kvStr('tokenizer.ggml.model', 'llama');
  h.kvArray('tokenizer.ggml.tokens', 8, vocab, (t) => h.str(t));
  h.kvArray('tokenizer.ggml.scores', 6, vocab, (_, i) => h.f32(-i));
  h.kvArray('tokenizer.ggml.token_type', 5, vocab, (_, i) => h.u32(i < 3 ? 3 : 1));
  h.kvU32('tokenizer.ggml.bos_token_id', 1);
  h.kvU32('tokenizer.ggml.eos_token_id', 2);
  h.kvStr('tokenizer.chat_template', CHAT_TEMPLATE);
  // A few large tensors: F16 embeddings, Q8_0 blocks (32 elements in 34 bytes) and F32 norms, ~dataMiB in total.
  const emb = 2048 * 32000 * 2;
  const q8Rows = Math.max(1, Math.floor((dataMiB * MiB - emb) / 4 / ((4096 / 32) * 34)));
  const tensors = [
    { name: 'token_embd.weight', dims: [2048, 32000], type: 1, bytes: emb },
    ...[0, 1, 2, 3].map((i) => ({
      name: `blk.${i}.ffn_up.weight`,
      dims: [4096, q8Rows],
      type: 8,
      bytes: (4096 / 32) * 34 * q8Rows,
    })),
    { name: 'output_norm.weight', dims: [2048], type: 0, bytes: 2048 * 4 },
  ];
  const kvBytes = Buffer.concat(h.parts);
  const infos = [];
  let off = 0n;
  for (const t of tensors) {
    infos.push(
      h.str(t.name),
      h.u32(t.dims.length),
      ...t.dims.map((d) => h.u64(d)),
      h.u32(t.type),
      h.u64(off),
    );
    off += BigInt(t.bytes);
    off = ((off + BigInt(ALIGN) - 1n) / BigInt(ALIGN)) * BigInt(ALIGN);
  }
  const pre = Buffer.concat([Buffer.from('GGUF'), h.u32(3), h.u64(tensors.length), h.u64(h.kvs)]);
  let header = Buffer.concat([pre, kvBytes, ...infos]);
  header = Buffer.concat([header, Buffer.alloc((ALIGN - (header.length % ALIGN)) % ALIGN)]);
  return { header, total: header.length + Number(off) };
}

/** Writes (once) the sparse GGUF file and scans it; returns what run.js reports. */
export async function benchGguf({ dir, scan }) {
  const dataMiB = Number(process.env.BULWARK_BENCH_GGUF_MB ?? 1536);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `bench-${dataMiB}m.gguf`);
  const { header, total } = buildHeader(dataMiB);
  if (!existsSync(file) || statSync(file).size !== total) {
    const fd = openSync(file, 'w');
    try {
      for (let o = 0; o < header.length; o += MiB)
        writeSync(fd, header.subarray(o, Math.min(header.length, o + MiB)));
      ftruncateSync(fd, total); // tensor data: a hole, read back as zeros
    } finally {
      closeSync(fd);
    }
  }
  const t0 = performance.now();
  const report = await scan([file], { workers: false });
  const ms = performance.now() - t0;
  const r = report.files[0];
  return {
    name: `GGUF ${(total / 2 ** 30).toFixed(2)} GiB (header ${(header.length / MiB).toFixed(2)} MiB, 32k vocab, chat template)`,
    file,
    sizeBytes: total,
    bytesRead: r.bytesRead,
    ms,
    verdict: r.verdict,
  };
}
