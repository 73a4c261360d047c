import type { RuleMeta } from '../../../core/rules.js';
import { BufferSource, SliceSource, type ByteSource } from '../../source.js';
import type { FormatScanner, ScanContext, SniffInput } from '../../types.js';
import {
  ST_DUPLICATE_KEY,
  ST_HEADER_INVALID,
  ST_HEADER_LENGTH,
  ST_HEADER_TOO_LARGE,
  ST_INVALID_ENTRY,
  ST_METADATA_CODE,
  ST_METADATA_LARGE,
  ST_METADATA_PAYLOAD,
  ST_METADATA_RISKY_URL,
  ST_METADATA_URL,
  ST_OUT_OF_RANGE,
  ST_OVERLAP,
  ST_SIZE_MISMATCH,
  ST_TENSOR_NAME,
  ST_UNCOVERED,
  ST_UNKNOWN_DTYPE,
} from './rules.js';
import { JsonNumber, JsonObject, JsonSyntaxError, parseStrictJson, type JsonValue } from './strict-json.js';
import { decodeBase64, findCode, findUrls, payloadKind, unsafeName } from './text-checks.js';

/** The reference implementation refuses headers longer than this (decimal, as in safetensors' MAX_HEADER_SIZE). */
export const MAX_HEADER_SIZE = 100_000_000;

/** Bits per element of every dtype the safetensors specification defines. */
export const DTYPE_BITS: ReadonlyMap<string, number> = new Map([
  ['BOOL', 8],
  ['F4', 4],
  ['F6_E2M3', 6],
  ['F6_E3M2', 6],
  ['U8', 8],
  ['I8', 8],
  ['F8_E5M2', 8],
  ['F8_E4M3', 8],
  ['F8_E8M0', 8],
  ['F8_E4M3FNUZ', 8],
  ['F8_E5M2FNUZ', 8],
  ['I16', 16],
  ['U16', 16],
  ['F16', 16],
  ['BF16', 16],
  ['I32', 32],
  ['U32', 32],
  ['F32', 32],
  ['C64', 64],
  ['F64', 64],
  ['I64', 64],
  ['U64', 64],
]);

/** Findings reported one by one per rule; the rest are summarised in one finding. */
const MAX_FINDINGS_PER_RULE = 20;
/** Uncovered regions analysed as content of their own. */
const MAX_HIDDEN_REGIONS = 8;
/** A metadata value longer than this is reported as oversized. */
const LARGE_VALUE = 8 * 1024 * 1024;
/** Metadata text checked for code/URLs per value (the head of longer values). */
const MAX_TEXT_CHECK = 1024 * 1024;
/** Total base64 bytes decoded from metadata per file. */
const MAX_DECODED_TOTAL = 64 * 1024 * 1024;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** True when `head` from `at` looks like the start of a JSON object: '{' then '"' or '}' (whitespace allowed). */
function headerStartsLikeObject(head: Uint8Array, at: number): boolean {
  let i = at;
  while (i < head.length && head[i] === 0x20) i++;
  if (i >= head.length || head[i] !== 0x7b) return false;
  i++;
  while (i < head.length && isSpace(head[i])) i++;
  if (i >= head.length) return true;
  return head[i] === 0x22 || head[i] === 0x7d;
}

function readU64(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = 7; i >= 0; i--) n = (n << 8n) | BigInt(b[i]);
  return n;
}

