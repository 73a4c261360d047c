import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Option } from 'commander';
import { UsageError } from '../../core/errors.js';
import type { References } from '../../core/finding.js';
import { crosswalksFor, expandControls, type Crosswalk } from '../../governance/catalogs/crosswalks.js';
import {
  allCatalogs,
  CATALOG_DIR_ENV,
  FRAMEWORK_REFERENCE_KEYS,
  FRAMEWORKS,
  findEntry,
  frameworkKey,
  getCatalog,
  type CatalogOptions,
} from '../../governance/catalogs/index.js';
import {
  AtlasValidationError,
  diffCatalogs,
  importAtlasFile,
} from '../../governance/catalogs/import-atlas.js';
import { ATLAS } from '../../governance/catalogs/atlas.js';
import type { Catalog, CatalogEntry } from '../../governance/catalogs/types.js';
import { controlsForRule, familyDefaults } from '../../governance/mappings.js';
import { safeText } from '../../report/util.js';
import { ExitCode } from '../exit-codes.js';
import { checkOutputPath, writeFileAtomic, writeStream, type CliIo } from '../io.js';
import type { RegisterCommand } from './index.js';

const formatOption = () =>
  new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text');

function catalogOpts(io: CliIo): CatalogOptions {
  return { dir: io.env[CATALOG_DIR_ENV] ? path.resolve(io.cwd, io.env[CATALOG_DIR_ENV]!) : null };
}

/** Text output may hold names from an imported catalog: escape control characters line by line. */
function safeLines(text: string): string {
  return text.split('\n').map(safeText).join('\n');
}

async function emit(io: CliIo, text: string, output: string | undefined, json = false): Promise<void> {
  if (!json) text = safeLines(text);
  if (output) await writeFileAtomic(path.resolve(io.cwd, output), text);
  else await writeStream(io.stdout, text);
}

function plural(word: string): string {
  return word.endsWith('y') ? `${word.slice(0, -1)}ies` : `${word}s`;
}

function counts(c: Catalog): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of c.entries) out[e.kind] = (out[e.kind] ?? 0) + 1;
  return out;
}

export async function frameworksList(opts: { format?: string; output?: string }, io: CliIo): Promise<number> {
  if (opts.output) await checkOutputPath(opts.output, io.cwd);
  const cats = allCatalogs(catalogOpts(io));
  const rows = cats.map((c) => ({
    framework: c.framework,
    name: c.name,
    version: c.version,
    entries: c.entries.length,
    counts: counts(c),
    source: c.source,
  }));
  const text =
    opts.format === 'json'
      ? `${JSON.stringify({ catalogs: rows }, null, 2)}\n`
      : rows
          .map(
            (r) =>
              `${r.framework.padEnd(10)} ${r.version.padEnd(10)} ${r.name}\n${' '.repeat(22)}${Object.entries(
                r.counts,
              )
                .map(([k, n]) => `${n} ${n === 1 ? k : plural(k)}`)
                .join(', ')}`,
          )
          .join('\n') + '\n';
  await emit(io, text, opts.output, opts.format === 'json');
  return ExitCode.Clean;
}

function resolveFramework(name: string): string {
  const key = frameworkKey(name);
  if (!key)
    throw new UsageError(
      `unknown framework ${JSON.stringify(safeText(name))}; use one of ${FRAMEWORKS.join(', ')}`,
    );
  return key;
}

function entryText(e: CatalogEntry, walks: Crosswalk[]): string {
  const lines = [
    `${e.id}  ${e.name} (${e.kind}${e.parent ? `, part of ${e.parent}` : ''})`,
    `  ${e.description}`,
  ];
  const extra = e.extra ?? {};
  for (const [k, v] of Object.entries(extra)) {
    if (Array.isArray(v) ? v.length : v !== undefined && v !== '')
      lines.push(`  ${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`);
  }
  if (walks.length) {
    lines.push('  crosswalks:');
    for (const w of walks) lines.push(`    ${w.relationship} ${w.to.framework} ${w.to.id} — ${w.note}`);
  }
  return `${lines.join('\n')}\n`;
}

