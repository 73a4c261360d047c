import type { Catalog, CatalogEntry } from './types.js';

/**
 * OWASP Top 10 for Large Language Model Applications, 2025 edition. Ids are written `LLM01` … `LLM10` (the list's
 * own form is `LLM01:2025`). Names are OWASP's titles (facts); descriptions are Bulwark's own one-liners (the OWASP
 * prose is CC BY-SA 4.0 and is not shipped).
 */
const ROWS: readonly [string, string, string][] = [
  [
    'LLM01',
    'Prompt Injection',
    'Input, direct or hidden in retrieved content, overrides the application’s instructions.',
  ],
  [
    'LLM02',
    'Sensitive Information Disclosure',
    'The model or application reveals personal, confidential or proprietary data.',
  ],
  [
    'LLM03',
    'Supply Chain',
    'Third-party models, datasets, adapters or packages are vulnerable or tampered with.',
  ],
  [
    'LLM04',
    'Data and Model Poisoning',
    'Pre-training, fine-tuning or embedding data, or the model itself, is manipulated.',
  ],
  [
    'LLM05',
    'Improper Output Handling',
    'Model output reaches downstream systems without validation or encoding.',
  ],
  [
    'LLM06',
    'Excessive Agency',
    'The application grants the model more tools, permissions or autonomy than needed.',
  ],
  ['LLM07', 'System Prompt Leakage', 'System prompts that hold secrets or security logic are exposed.'],
  [
    'LLM08',
    'Vector and Embedding Weaknesses',
    'Retrieval stores and embeddings are poisoned, leaked or cross-tenant accessible.',
  ],
  ['LLM09', 'Misinformation', 'Users rely on false or fabricated content the model presents as fact.'],
  [
    'LLM10',
    'Unbounded Consumption',
    'Unlimited inference use leads to denial of service, runaway cost or model extraction.',
  ],
];

export const OWASP_LLM: Catalog = {
  framework: 'owaspLlm',
  name: 'OWASP Top 10 for LLM Applications',
  version: '2025',
  source: {
    title: 'OWASP Top 10 for LLM Applications 2025',
    publisher: 'OWASP Foundation',
    reference: 'https://github.com/OWASP/www-project-top-10-for-large-language-model-applications',
    license:
      'ids and titles are facts (list text is CC BY-SA 4.0 and not shipped); descriptions are Bulwark’s own',
  },
  entries: ROWS.map(([id, name, description]): CatalogEntry => ({
    id,
    name,
    description,
    kind: 'risk',
    extra: { fullId: `${id}:2025` },
  })),
};
