import { BulwarkError, LimitError, ParseError, errorMessage } from '../../core/errors.js';
import { hardlinkEscapes, isUnsafeMemberPath, symlinkEscapes } from '../containers/archive-safety.js';
import { extractSevenZip, isSevenZip } from '../containers/sevenzip.js';
import { isTar, readTar } from '../containers/tar.js';
import { SliceSource, type ByteSource } from '../source.js';
import type { FormatScanner, ScanContext, SniffInput } from '../types.js';
import {
  ARC_BOMB,
  ARC_CORRUPT,
  ARC_ENCRYPTED,
  ARC_PATH_TRAVERSAL,
  ARC_STRUCTURE_ANOMALY,
  ARC_SYMLINK,
  ARC_UNSUPPORTED,
} from './archive-rules.js';

function reportUnsafePath(ctx: ScanContext, name: string): void {
  const unsafe = isUnsafeMemberPath(name);
  if (unsafe)
    ctx.report(ARC_PATH_TRAVERSAL, {
      message: `member name ${JSON.stringify(name)} is ${unsafe === 'traversal' ? 'a path traversal' : `an unsafe path (${unsafe})`}`,
      inner: [name],
      evidence: { member: name, kind: unsafe },
    });
}

function reportLink(
  ctx: ScanContext,
  name: string,
  kind: 'symlink' | 'hardlink',
  target: string | undefined,
): void {
  const escapes =
    target !== undefined && (kind === 'symlink' ? symlinkEscapes(name, target) : hardlinkEscapes(target));
  ctx.report(ARC_SYMLINK, {
    message: `member ${JSON.stringify(name)} is a ${kind === 'symlink' ? 'symbolic' : 'hard'} link${target !== undefined ? ` to ${JSON.stringify(target)}` : ''}${escapes ? ', which points outside the archive' : ''} (not followed)`,
    inner: [name],
    impact: escapes ? 'malicious' : undefined,
    evidence: { member: name, target, escapes },
  });
}

export const tarScanner: FormatScanner = {
  id: 'tar',
  version: '1',
  sniff(input: SniffInput): number {
    return isTar(input.head) ? 70 : 0;
  },
  async scan(source: ByteSource, ctx: ScanContext): Promise<void> {
    ctx.addFormat('tar');
    let listing;
    try {
      listing = await readTar(source, { maxMembers: ctx.limits.maxMembers });
    } catch (err) {
      if (err instanceof ParseError) {
        ctx.report(ARC_CORRUPT, {
          message: `not a readable tar archive: ${err.message}`,
          offset: err.offset,
        });
        return;
      }
      throw err;
    }
    if (listing.anomalies.length)
      ctx.report(ARC_STRUCTURE_ANOMALY, {
        message: `tar structure anomalies: ${listing.anomalies.join(', ')}`,
        evidence: { anomalies: listing.anomalies },
      });
    for (const e of listing.entries) {
      ctx.checkDeadline();
      reportUnsafePath(ctx, e.name);
      if (e.type === 'symlink' || e.type === 'hardlink') {
        reportLink(ctx, e.name, e.type, e.linkName);
        continue;
      }
      if (e.type !== 'file') continue;
      if (e.anomalies.length)
        ctx.report(ARC_STRUCTURE_ANOMALY, {
          message: `member ${JSON.stringify(e.name)}: ${e.anomalies.join(', ')}`,
          inner: [e.name],
        });
      await ctx.scanMember(e.name, new SliceSource(source, e.dataOffset, e.size));
    }
    if (listing.truncated)
      ctx.report(ARC_CORRUPT, {
        message: `tar archive is truncated or damaged${listing.error ? `: ${listing.error}` : ''}; members after the damage were not analysed`,
      });
    ctx.addAnalysis(`tar:${listing.entries.length} members`);
  },
};

export const sevenZipScanner: FormatScanner = {
  id: '7z',
  version: '1',
  sniff(input: SniffInput): number {
    return isSevenZip(input.head) ? 90 : 0;
  },
  async scan(source: ByteSource, ctx: ScanContext): Promise<void> {
    ctx.addFormat('7z');
    let ex;
    try {
      ex = await extractSevenZip(source, { limits: ctx.limits, budget: ctx.budget });
    } catch (err) {
      if (err instanceof LimitError)
        ctx.report(ARC_BOMB, { message: `7z: ${err.message}`, evidence: { limit: err.limit } });
      else if (err instanceof BulwarkError && err.code === 'E_UNSUPPORTED' && /encrypt/i.test(err.message))
        ctx.report(ARC_ENCRYPTED, { message: err.message });
      else if (err instanceof BulwarkError && err.code === 'E_UNSUPPORTED')
        ctx.report(ARC_UNSUPPORTED, { message: err.message });
      else ctx.report(ARC_CORRUPT, { message: `7z archive could not be read: ${errorMessage(err)}` });
      return;
    }
    if (ex.listing.anomalies.length)
      ctx.report(ARC_STRUCTURE_ANOMALY, {
        message: `7z anomalies: ${ex.listing.anomalies.join(', ')}`,
        evidence: { anomalies: ex.listing.anomalies },
      });
    for (const m of ex.members) {
      try {
        reportUnsafePath(ctx, m.name);
        if (m.entry.isSymlink) {
          reportLink(ctx, m.name, 'symlink', m.linkTarget);
          continue;
        }
        if (!m.source) {
          if (m.entry.encrypted)
            ctx.report(ARC_ENCRYPTED, {
              message: `member ${JSON.stringify(m.name)} is encrypted; its content could not be analysed`,
              inner: [m.name],
            });
          else
            ctx.report(ARC_CORRUPT, {
              message: `member ${JSON.stringify(m.name)} could not be extracted: ${m.error?.message ?? 'unknown error'}`,
              inner: [m.name],
            });
          continue;
        }
        await ctx.scanMember(m.name, m.source);
      } finally {
        await m.source?.close().catch(() => undefined);
      }
    }
    ctx.addAnalysis(`7z:${ex.members.length} members`);
  },
};
