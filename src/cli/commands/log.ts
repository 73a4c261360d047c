import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { LimitError, ParseError, UsageError, VerificationError } from '../../core/errors.js';
import {
  canonicalEvent,
  initLog,
  openLog,
  type LogEvent,
  type TransparencyLog,
  type VerifyReport,
} from '../../provenance/tlog/log.js';
import { MAX_NOTE_BYTES, parseVerifierKey } from '../../provenance/tlog/note.js';
import { MAX_ENTRY_BYTES } from '../../provenance/tlog/store.js';
import { safeText } from '../../report/util.js';
import { ExitCode } from '../exit-codes.js';
import { checkOutputPath, writeFileAtomic, writeStream, type CliIo } from '../io.js';
import type { RegisterCommand } from './index.js';

export const LOG_FORMATS = ['text', 'json'] as const;
type Format = (typeof LOG_FORMATS)[number];

const formatOption = () =>
  new Option('-f, --format <format>', 'output format').choices(LOG_FORMATS).default('text');

function count(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value) || Number(value) < min)
    throw new UsageError(`${name} must be an integer >= ${min}, got ${JSON.stringify(safeText(value))}`);
  return Number(value);
}

async function readBounded(file: string, cwd: string, limit: number, what: string): Promise<string> {
  const abs = path.resolve(cwd, file);
  let size: number;
  try {
    size = (await stat(abs)).size;
  } catch {
    throw new UsageError(`${what} ${JSON.stringify(safeText(file))} does not exist; check the path`);
  }
  if (size > limit)
    throw new UsageError(`${what} ${JSON.stringify(safeText(file))} is ${size} bytes, above ${limit}`);
  return readFile(abs, 'utf8');
}

const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;

/** Runs a log subcommand: a VerificationError is a failed check (exit 1), printed once. */
async function guarded(io: CliIo, format: Format, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof VerificationError)) throw err;
    if (format === 'json')
      await writeStream(
        io.stdout,
        json({ ok: false, reason: err.reason, message: err.message, details: err.details }),
      );
    await writeStream(io.stderr, `bulwark: verification failed (${err.reason}): ${err.message}\n`);
    return ExitCode.Findings;
  }
}

const logDir = (io: CliIo, dir: string) => path.resolve(io.cwd, dir);

export async function logInit(
  dir: string,
  opts: { origin?: string; format: Format },
  io: CliIo,
): Promise<number> {
  const log = await initLog(logDir(io, dir), { origin: opts.origin });
  if (opts.format === 'json')
    await writeStream(io.stdout, json({ dir: log.dir, origin: log.origin, verifierKey: log.verifierKey }));
  else
    await writeStream(
      io.stdout,
      `Created log ${safeText(dir)} (origin ${log.origin}).\n` +
        `Verifier key (public; share it and pin it with 'bulwark log verify --key'):\n${log.verifierKey}\n` +
        `The signing key is in ${safeText(path.join(dir, 'signer.key'))} (mode 0600); keep it private.\n`,
    );
  return ExitCode.Clean;
}

export async function logAppend(
  dir: string,
  opts: { event?: string; eventFile?: string; format: Format },
  io: CliIo,
): Promise<number> {
  if ((opts.event === undefined) === (opts.eventFile === undefined))
    throw new UsageError('give the event with exactly one of --event JSON or --event-file FILE');
  const text =
    opts.event ?? (await readBounded(opts.eventFile!, io.cwd, MAX_ENTRY_BYTES + 4096, '--event-file'));
  let event: LogEvent;
  try {
    event = JSON.parse(text) as LogEvent;
  } catch {
    throw new UsageError(
      'the event is not valid JSON; give an object such as {"type":"sign","subjectDigest":"sha256:…"}',
    );
  }
  try {
    canonicalEvent(event);
  } catch (err) {
    if (err instanceof ParseError || err instanceof LimitError)
      throw new UsageError(`the event is not valid: ${err.message}`);
    throw err;
  }
  const log = await openLog(logDir(io, dir));
  const r = await log.append(event);
  if (opts.format === 'json') await writeStream(io.stdout, json(r));
  else await writeStream(io.stdout, `appended entry ${r.index} (leaf ${r.leafHash}); log size ${r.size}\n`);
  return ExitCode.Clean;
}

