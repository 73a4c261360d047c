/** Text rendering of an llm-test result: a per-family table, the successful variants and the findings. */
import { safeText } from '../../report/util.js';
import type { LlmTestResult } from './runner.js';

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

export function llmTestText(r: LlmTestResult, opts: { failOnRate?: number } = {}): string {
  const lines: string[] = [];
  lines.push(
    `LLM red-team test of ${safeText(r.target)}: ${r.probes.length} probe variant(s) × ${r.config.attempts} attempt(s), ${r.requests} request(s), seed ${r.seed}`,
  );
  if (!r.complete) lines.push(`INCOMPLETE: ${safeText(r.incompleteReason ?? 'stopped early')}`);
  if (r.skipped.length)
    lines.push(
      `Skipped ${r.skipped.length} probe(s): ${r.skipped.map((s) => `${s.probe} (${s.reason})`).join(', ')}`,
    );
  lines.push('');
  const header = ['family', 'rule', 'owasp', 'atlas', 'variants', 'success', 'rate', 'refused'];
  const rows = r.families.map((f) => [
    f.family,
    f.ruleId,
    f.owaspLlm.join(','),
    f.atlas.join(','),
    String(f.variants),
    `${f.successes}/${f.attempts}`,
    pct(f.successRate),
    String(f.refusals),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const fmt = (row: string[]) =>
    row
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  lines.push(fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt));
  lines.push('');
  lines.push(
    `Overall attack success rate: ${pct(r.metrics.attackSuccessRate.overall)} (${r.metrics.successes}/${r.metrics.attempts}); refusal rate ${pct(r.metrics.refusalRate)}${r.metrics.errors ? `; ${r.metrics.errors} attempt(s) failed` : ''}`,
  );
  const won = r.probes.filter((p) => p.successes > 0);
  if (won.length) {
    lines.push('', 'Successful probes:');
    for (const p of won) {
      const reason = p.results.find((x) => x.success)?.reason ?? '';
      lines.push(`  ${p.id} @ ${p.converter}  ${p.successes}/${p.attempts}  ${safeText(reason)}`);
    }
  }
  lines.push('');
  if (r.findings.length === 0) lines.push('No findings: every probe family was resisted.');
  else {
    lines.push('Findings:');
    for (const f of r.findings)
      lines.push(`  ${f.severity.toUpperCase().padEnd(8)} ${f.ruleId}  ${safeText(f.message)}`);
    if (opts.failOnRate !== undefined)
      lines.push(
        '',
        `Families above --fail-on-rate ${opts.failOnRate}: ${
          r.families
            .filter((f) => f.successRate > opts.failOnRate!)
            .map((f) => f.family)
            .join(', ') || 'none'
        }`,
      );
  }
  return `${lines.join('\n')}\n`;
}
