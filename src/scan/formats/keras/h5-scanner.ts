import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { LimitError, errorMessage } from '../../../core/errors.js';
import { SliceSource, type ByteSource } from '../../source.js';
import type { FormatScanner, ScanContext, SniffInput } from '../../types.js';
import { analyzeKerasConfig } from './config-analyzer.js';
import { parsePythonJson } from './python-json.js';
import { inspectHdf5, type AttrInfo, type H5Inspection } from './h5-reader.js';
import { KERAS_CONFIG_UNANALYSED, KERAS_H5_EXTERNAL_LINK, KERAS_H5_UNREADABLE } from './rules.js';

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
/** Embedded HDF5 content (e.g. model.weights.h5 inside a .keras archive) is copied to a temporary file up to this size. */
export const MAX_EMBEDDED_HDF5_BYTES = 4 * 1024 * 1024 * 1024;
/** Time allowed to the HDF5 reader per file. */
const H5_TIMEOUT_MS = 120_000;

/** Offset of the HDF5 superblock signature in `head` (0, 512, 1024, 2048…), or -1. */
export function hdf5SignatureOffset(head: Uint8Array): number {
  for (let off = 0; off + SIGNATURE.length <= head.length; off = off === 0 ? 512 : off * 2) {
    let ok = true;
    for (let i = 0; i < SIGNATURE.length; i++)
      if (head[off + i] !== SIGNATURE[i]) {
        ok = false;
        break;
      }
    if (ok) return off;
  }
  return -1;
}

/**
 * Offset of the HDF5 signature anywhere a user block may end (0, 512, 1024, … up to the file size): h5py and
 * Keras accept user blocks of any power-of-two size, so a 4 KiB head is not enough.
 */
export async function findHdf5Signature(source: ByteSource, from = 0): Promise<number> {
  for (let off = from; off + SIGNATURE.length <= source.size; off = off === 0 ? 512 : off * 2) {
    const b = await source.read(off, SIGNATURE.length);
    if (b.length === SIGNATURE.length && SIGNATURE.every((x, i) => b[i] === x)) return off;
  }
  return -1;
}

