import { existsSync } from 'node:fs';
import path from 'node:path';
import { Option } from 'commander';
import { BulwarkError, UsageError } from '../../core/errors.js';
import { atLeast } from '../../core/severity.js';
import {
  equationSolvingExtraction,
  type EquationSolvingResult,
} from '../../adversarial/extraction/equation.js';
import { DEFAULT_BUDGETS, runExtraction } from '../../adversarial/extraction/knockoff.js';
import { openOnnxScoresTarget } from '../../adversarial/extraction/onnx-target.js';
import { labelsOnly } from '../../adversarial/extraction/oracle.js';
import {
  loadOnnxTarget,
  type LoadedOnnxTarget,
  type OnnxTarget,
} from '../../adversarial/robustness/targets/index.js';
import { extractionReport, formatExtractionText } from '../../adversarial/extraction/report.js';
import { runMembershipAttack, type LabelledSet } from '../../adversarial/inference/membership.js';
import { formatMembershipAttackText, membershipAttackReport } from '../../adversarial/inference/report.js';
import type { ModelKind } from '../../adversarial/ml/models.js';
import { inputSize, type ModelTarget } from '../../adversarial/robustness/target.js';
import { readTable, type Cell, type Table } from '../../trust/data/table.js';
import {
  encodeFeatures,
  featureWidth,
  loadFeatureSpec,
  type FeatureSpec,
} from '../../trust/predict/index.js';
import { ExitCode } from '../exit-codes.js';
import { checkOutputPath, writeFileAtomic, writeStream, type CliIo } from '../io.js';
import { boundedNumber } from '../options.js';
import type { RegisterCommand } from './index.js';

type Format = 'text' | 'json';

interface TargetOptions {
  label?: string;
  features?: string;
  outputName?: string;
  clip?: string;
  labelsOnly: boolean;
  seed?: string;
  format: Format;
  output?: string;
}

export interface ExtractionCommandOptions extends TargetOptions {
  data?: string;
  eval: string;
  budgets?: string;
  surrogate: ModelKind;
  agreementThreshold?: string;
  equationSolving: boolean;
  epochs?: string;
  hidden?: string;
}

export interface MembershipAttackCommandOptions extends TargetOptions {
  members: string;
  nonMembers: string;
  attackerData?: string;
  shadowModels?: string;
  shadowModel: ModelKind;
  shadowEpochs?: string;
  shadowHidden?: string;
  perClass: boolean;
  minAuc?: string;
}

function parseClip(v: string | undefined): [number, number] | undefined {
  if (v === undefined) return undefined;
  const parts = v.split(',').map((s) => Number(s.trim()));
  if (parts.length !== 2 || parts.some((x) => !Number.isFinite(x)) || !(parts[1] > parts[0]))
    throw new UsageError(`--clip must be LOW,HIGH with LOW < HIGH, e.g. --clip 0,1; got '${v}'`);
  return [parts[0], parts[1]];
}

/** How tables become model inputs: a feature spec, or every column but the label as a number. */
interface Encoder {
  spec?: FeatureSpec;
  classes?: Cell[];
  encode(t: Table, file: string): Float32Array;
  width(t: Table): number;
}

async function encoderFor(model: string, opts: TargetOptions, io: CliIo): Promise<Encoder> {
  const specFile = opts.features
    ? path.resolve(io.cwd, opts.features)
    : model.replace(/\.onnx$/i, '') + '.features.json';
  if (opts.features || existsSync(specFile)) {
    const spec = await loadFeatureSpec(specFile);
    return {
      spec,
      ...(spec.classes ? { classes: spec.classes } : {}),
      encode: (t) => encodeFeatures(t, spec),
      width: () => featureWidth(spec),
    };
  }
  const cols = (t: Table) => t.columns.filter((c) => c !== opts.label);
  return {
    width: (t) => cols(t).length,
    encode: (t, file) => {
      const cs = cols(t);
      const x = new Float32Array(t.rowCount * cs.length);
      cs.forEach((c, j) => {
        const v = t.column(c);
        for (let i = 0; i < t.rowCount; i++) {
          const cell = v[i];
          if (typeof cell !== 'number')
            throw new UsageError(
              `${path.basename(file)}: column '${c}' row ${i + 1} is not a number; give --label for the label column or a --features spec`,
            );
          x[i * cs.length + j] = cell;
        }
      });
      return x;
    },
  };
}

