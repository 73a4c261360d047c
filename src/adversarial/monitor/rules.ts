import { defineRule, defineRuleFamily } from '../../core/rules.js';

defineRuleFamily(
  'drift',
  `Production drift monitoring (\`bulwark monitor REFERENCE CURRENT\`): data and prediction drift between a reference
dataset (training or validation data) and current data or an inference log, with Evidently's default tests and
thresholds (KS / chi-squared / Z below 1,000 reference rows, normed Wasserstein / Jensen–Shannon above; dataset drift
when at least half the columns drift), optionally per time window. Drift is a post-market monitoring signal (EU AI
Act Art. 72, NIST AI RMF MEASURE 2.4 / MANAGE 4.1, ISO/IEC 42001 A.6.2.6); sudden drift in inputs or outputs can also
be the trace of data poisoning or evasion (MITRE ATLAS AML.T0020, AML.T0031). See docs/monitoring.md.`,
);

const REFS = {
  nistAiRmf: ['MEASURE 2.4', 'MANAGE 4.1'],
  iso42001: ['A.6.2.6'],
  euAiAct: ['Art. 72'],
};

export const DRIFT_DATASET = defineRule({
  id: 'BW-DRIFT-001',
  name: 'dataset-drift',
  family: 'drift',
  title: 'Dataset drift detected',
  description:
    "The share of drifted columns reached the drift share (default 0.5, as Evidently's DatasetDriftMetric), over the whole current data or in at least one time window. The model now sees inputs that differ from the data it was validated on, so its measured accuracy, fairness and robustness may no longer hold.",
  severity: 'high',
  impact: 'suspicious',
  confidence: 'medium',
  remediation:
    'Investigate the drifted columns (upstream pipeline changes, new populations, seasonality, or deliberate manipulation), re-validate the model on recent labelled data, and retrain or roll back if its performance dropped.',
  references: { ...REFS, atlas: ['AML.T0020', 'AML.T0031'] },
});

export const DRIFT_FEATURE = defineRule({
  id: 'BW-DRIFT-002',
  name: 'feature-drift',
  family: 'drift',
  title: 'Feature drift detected',
  description:
    "One column's distribution in the current data differs from the reference by the column's drift test (p-value below, or distance at or above, the threshold). One finding per drifted column; evidence holds the test, score, threshold and sample sizes.",
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'medium',
  remediation:
    'Check how the column is produced in production versus training (units, encoding, defaults for missing values), and whether the change is expected; monitor it and re-validate the model if it matters for predictions.',
  references: { ...REFS, atlas: ['AML.T0020'] },
});

export const DRIFT_PREDICTION = defineRule({
  id: 'BW-DRIFT-003',
  name: 'prediction-drift',
  family: 'drift',
  title: 'Prediction drift detected',
  description:
    "The distribution of the model's predictions (the --prediction column) drifted from the reference. Without labels this is the earliest sign that model behaviour changed in production; it may come from input drift, a changed model, or adversarial inputs aimed at one outcome.",
  severity: 'high',
  impact: 'suspicious',
  confidence: 'medium',
  remediation:
    'Compare recent predictions with labelled outcomes as soon as labels are available, check which input columns drifted, verify the deployed model is the validated one (bulwark verify), and look for clusters of unusual queries.',
  references: { ...REFS, atlas: ['AML.T0031', 'AML.T0015'] },
});

export const DRIFT_INCONCLUSIVE = defineRule({
  id: 'BW-DRIFT-004',
  name: 'drift-inconclusive',
  family: 'drift',
  title: 'Drift test inconclusive: too few rows or missing column',
  description:
    'A column could not be tested reliably: it is missing from the current data, has no values on one side, or one side has fewer values than the minimum (default 30) for the test to mean much. The column is reported but its result should not be trusted.',
  severity: 'medium',
  impact: 'inconclusive',
  confidence: 'high',
  remediation:
    'Make sure the current data or inference log carries every monitored column, and test over longer windows (--window) so that each window holds enough rows.',
  references: REFS,
});
