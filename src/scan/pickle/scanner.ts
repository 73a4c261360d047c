import type { FormatScanner, ScanContext, SniffInput } from '../types.js';
import type { ByteSource } from '../source.js';
import { analyzePickleSource } from './analyze.js';
import { PicklePolicy } from './policy.js';
import { DEFAULT_LIMITS } from '../../core/limits.js';
import { PickleVM } from './vm.js';
import { isOpcode } from './opcodes.js';
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
  const complete = r.pickles > 0 || (head.length < size && r.opcodes > 1);
  return { isPickle: complete, protoFirst, strong: false };
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
