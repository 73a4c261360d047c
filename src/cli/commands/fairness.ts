import path from 'node:path';
import { Option } from 'commander';
import { UsageError } from '../../core/errors.js';
import { atLeast, SEVERITIES, type Severity } from '../../core/severity.js';
import { safeText } from '../../report/util.js';
import type { Cell } from '../../trust/data/table.js';
import { fairnessCheck, type FairnessCheckOptions } from '../../trust/fairness/check.js';
import { renderFairnessText } from '../../trust/fairness/report.js';
import { DEFAULT_FAIL_ON, ExitCode } from '../exit-codes.js';
import { checkOutputPath, type CliIo, emitOutput } from '../io.js';
import { packageVersion } from '../version.js';
import type { RegisterCommand } from './index.js';
import { addTableInputOptions, collect, numberOption as num } from '../options.js';

export interface FairnessCommandOptions {
  sensitive: string[];
  label: string;
  prediction?: string;
  model?: string;
  features?: string;
  threshold?: string;
  favorable?: string;
  privileged: string[];
  unprivileged: string[];
  weights?: string;
  minGroupSize?: string;
  bootstrap?: string;
  seed?: string;
  confidence?: string;
  consistency?: boolean;
  consistencyFeatures?: string;
  consistencySample?: string;
  k?: string;
  thresholdDi?: string;
  thresholdDp?: string;
  thresholdEo?: string;
  thresholdEop?: string;
  inputFormat?: 'csv' | 'jsonl' | 'parquet';
  delimiter?: string;
  maxRows?: string;
  format: 'text' | 'json';
  output?: string;
  failOn?: Severity;
}

const isInt = (lo: number, hi: number) => (n: number) => Number.isInteger(n) && n >= lo && n <= hi;

/** Parses repeated COL=VALUE options into column → accepted values. */
export function parseGroupDefinition(flag: string, items: string[]): Record<string, Cell[]> | undefined {
  if (items.length === 0) return undefined;
  const out = new Map<string, Cell[]>();
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0)
      throw new UsageError(`${flag} ${JSON.stringify(item)} must be COL=VALUE (e.g. ${flag} sex=Male)`);
    const col = item.slice(0, eq);
    out.set(col, [...(out.get(col) ?? []), item.slice(eq + 1)]);
  }
  return Object.fromEntries(out);
}