export const safetensorsScanner: FormatScanner = {
  id: 'safetensors',
  version: '1',
  sniff(input: SniffInput): number {
    const h = input.head;
    if (h.length < 10 || input.size < 10) return 0;
    if (!headerStartsLikeObject(h, 8)) return 0;
    const n = readU64(h);
    if (n >= 2n && n <= BigInt(MAX_HEADER_SIZE) && n + 8n <= BigInt(input.size)) return 85;
    // A header length that does not fit: still a safetensors file (truncated or crafted), reported as such.
    // Lengths up to 2^40 only, so random binary with "{" at byte 8 is not claimed.
    if (n < 1n << 40n) return 40;
    return 0;
  },
  async scan(source: ByteSource, ctx: ScanContext): Promise<void> {
    ctx.addFormat('safetensors');
    const prefix = await source.read(0, 8);
    const n = readU64(prefix);
    if (n > BigInt(MAX_HEADER_SIZE)) {
      ctx.report(ST_HEADER_TOO_LARGE, {
        message: `header length ${n} is larger than the reference limit of ${MAX_HEADER_SIZE} bytes; header not parsed`,
        offset: 0,
        evidence: { headerLength: n.toString(), fileSize: source.size },
      });
      return;
    }
    const headerLen = Number(n);
    if (headerLen + 8 > source.size) {
      ctx.report(ST_HEADER_LENGTH, {
        message: `header length ${headerLen} runs past the end of the file (${source.size} bytes); header not parsed`,
        offset: 0,
        evidence: { headerLength: headerLen, fileSize: source.size },
      });
      return;
    }
    if (headerLen < 2) {
      ctx.report(ST_HEADER_LENGTH, {
        message: `header length ${headerLen} is too small to hold a JSON object`,
        offset: 0,
        evidence: { headerLength: headerLen, fileSize: source.size },
      });
      return;
    }
    const raw = await source.read(8, headerLen);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(raw);
    } catch {
      ctx.report(ST_HEADER_INVALID, { message: 'header is not valid UTF-8', offset: 8 });
      return;
    }
    const first = text.search(/[^ ]/);
    if (first < 0 || text[first] !== '{') {
      ctx.report(ST_HEADER_INVALID, {
        message: `header does not start with "{" (found ${JSON.stringify(text.slice(Math.max(first, 0), Math.max(first, 0) + 16))})`,
        offset: 8,
      });
      return;
    }
    let doc: JsonValue;
    try {
      doc = parseStrictJson(text);
    } catch (err) {
      const pos = err instanceof JsonSyntaxError ? err.position : undefined;
      ctx.report(ST_HEADER_INVALID, {
        message: `header is not valid JSON: ${(err as Error).message}`,
        offset: 8,
        evidence:
          pos !== undefined ? { position: pos, near: text.slice(Math.max(0, pos - 20), pos + 20) } : {},
      });
      return;
    }
    ctx.checkDeadline();
    const bufferStart = 8 + headerLen;
    const bufferSize = source.size - bufferStart;
    await new HeaderCheck(ctx, source, bufferStart, bufferSize).run(doc as JsonObject);
    ctx.addAnalysis('safetensors-header');
  },
};

interface Tensor {
  name: string;
  dtype: string;
  begin: bigint;
  end: bigint;
}

class HeaderCheck {
  private readonly counts = new Map<RuleMeta, number>();
  private decodedTotal = 0;

  constructor(
    private readonly ctx: ScanContext,
    private readonly source: ByteSource,
    private readonly bufferStart: number,
    private readonly bufferSize: number,
  ) {}

  /** Reports up to MAX_FINDINGS_PER_RULE findings per rule. */
  private report(rule: RuleMeta, message: string, evidence?: Record<string, unknown>): void {
    const c = (this.counts.get(rule) ?? 0) + 1;
    this.counts.set(rule, c);
    if (c <= MAX_FINDINGS_PER_RULE) this.ctx.report(rule, { message, evidence });
  }

  private summarise(): void {
    for (const [rule, c] of this.counts)
      if (c > MAX_FINDINGS_PER_RULE)
        this.ctx.report(rule, {
          message: `${c - MAX_FINDINGS_PER_RULE} more ${rule.name} findings not listed (${c} in all)`,
          evidence: { total: c },
        });
  }

  async run(doc: JsonValue): Promise<void> {
    if (!(doc instanceof JsonObject)) {
      this.report(ST_INVALID_ENTRY, 'header is not a JSON object');
      this.summarise();
      return;
    }
    for (const d of doc.duplicates)
      this.report(ST_DUPLICATE_KEY, `tensor name ${JSON.stringify(d)} appears more than once in the header`, {
        key: d,
      });

    const tensors: Tensor[] = [];
    let metadataSeen = false;
    for (const [name, value] of doc.members) {
      if (name === '__metadata__') {
        if (metadataSeen) continue;
        metadataSeen = true;
        await this.checkMetadata(value);
        continue;
      }
      this.checkName(name, 'tensor name');
      const t = this.checkEntry(name, value);
      if (t) tensors.push(t);
    }
    this.checkLayout(tensors);
    await this.scanUncovered(tensors);
    this.ctx.addAnalysis(`safetensors:${tensors.length} tensors`);
    this.summarise();
  }

