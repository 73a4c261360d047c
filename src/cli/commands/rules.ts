import type { RuleMeta } from '../../core/rules.js';
import { UsageError } from '../../core/errors.js';
import { ruleDocsPath, ruleDocsUrl } from '../../report/links.js';
import { ExitCode } from '../exit-codes.js';
import { writeStream, type CliIo } from '../io.js';

export interface RulesCommandOptions {
  format: 'text' | 'json';
}

/** Loads every rule: the rule modules register themselves when the engine's scanners are imported. */
export async function loadRules(): Promise<{
  all: () => RuleMeta[];
  get: (id: string) => RuleMeta | undefined;
}> {
  await import('../../all-rules.js');
  const { allRules, getRule } = await import('../../core/rules.js');
  return { all: allRules, get: getRule };
}

/** `bulwark rules [ID]`: lists the rules, or prints one in full. */
export async function rulesCommand(
  id: string | undefined,
  opts: RulesCommandOptions,
  io: CliIo,
  rules?: { all: () => RuleMeta[]; get: (id: string) => RuleMeta | undefined },
): Promise<number> {
  const registry = rules ?? (await loadRules());
  if (id !== undefined) {
    const rule = registry.get(id.trim().toUpperCase());
    if (!rule)
      throw new UsageError(`unknown rule ${JSON.stringify(id)}; run 'bulwark rules' to list the rule ids`);
    await writeStream(
      io.stdout,
      opts.format === 'json' ? `${JSON.stringify(withDocs(rule), null, 2)}\n` : ruleText(rule),
    );
    return ExitCode.Clean;
  }
  const all = registry.all();
  await writeStream(
    io.stdout,
    opts.format === 'json' ? `${JSON.stringify(all.map(withDocs), null, 2)}\n` : listText(all),
  );
  return ExitCode.Clean;
}

function withDocs(rule: RuleMeta): RuleMeta & { docs: string; docsUrl: string } {
  return { ...rule, docs: ruleDocsPath(rule), docsUrl: ruleDocsUrl(rule) };
}

export function listText(rules: RuleMeta[]): string {
  if (rules.length === 0) return 'No rules are registered.\n';
  const idWidth = Math.max(2, ...rules.map((r) => r.id.length));
  const nameWidth = Math.max(4, ...rules.map((r) => r.name.length));
  const lines = [`${'ID'.padEnd(idWidth)}  ${'SEVERITY'.padEnd(8)}  ${'NAME'.padEnd(nameWidth)}  TITLE`];
  for (const r of rules)
    lines.push(`${r.id.padEnd(idWidth)}  ${r.severity.padEnd(8)}  ${r.name.padEnd(nameWidth)}  ${r.title}`);
  const families = [...new Set(rules.map((r) => ruleDocsPath(r)))].join(', ');
  lines.push(
    '',
    `${rules.length} rule${rules.length === 1 ? '' : 's'}. Details: bulwark rules ID. Documentation: ${families}`,
  );
  return `${lines.join('\n')}\n`;
}

export function ruleText(rule: RuleMeta): string {
  const refs = rule.references ?? {};
  const row = (k: string, v: string): string => `  ${k.padEnd(11)} ${v}`;
  const lines = [
    `${rule.id}  ${rule.name}`,
    rule.title,
    '',
    row('family', rule.family),
    row('severity', rule.severity),
    row('impact', rule.impact),
    row('confidence', rule.confidence),
  ];
  if (refs.atlas?.length) lines.push(row('ATLAS', refs.atlas.join(', ')));
  if (refs.owaspMl?.length) lines.push(row('OWASP ML', refs.owaspMl.join(', ')));
  if (refs.owaspLlm?.length) lines.push(row('OWASP LLM', refs.owaspLlm.join(', ')));
  if (refs.euAiAct?.length) lines.push(row('EU AI Act', refs.euAiAct.join(', ')));
  if (refs.nistAiRmf?.length) lines.push(row('NIST AI RMF', refs.nistAiRmf.join(', ')));
  if (refs.iso42001?.length) lines.push(row('ISO 42001', refs.iso42001.join(', ')));
  if (refs.cwe?.length) lines.push(row('CWE', refs.cwe.join(', ')));
  if (refs.cve?.length) lines.push(row('CVE', refs.cve.join(', ')));
  if (refs.ghsa?.length) lines.push(row('GHSA', refs.ghsa.join(', ')));
  lines.push(row('docs', `${ruleDocsPath(rule)}  ${ruleDocsUrl(rule)}`));
  lines.push('', rule.description, '', `Remediation: ${rule.remediation}`);
  return `${lines.join('\n')}\n`;
}
