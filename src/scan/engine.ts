import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import picomatch from 'picomatch';
import type { Finding, Location } from '../core/finding.js';
import { BulwarkError, LimitError, UsageError, errorMessage } from '../core/errors.js';
import { resolveLimits, type Limits } from '../core/limits.js';
import { makeFinding } from '../core/rules.js';
import { worseVerdict, type Verdict } from '../core/verdict.js';
import { PicklePolicy } from './pickle/policy.js';
import { SCANNERS, SCANNER_VERSION } from './registry.js';
import { GEN_ANALYSIS_ERROR, GEN_LIMIT, GEN_POLYGLOT, GEN_UNREADABLE } from './rules.js';
import { WorkerPool, workerScript } from './worker-pool.js';
import { BufferSource, FileSource, type ByteSource } from './source.js';
import type {
  Budget,
  FileResult,
  FormatScanner,
  MemberOutcome,
  MemberResult,
  ScanContext,
  ScanOptions,
  ScanReport,
  ScanSummary,
} from './types.js';

export const VERSION = '0.1.0';
const HEAD_BYTES = 4096;
/** A ZIP end-of-central-directory record (22 bytes) plus the longest comment. */
const TAIL_BYTES = 22 + 65535;
/** Sniff scores at or above this are certain: such scanners also run beside the best one (polyglots). */
const STRONG_CLAIM = 40;
/** Below this many bytes in total, starting worker threads costs more than it saves. */
const WORKER_MIN_BYTES = 32 * 1024 * 1024;

interface Target {
  /** Path shown in reports. */
  display: string;
  /** Path on disk. */
  abs: string;
  skipped?: string;
  size: number;
}

/** Scans files and directories. The CLI is a thin layer over this. */
export async function scan(paths: string[], options: ScanOptions = {}): Promise<ScanReport> {
  if (paths.length === 0) throw new UsageError('no path given; name at least one file or directory to scan');
  const started = Date.now();
  const limits = resolveLimits(options.limits);
  const policy = new PicklePolicy(options.policy);
  const targets: Target[] = [];
  for (const p of paths) await collect(p, options, targets);
  options.onProgress?.({
    type: 'discovered',
    files: targets.length,
    bytes: targets.reduce((n, t) => n + (t.skipped ? 0 : t.size), 0),
  });

  const results: FileResult[] = new Array(targets.length);
  const concurrency = Math.max(1, options.concurrency ?? availableParallelism());
  // Worker threads pay off when there are several files with real work in them.
  const work = targets.filter((t) => !t.skipped);
  const script = workerScript();
  const useWorkers =
    script !== undefined &&
    work.length > 1 &&
    (options.workers === true ||
      (options.workers === undefined &&
        concurrency > 1 &&
        work.reduce((n, t) => n + t.size, 0) >= WORKER_MIN_BYTES));
  const pool = useWorkers
    ? new WorkerPool(script, Math.max(1, Math.min(concurrency, work.length)), {
        limits,
        policy: options.policy,
        memoryMb: options.workerMemoryMb ?? 4096,
      })
    : undefined;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < targets.length) {
      const i = next++;
      const t = targets[i];
      options.onProgress?.({ type: 'file-start', path: t.display, size: t.size });
      results[i] = t.skipped
        ? skippedResult(t)
        : pool
          ? await pool
              .run({ display: t.display, abs: t.abs, size: t.size })
              .catch((err) => failedResult(t, limits, err))
          : await scanOneFile(t, limits, policy);
      options.onProgress?.({
        type: 'file-done',
        path: t.display,
        verdict: results[i].verdict,
        bytesRead: results[i].bytesRead,
      });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
  } finally {
    await pool?.close();
  }

  return {
    schemaVersion: '1.0',
    tool: { name: 'bulwark', version: VERSION },
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    summary: summarize(results),
    files: results,
  };
}

