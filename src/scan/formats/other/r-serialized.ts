import type { ByteSource } from '../../source.js';
import type { FormatScanner, ScanContext, SniffInput } from '../../types.js';
import { FMT_IDENTIFIED, FMT_MALFORMED, FMT_R_CODE_ON_ACCESS } from './rules.js';

/**
 * R serialization (saveRDS/serialize, and save() workspaces behind "RDX2"/"RDX3"), XDR (big-endian) variant: the
 * object tree is walked without building anything, looking for what runs code when the data is merely used:
 * unevaluated promises (CVE-2024-27322) and active bindings in serialized environments. Closures and bytecode are
 * counted. ASCII and native-binary variants are identified only.
 */

/** Streams larger than this (after decompression) are identified only. */
const MAX_WALK_BYTES = 256 * 1024 * 1024;
const MAX_ITEMS = 20_000_000;
const MAX_DEPTH = 2000;

class RWalkError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}
/** The walk stopped at something it does not model (e.g. byte code); not an error in the file. */
class RWalkStop extends Error {}

interface RWalkResult {
  items: number;
  promises: number;
  unevaluatedPromises: number;
  activeBindings: number;
  closures: number;
  bytecode: boolean;
  builtins: Set<string>;
  stoppedAt?: string;
}

const SXP = {
  NIL: 0,
  SYM: 1,
  LIST: 2,
  CLO: 3,
  ENV: 4,
  PROM: 5,
  LANG: 6,
  SPECIAL: 7,
  BUILTIN: 8,
  CHAR: 9,
  LGL: 10,
  INT: 13,
  REAL: 14,
  CPLX: 15,
  STR: 16,
  DOT: 17,
  VEC: 19,
  EXPR: 20,
  BCODE: 21,
  EXTPTR: 22,
  WEAKREF: 23,
  RAW: 24,
  S4: 25,
} as const;
const PAIRLISTS = new Set<number>([SXP.LIST, SXP.CLO, SXP.PROM, SXP.LANG, SXP.DOT]);
const ACTIVE_BINDING = 1 << 15; // in the "levels" bits of a frame entry

class Walker {
  pos: number;
  refs = 0;
  readonly r: RWalkResult = {
    items: 0,
    promises: 0,
    unevaluatedPromises: 0,
    activeBindings: 0,
    closures: 0,
    bytecode: false,
    builtins: new Set(),
  };
  constructor(
    private readonly b: Uint8Array,
    start: number,
  ) {
    this.pos = start;
  }

  int(): number {
    if (this.pos + 4 > this.b.length) throw new RWalkError('R data ends inside an item', this.pos);
    const b = this.b;
    const v = (b[this.pos] << 24) | (b[this.pos + 1] << 16) | (b[this.pos + 2] << 8) | b[this.pos + 3] | 0;
    this.pos += 4;
    return v;
  }

  skip(n: number): void {
    if (n < 0 || this.pos + n > this.b.length)
      throw new RWalkError('R vector runs past the end of the data', this.pos);
    this.pos += n;
  }

  length(): number {
    const n = this.int();
    if (n >= 0) return n;
    if (n !== -1) throw new RWalkError(`negative vector length ${n}`, this.pos - 4);
    const hi = this.int();
    const lo = this.int() >>> 0;
    const len = hi * 4294967296 + lo;
    if (hi < 0 || len > this.b.length)
      throw new RWalkError('long vector length beyond the data', this.pos - 8);
    return len;
  }

  stringVec(): void {
    if (this.int() !== 0) throw new RWalkError('names in persistent string vector', this.pos - 4);
    const n = this.length();
    for (let i = 0; i < n; i++) this.item(1);
  }

