import { defineRule, defineRuleFamily } from '../../core/rules.js';

defineRuleFamily(
  'robustness',
  `Adversarial robustness evaluation (\`bulwark robustness MODEL --data TEST\`): evasion attacks (FGSM, PGD, Square,
SimBA, HopSkipJump) with ART's defaults are run against the model within an L∞ or L2 budget ε, and robust accuracy
is compared with a policy threshold. Evasion is MITRE ATLAS AML.T0015 (Evade ML Model) through crafted adversarial
data (AML.T0043), OWASP ML01 (input manipulation); EU AI Act Art. 15 asks high-risk systems to be resilient against
adversarial examples (NIST AI RMF MEASURE 2.6 / 2.7, ISO/IEC 42001 A.6.2.4). See docs/robustness.md.`,
);

const REFS = {
  atlas: ['AML.T0015', 'AML.T0043'],
  owaspMl: ['ML01'],
  euAiAct: ['Art. 15'],
  nistAiRmf: ['MEASURE 2.6', 'MEASURE 2.7'],
  iso42001: ['A.6.2.4'],
};

export const ROBUST_ACCURACY_LOW = defineRule({
  id: 'BW-ROB-001',
  name: 'robust-accuracy-below-threshold',
  family: 'robustness',
  title: 'Robust accuracy below the policy threshold',
  description:
    'Under an evasion attack with perturbations bounded by ε (L∞ or L2), the share of test samples the model still classifies correctly fell below the threshold (default 0.5). An attacker who can alter inputs by that much can make the model misclassify. One finding per (attack, norm, ε); evidence holds clean and robust accuracy, attack success rate and perturbation norms.',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'high',
  remediation:
    'Train with adversarial examples (PGD adversarial training, TRADES), reduce input precision or add input preprocessing validated against adaptive attacks, restrict query access and return labels rather than scores, and re-run the evaluation; document the measured robustness for EU AI Act Art. 15.',
  references: REFS,
});

export const TINY_PERTURBATION = defineRule({
  id: 'BW-ROB-002',
  name: 'tiny-perturbation-success',
  family: 'robustness',
  title: 'Attack succeeds with a tiny perturbation',
  description:
    'At least 5% of the correctly classified samples were misclassified with a perturbation of at most 1% of the input range per feature (L∞; for L2, 1% of the range times √d). Such changes are usually imperceptible, noise-level, or within measurement error of the inputs.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'high',
  remediation:
    'Treat the model as brittle: adversarial training, input smoothing or randomized smoothing, and monitoring of query streams for attack patterns (many near-duplicate queries).',
  references: REFS,
});

export const ROBUSTNESS_INCONCLUSIVE = defineRule({
  id: 'BW-ROB-003',
  name: 'robustness-evaluation-inconclusive',
  family: 'robustness',
  title: 'Robustness evaluation inconclusive: query budget exhausted',
  description:
    'The query budget (per sample or in total) ran out before the attack finished for some samples that it had not yet broken, so the reported robust accuracy is only an upper bound.',
  severity: 'medium',
  impact: 'inconclusive',
  confidence: 'high',
  remediation:
    'Raise --max-queries (or the total budget), evaluate fewer samples (--samples), or use a stronger attack with the access the model offers (gradients: PGD).',
  references: REFS,
});