/** Scans in-memory content (an upload, a member fetched elsewhere) exactly as a file with that name. */
export async function scanBytes(
  data: Uint8Array,
  name = '<buffer>',
  options: ScanOptions = {},
): Promise<FileResult> {
  const limits = resolveLimits(options.limits);
  const policy = new PicklePolicy(options.policy);
  const started = Date.now();
  const fs = new FileScan(name, limits, policy);
  const source = new BufferSource(data);
  const outcome = await dispatch(fs, source, [], 0, path.basename(name));
  fs.bytesRead += source.bytesRead;
  return finishResult(fs, name, data.length, started, outcome.skipped);
}

/** A file whose scan died (a worker crashed): inconclusive, never clean. */
function failedResult(t: Target, limits: Limits, err: unknown): FileResult {
  const fs = new FileScan(t.display, limits, new PicklePolicy());
  makeContext(fs, [], 0).report(GEN_ANALYSIS_ERROR, {
    message: `the scan of this file failed: ${errorMessage(err)}`,
    evidence: { code: 'E_INTERNAL' },
  });
  return finishResult(fs, t.display, t.size, Date.now());
}

function skippedResult(t: Target): FileResult {
  return {
    path: t.display,
    size: t.size,
    verdict: 'clean',
    formats: [],
    analyses: [],
    findings: [],
    skipped: t.skipped,
    bytesRead: 0,
    durationMs: 0,
  };
}

