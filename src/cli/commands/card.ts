import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Option } from 'commander';
import { BulwarkError } from '../../core/errors.js';
import { SEVERITIES, type Severity } from '../../core/severity.js';
import { readSystemCard } from '../../core/system-card.js';
import { loadEvidence } from '../../trust/card/evidence.js';
import { parseHfCard } from '../../trust/card/hf-card.js';
import { buildModelCard, cardFails } from '../../trust/card/model-card.js';
import { renderCardHtml, renderCardMarkdown, renderHfReadmeFromCard } from '../../trust/card/render.js';
import { ExitCode } from '../exit-codes.js';
import { checkOutputPath, writeFileAtomic, writeStream, type CliIo } from '../io.js';
import type { RegisterCommand } from './index.js';
import { collect } from '../options.js';

export interface CardCommandOptions {
  readme?: string;
  systemCard?: string;
  evidence: string[];
  highRisk: boolean;
  name?: string;
  format: 'md' | 'html' | 'json';
  output?: string;
  writeReadme?: string;
  failOn: Severity;
}

/** `bulwark card [MODEL]`: builds the combined model card, writes it, exits 1 when a finding reaches --fail-on. */
export async function cardCommand(
  model: string | undefined,
  opts: CardCommandOptions,
  io: CliIo,
): Promise<number> {
  if (opts.output) await checkOutputPath(opts.output, io.cwd);
  if (opts.writeReadme) await checkOutputPath(opts.writeReadme, io.cwd);
  const systemCard = opts.systemCard
    ? await readSystemCard(path.resolve(io.cwd, opts.systemCard))
    : undefined;
  const evidence = [];
  for (const e of opts.evidence) evidence.push(await loadEvidence(path.resolve(io.cwd, e)));
  let readme: string | undefined;
  if (opts.readme) {
    try {
      readme = await readFile(path.resolve(io.cwd, opts.readme), 'utf8');
    } catch {
      throw new BulwarkError(
        'E_NOT_FOUND',
        `README ${JSON.stringify(opts.readme)} does not exist; check the path`,
      );
    }
  }
  if (model === undefined && readme === undefined && !systemCard)
    throw new BulwarkError(
      'E_USAGE',
      'nothing to describe; give a MODEL directory, --readme FILE or --system-card FILE',
    );
  const card = await buildModelCard({
    ...(model !== undefined ? { modelPath: path.resolve(io.cwd, model) } : {}),
    ...(readme !== undefined ? { readme } : {}),
    ...(systemCard ? { systemCard } : {}),
    evidence,
    highRisk: opts.highRisk,
    ...(opts.name ? { name: opts.name } : {}),
  });
  const text =
    opts.format === 'json'
      ? `${JSON.stringify(card, null, 2)}\n`
      : opts.format === 'html'
        ? renderCardHtml(card)
        : renderCardMarkdown(card);
  if (opts.output) await writeFileAtomic(path.resolve(io.cwd, opts.output), text);
  else await writeStream(io.stdout, text);
  if (opts.writeReadme) {
    const existing =
      readme ??
      (model
        ? await readFile(path.join(path.resolve(io.cwd, model), 'README.md'), 'utf8').catch(() => undefined)
        : undefined);
    const metadata = existing !== undefined ? parseHfCard(existing).metadata : {};
    await writeFileAtomic(path.resolve(io.cwd, opts.writeReadme), renderHfReadmeFromCard(card, metadata));
  }
  if (card.findings.length)
    io.stderr.write(
      `bulwark card: ${card.findings.length} finding(s): ${[...new Set(card.findings.map((f) => f.ruleId))].join(', ')}\n`,
    );
  return cardFails(card, opts.failOn) ? ExitCode.Findings : ExitCode.Clean;
}

export const registerCard: RegisterCommand = (program, ctx) => {
  program
    .command('card')
    .description(
      'build a model card from the README, config.json, a system card and Bulwark evidence; report what is missing',
    )
    .argument('[model]', 'model directory (reads README.md and config.json) or model file')
    .option('--readme <file>', 'model card README to use instead of MODEL/README.md')
    .option(
      '--system-card <file>',
      'AI system card (YAML): intended purpose, provider, oversight, logging, …',
    )
    .option(
      '--evidence <file>',
      'Bulwark JSON output to include (scan, fairness, privacy, verify, BOM, bundle); repeatable',
      collect,
      [],
    )
    .option(
      '--high-risk',
      'require the EU AI Act Article 13 / Annex IV items even without an Annex III area',
      false,
    )
    .option('--name <name>', 'model name to show')
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(['md', 'html', 'json']).default('md'),
    )
    .option('-o, --output <file>', 'write the card to FILE (atomically) instead of standard output')
    .option(
      '--write-readme <file>',
      'also write a Hugging Face README.md (front matter + sections) drafted from the card',
    )
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when a card finding is at or above SEVERITY')
        .choices(SEVERITIES)
        .default('high'),
    )
    .action(async (model: string | undefined, opts: Record<string, unknown>) => {
      ctx.setExit(
        await cardCommand(
          model,
          {
            readme: opts.readme as string | undefined,
            systemCard: opts.systemCard as string | undefined,
            evidence: opts.evidence as string[],
            highRisk: opts.highRisk === true,
            name: opts.name as string | undefined,
            format: opts.format as CardCommandOptions['format'],
            output: opts.output as string | undefined,
            writeReadme: opts.writeReadme as string | undefined,
            failOn: opts.failOn as Severity,
          },
          ctx.io,
        ),
      );
    });
};