function splitList(items: string[]): string[] {
  return items
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `bulwark fairness DATA ...`: returns the exit code. Throws BulwarkError for usage problems and unreadable data. */
export async function fairnessCommand(
  data: string,
  opts: FairnessCommandOptions,
  io: CliIo,
): Promise<number> {
  const sensitive = splitList(opts.sensitive);
  if (sensitive.length === 0) throw new UsageError('--sensitive COL[,COL] is required');
  if (opts.output !== undefined) await checkOutputPath(opts.output, io.cwd);
  const samples = num('--bootstrap', opts.bootstrap, isInt(0, 100_000), 'an integer in 0..100000');
  const seed = num('--seed', opts.seed, isInt(0, 2 ** 32 - 1), 'an integer in 0..4294967295') ?? 0;
  const consistencyColumns = opts.consistencyFeatures ? splitList([opts.consistencyFeatures]) : undefined;
  const resolve = (p: string): string => path.resolve(io.cwd, p);
  const check: FairnessCheckOptions = {
    data: resolve(data),
    displayName: data,
    sensitive,
    label: opts.label,
    prediction: opts.prediction,
    model: opts.model !== undefined ? resolve(opts.model) : undefined,
    displayModel: opts.model,
    features: opts.features !== undefined ? resolve(opts.features) : undefined,
    threshold: num('--threshold', opts.threshold, () => true, 'a number'),
    favorable: opts.favorable,
    privileged: parseGroupDefinition('--privileged', opts.privileged),
    unprivileged: parseGroupDefinition('--unprivileged', opts.unprivileged),
    weights: opts.weights,
    minGroupSize: num('--min-group-size', opts.minGroupSize, isInt(0, 1e12), 'a non-negative integer'),
    bootstrap: samples
      ? {
          samples,
          seed,
          confidence: num('--confidence', opts.confidence, (n) => n > 0 && n < 1, 'a number in (0, 1)'),
        }
      : undefined,
    consistency:
      opts.consistency || consistencyColumns
        ? {
            columns: consistencyColumns,
            k: num('--k', opts.k, isInt(1, 1000), 'an integer in 1..1000'),
            sample: num(
              '--consistency-sample',
              opts.consistencySample,
              isInt(0, 1e9),
              'a non-negative integer',
            ),
            seed,
          }
        : undefined,
    thresholds: {
      disparateImpact: num('--threshold-di', opts.thresholdDi, (n) => n >= 0, 'a non-negative number'),
      demographicParity: num('--threshold-dp', opts.thresholdDp, (n) => n >= 0, 'a non-negative number'),
      equalizedOdds: num('--threshold-eo', opts.thresholdEo, (n) => n >= 0, 'a non-negative number'),
      equalOpportunity: num('--threshold-eop', opts.thresholdEop, (n) => n >= 0, 'a non-negative number'),
    },
    read: {
      format: opts.inputFormat,
      delimiter: opts.delimiter,
      maxRows: num('--max-rows', opts.maxRows, isInt(1, 1e12), 'a positive integer'),
    },
    toolVersion: packageVersion(),
  };
  for (const k of Object.keys(check.thresholds!) as Array<
    keyof NonNullable<FairnessCheckOptions['thresholds']>
  >) {
    if (check.thresholds![k] === undefined) delete check.thresholds![k];
  }
  const report = await fairnessCheck(check);
  const failOn = opts.failOn ?? DEFAULT_FAIL_ON;
  const exitCode = report.findings.some((f) => atLeast(f.severity, failOn))
    ? ExitCode.Findings
    : ExitCode.Clean;
  const text =
    opts.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderFairnessText(report, safeText);
  if (!(await emitOutput(io, opts.output, text))) return ExitCode.Inconclusive;
  return exitCode;
}

export const registerFairness: RegisterCommand = (program, ctx) => {
  const cmd = program
    .command('fairness')
    .description(
      'measure group fairness (Fairlearn / AIF360 metrics) of predictions on a CSV, JSON Lines or Parquet table',
    )
    .argument('<data>', 'table with labels, sensitive attributes and predictions or model features')
    .requiredOption(
      '--sensitive <cols>',
      'sensitive column(s), comma-separated or repeated (several → intersectional groups)',
      collect,
      [],
    )
    .requiredOption('--label <col>', 'true label column')
    .option('--prediction <col>', 'predicted label column (or scores, with --threshold)')
    .option('--model <file>', 'ONNX classifier to run on the data (one float input [N, F])')
    .option(
      '--features <spec>',
      'feature spec JSON for --model (default: MODEL.features.json next to the model)',
    )
    .option('--threshold <t>', 'score threshold for --prediction scores, or the model decision threshold')
    .option(
      '--favorable <value>',
      'favorable (positive) label value (default: the largest label, as Fairlearn)',
    )
    .option(
      '--privileged <col=value>',
      'privileged group for AIF360 metrics (repeatable; OR within a column, AND across)',
      collect,
      [],
    )
    .option(
      '--unprivileged <col=value>',
      'unprivileged group (repeatable; default: everyone not privileged)',
      collect,
      [],
    )
    .option('--weights <col>', 'sample weight column')
    .option('--min-group-size <n>', 'flag groups with fewer rows (default 30)')
    .option('--bootstrap <n>', 'bootstrap samples for confidence intervals (default 0: none)')
    .option('--seed <s>', 'seed of the bootstrap and sampling PRNG (default 0)')
    .option('--confidence <c>', 'confidence level of the bootstrap intervals (default 0.95)')
    .option('--consistency', 'compute AIF360 k-NN consistency over the model features')
    .option('--consistency-features <cols>', 'columns for consistency (instead of the model features)')
    .option('--consistency-sample <n>', 'query rows for consistency (default 1000; 0 = all rows)')
    .option('--k <k>', 'neighbours for consistency (default 5)')
    .option('--threshold-di <r>', 'BW-FAIR-001 when disparate impact is below R (default 0.8)')
    .option('--threshold-dp <d>', 'BW-FAIR-002 when demographic parity difference is above D (default 0.1)')
    .option('--threshold-eo <d>', 'BW-FAIR-003 when equalized odds difference is above D (default 0.1)')
    .option('--threshold-eop <d>', 'BW-FAIR-005 when equal opportunity difference is above D (default 0.1)');
  addTableInputOptions(cmd)
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('-o, --output <file>', 'write the result to FILE (atomically) instead of standard output')
    .addOption(
      new Option(
        '--fail-on <severity>',
        'exit 1 when a finding is at or above SEVERITY (default: high)',
      ).choices(SEVERITIES),
    )
    .action(async (data: string, opts: FairnessCommandOptions) => {
      ctx.setExit(await fairnessCommand(data, opts, ctx.io));
    });
};
