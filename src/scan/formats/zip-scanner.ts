import { BulwarkError, LimitError, ParseError, errorMessage } from '../../core/errors.js';
import { isUnsafeMemberPath } from '../containers/archive-safety.js';
import { openZipEntry, readZip, type ZipEntry } from '../containers/zip.js';
import type { ByteSource } from '../source.js';
import type { FormatScanner, ScanContext, SniffInput } from '../types.js';
import {
  ARC_BOMB,
  ARC_CORRUPT,
  ARC_ENCRYPTED,
  ARC_PATH_TRAVERSAL,
  ARC_STRUCTURE_ANOMALY,
  ARC_SYMLINK,
  ARC_UNSUPPORTED,
  TORCH_SCRIPT,
  TORCH_SCRIPT_SUSPICIOUS,
} from './archive-rules.js';

/** Anomalies that benign writers produce and that change nothing for loaders. */
const BENIGN_ANOMALIES = new Set(['data-descriptor']);

export type ZipLayout =
  | { kind: 'pytorch-zip' | 'torchscript'; prefix: string }
  | { kind: 'npz' }
  | { kind: 'keras' }
  | { kind: 'zip' };

/** Recognises PyTorch checkpoints and TorchScript archives by their records, not by file name extension. */
export function classifyZip(entries: ZipEntry[]): ZipLayout {
  const files = entries.filter((e) => !e.isDirectory);
  const dataPkl =
    files.find((e) => /^[^/]+\/data\.pkl$/.test(e.name)) ?? files.find((e) => e.name === 'data.pkl');
  if (dataPkl) {
    const prefix = dataPkl.name.includes('/') ? dataPkl.name.slice(0, dataPkl.name.indexOf('/') + 1) : '';
    const ts = files.some((e) => e.name.startsWith(`${prefix}code/`) || e.name === `${prefix}constants.pkl`);
    return { kind: ts ? 'torchscript' : 'pytorch-zip', prefix };
  }
  if (files.length && files.every((e) => e.name.endsWith('.npy'))) return { kind: 'npz' };
  // Keras 3 `.keras`: config.json + metadata.json (+ model.weights.h5) at the root. Members are still analysed by
  // content; the label only says what the archive is.
  const names = new Set(files.map((e) => e.name));
  if (names.has('config.json') && (names.has('metadata.json') || names.has('model.weights.h5')))
    return { kind: 'keras' };
  return { kind: 'zip' };
}

const CUSTOM_OP = /\bops\.(?!aten\b|prim\b|quantized\b|_caffe2\b)([A-Za-z_]\w*)\.([A-Za-z_]\w*)/g;
// TorchBind classes shipped with PyTorch (quantized packed params, xnnpack, rnn, sparse, mkldnn) are ordinary in
// quantized TorchScript models; other torch.classes need a native library registered by someone.
const DANGEROUS_TS =
  /\b(load_library|(?:__torch__\.)?torch\.classes\.(?!(?:quantized|xnnpack|rnn|sparse|mkldnn)\.)[A-Za-z_]|PythonOp|prim::PythonOp)/;

export const zipScanner: FormatScanner = {
  id: 'zip',
  version: '1',
  sniff(input: SniffInput): number {
    const h = input.head;
    const fromHead = zipHeadScore(h);
    if (fromHead) return fromHead;
    // Python's zipfile (and so torch.load) finds an archive by its end record, whatever precedes it.
    return input.tail && hasEndRecord(input.tail) ? 45 : 0;
  },
  async scan(source: ByteSource, ctx: ScanContext): Promise<void> {
    await scanZip(source, ctx);
  },
};

function zipHeadScore(h: Uint8Array): number {
  if (
    h.length >= 4 &&
    h[0] === 0x50 &&
    h[1] === 0x4b &&
    ((h[2] === 3 && h[3] === 4) || (h[2] === 5 && h[3] === 6) || (h[2] === 7 && h[3] === 8))
  )
    return 90;
  return 0;
}

/** True when the bytes contain a ZIP end-of-central-directory record whose comment length reaches the end. */
function hasEndRecord(tail: Uint8Array): boolean {
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail[i] === 0x50 && tail[i + 1] === 0x4b && tail[i + 2] === 5 && tail[i + 3] === 6) {
      const commentLen = tail[i + 20] | (tail[i + 21] << 8);
      if (i + 22 + commentLen === tail.length) return true;
    }
  }
  return false;
}

