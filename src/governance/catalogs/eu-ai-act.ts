import type { Catalog, CatalogEntry } from './types.js';

/**
 * EU AI Act (Regulation (EU) 2024/1689) as data: risk tiers, the Article 5 prohibited practices, the Annex III
 * high-risk areas, the requirements of Articles 9–15 and the obligations the toolkit's evidence touches.
 * Descriptions are the project's own short summaries, not the Regulation's text (CELEX 32024R1689).
 */

/** Article 5(1) prohibited practices. `keywords` let a system card's `practices` list be matched to them. */
export const PROHIBITED_PRACTICES: readonly (CatalogEntry & { keywords: string[] })[] = [
  {
    id: 'Art. 5(1)(a)',
    kind: 'practice',
    name: 'Subliminal, manipulative or deceptive techniques',
    description:
      'Distorting behaviour through techniques people cannot perceive or resist, causing significant harm.',
    keywords: ['subliminal', 'manipulation', 'manipulative', 'deceptive'],
  },
  {
    id: 'Art. 5(1)(b)',
    kind: 'practice',
    name: 'Exploitation of vulnerabilities',
    description:
      'Exploiting age, disability or a social or economic situation to distort behaviour harmfully.',
    keywords: ['exploit vulnerabilities', 'exploiting vulnerabilities', 'vulnerability exploitation'],
  },
  {
    id: 'Art. 5(1)(c)',
    kind: 'practice',
    name: 'Social scoring',
    description:
      'Rating people on social behaviour or traits, leading to detrimental or disproportionate treatment.',
    keywords: ['social scoring', 'social score'],
  },
  {
    id: 'Art. 5(1)(d)',
    kind: 'practice',
    name: 'Crime prediction from profiling alone',
    description:
      'Assessing the risk that a person commits an offence solely from profiling or personality traits.',
    keywords: ['predictive policing', 'crime prediction', 'offence prediction', 'criminal risk profiling'],
  },
  {
    id: 'Art. 5(1)(e)',
    kind: 'practice',
    name: 'Untargeted facial image scraping',
    description:
      'Building or expanding facial-recognition databases by untargeted scraping of images from the internet or CCTV.',
    keywords: ['facial scraping', 'face scraping', 'untargeted scraping'],
  },
  {
    id: 'Art. 5(1)(f)',
    kind: 'practice',
    name: 'Emotion recognition at work or in education',
    description:
      'Inferring emotions of people in workplaces or educational institutions, except for medical or safety reasons.',
    keywords: [
      'workplace emotion recognition',
      'emotion recognition in education',
      'emotion recognition at work',
    ],
  },
  {
    id: 'Art. 5(1)(g)',
    kind: 'practice',
    name: 'Biometric categorisation of sensitive attributes',
    description:
      'Categorising people from biometric data to infer race, political views, union membership, religion or sex life.',
    keywords: [
      'biometric categorisation of sensitive',
      'infer race',
      'infer sexual orientation',
      'infer political',
    ],
  },
  {
    id: 'Art. 5(1)(h)',
    kind: 'practice',
    name: 'Real-time remote biometric identification for law enforcement',
    description:
      'Live remote biometric identification in publicly accessible spaces for law enforcement, outside narrow exceptions.',
    keywords: ['real-time remote biometric identification', 'live facial recognition in public'],
  },
];