  private checkEntry(name: string, value: JsonValue): Tensor | undefined {
    const where = `tensor ${JSON.stringify(name)}`;
    if (!(value instanceof JsonObject)) {
      this.report(ST_INVALID_ENTRY, `${where} is not an object`, { tensor: name });
      return undefined;
    }
    for (const d of value.duplicates)
      this.report(ST_DUPLICATE_KEY, `${where} repeats the field ${JSON.stringify(d)}`, {
        tensor: name,
        key: d,
      });
    const dtype = value.get('dtype');
    const shape = value.get('shape');
    const offsets = value.get('data_offsets');
    if (typeof dtype !== 'string') {
      this.report(ST_INVALID_ENTRY, `${where} has no string dtype`, { tensor: name });
      return undefined;
    }
    if (!Array.isArray(shape) || !shape.every((d) => d instanceof JsonNumber && d.isUnsignedInt)) {
      this.report(ST_INVALID_ENTRY, `${where} has a shape that is not a list of non-negative integers`, {
        tensor: name,
        shape: describe(shape),
      });
      return undefined;
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((d) => d instanceof JsonNumber && d.isUnsignedInt)
    ) {
      this.report(ST_INVALID_ENTRY, `${where} has data_offsets that are not two non-negative integers`, {
        tensor: name,
        data_offsets: describe(offsets),
      });
      return undefined;
    }
    const begin = (offsets[0] as JsonNumber).big();
    const end = (offsets[1] as JsonNumber).big();
    const dims = (shape as JsonNumber[]).map((d) => d.big());
    const evidence = {
      tensor: name,
      dtype,
      shape: dims.map((d) => d.toString()),
      data_offsets: [begin.toString(), end.toString()],
    };
    const bits = DTYPE_BITS.get(dtype);
    if (bits === undefined) {
      this.report(
        ST_UNKNOWN_DTYPE,
        `${where} has unknown dtype ${JSON.stringify(dtype.slice(0, 40))}`,
        evidence,
      );
    } else if (end >= begin) {
      let elements = 1n;
      for (const d of dims) elements *= d;
      const totalBits = elements * BigInt(bits);
      if (totalBits >= 1n << 64n) {
        this.report(ST_SIZE_MISMATCH, `${where}: dtype × shape overflows a 64-bit size`, evidence);
      } else if (totalBits % 8n !== 0n) {
        this.report(
          ST_SIZE_MISMATCH,
          `${where}: ${elements} elements of ${dtype} (${bits} bits) do not fill whole bytes`,
          evidence,
        );
      } else if (totalBits / 8n !== end - begin) {
        this.report(
          ST_SIZE_MISMATCH,
          `${where}: ${dtype} × [${dims.join(', ')}] is ${totalBits / 8n} bytes but data_offsets span ${end - begin}`,
          evidence,
        );
      }
    }
    if (end < begin) {
      this.report(ST_OUT_OF_RANGE, `${where} ends (${end}) before it begins (${begin})`, evidence);
    } else if (end > BigInt(this.bufferSize)) {
      this.report(
        ST_OUT_OF_RANGE,
        `${where} spans bytes ${begin}–${end} of a ${this.bufferSize}-byte buffer (past the end of the file)`,
        evidence,
      );
    }
    return { name, dtype, begin, end };
  }

  /** Tensors sorted by offsets must each start where the previous one ended (as the reference loader checks). */
  private checkLayout(tensors: Tensor[]): void {
    const sorted = tensors
      .filter((t) => t.end >= t.begin)
      .sort((a, b) =>
        a.begin < b.begin ? -1 : a.begin > b.begin ? 1 : a.end < b.end ? -1 : a.end > b.end ? 1 : 0,
      );
    let maxEnd = 0n;
    let owner: Tensor | undefined;
    for (const t of sorted) {
      if (owner && t.begin < maxEnd) {
        const upto = t.end < maxEnd ? t.end : maxEnd;
        this.report(
          ST_OVERLAP,
          t.end === t.begin
            ? `empty tensor ${JSON.stringify(t.name)} lies inside ${JSON.stringify(owner.name)} (offset ${t.begin})`
            : `tensors ${JSON.stringify(owner.name)} and ${JSON.stringify(t.name)} overlap (bytes ${t.begin}–${upto})`,
          {
            tensors: [owner.name, t.name],
            first: [owner.begin.toString(), owner.end.toString()],
            second: [t.begin.toString(), t.end.toString()],
          },
        );
      }
      if (t.end > maxEnd || !owner) {
        maxEnd = t.end > maxEnd ? t.end : maxEnd;
        owner = t;
      }
    }
  }

  /** Gaps between tensors and bytes after the last one: reported and analysed as content. */
  private async scanUncovered(tensors: Tensor[]): Promise<void> {
    const size = BigInt(this.bufferSize);
    const ranges = tensors
      .filter((t) => t.end >= t.begin && t.end > t.begin)
      .map((t) => [t.begin < size ? t.begin : size, t.end < size ? t.end : size] as const)
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const gaps: [bigint, bigint][] = [];
    let pos = 0n;
    for (const [b, e] of ranges) {
      if (b > pos) gaps.push([pos, b]);
      if (e > pos) pos = e;
    }
    if (pos < size) gaps.push([pos, size]);
    let analysed = 0;
    for (const [b, e] of gaps) {
      const trailing = e === size && b === pos;
      this.report(
        ST_UNCOVERED,
        trailing
          ? `${e - b} bytes after the last tensor (buffer offset ${b}) belong to no tensor`
          : `bytes ${b}–${e} of the buffer (${e - b} bytes) belong to no tensor`,
        {
          bufferOffset: b.toString(),
          length: (e - b).toString(),
          fileOffset: (BigInt(this.bufferStart) + b).toString(),
        },
      );
      if (analysed < MAX_HIDDEN_REGIONS && e - b >= 4n) {
        analysed++;
        this.ctx.checkDeadline();
        const start = this.bufferStart + Number(b);
        await this.ctx.scanMember(
          `<uncovered bytes at ${start}>`,
          new SliceSource(this.source, start, Number(e - b)),
        );
      }
    }
  }

