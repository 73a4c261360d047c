import type { Catalog, CatalogEntry } from './types.js';

/**
 * NIST AI 600-1, the Generative AI Profile of the AI RMF (July 2024): the 12 risks unique to or made worse by
 * generative AI. Ids are Bulwark's stable slugs (`GAI-01` … `GAI-12`, in the profile's order); names are the
 * profile's risk names, descriptions our own.
 */
const RISKS: readonly [string, string, string][] = [
  [
    'GAI-01',
    'CBRN Information or Capabilities',
    'Easier access to information or help that enables chemical, biological, radiological or nuclear weapons.',
  ],
  ['GAI-02', 'Confabulation', 'Confidently stated but false or invented content ("hallucinations").'],
  [
    'GAI-03',
    'Dangerous, Violent, or Hateful Content',
    'Generation of content that incites violence, hate or dangerous acts.',
  ],
  ['GAI-04', 'Data Privacy', 'Leakage, inference or misuse of personal data from training or prompts.'],
  ['GAI-05', 'Environmental Impacts', 'High energy, water and resource use of training and inference.'],
  [
    'GAI-06',
    'Harmful Bias or Homogenization',
    'Amplified societal bias and loss of diversity in outputs and decisions.',
  ],
  [
    'GAI-07',
    'Human-AI Configuration',
    'Over-reliance, automation bias or misplaced trust in the interaction between people and the system.',
  ],
  [
    'GAI-08',
    'Information Integrity',
    'Large-scale production of misleading content and blurred lines between fact and fabrication.',
  ],
  [
    'GAI-09',
    'Information Security',
    'Lowered barriers to cyberattacks and new attack surfaces such as prompt injection and poisoning.',
  ],
  [
    'GAI-10',
    'Intellectual Property',
    'Reproduction of protected works or misuse of others’ content and likeness.',
  ],
  [
    'GAI-11',
    'Obscene, Degrading, and/or Abusive Content',
    'Creation of degrading or non-consensual intimate imagery and abuse material.',
  ],
  [
    'GAI-12',
    'Value Chain and Component Integration',
    'Opaque or unvetted third-party models, data and components in the system.',
  ],
];

export const NIST_AI_600_1: Catalog = {
  framework: 'nist600-1',
  name: 'NIST AI 600-1 Generative AI Profile',
  version: '2024-07',
  source: {
    title:
      'Artificial Intelligence Risk Management Framework: Generative Artificial Intelligence Profile (NIST AI 600-1)',
    publisher: 'National Institute of Standards and Technology',
    reference: 'https://doi.org/10.6028/NIST.AI.600-1',
    license:
      'US government work (public domain in the US); ids GAI-NN are Bulwark’s, descriptions are Bulwark’s own',
  },
  entries: RISKS.map(([id, name, description]): CatalogEntry => ({ id, name, description, kind: 'risk' })),
};
