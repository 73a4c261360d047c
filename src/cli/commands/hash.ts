import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, Option } from 'commander';
import { UsageError } from '../../core/errors.js';
import { hashModel } from '../../provenance/oms/parallel.js';
import {
  OMS_HASH_TYPES,
  type HashProgress,
  type ModelManifest,
  type OmsHashType,
} from '../../provenance/oms/types.js';
import { formatBytes, safeText } from '../../report/util.js';
import { ExitCode } from '../exit-codes.js';
import { checkOutputPath, writeStream, type CliIo, emitOutput } from '../io.js';
import type { RegisterCommand } from './index.js';
import { collect } from '../options.js';

export const HASH_FORMATS = ['text', 'json'] as const;

export interface HashCommandOptions {
  format: (typeof HASH_FORMATS)[number];
  output?: string;
  method: 'files' | 'shards';
  hashType: OmsHashType;
  shardSize?: number;
  /** As given: relative paths are resolved against the working directory, as `model_signing` does. */
  ignorePaths: string[];
  ignoreGitPaths: boolean;
  allowSymlinks: boolean;
  workers?: number;
  /** false with --no-progress. */
  progress: boolean;
}

/** The hashing function; `hashModel` by default, replaceable in tests. */
export type HashFn = typeof hashModel;

/**
 * `bulwark hash MODEL`: hashes a model as OpenSSF Model Signing does and prints `sha256:<root digest>` (the in-toto
 * subject digest a signature would carry), or the full manifest with `--format json`.
 */
export async function hashCommand(
  model: string,
  opts: HashCommandOptions,
  io: CliIo,
  hashFn: HashFn = hashModel,
): Promise<number> {
  if (model.trim() === '')
    throw new UsageError('an empty MODEL path was given; name a model file or directory');
  if (opts.shardSize !== undefined && opts.method !== 'shards')
    throw new UsageError('--shard-size needs --method shards; add it or drop --shard-size');
  if (opts.output !== undefined) await checkOutputPath(opts.output, io.cwd);
  const modelAbs = path.resolve(io.cwd, model);
  try {
    await lstat(modelAbs);
  } catch {
    throw new UsageError(
      `model path ${JSON.stringify(safeText(model))} does not exist; check the path and the working directory`,
    );
  }
  const ignorePaths: string[] = [];
  for (const p of opts.ignorePaths) {
    const abs = path.resolve(io.cwd, p);
    const rel = path.relative(modelAbs, abs);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel))
      await writeStream(
        io.stderr,
        `bulwark: warning: --ignore-paths ${safeText(p)} is not inside the model; it has no effect (paths are relative to the working directory)\n`,
      );
    else ignorePaths.push(abs);
  }

  const progress = opts.progress && io.stderr.isTTY === true ? new HashProgressLine(io.stderr) : undefined;
  let manifest: ModelManifest;
  try {
    manifest = await hashFn(modelAbs, {
      method: opts.method,
      hashType: opts.hashType,
      shardSize: opts.shardSize,
      ignorePaths,
      ignoreGitPaths: opts.ignoreGitPaths,
      allowSymlinks: opts.allowSymlinks,
      workers: opts.workers,
      modelName: path.basename(modelAbs),
      onProgress: progress?.update,
    });
  } finally {
    progress?.finish();
  }
  if (manifest.resources.length === 0)
    throw new UsageError(
      `no files to hash in ${JSON.stringify(safeText(model))}; check the path and --ignore-paths (OMS signatures need at least one file)`,
    );

  const text =
    opts.format === 'json' ? `${JSON.stringify(manifest, null, 2)}\n` : `sha256:${manifest.rootDigest}\n`;
  if (!(await emitOutput(io, opts.output, text))) return ExitCode.Inconclusive;
  return ExitCode.Clean;
}

const CLEAR_LINE = '\r\u001b[2K';

/** One updating status line on a TTY: resources and bytes hashed. */
class HashProgressLine {
  private drawn = false;
  constructor(private readonly stream: NodeJS.WritableStream) {}

  readonly update = (p: HashProgress): void => {
    this.drawn = true;
    this.stream.write(
      `${CLEAR_LINE}hashing ${p.filesDone}/${p.filesTotal}  ${formatBytes(p.bytesDone)}/${formatBytes(p.bytesTotal)}`,
    );
  };

  finish(): void {
    if (this.drawn) this.stream.write(CLEAR_LINE);
    this.drawn = false;
  }
}

function positiveInt(what: string, min: number) {
  return (value: string): number => {
    const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
    if (!Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`${what} must be a whole number >= ${min}`);
    return n;
  };
}

export const registerHash: RegisterCommand = (program, ctx) => {
  program
    .command('hash')
    .description('hash a model as OpenSSF Model Signing does and print its root digest (sha256:...)')
    .argument('<model>', 'model file or directory')
    .addOption(new Option('-f, --format <format>', 'output format').choices(HASH_FORMATS).default('text'))
    .option('-o, --output <file>', 'write the output to FILE (atomically) instead of standard output')
    .addOption(
      new Option('--method <method>', 'one resource per file, or per shard of each file')
        .choices(['files', 'shards'])
        .default('files'),
    )
    .addOption(
      new Option('--hash-type <type>', 'digest of each resource (the root digest is always SHA-256)')
        .choices(OMS_HASH_TYPES)
        .default('sha256'),
    )
    .option(
      '--shard-size <bytes>',
      'bytes per shard with --method shards (default: 1000000000)',
      positiveInt('shard size', 1),
    )
    .option(
      '--ignore-paths <path>',
      'leave out this file or directory (repeatable; relative to the working directory)',
      collect,
      [],
    )
    .option('--no-ignore-git-paths', 'also hash .git, .gitattributes, .github and .gitignore')
    .option('--allow-symlinks', 'hash the targets of symbolic links under the links’ names')
    .option(
      '--workers <n>',
      'worker threads (0: hash in this thread; default: cores, at most 8)',
      positiveInt('workers', 0),
    )
    .option('--no-progress', 'no progress line on standard error')
    .action(async (model: string, o: Record<string, unknown>) => {
      ctx.setExit(
        await hashCommand(
          model,
          {
            format: o.format as HashCommandOptions['format'],
            output: o.output as string | undefined,
            method: o.method as HashCommandOptions['method'],
            hashType: o.hashType as OmsHashType,
            shardSize: o.shardSize as number | undefined,
            ignorePaths: o.ignorePaths as string[],
            ignoreGitPaths: o.ignoreGitPaths !== false,
            allowSymlinks: o.allowSymlinks === true,
            workers: o.workers as number | undefined,
            progress: o.progress !== false,
          },
          ctx.io,
        ),
      );
    });
};