export function summarize(files: FileResult[]): ScanSummary {
  const s: ScanSummary = {
    files: files.length,
    clean: 0,
    suspicious: 0,
    malicious: 0,
    inconclusive: 0,
    skipped: 0,
    findings: { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
  };
  for (const f of files) {
    if (f.skipped) s.skipped++;
    else s[f.verdict]++;
    for (const x of f.findings) s.findings[x.severity] = (s.findings[x.severity] ?? 0) + 1;
  }
  return s;
}

async function collect(p: string, options: ScanOptions, out: Target[]): Promise<void> {
  let st;
  try {
    st = await stat(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new UsageError(`path not found: ${p}; check the spelling or scan an existing file or directory`);
    throw new BulwarkError('E_IO', `cannot read ${p}: ${errorMessage(err)}`);
  }
  if (st.isFile()) {
    out.push({ display: p, abs: p, size: st.size });
    return;
  }
  if (!st.isDirectory()) {
    out.push({ display: p, abs: p, size: 0, skipped: 'not a regular file' });
    return;
  }
  const include = options.include?.length ? picomatch(options.include, { dot: true }) : undefined;
  const exclude = options.exclude?.length ? picomatch(options.exclude, { dot: true }) : undefined;
  const root = await realpath(p);
  const walk = async (dir: string, rel: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const abs = path.join(dir, e.name);
      const relPath = rel ? `${rel}/${e.name}` : e.name;
      const display = path.join(p, relPath);
      if (e.isDirectory()) {
        if (exclude?.(relPath) || exclude?.(`${relPath}/`)) continue;
        await walk(abs, relPath);
        continue;
      }
      if (include && !include(relPath)) continue;
      if (exclude?.(relPath)) {
        out.push({ display, abs, size: 0, skipped: 'excluded by --exclude' });
        continue;
      }
      if (e.isSymbolicLink()) {
        let target = '';
        try {
          target = await realpath(abs);
        } catch {
          /* dangling */
        }
        const inside = target && (target === root || target.startsWith(root + path.sep));
        out.push({
          display,
          abs,
          size: 0,
          skipped: inside
            ? 'symbolic link (not followed; its target is scanned where it lies)'
            : 'symbolic link pointing outside the scanned directory (not followed)',
        });
        continue;
      }
      if (!e.isFile()) {
        out.push({ display, abs, size: 0, skipped: 'not a regular file' });
        continue;
      }
      const s = await lstat(abs);
      out.push({ display, abs, size: s.size });
    }
  };
  await walk(p, '');
}

/** Per-file state shared by every context of that file. */
class FileScan {
  /** Absolute path on disk, when scanning a file. */
  diskPath?: string;
  readonly findings: Finding[] = [];
  readonly formats: string[] = [];
  readonly analyses: string[] = [];
  readonly members: MemberResult[] = [];
  readonly budget: Budget;
  bytesRead = 0;
  constructor(
    readonly display: string,
    readonly limits: Limits,
    readonly policy: PicklePolicy,
  ) {
    this.budget = { decompressed: 0, deadline: Date.now() + limits.timeoutMs };
  }
}

function verdictOf(findings: Finding[], from = 0): Verdict {
  let v: Verdict = 'clean';
  for (let i = from; i < findings.length; i++) {
    const imp = findings[i].impact;
    if (imp !== 'none') v = worseVerdict(v, imp);
  }
  return v;
}

/** Scans one file on disk (also the worker-thread entry). */
export async function scanOneFile(
  t: { display: string; abs: string; size: number },
  limits: Limits,
  policy: PicklePolicy,
): Promise<FileResult> {
  const started = Date.now();
  const fs = new FileScan(t.display, limits, policy);
  fs.diskPath = path.resolve(t.abs);
  let source: FileSource | undefined;
  let skipped: string | undefined;
  try {
    source = await FileSource.open(t.abs);
    const outcome = await dispatch(fs, source, [], 0, path.basename(t.abs));
    skipped = outcome.skipped;
  } catch (err) {
    const ctx = makeContext(fs, [], 0);
    ctx.report(GEN_UNREADABLE, { message: `cannot read file: ${errorMessage(err)}` });
  } finally {
    if (source) {
      fs.bytesRead += source.bytesRead;
      await source.close().catch(() => undefined);
    }
  }
  return finishResult(fs, t.display, source?.size ?? t.size, started, skipped);
}

function finishResult(
  fs: FileScan,
  display: string,
  size: number,
  started: number,
  skipped?: string,
): FileResult {
  const result: FileResult = {
    path: display,
    size,
    verdict: verdictOf(fs.findings),
    formats: [...new Set(fs.formats)],
    analyses: [...new Set(fs.analyses)],
    findings: fs.findings,
    bytesRead: fs.bytesRead,
    durationMs: Date.now() - started,
  };
  if (skipped) result.skipped = skipped;
  if (fs.members.length) result.members = fs.members;
  return result;
}

function makeContext(
  fs: FileScan,
  inner: string[],
  depth: number,
  policy: PicklePolicy = fs.policy,
): ScanContext {
  const location = (offset?: number, extra?: string[]): Location => {
    const loc: Location = { file: fs.display };
    const full = extra?.length ? [...inner, ...extra] : inner;
    if (full.length) loc.inner = full;
    if (offset !== undefined) loc.offset = offset;
    return loc;
  };
  const ctx: ScanContext = {
    limits: fs.limits,
    policy,
    location: location(),
    depth,
    diskPath: depth === 0 && fs.diskPath ? fs.diskPath : undefined,
    budget: fs.budget,
    report(rule, init) {
      const { offset, inner: extra, ...rest } = init;
      const f = makeFinding(rule, { ...rest, location: location(offset, extra) });
      fs.findings.push(f);
      return f;
    },
    addFormat(format) {
      fs.formats.push(format);
    },
    addAnalysis(analysis) {
      fs.analyses.push(analysis);
    },
    async scanMember(
      name: string,
      source: ByteSource,
      opts?: { format?: string; policy?: PicklePolicy },
    ): Promise<MemberOutcome> {
      const childInner = [...inner, name];
      const before = fs.findings.length;
      const formatsBefore = fs.formats.length;
      let outcome: MemberOutcome;
      if (depth + 1 > fs.limits.maxContainerDepth) {
        makeContext(fs, childInner, depth + 1).report(GEN_LIMIT, {
          message: `container nesting deeper than ${fs.limits.maxContainerDepth} levels; member not analysed`,
          evidence: { limit: 'maxContainerDepth' },
        });
        outcome = { verdict: 'inconclusive', formats: [] };
      } else {
        try {
          outcome = await dispatch(
            fs,
            source,
            childInner,
            depth + 1,
            name,
            opts?.format,
            opts?.policy ?? policy,
          );
        } finally {
          fs.bytesRead += source.bytesRead;
        }
        outcome.verdict = verdictOf(fs.findings, before);
      }
      const m: MemberResult = {
        inner: childInner,
        formats: fs.formats.slice(formatsBefore),
        verdict: outcome.verdict,
      };
      if (outcome.skipped) m.skipped = outcome.skipped;
      if (fs.members.length < 10_000) fs.members.push(m);
      return outcome;
    },
    checkDeadline() {
      if (Date.now() > fs.budget.deadline)
        throw new LimitError('timeoutMs', `scan of this file exceeded ${fs.limits.timeoutMs} ms`);
    },
  };
  return ctx;
}

/** Sniffs content and runs the best scanner; failures become inconclusive findings, never "clean". */
async function dispatch(
  fs: FileScan,
  source: ByteSource,
  inner: string[],
  depth: number,
  name: string,
  forced?: string,
  policy?: PicklePolicy,
): Promise<MemberOutcome> {
  const ctx = makeContext(fs, inner, depth, policy);
  const head = await source.read(0, HEAD_BYTES);
  const tail =
    source.size <= head.length
      ? head
      : await source.read(Math.max(head.length, source.size - TAIL_BYTES), TAIL_BYTES);
  const chosen: FormatScanner[] = [];
  const forcedScanner = forced ? SCANNERS.find((s) => s.id === forced) : undefined;
  if (forcedScanner) chosen.push(forcedScanner);
  else {
    const input = { head, tail, size: source.size, name };
    const scored = SCANNERS.map((s) => ({ s, score: s.sniff(input) }));
    for (const x of scored) if (x.score === 0 && x.s.deepSniff) x.score = await x.s.deepSniff(source, input);
    scored.sort((a, b) => b.score - a.score);
    while (scored.length && scored[scored.length - 1].score <= 0) scored.pop();
    if (scored.length) {
      chosen.push(scored[0].s);
      // Other strong claims on the same bytes: a polyglot. Every interpretation is analysed.
      for (const x of scored.slice(1)) if (x.score >= STRONG_CLAIM) chosen.push(x.s);
    }
  }
  const formatsBefore = fs.formats.length;
  if (!chosen.length) {
    return { verdict: 'clean', formats: [], skipped: describeUnknown(head, source.size) };
  }
  const unexpected = chosen.slice(1).filter((s) => !chosen[0].embeds?.includes(s.id));
  if (unexpected.length)
    ctx.report(GEN_POLYGLOT, {
      message: `content is valid as ${[chosen[0], ...unexpected].map((s) => s.id).join(' and ')}; each interpretation was analysed`,
      evidence: { formats: [chosen[0], ...unexpected].map((s) => s.id) },
    });
  for (const scanner of chosen) await runScanner(scanner, source, ctx);
  return { verdict: 'clean', formats: fs.formats.slice(formatsBefore) };
}

async function runScanner(scanner: FormatScanner, source: ByteSource, ctx: ScanContext): Promise<void> {
  try {
    await scanner.scan(source, ctx);
  } catch (err) {
    if (err instanceof LimitError) {
      ctx.report(GEN_LIMIT, { message: err.message, evidence: { limit: err.limit, scanner: scanner.id } });
    } else if (err instanceof BulwarkError) {
      ctx.report(GEN_ANALYSIS_ERROR, {
        message: `${scanner.id} analysis failed: ${err.message}`,
        evidence: { scanner: scanner.id, code: err.code },
      });
    } else {
      ctx.report(GEN_ANALYSIS_ERROR, {
        message: `${scanner.id} analysis failed unexpectedly: ${errorMessage(err)}`,
        evidence: { scanner: scanner.id, code: 'E_INTERNAL' },
      });
    }
  }
}

function describeUnknown(head: Uint8Array, size: number): string {
  if (size === 0) return 'empty file';
  const b = Buffer.from(head);
  if (b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'PNG image (no loader executes it)';
  let printable = 0;
  for (const c of head) if (c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127) || c >= 0x80) printable++;
  if (printable / head.length > 0.95) return 'text file with no executable model format (not a pickle)';
  return 'unrecognised binary format (not a pickle, archive or supported model file)';
}

export { SCANNER_VERSION };
