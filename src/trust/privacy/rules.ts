import { defineRule, defineRuleFamily } from '../../core/rules.js';

defineRuleFamily(
  'privacy',
  `Privacy checks of training and evaluation data and of trained models: personal data and secrets in datasets
(\`bulwark privacy pii\`), k-anonymity, ℓ-diversity and t-closeness of released tables (\`bulwark privacy kanon\`), and
membership-inference leakage of a model (\`bulwark privacy membership\`). Findings carry the governance frameworks
they support in \`evidence.frameworks\` (EU AI Act Art. 10 data governance, NIST AI RMF MEASURE 2.10 privacy risk,
ISO/IEC 42001 A.7 data for AI systems). See docs/privacy.md.`,
);

/** Framework references put in every privacy finding's evidence. */
export const PRIVACY_FRAMEWORKS = Object.freeze({
  euAiAct: ['Art. 10'],
  nistAiRmf: ['MEASURE 2.10'],
  iso42001: ['A.7.2', 'A.7.4', 'A.7.5'],
});

const REFS = { euAiAct: ['Art. 10'], nistAiRmf: ['MEASURE 2.10'], iso42001: ['A.7.4'] };

export const PRIV_PII = defineRule({
  id: 'BW-PRIV-001',
  name: 'pii-in-dataset',
  family: 'privacy',
  title: 'Personal data found in a dataset',
  description:
    'Values that look like personal data (payment cards, IBANs, national ids, e-mail addresses, phone numbers, IP addresses, …) were found by pattern, checksum and context rules. One finding per entity type; the severity depends on the type (financial and national identifiers high, contact data medium, network identifiers low). Evidence lists counts, affected columns and masked samples, never values in clear.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'medium',
  remediation:
    'Remove or pseudonymise the columns that hold personal data before training (bulwark privacy pii --redact OUT), or document the legal basis and data-protection measures for keeping them.',
  references: REFS,
});

export const PRIV_SECRET = defineRule({
  id: 'BW-PRIV-002',
  name: 'secret-in-dataset',
  family: 'privacy',
  title: 'Secret (API key, token, private key) found in a dataset',
  description:
    'A credential was found in the data: a cloud access key, a GitHub/Slack/Stripe/Google/OpenAI token, a JWT, a PEM private key, or a high-entropy value assigned to a secret-like name. Models trained on such data can memorise and emit it. Reports show only the type, the location and the first characters.',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'medium',
  remediation:
    'Revoke and rotate the credential, then remove it from the dataset and from every copy and model trained on it.',
  references: { ...REFS, cwe: ['CWE-798'] },
});

export const PRIV_KANON = defineRule({
  id: 'BW-PRIV-003',
  name: 'k-anonymity-below-target',
  family: 'privacy',
  title: 'k-anonymity below target',
  description:
    'Some equivalence classes of the quasi-identifiers (after the chosen generalisation) are smaller than the target k, so the records in them can be singled out (prosecutor re-identification risk 1/size).',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'high',
  remediation:
    'Generalise the quasi-identifiers further (a higher hierarchy level), suppress the listed small classes, or drop a quasi-identifier.',
  references: REFS,
});

export const PRIV_LDIV = defineRule({
  id: 'BW-PRIV-004',
  name: 'l-diversity-t-closeness-violated',
  family: 'privacy',
  title: 'ℓ-diversity or t-closeness violated',
  description:
    'In some equivalence classes the sensitive attribute has fewer than ℓ distinct values, or its distribution is further than t (Earth Mover’s Distance) from the whole table’s, so membership in the class discloses the sensitive value (homogeneity or skewness attack).',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'high',
  remediation: 'Generalise the quasi-identifiers further or suppress the listed classes.',
  references: REFS,
});

export const PRIV_MEMBERSHIP = defineRule({
  id: 'BW-PRIV-005',
  name: 'membership-leakage',
  family: 'privacy',
  title: 'Model leaks training-set membership',
  description:
    'A threshold attack on per-sample scores (loss or confidence) separates training members from non-members better than chance: the ROC AUC or the true-positive rate at a low false-positive rate exceeds the threshold, so an attacker can tell whether a record was used for training.',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'medium',
  remediation:
    'Reduce overfitting (regularisation, early stopping, more data), train with differential privacy (DP-SGD), or limit the model’s outputs (labels only, rounded confidences).',
  references: { ...REFS, atlas: ['AML.T0024.000'], owaspMl: ['ML04'] },
});
