import { defineRule, defineRuleFamily } from '../../core/rules.js';

defineRuleFamily(
  'model-card',
  `Completeness and validity of a model's documentation: the Hugging Face model card (README front matter and sections) and the information EU AI Act Article 13 and Annex IV ask a provider to give deployers. Produced by \`bulwark card\`. Missing information is a finding, so a gate can require it.`,
);

const DOCS = {
  euAiAct: ['Art. 11', 'Art. 13', 'Annex IV'],
  nistAiRmf: ['MAP 2.2', 'MEASURE 2.9'],
  iso42001: ['A.6.2.7', 'A.8.2'],
};

export const CARD_MISSING = defineRule({
  id: 'BW-CARD-001',
  name: 'model-card-missing',
  family: 'model-card',
  title: 'The model has no model card',
  description:
    'No README.md (model card) was found next to the model, so users cannot learn its intended use, limitations, training data or evaluation.',
  severity: 'medium',
  impact: 'none',
  confidence: 'high',
  remediation:
    'Write a README.md with Hugging Face front matter; `bulwark card --write-readme` drafts one from the evidence.',
  references: DOCS,
});

export const CARD_FIELD_MISSING = defineRule({
  id: 'BW-CARD-002',
  name: 'model-card-field-missing',
  family: 'model-card',
  title: 'Mandatory model card information is missing',
  description:
    'A field every model card must have is absent: license, intended use, limitations and risks, training data, or evaluation results.',
  severity: 'medium',
  impact: 'none',
  confidence: 'high',
  remediation: 'Add the missing field to the README front matter or the named section.',
  references: DOCS,
});

export const CARD_EU_INFO_MISSING = defineRule({
  id: 'BW-CARD-003',
  name: 'eu-ai-act-information-missing',
  family: 'model-card',
  title: 'Information required by EU AI Act Article 13 / Annex IV is missing',
  description:
    'For a high-risk AI system the provider must give deployers instructions for use (Article 13) and keep technical documentation (Annex IV). A required item is not in the system card or the evidence.',
  severity: 'high',
  impact: 'none',
  confidence: 'medium',
  remediation:
    'Add the item to the system card (`--system-card FILE`); see docs/model-cards.md for the field list.',
  references: DOCS,
});

export const CARD_INVALID = defineRule({
  id: 'BW-CARD-004',
  name: 'model-card-invalid',
  family: 'model-card',
  title: 'Model card metadata is malformed',
  description:
    'The README front matter is not valid YAML or does not follow the Hugging Face model card schema (license, datasets, base_model, model-index results).',
  severity: 'low',
  impact: 'none',
  confidence: 'high',
  remediation: 'Fix the front matter at the path named in the finding.',
  references: DOCS,
});
