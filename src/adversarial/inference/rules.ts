import { defineRule, defineRuleFamily } from '../../core/rules.js';

defineRuleFamily(
  'inference',
  `Membership-inference attacks run against a model (\`bulwark membership-attack\`): a threshold attack on the
target's confidence and loss, and a shadow-model attack (Shokri et al. 2017) that trains shadow models with known
membership and an attack classifier on their outputs. Findings mean an attacker who can query the model can tell
whether a record was in its training set. The metrics (ROC AUC, TPR at low FPR, advantage) are those of
\`bulwark privacy membership\` (BW-PRIV-005), which audits precomputed scores. See docs/extraction-inference.md.`,
);

const REFS = {
  atlas: ['AML.T0024.000'],
  owaspMl: ['ML04'],
  owaspLlm: ['LLM02'],
  euAiAct: ['Art. 15'],
  nistAiRmf: ['MEASURE 2.10'],
  iso42001: ['A.7.4'],
};

export const INF_SHADOW = defineRule({
  id: 'BW-INF-001',
  name: 'membership-inference-shadow-attack',
  family: 'inference',
  title: 'Shadow-model membership-inference attack succeeds',
  description:
    'An attack classifier trained on shadow models (trained on the attacker’s own data with known membership) separates the target’s training members from non-members: its ROC AUC or its TPR at 1% FPR reaches the leakage criteria. The model memorises its training records and reveals membership through its output scores.',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'medium',
  remediation:
    'Regularise the model (weight decay, early stopping, dropout), train with differential privacy (DP-SGD), return labels or rounded top-1 scores instead of probability vectors, and re-run the attack.',
  references: REFS,
});

export const INF_THRESHOLD = defineRule({
  id: 'BW-INF-002',
  name: 'membership-inference-threshold-attack',
  family: 'inference',
  title: 'Threshold membership-inference attack on confidence or loss succeeds',
  description:
    'Thresholding the target’s confidence in the true label (or its loss) separates training members from non-members: ROC AUC or TPR at 1% FPR reaches the leakage criteria. This needs no shadow models, so any client with labelled records can run it.',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'high',
  remediation:
    'Reduce the generalisation gap (regularisation, more data, early stopping), train with differential privacy, and avoid exposing full probability vectors.',
  references: REFS,
});

export const INFERENCE_RULES = [INF_SHADOW, INF_THRESHOLD] as const;
