import type { Catalog, CatalogEntry } from './types.js';

/**
 * NIST AI Risk Management Framework 1.0 (NIST AI 100-1, January 2023): 4 functions, 19 categories and 72
 * subcategories. Ids follow the project format `FUNCTION N.N` (e.g. `MEASURE 2.11`); categories are `FUNCTION N`.
 * Names and descriptions are Bulwark's own short paraphrases; quote the Core text itself for compliance evidence.
 */

type Row = readonly [id: string, name: string, description: string];

// prettier-ignore
const FUNCTIONS: readonly Row[] = [
  ['GOVERN', 'Govern', 'A culture, policies and accountability for managing AI risk across the organisation.'],
  ['MAP', 'Map', 'The context, purpose, actors and possible impacts of an AI system are understood.'],
  ['MEASURE', 'Measure', 'AI risks and trustworthiness are analysed, tested and tracked with suitable methods.'],
  ['MANAGE', 'Manage', 'Risks are prioritised, treated, monitored and communicated over time.'],
];

// prettier-ignore
const CATEGORIES: readonly Row[] = [
  ['GOVERN 1', 'Policies and processes', 'Policies, processes and practices for AI risk are in place, transparent and applied.'],
  ['GOVERN 2', 'Accountability structures', 'People and teams are empowered, trained and accountable for AI risk.'],
  ['GOVERN 3', 'Diversity and inclusion', 'Diverse teams and clear human-AI roles inform risk decisions.'],
  ['GOVERN 4', 'Risk-aware culture', 'Teams think critically about AI risk and share what they learn.'],
  ['GOVERN 5', 'Engagement with AI actors', 'Feedback from people outside the team, including affected communities, is sought and used.'],
  ['GOVERN 6', 'Third parties and supply chain', 'Risks from third-party software, data and models are covered by policy.'],
  ['MAP 1', 'Context', 'The intended use, setting and stakeholders of the system are established.'],
  ['MAP 2', 'Categorisation', 'The system, its tasks and its limits are categorised and documented.'],
  ['MAP 3', 'Capabilities, benefits and costs', 'Expected benefits, costs and the targeted scope are understood.'],
  ['MAP 4', 'Component risks', 'Risks and benefits of every component, including third-party ones, are mapped.'],
  ['MAP 5', 'Impacts', 'Impacts on individuals, groups, organisations and society are characterised.'],
  ['MEASURE 1', 'Methods and metrics', 'Suitable methods and metrics are chosen and kept under review.'],
  ['MEASURE 2', 'Trustworthiness evaluation', 'The system is evaluated for each trustworthy characteristic.'],
  ['MEASURE 3', 'Risk tracking', 'Identified and emerging risks are tracked over time.'],
  ['MEASURE 4', 'Measurement feedback', 'Whether measurement works is checked against context and expert input.'],
  ['MANAGE 1', 'Prioritise and respond', 'Mapped and measured risks are prioritised and acted upon.'],
  ['MANAGE 2', 'Maximise benefit, minimise harm', 'Strategies to sustain value and limit harm are planned and applied.'],
  ['MANAGE 3', 'Third-party risk', 'Risks and benefits from third-party resources are managed.'],
  ['MANAGE 4', 'Treatment and communication', 'Risk responses, recovery and communication are documented and monitored.'],
];

