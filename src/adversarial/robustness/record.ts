import type { Finding } from '../../core/finding.js';
import type { Norm, QueryBudget } from './attacks/types.js';
import type { AttackMetrics } from './metrics.js';
import type { RobustnessEvaluation } from './runner.js';
import { targetAccess } from './runner.js';
import type { ModelTarget } from './target.js';

/**
 * One leaderboard-style entry in RobustBench's shape (`model_info/<dataset>/<threat>/<name>.json`): accuracies as
 * percent strings with two decimals, ε as a string ("8/255" when it is a multiple of 1/255, else decimal).
 */
export interface RobustBenchRecord {
  model: string;
  dataset: string;
  threat_model: 'Linf' | 'L2';
  eps: string;
  clean_acc: string;
  robust_acc: string;
  attack: string;
  n_examples: number;
  additional_data: boolean;
}

/** The JSON result of `bulwark robustness` (`kind: bulwark.robustness`, version 1). */
export interface RobustnessResult {
  kind: 'bulwark.robustness';
  version: 1;
  tool: { name: 'bulwark'; version: string };
  model: string;
  dataset: string;
  target: {
    name: string;
    access: string;
    capabilities: string[];
    inputShape: number[];
    nbClasses: number;
    clipValues: [number, number];
  };
  config: {
    norm: Norm;
    eps: number[];
    attacks: string[];
    seed: number;
    budget: QueryBudget;
    threshold: number;
  };
  /** Numbers only, for `bulwark audit --evidence` measurements and gate policies. */
  metrics: {
    clean_accuracy: number;
    n_examples: number;
    min_robust_accuracy: number;
    max_attack_success_rate: number;
    evaluations: Record<string, Record<string, number>>;
  };
  evaluations: AttackMetrics[];
  robustbench: RobustBenchRecord[];
  findings: Finding[];
  failed: boolean;
  inconclusive: boolean;
}

/** ε as RobustBench writes it: "8/255" for multiples of 1/255, else the decimal. */
export function epsString(eps: number): string {
  const k = eps * 255;
  const r = Math.round(k);
  return r > 0 && Math.abs(k - r) < 1e-6 ? `${r}/255` : String(eps);
}

const pct = (v: number): string => (v * 100).toFixed(2);

export function robustBenchRecords(
  ev: RobustnessEvaluation,
  model: string,
  dataset: string,
): RobustBenchRecord[] {
  return ev.evaluations.map((e) => ({
    model,
    dataset,
    threat_model: e.threat_model,
    eps: epsString(e.eps),
    clean_acc: pct(ev.clean_accuracy),
    robust_acc: pct(e.robust_accuracy),
    attack: e.attack,
    n_examples: e.n_examples,
    additional_data: false,
  }));
}

/** Key of one evaluation in `metrics.evaluations`: `pgd_Linf_0.1`. */
export function evaluationKey(e: Pick<AttackMetrics, 'attack' | 'threat_model' | 'eps'>): string {
  return `${e.attack}_${e.threat_model}_${e.eps}`;
}

export function buildRobustnessResult(
  ev: RobustnessEvaluation,
  target: ModelTarget,
  info: {
    model: string;
    dataset: string;
    norm: Norm;
    eps: number[];
    attacks: string[];
    seed: number;
    budget: QueryBudget;
    toolVersion: string;
  },
): RobustnessResult {
  const evaluations: Record<string, Record<string, number>> = {};
  for (const e of ev.evaluations)
    evaluations[evaluationKey(e)] = {
      eps: e.eps,
      robust_accuracy: e.robust_accuracy,
      attack_success_rate: e.attack_success_rate,
      perturbation_linf_median: e.perturbation_linf.median,
      perturbation_l2_median: e.perturbation_l2.median,
      queries_to_success_median: e.queries_to_success_median,
      queries_total: e.queries_total,
      empirical_robustness: e.empirical_robustness,
      unresolved: e.unresolved,
    };
  return {
    kind: 'bulwark.robustness',
    version: 1,
    tool: { name: 'bulwark', version: info.toolVersion },
    model: info.model,
    dataset: info.dataset,
    target: {
      name: target.name,
      access: targetAccess(target),
      capabilities: [...target.capabilities].sort(),
      inputShape: [...target.inputShape],
      nbClasses: target.nbClasses,
      clipValues: [target.clipValues[0], target.clipValues[1]],
    },
    config: {
      norm: info.norm,
      eps: info.eps,
      attacks: info.attacks,
      seed: info.seed,
      budget: info.budget,
      threshold: ev.threshold,
    },
    metrics: {
      clean_accuracy: ev.clean_accuracy,
      n_examples: ev.n_examples,
      min_robust_accuracy: Math.min(...ev.evaluations.map((e) => e.robust_accuracy), ev.clean_accuracy),
      max_attack_success_rate: Math.max(0, ...ev.evaluations.map((e) => e.attack_success_rate)),
      evaluations,
    },
    evaluations: ev.evaluations,
    robustbench: robustBenchRecords(ev, info.model, info.dataset),
    findings: ev.findings,
    failed: ev.failed,
    inconclusive: ev.inconclusive,
  };
}

function pad(s: string, w: number, right = false): string {
  return right ? s.padStart(w) : s.padEnd(w);
}

/** Text table: one row per (attack, ε), then the findings. `safe` escapes untrusted text (names from files). */
export function renderRobustnessText(r: RobustnessResult, safe: (s: string) => string = (s) => s): string {
  const lines: string[] = [];
  lines.push(
    `robustness of ${safe(r.model)} on ${safe(r.dataset)} (${r.target.access} access, ${r.metrics.n_examples} samples, threshold ${r.config.threshold})`,
  );
  lines.push(`clean accuracy ${r.metrics.clean_accuracy.toFixed(3)}`);
  const head = [
    'attack',
    'norm',
    'eps',
    'robust acc',
    'success',
    'med Linf',
    'med L2',
    'med queries',
    'emp. rob.',
    'unresolved',
  ];
  const rows = r.evaluations.map((e) => [
    e.attack,
    e.threat_model,
    String(e.eps),
    e.robust_accuracy.toFixed(3),
    e.attack_success_rate.toFixed(3),
    e.perturbation_linf.median.toFixed(4),
    e.perturbation_l2.median.toFixed(4),
    String(e.queries_to_success_median),
    e.empirical_robustness.toFixed(4),
    String(e.unresolved),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  lines.push(head.map((h, c) => pad(h, widths[c]!, c > 1)).join('  '));
  for (const row of rows) lines.push(row.map((v, c) => pad(v, widths[c]!, c > 1)).join('  '));
  if (r.findings.length) {
    lines.push('', 'findings:');
    for (const f of r.findings) lines.push(`  ${f.ruleId} [${f.severity}] ${safe(f.message)}`);
  }
  lines.push(
    '',
    r.failed
      ? 'FAIL: robust accuracy below the threshold'
      : r.inconclusive
        ? 'INCONCLUSIVE: query budget exhausted'
        : 'PASS',
  );
  return `${lines.join('\n')}\n`;
}
