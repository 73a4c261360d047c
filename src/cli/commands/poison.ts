import path from 'node:path';
import { Option } from 'commander';
import { UsageError } from '../../core/errors.js';
import {
  detectPoison,
  poisonDetected,
  poisonToJson,
  POISON_CHECKS,
  renderPoisonText,
  suspectsCsv,
  type DetectPoisonOptions,
  type PoisonCheck,
} from '../../adversarial/poison/poison.js';
import { safeText } from '../../report/util.js';
import { ExitCode } from '../exit-codes.js';
import { checkOutputPath, type CliIo, emitOutput, emitReport } from '../io.js';
import { packageVersion } from '../version.js';
import type { RegisterCommand } from './index.js';
import { addTableInputOptions, collect, numberOption as number } from '../options.js';

export interface PoisonCommandOptions {
  label: string;
  features?: string[];
  embeddings?: string;
  embeddingCols?: string;
  k?: string;
  knnThreshold?: string;
  checks?: string[];
  expectedPoison?: string;
  tolerance?: string;
  maxSuspectShare?: string;
  maxConflictShare?: string;
  maxOutlierShare?: string;
  inputFormat?: 'csv' | 'jsonl' | 'parquet';
  delimiter?: string;
  maxRows?: string;
  suspects?: string;
  format: 'text' | 'json';
  output?: string;
}

function splitList(items: string[] | undefined): string[] {
  return (items ?? [])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
}

const unit = (n: number) => n >= 0 && n <= 1;

/** `bulwark poison DATA --label COL ...`: returns the exit code. */
export async function poisonCommand(data: string, opts: PoisonCommandOptions, io: CliIo): Promise<number> {
  if (opts.output !== undefined) await checkOutputPath(opts.output, io.cwd);
  if (opts.suspects !== undefined) await checkOutputPath(opts.suspects, io.cwd);
  if (opts.embeddings !== undefined && opts.embeddingCols !== undefined)
    throw new UsageError('give either --embeddings FILE or --embedding-cols PREFIX, not both');
  const checks = splitList(opts.checks);
  for (const c of checks)
    if (!(POISON_CHECKS as readonly string[]).includes(c))
      throw new UsageError(`--checks ${JSON.stringify(c)}: choose from ${POISON_CHECKS.join(', ')}`);
  const resolve = (p: string): string => path.resolve(io.cwd, p);
  const features = splitList(opts.features);
  const maxRows = number('--max-rows', opts.maxRows, (n) => Number.isInteger(n) && n >= 2, 'an integer ≥ 2');
  const o: DetectPoisonOptions = {
    data: resolve(data),
    display: data,
    label: opts.label,
    ...(features.length ? { features } : {}),
    ...(opts.embeddings !== undefined ? { embeddings: resolve(opts.embeddings) } : {}),
    ...(opts.embeddingCols !== undefined ? { embeddingPrefix: opts.embeddingCols } : {}),
    ...(checks.length ? { checks: [...new Set(checks)] as PoisonCheck[] } : {}),
    k: number('--k', opts.k, (n) => Number.isInteger(n) && n >= 1 && n <= 100, 'an integer from 1 to 100'),
    knnThreshold: number('--knn-threshold', opts.knnThreshold, (n) => n > 0 && n <= 1, 'a number in (0, 1]'),
    expectedPoison: number(
      '--expected-poison',
      opts.expectedPoison,
      (n) => n > 0 && n < 1,
      'a number in (0, 1)',
    ),
    tolerance: number('--tolerance', opts.tolerance, (n) => n >= 0, 'a non-negative number'),
    maxSuspectShare: number('--max-suspect-share', opts.maxSuspectShare, unit, 'a number in [0, 1]'),
    maxConflictShare: number('--max-conflict-share', opts.maxConflictShare, unit, 'a number in [0, 1]'),
    maxOutlierShare: number('--max-outlier-share', opts.maxOutlierShare, unit, 'a number in [0, 1]'),
    read: {
      ...(opts.inputFormat ? { format: opts.inputFormat } : {}),
      ...(opts.delimiter !== undefined ? { delimiter: opts.delimiter } : {}),
      ...(maxRows !== undefined ? { maxRows } : {}),
    },
    toolVersion: packageVersion(),
  };
  for (const k of Object.keys(o) as Array<keyof DetectPoisonOptions>) if (o[k] === undefined) delete o[k];
  const result = await detectPoison(o);
  const text = opts.format === 'json' ? poisonToJson(result) : renderPoisonText(result, safeText);
  if (opts.suspects !== undefined) {
    if (!(await emitOutput(io, opts.suspects, suspectsCsv(result)))) return ExitCode.Inconclusive;
  }
  const summary = opts.format !== 'text' ? () => renderPoisonText(result, safeText) : undefined;
  if (!(await emitReport(io, opts.output, text, summary))) return ExitCode.Inconclusive;
  return poisonDetected(result) ? ExitCode.Findings : ExitCode.Clean;
}

export const registerPoison: RegisterCommand = (program, ctx) => {
  const cmd = program
    .command('poison')
    .description(
      'detect training-data poisoning: label-noise suspects (k-NN), conflicting duplicates, class outliers, and backdoors in embeddings (spectral signatures, activation clustering)',
    )
    .argument(
      '<data>',
      'labelled table: CSV, JSON Lines or Parquet (numeric features; encode categoricals first)',
    )
    .requiredOption('--label <col>', 'label column')
    .option('--features <cols>', 'feature columns, comma-separated (default: every numeric column)', collect)
    .option(
      '--embeddings <file>',
      'per-row embeddings (e.g. penultimate activations): a table, one row per data row',
    )
    .option('--embedding-cols <prefix>', 'columns of DATA whose names start with PREFIX are the embeddings')
    .option(
      '--checks <list>',
      `detectors to run: ${POISON_CHECKS.join(',')} (default: all that the input allows)`,
      collect,
    )
    .option('--k <n>', 'neighbours for the k-NN check (default 10)')
    .option('--knn-threshold <x>', 'flag rows whose neighbour disagreement is at least X (default 0.8)')
    .option(
      '--expected-poison <eps>',
      'expected poisoned share of a class, for spectral signatures (default 0.1)',
    )
    .option(
      '--tolerance <x>',
      'near-duplicate grid cell in standard deviations (default 0.01; 0 = exact only)',
    )
    .option('--max-suspect-share <x>', 'k-NN suspects above this share of rows trigger (default 0.1)')
    .option(
      '--max-conflict-share <x>',
      'rows in conflicting duplicates above this share trigger (default 0.01)',
    )
    .option('--max-outlier-share <x>', 'class outliers above this share of rows trigger (default 0.05)');
  addTableInputOptions(cmd)
    .option(
      '--suspects <file>',
      'write every flagged row (row,check,score,label) as CSV to FILE (atomically)',
    )
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option(
      '-o, --output <file>',
      'write the result to FILE (atomically); the text summary still goes to stdout',
    )
    .action(async (data: string, opts: PoisonCommandOptions) => {
      ctx.setExit(await poisonCommand(data, opts, ctx.io));
    });
};
