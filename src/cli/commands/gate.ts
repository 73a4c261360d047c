import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Option } from 'commander';
import { BulwarkError, ParseError, UsageError } from '../../core/errors.js';
import { EVIDENCE_SCHEMA_VERSION, type EvidenceDocument } from '../../governance/evidence.js';
import { evaluateGate, gateText, type GateResult } from '../../governance/policy/gate.js';
import { BUILTIN_PACKS, builtinPackPath, loadPolicy, loadWaivers } from '../../governance/policy/load.js';
import { ExitCode } from '../exit-codes.js';
import { checkOutputPath, writeFileAtomic, writeStream, type CliIo } from '../io.js';
import type { RegisterCommand } from './index.js';

const MAX_EVIDENCE_BYTES = 256 << 20;

/** Reads an evidence document written by `bulwark audit`, checking its kind and schema version. */
export async function readEvidence(file: string): Promise<EvidenceDocument> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    throw new BulwarkError(
      'E_NOT_FOUND',
      `evidence ${JSON.stringify(file)} does not exist; run 'bulwark audit' to produce it`,
    );
  }
  if (size > MAX_EVIDENCE_BYTES)
    throw new ParseError(`evidence ${JSON.stringify(file)} is larger than 256 MiB`);
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new ParseError(
      `evidence ${JSON.stringify(file)} is not JSON (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  const d = doc as Partial<EvidenceDocument> | null;
  if (!d || d.kind !== 'bulwark.evidence' || !Array.isArray(d.checks) || !d.summary)
    throw new ParseError(
      `${JSON.stringify(file)} is not a Bulwark evidence document; produce one with 'bulwark audit PATH -o evidence.json'`,
    );
  if (String(d.schemaVersion).split('.')[0] !== EVIDENCE_SCHEMA_VERSION.split('.')[0])
    throw new ParseError(
      `evidence schema ${String(d.schemaVersion)} is not supported by this version (expects ${EVIDENCE_SCHEMA_VERSION})`,
    );
  return d as EvidenceDocument;
}

export function gateExitCode(g: GateResult): number {
  return g.outcome === 'fail'
    ? ExitCode.Findings
    : g.outcome === 'error'
      ? ExitCode.Inconclusive
      : ExitCode.Clean;
}

function parseNow(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime()))
    throw new UsageError(
      `--now ${JSON.stringify(value)} is not a date; write YYYY-MM-DD or an ISO timestamp`,
    );
  return d;
}

export const registerGate: RegisterCommand = (program, ctx) => {
  program
    .command('gate')
    .description('decide pass/fail for an evidence document against a policy (CEL rules, waivers)')
    .argument('<evidence>', "evidence document written by 'bulwark audit'")
    .requiredOption(
      '-p, --policy <policy>',
      `policy file (YAML) or built-in pack: ${BUILTIN_PACKS.join(', ')}`,
    )
    .option('-w, --waivers <file>', 'waiver file (YAML: waivers: [{rule, reason, approver, expires}])')
    .option('--now <date>', 'evaluate as of this date (waiver expiry), e.g. 2026-12-01')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('-o, --output <file>', 'write the result to FILE (atomically) instead of standard output')
    .action(async (evidenceFile: string, opts: Record<string, unknown>) => {
      ctx.setExit(await gateCommand(evidenceFile, opts, ctx.io));
    });

  const policy = program.command('policy').description('inspect and check gate policies');
  policy
    .command('check')
    .description('load a policy file and compile every expression; errors name the line')
    .argument('<files...>', 'policy files')
    .action(async (files: string[]) => {
      for (const f of files) {
        const p = await loadPolicy(path.resolve(ctx.io.cwd, f));
        await writeStream(
          ctx.io.stdout,
          `${f}: policy ${p.name}, ${p.rules.length} rules, ${p.waivers.length} waivers: OK\n`,
        );
      }
      ctx.setExit(ExitCode.Clean);
    });
  policy
    .command('show')
    .description('print a built-in policy pack (YAML), to copy and adapt')
    .argument('<name>', BUILTIN_PACKS.join(' | '))
    .action(async (name: string) => {
      if (!(BUILTIN_PACKS as readonly string[]).includes(name))
        throw new UsageError(
          `unknown built-in policy ${JSON.stringify(name)}; use one of ${BUILTIN_PACKS.join(', ')}`,
        );
      await writeStream(
        ctx.io.stdout,
        await readFile(builtinPackPath(name as (typeof BUILTIN_PACKS)[number]), 'utf8'),
      );
      ctx.setExit(ExitCode.Clean);
    });
};

export async function gateCommand(
  evidenceFile: string,
  opts: Record<string, unknown>,
  io: CliIo,
): Promise<number> {
  const output = opts.output as string | undefined;
  if (output) await checkOutputPath(output, io.cwd);
  const ref = opts.policy as string;
  const policy = await loadPolicy(
    (BUILTIN_PACKS as readonly string[]).includes(ref) || ref.startsWith('builtin:')
      ? ref
      : path.resolve(io.cwd, ref),
  );
  const waivers = opts.waivers ? await loadWaivers(path.resolve(io.cwd, opts.waivers as string)) : [];
  const doc = await readEvidence(path.resolve(io.cwd, evidenceFile));
  const now = parseNow(opts.now as string | undefined);
  const result = evaluateGate(policy, doc, { waivers, ...(now ? { now } : {}) });
  const text = opts.format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : gateText(result);
  if (output) await writeFileAtomic(path.resolve(io.cwd, output), text);
  else await writeStream(io.stdout, text);
  return gateExitCode(result);
}