/** Annex III high-risk areas, with the short keys a system card uses in `annexIIIArea`. */
export const ANNEX_III_AREAS: readonly (CatalogEntry & { key: string; aliases: string[] })[] = [
  {
    id: 'Annex III(1)',
    key: 'biometrics',
    kind: 'area',
    name: 'Biometrics',
    description:
      'Remote biometric identification, biometric categorisation, emotion recognition (where permitted).',
    aliases: ['biometric'],
  },
  {
    id: 'Annex III(2)',
    key: 'critical-infrastructure',
    kind: 'area',
    name: 'Critical infrastructure',
    description:
      'Safety components in the management of critical digital infrastructure, traffic, water, gas, heating, electricity.',
    aliases: ['infrastructure'],
  },
  {
    id: 'Annex III(3)',
    key: 'education',
    kind: 'area',
    name: 'Education and vocational training',
    description: 'Admission, assessment of learning outcomes, steering learning, proctoring.',
    aliases: ['vocational-training'],
  },
  {
    id: 'Annex III(4)',
    key: 'employment',
    kind: 'area',
    name: 'Employment, workers management and access to self-employment',
    description:
      'Recruitment and selection, decisions on promotion and termination, task allocation, monitoring of workers.',
    aliases: ['recruitment', 'hr', 'workers-management'],
  },
  {
    id: 'Annex III(5)',
    key: 'essential-services',
    kind: 'area',
    name: 'Access to essential private and public services and benefits',
    description:
      'Eligibility for public benefits, creditworthiness, life and health insurance pricing, emergency call triage.',
    aliases: ['credit', 'credit-scoring', 'insurance', 'public-benefits'],
  },
  {
    id: 'Annex III(6)',
    key: 'law-enforcement',
    kind: 'area',
    name: 'Law enforcement',
    description:
      'Victim risk assessment, polygraph-like tools, evidence reliability, re-offending risk, profiling in investigations.',
    aliases: ['policing'],
  },
  {
    id: 'Annex III(7)',
    key: 'migration',
    kind: 'area',
    name: 'Migration, asylum and border control management',
    description:
      'Risk assessment of persons, examination of applications, detection and identification at borders.',
    aliases: ['asylum', 'border-control'],
  },
  {
    id: 'Annex III(8)',
    key: 'justice-democracy',
    kind: 'area',
    name: 'Administration of justice and democratic processes',
    description: 'Assisting judicial authorities, influencing the outcome of elections or voting behaviour.',
    aliases: ['justice', 'elections', 'democracy'],
  },
];

/** Requirements for high-risk systems and related obligations evidence can support. */
export const ARTICLES: readonly CatalogEntry[] = [
  {
    id: 'Art. 4',
    kind: 'article',
    group: 'Chapter I',
    name: 'AI literacy',
    description: 'Staff who operate or use AI systems have sufficient AI literacy.',
  },
  {
    id: 'Art. 5',
    kind: 'article',
    group: 'Chapter II',
    name: 'Prohibited AI practices',
    description: 'Practices that may not be placed on the market, put into service or used.',
  },
  {
    id: 'Art. 6',
    kind: 'article',
    group: 'Chapter III',
    name: 'Classification rules for high-risk AI systems',
    description:
      'High-risk through Annex I product legislation or an Annex III use, with a documented derogation.',
  },
  {
    id: 'Art. 9',
    kind: 'article',
    group: 'Chapter III Section 2',
    name: 'Risk management system',
    description:
      'An iterative, documented lifecycle process to identify, evaluate and mitigate risks, tested against defined metrics.',
  },
  {
    id: 'Art. 10',
    kind: 'article',
    group: 'Chapter III Section 2',
    name: 'Data and data governance',
    description:
      'Training, validation and test data are governed, relevant, representative and examined for bias.',
  },
  {
    id: 'Art. 11',
    kind: 'article',
    group: 'Chapter III Section 2',
    name: 'Technical documentation',
    description:
      'Documentation covering the Annex IV items exists before market placement and is kept current.',
  },
  {
    id: 'Art. 12',
    kind: 'article',
    group: 'Chapter III Section 2',
    name: 'Record-keeping',
    description: 'The system logs events automatically over its lifetime for traceability and monitoring.',
  },
  {
    id: 'Art. 13',
    kind: 'article',
    group: 'Chapter III Section 2',
    name: 'Transparency and provision of information to deployers',
    description:
      'Instructions for use state purpose, accuracy, robustness, cybersecurity, risks, oversight and logging.',
  },
  {
    id: 'Art. 14',
    kind: 'article',
    group: 'Chapter III Section 2',
    name: 'Human oversight',
    description: 'People can understand, monitor, override and stop the system.',
  },
  {
    id: 'Art. 15',
    kind: 'article',
    group: 'Chapter III Section 2',
    name: 'Accuracy, robustness and cybersecurity',
    description:
      'Declared accuracy, resilience to faults and to attacks such as poisoning, evasion and model extraction.',
  },
  {
    id: 'Art. 17',
    kind: 'article',
    group: 'Chapter III Section 3',
    name: 'Quality management system',
    description: 'The provider runs a documented quality management system.',
  },
  {
    id: 'Art. 26',
    kind: 'article',
    group: 'Chapter III Section 3',
    name: 'Obligations of deployers',
    description: 'Deployers use the system as instructed, assign oversight, keep logs and monitor operation.',
  },
  {
    id: 'Art. 27',
    kind: 'article',
    group: 'Chapter III Section 3',
    name: 'Fundamental rights impact assessment',
    description: 'Certain deployers assess the impact on fundamental rights before first use.',
  },
  {
    id: 'Art. 50',
    kind: 'article',
    group: 'Chapter IV',
    name: 'Transparency obligations',
    description:
      'People are told they interact with AI; synthetic content is marked; deepfakes are disclosed.',
  },
  {
    id: 'Art. 72',
    kind: 'article',
    group: 'Chapter IX',
    name: 'Post-market monitoring',
    description: 'Providers collect and analyse performance data throughout the lifetime.',
  },
  {
    id: 'Art. 73',
    kind: 'article',
    group: 'Chapter IX',
    name: 'Reporting of serious incidents',
    description: 'Serious incidents are reported to market surveillance authorities.',
  },
  {
    id: 'Annex IV',
    kind: 'annex',
    group: 'Annexes',
    name: 'Technical documentation',
    description:
      'Contents of the technical documentation: description, development, monitoring, risk management, standards, changes.',
  },
];

