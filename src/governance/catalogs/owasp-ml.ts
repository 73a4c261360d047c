import type { Catalog, CatalogEntry } from './types.js';

/**
 * OWASP Machine Learning Security Top 10 (2023 edition, still a draft at OWASP "Incubator" level). Ids are written
 * `ML01` … `ML10` (the list's own form is `ML01:2023`). Names are OWASP's current titles (facts); older names used
 * by earlier drafts and third-party mappings are kept as `aliases`. Descriptions are Bulwark's own one-liners (the
 * OWASP prose is CC BY-SA 4.0 and is not shipped).
 */
export const OWASP_ML_ENTRIES: readonly (CatalogEntry & { aliases: string[] })[] = [
  {
    id: 'ML01',
    kind: 'risk',
    name: 'Input Manipulation Attack',
    aliases: ['Adversarial Attack'],
    description: 'Crafted inputs make the model produce wrong or attacker-chosen outputs.',
  },
  {
    id: 'ML02',
    kind: 'risk',
    name: 'Data Poisoning Attack',
    aliases: [],
    description: 'Tampered training data makes the model learn wrong or hidden behaviour.',
  },
  {
    id: 'ML03',
    kind: 'risk',
    name: 'Model Inversion Attack',
    aliases: [],
    description: 'Model outputs are used to reconstruct sensitive training data.',
  },
  {
    id: 'ML04',
    kind: 'risk',
    name: 'Membership Inference Attack',
    aliases: [],
    description: 'An attacker learns whether a given record was in the training set.',
  },
  {
    id: 'ML05',
    kind: 'risk',
    name: 'Model Theft',
    aliases: ['Model Stealing'],
    description: 'The model or its functionality is copied through access or queries.',
  },
  {
    id: 'ML06',
    kind: 'risk',
    name: 'ML Supply Chain Attacks',
    aliases: ['AI Supply Chain Attacks', 'Corrupted Packages'],
    description: 'Compromised libraries, models, data or tools reach the ML pipeline.',
  },
  {
    id: 'ML07',
    kind: 'risk',
    name: 'Transfer Learning Attack',
    aliases: [],
    description: 'A tampered base model passes malicious behaviour on to models fine-tuned from it.',
  },
  {
    id: 'ML08',
    kind: 'risk',
    name: 'Model Skewing',
    aliases: [],
    description: 'Manipulated feedback or live data gradually biases the model’s behaviour.',
  },
  {
    id: 'ML09',
    kind: 'risk',
    name: 'Output Integrity Attack',
    aliases: [],
    description: 'Model outputs are altered between the model and their consumer.',
  },
  {
    id: 'ML10',
    kind: 'risk',
    name: 'Model Poisoning',
    aliases: ['Neural Net Reprogramming'],
    description: 'The model’s parameters are directly changed to alter its behaviour.',
  },
];

export const OWASP_ML: Catalog = {
  framework: 'owaspMl',
  name: 'OWASP Machine Learning Security Top 10',
  version: '2023',
  source: {
    title: 'OWASP Machine Learning Security Top Ten (2023, draft)',
    publisher: 'OWASP Foundation',
    reference: 'https://github.com/OWASP/www-project-machine-learning-security-top-10',
    license:
      'ids and titles are facts (list text is CC BY-SA 4.0 and not shipped); descriptions are Bulwark’s own',
  },
  entries: OWASP_ML_ENTRIES.map(({ aliases, ...e }) => ({
    ...e,
    extra: { aliases, fullId: `${e.id}:2023` },
  })),
};
