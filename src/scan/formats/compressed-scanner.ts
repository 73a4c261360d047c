import { BulwarkError, LimitError, ParseError, errorMessage } from '../../core/errors.js';
import { decompressToSource, sniffCompression, type CompressionKind } from '../containers/compress.js';
import type { ByteSource } from '../source.js';
import type { FormatScanner, ScanContext, SniffInput } from '../types.js';
import { ARC_BOMB, ARC_CORRUPT, ARC_UNSUPPORTED } from './archive-rules.js';

const LABEL: Record<CompressionKind, string> = {
  gzip: 'gzip',
  zlib: 'zlib',
  zfile: 'joblib-zfile',
  bzip2: 'bzip2',
  xz: 'xz',
  lzma: 'lzma',
  zstd: 'zstd',
};

/**
 * Single-stream compression layers (gzip, zlib, bz2, xz, lzma-alone, joblib's legacy ZF): decompressed under the
 * size and ratio limits and analysed like a file (joblib `compress=`, pandas `to_pickle(...gz)`, `.pkl.gz`).
 */
export const compressedScanner: FormatScanner = {
  id: 'compressed',
  version: '1',
  sniff(input: SniffInput): number {
    if (isLz4Frame(input.head)) return 80;
    const kind = sniffCompression(input.head);
    if (!kind) return 0;
    return kind === 'zlib' || kind === 'lzma' ? 40 : 80;
  },
  async scan(source: ByteSource, ctx: ScanContext): Promise<void> {
    const head = await source.read(0, 4096);
    if (isLz4Frame(head)) {
      // joblib compress='lz4' and .lz4 files: recognised, not decoded here; never reported clean.
      ctx.addFormat('lz4');
      ctx.report(ARC_UNSUPPORTED, {
        message: 'LZ4 frame: Bulwark does not decode LZ4, so the content was not analysed',
      });
      return;
    }
    const kind = sniffCompression(head);
    if (!kind) return;
    ctx.addFormat(LABEL[kind]);
    let inner: ByteSource;
    try {
      inner = await decompressToSource(source, kind, { limits: ctx.limits, budget: ctx.budget });
    } catch (err) {
      if (err instanceof LimitError)
        ctx.report(ARC_BOMB, { message: `${kind}: ${err.message}`, evidence: { limit: err.limit } });
      else if (err instanceof BulwarkError && err.code === 'E_UNSUPPORTED')
        ctx.report(ARC_UNSUPPORTED, { message: `${kind}: ${err.message}` });
      else
        ctx.report(ARC_CORRUPT, {
          message: `${kind} data could not be decompressed: ${errorMessage(err)}`,
          offset: err instanceof ParseError ? err.offset : undefined,
        });
      return;
    }
    try {
      ctx.addAnalysis(`${kind}-decompress`);
      await ctx.scanMember(`<${LABEL[kind]}>`, inner);
    } finally {
      await inner.close().catch(() => undefined);
    }
  },
};

/** LZ4 frame magic 0x184D2204 with a version-01 FLG byte. */
function isLz4Frame(h: Uint8Array): boolean {
  return (
    h.length >= 7 &&
    h[0] === 0x04 &&
    h[1] === 0x22 &&
    h[2] === 0x4d &&
    h[3] === 0x18 &&
    (h[4] & 0xc0) === 0x40
  );
}