export async function logCheckpoint(
  dir: string,
  opts: { output?: string; save: boolean; format: Format },
  io: CliIo,
): Promise<number> {
  if (opts.output !== undefined) await checkOutputPath(opts.output, io.cwd);
  const log = await openLog(logDir(io, dir));
  const cp = await log.checkpoint({ save: opts.save });
  if (opts.output !== undefined) await writeFileAtomic(path.resolve(io.cwd, opts.output), cp.note);
  if (opts.format === 'json') await writeStream(io.stdout, json(cp));
  else if (opts.output === undefined) await writeStream(io.stdout, cp.note);
  else await writeStream(io.stdout, `wrote checkpoint of size ${cp.size} to ${safeText(opts.output)}\n`);
  return ExitCode.Clean;
}

export async function logProve(
  dir: string,
  opts: { index?: string; size?: string; format: Format },
  io: CliIo,
): Promise<number> {
  const index = count('--index', opts.index, 0);
  if (index === undefined) throw new UsageError('--index N is required');
  const log = await openLog(logDir(io, dir));
  const p = log.proveInclusion(index, count('--size', opts.size, 1));
  if (opts.format === 'json') await writeStream(io.stdout, json(p));
  else
    await writeStream(
      io.stdout,
      `inclusion proof: entry ${p.index} in tree size ${p.treeSize} of ${p.origin}\n` +
        `leaf hash: ${p.leafHash}\nroot:      ${p.root}\n` +
        p.proof.map((h, i) => `proof[${i}]: ${h}\n`).join(''),
    );
  return ExitCode.Clean;
}

export async function logConsistency(
  dir: string,
  opts: { from?: string; to?: string; format: Format },
  io: CliIo,
): Promise<number> {
  const from = count('--from', opts.from, 1);
  if (from === undefined) throw new UsageError('--from N is required');
  const log = await openLog(logDir(io, dir));
  const p = log.proveConsistency(from, count('--to', opts.to, 1));
  if (opts.format === 'json') await writeStream(io.stdout, json(p));
  else
    await writeStream(
      io.stdout,
      `consistency proof: size ${p.size1} -> ${p.size2} of ${p.origin}\nroot ${p.size1}: ${p.root1}\nroot ${p.size2}: ${p.root2}\n` +
        p.proof.map((h, i) => `proof[${i}]: ${h}\n`).join(''),
    );
  return ExitCode.Clean;
}

export async function logVerify(
  dir: string,
  opts: { checkpoint: string[]; key?: string; format: Format },
  io: CliIo,
): Promise<number> {
  if (opts.key !== undefined) {
    try {
      parseVerifierKey(opts.key);
    } catch (err) {
      throw new UsageError(`--key: ${(err as Error).message}`);
    }
  }
  const checkpoints = [];
  for (const f of opts.checkpoint)
    checkpoints.push({ source: f, note: await readBounded(f, io.cwd, MAX_NOTE_BYTES, '--checkpoint') });
  const log = await openLog(logDir(io, dir));
  const report: VerifyReport = await log.verify({ checkpoints, verifierKey: opts.key });
  if (opts.format === 'json') await writeStream(io.stdout, json({ ok: true, ...report }));
  else {
    const lines = [`OK  log ${report.origin}: ${report.size} entries, root ${report.root}`];
    for (const c of report.checkpoints)
      lines.push(`OK  consistent with checkpoint ${safeText(c.source)} (size ${c.size})`);
    for (const t of report.recovery)
      lines.push(
        `note: ${t.file} has ${t.foundBytes - t.publishedBytes} bytes past the published log (an interrupted append; ignored, removed by the next append)`,
      );
    if (opts.key === undefined)
      lines.push(
        `note: signatures checked with the key in log.json; pin the key with --key ${report.verifierKey}`,
      );
    await writeStream(io.stdout, `${lines.join('\n')}\n`);
  }
  return ExitCode.Clean;
}