  /** Reads one item (and, for pairlists, the whole chain of CDRs iteratively). */
  item(depth: number): void {
    if (depth > MAX_DEPTH) throw new RWalkStop(`objects nested deeper than ${MAX_DEPTH}`);
    let flags = this.int();
    while (true) {
      if (++this.r.items > MAX_ITEMS) throw new RWalkStop(`more than ${MAX_ITEMS} objects`);
      const type = flags & 0xff;
      const levels = flags >>> 12;
      const hasAttr = (flags & (1 << 9)) !== 0;
      const hasTag = (flags & (1 << 10)) !== 0;
      if (PAIRLISTS.has(type)) {
        if (type === SXP.PROM) {
          this.r.promises++;
          if (hasTag) this.r.unevaluatedPromises++; // the tag of a promise is its environment: not yet forced
        }
        if (type === SXP.CLO) this.r.closures++;
        if (type === SXP.LIST && levels & ACTIVE_BINDING) this.r.activeBindings++;
        if (hasAttr) this.item(depth + 1);
        if (hasTag) this.item(depth + 1);
        this.item(depth + 1); // CAR
        flags = this.int(); // CDR, read in this loop to keep long lists flat
        continue;
      }
      this.nonPairlist(type, flags, hasAttr, depth);
      return;
    }
  }

  private nonPairlist(type: number, flags: number, hasAttr: boolean, depth: number): void {
    switch (type) {
      case 254: // NILVALUE
      case 253: // GLOBALENV
      case 252: // UNBOUNDVALUE
      case 251: // MISSINGARG
      case 250: // BASENAMESPACE
      case 242: // EMPTYENV
      case 241: // BASEENV
        return;
      case 255: {
        // REFSXP
        const idx = flags >> 8 === 0 ? this.int() : flags >>> 8;
        if (idx < 1 || idx > this.refs) throw new RWalkError(`reference to unknown object ${idx}`, this.pos);
        return;
      }
      case 247: // PERSISTSXP
      case 248: // PACKAGESXP
      case 249: // NAMESPACESXP
        this.stringVec();
        this.refs++;
        return;
      case 246:
      case 245:
        throw new RWalkError('class references are not readable by R', this.pos);
      case 244:
      case 243:
        throw new RWalkError('byte-code reference outside byte code', this.pos);
      case 238: // ALTREP: info, state, attributes
        this.item(depth + 1);
        this.item(depth + 1);
        this.item(depth + 1);
        return;
      case SXP.ENV:
        this.int(); // locked
        this.refs++;
        this.item(depth + 1); // enclosure
        this.item(depth + 1); // frame
        this.item(depth + 1); // hash table
        this.item(depth + 1); // attributes
        return;
      case SXP.SYM:
        this.refs++;
        this.item(depth + 1);
        return;
      case SXP.EXTPTR:
        this.refs++;
        this.item(depth + 1);
        this.item(depth + 1);
        break;
      case SXP.WEAKREF:
        this.refs++;
        break;
      case SXP.SPECIAL:
      case SXP.BUILTIN: {
        const n = this.int();
        const start = this.pos;
        this.skip(n);
        if (this.r.builtins.size < 50)
          this.r.builtins.add(
            Buffer.from(this.b.subarray(start, start + Math.min(n, 64))).toString('latin1'),
          );
        break;
      }
      case SXP.CHAR: {
        const n = this.int();
        if (n !== -1) this.skip(n);
        break;
      }
      case SXP.LGL:
      case SXP.INT:
        this.skip(this.length() * 4);
        break;
      case SXP.REAL:
        this.skip(this.length() * 8);
        break;
      case SXP.CPLX:
        this.skip(this.length() * 16);
        break;
      case SXP.RAW:
        this.skip(this.length());
        break;
      case SXP.STR:
      case SXP.VEC:
      case SXP.EXPR: {
        const n = this.length();
        for (let i = 0; i < n; i++) this.item(depth + 1);
        break;
      }
      case SXP.S4:
        break;
      case SXP.BCODE:
        this.r.bytecode = true;
        throw new RWalkStop('compiled byte code (not modelled)');
      default:
        throw new RWalkError(`unknown R object type ${type}`, this.pos - 4);
    }
    if (hasAttr) this.item(depth + 1);
  }
}