/** The most specific line of an HDF5 error stack ("H5F__super_read: truncated file: …"), or the first line. */
export function hdf5ErrorSummary(message: string): string {
  let last: string | undefined;
  for (const m of message.matchAll(/#\d+:.*? in ([\w]+)\(\): (.*)$/gm)) last = `${m[1]}: ${m[2].trim()}`;
  return (last ?? message.split('\n')[0]).slice(0, 300);
}

function stringValue(a: AttrInfo | undefined): string | undefined {
  if (!a) return undefined;
  if (typeof a.value === 'string') return a.value;
  if (Array.isArray(a.value) && a.value.length === 1 && typeof a.value[0] === 'string') return a.value[0];
  return undefined;
}

async function spill(source: ByteSource, ctx: ScanContext): Promise<{ file: string; dir: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bulwark-h5-'));
  const file = path.join(dir, 'content.h5');
  try {
    const out = createWriteStream(file, { mode: 0o600 });
    try {
      for await (const chunk of source.stream(0, source.size)) {
        ctx.checkDeadline();
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      }
    } finally {
      out.end();
      await finished(out);
    }
    return { file, dir };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

export { parsePythonJson };

export const kerasH5Scanner: FormatScanner = {
  id: 'keras-h5',
  version: '1',
  sniff(input: SniffInput): number {
    const off = hdf5SignatureOffset(input.head);
    if (off === 0) return 85;
    return off > 0 ? 70 : 0;
  },
  async deepSniff(source: ByteSource, input: SniffInput): Promise<number> {
    // Offsets inside the head were already checked by sniff().
    return input.head.length >= 4096 && (await findHdf5Signature(source, 4096)) > 0 ? 70 : 0;
  },
  async scan(source: ByteSource, ctx: ScanContext): Promise<void> {
    const sb = await findHdf5Signature(source);
    ctx.addFormat('hdf5');
    if (sb > 0) {
      // h5py and Keras skip the user block; whatever hides there is analysed as content of its own (without the
      // zero padding that h5py writes after it, looked for in the block's last 64 KiB).
      const window = Math.min(sb, 64 * 1024);
      const last = await source.read(sb - window, window);
      let end = sb;
      while (end > sb - window && last[end - (sb - window) - 1] === 0) end--;
      if (end > 0) await ctx.scanMember('hdf5-user-block', new SliceSource(source, 0, end));
    }

    let file: string;
    let tmp: string | undefined;
    if (ctx.depth === 0 && ctx.diskPath) {
      file = ctx.diskPath;
    } else {
      if (source.size > MAX_EMBEDDED_HDF5_BYTES) {
        ctx.report(KERAS_H5_UNREADABLE, {
          message: `embedded HDF5 content of ${source.size} bytes is larger than ${MAX_EMBEDDED_HDF5_BYTES} bytes; not analysed (extract the archive and scan the file itself)`,
          evidence: { size: source.size, limit: MAX_EMBEDDED_HDF5_BYTES },
        });
        return;
      }
      const s = await spill(source, ctx);
      file = s.file;
      tmp = s.dir;
    }

    let info: H5Inspection;
    try {
      const left = ctx.budget.deadline - Date.now();
      info = await inspectHdf5(file, { timeoutMs: Math.max(1_000, Math.min(H5_TIMEOUT_MS, left)) });
    } catch (err) {
      ctx.report(KERAS_H5_UNREADABLE, {
        message: `HDF5 file could not be read: ${hdf5ErrorSummary(errorMessage(err))}`,
        evidence: { limit: err instanceof LimitError ? err.limit : undefined },
      });
      return;
    } finally {
      if (tmp) await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    }
    await analyzeInspection(info, ctx);
  },
};

async function analyzeInspection(info: H5Inspection, ctx: ScanContext): Promise<void> {
  const root = info.root.attrs;
  const mw = info.groups['/model_weights']?.attrs ?? {};
  const kerasVersion = stringValue(root.keras_version) ?? stringValue(mw.keras_version);
  const backend = stringValue(root.backend) ?? stringValue(mw.backend);
  const isModel = 'model_config' in root;
  const isLegacyWeights = 'layer_names' in root || 'layer_names' in mw;
  const isKeras3Weights =
    info.topLevel.includes('layers') &&
    (info.topLevel.includes('vars') || info.topLevel.includes('optimizer'));
  if (isModel) ctx.addFormat('keras-h5');
  else if (isLegacyWeights || isKeras3Weights) ctx.addFormat('keras-weights-h5');
  if (info.root.error)
    ctx.report(KERAS_H5_UNREADABLE, {
      message: `HDF5 root attributes could not be listed: ${hdf5ErrorSummary(info.root.error)}`,
    });

  for (const [name, source] of [
    ['model_config', 'model_config attribute'],
    ['training_config', 'training_config attribute'],
  ] as const) {
    const a = root[name];
    if (!a) continue;
    const text = stringValue(a);
    if (text === undefined) {
      ctx.report(KERAS_CONFIG_UNANALYSED, {
        message: `HDF5 ${source} could not be read as text (${a.skipped ?? (a.error ? hdf5ErrorSummary(a.error) : 'not a string')}); not analysed`,
        evidence: { attribute: name, type: a.type, size: a.size, count: a.count },
      });
      continue;
    }
    let doc: unknown;
    try {
      doc = parsePythonJson(text);
    } catch (err) {
      ctx.report(KERAS_CONFIG_UNANALYSED, {
        message: `HDF5 ${source} is not valid JSON: ${errorMessage(err).slice(0, 200)}`,
        evidence: { attribute: name, chars: text.length },
      });
      continue;
    }
    await analyzeKerasConfig(doc, ctx, { source, legacyH5: true });
  }

  for (const l of info.externalLinks.slice(0, 20))
    ctx.report(KERAS_H5_EXTERNAL_LINK, {
      message: `HDF5 link ${JSON.stringify(l.path)} points to ${JSON.stringify(l.objPath)} in the external file ${JSON.stringify(l.filename)}`,
      evidence: { link: l.path, file: l.filename, object: l.objPath },
    });

  const parts = [`hdf5:${info.objects} links walked${info.truncated ? ' (walk stopped at the limit)' : ''}`];
  if (kerasVersion) parts.push(`keras ${kerasVersion.slice(0, 40)}`);
  if (backend) parts.push(`backend ${backend.slice(0, 40)}`);
  ctx.addAnalysis(parts.join(', '));
}
