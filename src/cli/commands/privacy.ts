import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { BulwarkError, ParseError, UsageError } from '../../core/errors.js';
import type { Finding } from '../../core/finding.js';
import { makeFinding } from '../../core/rules.js';
import { atLeast, SEVERITIES, type Severity } from '../../core/severity.js';
import { readTable, type Cell, type Table } from '../../trust/data/table.js';
import {
  kAnonymity,
  parseHierarchy,
  type KAnonResult,
  type QuasiIdentifier,
} from '../../trust/privacy/kanon.js';
import {
  searchKAnonymity,
  type KAnonSearchResult,
  type LatticeNode,
} from '../../trust/privacy/kanon-search.js';
import { leakageVerdict, membershipMetrics, type MembershipMetrics } from '../../trust/privacy/membership.js';
import { modelLosses } from '../../trust/privacy/model-scores.js';
import { REDACT_MODES, type RedactMode } from '../../trust/privacy/pii.js';
import { PRIV_KANON, PRIV_LDIV, PRIV_MEMBERSHIP, PRIVACY_FRAMEWORKS } from '../../trust/privacy/rules.js';
import { scanPiiFile, type PiiInputFormat, type PiiScanReport } from '../../trust/privacy/scan.js';
import { ExitCode } from '../exit-codes.js';
import { checkOutputPath, writeFileAtomic, writeStream, type CliIo } from '../io.js';
import type { RegisterCommand } from './index.js';
import { boundedNumber, collect } from '../options.js';

type Format = 'text' | 'json';

interface CommonOptions {
  format: Format;
  output?: string;
  failOn: Severity;
}

export interface PiiCommandOptions extends CommonOptions {
  entities?: string;
  contextWindow?: string;
  minScore?: string;
  redact?: string;
  redactMode: RedactMode;
  salt?: string;
  secrets: boolean;
  inputFormat?: PiiInputFormat;
  delimiter?: string;
  maxRows?: string;
  maxLine?: string;
}

export interface KanonCommandOptions extends CommonOptions {
  qi: string[];
  sensitive?: string;
  k?: string;
  l?: string;
  t?: string;
  tDistance?: 'equal' | 'ordered';
  riskThreshold?: string;
  delimiter?: string;
  hierarchyDelimiter?: string;
  suppressionLimit?: string;
  search?: boolean;
}

export interface MembershipCommandOptions extends CommonOptions {
  members?: string;
  nonMembers?: string;
  data?: string;
  membershipColumn?: string;
  scoreColumn?: string;
  model?: string;
  features?: string;
  labelColumn?: string;
  higherIsMember: boolean;
  minAuc?: string;
  bootstrap?: string;
  seed?: string;
}

async function emit(io: CliIo, opts: CommonOptions, json: unknown, text: string): Promise<void> {
  const out = opts.format === 'json' ? `${JSON.stringify(json, null, 2)}\n` : text;
  if (opts.output) await writeFileAtomic(path.resolve(io.cwd, opts.output), out);
  else await writeStream(io.stdout, out);
}

function exitFor(findings: Finding[], failOn: Severity): number {
  return findings.some((f) => atLeast(f.severity, failOn)) ? ExitCode.Findings : ExitCode.Clean;
}

