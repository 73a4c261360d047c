import type { Limits } from '../../core/limits.js';
import { LimitError } from '../../core/errors.js';
import { Memo } from './memo.js';
import { OP, opName, HIGHEST_PROTOCOL } from './opcodes.js';
import type { PicklePolicy } from './policy.js';
import {
  type Box,
  type BytesBox,
  type SymCall,
  type SymDict,
  type SymGlobal,
  TAG_BUFFER,
  TAG_DICT,
  TAG_FLOAT,
  TAG_FROZENSET,
  TAG_LIST,
  TAG_SET,
  isSym,
} from './values.js';

/**
 * A symbolic pickle machine. It executes every opcode of protocols 0–5 over symbolic values and never imports,
 * calls or constructs anything. Globals are resolved from the symbolic stack and memo, so memo tricks, decoy strings
 * and type confusion cannot hide them. Input is fed in chunks (streaming); memory is bounded by Limits.
 *
 * Bulk data stays in typed arrays (kind + two payload words per slot); only values an analysis needs (globals,
 * calls, tuples, BUILD state) are materialised as {@link Box} objects.
 */

// Value kinds of a stack / memo slot.
const K_EMPTY = 0;
const K_NONE = 1;
const K_TRUE = 2;
const K_FALSE = 3;
const K_INT = 4; // a = value (may be inexact for huge ints)
const K_FLOAT = 5;
const K_STRC = 6; // utf-8 text in the current buffer: a = offset, b = length
const K_STRA = 7; // utf-8 text in the arena: a = offset, b = length
const K_BYTC = 8; // bytes in the current buffer
const K_BYTA = 9; // bytes in the arena
const K_SSTRC = 10; // 8-bit string (BINSTRING) in the current buffer
const K_SSTRA = 11; // 8-bit string in the arena
const K_OBJ = 12; // a Box in the object slot
const K_DICT = 13;
const K_LIST = 14;
const K_SET = 15;
const K_FROZENSET = 16;
const K_BUFFER = 17;

const SHORT_COPY = 24;
const MAX_DICT_TRACK = 64;
const MAX_TUPLE_BOX = 256;

export type AnomalyKind =
  | 'frame-mismatch'
  | 'duplicate-proto'
  | 'misplaced-proto'
  | 'bad-proto'
  | 'memo-miss'
  | 'stack-underflow'
  | 'mark-missing'
  | 'unresolved-global'
  | 'invalid-global'
  | 'ext-code'
  | 'dynamic-call'
  | 'buffer-opcode'
  | 'persid';

export interface VmHooks {
  /** Every global the stream imports (GLOBAL, STACK_GLOBAL, INST, EXT). */
  onGlobal?(g: SymGlobal): void;
  /** Every call: REDUCE, INST, OBJ, NEWOBJ, NEWOBJ_EX, and BUILD / item setters on non-containers. */
  onCall?(c: SymCall): void;
  onAnomaly?(kind: AnomalyKind, detail: string, offset: number): void;
  /** A lookup function (getattr, _ufunc_reconstruct) was applied to constants and resolved to a global. */
  onLookupResolved?(lookup: SymGlobal, result: SymGlobal): void;
  /** Called at each STOP with the index of the pickle that ended. */
  onPickleEnd?(index: number, offset: number, result: Box): void;
  /**
   * Called after BUILD. May tell the machine that raw bytes follow in the stream (joblib arrays) or that a whole
   * pickle follows (joblib object arrays).
   */
  afterBuild?(target: Box, state: Box, offset: number): InlineData | undefined;
}

export type InlineData = { type: 'raw'; bytes: number; alignmentPrefix: boolean } | { type: 'pickle' };

export interface VmOptions {
  limits: Limits;
  policy: PicklePolicy;
  hooks?: VmHooks;
  /** Probe mode: decide whether bytes are a pickle; invalid global names are errors and nothing is reported. */
  probe?: boolean;
  /** Stop after this many pickles (e.g. 5 for legacy PyTorch files); the rest of the stream is not pickle data. */
  maxPickles?: number;
  /** Absolute offset of the first byte fed (for locations). */
  baseOffset?: number;
}

export interface VmResult {
  /** Pickles that reached STOP. */
  pickles: number;
  opcodes: number;
  /** Bytes consumed as pickle data (offset of the end of the last complete pickle, relative to the start). */
  endOffset: number;
  /** The stream broke: message and absolute offset. */
  error?: { message: string; offset: number; opcode?: string };
  /** Non-pickle bytes after the last complete pickle. */
  trailing?: { offset: number; bytes: number };
  /** The stream ended inside a pickle. */
  truncated: boolean;
  /** A global import or call was seen before any error (probe: this is a pickle even if broken). */
  sawGlobal: boolean;
  highestProto: number;
  /** maxPickles was reached; bytes after it were not examined. */
  stoppedAtMaxPickles: boolean;
}

