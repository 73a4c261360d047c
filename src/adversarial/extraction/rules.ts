import { defineRule, defineRuleFamily } from '../../core/rules.js';

defineRuleFamily(
  'extraction',
  `Model-extraction attacks run against a model (\`bulwark extraction\`): a KnockoffNets/Copycat-style attack that
trains a surrogate from the target's answers within a query budget and measures its agreement with the target, and
an equation-solving attack (Tramèr et al. 2016) that recovers the exact parameters of linear/logistic models from
their class scores. Findings mean the model can be stolen cheaply by anyone who may query it. See
docs/extraction-inference.md.`,
);

const REFS = {
  atlas: ['AML.T0024.002'],
  owaspMl: ['ML05'],
  owaspLlm: ['LLM02'],
  euAiAct: ['Art. 15'],
  nistAiRmf: ['MEASURE 2.7'],
  iso42001: ['A.6.2.4'],
};

export const EXT_SURROGATE = defineRule({
  id: 'BW-EXT-001',
  name: 'model-easily-extracted',
  family: 'extraction',
  title: 'Model easily extracted: a surrogate trained on a small query budget agrees with it',
  description:
    'A surrogate model trained only on the target’s answers to at most the given number of queries (KnockoffNets/Copycat-style, random transfer samples) agrees with the target’s top-1 prediction on held-out data at or above the agreement threshold. Anyone allowed that many queries can build a functional copy, then use it offline for evasion attacks or to avoid paying for the model.',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'high',
  remediation:
    'Return labels (or rounded top-k scores) instead of full probability vectors, rate-limit and monitor queries per client (bulwark guard, PRADA-style detection), watermark the model, and keep query budgets per client well below the budget reported here.',
  references: REFS,
});

export const EXT_EQUATION = defineRule({
  id: 'BW-EXT-002',
  name: 'linear-parameters-recovered',
  family: 'extraction',
  title: 'Exact parameters of a linear/logistic model recovered from its scores',
  description:
    'The target returns class probabilities of a linear (logistic/softmax) model: d + 1 queries were enough to solve for its weights and bias from the log-odds of the returned scores (equation-solving extraction, Tramèr et al. 2016). The recovered model reproduces the target’s log-odds on fresh points and agrees with its predictions.',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'high',
  remediation:
    'Do not expose probability vectors of linear models to untrusted clients: return labels only, or round/perturb the scores (reverse-sigmoid, coarse rounding), and rate-limit queries.',
  references: REFS,
});

export const EXTRACTION_RULES = [EXT_SURROGATE, EXT_EQUATION] as const;