async function scanZip(source: ByteSource, ctx: ScanContext): Promise<void> {
  let listing;
  try {
    listing = await readZip(source, { maxMembers: ctx.limits.maxMembers });
  } catch (err) {
    if (err instanceof ParseError) {
      ctx.addFormat('zip');
      ctx.report(ARC_CORRUPT, {
        message: `not a readable ZIP archive: ${err.message}`,
        offset: err.offset,
      });
      return;
    }
    throw err;
  }
  const layout = classifyZip(listing.entries);
  ctx.addFormat(layout.kind === 'zip' ? 'zip' : layout.kind);
  const structural = listing.anomalies.filter((a) => !BENIGN_ANOMALIES.has(a));
  if (structural.length)
    ctx.report(ARC_STRUCTURE_ANOMALY, {
      message: `ZIP structure anomalies: ${structural.join(', ')}`,
      evidence: { anomalies: structural, centralDirectory: listing.centralDirectoryFound },
    });

  const policy =
    layout.kind === 'torchscript' ? ctx.policy.derive({ allowPrefixes: ['__torch__'] }) : ctx.policy;
  const codeFiles: string[] = [];
  const customOps = new Set<string>();
  let skippedStorages = 0;
  for (const e of listing.entries) {
    ctx.checkDeadline();
    if (e.isDirectory) continue;
    const unsafe = isUnsafeMemberPath(e.name);
    if (unsafe)
      ctx.report(ARC_PATH_TRAVERSAL, {
        message: `member name ${JSON.stringify(e.name)} is ${unsafe === 'traversal' ? 'a path traversal' : `an unsafe path (${unsafe})`}`,
        inner: [e.name],
        evidence: { member: e.name, kind: unsafe },
      });
    if (e.isSymlink) {
      // Extractors create a link; torch.load ignores the attribute and reads the bytes. Report it, never follow
      // it, and still analyse the bytes as content (a malicious data.pkl marked as a link must not hide).
      ctx.report(ARC_SYMLINK, {
        message: `member ${JSON.stringify(e.name)} is marked as a symbolic link (not followed; its bytes were analysed)`,
        inner: [e.name],
        evidence: { member: e.name },
      });
    }
    if (
      (layout.kind === 'pytorch-zip' || layout.kind === 'torchscript') &&
      isStorage(e.name, layout.prefix)
    ) {
      // Tensor storages are read as raw bytes by torch.load and never unpickled: do not read them.
      skippedStorages++;
      continue;
    }
    if (
      layout.kind === 'torchscript' &&
      e.name.startsWith(`${layout.prefix}code/`) &&
      e.name.endsWith('.py')
    ) {
      codeFiles.push(e.name);
    }
    await scanEntry(
      source,
      e,
      ctx,
      policy,
      layout.kind === 'torchscript' && e.name.endsWith('.py') ? customOps : undefined,
    );
  }
  if (layout.kind === 'torchscript') {
    ctx.report(TORCH_SCRIPT, {
      message: `TorchScript archive with ${codeFiles.length} code file(s) run by torch.jit.load`,
      evidence: { codeFiles: codeFiles.slice(0, 50) },
    });
    if (customOps.size)
      ctx.report(TORCH_SCRIPT_SUSPICIOUS, {
        message: `TorchScript code calls custom or dangerous operators: ${[...customOps].slice(0, 10).join(', ')}`,
        evidence: { operators: [...customOps] },
      });
  }
  ctx.addAnalysis(
    `zip:${listing.entries.length} members${skippedStorages ? `, ${skippedStorages} tensor storages not read` : ''}`,
  );
}

function isStorage(name: string, prefix: string): boolean {
  return name.startsWith(`${prefix}data/`) && !name.endsWith('.pkl');
}

async function scanEntry(
  source: ByteSource,
  e: ZipEntry,
  ctx: ScanContext,
  policy: ScanContext['policy'],
  tsCode?: Set<string>,
): Promise<void> {
  let member: ByteSource | undefined;
  try {
    member = await openZipEntry(source, e, { limits: ctx.limits, budget: ctx.budget });
  } catch (err) {
    reportOpenError(err, e, ctx);
  }
  // Reported after opening: a CRC mismatch is known only once the member was decompressed.
  const memberAnomalies = e.anomalies.filter((a) => !BENIGN_ANOMALIES.has(a));
  if (memberAnomalies.length)
    ctx.report(ARC_STRUCTURE_ANOMALY, {
      message: `member ${JSON.stringify(e.name)}: ${memberAnomalies.join(', ')}`,
      inner: [e.name],
      evidence: { member: e.name, anomalies: memberAnomalies, localName: e.localName },
    });
  if (!member) return;
  try {
    if (tsCode) {
      const text = Buffer.from(await member.read(0, Math.min(member.size, 4 * 1024 * 1024))).toString('utf8');
      for (const m of text.matchAll(CUSTOM_OP)) tsCode.add(`ops.${m[1]}.${m[2]}`);
      const d = DANGEROUS_TS.exec(text);
      if (d) tsCode.add(d[1]);
    }
    const outcome = await ctx.scanMember(e.name, member, { policy });
    if (e.encrypted && outcome.skipped) {
      ctx.report(ARC_ENCRYPTED, {
        message: `member ${JSON.stringify(e.name)} is encrypted; its content could not be analysed`,
        inner: [e.name],
        evidence: { member: e.name },
      });
    }
  } catch (err) {
    reportOpenError(err, e, ctx);
  } finally {
    await member.close().catch(() => undefined);
  }
}

function reportOpenError(err: unknown, e: ZipEntry, ctx: ScanContext): void {
  const inner = [e.name];
  if (err instanceof LimitError) {
    ctx.report(ARC_BOMB, {
      message: `member ${JSON.stringify(e.name)}: ${err.message}`,
      inner,
      evidence: { limit: err.limit },
    });
  } else if (e.encrypted) {
    ctx.report(ARC_ENCRYPTED, {
      message: `member ${JSON.stringify(e.name)} is encrypted; its content could not be analysed`,
      inner,
      evidence: { member: e.name },
    });
  } else if (err instanceof BulwarkError && err.code === 'E_UNSUPPORTED') {
    ctx.report(ARC_UNSUPPORTED, {
      message: `member ${JSON.stringify(e.name)}: ${err.message}`,
      inner,
      evidence: { method: e.method },
    });
  } else {
    ctx.report(ARC_CORRUPT, {
      message: `member ${JSON.stringify(e.name)} could not be read: ${errorMessage(err)}`,
      inner,
    });
  }
}
