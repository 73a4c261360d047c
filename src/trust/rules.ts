import { defineRule, defineRuleFamily } from '../core/rules.js';

defineRuleFamily(
  'fairness',
  `Group fairness checks run by \`bulwark fairness\` on a table of labels, predictions and sensitive attributes. The metrics follow Fairlearn's and AIF360's definitions exactly (see docs/fairness.md); thresholds are options of the command. Each finding carries the measured value, the threshold, the groups involved and, with \`--bootstrap\`, a confidence interval.`,
);

/** Framework controls that ask for bias measurement: EU AI Act data governance, NIST AI RMF fairness, ISO 42001. */
const FAIRNESS_REFS = { euAiAct: ['Art. 10'], nistAiRmf: ['MEASURE 2.11'], iso42001: ['A.5.4', 'A.7.4'] };

export const FAIR_DISPARATE_IMPACT = defineRule({
  id: 'BW-FAIR-001',
  name: 'disparate-impact',
  family: 'fairness',
  title: 'Disparate impact below threshold (four-fifths rule)',
  description:
    "The favorable-outcome rate of the unprivileged group divided by that of the privileged group (AIF360 disparate_impact) is below the threshold (default 0.8, the four-fifths rule). Without --privileged the ratio is the lowest group selection rate over the highest (Fairlearn's demographic_parity_ratio).",
  severity: 'high',
  impact: 'suspicious',
  confidence: 'high',
  remediation:
    'Investigate the model and data for the disadvantaged group (label bias, under-representation, proxy features); consider mitigation (reweighing, threshold optimisation) and document the decision.',
  references: FAIRNESS_REFS,
});

export const FAIR_DEMOGRAPHIC_PARITY = defineRule({
  id: 'BW-FAIR-002',
  name: 'demographic-parity-difference',
  family: 'fairness',
  title: 'Demographic parity difference above threshold',
  description:
    'The largest gap between group selection rates (Fairlearn demographic_parity_difference, between_groups) is above the threshold (default 0.1).',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'high',
  remediation:
    'Check whether the gap in selection rates is justified by the task; if not, mitigate and re-measure.',
  references: FAIRNESS_REFS,
});

export const FAIR_EQUALIZED_ODDS = defineRule({
  id: 'BW-FAIR-003',
  name: 'equalized-odds-difference',
  family: 'fairness',
  title: 'Equalized odds difference above threshold',
  description:
    'The larger of the TPR gap and the FPR gap between groups (Fairlearn equalized_odds_difference, worst_case) is above the threshold (default 0.1): error rates differ between groups.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'high',
  remediation:
    'Compare per-group error rates; consider post-processing (group thresholds) or retraining with fairness constraints.',
  references: FAIRNESS_REFS,
});

export const FAIR_SMALL_GROUP = defineRule({
  id: 'BW-FAIR-004',
  name: 'small-group',
  family: 'fairness',
  title: 'Group too small to measure reliably',
  description:
    'A group (or intersectional group) has fewer rows than --min-group-size (default 30); its rates, and disparities involving it, have wide uncertainty.',
  severity: 'low',
  impact: 'none',
  confidence: 'high',
  remediation:
    'Collect more data for the group, merge sparse categories, or read the result with its bootstrap interval (--bootstrap).',
  references: FAIRNESS_REFS,
});

export const FAIR_EQUAL_OPPORTUNITY = defineRule({
  id: 'BW-FAIR-005',
  name: 'equal-opportunity-difference',
  family: 'fairness',
  title: 'Equal opportunity difference above threshold',
  description:
    'The gap between group true positive rates (Fairlearn equal_opportunity_difference, between_groups) is above the threshold (default 0.1): qualified members of some groups get the favorable outcome less often.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'high',
  remediation:
    'Compare per-group recall; consider group-aware thresholds or more representative training data.',
  references: FAIRNESS_REFS,
});

export const FAIR_UNDEFINED_RATE = defineRule({
  id: 'BW-FAIR-006',
  name: 'undefined-rate',
  family: 'fairness',
  title: 'A group rate is undefined',
  description:
    "A group has no favorable labels (TPR undefined) or no unfavorable labels (FPR undefined). The group is left out of that rate's disparities, so they may understate the gap (Fairlearn would count the rate as 0).",
  severity: 'info',
  impact: 'none',
  confidence: 'high',
  remediation: 'Check the label column and --favorable; collect labelled data for the group.',
  references: FAIRNESS_REFS,
});
