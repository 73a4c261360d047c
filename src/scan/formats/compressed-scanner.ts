import { BulwarkError, LimitError, ParseError, errorMessage } from '../../core/errors.js';
import {
  decompressToSource,
  sniffCompression,
  type CompressionKind,
  type DecodedSource,
} from '../containers/compress.js';
import type { ByteSource } from '../source.js';
import type { FormatScanner, ScanContext, SniffInput } from '../types.js';
import { ARC_BOMB, ARC_CORRUPT, ARC_STRUCTURE_ANOMALY, ARC_UNSUPPORTED } from './archive-rules.js';

const LABEL: Record<CompressionKind, string> = {
  gzip: 'gzip',
  zlib: 'zlib',
  zfile: 'joblib-zfile',
  bzip2: 'bzip2',
  xz: 'xz',
  lzma: 'lzma',
  zstd: 'zstd',
  lz4: 'lz4',
};

/**
 * Single-stream compression layers (gzip, zlib, bz2, xz, lzma-alone, zstd, LZ4 frames, joblib's legacy ZF): decompressed under the
 * size and ratio limits and analysed like a file (joblib `compress=`, pandas `to_pickle(...gz)`, `.pkl.gz`).
 */
export const compressedScanner: FormatScanner = {
  id: 'compressed',
  version: '2',
  sniff(input: SniffInput): number {
    const kind = sniffCompression(input.head);
    if (!kind) return 0;
    return kind === 'zlib' || kind === 'lzma' ? 40 : 80;
  },
  async scan(source: ByteSource, ctx: ScanContext): Promise<void> {
    const head = await source.read(0, 4096);
    const kind = sniffCompression(head);
    if (!kind) return;
    ctx.addFormat(LABEL[kind]);
    let inner: DecodedSource;
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
    if (inner.anomalies.length)
      ctx.report(ARC_STRUCTURE_ANOMALY, {
        message: `${LABEL[kind]} stream: ${inner.anomalies.join(', ')} (loaders may read it differently; the decoded data was analysed)`,
        evidence: { anomalies: inner.anomalies },
      });
    try {
      ctx.addAnalysis(`${kind}-decompress`);
      await ctx.scanMember(`<${LABEL[kind]}>`, inner);
    } finally {
      await inner.close().catch(() => undefined);
    }
  },
};
