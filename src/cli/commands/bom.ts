import path from 'node:path';
import { Option } from 'commander';
import { UsageError } from '../../core/errors.js';
import type { BomOptions } from '../../provenance/bom/facts.js';
import { CDX_APPROACH_TYPES, type CdxApproachType, type CdxSpecVersion } from '../../provenance/bom/types.js';
import { safeText } from '../../report/util.js';
import { ExitCode } from '../exit-codes.js';
import { checkOutputPath, writeStream, type CliIo, emitOutput } from '../io.js';
import type { RegisterCommand } from './index.js';
import { collect } from '../options.js';

export const BOM_FORMATS = ['cyclonedx', 'spdx'] as const;
export type BomFormat = (typeof BOM_FORMATS)[number];

export interface BomCommandOptions {
  format: BomFormat;
  specVersion: CdxSpecVersion;
  signature?: string;
  scanReport?: string;
  name?: string;
  version?: string;
  approach?: CdxApproachType;
  timestamp?: string;
  reproducible?: boolean;
  allowSymlinks?: boolean;
  ignorePaths: string[];
  /** true: must validate (error when the validator cannot load); false: skip; undefined: validate when possible. */
  validate?: boolean;
  output?: string;
}

/**
 * `bulwark bom MODEL`: writes a CycloneDX (default) or SPDX document of the model. Warnings about the repository's
 * metadata go to standard error and do not change the exit code. Exit 1 when the document fails validation, 2 when it
 * cannot be written or `--validate` cannot load the validator; usage errors (3) are thrown.
 */
export async function bomCommand(model: string, opts: BomCommandOptions, io: CliIo): Promise<number> {
  if (model.trim() === '') throw new UsageError('an empty MODEL was given; name a model directory or file');
  if (opts.output !== undefined) await checkOutputPath(opts.output, io.cwd);
  const sde = io.env.SOURCE_DATE_EPOCH;
  let timestamp: string | undefined = opts.timestamp;
  let reproducible = opts.reproducible === true;
  if (timestamp === undefined && sde !== undefined && sde !== '') {
    if (!/^\d{1,12}$/.test(sde.trim()))
      throw new UsageError(
        `SOURCE_DATE_EPOCH=${safeText(sde.slice(0, 40))} is not a number of seconds; fix or unset it`,
      );
    timestamp = sde.trim();
    reproducible = true;
  }
  const base: BomOptions = {
    name: opts.name,
    version: opts.version,
    approach: opts.approach,
    timestamp,
    reproducible,
    signature: opts.signature,
    scanReport: opts.scanReport,
    cwd: io.cwd,
    hash: {
      allowSymlinks: opts.allowSymlinks === true,
      ignorePaths: opts.ignorePaths.map((p) => path.resolve(io.cwd, p)),
    },
  };
  const modelPath = path.resolve(io.cwd, model);
  // Loaded on use: the CycloneDX library costs every other command's start-up time otherwise.
  const { buildCycloneDxBom, serializeBom } = await import('../../provenance/bom/cyclonedx.js');
  const { buildSpdxDocument } = await import('../../provenance/bom/spdx.js');
  const { checkSpdxDocument, validateCycloneDx } = await import('../../provenance/bom/validate.js');

  let text: string;
  let warnings: string[];
  if (opts.format === 'spdx') {
    const r = await buildSpdxDocument(modelPath, base);
    warnings = r.warnings;
    if (opts.validate !== false) {
      const problems = checkSpdxDocument(r.document);
      if (problems.length) return failValidation(io, 'the SPDX structural check', problems);
    }
    text = serializeBom(r.document);
  } else {
    const r = await buildCycloneDxBom(modelPath, { ...base, specVersion: opts.specVersion });
    warnings = r.warnings;
    text = serializeBom(r.document);
    if (opts.validate !== false) {
      const v = await validateCycloneDx(text, opts.specVersion);
      if (!v.available) {
        if (opts.validate === true) {
          await writeStream(
            io.stderr,
            `bulwark: error: --validate needs the optional packages ajv, ajv-formats and ajv-formats-draft2019; install them or leave out --validate\n`,
          );
          return ExitCode.Inconclusive;
        }
      } else if (!v.valid) {
        const errs = (v.errors ?? []).slice(0, 5).map((e) => {
          const o = e as { instancePath?: string; message?: string };
          return `${o.instancePath || '/'} ${o.message ?? JSON.stringify(e).slice(0, 200)}`;
        });
        return failValidation(io, `the CycloneDX ${opts.specVersion} schema`, errs);
      }
    }
  }

  for (const w of warnings) await writeStream(io.stderr, `bulwark: warning: ${safeText(w)}\n`);
  if (!(await emitOutput(io, opts.output, text))) return ExitCode.Inconclusive;
  return ExitCode.Clean;
}