async function loadRows(
  file: string,
  enc: Encoder,
  target: ModelTarget,
  io: CliIo,
): Promise<{ x: Float32Array; n: number; t: Table }> {
  const abs = path.resolve(io.cwd, file);
  const t = await readTable(abs);
  if (t.rowCount === 0) throw new UsageError(`${file} has no rows`);
  const d = inputSize(target);
  if (enc.width(t) !== d)
    throw new UsageError(
      `${file} gives ${enc.width(t)} input features but the model takes ${d}; check --label and --features`,
    );
  return { x: enc.encode(t, abs), n: t.rowCount, t };
}

function labelsOf(t: Table, file: string, column: string, enc: Encoder, k: number): Int32Array {
  if (!t.columns.includes(column)) throw new UsageError(`${file} has no label column '${column}'`);
  const v = t.column(column);
  const y = new Int32Array(t.rowCount);
  for (let i = 0; i < t.rowCount; i++) {
    const cell = v[i];
    let idx = -1;
    if (enc.classes) {
      idx = enc.classes.findIndex((c) => c === cell || String(c) === String(cell));
    } else if (typeof cell === 'number' && Number.isInteger(cell)) idx = cell;
    else if (typeof cell === 'string' && /^\d+$/.test(cell)) idx = Number(cell);
    if (!(idx >= 0 && idx < k))
      throw new UsageError(
        `${path.basename(file)}: label '${String(cell)}' in row ${i + 1} is not a class index 0..${k - 1}${enc.classes ? ' or a class of the feature spec' : ''}`,
      );
    y[i] = idx;
  }
  return y;
}

/**
 * Opens the model: the shared ONNX target (`loadOnnxTarget`, scores through onnxruntime) when the model's first
 * output is the class-score tensor; otherwise (e.g. skl2onnx models whose first output is the label, or
 * --output-name) the extraction pillar's own adapter, which picks the `probabilities` output.
 */
async function openTarget(
  model: string,
  opts: TargetOptions,
): Promise<ModelTarget & { dispose(): Promise<void> }> {
  const clip = parseClip(opts.clip);
  let target: (ModelTarget & { dispose(): Promise<void> }) | undefined;
  if (!opts.outputName) {
    let shared: LoadedOnnxTarget | undefined;
    try {
      shared = await loadOnnxTarget(model, {
        differentiable: false,
        clipValues: clip ?? [-Infinity, Infinity],
      });
      // One uncounted probe: the first output must be float class scores.
      await (shared as OnnxTarget).runUncounted(new Float32Array(inputSize(shared)), 1);
      target = shared;
    } catch (err) {
      if (err instanceof UsageError && !shared) throw err;
      await shared?.dispose();
    }
  }
  target ??= await openOnnxScoresTarget(model, {
    ...(opts.outputName ? { output: opts.outputName } : {}),
    ...(clip ? { clipValues: clip } : {}),
  });
  if (!opts.labelsOnly) return target;
  const view = labelsOnly(target);
  return Object.assign(view, { dispose: () => target.dispose() });
}

async function emit(text: string, json: unknown, opts: TargetOptions, io: CliIo): Promise<void> {
  const body = opts.format === 'json' ? `${JSON.stringify(json, null, 2)}\n` : text;
  if (opts.output) {
    await writeFileAtomic(path.resolve(io.cwd, opts.output), `${JSON.stringify(json, null, 2)}\n`);
    if (opts.format === 'text') await writeStream(io.stdout, text);
  } else await writeStream(io.stdout, body);
}