/** Risk tiers, worst first. */
export const RISK_TIERS: readonly CatalogEntry[] = [
  {
    id: 'prohibited',
    kind: 'tier',
    name: 'Unacceptable risk (prohibited)',
    description: 'Falls under an Article 5 practice.',
  },
  {
    id: 'high-risk',
    kind: 'tier',
    name: 'High risk',
    description: 'Annex I product safety component or an Annex III use (Article 6).',
  },
  {
    id: 'transparency',
    kind: 'tier',
    name: 'Transparency obligations',
    description: 'Interacts with people, generates synthetic content, or recognises emotions (Article 50).',
  },
  {
    id: 'minimal',
    kind: 'tier',
    name: 'Minimal risk',
    description: 'No obligations beyond AI literacy; voluntary codes.',
  },
];

/** When provisions apply. Dates are data with their source; amendments change them. */
export const APPLICATION_DATES: readonly {
  provisions: string;
  date: string;
  source: string;
  note?: string;
}[] = [
  { provisions: 'Entry into force', date: '2024-08-01', source: 'Regulation (EU) 2024/1689, Art. 113' },
  {
    provisions: 'Art. 4 (AI literacy), Art. 5 (prohibited practices), Chapters I–II',
    date: '2025-02-02',
    source: 'Regulation (EU) 2024/1689, Art. 113(a)',
  },
  {
    provisions: 'General-purpose AI models (Chapter V), governance, penalties',
    date: '2025-08-02',
    source: 'Regulation (EU) 2024/1689, Art. 113(b)',
  },
  {
    provisions: 'Remaining provisions, incl. Annex III high-risk obligations and Art. 50',
    date: '2026-08-02',
    source: 'Regulation (EU) 2024/1689, Art. 113',
  },
  {
    provisions: 'Annex I (product-embedded) high-risk obligations, Art. 6(1)',
    date: '2027-08-02',
    source: 'Regulation (EU) 2024/1689, Art. 113(c)',
  },
  {
    provisions: 'Annex III high-risk obligations (proposed postponement)',
    date: '2027-12-02',
    source:
      'Digital Omnibus on AI, political agreement of 2026-05-07 (secondary sources; verify the amending act)',
    note: 'Reported, not verified against the Official Journal.',
  },
  {
    provisions: 'Annex I high-risk obligations (proposed postponement)',
    date: '2028-08-02',
    source:
      'Digital Omnibus on AI, political agreement of 2026-05-07 (secondary sources; verify the amending act)',
    note: 'Reported, not verified against the Official Journal.',
  },
];

export const EU_AI_ACT: Catalog = {
  framework: 'euAiAct',
  name: 'EU Artificial Intelligence Act',
  version: '2024/1689',
  source: {
    title: 'Regulation (EU) 2024/1689 (Artificial Intelligence Act)',
    publisher: 'European Union',
    reference: 'CELEX 32024R1689',
    license: 'EUR-Lex reuse with acknowledgement (Decision 2011/833/EU); descriptions are our own',
  },
  entries: [
    ...RISK_TIERS,
    ...PROHIBITED_PRACTICES.map(({ keywords: _k, ...e }) => e),
    ...ANNEX_III_AREAS.map(({ key, aliases: _a, ...e }) => ({ ...e, extra: { key } })),
    ...ARTICLES,
  ],
};
