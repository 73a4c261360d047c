import { Command, CommanderError, Option } from 'commander';
import { BulwarkError, errorMessage } from '../core/errors.js';
import { SEVERITIES, type Severity } from '../core/severity.js';
import { ISSUES_URL } from '../report/links.js';
import { rulesCommand } from './commands/rules.js';
import { FORMATS, scanCommand, type OutputFormat, type ScanFn } from './commands/scan.js';
import { ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { packageVersion } from './version.js';
import { COMMAND_MODULES, type CommandContext } from './commands/index.js';

/** Names of every subcommand, filled when the program is built (used in usage-error hints). */
const COMMANDS = new Set<string>(['scan', 'rules']);

export interface RunOverrides {
  /** Replaces the engine's scan (tests). */
  scan?: ScanFn;
}

/** Runs the CLI with `argv` (without node and script) and resolves to the process exit code. Never throws. */
export async function run(argv: string[], io: CliIo, overrides: RunOverrides = {}): Promise<number> {
  let exitCode: number = ExitCode.Clean;
  try {
    const program = await buildProgram(argv, io, overrides, (code) => {
      exitCode = code;
    });
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    return report(err, argv, io);
  }
}

async function buildProgram(
  argv: string[],
  io: CliIo,
  overrides: RunOverrides,
  setExit: (code: number) => void,
): Promise<Command> {
  const program = new Command('bulwark');
  program
    .description(
      'Bulwark: MLSecOps for machine-learning models: scan, sign, attest, audit, gate, test and guard them.',
    )
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // Errors are printed once, in our one-line format, by report().
      outputError: () => undefined,
    })
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `\nExit codes: 0 clean, 1 findings at/above --fail-on or a malicious file, 2 inconclusive or unreadable, 3 usage error, 4 internal error.`,
    );

  program
    .command('scan')
    .description('scan model files and directories (content sniffing, containers unpacked in memory)')
    .argument('<paths...>', 'files or directories to scan')
    .addOption(new Option('-f, --format <format>', 'output format').choices(FORMATS).default('text'))
    .option('-o, --output <file>', 'write the report to FILE (atomically) instead of standard output')
    .addOption(
      new Option(
        '--fail-on <severity>',
        'exit 1 when a finding is at or above SEVERITY (malicious files always fail) (default: "high", or scan.failOn from the config)',
      ).choices(SEVERITIES),
    )
    .option(
      '--include <glob>',
      'scan only files matching GLOB (repeatable; replaces scan.include)',
      collect,
      [],
    )
    .option(
      '--exclude <glob>',
      'leave out files matching GLOB (repeatable; added to scan.exclude)',
      collect,
      [],
    )
    .option('-c, --config <file>', 'config file (default: ./bulwark.yaml or ./.bulwark.yaml when present)')
    .option('--no-progress', 'no progress line on standard error')
    .option('-q, --quiet', 'no progress line; text output lists only files that need attention')
    .action(async (paths: string[], opts: Record<string, unknown>) => {
      setExit(
        await scanCommand(
          paths,
          {
            format: opts.format as OutputFormat,
            output: opts.output as string | undefined,
            failOn: opts.failOn as Severity | undefined,
            include: opts.include as string[],
            exclude: opts.exclude as string[],
            config: opts.config as string | undefined,
            progress: opts.progress !== false,
            quiet: opts.quiet === true,
          },
          io,
          overrides.scan,
        ),
      );
    });

  program
    .command('rules')
    .description('list the detection rules, or show one rule in full')
    .argument('[id]', 'rule id, e.g. BW-PICKLE-001')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (id: string | undefined, opts: { format: 'text' | 'json' }) => {
      setExit(await rulesCommand(id, opts, io));
    });

  // Load only the module of the command being run; everything for help, suggestions and unknown commands.
  const ctx: CommandContext = { io, setExit };
  const first = argv.find((a) => !a.startsWith('-'));
  const builtIn = first === 'scan' || first === 'rules';
  const wanted = COMMAND_MODULES.filter((m) => first !== undefined && m.names.includes(first));
  const modules = builtIn ? [] : wanted.length ? wanted : COMMAND_MODULES;
  for (const register of await Promise.all(modules.map((m) => m.load()))) register(program, ctx);
  for (const c of program.commands) COMMANDS.add(c.name());

  return program;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Turns any error into the one-line message and exit code documented in docs/exit-codes.md. */
function report(err: unknown, argv: string[], io: CliIo): number {
  const command = argv[0] !== undefined && COMMANDS.has(argv[0]) ? `bulwark ${argv[0]}` : 'bulwark';
  if (err instanceof CommanderError) {
    // --help and --version end through here with exit code 0; `bulwark` alone prints help and exits 1.
    if (err.exitCode === 0) return ExitCode.Clean;
    if (err.code === 'commander.help' || err.code === 'commander.helpDisplayed') return ExitCode.Usage;
    const what = err.message
      .replace(/^error: /, '')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .join(' ');
    io.stderr.write(`bulwark: error: ${what}; run '${command} --help' for usage\n`);
    return ExitCode.Usage;
  }
  if (err instanceof BulwarkError) {
    const usage = err.code === 'E_USAGE' || err.code === 'E_CONFIG' || err.code === 'E_NOT_FOUND';
    if (err.code !== 'E_INTERNAL') {
      io.stderr.write(`bulwark: error: ${oneLine(err.message)}\n`);
      debugStack(err, io);
      return usage ? ExitCode.Usage : ExitCode.Inconclusive;
    }
  }
  io.stderr.write(
    `bulwark: internal error: ${oneLine(errorMessage(err))}; please report this at ${ISSUES_URL}` +
      `${io.env.BULWARK_DEBUG === '1' ? '' : ' (set BULWARK_DEBUG=1 for a stack trace)'}\n`,
  );
  debugStack(err, io);
  return ExitCode.Internal;
}

function debugStack(err: unknown, io: CliIo): void {
  if (io.env.BULWARK_DEBUG === '1' && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