/** `bulwark extraction MODEL.onnx`: surrogate (and optionally equation-solving) extraction. */
export async function extractionCommand(
  modelArg: string,
  opts: ExtractionCommandOptions,
  io: CliIo,
): Promise<number> {
  if (opts.output) await checkOutputPath(opts.output, io.cwd);
  const budgets = (opts.budgets ?? DEFAULT_BUDGETS.join(','))
    .split(',')
    .map((b) => boundedNumber('--budgets', b.trim(), { int: true, min: 1, max: 1_000_000 })!);
  const threshold = boundedNumber('--agreement-threshold', opts.agreementThreshold, { min: 0, max: 1 });
  const seed = boundedNumber('--seed', opts.seed, { int: true, min: 0 }) ?? 1;
  const epochs = boundedNumber('--epochs', opts.epochs, { int: true, min: 1, max: 10_000 });
  const hidden = boundedNumber('--hidden', opts.hidden, { int: true, min: 1, max: 4096 });
  const model = path.resolve(io.cwd, modelArg);
  const target = await openTarget(model, opts);
  try {
    const enc = await encoderFor(model, opts, io);
    const ev = await loadRows(opts.eval, enc, target, io);
    const evalY =
      opts.label && ev.t.columns.includes(opts.label)
        ? labelsOf(ev.t, opts.eval, opts.label, enc, target.nbClasses)
        : undefined;
    const tr = opts.data ? await loadRows(opts.data, enc, target, io) : undefined;
    const surrogate = await runExtraction(target, {
      ...(tr ? { transfer: tr.x, transferRows: tr.n } : {}),
      evalX: ev.x,
      evalRows: ev.n,
      ...(evalY ? { evalY } : {}),
      budgets,
      surrogate: opts.surrogate,
      seed,
      ...(threshold !== undefined ? { agreementThreshold: threshold } : {}),
      ...(epochs !== undefined || hidden !== undefined
        ? {
            train: {
              ...(epochs !== undefined ? { epochs } : {}),
              ...(hidden !== undefined ? { hidden } : {}),
            },
          }
        : {}),
    });
    let equation: EquationSolvingResult | { skipped: string } | undefined;
    if (opts.equationSolving) {
      try {
        equation = await equationSolvingExtraction(target, { seed, evalX: ev.x, evalRows: ev.n });
      } catch (err) {
        if (!(err instanceof BulwarkError) || err.code !== 'E_UNSUPPORTED') throw err;
        equation = { skipped: err.message };
        await writeStream(io.stderr, `bulwark extraction: equation solving skipped: ${err.message}\n`);
      }
    }
    const report = extractionReport(modelArg, surrogate, equation);
    await emit(formatExtractionText(report), report, opts, io);
    return report.findings.some((f) => atLeast(f.severity, 'high')) ? ExitCode.Findings : ExitCode.Clean;
  } finally {
    await target.dispose();
  }
}

/** `bulwark membership-attack MODEL.onnx`: threshold and shadow-model membership inference. */
export async function membershipAttackCommand(
  modelArg: string,
  opts: MembershipAttackCommandOptions,
  io: CliIo,
): Promise<number> {
  if (opts.output) await checkOutputPath(opts.output, io.cwd);
  if (!opts.label)
    throw new UsageError('give --label COLUMN: the attacks need the true label of every record');
  const seed = boundedNumber('--seed', opts.seed, { int: true, min: 0 }) ?? 1;
  const shadowModels = boundedNumber('--shadow-models', opts.shadowModels, { int: true, min: 1, max: 64 });
  const epochs = boundedNumber('--shadow-epochs', opts.shadowEpochs, { int: true, min: 1, max: 10_000 });
  const hidden = boundedNumber('--shadow-hidden', opts.shadowHidden, { int: true, min: 1, max: 4096 });
  const minAuc = boundedNumber('--min-auc', opts.minAuc, { min: 0.5, max: 1 });
  const model = path.resolve(io.cwd, modelArg);
  const target = await openTarget(model, opts);
  try {
    const enc = await encoderFor(model, opts, io);
    const set = async (file: string): Promise<LabelledSet> => {
      const r = await loadRows(file, enc, target, io);
      return { x: r.x, n: r.n, y: labelsOf(r.t, file, opts.label!, enc, target.nbClasses) };
    };
    const result = await runMembershipAttack(target, {
      members: await set(opts.members),
      nonMembers: await set(opts.nonMembers),
      ...(opts.attackerData ? { attacker: await set(opts.attackerData) } : {}),
      ...(shadowModels !== undefined ? { shadowModels } : {}),
      shadowModel: opts.shadowModel,
      shadowTrain: {
        ...(epochs !== undefined ? { epochs } : {}),
        ...(hidden !== undefined ? { hidden } : {}),
      },
      perClass: opts.perClass,
      ...(minAuc !== undefined ? { minAuc } : {}),
      seed,
    });
    const report = membershipAttackReport(modelArg, result);
    await emit(formatMembershipAttackText(report), report, opts, io);
    return report.findings.some((f) => atLeast(f.severity, 'high')) ? ExitCode.Findings : ExitCode.Clean;
  } finally {
    await target.dispose();
  }
}