export async function frameworksShow(
  framework: string,
  id: string | undefined,
  opts: { format?: string; output?: string },
  io: CliIo,
): Promise<number> {
  if (opts.output) await checkOutputPath(opts.output, io.cwd);
  const key = resolveFramework(framework);
  const c = getCatalog(key, catalogOpts(io));
  let text: string;
  if (id !== undefined) {
    const e = findEntry(key, id, catalogOpts(io));
    if (!e)
      throw new UsageError(
        `${JSON.stringify(safeText(id))} is not in ${c.name} ${c.version}; run 'bulwark frameworks show ${key}' to list its ids`,
      );
    const walks = crosswalksFor({ framework: key, id: e.id });
    const children = c.entries.filter((x) => x.parent === e.id).map((x) => x.id);
    text =
      opts.format === 'json'
        ? `${JSON.stringify({ framework: key, version: c.version, entry: e, children, crosswalks: walks }, null, 2)}\n`
        : entryText(e, walks) + (children.length ? `  contains: ${children.join(', ')}\n` : '');
  } else if (opts.format === 'json') text = `${JSON.stringify(c, null, 2)}\n`;
  else {
    const head = `${c.name} ${c.version} (${c.framework})\nsource: ${c.source.title}; ${c.source.publisher}; ${c.source.reference}\nlicense: ${c.source.license}\n\n`;
    text = head + c.entries.map((e) => `${e.id.padEnd(14)} ${e.kind.padEnd(13)} ${e.name}`).join('\n') + '\n';
  }
  await emit(io, text, opts.output, opts.format === 'json');
  return ExitCode.Clean;
}

export async function frameworksMap(
  ruleId: string,
  opts: { format?: string; output?: string; crosswalks?: boolean },
  io: CliIo,
): Promise<number> {
  if (opts.output) await checkOutputPath(opts.output, io.cwd);
  await import('../../all-rules.js');
  const { getRule } = await import('../../core/rules.js');
  const rule = getRule(ruleId.trim().toUpperCase());
  if (!rule)
    throw new UsageError(
      `unknown rule ${JSON.stringify(safeText(ruleId))}; run 'bulwark rules' to list the rule ids`,
    );
  const refs = controlsForRule(rule);
  const co = catalogOpts(io);
  const direct: { framework: string; id: string; name?: string; source: 'rule' | 'family' }[] = [];
  for (const k of FRAMEWORK_REFERENCE_KEYS)
    for (const id of refs[k] ?? [])
      direct.push({
        framework: k,
        id,
        name: findEntry(k, id, co)?.name,
        source: (rule.references[k] ?? []).includes(id) ? 'rule' : 'family',
      });
  const viaCrosswalk =
    opts.crosswalks === false
      ? []
      : expandControls(direct)
          .filter((c) => c.via)
          .map((c) => ({
            framework: c.framework,
            id: c.id,
            name: findEntry(c.framework, c.id, co)?.name,
            relationship: c.via!.relationship,
            from: `${c.via!.from.framework} ${c.via!.from.id}`,
          }));
  const other: References = {};
  for (const k of ['cwe', 'cve', 'ghsa'] as const) if (refs[k]?.length) other[k] = refs[k];
  let text: string;
  if (opts.format === 'json')
    text = `${JSON.stringify(
      {
        rule: rule.id,
        family: rule.family,
        familyDefaults: familyDefaults(rule.family) !== undefined,
        controls: direct,
        viaCrosswalks: viaCrosswalk,
        other,
      },
      null,
      2,
    )}\n`;
  else {
    const lines = [`${rule.id} ${rule.title} (family ${rule.family})`];
    for (const d of direct)
      lines.push(
        `  ${d.framework.padEnd(10)} ${d.id.padEnd(14)} ${d.name ?? '(unknown id)'}${d.source === 'family' ? '  [family default]' : ''}`,
      );
    for (const [k, v] of Object.entries(other)) lines.push(`  ${k.padEnd(10)} ${(v as string[]).join(', ')}`);
    if (viaCrosswalk.length) {
      lines.push('  via crosswalks:');
      for (const c of viaCrosswalk)
        lines.push(
          `    ${c.framework.padEnd(10)} ${c.id.padEnd(14)} ${c.name ?? ''}  (via ${c.from}, ${c.relationship})`,
        );
    }
    text = `${lines.join('\n')}\n`;
  }
  await emit(io, text, opts.output, opts.format === 'json');
  return ExitCode.Clean;
}