  private checkName(name: string, what: string): void {
    const problem = unsafeName(name);
    if (problem)
      this.report(ST_TENSOR_NAME, `${what} ${JSON.stringify(name.slice(0, 200))} is unsafe: ${problem}`, {
        name: name.slice(0, 500),
        problem,
      });
    const code = findCode(name.slice(0, MAX_TEXT_CHECK));
    if (code)
      this.report(
        ST_METADATA_CODE,
        `${what} ${JSON.stringify(name.slice(0, 120))} contains ${code.kind} code`,
        {
          name: name.slice(0, 500),
          kind: code.kind,
          match: code.match,
        },
      );
  }

  private async checkMetadata(value: JsonValue): Promise<void> {
    if (value === null) return;
    if (!(value instanceof JsonObject)) {
      this.report(ST_INVALID_ENTRY, '__metadata__ is not an object of strings');
      return;
    }
    for (const d of value.duplicates)
      this.report(ST_DUPLICATE_KEY, `__metadata__ repeats the key ${JSON.stringify(d)}`, { key: d });
    const urls: string[] = [];
    for (const [key, v] of value.members) {
      this.ctx.checkDeadline();
      this.checkName(key, 'metadata key');
      if (typeof v !== 'string') {
        this.report(ST_INVALID_ENTRY, `__metadata__ value of ${JSON.stringify(key)} is not a string`, {
          key,
          type: describe(v),
        });
        continue;
      }
      const head = v.length > MAX_TEXT_CHECK ? v.slice(0, MAX_TEXT_CHECK) : v;
      const code = findCode(head);
      if (code)
        this.report(
          ST_METADATA_CODE,
          `metadata ${JSON.stringify(key)} contains ${code.kind === 'shell' ? 'a shell command' : `${code.kind} code`}: ${code.match}`,
          { key, kind: code.kind, match: code.match },
        );
      for (const u of findUrls(head)) {
        if (u.risk)
          this.report(
            ST_METADATA_RISKY_URL,
            `metadata ${JSON.stringify(key)} links to ${u.url} (${u.risk})`,
            {
              key,
              url: u.url,
              risk: u.risk,
            },
          );
        else if (urls.length < 50) urls.push(u.url);
      }
      if (v.length > LARGE_VALUE)
        this.report(ST_METADATA_LARGE, `metadata ${JSON.stringify(key)} is ${v.length} characters long`, {
          key,
          length: v.length,
        });
      await this.checkEncoded(key, v);
    }
    if (urls.length)
      this.ctx.report(ST_METADATA_URL, {
        message: `metadata contains ${urls.length} URL(s): ${urls.slice(0, 3).join(', ')}${urls.length > 3 ? ', …' : ''}`,
        evidence: { urls },
      });
  }

  private async checkEncoded(key: string, v: string): Promise<void> {
    if (v.length < 24 || this.decodedTotal >= MAX_DECODED_TOTAL) return;
    if (/^data:image\//i.test(v)) return;
    const decoded = decodeBase64(v, MAX_DECODED_TOTAL - this.decodedTotal);
    if (!decoded) return;
    this.decodedTotal += decoded.length;
    const kind = payloadKind(decoded);
    if (!kind) {
      // Encoded text: code hidden from plain-text checks by base64.
      let text: string | undefined;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(decoded.subarray(0, MAX_TEXT_CHECK));
      } catch {
        return;
      }
      const code = findCode(text);
      if (code)
        this.report(
          ST_METADATA_CODE,
          `metadata ${JSON.stringify(key)} is base64-encoded ${code.kind === 'shell' ? 'shell command' : `${code.kind} code`}: ${code.match}`,
          { key, kind: code.kind, match: code.match, encoding: 'base64' },
        );
      return;
    }
    this.report(
      ST_METADATA_PAYLOAD,
      `metadata ${JSON.stringify(key)} is base64 of a ${kind} (${decoded.length} bytes); analysed as content`,
      { key, kind, decodedBytes: decoded.length },
    );
    await this.ctx.scanMember(`__metadata__/${key}`, new BufferSource(decoded));
  }
}

function describe(v: JsonValue | undefined): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (v instanceof JsonNumber) return v.raw;
  if (v instanceof JsonObject) return 'object';
  if (Array.isArray(v))
    return `[${v
      .map((x) => describe(x))
      .slice(0, 8)
      .join(', ')}${v.length > 8 ? ', …' : ''}]`;
  if (typeof v === 'string') return JSON.stringify(v.slice(0, 40));
  return String(v);
}
