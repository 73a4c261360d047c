import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Option } from 'commander';
import { ParseError, UsageError } from '../../core/errors.js';
import {
  fgsm,
  hopSkipJump,
  pgd,
  simba,
  square,
  type Attack,
  type Norm,
} from '../../adversarial/robustness/attacks/index.js';
import { readRobustnessData } from '../../adversarial/robustness/data.js';
import { buildRobustnessResult, renderRobustnessText } from '../../adversarial/robustness/record.js';
import { evaluateRobustness, restrictAccess, targetAccess } from '../../adversarial/robustness/runner.js';
import { inputSize, type Capability, type ModelTarget } from '../../adversarial/robustness/target.js';
import { safeText } from '../../report/util.js';
import { ExitCode } from '../exit-codes.js';
import { checkOutputPath, emitOutput, writeStream, type CliIo } from '../io.js';
import { packageVersion } from '../version.js';
import type { RegisterCommand } from './index.js';
import { numberOption as num } from '../options.js';

export interface RobustnessCommandOptions {
  data?: string;
  label?: string;
  features?: string;
  attacks?: string;
  eps: string;
  norm: Norm;
  maxQueries?: string;
  maxTotalQueries?: string;
  samples?: string;
  seed: string;
  threshold: string;
  access?: Capability;
  target: 'onnx' | 'http';
  url?: string;
  httpConfig?: string;
  inputShape?: string;
  classes?: string;
  clip?: string;
  dataset?: string;
  format: 'text' | 'json';
  output?: string;
}

const ATTACKS: Record<string, () => Attack> = {
  fgsm,
  pgd,
  square,
  simba,
  hsj: hopSkipJump,
  hopskipjump: hopSkipJump,
};

const posInt = (n: number) => Number.isInteger(n) && n >= 1;

/** Default attacks for a target's access and the norm: the strongest ones it allows. */
function defaultAttacks(access: Capability, norm: Norm): string[] {
  if (access === 'gradients') return ['fgsm', 'pgd'];
  if (access === 'scores') return norm === 'inf' ? ['square', 'simba'] : ['hsj'];
  return ['hsj'];
}

async function loadTarget(
  model: string | undefined,
  opts: RobustnessCommandOptions,
  io: CliIo,
  wantGradients: boolean,
): Promise<ModelTarget> {
  const clip = opts.clip?.split(',').map((s) => num('--clip', s, () => true, 'MIN,MAX numbers'));
  if (clip && (clip.length !== 2 || !(clip[0]! < clip[1]!)))
    throw new UsageError('--clip must be MIN,MAX with MIN < MAX');
  const shape = opts.inputShape
    ?.split(/[,x×]/)
    .map((s) => num('--input-shape', s, posInt, 'positive integers like 64 or 1,8,8'));
  const classes =
    opts.classes !== undefined
      ? num('--classes', opts.classes, (n) => posInt(n) && n >= 2, 'an integer ≥ 2')
      : undefined;
  const targets = await import('../../adversarial/robustness/targets/index.js');
  if (opts.target === 'http') {
    if (model !== undefined) throw new UsageError('--target http takes no MODEL argument; pass --url');
    let cfg: Record<string, unknown> = {};
    if (opts.httpConfig !== undefined) {
      try {
        cfg = JSON.parse(await readFile(path.resolve(io.cwd, opts.httpConfig), 'utf8')) as Record<
          string,
          unknown
        >;
      } catch (err) {
        throw new UsageError(
          `--http-config ${opts.httpConfig}: cannot read a JSON object (${(err as Error).message.split('\n')[0]})`,
        );
      }
      if (!cfg || typeof cfg !== 'object' || Array.isArray(cfg))
        throw new UsageError(`--http-config ${opts.httpConfig} must hold a JSON object`);
    }
    const url = opts.url ?? cfg.url;
    if (typeof url !== 'string')
      throw new UsageError('--target http needs --url (or "url" in --http-config)');
    const inputShape = shape ?? (cfg.inputShape as number[] | undefined);
    const nbClasses = classes ?? (cfg.nbClasses as number | undefined);
    if (!inputShape || nbClasses === undefined)
      throw new UsageError(
        '--target http needs --input-shape and --classes (or inputShape and nbClasses in --http-config)',
      );
    return targets.createHttpTarget({
      body: { inputs: '{{input}}' },
      responsePath: 'predictions',
      output: 'scores',
      ...cfg,
      url,
      inputShape,
      nbClasses,
      ...(clip ? { clipValues: [clip[0]!, clip[1]!] as [number, number] } : {}),
    } as Parameters<typeof targets.createHttpTarget>[0]);
  }
  if (model === undefined) throw new UsageError('pass MODEL.onnx, or --target http --url URL');
  return targets.loadOnnxTarget(path.resolve(io.cwd, model), {
    differentiable: wantGradients,
    ...(shape ? { inputShape: shape } : {}),
    ...(classes !== undefined ? { nbClasses: classes } : {}),
    ...(clip ? { clipValues: [clip[0]!, clip[1]!] as [number, number] } : {}),
    onMessage: (m) => void writeStream(io.stderr, `bulwark: note: ${safeText(m)}\n`),
  });
}

