import { Writable } from 'node:stream';
import type { CliIo } from '../../src/cli/io.js';
import type { Finding } from '../../src/core/finding.js';
import type { Severity } from '../../src/core/severity.js';
import type { Verdict } from '../../src/core/verdict.js';
import type { FileResult, ScanOptions, ScanReport } from '../../src/scan/types.js';

export class Capture extends Writable {
  text = '';
  isTTY: boolean;
  columns = 80;
  constructor(isTTY = false) {
    super();
    this.isTTY = isTTY;
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.text += chunk.toString();
    cb();
  }
}

export interface FakeIo extends CliIo {
  stdout: Capture;
  stderr: Capture;
}

export function fakeIo(
  cwd: string,
  opts: { stdoutTTY?: boolean; stderrTTY?: boolean; env?: NodeJS.ProcessEnv } = {},
): FakeIo {
  return {
    stdout: new Capture(opts.stdoutTTY),
    stderr: new Capture(opts.stderrTTY),
    env: opts.env ?? {},
    cwd,
  };
}

export function fileResult(p: string, verdict: Verdict, severities: Severity[] = []): FileResult {
  const findings: Finding[] = severities.map((severity, i) => ({
    ruleId: 'BW-FAKE-001',
    severity,
    confidence: 'high',
    impact: verdict === 'clean' ? 'none' : verdict,
    message: `finding ${i}`,
    location: { file: p },
  }));
  return {
    path: p,
    size: 10,
    verdict,
    formats: ['pickle'],
    analyses: ['pickle-vm'],
    findings,
    bytesRead: 10,
    durationMs: 1,
  };
}

export function reportOf(files: FileResult[]): ScanReport {
  const count = (v: Verdict): number => files.filter((f) => f.verdict === v && !f.skipped).length;
  const findings: Record<string, number> = {};
  for (const f of files) for (const x of f.findings) findings[x.severity] = (findings[x.severity] ?? 0) + 1;
  return {
    schemaVersion: '1.0',
    tool: { name: 'bulwark', version: '0.1.0' },
    startedAt: new Date(0).toISOString(),
    durationMs: 5,
    summary: {
      files: files.length,
      clean: count('clean'),
      suspicious: count('suspicious'),
      malicious: count('malicious'),
      inconclusive: count('inconclusive'),
      skipped: files.filter((f) => f.skipped).length,
      findings,
    },
    files,
  };
}

/** A scan function that records its calls and answers with `report`. */
export function fakeScan(report: ScanReport | (() => ScanReport | Promise<ScanReport>)) {
  const calls: { paths: string[]; options: ScanOptions | undefined }[] = [];
  const fn = async (paths: string[], options?: ScanOptions): Promise<ScanReport> => {
    calls.push({ paths, options });
    options?.onProgress?.({ type: 'discovered', files: 1, bytes: 10 });
    options?.onProgress?.({ type: 'file-start', path: 'a.pkl', size: 10 });
    options?.onProgress?.({ type: 'file-done', path: 'a.pkl', verdict: 'clean', bytesRead: 10 });
    return typeof report === 'function' ? report() : report;
  };
  return Object.assign(fn, { calls });
}
