import type { Finding } from '../../core/finding.js';
import type { Cell, TableFormat } from '../data/table.js';
import type { FairnessResult } from './index.js';

export const FAIRNESS_REPORT_SCHEMA = 'https://bulwark.dev/schemas/fairness-report/v1';

/** What `bulwark fairness --format json` prints: the input description, the result and the findings. */
export interface FairnessReport {
  $schema: typeof FAIRNESS_REPORT_SCHEMA;
  version: 1;
  tool: { name: 'bulwark'; version: string };
  input: {
    file: string;
    format: TableFormat;
    rows: number;
    label: string;
    favorable: Cell;
    predictions:
      | { kind: 'column'; column: string; threshold?: number }
      | { kind: 'onnx'; model: string; sha256: string; features: string; output: string; threshold: number };
    sensitive: string[];
    weights?: string;
  };
  timings_ms: { read: number; predict: number; metrics: number };
  result: FairnessResult;
  findings: Finding[];
}

const f4 = (v: number | null | undefined): string =>
  v === null || v === undefined ? '—' : Number.isInteger(v) ? String(v) : v.toFixed(4);

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map(
      (r) =>
        '  ' + r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '),
    )
    .join('\n');
}

/** Plain-text rendering: per-group table, summary metrics, findings and warnings. */
export function renderFairnessText(report: FairnessReport, safe: (s: string) => string = (s) => s): string {
  const r = report.result;
  const p = report.input.predictions;
  const src =
    p.kind === 'column'
      ? `column ${safe(p.column)}${p.threshold !== undefined ? ` (score >= ${p.threshold})` : ''}`
      : `model ${safe(p.model)}`;
  const lines: string[] = [];
  lines.push(
    `bulwark fairness: ${safe(report.input.file)} (${r.rows} rows; label ${safe(report.input.label)}, favorable ${safe(JSON.stringify(r.favorable))}; predictions from ${src}${r.weighted ? '; weighted' : ''})`,
  );
  lines.push('');
  lines.push(`Groups (sensitive: ${r.sensitive.map(safe).join(', ')})`);
  const rows: string[][] = [['group', 'rows', 'selection', 'base rate', 'TPR', 'FPR', 'accuracy']];
  for (const g of r.groups) {
    rows.push([
      safe(g.group) + (g.small ? ' *' : ''),
      String(g.count),
      f4(g.selection_rate),
      f4(g.base_rate),
      f4(g.tpr),
      f4(g.fpr),
      f4(g.accuracy),
    ]);
  }
  const o = r.overall;
  rows.push([
    'overall',
    String(o.count),
    f4(o.selection_rate),
    f4(o.base_rate),
    f4(o.tpr),
    f4(o.fpr),
    f4(o.accuracy),
  ]);
  lines.push(table(rows));
  if (r.groups.some((g) => g.small)) lines.push('  * fewer rows than --min-group-size');
  lines.push('');
  const fl = r.fairlearn;
  const ci = r.bootstrap?.intervals ?? {};
  const withCi = (v: number | null, k: string): string => {
    const i = ci[k];
    return i ? `${f4(v)} [${f4(i.low)}, ${f4(i.high)}]` : f4(v);
  };
  lines.push('Fairlearn                          between groups   to overall');
  const sum: string[][] = [
    [
      'demographic parity difference',
      withCi(fl.demographic_parity_difference.between_groups, 'demographic_parity_difference'),
      f4(fl.demographic_parity_difference.to_overall),
    ],
    [
      'demographic parity ratio',
      withCi(fl.demographic_parity_ratio.between_groups, 'demographic_parity_ratio'),
      f4(fl.demographic_parity_ratio.to_overall),
    ],
    [
      'equalized odds difference (worst)',
      withCi(fl.equalized_odds_difference.between_groups.worst_case, 'equalized_odds_difference'),
      f4(fl.equalized_odds_difference.to_overall.worst_case),
    ],
    [
      'equalized odds difference (mean)',
      f4(fl.equalized_odds_difference.between_groups.mean),
      f4(fl.equalized_odds_difference.to_overall.mean),
    ],
    [
      'equalized odds ratio (worst)',
      withCi(fl.equalized_odds_ratio.between_groups.worst_case, 'equalized_odds_ratio'),
      f4(fl.equalized_odds_ratio.to_overall.worst_case),
    ],
    [
      'equal opportunity difference',
      withCi(fl.equal_opportunity_difference.between_groups, 'equal_opportunity_difference'),
      f4(fl.equal_opportunity_difference.to_overall),
    ],
    [
      'equal opportunity ratio',
      f4(fl.equal_opportunity_ratio.between_groups),
      f4(fl.equal_opportunity_ratio.to_overall),
    ],
  ];
  lines.push(table(sum));
  lines.push('');
  if (r.aif360) {
    const a = r.aif360;
    lines.push(
      `AIF360 (unprivileged: ${a.unprivileged.groups.map(safe).join(', ')}; privileged: ${a.privileged.groups.map(safe).join(', ')})`,
    );
    lines.push(
      table([
        ['disparate impact', withCi(a.disparate_impact, 'aif360.disparate_impact')],
        [
          'statistical parity difference',
          withCi(a.statistical_parity_difference, 'aif360.statistical_parity_difference'),
        ],
        [
          'equal opportunity difference',
          withCi(a.equal_opportunity_difference, 'aif360.equal_opportunity_difference'),
        ],
        ['average odds difference', withCi(a.average_odds_difference, 'aif360.average_odds_difference')],
        ['average abs odds difference', f4(a.average_abs_odds_difference)],
        ['base rate disparate impact (labels)', f4(a.base_rate_disparate_impact)],
      ]),
    );
    lines.push('');
  }
  lines.push(
    `Four-fifths rule: ${f4(r.four_fifths.ratio)} (${r.four_fifths.basis.replace(/_/g, ' ')}) ${r.four_fifths.passes === null ? 'undefined' : r.four_fifths.passes ? 'passes' : 'FAILS'}`,
  );
  const gei = r.inequality.generalized_entropy_index
    .map((g) => `GEI(α=${g.alpha}) ${f4(g.value)}`)
    .join(', ');
  lines.push(
    `Inequality: Theil index ${withCi(r.inequality.theil_index, 'theil_index')}, ${gei}, between-group GEI(2) ${f4(r.inequality.between_group_generalized_entropy_index)}`,
  );
  if (r.consistency) {
    lines.push(
      `Consistency (k=${r.consistency.k}, ${r.consistency.queries} of ${r.consistency.rows} rows queried): ${f4(r.consistency.value)}`,
    );
  }
  if (r.bootstrap)
    lines.push(
      `Intervals: ${Math.round(r.bootstrap.confidence * 100)}% bootstrap, ${r.bootstrap.samples} samples, seed ${r.bootstrap.seed}`,
    );
  lines.push('');
  if (report.findings.length) {
    lines.push(`Findings (${report.findings.length}):`);
    for (const f of report.findings)
      lines.push(`  ${f.severity.toUpperCase().padEnd(8)} ${f.ruleId}  ${safe(f.message)}`);
  } else lines.push('No findings.');
  if (r.warnings.length) {
    lines.push('');
    lines.push('Warnings:');
    for (const w of r.warnings) lines.push(`  - ${safe(w)}`);
  }
  return lines.join('\n') + '\n';
}