function headerOf(h: Uint8Array): { variant: 'xdr' | 'ascii' | 'native'; start: number } | undefined {
  const t = Buffer.from(h.subarray(0, 8)).toString('latin1');
  let off = 0;
  if (/^RD[XAB][23]\n/.test(t)) off = 5;
  const f = t.slice(off, off + 2);
  if (f === 'X\n') return { variant: 'xdr', start: off + 2 };
  if (f === 'A\n') return { variant: 'ascii', start: off + 2 };
  if (f === 'B\n') return { variant: 'native', start: off + 2 };
  return undefined;
}

export function sniffR(h: Uint8Array): boolean {
  const t = Buffer.from(h.subarray(0, 12)).toString('latin1');
  return (
    /^(?:RDX[23]\n)?X\n\0\0\0[\x02\x03]/.test(t) ||
    /^(?:RDA[23]\n)?A\n[23]\n\d/.test(t) ||
    /^(?:RDB[23]\n)?B\n[\x02\x03]\0\0\0/.test(t)
  );
}

export const rSerializedScanner: FormatScanner = {
  id: 'r-serialized',
  version: '1',
  sniff(input: SniffInput): number {
    return sniffR(input.head) ? 55 : 0;
  },
  async scan(source: ByteSource, ctx: ScanContext): Promise<void> {
    ctx.addFormat('r-serialized');
    const head = await source.read(0, 16);
    const hdr = headerOf(head);
    if (!hdr || hdr.variant !== 'xdr' || source.size > MAX_WALK_BYTES) {
      ctx.report(FMT_IDENTIFIED, {
        message: `R serialized data (${hdr?.variant ?? 'unknown'} variant${source.size > MAX_WALK_BYTES ? `, ${source.size} bytes` : ''}): identified only, its objects were not analysed. A promise or active binding in R data runs code when the value is used (CVE-2024-27322); load R data only from trusted sources`,
        evidence: { format: 'r-serialized', variant: hdr?.variant, analysed: 'format identification only' },
      });
      ctx.addAnalysis('identify:r-serialized');
      return;
    }
    const data = await source.read(0, source.size);
    const w = new Walker(data, hdr.start);
    try {
      const version = w.int();
      w.int(); // writer R version
      w.int(); // minimal reader version
      if (version === 3) {
        const n = w.int(); // native encoding name
        w.skip(n);
      } else if (version !== 2)
        throw new RWalkError(`unsupported serialization version ${version}`, hdr.start);
      w.item(0);
    } catch (err) {
      if (err instanceof RWalkStop) w.r.stoppedAt = err.message;
      else if (err instanceof RWalkError) {
        ctx.report(FMT_MALFORMED, {
          message: `R serialized data could not be read: ${err.message}`,
          offset: err.offset,
        });
        reportCode(ctx, w.r);
        return;
      } else throw err;
    }
    reportCode(ctx, w.r);
    if (w.r.stoppedAt)
      ctx.report(FMT_IDENTIFIED, {
        message: `R serialized data: the object walk stopped at ${w.r.stoppedAt}; objects after that point were not analysed`,
        evidence: { format: 'r-serialized', analysed: 'partial object walk', items: w.r.items },
      });
    ctx.addAnalysis(
      `r-objects:${w.r.items} items, ${w.r.closures} closures, ${w.r.promises} promises${w.r.bytecode ? ', byte code' : ''}`,
    );
  },
};

function reportCode(ctx: ScanContext, r: RWalkResult): void {
  if (r.unevaluatedPromises)
    ctx.report(FMT_R_CODE_ON_ACCESS, {
      message: `R data contains ${r.unevaluatedPromises} unevaluated promise(s): their code runs when the value is first used after readRDS/load (CVE-2024-27322)`,
      evidence: { promises: r.unevaluatedPromises, builtins: [...r.builtins] },
    });
  if (r.activeBindings)
    ctx.report(FMT_R_CODE_ON_ACCESS, {
      message: `R data contains ${r.activeBindings} active binding(s): a function runs whenever the variable is read`,
      evidence: { activeBindings: r.activeBindings },
    });
}