export async function frameworksImport(
  framework: string,
  file: string,
  opts: { out?: string; lenient?: boolean; format?: string },
  io: CliIo,
): Promise<number> {
  if (frameworkKey(framework) !== 'atlas')
    throw new UsageError(
      `only 'atlas' can be imported (got ${JSON.stringify(safeText(framework))}); the other catalogs ship with Bulwark`,
    );
  let outDir: string | undefined;
  if (opts.out) {
    outDir = path.resolve(io.cwd, opts.out);
    try {
      await mkdir(outDir, { recursive: true });
      if (!(await stat(outDir)).isDirectory()) throw new Error('not a directory');
    } catch {
      throw new UsageError(
        `--out ${JSON.stringify(safeText(opts.out))} is not a directory that can be created; choose another path`,
      );
    }
  }
  let result;
  try {
    result = await importAtlasFile(path.resolve(io.cwd, file), { lenient: opts.lenient === true });
  } catch (err) {
    if (err instanceof AtlasValidationError && opts.format === 'json')
      await writeStream(io.stdout, `${JSON.stringify({ ok: false, problems: err.problems }, null, 2)}\n`);
    else if (err instanceof AtlasValidationError)
      for (const p of err.problems) await writeStream(io.stderr, `  problem: ${safeText(p)}\n`);
    throw err;
  }
  const diff = diffCatalogs(ATLAS, result.catalog);
  let written: string | undefined;
  if (outDir) {
    written = path.join(outDir, `atlas-${result.catalog.version}.json`);
    await writeFileAtomic(written, `${JSON.stringify(result.catalog, null, 1)}\n`);
  }
  const c = result.counts;
  if (opts.format === 'json')
    await writeStream(
      io.stdout,
      `${JSON.stringify({ ok: true, version: result.catalog.version, counts: c, repairs: result.repairs, undescribed: result.undescribed, diff, written: written ?? null }, null, 2)}\n`,
    );
  else {
    const lines = [
      `ATLAS ${result.catalog.version}: ${c.tactics} tactics, ${c.techniques} techniques (${c.topLevel} top-level, ${c.subTechniques} sub-techniques), ${c.mitigations} mitigations`,
    ];
    for (const r of result.repairs) lines.push(`repaired ${r.entry} ${r.field}: ${r.message}`);
    lines.push(
      `compared with shipped ${diff.from}: ${diff.added.length} added, ${diff.removed.length} removed, ${diff.renamed.length} renamed`,
    );
    if (diff.added.length) lines.push(`  added: ${diff.added.join(', ')}`);
    if (diff.removed.length) lines.push(`  removed: ${diff.removed.join(', ')}`);
    for (const r of diff.renamed) lines.push(`  renamed ${r.id}: ${r.from} -> ${r.to}`);
    if (result.undescribed.length)
      lines.push(`${result.undescribed.length} entries have no Bulwark description yet (placeholder used)`);
    lines.push(
      written
        ? `wrote ${written}; set ${CATALOG_DIR_ENV}=${outDir} to use it`
        : 'validated only; add --out DIR to write the catalog',
    );
    await writeStream(io.stdout, safeLines(`${lines.join('\n')}\n`));
  }
  return ExitCode.Clean;
}

export const registerFrameworks: RegisterCommand = (program, ctx) => {
  const fw = program
    .command('frameworks')
    .description(
      'framework catalogs (ATLAS, OWASP, NIST AI RMF, EU AI Act, ISO 42001), rule mappings, ATLAS import',
    );
  fw.command('list')
    .description('list catalogs with versions and entry counts')
    .addOption(formatOption())
    .option('-o, --output <file>', 'write to FILE (atomically) instead of standard output')
    .action(async (opts: { format?: string; output?: string }) => {
      ctx.setExit(await frameworksList(opts, ctx.io));
    });
  fw.command('show')
    .description('print a catalog, or one entry with its crosswalks')
    .argument('<framework>', FRAMEWORKS.join(' | '))
    .argument('[id]', "entry id, e.g. 'AML.T0010.003', 'MEASURE 2.7', 'A.7.5', 'Art. 15'")
    .addOption(formatOption())
    .option('-o, --output <file>', 'write to FILE (atomically) instead of standard output')
    .action(async (framework: string, id: string | undefined, opts: { format?: string; output?: string }) => {
      ctx.setExit(await frameworksShow(framework, id, opts, ctx.io));
    });
  fw.command('map')
    .description('controls a rule evidences (its references, family defaults, and crosswalks)')
    .argument('<rule>', 'rule id, e.g. BW-PICKLE-001')
    .addOption(formatOption())
    .option('--no-crosswalks', 'do not follow crosswalks')
    .option('-o, --output <file>', 'write to FILE (atomically) instead of standard output')
    .action(async (ruleId: string, opts: { format?: string; output?: string; crosswalks?: boolean }) => {
      ctx.setExit(await frameworksMap(ruleId, opts, ctx.io));
    });
  fw.command('import')
    .description('validate an official ATLAS.yaml and write it as a catalog (atlas-<version>.json)')
    .argument('<framework>', 'atlas')
    .argument('<file>', 'dist/ATLAS.yaml from mitre-atlas/atlas-data')
    .option('--out <dir>', 'write atlas-<version>.json into DIR (created if missing)')
    .option(
      '--lenient',
      'repair known defects (technique mappings misplaced in ml-lifecycle) and report them',
    )
    .addOption(formatOption())
    .action(
      async (framework: string, file: string, opts: { out?: string; lenient?: boolean; format?: string }) => {
        ctx.setExit(await frameworksImport(framework, file, opts, ctx.io));
      },
    );
};
