import path from 'node:path';
import { Option } from 'commander';
import { UsageError } from '../../core/errors.js';
import { STAT_TEST_NAMES, type StatTestName } from '../../adversarial/monitor/engine.js';
import { driftDetected, monitorDrift, type MonitorOptions } from '../../adversarial/monitor/monitor.js';
import { renderDriftHtml, renderDriftText } from '../../adversarial/monitor/report.js';
import { safeText } from '../../report/util.js';
import { ExitCode } from '../exit-codes.js';
import { checkOutputPath, type CliIo, emitReport } from '../io.js';
import { packageVersion } from '../version.js';
import type { RegisterCommand } from './index.js';
import { addTableInputOptions, collect, numberOption as number } from '../options.js';

export interface MonitorCommandOptions {
  columns?: string[];
  categorical?: string[];
  numerical?: string[];
  prediction?: string;
  timestamp?: string;
  window?: string;
  stattest?: string[];
  threshold?: string[];
  driftShare?: string;
  minRows?: string;
  inputFormat?: 'csv' | 'jsonl' | 'parquet';
  delimiter?: string;
  maxRows?: string;
  format: 'text' | 'json' | 'html';
  output?: string;
}

function splitList(items: string[] | undefined): string[] {
  return (items ?? [])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
}

function testName(v: string): StatTestName {
  if (!(STAT_TEST_NAMES as string[]).includes(v))
    throw new UsageError(`--stattest ${JSON.stringify(v)}: choose one of ${STAT_TEST_NAMES.join(', ')}`);
  return v as StatTestName;
}

/** `--stattest ks` (all columns) or `--stattest age=psi` (one column), repeatable. */
function parseStattests(items: string[]): { all?: StatTestName; per: Record<string, StatTestName> } {
  const out: { all?: StatTestName; per: Record<string, StatTestName> } = { per: {} };
  for (const item of splitList(items)) {
    const eq = item.lastIndexOf('=');
    if (eq > 0) out.per[item.slice(0, eq)] = testName(item.slice(eq + 1));
    else out.all = testName(item);
  }
  return out;
}

function parseThresholds(items: string[]): { all?: number; per: Record<string, number> } {
  const out: { all?: number; per: Record<string, number> } = { per: {} };
  const nonNeg = (n: number) => n >= 0;
  for (const item of splitList(items)) {
    const eq = item.lastIndexOf('=');
    if (eq > 0)
      out.per[item.slice(0, eq)] = number('--threshold', item.slice(eq + 1), nonNeg, 'a non-negative number');
    else out.all = number('--threshold', item, nonNeg, 'a non-negative number');
  }
  return out;
}

/** `bulwark monitor REFERENCE CURRENT ...`: returns the exit code. */
export async function monitorCommand(
  reference: string,
  current: string,
  opts: MonitorCommandOptions,
  io: CliIo,
): Promise<number> {
  if (opts.output !== undefined) await checkOutputPath(opts.output, io.cwd);
  const resolve = (p: string): string => path.resolve(io.cwd, p);
  const st = parseStattests(opts.stattest ?? []);
  const th = parseThresholds(opts.threshold ?? []);
  const mo: MonitorOptions = {
    reference: resolve(reference),
    current: resolve(current),
    displayReference: reference,
    displayCurrent: current,
    columns: splitList(opts.columns),
    categorical: splitList(opts.categorical),
    numerical: splitList(opts.numerical),
    prediction: opts.prediction,
    timestamp: opts.timestamp,
    window: opts.window,
    stattest: st.all,
    columnStattests: st.per,
    threshold: th.all,
    columnThresholds: th.per,
    driftShare:
      opts.driftShare !== undefined
        ? number('--drift-share', opts.driftShare, (n) => n > 0 && n <= 1, 'a number in (0, 1]')
        : undefined,
    minRows:
      opts.minRows !== undefined
        ? number('--min-rows', opts.minRows, (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer')
        : undefined,
    read: {
      format: opts.inputFormat,
      delimiter: opts.delimiter,
      maxRows:
        opts.maxRows !== undefined
          ? number('--max-rows', opts.maxRows, (n) => Number.isInteger(n) && n >= 1, 'a positive integer')
          : undefined,
    },
    toolVersion: packageVersion(),
  };
  const result = await monitorDrift(mo);
  const text =
    opts.format === 'json'
      ? `${JSON.stringify(result, null, 2)}\n`
      : opts.format === 'html'
        ? renderDriftHtml(result)
        : renderDriftText(result, safeText);
  const summary = opts.format !== 'text' ? () => renderDriftText(result, safeText) : undefined;
  if (!(await emitReport(io, opts.output, text, summary))) return ExitCode.Inconclusive;
  return driftDetected(result) ? ExitCode.Findings : ExitCode.Clean;
}

export const registerMonitor: RegisterCommand = (program, ctx) => {
  const cmd = program
    .command('monitor')
    .description(
      'detect data and prediction drift between a reference dataset and current data or an inference log (Evidently-compatible tests)',
    )
    .argument('<reference>', 'reference table (training/validation data): CSV, JSON Lines or Parquet')
    .argument(
      '<current>',
      'current table or inference log (JSON Lines {timestamp, features: {...}, prediction})',
    )
    .option(
      '--columns <cols>',
      'columns to monitor, comma-separated (default: all reference columns)',
      collect,
    )
    .option('--categorical <cols>', 'treat these columns as categorical', collect)
    .option('--numerical <cols>', 'treat these columns as numerical', collect)
    .option('--prediction <col>', 'prediction column: tested like a feature, reported as prediction drift')
    .option('--timestamp <col>', 'timestamp column of the current data (ISO 8601 or epoch seconds/ms)')
    .option('--window <spec>', 'also test per window: a duration (1d, 6h, 30m, 1w) or a row count (5000rows)')
    .option(
      '--stattest <test>',
      `test for all columns, or COL=TEST for one (repeatable): ${STAT_TEST_NAMES.join('|')} (default: Evidently's selection, by column type)`,
      collect,
    )
    .option(
      '--threshold <x>',
      "drift threshold for all columns, or COL=X for one (default: the test's)",
      collect,
    )
    .option('--drift-share <s>', 'dataset drift when at least this share of columns drift (default 0.5)')
    .option('--min-rows <n>', 'BW-DRIFT-004 when a column has fewer values on a side (default 30)');
  addTableInputOptions(cmd, 'read at most N rows of each file')
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(['text', 'json', 'html']).default('text'),
    )
    .option(
      '-o, --output <file>',
      'write the result to FILE (atomically); the text summary still goes to stdout',
    )
    .action(async (reference: string, current: string, opts: MonitorCommandOptions) => {
      ctx.setExit(await monitorCommand(reference, current, opts, ctx.io));
    });
};
