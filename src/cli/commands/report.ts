import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Option } from 'commander';
import { BulwarkError, ParseError, UsageError } from '../../core/errors.js';
import type { EvidenceDocument } from '../../governance/evidence.js';
import { evaluateGate, type GateResult } from '../../governance/policy/gate.js';
import { BUILTIN_PACKS, loadPolicy, loadWaivers } from '../../governance/policy/load.js';
import { formatForFile, renderReport, REPORT_FORMATS, type ReportFormat } from '../../report/audit/write.js';
import { safeText } from '../../report/util.js';
import { ExitCode } from '../exit-codes.js';
import { checkOutputPath, writeFileAtomic, writeStream, type CliIo } from '../io.js';
import { readEvidence } from './gate.js';
import type { RegisterCommand } from './index.js';

const MAX_GATE_BYTES = 64 << 20;

export interface ReportCommandOptions {
  format?: string;
  policy?: string;
  waivers?: string;
  gate?: string;
  output?: string;
  generatedAt?: string;
}

/** Reads a gate result written by `bulwark gate --format json` and checks it is about this evidence's subject. */
export async function readGateResult(file: string, evidence: EvidenceDocument): Promise<GateResult> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    throw new BulwarkError(
      'E_NOT_FOUND',
      `gate result ${JSON.stringify(safeText(file))} does not exist; write one with 'bulwark gate EVIDENCE -p POLICY -f json -o FILE'`,
    );
  }
  if (size > MAX_GATE_BYTES)
    throw new ParseError(`gate result ${JSON.stringify(safeText(file))} is larger than 64 MiB`);
  let g: Partial<GateResult> | null;
  try {
    g = JSON.parse(await readFile(file, 'utf8')) as Partial<GateResult> | null;
  } catch (err) {
    throw new ParseError(
      `gate result ${JSON.stringify(safeText(file))} is not JSON (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  if (
    !g ||
    g.kind !== 'bulwark.gate-result' ||
    !Array.isArray(g.results) ||
    !g.subject ||
    !g.policy ||
    !g.counts
  )
    throw new ParseError(
      `${JSON.stringify(safeText(file))} is not a Bulwark gate result; write one with 'bulwark gate EVIDENCE -p POLICY -f json -o FILE'`,
    );
  const sameDigest = (g.subject.rootDigest ?? null) === (evidence.subject.rootDigest ?? null);
  if (!sameDigest || g.subject.name !== evidence.subject.name)
    throw new UsageError(
      `gate result ${JSON.stringify(safeText(file))} is about ${safeText(g.subject.name)} (${g.subject.rootDigest ?? 'no digest'}), not the evidence's ${safeText(evidence.subject.name)} (${evidence.subject.rootDigest ?? 'no digest'}); gate this evidence or use --policy`,
    );
  return g as GateResult;
}

function parseDate(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime()) || !/^\d{4}-\d\d-\d\d/.test(value))
    throw new UsageError(
      `--generated-at ${JSON.stringify(safeText(value))} is not a date; write an ISO timestamp such as 2026-12-01T00:00:00Z`,
    );
  return d;
}

/** `bulwark report EVIDENCE`: render an audit report (html, md, json, sarif, oscal) from an evidence document. */
export async function reportCommand(
  evidenceFile: string,
  opts: ReportCommandOptions,
  io: CliIo,
): Promise<number> {
  const resolve = (p: string) => path.resolve(io.cwd, p);
  if (opts.policy && opts.gate)
    throw new UsageError(
      'give either --policy (evaluate a gate now) or --gate (a gate result file), not both',
    );
  if (opts.waivers && !opts.policy) throw new UsageError('--waivers needs --policy');
  if (opts.output) await checkOutputPath(opts.output, io.cwd);
  let format: ReportFormat;
  if (opts.format) {
    if (!(REPORT_FORMATS as readonly string[]).includes(opts.format))
      throw new UsageError(
        `unknown format ${JSON.stringify(safeText(opts.format))}; use one of ${REPORT_FORMATS.join(', ')}`,
      );
    format = opts.format as ReportFormat;
  } else format = opts.output ? formatForFile(opts.output) : 'html';
  const generatedAt = parseDate(opts.generatedAt) ?? new Date();

  const evidence = await readEvidence(resolve(evidenceFile));
  let gate: GateResult | undefined;
  if (opts.gate) gate = await readGateResult(resolve(opts.gate), evidence);
  else if (opts.policy) {
    const ref = opts.policy;
    const policy = await loadPolicy(
      (BUILTIN_PACKS as readonly string[]).includes(ref) || ref.startsWith('builtin:') ? ref : resolve(ref),
    );
    const waivers = opts.waivers ? await loadWaivers(resolve(opts.waivers)) : [];
    // Evaluated as of the report's timestamp, so that a report holds one timestamp only.
    gate = evaluateGate(policy, evidence, { waivers, now: generatedAt });
  }
  const text = renderReport(evidence, gate, format, { generatedAt });
  if (opts.output) await writeFileAtomic(resolve(opts.output), text);
  else await writeStream(io.stdout, text);
  return ExitCode.Clean;
}

export const registerReport: RegisterCommand = (program, ctx) => {
  program
    .command('report')
    .description('render an audit report (HTML, Markdown, JSON, SARIF, OSCAL) from an evidence document')
    .argument('<evidence>', "evidence document written by 'bulwark audit'")
    .addOption(
      new Option(
        '-f, --format <format>',
        'report format (default: from the --output extension, else html)',
      ).choices([...REPORT_FORMATS]),
    )
    .option(
      '-p, --policy <policy>',
      `evaluate this policy (file or built-in: ${BUILTIN_PACKS.join(', ')}) and include the gate results`,
    )
    .option('-w, --waivers <file>', 'waiver file for --policy')
    .option('--gate <file>', "include a gate result written by 'bulwark gate -f json'")
    .option('-o, --output <file>', 'write the report to FILE (atomically) instead of standard output')
    .option('--generated-at <iso>', 'the report timestamp (default now); fixes it for reproducible reports')
    .action(async (evidenceFile: string, opts: ReportCommandOptions) => {
      ctx.setExit(await reportCommand(evidenceFile, opts, ctx.io));
    });
};