/** `bulwark robustness MODEL --data TEST ...`: returns the exit code. */
export async function robustnessCommand(
  model: string | undefined,
  opts: RobustnessCommandOptions,
  io: CliIo,
): Promise<number> {
  if (opts.output !== undefined) await checkOutputPath(opts.output, io.cwd);
  if (opts.data === undefined)
    throw new UsageError('--data TEST is required (CSV, JSON Lines, Parquet or JSON {x, y})');
  const eps = opts.eps
    .split(',')
    .map((s) => num('--eps', s, (n) => n > 0, 'positive numbers, comma-separated'));
  const seed = num(
    '--seed',
    opts.seed,
    (n) => Number.isInteger(n) && n >= 0 && n < 2 ** 32,
    'an integer in [0, 2^32)',
  );
  const threshold = num('--threshold', opts.threshold, (n) => n >= 0 && n <= 1, 'a number in [0, 1]');
  const perSample =
    opts.maxQueries !== undefined
      ? num('--max-queries', opts.maxQueries, posInt, 'a positive integer')
      : undefined;
  const total =
    opts.maxTotalQueries !== undefined
      ? num('--max-total-queries', opts.maxTotalQueries, posInt, 'a positive integer')
      : undefined;
  const samples =
    opts.samples !== undefined ? num('--samples', opts.samples, posInt, 'a positive integer') : undefined;
  const names = opts.attacks
    ?.split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const a of names ?? [])
    if (!ATTACKS[a])
      throw new UsageError(`unknown attack ${JSON.stringify(a)}; choose from fgsm, pgd, square, simba, hsj`);
  const wantGradients =
    (names ?? ['pgd']).some((a) => ATTACKS[a]!().requires === 'gradients') &&
    opts.access !== 'scores' &&
    opts.access !== 'labels';

  let target = await loadTarget(model, opts, io, wantGradients);
  try {
    if (opts.access) target = restrictAccess(target, opts.access);
    const chosen = names ?? defaultAttacks(targetAccess(target), opts.norm);
    const attacks = [...new Set(chosen.map((a) => (a === 'hopskipjump' ? 'hsj' : a)))].map((a) =>
      ATTACKS[a]!(),
    );
    const data = await readRobustnessData(path.resolve(io.cwd, opts.data), {
      inputSize: inputSize(target),
      nbClasses: target.nbClasses,
      label: opts.label,
      features: opts.features
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      maxRows: samples,
    });
    if (data.n === 0) throw new ParseError(`${path.basename(opts.data)}: no rows`);
    const modelName = model !== undefined ? path.basename(model) : (opts.url ?? target.name);
    const dataset = opts.dataset ?? path.basename(opts.data);
    const ev = await evaluateRobustness(target, data, {
      attacks,
      eps,
      norm: opts.norm,
      seed,
      threshold,
      budget: {
        ...(perSample !== undefined ? { perSample } : {}),
        ...(total !== undefined ? { total } : {}),
      },
      model: modelName,
      dataset,
    });
    const result = buildRobustnessResult(ev, target, {
      model: modelName,
      dataset,
      norm: opts.norm,
      eps,
      attacks: attacks.map((a) => a.name),
      seed,
      budget: {
        ...(perSample !== undefined ? { perSample } : {}),
        ...(total !== undefined ? { total } : {}),
      },
      toolVersion: packageVersion(),
    });
    const text =
      opts.format === 'json'
        ? `${JSON.stringify(result, null, 2)}\n`
        : renderRobustnessText(result, safeText);
    if (!(await emitOutput(io, opts.output, text))) return ExitCode.Inconclusive;
    if (opts.output !== undefined && opts.format === 'json')
      await writeStream(io.stdout, renderRobustnessText(result, safeText));
    return result.failed ? ExitCode.Findings : result.inconclusive ? ExitCode.Inconclusive : ExitCode.Clean;
  } finally {
    await target.dispose?.();
  }
}

export const registerRobustness: RegisterCommand = (program, ctx) => {
  program
    .command('robustness')
    .description(
      'evaluate adversarial robustness: evasion attacks (FGSM, PGD, Square, SimBA, HopSkipJump) and robust accuracy',
    )
    .argument('[model]', 'ONNX classifier (omit with --target http)')
    .option(
      '--data <file>',
      'test data: CSV, JSON Lines, Parquet (features + label column), or JSON {"x": [[...]], "y": [...]}',
    )
    .option('--label <col>', 'label column of a table (default "label")')
    .option('--features <cols>', 'feature columns in model input order (default: every column but the label)')
    .option('--attacks <list>', 'fgsm,pgd,square,simba,hsj (default: the strongest the access allows)')
    .option('--eps <list>', 'perturbation budgets ε, comma-separated, in input units', '0.1')
    .addOption(new Option('--norm <norm>', 'threat model norm').choices(['inf', '2']).default('inf'))
    .option('--max-queries <n>', 'query budget per sample (default: each attack’s ART schedule)')
    .option('--max-total-queries <n>', 'query budget for each attack run over all samples')
    .option('--samples <n>', 'evaluate only the first N rows')
    .option('--seed <s>', 'seed of the attacks’ random draws', '0')
    .option('--threshold <x>', 'BW-ROB-001 and exit 1 when robust accuracy is below it', '0.5')
    .addOption(
      new Option('--access <level>', 'evaluate as if the model gave only this access').choices([
        'gradients',
        'scores',
        'labels',
      ]),
    )
    .addOption(new Option('--target <kind>', 'model target').choices(['onnx', 'http']).default('onnx'))
    .option('--url <url>', 'endpoint of the model with --target http')
    .option(
      '--http-config <file>',
      'JSON HTTP target config (body template, responsePath, output, auth, rateLimit, …)',
    )
    .option('--input-shape <dims>', 'input shape without the batch axis, e.g. 64 or 1,8,8')
    .option('--classes <k>', 'number of classes (needed for --target http)')
    .option('--clip <min,max>', 'valid input range (default 0,1)')
    .option('--dataset <name>', 'dataset name for the RobustBench record (default: the data file name)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option(
      '-o, --output <file>',
      'write the result to FILE (atomically); the text table still goes to stdout for json',
    )
    .action(async (model: string | undefined, opts: RobustnessCommandOptions) => {
      ctx.setExit(await robustnessCommand(model, opts, ctx.io));
    });
};