async function failValidation(io: CliIo, against: string, problems: string[]): Promise<number> {
  await writeStream(
    io.stderr,
    `bulwark: error: the generated BOM does not pass ${against} (${problems.length} problem(s): ${safeText(
      problems.slice(0, 3).join('; '),
    )}); nothing was written; please report this\n`,
  );
  return ExitCode.Findings;
}

export const registerBom: RegisterCommand = (program, ctx) => {
  program
    .command('bom')
    .description(
      'write an AI bill of materials of a model: CycloneDX 1.6/1.7 ML-BOM or SPDX 3.0.1 (AI/Dataset)',
    )
    .argument('<model>', 'model directory (Hugging Face layout or any directory) or single model file')
    .addOption(
      new Option('-f, --format <format>', 'document format').choices(BOM_FORMATS).default('cyclonedx'),
    )
    .addOption(
      new Option('--spec-version <version>', 'CycloneDX specification version')
        .choices(['1.6', '1.7'])
        .default('1.6'),
    )
    .option(
      '--signature <file>',
      'OMS/Sigstore signature bundle of the model (path or https URL), referenced and hashed',
    )
    .option('--scan-report <file>', 'scan report of the model (path or https URL), referenced and hashed')
    .option(
      '--name <name>',
      'model name; ORG/NAME is taken as a Hugging Face repository id (purl, hub links)',
    )
    .option('--model-version <version>', 'model version (for a Hugging Face model: the revision)')
    .addOption(
      new Option('--approach <type>', 'learning approach (modelParameters.approach)').choices(
        CDX_APPROACH_TYPES,
      ),
    )
    .option(
      '--timestamp <time>',
      'creation time: ISO 8601 or seconds since the epoch (default: now, or SOURCE_DATE_EPOCH)',
    )
    .option('--reproducible', 'content-derived serial number / ids (needs --timestamp or SOURCE_DATE_EPOCH)')
    .option('--allow-symlinks', 'hash the targets of symbolic links inside the model')
    .option('--ignore-paths <path>', 'leave a path out of hashing (repeatable)', collect, [])
    .option('--validate', 'validate the output and fail when the validator cannot be loaded')
    .option('--no-validate', 'do not validate the output')
    .option('-o, --output <file>', 'write the document to FILE (atomically) instead of standard output')
    .action(async (model: string, opts: Record<string, unknown>) => {
      ctx.setExit(
        await bomCommand(
          model,
          {
            format: opts.format as BomFormat,
            specVersion: opts.specVersion as CdxSpecVersion,
            signature: opts.signature as string | undefined,
            scanReport: opts.scanReport as string | undefined,
            name: opts.name as string | undefined,
            version: opts.modelVersion as string | undefined,
            approach: opts.approach as CdxApproachType | undefined,
            timestamp: opts.timestamp as string | undefined,
            reproducible: opts.reproducible === true,
            allowSymlinks: opts.allowSymlinks === true,
            ignorePaths: opts.ignorePaths as string[],
            validate: opts.validate as boolean | undefined,
            output: opts.output as string | undefined,
          },
          ctx.io,
        ),
      );
    });
};