export const registerExtraction: RegisterCommand = (program, ctx) => {
  const common = (c: ReturnType<typeof program.command>) =>
    c
      .option(
        '--label <column>',
        'column with the true class (index, or a class of the feature spec); not a feature',
      )
      .option(
        '--features <spec>',
        'feature spec JSON (default: MODEL.features.json next to the model, if any)',
      )
      .option(
        '--output-name <name>',
        'model output with the class scores (default: probabilities, else the first float output)',
      )
      .option(
        '--clip <low,high>',
        'valid input range, e.g. 0,1 (uniform transfer noise, equation-solving queries)',
      )
      .option(
        '--labels-only',
        'let the attacks see only the predicted labels, as a label-only API would',
        false,
      )
      .option('--seed <n>', 'seed of sampling and training (default 1)')
      .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
      .option('-o, --output <file>', 'write the JSON result to FILE (for bulwark audit --evidence)');

  common(
    program
      .command('extraction')
      .description(
        'model-extraction attack: train a surrogate from query answers and measure its agreement; equation-solving for linear models',
      )
      .argument('<model>', 'ONNX classifier with one float32 input [N, ...] and class scores [N, C]'),
  )
    .requiredOption('--eval <file>', 'held-out table on which agreement is measured')
    .option('--data <file>', 'transfer set the attacker queries (default: uniform noise in --clip)')
    .option('--budgets <list>', 'comma-separated query budgets (default 100,500,2000)')
    .addOption(
      new Option('--surrogate <kind>', 'surrogate model').choices(['mlp', 'logistic']).default('mlp'),
    )
    .option(
      '--agreement-threshold <x>',
      'agreement at or above X within the budget is a finding (default 0.9)',
    )
    .option(
      '--equation-solving',
      'also run equation-solving extraction (linear/logistic models, needs scores)',
      false,
    )
    .option('--epochs <n>', 'surrogate training epochs (default: 30000 / budget, within 20..200)')
    .option('--hidden <n>', 'hidden units of the MLP surrogate (default 64)')
    .action(async (model: string, opts: ExtractionCommandOptions) => {
      ctx.setExit(await extractionCommand(model, opts, ctx.io));
    });

  common(
    program
      .command('membership-attack')
      .description('membership-inference attacks (threshold and shadow models) against a model')
      .argument('<model>', 'ONNX classifier with one float32 input [N, ...] and class scores [N, C]'),
  )
    .requiredOption('--members <file>', 'records the model was trained on')
    .requiredOption('--non-members <file>', 'records it was not trained on')
    .option(
      '--attacker-data <file>',
      'attacker’s own labelled records for the shadow models (omit: threshold attack only)',
    )
    .option('--shadow-models <n>', 'number of shadow models (default 4)')
    .addOption(
      new Option('--shadow-model <kind>', 'shadow architecture').choices(['mlp', 'logistic']).default('mlp'),
    )
    .option('--shadow-epochs <n>', 'shadow training epochs (default 100)')
    .option('--shadow-hidden <n>', 'hidden units of MLP shadows (default 64)')
    .option('--per-class', 'one attack model per class instead of one global model', false)
    .option('--min-auc <x>', 'attack AUC at or above X is leakage (default 0.6)')
    .action(async (model: string, opts: MembershipAttackCommandOptions) => {
      ctx.setExit(await membershipAttackCommand(model, opts, ctx.io));
    });
};
