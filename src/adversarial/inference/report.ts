/**
 * The `bulwark.membership-attack` result document: attack results, findings and flat metrics (read by
 * `bulwark audit --evidence`), and its text summary.
 */
import type { Finding } from '../../core/finding.js';
import { makeFinding } from '../../core/rules.js';
import type { AttackMetrics, MembershipAttackResult } from './membership.js';
import { INF_SHADOW, INF_THRESHOLD } from './rules.js';

export const MEMBERSHIP_ATTACK_REPORT_VERSION = 1;

export interface MembershipAttackReport {
  kind: 'bulwark.membership-attack';
  version: typeof MEMBERSHIP_ATTACK_REPORT_VERSION;
  model: string;
  result: MembershipAttackResult;
  metrics: Record<string, number>;
  findings: Finding[];
}

function flat(prefix: string, m: AttackMetrics, out: Record<string, number>): void {
  out[`${prefix}Auc`] = m.auc;
  out[`${prefix}Advantage`] = m.advantage;
  for (const t of m.tprAtFpr) out[`${prefix}TprAtFpr${t.fpr}`] = t.tpr;
}

function evidence(m: AttackMetrics, reasons: string[]): Record<string, unknown> {
  return {
    auc: m.auc,
    advantage: m.advantage,
    tprAtFpr: m.tprAtFpr.map((t) => ({ fpr: t.fpr, tpr: t.tpr, measurable: t.measurable })),
    members: m.members,
    nonMembers: m.nonMembers,
    reasons,
  };
}

export function membershipAttackReport(model: string, r: MembershipAttackResult): MembershipAttackReport {
  const metrics: Record<string, number> = {
    memberAccuracy: r.memberAccuracy,
    nonMemberAccuracy: r.nonMemberAccuracy,
    generalizationGap: r.generalizationGap,
  };
  const findings: Finding[] = [];
  const th = r.threshold;
  const best = th[th.best]!;
  flat('threshold', best, metrics);
  if (th.leaking)
    findings.push(
      makeFinding(INF_THRESHOLD, {
        message: `thresholding the model's ${th.best === 'correct' ? 'correctness' : th.best} separates ${r.members} members from ${r.nonMembers} non-members: ${th.reasons.join('; ')}`,
        location: { file: model },
        evidence: { attack: th.best, ...evidence(best, th.reasons) },
      }),
    );
  if (r.shadow) {
    flat('shadow', r.shadow.metrics, metrics);
    if (r.shadow.leaking)
      findings.push(
        makeFinding(INF_SHADOW, {
          message: `a shadow-model attack (${r.shadow.models} ${r.shadow.architecture} shadows on ${r.shadow.attackerRows} attacker rows) separates members from non-members: ${r.shadow.reasons.join('; ')}`,
          location: { file: model },
          evidence: { shadowModels: r.shadow.models, ...evidence(r.shadow.metrics, r.shadow.reasons) },
        }),
      );
  }
  return {
    kind: 'bulwark.membership-attack',
    version: MEMBERSHIP_ATTACK_REPORT_VERSION,
    model,
    result: r,
    metrics,
    findings,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function line(name: string, m: AttackMetrics): string {
  const tprs = m.tprAtFpr
    .map((t) => `TPR ${pct(t.tpr)} @ FPR ${t.fpr * 100}%${t.measurable ? '' : ' (too few non-members)'}`)
    .join(', ');
  return `    ${name.padEnd(11)} AUC ${m.auc.toFixed(3)}, advantage ${m.advantage.toFixed(3)}; ${tprs}`;
}

export function formatMembershipAttackText(rep: MembershipAttackReport): string {
  const r = rep.result;
  const lines = [
    `Membership inference: ${rep.model} (${r.access}; ${r.members} members, ${r.nonMembers} non-members)`,
    `  Target accuracy: members ${pct(r.memberAccuracy)}, non-members ${pct(r.nonMemberAccuracy)} (gap ${pct(r.generalizationGap)})`,
    '  Threshold attack:',
  ];
  if (r.threshold.confidence) lines.push(line('confidence', r.threshold.confidence));
  if (r.threshold.loss) lines.push(line('loss', r.threshold.loss));
  if (r.threshold.correct) lines.push(line('correct', r.threshold.correct));
  if (r.shadow) {
    const s = r.shadow;
    lines.push(
      `  Shadow-model attack: ${s.models} ${s.architecture} shadows (train acc. ${pct(s.shadowTrainAccuracy)}, test acc. ${pct(s.shadowTestAccuracy)}), attack AUC on shadows ${s.attackTrainAuc.toFixed(3)}`,
      line('shadow', s.metrics),
    );
  } else if (r.shadowSkipped) lines.push(`  Shadow-model attack: skipped (${r.shadowSkipped})`);
  lines.push(
    rep.findings.length
      ? `Findings: ${rep.findings.map((f) => `${f.ruleId} (${f.severity})`).join(', ')}`
      : 'No findings.',
  );
  for (const f of rep.findings) lines.push(`  ${f.ruleId} ${f.severity.toUpperCase()}: ${f.message}`);
  return `${lines.join('\n')}\n`;
}
