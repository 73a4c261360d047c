import type { Confidence, Finding } from '../../core/finding.js';
import { makeFinding, type RuleMeta } from '../../core/rules.js';
import {
  FAIR_DEMOGRAPHIC_PARITY,
  FAIR_DISPARATE_IMPACT,
  FAIR_EQUAL_OPPORTUNITY,
  FAIR_EQUALIZED_ODDS,
  FAIR_SMALL_GROUP,
  FAIR_UNDEFINED_RATE,
} from '../rules.js';
import type { FairnessResult, Interval } from './index.js';

export interface FairnessThresholds {
  /** BW-FAIR-001: disparate impact (or min/max selection-rate ratio) below this (default 0.8). */
  disparateImpact: number;
  /** BW-FAIR-002: demographic parity difference above this (default 0.1). */
  demographicParity: number;
  /** BW-FAIR-003: equalized odds difference (worst case) above this (default 0.1). */
  equalizedOdds: number;
  /** BW-FAIR-005: equal opportunity difference above this (default 0.1). */
  equalOpportunity: number;
}

export const DEFAULT_THRESHOLDS: Readonly<FairnessThresholds> = Object.freeze({
  disparateImpact: 0.8,
  demographicParity: 0.1,
  equalizedOdds: 0.1,
  equalOpportunity: 0.1,
});

const r6 = (v: number): number => Math.round(v * 1e6) / 1e6;

/** Confidence drops to low when the bootstrap interval straddles the threshold. */
function conf(ci: Interval | null | undefined, threshold: number): Confidence {
  if (!ci) return 'high';
  return ci.low <= threshold && ci.high >= threshold ? 'low' : 'high';
}

/** Findings for the thresholds the result crosses. `file` is the data file (the finding location). */
export function fairnessFindings(
  result: FairnessResult,
  file: string,
  thresholds: Partial<FairnessThresholds> = {},
): Finding[] {
  const t = { ...DEFAULT_THRESHOLDS, ...thresholds };
  const out: Finding[] = [];
  const ci = result.bootstrap?.intervals ?? {};
  const groupsBySel = result.groups.filter((g) => g.selection_rate !== null && g.count > 0);
  const lowSel = groupsBySel.reduce(
    (a, b) => ((b.selection_rate as number) < (a.selection_rate as number) ? b : a),
    groupsBySel[0]!,
  );
  const highSel = groupsBySel.reduce(
    (a, b) => ((b.selection_rate as number) > (a.selection_rate as number) ? b : a),
    groupsBySel[0]!,
  );
  const add = (
    rule: RuleMeta,
    message: string,
    evidence: Record<string, unknown>,
    confidence: Confidence = 'high',
  ): void => {
    out.push(makeFinding(rule, { message, location: { file }, evidence, confidence }));
  };

  const ff = result.four_fifths;
  if (ff.ratio !== null && ff.ratio < t.disparateImpact) {
    const interval =
      ff.basis === 'disparate_impact' ? ci['aif360.disparate_impact'] : ci.demographic_parity_ratio;
    const who =
      ff.basis === 'disparate_impact' && result.aif360
        ? `unprivileged (${result.aif360.unprivileged.groups.join(', ')}) vs privileged (${result.aif360.privileged.groups.join(', ')})`
        : `${lowSel?.group} vs ${highSel?.group}`;
    add(
      FAIR_DISPARATE_IMPACT,
      `disparate impact ${r6(ff.ratio)} is below ${t.disparateImpact} (${who}; sensitive: ${result.sensitive.join(', ')})`,
      {
        metric: ff.basis,
        value: ff.ratio,
        threshold: t.disparateImpact,
        basis: ff.basis,
        groups: who,
        interval,
        sensitive: result.sensitive,
      },
      conf(interval, t.disparateImpact),
    );
  }
  const dp = result.fairlearn.demographic_parity_difference.between_groups;
  if (dp !== null && dp > t.demographicParity) {
    add(
      FAIR_DEMOGRAPHIC_PARITY,
      `demographic parity difference ${r6(dp)} is above ${t.demographicParity} (selection rate ${r6(lowSel!.selection_rate!)} for ${lowSel!.group}, ${r6(highSel!.selection_rate!)} for ${highSel!.group})`,
      {
        metric: 'demographic_parity_difference',
        value: dp,
        threshold: t.demographicParity,
        lowest: { group: lowSel!.group, selection_rate: lowSel!.selection_rate },
        highest: { group: highSel!.group, selection_rate: highSel!.selection_rate },
        interval: ci.demographic_parity_difference,
      },
      conf(ci.demographic_parity_difference, t.demographicParity),
    );
  }
  const eo = result.fairlearn.equalized_odds_difference.between_groups.worst_case;
  if (eo !== null && eo > t.equalizedOdds) {
    const a = result.aggregates;
    add(
      FAIR_EQUALIZED_ODDS,
      `equalized odds difference ${r6(eo)} is above ${t.equalizedOdds} (TPR gap ${r6(a.tpr.difference_between_groups ?? 0)}, FPR gap ${r6(a.fpr.difference_between_groups ?? 0)})`,
      {
        metric: 'equalized_odds_difference',
        value: eo,
        threshold: t.equalizedOdds,
        tpr_difference: a.tpr.difference_between_groups,
        fpr_difference: a.fpr.difference_between_groups,
        interval: ci.equalized_odds_difference,
      },
      conf(ci.equalized_odds_difference, t.equalizedOdds),
    );
  }
  const eop = result.fairlearn.equal_opportunity_difference.between_groups;
  if (eop !== null && eop > t.equalOpportunity) {
    add(
      FAIR_EQUAL_OPPORTUNITY,
      `equal opportunity difference ${r6(eop)} is above ${t.equalOpportunity} (TPR from ${r6(result.aggregates.tpr.group_min ?? 0)} to ${r6(result.aggregates.tpr.group_max ?? 0)})`,
      {
        metric: 'equal_opportunity_difference',
        value: eop,
        threshold: t.equalOpportunity,
        interval: ci.equal_opportunity_difference,
      },
      conf(ci.equal_opportunity_difference, t.equalOpportunity),
    );
  }
  for (const g of result.groups) {
    if (g.small) {
      add(FAIR_SMALL_GROUP, `group ${g.group} has ${g.count} rows, fewer than the minimum group size`, {
        group: g.group,
        count: g.count,
      });
    }
    const undefinedRates = (['tpr', 'fpr'] as const).filter((m) => g[m] === null);
    if (undefinedRates.length) {
      add(
        FAIR_UNDEFINED_RATE,
        `group ${g.group}: ${undefinedRates.map((m) => m.toUpperCase()).join(' and ')} undefined (no ${undefinedRates.includes('tpr') ? 'favorable' : 'unfavorable'} labels)`,
        {
          group: g.group,
          undefined: undefinedRates,
        },
      );
    }
  }
  return out;
}
