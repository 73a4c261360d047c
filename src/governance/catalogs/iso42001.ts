import type { Catalog, CatalogEntry } from './types.js';

/**
 * ISO/IEC 42001:2023 Annex A: 9 control objectives (A.2 … A.10) and 38 controls. The standard is © ISO: only the
 * control ids are taken from it. Every `name` here is Bulwark's own short label, not the standard's title, and every
 * description is our own summary of what evidence for the control looks like.
 */
type Row = readonly [id: string, label: string, description: string];

// prettier-ignore
const OBJECTIVES: readonly Row[] = [
  ['A.2', 'AI policy', 'Management direction for AI is set down in policy.'],
  ['A.3', 'Organisation', 'Accountability for responsible AI is organised.'],
  ['A.4', 'Resources', 'Resources used by AI systems are known and documented.'],
  ['A.5', 'Impact assessment', 'Consequences of AI systems for people and society are assessed.'],
  ['A.6', 'Life cycle', 'AI systems are developed and run responsibly through their life cycle.'],
  ['A.7', 'Data', 'Data used by AI systems is understood and managed.'],
  ['A.8', 'Information for stakeholders', 'Stakeholders get the information they need about AI systems.'],
  ['A.9', 'Use', 'AI systems are used responsibly and as intended.'],
  ['A.10', 'Third parties', 'Responsibilities with suppliers, partners and customers are managed.'],
];

// prettier-ignore
const CONTROLS: readonly Row[] = [
  ['A.2.2', 'Written AI policy', 'A documented policy for developing or using AI systems exists.'],
  ['A.2.3', 'Policy alignment', 'The AI policy is consistent with other organisational policies.'],
  ['A.2.4', 'Policy review', 'The AI policy is reviewed at planned intervals.'],
  ['A.3.2', 'Assigned AI roles', 'Roles and responsibilities for AI are defined and assigned.'],
  ['A.3.3', 'Raising concerns', 'People can report concerns about AI systems.'],
  ['A.4.2', 'Resource inventory', 'Resources relevant to each AI system are identified and documented.'],
  ['A.4.3', 'Data resources recorded', 'Data used by the AI system is documented as a resource.'],
  ['A.4.4', 'Tooling recorded', 'Tools and frameworks used for the AI system are documented.'],
  ['A.4.5', 'Compute recorded', 'System and computing resources are documented.'],
  ['A.4.6', 'People and skills recorded', 'Human resources and competences are documented.'],
  ['A.5.2', 'Impact assessment process', 'A process to assess the impact of AI systems exists.'],
  ['A.5.3', 'Impact records', 'Results of impact assessments are documented and retained.'],
  ['A.5.4', 'Impact on individuals and groups', 'Effects on individuals and groups, such as unfair treatment, are assessed.'],
  ['A.5.5', 'Impact on society', 'Wider societal effects of the system are assessed.'],
  ['A.6.1.2', 'Development objectives', 'Objectives for responsible development are defined.'],
  ['A.6.1.3', 'Design and development process', 'Processes for responsible design and development are defined.'],
  ['A.6.2.2', 'Requirements', 'Requirements for new or changed AI systems are specified.'],
  ['A.6.2.3', 'Design records', 'Design and development choices are documented.'],
  ['A.6.2.4', 'Verification and validation', 'The system is verified and validated against defined criteria.'],
  ['A.6.2.5', 'Deployment plan', 'Deployment is planned and its requirements are met before release.'],
  ['A.6.2.6', 'Operation and monitoring', 'The system is operated and monitored, with repairs and updates.'],
  ['A.6.2.7', 'Technical documentation', 'Technical documentation is available to those who need it.'],
  ['A.6.2.8', 'Event logs', 'Event logs are recorded at appropriate life-cycle stages.'],
  ['A.7.2', 'Data management', 'Data management processes for developing and improving AI systems exist.'],
  ['A.7.3', 'Data acquisition', 'How data is obtained and selected is documented.'],
  ['A.7.4', 'Data quality', 'Data quality requirements are defined and data meets them.'],
  ['A.7.5', 'Provenance records', 'The origin of data and other inputs is recorded through the life cycle.'],
  ['A.7.6', 'Data preparation', 'Data preparation criteria and methods are defined and documented.'],
  ['A.8.2', 'User documentation', 'Users get the documentation and information they need.'],
  ['A.8.3', 'External reporting', 'Interested parties can report adverse impacts of the system.'],
  ['A.8.4', 'Incident communication', 'A plan exists to tell users about incidents.'],
  ['A.8.5', 'Stakeholder information', 'Obligations to inform interested parties are identified and met.'],
  ['A.9.2', 'Responsible use processes', 'Processes for responsible use of AI systems are defined.'],
  ['A.9.3', 'Use objectives', 'Objectives guiding responsible use are identified.'],
  ['A.9.4', 'Use as intended', 'The system is used according to its intended use and documentation.'],
  ['A.10.2', 'Shared responsibilities', 'Responsibilities are allocated among the organisation, partners and suppliers.'],
  ['A.10.3', 'Supplier management', 'Suppliers’ services, products and materials fit the organisation’s approach to responsible AI.'],
  ['A.10.4', 'Customer expectations', 'Customer needs and expectations are considered in the approach to responsible AI.'],
];

function objectiveOf(id: string): string {
  const parts = id.split('.');
  return `${parts[0]}.${parts[1]}`;
}

export const ISO_42001: Catalog = {
  framework: 'iso42001',
  name: 'ISO/IEC 42001 Annex A',
  version: '2023',
  source: {
    title: 'ISO/IEC 42001:2023 Information technology — Artificial intelligence — Management system, Annex A',
    publisher: 'ISO/IEC',
    reference: 'https://www.iso.org/standard/81230.html',
    license:
      '© ISO: only control ids are used; labels and descriptions are Bulwark’s own, not the standard’s titles or text',
  },
  entries: [
    ...OBJECTIVES.map(([id, name, description]): CatalogEntry => ({
      id,
      name,
      description,
      kind: 'objective',
    })),
    ...CONTROLS.map(([id, name, description]): CatalogEntry => ({
      id,
      name,
      description,
      kind: 'control',
      group: objectiveOf(id),
      parent: objectiveOf(id),
    })),
  ],
};