class VmError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const IDENT =
  /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*(\.[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*)*$/u;

export function isDottedIdentifier(s: string): boolean {
  return s.length > 0 && s.length < 1024 && IDENT.test(s);
}

const utf8 = new TextDecoder('utf-8');

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

interface SavedState {
  sk: Uint8Array<ArrayBuffer>;
  sa: Float64Array<ArrayBuffer>;
  sb: Int32Array<ArrayBuffer>;
  so: Box[];
  sp: number;
  marks: Int32Array<ArrayBuffer>;
  nmarks: number;
  memo: Memo;
  proto: number;
  pickleStartOps: number;
  frameEnd: number;
}

export class PickleVM {
  private readonly limits: Limits;
  private readonly policy: PicklePolicy;
  private readonly hooks: VmHooks;
  private readonly probe: boolean;
  private maxPickles: number;

  // stack
  private sk = new Uint8Array(256);
  private sa = new Float64Array(256);
  private sb = new Int32Array(256);
  private so: Box[] = [];
  private sp = 0;
  /** Lowest stack index that may hold a K_STRC/K_BYTC/K_SSTRC (buffer-relative) value. */
  private minBufRef = Number.MAX_SAFE_INTEGER;
  // marks (metastack): stack heights
  private marks = new Int32Array(64);
  private nmarks = 0;
  // memo
  private memo: Memo;
  // string arena for retained short strings
  private arena = new Uint8Array(64 * 1024);
  private arenaLen = 0;

  // input
  private buf: Uint8Array = new Uint8Array(0);
  private base = 0; // absolute offset of buf[0]
  private leftover: Uint8Array | null = null;
  private skipRemaining = 0;
  private pendingInline: InlineData | null = null;
  private done = false;

  // stream state
  private proto = 0;
  private pickles = 0;
  private opcodes = 0;
  /** Value of `opcodes` when the current pickle started. */
  private pickleStartOps = 0;
  private atStart = true;
  private pickleStart = 0;
  private endOffset = 0;
  private frameEnd = -1;
  private frameMismatchReported = false;
  private sawGlobal = false;
  private sawGlobalInPickle = false;
  private highestProto = 0;
  private error: VmResult['error'];
  private trailing: VmResult['trailing'];
  private stoppedAtMaxPickles = false;
  private saved: SavedState[] = [];
  private readonly startOffset: number;

  constructor(opts: VmOptions) {
    this.limits = opts.limits;
    this.policy = opts.policy;
    this.hooks = opts.hooks ?? {};
    this.probe = opts.probe ?? false;
    this.maxPickles = opts.maxPickles ?? Number.MAX_SAFE_INTEGER;
    this.base = opts.baseOffset ?? 0;
    this.startOffset = this.base;
    this.memo = new Memo(Math.min(this.limits.maxMemo, 0x7fffffff));
    this.pickleStart = this.base;
    this.endOffset = this.base;
  }

  /** Stop after `n` pickles in total (decided after the first one, e.g. legacy PyTorch). */
  limitPickles(n: number): void {
    this.maxPickles = n;
  }

  /** True once the machine needs no more input (error, maxPickles reached). */
  get finished(): boolean {
    return this.done;
  }

  /** Feed the next chunk of the stream. */
  feed(chunk: Uint8Array): void {
    if (this.done || chunk.length === 0) return;
    if (this.skipRemaining > 0) {
      const n = Math.min(this.skipRemaining, chunk.length);
      this.skipRemaining -= n;
      this.base += n;
      if (n === chunk.length) return;
      chunk = chunk.subarray(n);
    }
    let data: Uint8Array;
    if (this.leftover && this.leftover.length) {
      data = new Uint8Array(this.leftover.length + chunk.length);
      data.set(this.leftover, 0);
      data.set(chunk, this.leftover.length);
      this.leftover = null;
    } else data = chunk;
    this.migrateBufRefs();
    this.buf = data;
    this.run();
  }

  /** Signal the end of input and collect the result. */
  end(): VmResult {
    if (!this.done) {
      const rest = this.leftover?.length ?? 0;
      if (this.skipRemaining > 0 || rest > 0 || !this.atStart) {
        const offset = this.base;
        if (!this.atStart && this.isTrailingCandidate()) {
          this.trailing = { offset: this.pickleStart, bytes: offset + rest - this.pickleStart };
        } else if (!this.atStart || rest > 0 || this.skipRemaining > 0) {
          if (!this.probe) {
            this.error ??= {
              message: 'stream ended inside a pickle (no STOP opcode)',
              offset: offset + rest,
            };
          }
        }
      }
      this.done = true;
    }
    return {
      pickles: this.pickles,
      opcodes: this.opcodes,
      endOffset: this.endOffset - this.startOffset,
      error: this.error,
      trailing: this.trailing,
      truncated: !this.atStart && !this.trailing,
      sawGlobal: this.sawGlobal,
      highestProto: this.highestProto,
      stoppedAtMaxPickles: this.stoppedAtMaxPickles,
    };
  }

  // ---------------------------------------------------------------- internals

  private isTrailingCandidate(): boolean {
    return (
      this.pickles > 0 &&
      !this.sawGlobalInPickle &&
      this.opcodes - this.pickleStartOps < 64 &&
      this.saved.length === 0
    );
  }

  private fail(message: string, offset: number): never {
    throw new VmError(message, offset);
  }

  /** Move values that point into the current buffer to the arena before the buffer is replaced. */
  private migrateBufRefs(): void {
    if (this.minBufRef >= this.sp) {
      this.minBufRef = Number.MAX_SAFE_INTEGER;
      return;
    }
    const { sk, sa, sb } = this;
    for (let i = this.minBufRef; i < this.sp; i++) {
      const k = sk[i];
      if (k === K_STRC || k === K_BYTC || k === K_SSTRC) {
        const len = sb[i];
        const off = this.toArena(this.buf, sa[i], len);
        sa[i] = off;
        sk[i] = k === K_STRC ? K_STRA : k === K_BYTC ? K_BYTA : K_SSTRA;
      }
    }
    for (const st of this.saved) {
      for (let i = 0; i < st.sp; i++) {
        const k = st.sk[i];
        if (k === K_STRC || k === K_BYTC || k === K_SSTRC) {
          st.sa[i] = this.toArena(this.buf, st.sa[i], st.sb[i]);
          st.sk[i] = k === K_STRC ? K_STRA : k === K_BYTC ? K_BYTA : K_SSTRA;
        }
      }
    }
    this.minBufRef = Number.MAX_SAFE_INTEGER;
  }

  /** Copies bytes to the arena behind a 4-byte length prefix; returns the offset of the bytes. */
  private toArena(src: Uint8Array, start: number, len: number): number {
    const need = this.arenaLen + 4 + len;
    if (need > this.arena.length) {
      let cap = this.arena.length * 2;
      while (cap < need) cap *= 2;
      if (cap > this.limits.maxStringArena) {
        cap = this.limits.maxStringArena;
        if (need > cap)
          throw new LimitError(
            'maxStringArena',
            `pickle keeps more than ${this.limits.maxStringArena} bytes of strings`,
          );
      }
      const next = new Uint8Array(cap);
      next.set(this.arena.subarray(0, this.arenaLen));
      this.arena = next;
    }
    const a = this.arena;
    let off = this.arenaLen;
    a[off] = len & 0xff;
    a[off + 1] = (len >>> 8) & 0xff;
    a[off + 2] = (len >>> 16) & 0xff;
    a[off + 3] = (len >>> 24) & 0xff;
    off += 4;
    if (len <= SHORT_COPY) {
      for (let i = 0; i < len; i++) a[off + i] = src[start + i];
    } else a.set(src.subarray(start, start + len), off);
    this.arenaLen = off + len;
    return off;
  }

  private growStack(): void {
    const cap = this.sk.length * 2;
    if (this.sp >= this.limits.maxStack)
      throw new LimitError('maxStack', `pickle stack exceeds ${this.limits.maxStack} items`);
    const sk = new Uint8Array(cap);
    sk.set(this.sk);
    const sa = new Float64Array(cap);
    sa.set(this.sa);
    const sb = new Int32Array(cap);
    sb.set(this.sb);
    this.sk = sk;
    this.sa = sa;
    this.sb = sb;
  }

  private pushMark(): void {
    if (this.nmarks >= this.limits.maxMarkDepth)
      throw new LimitError('maxMarkDepth', `pickle nests more than ${this.limits.maxMarkDepth} MARKs`);
    if (this.nmarks === this.marks.length) {
      const m = new Int32Array(this.marks.length * 2);
      m.set(this.marks);
      this.marks = m;
    }
    this.marks[this.nmarks++] = this.sp;
  }

  /** Pops to the last mark; returns the stack index where the marked items start. */
  private popMark(offset: number): number {
    if (this.nmarks === 0) {
      this.anomaly('mark-missing', 'opcode needs a MARK but none is open', offset);
      this.fail('MARK not found', offset);
    }
    const m = this.marks[--this.nmarks];
    if (m > this.sp) this.fail('stack corrupted below MARK', offset);
    return m;
  }

  private anomaly(kind: AnomalyKind, detail: string, offset: number): void {
    if (!this.probe) this.hooks.onAnomaly?.(kind, detail, offset);
  }

  private push(kind: number, a: number, b: number, o?: Box): void {
    if (this.sp === this.sk.length) this.growStack();
    const i = this.sp++;
    this.sk[i] = kind;
    this.sa[i] = a;
    this.sb[i] = b;
    if (o !== undefined) this.so[i] = o;
  }

  private pushObj(o: Box): void {
    this.push(K_OBJ, 0, 0, o);
  }

  /** Materialise stack slot i as a Box. */
  private boxAt(i: number): Box {
    return this.boxOf(this.sk[i], this.sa[i], this.sb[i], this.so[i]);
  }

  private boxOf(k: number, a: number, b: number, o: Box | undefined): Box {
    switch (k) {
      case K_NONE:
        return null;
      case K_TRUE:
        return true;
      case K_FALSE:
        return false;
      case K_INT:
        return a;
      case K_FLOAT:
        return TAG_FLOAT;
      case K_STRC:
        return utf8.decode(this.buf.subarray(a, a + b));
      case K_STRA:
        return utf8.decode(this.arena.subarray(a, a + b));
      case K_SSTRC:
        return latin1(this.buf.subarray(a, a + b));
      case K_SSTRA:
        return latin1(this.arena.subarray(a, a + b));
      case K_BYTC:
        return { t: 'bytes', data: this.buf.slice(a, a + b), length: b, complete: true };
      case K_BYTA:
        return { t: 'bytes', data: this.arena.slice(a, a + b), length: b, complete: true };
      case K_OBJ:
        return o ?? null;
      case K_DICT:
        return TAG_DICT;
      case K_LIST:
        return TAG_LIST;
      case K_SET:
        return TAG_SET;
      case K_FROZENSET:
        return TAG_FROZENSET;
      case K_BUFFER:
        return TAG_BUFFER;
      default:
        return { t: 'unknown', detail: null };
    }
  }

  private isStringKind(k: number, o: Box | undefined): boolean {
    return (
      k === K_STRC || k === K_STRA || k === K_SSTRC || k === K_SSTRA || (k === K_OBJ && typeof o === 'string')
    );
  }

  private memoPut(idx: number, offset: number): void {
    if (this.sp === 0) {
      this.anomaly('stack-underflow', 'memo store from an empty stack', offset);
      this.fail('empty stack for PUT/MEMOIZE', offset);
    }
    const i = this.sp - 1;
    let k = this.sk[i];
    let a = this.sa[i];
    // Values pointing into the input buffer are copied to the arena so the memo never pins input chunks.
    if (k === K_STRC || k === K_BYTC || k === K_SSTRC) {
      a = this.toArena(this.buf, a, this.sb[i]);
      k = k === K_STRC ? K_STRA : k === K_BYTC ? K_BYTA : K_SSTRA;
      this.sk[i] = k;
      this.sa[i] = a;
    }
    let o: Box | undefined;
    if (k === K_OBJ) o = this.so[i];
    else if (k === K_INT && (a | 0) !== a) {
      // Integers outside 32 bits are kept as objects (the memo payload is 32-bit).
      k = K_OBJ;
      o = a;
    }
    this.memo.put(idx, k, a | 0, o);
    if (this.memo.count > this.limits.maxMemo)
      throw new LimitError('maxMemo', `pickle memo exceeds ${this.limits.maxMemo} entries`);
  }

  private memoGet(idx: number, offset: number): void {
    const k = this.memo.get(idx);
    if (k !== K_EMPTY) {
      const a = this.memo.a;
      if (k === K_STRA || k === K_BYTA || k === K_SSTRA) {
        const ar = this.arena;
        this.push(k, a, ar[a - 4] | (ar[a - 3] << 8) | (ar[a - 2] << 16) | (ar[a - 1] << 24));
      } else this.push(k, a, 0, k === K_OBJ ? this.memo.o : undefined);
      return;
    }
    // The real unpickler raises here; record it and continue with an unknown value so later opcodes are still seen.
    this.anomaly('memo-miss', `memo key ${idx} was never stored (the real loader stops here)`, offset);
    this.pushObj({ t: 'unknown', detail: `memo[${idx}]` });
  }

  private makeGlobal(module: string, name: string, offset: number, via: string): SymGlobal {
    const verdict = this.policy.classify(module, name);
    const g: SymGlobal = { t: 'global', module, name, verdict, offset, via };
    this.sawGlobal = true;
    this.sawGlobalInPickle = true;
    if (!this.probe) this.hooks.onGlobal?.(g);
    return g;
  }

  private checkGlobalNames(module: string, name: string, offset: number, via: string): boolean {
    if (isDottedIdentifier(module) && isDottedIdentifier(name)) return true;
    if (this.probe) this.fail(`${via}: not an importable name`, offset);
    this.anomaly(
      'invalid-global',
      `${via} names ${JSON.stringify(module)}.${JSON.stringify(name)}, which cannot be imported (the real loader stops here)`,
      offset,
    );
    return false;
  }

  private recordCall(op: string, callee: Box, args: Box, offset: number, kwargs?: Box): SymCall {
    const call: SymCall = { t: 'call', callee, args, op, offset };
    if (kwargs !== undefined) call.kwargs = kwargs;
    this.sawGlobal = true;
    this.sawGlobalInPickle = true;
    if (!this.probe) {
      if (!isSym(callee, 'global') && !(isSym(callee, 'call') && callee.op !== 'BUILD'))
        this.anomaly('dynamic-call', `${op} calls a value that is not an imported global`, offset);
      this.hooks.onCall?.(call);
    }
    return call;
  }

  /**
   * Lookups whose result is known statically: getattr(<imported global>, '<name>') (how Python 3.11.2 pickles enum
   * members) and numpy's _ufunc_reconstruct('<module>', '<name>') (ufuncs before numpy 1.20). The result is the
   * global they name, classified like any other; the lookup function itself is then not a call.
   */
  private resolveLookup(callee: Box, args: Box, abs: number): SymGlobal | undefined {
    if (!isSym(callee, 'global') || !Array.isArray(args) || args.length !== 2) return undefined;
    const fn = `${callee.verdict.module}.${callee.verdict.name}`;
    const [a, b] = args;
    if (typeof b !== 'string' || !isDottedIdentifier(b)) return undefined;
    let g: SymGlobal | undefined;
    if (fn === 'builtins.getattr' && isSym(a, 'global'))
      g = this.makeGlobal(a.module, `${a.name}.${b}`, abs, 'getattr');
    else if (
      fn === 'builtins.getattr' &&
      isSym(a, 'call') &&
      isSym(a.callee, 'global') &&
      a.callee.verdict.class === 'allowed' &&
      !b.includes('.') &&
      !/^__.*__$/.test(b)
    ) {
      // A bound method of an object of an allowlisted class (torch schedulers pickle `anneal_func` this way): a
      // value, safe as long as nothing calls it.
      const cls = a.callee;
      g = {
        t: 'global',
        module: cls.module,
        name: `${cls.name}().${b}`,
        offset: abs,
        via: 'getattr',
        verdict: {
          class: 'allowed',
          module: cls.verdict.module,
          name: `${cls.verdict.name}().${b}`,
          severity: 'info',
          reason: `bound method ${b} of an instance of the allowlisted ${cls.verdict.module}.${cls.verdict.name}`,
          matched: 'instance-attribute',
          notCallable: true,
        },
      };
      this.sawGlobal = true;
      this.sawGlobalInPickle = true;
      if (!this.probe) this.hooks.onGlobal?.(g);
    } else if (
      /^numpy\.(_)?core\._ufunc_reconstruct$/.test(fn) &&
      typeof a === 'string' &&
      isDottedIdentifier(a)
    )
      g = this.makeGlobal(a, b, abs, '_ufunc_reconstruct');
    if (g && !this.probe) this.hooks.onLookupResolved?.(callee, g);
    return g;
  }

  /** Pops n items above a mark as a tuple Box (bounded). */
  private boxRange(from: number, to: number): Box[] {
    const n = to - from;
    const out: Box[] = new Array(Math.min(n, MAX_TUPLE_BOX));
    for (let i = 0; i < out.length; i++) out[i] = this.boxAt(from + i);
    return out;
  }

  private popBox(offset: number): Box {
    if (this.sp <= this.floor()) {
      this.anomaly('stack-underflow', 'pop from an empty stack', offset);
      this.fail('stack underflow', offset);
    }
    this.sp--;
    return this.boxAt(this.sp);
  }

  /** Lowest stack index usable without popping a MARK. */
  private floor(): number {
    return this.nmarks ? this.marks[this.nmarks - 1] : 0;
  }

  private need(n: number, offset: number): void {
    if (this.sp - this.floor() < n) {
      this.anomaly('stack-underflow', `opcode needs ${n} stack items`, offset);
      this.fail('stack underflow', offset);
    }
  }

  private startPickle(): void {
    this.atStart = false;
    this.pickleStart = this.base;
    this.pickleStartOps = this.opcodes;
    this.sawGlobalInPickle = false;
    this.proto = 0;
    this.sp = 0;
    this.nmarks = 0;
    this.so = [];
    this.frameEnd = -1;
    this.memo.clear();
  }

  private saveForInlinePickle(): void {
    this.saved.push({
      sk: this.sk,
      sa: this.sa,
      sb: this.sb,
      so: this.so,
      sp: this.sp,
      marks: this.marks,
      nmarks: this.nmarks,
      memo: this.memo,
      proto: this.proto,
      pickleStartOps: this.pickleStartOps,
      frameEnd: this.frameEnd,
    });
    if (this.saved.length > this.limits.maxNestedPickleDepth + 4)
      throw new LimitError('maxNestedPickleDepth', 'inline pickles nested too deeply');
    this.sk = new Uint8Array(64);
    this.sa = new Float64Array(64);
    this.sb = new Int32Array(64);
    this.so = [];
    this.sp = 0;
    this.marks = new Int32Array(16);
    this.nmarks = 0;
    this.memo = new Memo(Math.min(this.limits.maxMemo, 0x7fffffff));
    this.proto = 0;
    this.pickleStartOps = this.opcodes;
    this.frameEnd = -1;
  }

  private restoreAfterInlinePickle(): void {
    const s = this.saved.pop()!;
    this.sk = s.sk;
    this.sa = s.sa;
    this.sb = s.sb;
    this.so = s.so;
    this.sp = s.sp;
    this.marks = s.marks;
    this.nmarks = s.nmarks;
    this.memo = s.memo;
    this.proto = s.proto;
    this.pickleStartOps = s.pickleStartOps;
    this.frameEnd = -1; // the outer frame ended before the inline pickle was written
    this.minBufRef = 0;
  }

  /** Keeps the bytes of an incomplete opcode for the next chunk; `counted` undoes the opcode count. */
  private suspend(buf: Uint8Array, opStart: number, counted: boolean): void {
    if (counted) this.opcodes--;
    this.leftover = buf.slice(opStart);
    this.base += opStart;
  }

  private run(): void {
    try {
      this.loop();
    } catch (err) {
      if (err instanceof VmError) {
        this.done = true;
        if (!this.atStart && this.isTrailingCandidate()) {
          this.trailing = { offset: this.pickleStart, bytes: -1 };
        } else {
          this.error = { message: err.message, offset: err.offset };
        }
        return;
      }
      throw err;
    }
  }

  /** Reads a '\n'-terminated line starting at pos; returns end index (exclusive of '\n') or -1 if incomplete. */
  private lineEnd(pos: number, offset: number): number {
    const buf = this.buf;
    const nl = buf.indexOf(10, pos);
    if (nl < 0) {
      if (buf.length - pos > this.limits.maxLineBytes)
        this.fail(`text argument longer than ${this.limits.maxLineBytes} bytes`, offset);
      return -1;
    }
    return nl;
  }

  private text(start: number, end: number): string {
    return utf8.decode(this.buf.subarray(start, end));
  }

  private loop(): void {
    const buf = this.buf;
    const len = buf.length;
    const limits = this.limits;
    let pos = 0;
    let opStart = 0;
    const checkEvery = 1 << 20;
    let sinceCheck = 0;

    while (true) {
      if (this.pendingInline) {
        const inl = this.pendingInline;
        // joblib writes array data after committing the current frame: the frame must end here.
        if (this.frameEnd >= 0 && this.base + pos >= this.frameEnd) this.frameEnd = -1;
        if (inl.type === 'raw') {
          let p = pos;
          if (inl.alignmentPrefix) {
            if (p >= len || p + 1 + buf[p] > len) return this.suspend(buf, pos, false);
            const pad = buf[p];
            p += 1 + pad;
          }
          this.pendingInline = null;
          const avail = len - p;
          if (inl.bytes > avail) {
            this.skipRemaining = inl.bytes - avail;
            this.base += len;
            this.leftover = null;
            return;
          }
          pos = p + inl.bytes;
        } else {
          this.pendingInline = null;
          this.saveForInlinePickle();
        }
      }
      opStart = pos;
      if (pos >= len) {
        this.base += len;
        this.leftover = null;
        return;
      }
      const abs = this.base + pos;
      if (this.frameEnd >= 0 && abs >= this.frameEnd) {
        if (abs > this.frameEnd && !this.frameMismatchReported) {
          this.frameMismatchReported = true;
          this.anomaly(
            'frame-mismatch',
            `an opcode crosses the end of a FRAME at offset ${this.frameEnd} (the C and Python unpicklers disagree on such streams)`,
            abs,
          );
        }
        this.frameEnd = -1;
      }
      if (this.atStart) {
        if (this.pickles >= this.maxPickles) {
          this.stoppedAtMaxPickles = true;
          this.done = true;
          this.base += pos;
          this.leftover = null;
          return;
        }
        this.startPickle();
        this.pickleStart = abs;
      }
      const op = buf[pos++];
      this.opcodes++;
      if (++sinceCheck >= checkEvery) {
        sinceCheck = 0;
        if (this.opcodes > limits.maxOpcodes)
          throw new LimitError('maxOpcodes', `pickle executes more than ${limits.maxOpcodes} opcodes`);
      }
      switch (op) {
        case OP.MARK:
          this.pushMark();
          break;
        case OP.STOP: {
          if (this.sp === 0) this.fail('STOP with an empty stack', abs);
          const result = this.hooks.onPickleEnd ? this.boxAt(this.sp - 1) : null;
          if (this.saved.length) {
            this.restoreAfterInlinePickle();
            break;
          }
          this.pickles++;
          this.endOffset = this.base + pos;
          this.atStart = true;
          this.sp = 0;
          this.nmarks = 0;
          if (!this.probe) this.hooks.onPickleEnd?.(this.pickles - 1, abs, result);
          break;
        }
        case OP.POP:
          if (this.sp > this.floor()) this.sp--;
          else if (this.nmarks)
            this.nmarks--; // CPython: POP with an empty frame discards the mark
          else this.fail('POP from empty stack', abs);
          break;
        case OP.POP_MARK:
          this.sp = this.popMark(abs);
          break;
        case OP.DUP: {
          this.need(1, abs);
          const i = this.sp - 1;
          this.push(this.sk[i], this.sa[i], this.sb[i], this.sk[i] === K_OBJ ? this.so[i] : undefined);
          if (this.sk[i] === K_STRC || this.sk[i] === K_BYTC || this.sk[i] === K_SSTRC)
            this.minBufRef = Math.min(this.minBufRef, i + 1);
          break;
        }
        case OP.FLOAT: {
          const e = this.lineEnd(pos, abs);
          if (e < 0) return this.suspend(buf, opStart, true);
          if (
            !/^\s*[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?|inf|nan|infinity)\s*$/i.test(
              this.text(pos, e),
            )
          )
            this.fail('FLOAT: not a number', abs);
          pos = e + 1;
          this.push(K_FLOAT, 0, 0);
          break;
        }
        case OP.INT: {
          const e = this.lineEnd(pos, abs);
          if (e < 0) return this.suspend(buf, opStart, true);
          const t = this.text(pos, e);
          pos = e + 1;
          if (t === '01') this.push(K_TRUE, 0, 0);
          else if (t === '00') this.push(K_FALSE, 0, 0);
          else {
            if (!/^\s*[-+]?\d+\s*$/.test(t)) this.fail('INT: not an integer', abs);
            this.push(K_INT, Number(t), 0);
          }
          break;
        }
        case OP.LONG: {
          const e = this.lineEnd(pos, abs);
          if (e < 0) return this.suspend(buf, opStart, true);
          const t = this.text(pos, e);
          pos = e + 1;
          if (!/^\s*[-+]?\d+L?\s*$/.test(t)) this.fail('LONG: not an integer', abs);
          this.push(K_INT, Number(t.replace(/L\s*$/, '')), 0);
          break;
        }
        case OP.BININT: {
          if (pos + 4 > len) return this.suspend(buf, opStart, true);
          this.push(K_INT, buf[pos] | (buf[pos + 1] << 8) | (buf[pos + 2] << 16) | (buf[pos + 3] << 24), 0);
          pos += 4;
          break;
        }
        case OP.BININT1:
          if (pos + 1 > len) return this.suspend(buf, opStart, true);
          this.push(K_INT, buf[pos++], 0);
          break;
        case OP.BININT2:
          if (pos + 2 > len) return this.suspend(buf, opStart, true);
          this.push(K_INT, buf[pos] | (buf[pos + 1] << 8), 0);
          pos += 2;
          break;
        case OP.LONG1: {
          if (pos + 1 > len) return this.suspend(buf, opStart, true);
          const n = buf[pos];
          if (pos + 1 + n > len) return this.suspend(buf, opStart, true);
          this.push(K_INT, littleSigned(buf, pos + 1, n), 0);
          pos += 1 + n;
          break;
        }
        case OP.LONG4: {
          if (pos + 4 > len) return this.suspend(buf, opStart, true);
          const n = buf[pos] | (buf[pos + 1] << 8) | (buf[pos + 2] << 16) | (buf[pos + 3] << 24);
          if (n < 0) this.fail('LONG4: negative byte count', abs);
          if (n > limits.maxRetainedString) this.fail('LONG4: integer too large', abs);
          if (pos + 4 + n > len) return this.suspend(buf, opStart, true);
          this.push(K_INT, littleSigned(buf, pos + 4, n), 0);
          pos += 4 + n;
          break;
        }
        case OP.NONE:
          this.push(K_NONE, 0, 0);
          break;
        case OP.NEWTRUE:
          this.push(K_TRUE, 0, 0);
          break;
        case OP.NEWFALSE:
          this.push(K_FALSE, 0, 0);
          break;
        case OP.BINFLOAT:
          if (pos + 8 > len) return this.suspend(buf, opStart, true);
          pos += 8;
          this.push(K_FLOAT, 0, 0);
          break;
        case OP.SHORT_BINUNICODE:
        case OP.SHORT_BINBYTES:
        case OP.SHORT_BINSTRING: {
          if (pos + 1 > len) return this.suspend(buf, opStart, true);
          const n = buf[pos];
          if (pos + 1 + n > len) return this.suspend(buf, opStart, true);
          const kind = op === OP.SHORT_BINUNICODE ? K_STRC : op === OP.SHORT_BINBYTES ? K_BYTC : K_SSTRC;
          if (this.sp < this.minBufRef) this.minBufRef = this.sp;
          this.push(kind, pos + 1, n);
          pos += 1 + n;
          break;
        }
        case OP.BINUNICODE:
        case OP.BINBYTES:
        case OP.BINSTRING: {
          if (pos + 4 > len) return this.suspend(buf, opStart, true);
          let n = buf[pos] | (buf[pos + 1] << 8) | (buf[pos + 2] << 16) | (buf[pos + 3] << 24);
          if (op !== OP.BINSTRING) n = n >>> 0;
          else if (n < 0) this.fail('BINSTRING: negative length', abs);
          const kind = op === OP.BINUNICODE ? K_STRC : op === OP.BINBYTES ? K_BYTC : K_SSTRC;
          const r = this.sized(kind, pos + 4, n);
          if (r < 0) return this.suspend(buf, opStart, true);
          pos = r;
          break;
        }
        case OP.BINUNICODE8:
        case OP.BINBYTES8:
        case OP.BYTEARRAY8: {
          if (pos + 8 > len) return this.suspend(buf, opStart, true);
          const n =
            buf[pos] +
            buf[pos + 1] * 2 ** 8 +
            buf[pos + 2] * 2 ** 16 +
            buf[pos + 3] * 2 ** 24 +
            buf[pos + 4] * 2 ** 32 +
            buf[pos + 5] * 2 ** 40 +
            buf[pos + 6] * 2 ** 48;
          if (buf[pos + 7] !== 0 || n > Number.MAX_SAFE_INTEGER)
            this.fail(`${opName(op)}: length out of range`, abs);
          const kind = op === OP.BINUNICODE8 ? K_STRC : K_BYTC;
          const r = this.sized(kind, pos + 8, n, op === OP.BYTEARRAY8);
          if (r < 0) return this.suspend(buf, opStart, true);
          pos = r;
          break;
        }
        case OP.STRING: {
          const e = this.lineEnd(pos, abs);
          if (e < 0) return this.suspend(buf, opStart, true);
          const raw = latin1(buf.subarray(pos, e)).replace(/\r$/, '');
          pos = e + 1;
          this.pushObj(unquotePy2String(raw, () => this.fail('STRING: not a quoted string', abs)));
          break;
        }
        case OP.UNICODE: {
          const e = this.lineEnd(pos, abs);
          if (e < 0) return this.suspend(buf, opStart, true);
          const raw = latin1(buf.subarray(pos, e));
          pos = e + 1;
          this.pushObj(rawUnicodeEscape(raw));
          break;
        }
        case OP.EMPTY_DICT:
          if (this.sp > 0 && this.sk[this.sp - 1] === K_OBJ && !this.probe) {
            // Likely BUILD state or kwargs of an object: track its items.
            this.pushObj({ t: 'dict', entries: [], truncated: false });
          } else this.push(K_DICT, 0, 0);
          break;
        case OP.EMPTY_LIST:
          if (this.sp > 0 && this.sk[this.sp - 1] === K_OBJ && !this.probe) {
            // Likely an argument of a call: track its items for evidence.
            this.pushObj({ t: 'list', items: [], truncated: false });
          } else this.push(K_LIST, 0, 0);
          break;
        case OP.EMPTY_SET:
          this.push(K_SET, 0, 0);
          break;
        case OP.EMPTY_TUPLE:
          this.pushObj([]);
          break;
        case OP.DICT: {
          const m = this.popMark(abs);
          if ((this.sp - m) % 2) this.fail('DICT: odd number of items', abs);
          const tracked = m > 0 && this.sk[m - 1] === K_OBJ && !this.probe;
          if (tracked) {
            const d: SymDict = { t: 'dict', entries: [], truncated: false };
            this.addDictItems(d, m, this.sp);
            this.sp = m;
            this.pushObj(d);
          } else {
            this.sp = m;
            this.push(K_DICT, 0, 0);
          }
          break;
        }
        case OP.LIST: {
          const m = this.popMark(abs);
          if (m > 0 && this.sk[m - 1] === K_OBJ && !this.probe) {
            const items = this.boxRange(m, Math.min(this.sp, m + MAX_DICT_TRACK));
            const truncated = this.sp - m > MAX_DICT_TRACK;
            this.sp = m;
            this.pushObj({ t: 'list', items, truncated });
          } else {
            this.sp = m;
            this.push(K_LIST, 0, 0);
          }
          break;
        }
        case OP.FROZENSET: {
          this.sp = this.popMark(abs);
          this.push(K_FROZENSET, 0, 0);
          break;
        }
        case OP.TUPLE: {
          const m = this.popMark(abs);
          const t = this.boxRange(m, this.sp);
          this.sp = m;
          this.pushObj(t);
          break;
        }
        case OP.TUPLE1:
        case OP.TUPLE2:
        case OP.TUPLE3: {
          const n = op - OP.TUPLE1 + 1;
          this.need(n, abs);
          const t = this.boxRange(this.sp - n, this.sp);
          this.sp -= n;
          this.pushObj(t);
          break;
        }
        case OP.APPEND: {
          this.need(2, abs);
          this.sp--;
          const target = this.sp - 1;
          const tl = this.so[target];
          if (this.sk[target] === K_OBJ && isSym(tl, 'list')) this.addListItems(tl, this.sp, this.sp + 1);
          else if (this.sk[target] === K_OBJ) this.mutation('APPEND', target, abs);
          break;
        }
        case OP.APPENDS: {
          const m = this.popMark(abs);
          if (m === 0 || m - 1 < this.floor()) this.fail('APPENDS: no list below MARK', abs);
          const target = m - 1;
          const tl = this.so[target];
          if (this.sk[target] === K_OBJ && isSym(tl, 'list')) this.addListItems(tl, m, this.sp);
          else if (this.sk[target] === K_OBJ) this.mutation('APPENDS', target, abs, m);
          this.sp = m;
          break;
        }
        case OP.ADDITEMS: {
          const m = this.popMark(abs);
          if (m === 0 || m - 1 < this.floor()) this.fail('ADDITEMS: no set below MARK', abs);
          this.sp = m;
          const target = m - 1;
          if (this.sk[target] === K_OBJ) this.mutation('ADDITEMS', target, abs);
          break;
        }
        case OP.SETITEM: {
          this.need(3, abs);
          const target = this.sp - 3;
          const tk = this.sk[target];
          if (tk === K_OBJ) {
            const o = this.so[target];
            if (isSym(o, 'dict')) this.addDictItems(o, this.sp - 2, this.sp);
            else this.mutation('SETITEM', target, abs, this.sp - 2);
          }
          this.sp -= 2;
          break;
        }
        case OP.SETITEMS: {
          const m = this.popMark(abs);
          if (m === 0 || m - 1 < this.floor()) this.fail('SETITEMS: no dict below MARK', abs);
          if ((this.sp - m) % 2) this.fail('SETITEMS: odd number of items', abs);
          const target = m - 1;
          const tk = this.sk[target];
          if (tk === K_OBJ) {
            const o = this.so[target];
            if (isSym(o, 'dict')) this.addDictItems(o, m, this.sp);
            else this.mutation('SETITEMS', target, abs, m);
          }
          this.sp = m;
          break;
        }
        case OP.GET: {
          const e = this.lineEnd(pos, abs);
          if (e < 0) return this.suspend(buf, opStart, true);
          const t = this.text(pos, e);
          pos = e + 1;
          if (!/^\s*\d+\s*$/.test(t)) this.fail('GET: bad memo key', abs);
          this.memoGet(Number(t), abs);
          break;
        }
        case OP.BINGET:
          if (pos + 1 > len) return this.suspend(buf, opStart, true);
          this.memoGet(buf[pos++], abs);
          break;
        case OP.LONG_BINGET:
          if (pos + 4 > len) return this.suspend(buf, opStart, true);
          this.memoGet(
            (buf[pos] | (buf[pos + 1] << 8) | (buf[pos + 2] << 16) | (buf[pos + 3] << 24)) >>> 0,
            abs,
          );
          pos += 4;
          break;
        case OP.PUT: {
          const e = this.lineEnd(pos, abs);
          if (e < 0) return this.suspend(buf, opStart, true);
          const t = this.text(pos, e);
          pos = e + 1;
          if (!/^\s*\d+\s*$/.test(t)) this.fail('PUT: bad memo key', abs);
          this.memoPut(Number(t), abs);
          break;
        }
        case OP.BINPUT:
          if (pos + 1 > len) return this.suspend(buf, opStart, true);
          this.memoPut(buf[pos++], abs);
          break;
        case OP.LONG_BINPUT: {
          if (pos + 4 > len) return this.suspend(buf, opStart, true);
          const idx = (buf[pos] | (buf[pos + 1] << 8) | (buf[pos + 2] << 16) | (buf[pos + 3] << 24)) >>> 0;
          pos += 4;
          this.memoPut(idx, abs);
          break;
        }
        case OP.MEMOIZE:
          this.memoPut(this.memo.count, abs);
          break;
        case OP.GLOBAL:
        case OP.INST: {
          const e1 = this.lineEnd(pos, abs);
          if (e1 < 0) return this.suspend(buf, opStart, true);
          const e2 = this.lineEnd(e1 + 1, abs);
          if (e2 < 0) return this.suspend(buf, opStart, true);
          const module = this.text(pos, e1);
          const name = this.text(e1 + 1, e2);
          pos = e2 + 1;
          const via = opName(op);
          this.checkGlobalNames(module, name, abs, via);
          const g = this.makeGlobal(module, name, abs, via);
          if (op === OP.GLOBAL) this.pushObj(g);
          else {
            const m = this.popMark(abs);
            const args = this.boxRange(m, this.sp);
            this.sp = m;
            this.pushObj(this.recordCall('INST', g, args, abs));
          }
          break;
        }
        case OP.STACK_GLOBAL: {
          this.need(2, abs);
          const ni = this.sp - 1;
          const mi = this.sp - 2;
          const nk = this.sk[ni];
          const mk = this.sk[mi];
          const nameBox = this.boxAt(ni);
          const modBox = this.boxAt(mi);
          this.sp -= 2;
          if (this.isStringKind(mk, this.so[mi]) && this.isStringKind(nk, this.so[ni])) {
            const module = modBox as string;
            const name = nameBox as string;
            // An unimportable name stops the real loader; it is still reported, in case a lenient loader follows.
            this.checkGlobalNames(module, name, abs, 'STACK_GLOBAL');
            this.pushObj(this.makeGlobal(module, name, abs, 'STACK_GLOBAL'));
          } else {
            if (this.probe) this.fail('STACK_GLOBAL requires str', abs);
            const dynamic = isDynamic(modBox) || isDynamic(nameBox);
            this.sawGlobal = true;
            this.sawGlobalInPickle = true;
            this.anomaly(
              'unresolved-global',
              dynamic
                ? `STACK_GLOBAL operands are computed at load time (module=${describe(modBox)}, name=${describe(nameBox)}): the imported global cannot be known statically`
                : `STACK_GLOBAL operands are not strings (module=${describe(modBox)}, name=${describe(nameBox)}); the real loader stops here`,
              abs,
            );
            this.pushObj({ t: 'unknown', detail: `STACK_GLOBAL(${describe(modBox)}, ${describe(nameBox)})` });
          }
          break;
        }
        case OP.EXT1:
        case OP.EXT2:
        case OP.EXT4: {
          // Writers emit EXT only after PROTO 2+; without it, bytes starting 0x82-0x84 are more likely msgpack maps.
          if (this.probe && this.proto < 2) this.fail('EXT opcode without a protocol header', abs);
          const n = op === OP.EXT1 ? 1 : op === OP.EXT2 ? 2 : 4;
          if (pos + n > len) return this.suspend(buf, opStart, true);
          let code = 0;
          for (let i = n - 1; i >= 0; i--) code = code * 256 + buf[pos + i];
          pos += n;
          this.sawGlobal = true;
          this.sawGlobalInPickle = true;
          this.anomaly(
            'ext-code',
            `${opName(op)} ${code} imports whatever the copyreg extension registry maps code ${code} to; the global cannot be checked statically`,
            abs,
          );
          this.pushObj({ t: 'ext', detail: code });
          break;
        }
        case OP.REDUCE: {
          this.need(2, abs);
          const args = this.popBox(abs);
          const callee = this.popBox(abs);
          const resolved = this.resolveLookup(callee, args, abs);
          this.pushObj(resolved ?? this.recordCall('REDUCE', callee, args, abs));
          break;
        }
        case OP.OBJ: {
          const m = this.popMark(abs);
          if (this.sp - m < 1) this.fail('OBJ: no class', abs);
          const callee = this.boxAt(m);
          const args = this.boxRange(m + 1, this.sp);
          this.sp = m;
          this.pushObj(this.recordCall('OBJ', callee, args, abs));
          break;
        }
        case OP.NEWOBJ: {
          this.need(2, abs);
          const args = this.popBox(abs);
          const cls = this.popBox(abs);
          this.pushObj(this.recordCall('NEWOBJ', cls, args, abs));
          break;
        }
        case OP.NEWOBJ_EX: {
          this.need(3, abs);
          const kwargs = this.popBox(abs);
          const args = this.popBox(abs);
          const cls = this.popBox(abs);
          this.pushObj(this.recordCall('NEWOBJ_EX', cls, args, abs, kwargs));
          break;
        }
        case OP.BUILD: {
          this.need(2, abs);
          const state = this.popBox(abs);
          const ti = this.sp - 1;
          if (this.sk[ti] === K_OBJ) {
            const target = this.so[ti];
            if (!this.probe) {
              this.recordBuild(target, state, abs);
              const inline = this.hooks.afterBuild?.(target, state, abs);
              if (inline) this.pendingInline = inline;
            }
          }
          break;
        }
        case OP.PERSID: {
          // pickle.load has no persistent_load: a stream that starts this way is not a plain pickle (ZIPs start "PK").
          if (this.probe) this.fail('persistent id without persistent_load', abs);
          const e = this.lineEnd(pos, abs);
          if (e < 0) return this.suspend(buf, opStart, true);
          const pid = latin1(buf.subarray(pos, e));
          pos = e + 1;
          this.pushObj({ t: 'persid', detail: pid });
          break;
        }
        case OP.BINPERSID: {
          if (this.probe && !this.sawGlobal) this.fail('persistent id without persistent_load', abs);
          const pid = this.popBox(abs);
          // Legacy torch.save stores nn.Module classes as ('module', <class global>, file, source): the persistent
          // loader returns the class itself, so later calls on it are calls on that global.
          if (Array.isArray(pid) && pid[0] === 'module' && isSym(pid[1], 'global')) this.pushObj(pid[1]);
          else this.pushObj({ t: 'persid', detail: pid });
          break;
        }
        case OP.PROTO: {
          if (pos + 1 > len) return this.suspend(buf, opStart, true);
          const p = buf[pos++];
          if (p > HIGHEST_PROTOCOL) this.fail(`unsupported pickle protocol ${p}`, abs);
          if (this.opcodes - this.pickleStartOps > 1)
            this.anomaly(
              this.proto ? 'duplicate-proto' : 'misplaced-proto',
              `PROTO ${p} after the start of the pickle`,
              abs,
            );
          this.proto = p;
          if (p > this.highestProto) this.highestProto = p;
          break;
        }
        case OP.FRAME: {
          if (pos + 8 > len) return this.suspend(buf, opStart, true);
          const n =
            buf[pos] +
            buf[pos + 1] * 2 ** 8 +
            buf[pos + 2] * 2 ** 16 +
            buf[pos + 3] * 2 ** 24 +
            buf[pos + 4] * 2 ** 32 +
            buf[pos + 5] * 2 ** 40 +
            buf[pos + 6] * 2 ** 48;
          if (buf[pos + 7] !== 0) this.fail('FRAME: length out of range', abs);
          pos += 8;
          if (this.frameEnd >= 0 && this.base + pos - 9 < this.frameEnd && !this.frameMismatchReported) {
            this.frameMismatchReported = true;
            this.anomaly('frame-mismatch', 'a FRAME starts before the previous frame ended', abs);
          }
          this.frameEnd = this.base + pos + n;
          break;
        }
        case OP.NEXT_BUFFER:
          this.anomaly('buffer-opcode', 'NEXT_BUFFER needs out-of-band buffers from the caller', abs);
          this.push(K_BUFFER, 0, 0);
          break;
        case OP.READONLY_BUFFER:
          this.need(1, abs);
          break;
        default:
          this.fail(`invalid opcode 0x${op.toString(16).padStart(2, '0')}`, abs);
      }
    }
  }

  /** Handles a length-prefixed string/bytes payload; returns the new position or -1 when more input is needed. */
  private sized(kind: number, start: number, n: number, bytearray = false): number {
    const buf = this.buf;
    const avail = buf.length - start;
    if (n <= avail && n <= this.limits.maxRetainedString) {
      if (bytearray) {
        this.pushObj({
          t: 'bytes',
          data: buf.slice(start, start + n),
          length: n,
          complete: true,
          bytearray: true,
        });
      } else {
        if (this.sp < this.minBufRef) this.minBufRef = this.sp;
        this.push(kind, start, n);
      }
      return start + n;
    }
    if (n <= this.limits.maxRetainedString) return -1; // wait for the rest
    // Too large to keep: remember a prefix and skip the rest of the payload as it streams by.
    if (avail < Math.min(n, 4096)) return -1;
    const prefix = buf.slice(start, start + Math.min(avail, 4096));
    const box: BytesBox = { t: 'bytes', data: prefix, length: n, complete: false };
    if (kind === K_STRC) this.pushObj({ t: 'unknown', detail: `<str of ${n} bytes>` });
    else this.pushObj(box);
    if (n <= avail) return start + n;
    this.skipRemaining = n - avail;
    // Consume the rest of this buffer; the caller sees pos == len and asks for more input.
    return buf.length;
  }

  private addDictItems(d: SymDict, from: number, to: number): void {
    for (let i = from; i + 1 < to; i += 2) {
      if (d.entries.length >= MAX_DICT_TRACK) {
        d.truncated = true;
        return;
      }
      d.entries.push([this.boxAt(i), this.boxAt(i + 1)]);
    }
  }

  private addListItems(l: { items: Box[]; truncated: boolean }, from: number, to: number): void {
    for (let i = from; i < to; i++) {
      if (l.items.length >= MAX_DICT_TRACK) {
        l.truncated = true;
        return;
      }
      l.items.push(this.boxAt(i));
    }
  }

  private recordBuild(target: Box, state: Box, abs: number): void {
    this.hooks.onCall?.({ t: 'call', callee: target, args: [state], op: 'BUILD', offset: abs });
  }

  /** An item setter / append on an object that is not a plain container: it calls a method of that object. */
  private mutation(op: string, target: number, abs: number, itemsFrom?: number): void {
    if (this.probe) return;
    const t = this.so[target];
    const items = itemsFrom !== undefined ? this.boxRange(itemsFrom, Math.min(this.sp, itemsFrom + 8)) : [];
    const call: SymCall = { t: 'call', callee: t, args: items, op, offset: abs };
    this.hooks.onCall?.(call);
  }
}

function isDynamic(b: Box): boolean {
  return (
    typeof b === 'object' &&
    b !== null &&
    !Array.isArray(b) &&
    (b.t === 'call' || b.t === 'global' || b.t === 'unknown' || b.t === 'ext' || b.t === 'persid')
  );
}

function describe(b: Box): string {
  if (b === null) return 'None';
  if (typeof b === 'string') return JSON.stringify(b);
  if (typeof b === 'number' || typeof b === 'boolean') return String(b);
  if (Array.isArray(b)) return 'tuple';
  switch (b.t) {
    case 'global':
      return `global ${b.module}.${b.name}`;
    case 'call':
      return 'call result';
    case 'bytes':
      return 'bytes';
    case 'tag':
      return b.kind;
    case 'unknown':
      return `unknown ${typeof b.detail === 'string' ? b.detail : ''}`.trim();
    default:
      return b.t;
  }
}

function littleSigned(buf: Uint8Array, start: number, n: number): number {
  if (n === 0) return 0;
  let v = 0;
  for (let i = n - 1; i >= 0; i--) v = v * 256 + buf[start + i];
  if (buf[start + n - 1] & 0x80) v -= 2 ** (8 * n);
  return v;
}

/** Decodes a protocol-0 STRING argument: a Python 2 repr, single or double quoted, with backslash escapes. */
function unquotePy2String(raw: string, onError: () => never): string {
  const t = raw;
  if (t.length < 2) onError();
  const q = t[0];
  if ((q !== "'" && q !== '"') || t[t.length - 1] !== q) onError();
  const body = t.slice(1, -1);
  return body.replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/gs, (_m, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8) & 0xff);
    switch (e) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case '0':
        return '\0';
      case 'a':
        return '\x07';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'v':
        return '\v';
      case '\n':
        return '';
      default:
        return e === '\\' || e === "'" || e === '"' ? e : `\\${e}`;
    }
  });
}

/** Decodes a protocol-0 UNICODE argument (raw-unicode-escape). */
function rawUnicodeEscape(raw: string): string {
  return raw.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, a: string, b: string) =>
    String.fromCodePoint(parseInt(a ?? b, 16)),
  );
}