export async function logShow(
  dir: string,
  opts: { index?: string; format: Format },
  io: CliIo,
): Promise<number> {
  const log: TransparencyLog = await openLog(logDir(io, dir));
  const index = count('--index', opts.index, 0);
  if (index !== undefined) {
    const e = log.entry(index);
    await writeStream(
      io.stdout,
      opts.format === 'json' ? json(e) : `entry ${e.index} (leaf ${e.leafHash})\n${json(e.event)}`,
    );
    return ExitCode.Clean;
  }
  const cp = log.currentCheckpoint();
  const summary = {
    dir: log.dir,
    origin: log.origin,
    size: cp.size,
    root: cp.root.toString('base64'),
    verifierKey: log.verifierKey,
    recovery: log.recovery,
  };
  if (opts.format === 'json') await writeStream(io.stdout, json(summary));
  else
    await writeStream(
      io.stdout,
      `log ${summary.origin}\nentries: ${summary.size}\nroot: ${summary.root}\nverifier key: ${summary.verifierKey}\n` +
        (summary.recovery.length > 0
          ? 'note: an interrupted append left bytes past the published log (ignored)\n'
          : ''),
    );
  return ExitCode.Clean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** `bulwark log …`: the local append-only transparency log (docs/cli/log.md). */
export const registerLog: RegisterCommand = (program: Command, ctx) => {
  const log = program
    .command('log')
    .description(
      'local append-only transparency log of signing and attestation events (RFC 9162, signed checkpoints)',
    );
  const run = (format: Format, fn: () => Promise<number>) => guarded(ctx.io, format, fn).then(ctx.setExit);

  log
    .command('init')
    .description('create a log in DIR with a new Ed25519 key pair; prints the verifier key')
    .argument('<dir>', 'log directory (created if missing; must not hold a log)')
    .option(
      '--origin <name>',
      'log origin and key name, e.g. example.com/models (default: bulwark.local/log-<random>)',
    )
    .addOption(formatOption())
    .action((dir: string, o: { origin?: string; format: Format }) =>
      run(o.format, () => logInit(dir, o, ctx.io)),
    );

  log
    .command('append')
    .description('append one event (JSON object) to the log')
    .argument('<dir>', 'log directory')
    .option('--event <json>', 'the event, e.g. \'{"type":"sign","subjectDigest":"sha256:…"}\'')
    .option('--event-file <file>', 'read the event from FILE')
    .addOption(formatOption())
    .action((dir: string, o: { event?: string; eventFile?: string; format: Format }) =>
      run(o.format, () => logAppend(dir, o, ctx.io)),
    );

  log
    .command('checkpoint')
    .description('print the signed checkpoint (C2SP signed note) and save a copy in the log')
    .argument('<dir>', 'log directory')
    .option('-o, --output <file>', 'also write the checkpoint to FILE (keep it outside the log)')
    .option('--no-save', 'do not keep a copy under DIR/checkpoints/')
    .addOption(formatOption())
    .action((dir: string, o: { output?: string; save: boolean; format: Format }) =>
      run(o.format, () => logCheckpoint(dir, o, ctx.io)),
    );

  log
    .command('prove')
    .description('inclusion proof of entry N in the tree of size M (default: current size)')
    .argument('<dir>', 'log directory')
    .option('--index <n>', 'entry index (from 0)')
    .option('--size <m>', 'tree size (default: the current size)')
    .addOption(formatOption())
    .action((dir: string, o: { index?: string; size?: string; format: Format }) =>
      run(o.format, () => logProve(dir, o, ctx.io)),
    );

  log
    .command('consistency')
    .description('consistency proof from tree size N to M (default: current size)')
    .argument('<dir>', 'log directory')
    .option('--from <n>', 'old tree size (>= 1)')
    .option('--to <m>', 'new tree size (default: the current size)')
    .addOption(formatOption())
    .action((dir: string, o: { from?: string; to?: string; format: Format }) =>
      run(o.format, () => logConsistency(dir, o, ctx.io)),
    );

  log
    .command('verify')
    .description('recompute the whole log and check it against its signed checkpoint and older checkpoints')
    .argument('<dir>', 'log directory')
    .option(
      '--checkpoint <file>',
      'a checkpoint saved earlier (repeatable); the log must extend it',
      collect,
      [],
    )
    .option(
      '--key <verifier-key>',
      'verifier key to check signatures with (pins the key instead of log.json)',
    )
    .addOption(formatOption())
    .action((dir: string, o: { checkpoint: string[]; key?: string; format: Format }) =>
      run(o.format, () => logVerify(dir, o, ctx.io)),
    );

  log
    .command('show')
    .description('show the log summary, or entry N')
    .argument('<dir>', 'log directory')
    .option('--index <n>', 'entry index (from 0)')
    .addOption(formatOption())
    .action((dir: string, o: { index?: string; format: Format }) =>
      run(o.format, () => logShow(dir, o, ctx.io)),
    );
};