// prettier-ignore
const SUBCATEGORIES: readonly Row[] = [
  ['GOVERN 1.1', 'Legal requirements', 'Applicable laws and regulations for AI are identified, understood and managed.'],
  ['GOVERN 1.2', 'Trustworthiness in policy', 'Policies build trustworthy-AI characteristics into the organisation’s practices.'],
  ['GOVERN 1.3', 'Effort by risk tolerance', 'Processes set how much risk-management effort fits the organisation’s risk tolerance.'],
  ['GOVERN 1.4', 'Transparent risk process', 'The risk-management process and its controls are set transparently by policy.'],
  ['GOVERN 1.5', 'Monitoring and review', 'Ongoing monitoring and periodic review of the process and its outcomes are planned.'],
  ['GOVERN 1.6', 'AI inventory', 'An inventory of AI systems is kept, resourced by risk priority.'],
  ['GOVERN 1.7', 'Decommissioning', 'Systems are retired safely, without adding risk or eroding trust.'],
  ['GOVERN 2.1', 'Roles and responsibilities', 'Roles, responsibilities and lines of communication for AI risk are documented.'],
  ['GOVERN 2.2', 'Risk training', 'Staff and partners receive AI risk-management training.'],
  ['GOVERN 2.3', 'Executive accountability', 'Senior leadership takes responsibility for decisions about AI risk.'],
  ['GOVERN 3.1', 'Diverse teams', 'Decisions across the lifecycle draw on a diverse team.'],
  ['GOVERN 3.2', 'Human-AI roles', 'Roles for human-AI configuration and human oversight are defined.'],
  ['GOVERN 4.1', 'Safety-first mindset', 'Practices favour critical thinking and safety in design, development and use.'],
  ['GOVERN 4.2', 'Documented impacts', 'Teams document the risks and potential impacts of the AI they build and share them.'],
  ['GOVERN 4.3', 'Testing and sharing', 'Practices enable testing, incident identification and information sharing.'],
  ['GOVERN 5.1', 'External feedback', 'Feedback from people outside the team about impacts is collected and considered.'],
  ['GOVERN 5.2', 'Feedback into design', 'Mechanisms feed adjudicated feedback back into system design and use.'],
  ['GOVERN 6.1', 'Third-party policies', 'Policies address risks of third-party entities, including IP and other rights.'],
  ['GOVERN 6.2', 'Third-party contingency', 'Contingency plans handle failures or incidents in high-risk third-party data or systems.'],
  ['MAP 1.1', 'Intended purpose', 'Intended purposes, beneficial uses, context, users and expected impacts are documented.'],
  ['MAP 1.2', 'Interdisciplinary actors', 'Interdisciplinary and diverse actors take part in establishing context.'],
  ['MAP 1.3', 'Mission and goals', 'The organisation’s mission and the system’s goals are understood and documented.'],
  ['MAP 1.4', 'Business value', 'The business value or context of use is defined or re-evaluated.'],
  ['MAP 1.5', 'Risk tolerances', 'Organisational risk tolerances are determined and documented.'],
  ['MAP 1.6', 'System requirements', 'Requirements, including socio-technical ones, are elicited from relevant actors.'],
  ['MAP 2.1', 'Tasks and methods', 'The tasks the system supports and the methods it uses are defined.'],
  ['MAP 2.2', 'Knowledge limits', 'Limits of the system’s knowledge and how output is overseen by people are documented.'],
  ['MAP 2.3', 'Scientific integrity', 'Scientific integrity and TEVV considerations, such as data and design choices, are documented.'],
  ['MAP 3.1', 'Benefits', 'Potential benefits of the intended functionality are examined and documented.'],
  ['MAP 3.2', 'Costs of errors', 'Potential costs, monetary and otherwise, of errors or trustworthiness failures are documented.'],
  ['MAP 3.3', 'Application scope', 'The targeted scope of application is specified from capability and context.'],
  ['MAP 3.4', 'Operator proficiency', 'Processes for operator and practitioner proficiency are defined and documented.'],
  ['MAP 3.5', 'Oversight processes', 'Human oversight processes are defined and documented.'],
  ['MAP 4.1', 'Component legal risks', 'Legal and technology risks of components, including third-party data, software and IP, are mapped.'],
  ['MAP 4.2', 'Component controls', 'Internal risk controls for components, including third-party ones, are identified and documented.'],
  ['MAP 5.1', 'Impact likelihood', 'Likelihood and magnitude of each identified impact are identified and documented.'],
  ['MAP 5.2', 'Engagement practices', 'Practices for regular engagement and feedback with affected actors are in place.'],
  ['MEASURE 1.1', 'Metrics for key risks', 'Methods and metrics for the most significant risks are chosen; unmeasured risks are recorded.'],
  ['MEASURE 1.2', 'Metric review', 'Metrics and the effectiveness of existing controls are reassessed regularly.'],
  ['MEASURE 1.3', 'Independent assessment', 'Independent assessors or experts not on the development team take part in assessment.'],
  ['MEASURE 2.1', 'TEVV documentation', 'Test sets, metrics and tools used during test and evaluation are documented.'],
  ['MEASURE 2.2', 'Human-subject evaluation', 'Evaluations with human subjects meet applicable requirements and represent the population.'],
  ['MEASURE 2.3', 'Performance in context', 'Performance or assurance is measured in conditions like deployment and documented.'],
  ['MEASURE 2.4', 'Production monitoring', 'Functionality and behaviour are monitored in production.'],
  ['MEASURE 2.5', 'Validity and reliability', 'The system is shown to be valid and reliable; limits of generalisation are documented.'],
  ['MEASURE 2.6', 'Safety', 'Safety risks are evaluated regularly; the system can fail safely.'],
  ['MEASURE 2.7', 'Security and resilience', 'Security and resilience of the system are evaluated and documented.'],
  ['MEASURE 2.8', 'Transparency and accountability', 'Risks to transparency and accountability are examined and documented.'],
  ['MEASURE 2.9', 'Explainability', 'The model is explained, validated and documented; output is interpreted in context.'],
  ['MEASURE 2.10', 'Privacy', 'Privacy risk of the system is examined and documented.'],
  ['MEASURE 2.11', 'Fairness and bias', 'Fairness and bias are evaluated and the results documented.'],
  ['MEASURE 2.12', 'Environmental impact', 'Environmental impact and sustainability of training and operation are assessed.'],
  ['MEASURE 2.13', 'TEVV effectiveness', 'The effectiveness of the measurement methods themselves is evaluated.'],
  ['MEASURE 3.1', 'Emergent risks', 'Approaches exist to track existing, unanticipated and emergent risks.'],
  ['MEASURE 3.2', 'Hard-to-measure risks', 'Risk tracking covers settings where risks are hard to assess with current methods.'],
  ['MEASURE 3.3', 'User feedback and appeal', 'End users and affected communities can report problems and appeal outcomes.'],
  ['MEASURE 4.1', 'Measurement in context', 'Measurement approaches are connected to the deployment context and domain knowledge.'],
  ['MEASURE 4.2', 'Expert validation', 'Measurement results are checked with domain experts and relevant actors.'],
  ['MEASURE 4.3', 'Tracked improvements', 'Measurable performance improvements or declines are identified and documented.'],
  ['MANAGE 1.1', 'Go/no-go', 'Whether the system meets its purpose and should proceed is decided.'],
  ['MANAGE 1.2', 'Treatment priority', 'Treatment of documented risks is prioritised by impact, likelihood and resources.'],
  ['MANAGE 1.3', 'Risk responses', 'Responses to high-priority risks (mitigate, transfer, avoid, accept) are planned and documented.'],
  ['MANAGE 1.4', 'Residual risk', 'Residual risks to buyers and users are documented.'],
  ['MANAGE 2.1', 'Resources and alternatives', 'Resources for managing risk are planned, including non-AI alternatives.'],
  ['MANAGE 2.2', 'Sustained value', 'Mechanisms keep the value of deployed systems over time.'],
  ['MANAGE 2.3', 'Unknown risks', 'Procedures respond to and recover from previously unknown risks.'],
  ['MANAGE 2.4', 'Disengage', 'Mechanisms can supersede, disengage or deactivate systems that behave outside intended use.'],
  ['MANAGE 3.1', 'Third-party monitoring', 'Risks and benefits of third-party resources are monitored and controls applied.'],
  ['MANAGE 3.2', 'Pre-trained models', 'Pre-trained models used in development are monitored as part of regular maintenance.'],
  ['MANAGE 4.1', 'Post-deployment plan', 'Post-deployment monitoring, including appeal, override, decommissioning and incident handling, is planned.'],
  ['MANAGE 4.2', 'Continual improvement', 'Improvement activities are built into system updates, with actor engagement.'],
  ['MANAGE 4.3', 'Incident communication', 'Incidents and errors are communicated to affected actors and tracked.'],
];

const entries: CatalogEntry[] = [
  ...FUNCTIONS.map(([id, name, description]) => ({ id, name, description, kind: 'function' })),
  ...CATEGORIES.map(([id, name, description]) => ({
    id,
    name,
    description,
    kind: 'category',
    group: id.split(' ')[0],
    parent: id.split(' ')[0],
  })),
  ...SUBCATEGORIES.map(([id, name, description]) => ({
    id,
    name,
    description,
    kind: 'subcategory',
    group: id.split(' ')[0],
    parent: id.split('.')[0],
  })),
];

export const NIST_AI_RMF: Catalog = {
  framework: 'nistAiRmf',
  name: 'NIST AI Risk Management Framework',
  version: '1.0',
  source: {
    title: 'Artificial Intelligence Risk Management Framework (AI RMF 1.0), NIST AI 100-1',
    publisher: 'National Institute of Standards and Technology',
    reference: 'https://doi.org/10.6028/NIST.AI.100-1',
    license:
      'US government work (public domain in the US); ids are NIST’s, names and descriptions are Bulwark’s paraphrases',
  },
  entries,
};
