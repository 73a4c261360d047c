import type { FormatScanner, ScanContext, SniffInput } from '../types.js';
import type { ByteSource } from '../source.js';
import { analyzePickleSource } from './analyze.js';
import { PicklePolicy } from './policy.js';
import { DEFAULT_LIMITS } from '../../core/limits.js';
import { PickleVM } from './vm.js';
import { OP, isOpcode } from './opcodes.js';
import type { Box } from './values.js';

/** The legacy PyTorch magic number 0x1950a86a20f9469cfc6c, as the nearest double. */
const TORCH_LEGACY_MAGIC = Number(0x1950a86a20f9469cfc6cn);
/** Pickles in a legacy torch.save file: magic, protocol version, sys_info, the object, storage keys. */
const TORCH_LEGACY_PICKLES = 5;

const probePolicy = new PicklePolicy();

export interface PickleProbe {
  isPickle: boolean;
  protoFirst: boolean;
  /** A certain pickle: it declares a protocol and parses, or it imports a global. */
  strong: boolean;
}

/**
 * Decides from the first bytes whether content is a pickle: a valid opcode prefix that reaches STOP or fills the
 * head, or a broken stream that imported a global before breaking (the real loader would have run it).
 */
export function probePickle(head: Uint8Array, size: number): PickleProbe {
  // PROTO n followed by an opcode: a pickle header, even when the stream is truncated or breaks later.
  const protoFirst = head.length >= 3 && head[0] === 0x80 && head[1] <= 5 && isOpcode(head[2]);
  if (head.length === 0) return { isPickle: false, protoFirst, strong: false };
  const vm = new PickleVM({ limits: DEFAULT_LIMITS, policy: probePolicy, probe: true });
  vm.feed(head);
  const r = vm.end();
  if (r.sawGlobal) return { isPickle: true, protoFirst, strong: true };
  // A stream that declares a pickle protocol and then breaks is a (broken) pickle: inconclusive, never clean.
  if (protoFirst) return { isPickle: true, protoFirst, strong: !r.error };
  if (r.error) return { isPickle: false, protoFirst, strong: false };
  if (r.pickles > 0) return { isPickle: true, protoFirst, strong: false };
  if (head.length < size) {
    // A long valid opcode prefix (random bytes rarely parse for 4 KiB) is as good as a protocol header.
    if (r.opcodes > 1) return { isPickle: true, protoFirst, strong: r.opcodes >= 16 };
    // The first opcode does not fit in the head: a length-prefixed payload whose declared length fits the file is
    // a pickle (a 200 KB string before the payload must not hide it).
    const first = firstOpcodeFits(head, size);
    if (first) return { isPickle: true, protoFirst, strong: first === 'strong' };
  }
  return { isPickle: false, protoFirst, strong: false };
}

/** Whether a first opcode that does not fit in the head is plausibly the start of a pickle. */
function firstOpcodeFits(head: Uint8Array, size: number): 'strong' | 'weak' | undefined {
  const op = head[0];
  const u32 = (): number => (head[1] | (head[2] << 8) | (head[3] << 16) | (head[4] << 24)) >>> 0;
  const u64 = (): number => {
    let v = 0;
    for (let i = 8; i >= 1; i--) v = v * 256 + head[i];
    return v;
  };
  switch (op) {
    case OP.BINUNICODE:
    case OP.BINBYTES:
    case OP.BINSTRING:
    case OP.LONG4:
      return head.length >= 5 && 5 + u32() <= size ? 'strong' : undefined;
    case OP.BINUNICODE8:
    case OP.BINBYTES8:
    case OP.BYTEARRAY8:
      return head.length >= 9 && 9 + u64() <= size ? 'strong' : undefined;
    case OP.STRING:
      return head[1] === 0x27 || head[1] === 0x22 ? 'weak' : undefined;
    case OP.INT:
    case OP.LONG: {
      for (let i = 1; i < head.length; i++) if (head[i] < 0x30 || head[i] > 0x39) return undefined;
      return 'weak';
    }
    default:
      return undefined;
  }
}

export const pickleScanner: FormatScanner = {
  id: 'pickle',
  version: '1',
  sniff(input: SniffInput): number {
    const p = probePickle(input.head, input.size);
    if (!p.isPickle) return 0;
    // Strong claims (>= 40) also run beside another format's scanner on the same bytes (polyglots).
    if (p.strong) return p.protoFirst ? 50 : 45;
    return p.protoFirst ? 15 : 20;
  },
  async scan(source: ByteSource, ctx: ScanContext): Promise<void> {
    await scanPickleStream(source, ctx);
  },
};

/** Analyses a pickle stream, recognising legacy PyTorch files and joblib payloads by their content. */
export async function scanPickleStream(
  source: ByteSource,
  ctx: ScanContext,
  opts: { baseOffset?: number } = {},
): Promise<void> {
  ctx.addFormat('pickle');
  let legacyTorch = false;
  let vmRef: { limitPickles(n: number): void } | undefined;
  const analysis = await analyzePickleSource(source, ctx, {
    baseOffset: opts.baseOffset,
    onPickleEnd: (index: number, _offset: number, result: Box) => {
      if (index === 0 && typeof result === 'number' && result === TORCH_LEGACY_MAGIC) {
        legacyTorch = true;
        ctx.addFormat('pytorch-legacy');
        vmRef?.limitPickles(TORCH_LEGACY_PICKLES);
      }
    },
    onVm: (vm) => {
      vmRef = vm;
    },
    onGlobalSeen: (module: string) => {
      if (module.startsWith('joblib.')) ctx.addFormat('joblib');
    },
  });
  if (!analysis.limited && !analysis.vm.error)
    ctx.addAnalysis(legacyTorch ? 'pickle-vm:pytorch-legacy' : 'pickle-vm');
}