function findingLines(findings: Finding[]): string[] {
  if (findings.length === 0) return ['No findings.'];
  return [
    'Findings:',
    ...findings.map((f) => `  ${f.severity.toUpperCase().padEnd(8)} ${f.ruleId}  ${f.message}`),
  ];
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

// ---------------------------------------------------------------------------------------------- pii

/** `bulwark privacy pii DATA`: PII and secrets in a dataset, with optional redacted copy. */
export async function privacyPiiCommand(data: string, opts: PiiCommandOptions, io: CliIo): Promise<number> {
  if (opts.output) await checkOutputPath(opts.output, io.cwd);
  if (opts.redact) await checkOutputPath(opts.redact, io.cwd);
  const salt = opts.salt ?? io.env.BULWARK_REDACT_SALT;
  const report = await scanPiiFile(path.resolve(io.cwd, data), {
    displayName: data,
    ...(opts.entities ? { entities: opts.entities.split(',') } : {}),
    ...(opts.contextWindow !== undefined
      ? {
          contextWindow: boundedNumber('--context-window', opts.contextWindow, {
            int: true,
            min: 0,
            max: 50,
          }),
        }
      : {}),
    ...(opts.minScore !== undefined
      ? { minScore: boundedNumber('--min-score', opts.minScore, { min: 0, max: 1 }) }
      : {}),
    ...(opts.redact ? { redactTo: path.resolve(io.cwd, opts.redact), redactMode: opts.redactMode } : {}),
    ...(salt ? { salt } : {}),
    secrets: opts.secrets,
    ...(opts.inputFormat ? { format: opts.inputFormat } : {}),
    ...(opts.delimiter ? { delimiter: opts.delimiter } : {}),
    ...(opts.maxRows !== undefined
      ? { maxRows: boundedNumber('--max-rows', opts.maxRows, { int: true, min: 1 }) }
      : {}),
    ...(opts.maxLine !== undefined
      ? { maxLineChars: boundedNumber('--max-line', opts.maxLine, { int: true, min: 256 }) }
      : {}),
  });
  if (report.redacted) report.redacted.file = opts.redact!;
  await emit(io, opts, { command: 'privacy pii', ...report }, piiText(report));
  return exitFor(report.findings, opts.failOn);
}

export function piiText(r: PiiScanReport): string {
  const lines = [
    `PII scan of ${r.file} (${r.format}, ${r.rows} ${r.format === 'text' ? 'lines' : 'rows'}, ${r.entities.length} entity types, min score ${r.minScore})`,
  ];
  const types = Object.entries(r.counts).sort((a, b) => b[1].matches - a[1].matches);
  if (types.length === 0) lines.push('', 'No PII or secrets found.');
  else {
    lines.push(
      '',
      `${'ENTITY'.padEnd(22)} ${'KIND'.padEnd(6)} ${'MATCHES'.padStart(8)} ${'ROWS'.padStart(8)}`,
    );
    for (const [e, c] of types)
      lines.push(
        `${e.padEnd(22)} ${c.kind.padEnd(6)} ${String(c.matches).padStart(8)} ${String(c.rows).padStart(8)}`,
      );
    lines.push(
      `Rows with PII or secrets: ${r.rowsWithPii} of ${r.rows} (${pct(r.rows ? r.rowsWithPii / r.rows : 0)})`,
    );
  }
  const cols = (r.columns ?? []).filter((c) => c.rowsWithPii > 0);
  if (cols.length) {
    lines.push('', 'Columns with PII:');
    for (const c of cols) {
      const ents = Object.entries(c.entities)
        .map(([e, n]) => `${e}×${n}`)
        .join(', ');
      const samples = c.samples.map((s) => s.preview).join(', ');
      lines.push(
        `  ${c.column}: ${c.rowsWithPii}/${r.rows} rows (${pct(c.share)})  ${ents}  e.g. ${samples}`,
      );
    }
  }
  if (r.longLines) lines.push('', `${r.longLines} over-long line(s) were analysed in pieces.`);
  if (r.redacted)
    lines.push(
      '',
      `Redacted copy: ${r.redacted.file} (${r.redacted.mode}, ${r.redacted.replacements} replacements)`,
    );
  lines.push('', ...findingLines(r.findings));
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------- kanon

/** Parses `COL`, `COL=HIER.csv` or `COL=HIER.csv:LEVEL`. */
export function parseQiSpec(spec: string): { column: string; hierarchy?: string; level: number } {
  const eq = spec.indexOf('=');
  if (eq === 0) throw new UsageError(`--qi ${JSON.stringify(spec)}: give COLUMN[=HIERARCHY.csv[:LEVEL]]`);
  if (eq < 0) return { column: spec, level: 0 };
  const column = spec.slice(0, eq);
  let rest = spec.slice(eq + 1);
  let level = 0;
  const m = /:(\d+)$/.exec(rest);
  if (m) {
    level = Number(m[1]);
    rest = rest.slice(0, m.index);
  }
  if (!rest) throw new UsageError(`--qi ${JSON.stringify(spec)}: the hierarchy file is missing after '='`);
  return { column, hierarchy: rest, level };
}

export async function privacyKanonCommand(
  data: string,
  opts: KanonCommandOptions,
  io: CliIo,
): Promise<number> {
  if (opts.output) await checkOutputPath(opts.output, io.cwd);
  if (opts.qi.length === 0) throw new UsageError('give at least one --qi COLUMN[=HIERARCHY.csv[:LEVEL]]');
  const qis: QuasiIdentifier[] = [];
  for (const spec of opts.qi) {
    const q = parseQiSpec(spec);
    const qi: QuasiIdentifier = { column: q.column, level: q.level };
    if (q.hierarchy) {
      let text: string;
      try {
        text = await readFile(path.resolve(io.cwd, q.hierarchy), 'utf8');
      } catch {
        throw new BulwarkError(
          'E_NOT_FOUND',
          `hierarchy ${JSON.stringify(q.hierarchy)} cannot be read; check the path`,
        );
      }
      qi.hierarchy = parseHierarchy(text, { delimiter: opts.hierarchyDelimiter ?? ';', name: q.hierarchy });
    } else if (q.level > 0) throw new UsageError(`--qi ${spec}: a level above 0 needs a hierarchy file`);
    qis.push(qi);
  }
  const columns = [...new Set([...qis.map((q) => q.column), ...(opts.sensitive ? [opts.sensitive] : [])])];
  const table = await readTable(path.resolve(io.cwd, data), {
    columns,
    ...(opts.delimiter ? { delimiter: opts.delimiter } : {}),
  });
  const checkL = opts.l !== undefined;
  const checkT = opts.t !== undefined;
  const k = boundedNumber('--k', opts.k, { int: true, min: 1 }) ?? 2;
  const suppressionLimit =
    boundedNumber('--suppression-limit', opts.suppressionLimit, { min: 0, max: 1 }) ?? 0;
  if (opts.search && !qis.some((q) => q.hierarchy))
    throw new UsageError('--search needs at least one --qi COLUMN=HIERARCHY.csv to generalise');
  const result = kAnonymity(table, qis, {
    k,
    suppressionLimit,
    ...(opts.sensitive ? { sensitive: opts.sensitive } : {}),
    ...(checkL ? { l: boundedNumber('--l', opts.l, { int: true, min: 1 }) } : {}),
    ...(checkT ? { t: boundedNumber('--t', opts.t, { min: 0, max: 1 }) } : {}),
    ...(opts.tDistance ? { tDistance: opts.tDistance } : {}),
    ...(opts.riskThreshold !== undefined
      ? { riskThreshold: boundedNumber('--risk-threshold', opts.riskThreshold, { min: 0, max: 1 }) }
      : {}),
  });
  if ((checkL || checkT) && !opts.sensitive) throw new UsageError('--l and --t need --sensitive COLUMN');
  const search = opts.search ? searchKAnonymity(table, qis, { k, suppressionLimit }) : undefined;
  const findings = kanonFindings(data, result, { checkL, checkT }, search);
  await emit(
    io,
    opts,
    { command: 'privacy kanon', file: data, ...result, ...(search ? { search } : {}), findings },
    kanonText(data, result, findings, search),
  );
  return exitFor(findings, opts.failOn);
}

/** `column@level, …` of a lattice node. */
function nodeLabel(search: KAnonSearchResult, n: LatticeNode): string {
  return n.levels.map((l, c) => `${search.quasiIdentifiers[c].column}@${l}`).join(', ');
}

export function kanonFindings(
  file: string,
  r: KAnonResult,
  check: { checkL: boolean; checkT: boolean },
  search?: KAnonSearchResult,
): Finding[] {
  const out: Finding[] = [];
  const qi = r.quasiIdentifiers.map((q) => `${q.column}@${q.level}`).join(', ');
  const suppression =
    r.suppressionLimit > 0 ? ` (more than the ${pct(r.suppressionLimit)} that may be suppressed)` : '';
  const advice = !search
    ? ''
    : search.best
      ? `; generalising to {${nodeLabel(search, search.best)}} reaches k = ${r.kTarget}${search.best.suppressed ? ` with ${search.best.suppressed} records suppressed` : ''}`
      : `; no generalisation in the hierarchies reaches k = ${r.kTarget}${r.suppressionLimit > 0 ? ` within the suppression limit` : ''}`;
  if (!r.satisfied)
    out.push(
      makeFinding(PRIV_KANON, {
        message: `k = ${r.k} < ${r.kTarget} on {${qi}}: ${r.violatingClasses} of ${r.classes} classes (${r.violatingRecords} records) are too small${suppression}, ${r.singletons} singletons; highest prosecutor risk ${r.risk.highest.toFixed(3)}${advice}`,
        location: { file },
        evidence: {
          k: r.k,
          kTarget: r.kTarget,
          suppressionLimit: r.suppressionLimit,
          ...(search ? { recommendation: search.best } : {}),
          classes: r.classes,
          singletons: r.singletons,
          violatingClasses: r.violatingClasses,
          violatingRecords: r.violatingRecords,
          risk: r.risk,
          quasiIdentifiers: r.quasiIdentifiers,
          violations: r.violations.slice(0, 20),
          frameworks: PRIVACY_FRAMEWORKS,
        },
      }),
    );
  const s = r.sensitive;
  if (s && ((check.checkL && s.lViolatingClasses > 0) || (check.checkT && s.tViolatingClasses > 0))) {
    const parts = [];
    if (check.checkL && s.lViolatingClasses > 0)
      parts.push(`distinct ℓ = ${s.distinctL} < ${s.lTarget} in ${s.lViolatingClasses} classes`);
    if (check.checkT && s.tViolatingClasses > 0)
      parts.push(
        `t = ${s.t.toFixed(3)} > ${s.tTarget} in ${s.tViolatingClasses} classes (${s.tDistance} distance)`,
      );
    out.push(
      makeFinding(PRIV_LDIV, {
        message: `sensitive attribute ${s.column}: ${parts.join('; ')}`,
        location: { file },
        evidence: {
          sensitive: s.column,
          distinctL: s.distinctL,
          entropyL: s.entropyL,
          lTarget: check.checkL ? s.lTarget : null,
          t: s.t,
          tTarget: check.checkT ? s.tTarget : null,
          tDistance: s.tDistance,
          violations: s.violations.slice(0, 20),
          frameworks: PRIVACY_FRAMEWORKS,
        },
      }),
    );
  }
  return out;
}

export function kanonText(
  file: string,
  r: KAnonResult,
  findings: Finding[],
  search?: KAnonSearchResult,
): string {
  const lines = [
    `k-anonymity of ${file}: ${r.rows} records, quasi-identifiers ${r.quasiIdentifiers.map((q) => `${q.column}@${q.level}`).join(', ')}`,
    '',
    `  equivalence classes  ${r.classes}`,
    `  k (smallest class)   ${r.k}   (target ${r.kTarget})`,
    `  singletons           ${r.singletons}`,
    `  classes below k      ${r.violatingClasses} (${r.violatingRecords} records)`,
    ...(r.suppressionLimit > 0
      ? [
          `  suppression          limit ${pct(r.suppressionLimit)}: ${r.satisfied ? `k = ${r.kAfterSuppression} after suppressing ${r.violatingRecords} records` : 'not enough'}`,
        ]
      : []),
    `  prosecutor risk      highest ${r.risk.highest.toFixed(4)}, average ${r.risk.average.toFixed(4)}, records at risk (> ${r.risk.threshold}) ${r.risk.recordsAtRisk} (${pct(r.risk.shareAtRisk)})`,
  ];
  if (r.sensitive) {
    const s = r.sensitive;
    lines.push(
      `  ℓ-diversity (${s.column})  distinct ${s.distinctL}, entropy ${s.entropyL.toFixed(3)}`,
      `  t-closeness (${s.column})  t = ${s.t.toFixed(4)} (${s.tDistance} distance)`,
    );
  }
  if (r.violations.length) {
    lines.push(
      '',
      `Smallest classes below k (${Math.min(10, r.violations.length)} of ${r.violatingClasses}):`,
    );
    for (const v of r.violations.slice(0, 10)) lines.push(`  size ${v.size}: ${v.values.join(' | ')}`);
  }
  if (search) {
    lines.push(
      '',
      `Generalisation search (k = ${search.kTarget}, suppression up to ${pct(search.suppressionLimit)}): ${search.nodes} nodes, ${search.satisfying} reach k`,
    );
    if (!search.best) lines.push('  none: no combination of hierarchy levels reaches k');
    for (const n of search.minimal.slice(0, 10))
      lines.push(
        `  ${n === search.best ? 'best ' : '     '} {${nodeLabel(search, n)}}  loss ${n.loss.toFixed(3)}, ${n.classes} classes, ${n.suppressed} records suppressed, then k = ${n.kAfterSuppression}`,
      );
  }
  lines.push('', ...findingLines(findings));
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------- membership

function scores(values: Cell[], column: string, file: string): number[] {
  return values.map((v, i) => {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (!Number.isFinite(n))
      throw new ParseError(
        `${file}: row ${i + 1} of ${column} is not a finite number; every score must be numeric`,
      );
    return n;
  });
}

function isMember(v: Cell, i: number, column: string, file: string): boolean {
  const s = String(v).trim().toLowerCase();
  if (['1', 'true', 'member', 'in', 'yes', 'train'].includes(s)) return true;
  if (['0', 'false', 'non-member', 'nonmember', 'out', 'no', 'test'].includes(s)) return false;
  throw new ParseError(
    `${file}: row ${i + 1} of ${column} is not a membership label; use 1/0, true/false or member/non-member`,
  );
}

export async function privacyMembershipCommand(opts: MembershipCommandOptions, io: CliIo): Promise<number> {
  if (opts.output) await checkOutputPath(opts.output, io.cwd);
  if (opts.model !== undefined) {
    if (opts.scoreColumn !== undefined)
      throw new UsageError('give either --score-column or --model, not both');
    if (!opts.labelColumn)
      throw new UsageError('--model needs --label-column COLUMN (the true label of each sample)');
    if (opts.higherIsMember)
      throw new UsageError('--model scores samples by loss (lower = member); drop --higher-is-member');
  } else if (opts.scoreColumn === undefined)
    throw new UsageError('give --score-column COLUMN, or --model MODEL.onnx --label-column COLUMN');
  const model = opts.model !== undefined ? path.resolve(io.cwd, opts.model) : undefined;
  /** Scores of one table: the score column, or the model's per-sample losses. */
  const tableScores = async (file: string, extra: string[] = []): Promise<{ s: number[]; t: Table }> => {
    const abs = path.resolve(io.cwd, file);
    if (model) {
      const t = await readTable(abs);
      return {
        s: await modelLosses(model, t, {
          labelColumn: opts.labelColumn!,
          ...(opts.features !== undefined ? { features: path.resolve(io.cwd, opts.features) } : {}),
        }),
        t,
      };
    }
    const t = await readTable(abs, { columns: [opts.scoreColumn!, ...extra] });
    return { s: scores(t.column(opts.scoreColumn!), opts.scoreColumn!, file), t };
  };
  let members: number[];
  let nonMembers: number[];
  let source: string;
  if (opts.data) {
    if (opts.members || opts.nonMembers)
      throw new UsageError('give either --data or --members/--non-members, not both');
    if (!opts.membershipColumn) throw new UsageError('--data needs --membership-column COLUMN');
    const { s, t } = await tableScores(opts.data, [opts.membershipColumn]);
    const m = t
      .column(opts.membershipColumn)
      .map((v, i) => isMember(v, i, opts.membershipColumn!, opts.data!));
    members = s.filter((_, i) => m[i]);
    nonMembers = s.filter((_, i) => !m[i]);
    source = opts.data;
  } else {
    if (!opts.members || !opts.nonMembers)
      throw new UsageError(
        'give --members FILE and --non-members FILE (or --data FILE --membership-column COLUMN)',
      );
    members = (await tableScores(opts.members)).s;
    nonMembers = (await tableScores(opts.nonMembers)).s;
    source = opts.members;
  }
  if (members.length === 0 || nonMembers.length === 0)
    throw new UsageError(
      `need at least one member and one non-member score (got ${members.length} and ${nonMembers.length})`,
    );
  const metrics = membershipMetrics(members, nonMembers, {
    higherIsMember: model ? false : opts.higherIsMember,
    ...(opts.bootstrap !== undefined
      ? { bootstrap: boundedNumber('--bootstrap', opts.bootstrap, { int: true, min: 0, max: 100000 }) }
      : {}),
    ...(opts.seed !== undefined ? { seed: boundedNumber('--seed', opts.seed, { int: true, min: 0 }) } : {}),
  });
  const minAuc = boundedNumber('--min-auc', opts.minAuc, { min: 0.5, max: 1 }) ?? 0.6;
  const verdict = leakageVerdict(metrics, { minAuc });
  const findings: Finding[] = verdict.leaking
    ? [
        makeFinding(PRIV_MEMBERSHIP, {
          message: `membership inference: ${verdict.reasons.join('; ')} (${metrics.members} members, ${metrics.nonMembers} non-members)`,
          location: { file: source },
          evidence: {
            auc: metrics.auc,
            tprAtFpr: metrics.tprAtFpr,
            advantage: metrics.advantage,
            reasons: verdict.reasons,
            ...(metrics.aucCi ? { aucCi: metrics.aucCi } : {}),
            frameworks: PRIVACY_FRAMEWORKS,
          },
        }),
      ]
    : [];
  await emit(
    io,
    opts,
    {
      command: 'privacy membership',
      ...metrics,
      leaking: verdict.leaking,
      reasons: verdict.reasons,
      findings,
    },
    membershipText(metrics, findings),
  );
  return exitFor(findings, opts.failOn);
}

export function membershipText(m: MembershipMetrics, findings: Finding[]): string {
  const lines = [
    `Membership-inference threshold attack: ${m.members} members, ${m.nonMembers} non-members (${m.higherIsMember ? 'higher' : 'lower'} score = member)`,
    '',
    `  ROC AUC              ${m.auc.toFixed(4)}${m.aucCi ? ` (${m.aucCi.level * 100}% CI ${m.aucCi.low.toFixed(4)}–${m.aucCi.high.toFixed(4)})` : ''}`,
    ...m.tprAtFpr.map(
      (t) =>
        `  TPR at ${`${t.fpr * 100}% FPR`.padEnd(13)} ${(t.tpr * 100).toFixed(2)}%${t.measurable ? '' : ' (too few non-members to measure)'}`,
    ),
    `  attack advantage     ${m.advantage.toFixed(4)} (balanced accuracy ${(m.bestAccuracy * 100).toFixed(1)}%)`,
    '',
    ...findingLines(findings),
  ];
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------- registration

function common(cmd: Command, failOnDefault: Severity): Command {
  return cmd
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('-o, --output <file>', 'write the report to FILE (atomically) instead of standard output')
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when a finding is at or above SEVERITY')
        .choices(SEVERITIES)
        .default(failOnDefault),
    );
}

export const registerPrivacy: RegisterCommand = (program, ctx) => {
  const privacy = program
    .command('privacy')
    .description('privacy checks of datasets and models: PII and secrets, k-anonymity, membership inference');

  common(
    privacy
      .command('pii')
      .description(
        'find PII and secrets in a CSV, JSONL, Parquet or text file; optionally write a redacted copy',
      )
      .argument('<data>', 'dataset file'),
    'medium',
  )
    .option(
      '--entities <list>',
      'comma-separated entity types to report (default: all built-in; PERSON,LOCATION are opt-in)',
    )
    .option('--context-window <n>', 'words before a match searched for context words (default 5)')
    .option('--min-score <s>', 'report matches scoring at least S, 0–1 (default 0.5)')
    .option('--redact <out>', 'write a copy with PII and secrets replaced to OUT (atomically, same format)')
    .addOption(
      new Option('--redact-mode <mode>', 'replacement style').choices(REDACT_MODES).default('replace'),
    )
    .option('--salt <salt>', 'salt for --redact-mode hash (default: $BULWARK_REDACT_SALT)')
    .option('--no-secrets', 'do not look for API keys, tokens and private keys')
    .addOption(
      new Option('--input-format <format>', 'input format (default: from the extension)').choices([
        'csv',
        'jsonl',
        'parquet',
        'text',
      ]),
    )
    .option('--delimiter <char>', 'CSV delimiter (default: sniffed from the header)')
    .option('--max-rows <n>', 'scan at most N rows or lines')
    .option('--max-line <chars>', 'longest line/record in characters (default 1048576)')
    .action(async (data: string, opts: PiiCommandOptions) => {
      ctx.setExit(await privacyPiiCommand(data, opts, ctx.io));
    });

  common(
    privacy
      .command('kanon')
      .description('k-anonymity, ℓ-diversity, t-closeness and re-identification risk of a table')
      .argument('<data>', 'CSV, JSONL or Parquet table'),
    'low',
  )
    .option(
      '--qi <spec>',
      'quasi-identifier COLUMN[=HIERARCHY.csv[:LEVEL]] (repeatable; ARX hierarchy format)',
      collect,
      [],
    )
    .option('--sensitive <column>', 'sensitive attribute for ℓ-diversity and t-closeness')
    .option('--k <n>', 'target k (default 2)')
    .option('--l <n>', 'target distinct ℓ (checked only when given)')
    .option('--t <x>', 'target t, 0–1 (checked only when given)')
    .addOption(
      new Option('--t-distance <kind>', 'EMD ground distance (default: ordered for numeric values)').choices([
        'equal',
        'ordered',
      ]),
    )
    .option('--risk-threshold <x>', 'record risk above X counts as at risk (default 0.2)')
    .option('--delimiter <char>', 'CSV delimiter of the table (default: sniffed)')
    .option('--hierarchy-delimiter <char>', 'delimiter of the hierarchy files (default ;)')
    .option(
      '--suppression-limit <share>',
      'share of records that may be suppressed, 0–1: k holds when the records in too-small classes are at most this share (default 0)',
    )
    .option(
      '--search',
      'search the hierarchies for the generalisation levels that reach k with the least information loss',
    )
    .action(async (data: string, opts: KanonCommandOptions) => {
      ctx.setExit(await privacyKanonCommand(data, opts, ctx.io));
    });

  common(
    privacy
      .command('membership')
      .description('membership-inference audit from per-sample scores or losses of members and non-members'),
    'low',
  )
    .option('--members <file>', 'table of member (training) samples')
    .option('--non-members <file>', 'table of non-member samples')
    .option('--data <file>', 'one table with both, labelled by --membership-column')
    .option('--membership-column <column>', 'column with 1/0, true/false or member/non-member')
    .option('--score-column <column>', 'column with the per-sample score or loss')
    .option(
      '--model <file>',
      'instead of --score-column: run this ONNX binary classifier and use each sample’s loss',
    )
    .option(
      '--features <spec>',
      'feature spec JSON for --model (default: MODEL.features.json next to the model)',
    )
    .option('--label-column <column>', 'true label column, for --model')
    .option(
      '--higher-is-member',
      'higher scores mean member (confidences); default: lower means member (losses)',
      false,
    )
    .option('--min-auc <x>', 'AUC at or above X is leakage (default 0.6)')
    .option('--bootstrap <n>', 'bootstrap resamples for an AUC confidence interval (default 0)')
    .option('--seed <n>', 'bootstrap seed (default 1)')
    .action(async (opts: MembershipCommandOptions) => {
      ctx.setExit(await privacyMembershipCommand(opts, ctx.io));
    });
};
