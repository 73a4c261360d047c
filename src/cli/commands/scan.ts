import { stat } from 'node:fs/promises';
import path from 'node:path';
import { configToScanOptions, loadConfig } from '../../config/config.js';
import { UsageError } from '../../core/errors.js';
import type { Severity } from '../../core/severity.js';
import { toJson } from '../../report/json.js';
import { renderSarif } from '../../report/sarif.js';
import { toText, useColor } from '../../report/text.js';
import { safeText } from '../../report/util.js';
import type { ScanOptions, ScanReport } from '../../scan/types.js';
import { DEFAULT_FAIL_ON, ExitCode, scanExitCode } from '../exit-codes.js';
import { checkOutputPath, writeStream, type CliIo, emitOutput } from '../io.js';
import { ProgressLine } from '../progress.js';

export const FORMATS = ['text', 'json', 'sarif'] as const;
export type OutputFormat = (typeof FORMATS)[number];

export interface ScanCommandOptions {
  format: OutputFormat;
  output?: string;
  failOn?: Severity;
  include: string[];
  exclude: string[];
  config?: string;
  /** false with --no-progress. */
  progress: boolean;
  quiet?: boolean;
}

/** The scan function; the engine by default, replaceable in tests. */
export type ScanFn = (paths: string[], options?: ScanOptions) => Promise<ScanReport>;

/** `bulwark scan PATH...`: scans, writes the report, returns the exit code. Throws BulwarkError for usage problems. */
export async function scanCommand(
  paths: string[],
  opts: ScanCommandOptions,
  io: CliIo,
  scanFn?: ScanFn,
): Promise<number> {
  const loaded = await loadConfig({ path: opts.config, cwd: io.cwd });
  const options: ScanOptions = loaded ? configToScanOptions(loaded.config, loaded.path) : {};
  // --include replaces the config's include list; --exclude adds to its exclude list.
  if (opts.include.length) options.include = [...opts.include];
  if (opts.exclude.length) options.exclude = [...(options.exclude ?? []), ...opts.exclude];
  const failOn = opts.failOn ?? loaded?.config.scan?.failOn ?? DEFAULT_FAIL_ON;

  for (const p of paths) await checkPath(p, io.cwd);
  if (opts.output !== undefined) await checkOutputPath(opts.output, io.cwd);

  const showProgress =
    opts.progress &&
    !opts.quiet &&
    io.stderr.isTTY === true &&
    (opts.format === 'text' || opts.output !== undefined);
  const progress = showProgress ? new ProgressLine(io.stderr) : undefined;
  if (progress) options.onProgress = progress.onProgress;

  const run = scanFn ?? (await import('../../scan/engine.js')).scan;
  const resolved = paths.map((p) => path.resolve(io.cwd, p));
  let report: ScanReport;
  try {
    // The engine resolves relative paths against process.cwd(); io.cwd is the same in the bin.
    report = await run(io.cwd === process.cwd() ? paths : resolved, options);
  } finally {
    progress?.finish();
  }

  const nothingScanned = report.files.length === 0;
  const exitCode = nothingScanned ? ExitCode.Usage : scanExitCode(report, failOn);
  const text = render(report, opts, io, exitCode);
  if (!(await emitOutput(io, opts.output, text))) return ExitCode.Inconclusive;

  if (nothingScanned) {
    await writeStream(
      io.stderr,
      `bulwark: error: no files to scan in ${paths.map(safeText).join(', ')}; check the paths and the --include/--exclude patterns\n`,
    );
  }
  return exitCode;
}

function render(report: ScanReport, opts: ScanCommandOptions, io: CliIo, exitCode: number): string {
  switch (opts.format) {
    case 'json':
      return toJson(report);
    case 'sarif':
      return renderSarif(report, { baseDir: io.cwd, exitCode });
    case 'text':
      return toText(report, {
        quiet: opts.quiet,
        color: opts.output === undefined && useColor(io.stdout, io.env),
      });
  }
}

async function checkPath(p: string, cwd: string): Promise<void> {
  if (p.trim() === '') throw new UsageError(`an empty PATH was given; name a file or directory to scan`);
  try {
    await stat(path.resolve(cwd, p));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new UsageError(
        `path ${JSON.stringify(safeText(p))} does not exist; check the path and the working directory`,
      );
    // Other errors (e.g. EACCES) are for the engine to report as an unreadable file.
  }
}
