/**
 * Crosswalks between framework catalogs, as data. Each pair states how two controls, requirements or threats relate;
 * they are Bulwark's own judgement (`source: 'bulwark'`), written to be defensible one by one, not official mappings.
 *
 * Relationship types (read "from REL to"):
 * - `equivalent`: the two describe the same thing; evidence for one is evidence for the other.
 * - `subset-of`: `from` is narrower and lies within `to`.
 * - `superset-of`: `from` is broader and contains `to`.
 * - `intersects`: they overlap substantially; some evidence carries over, some does not.
 * - `related`: they address the same concern from different angles (e.g. a threat and a control that mitigates it).
 */

export type Relationship = 'equivalent' | 'subset-of' | 'superset-of' | 'intersects' | 'related';

export const RELATIONSHIPS: readonly Relationship[] = [
  'equivalent',
  'subset-of',
  'superset-of',
  'intersects',
  'related',
];

export interface ControlRef {
  /** Catalog key (`atlas`, `owaspMl`, `owaspLlm`, `nistAiRmf`, `nist600-1`, `euAiAct`, `iso42001`). */
  framework: string;
  id: string;
}

export interface Crosswalk {
  from: ControlRef;
  to: ControlRef;
  relationship: Relationship;
  note: string;
  source: 'bulwark';
}

type Row = readonly [
  fromFw: string,
  fromId: string,
  rel: Relationship,
  toFw: string,
  toId: string,
  note: string,
];

// prettier-ignore
const ROWS: readonly Row[] = [
  // ATLAS mitigations → NIST AI RMF / ISO/IEC 42001 / EU AI Act
  ['atlas', 'AML.M0016', 'intersects', 'nistAiRmf', 'MEASURE 2.7', 'Scanning model files and dependencies is one way of evaluating security.'],
  ['atlas', 'AML.M0016', 'related', 'iso42001', 'A.10.3', 'Scanning third-party models checks what suppliers deliver.'],
  ['atlas', 'AML.M0016', 'related', 'euAiAct', 'Art. 15', 'Art. 15 asks for cybersecurity measures against attacks on AI components.'],
  ['atlas', 'AML.M0014', 'intersects', 'nistAiRmf', 'MANAGE 3.2', 'Verifying pre-trained models before use is part of monitoring them.'],
  ['atlas', 'AML.M0014', 'intersects', 'iso42001', 'A.7.5', 'Hash and signature checks rely on and extend provenance records.'],
  ['atlas', 'AML.M0013', 'related', 'nistAiRmf', 'MANAGE 3.1', 'Signatures let third-party components be checked before use.'],
  ['atlas', 'AML.M0013', 'related', 'iso42001', 'A.7.5', 'A signature binds an artifact to its producer, a provenance fact.'],
  ['atlas', 'AML.M0023', 'intersects', 'nistAiRmf', 'GOVERN 1.6', 'An AI bill of materials is an inventory of a system’s AI components.'],
  ['atlas', 'AML.M0023', 'intersects', 'iso42001', 'A.4.2', 'A BOM documents the resources an AI system uses.'],
  ['atlas', 'AML.M0024', 'intersects', 'iso42001', 'A.6.2.8', 'Both call for event logs of AI system activity.'],
  ['atlas', 'AML.M0024', 'intersects', 'nistAiRmf', 'MEASURE 2.4', 'Telemetry is the raw material of production monitoring.'],
  ['atlas', 'AML.M0024', 'intersects', 'euAiAct', 'Art. 12', 'Automatic event logging over the system’s lifetime.'],
  ['atlas', 'AML.M0025', 'intersects', 'iso42001', 'A.7.5', 'Both require records of where data comes from.'],
  ['atlas', 'AML.M0025', 'related', 'euAiAct', 'Art. 10', 'Art. 10 asks for documented data origin and preparation.'],
  ['atlas', 'AML.M0007', 'related', 'iso42001', 'A.7.4', 'Removing poisoned or anomalous samples is a data-quality measure.'],
  ['atlas', 'AML.M0007', 'related', 'euAiAct', 'Art. 10', 'Data governance includes examining data for errors and manipulation.'],
  ['atlas', 'AML.M0008', 'intersects', 'iso42001', 'A.6.2.4', 'Model validation before use is a verification and validation activity.'],
  ['atlas', 'AML.M0008', 'intersects', 'nistAiRmf', 'MEASURE 2.5', 'Validation shows the model is valid and reliable for its purpose.'],
  ['atlas', 'AML.M0003', 'related', 'nistAiRmf', 'MEASURE 2.7', 'Hardening raises the resilience that MEASURE 2.7 evaluates.'],
  ['atlas', 'AML.M0003', 'related', 'euAiAct', 'Art. 15', 'Art. 15 asks for robustness against adversarial examples.'],
  ['atlas', 'AML.M0029', 'intersects', 'nistAiRmf', 'MAP 3.5', 'Human approval of agent actions is a human oversight process.'],
  ['atlas', 'AML.M0029', 'intersects', 'euAiAct', 'Art. 14', 'Both let a person stop or override the system’s actions.'],
  ['atlas', 'AML.M0018', 'intersects', 'nistAiRmf', 'GOVERN 2.2', 'Training staff on AI-specific threats is AI risk training.'],
  ['atlas', 'AML.M0019', 'related', 'iso42001', 'A.6.2.6', 'Access control is part of operating a deployed AI system securely.'],
  // OWASP ML Top 10 → ATLAS techniques
  ['owaspMl', 'ML01', 'intersects', 'atlas', 'AML.T0015', 'Manipulated inputs that evade the model.'],
  ['owaspMl', 'ML01', 'related', 'atlas', 'AML.T0043', 'Crafting the adversarial data used in input manipulation.'],
  ['owaspMl', 'ML02', 'equivalent', 'atlas', 'AML.T0020', 'Both describe poisoning the training data.'],
  ['owaspMl', 'ML03', 'equivalent', 'atlas', 'AML.T0024.001', 'Both describe reconstructing training data from a model.'],
  ['owaspMl', 'ML04', 'equivalent', 'atlas', 'AML.T0024.000', 'Both describe inferring training-set membership.'],
  ['owaspMl', 'ML05', 'superset-of', 'atlas', 'AML.T0024.002', 'Model theft also covers stealing files; extraction via queries is one way.'],
  ['owaspMl', 'ML06', 'intersects', 'atlas', 'AML.T0010', 'Compromise of the ML supply chain.'],
  ['owaspMl', 'ML07', 'intersects', 'atlas', 'AML.T0010.003', 'A tampered base model reused for fine-tuning is a model supply-chain compromise.'],
  ['owaspMl', 'ML08', 'related', 'atlas', 'AML.T0031', 'Skewing the model over time erodes its integrity.'],
  ['owaspMl', 'ML10', 'intersects', 'atlas', 'AML.T0018.000', 'Directly altering model weights.'],
  ['owaspMl', 'ML06', 'intersects', 'owaspLlm', 'LLM03', 'The supply-chain entry of each list.'],
  // OWASP LLM Top 10 → ATLAS techniques
  ['owaspLlm', 'LLM01', 'equivalent', 'atlas', 'AML.T0051', 'Both describe prompt injection, direct and indirect.'],
  ['owaspLlm', 'LLM02', 'intersects', 'atlas', 'AML.T0057', 'The model disclosing sensitive data.'],
  ['owaspLlm', 'LLM03', 'intersects', 'atlas', 'AML.T0010', 'Compromised third-party models, data and packages.'],
  ['owaspLlm', 'LLM04', 'intersects', 'atlas', 'AML.T0020', 'Poisoning of training or fine-tuning data.'],
  ['owaspLlm', 'LLM04', 'intersects', 'atlas', 'AML.T0018', 'Manipulation of the model itself.'],
  ['owaspLlm', 'LLM05', 'related', 'atlas', 'AML.T0077', 'Unsafe rendering of model output is one way output handling fails.'],
  ['owaspLlm', 'LLM06', 'related', 'atlas', 'AML.T0053', 'Over-privileged agents make tool-invocation abuse possible.'],
  ['owaspLlm', 'LLM07', 'intersects', 'atlas', 'AML.T0056', 'Exposure of the system prompt.'],
  ['owaspLlm', 'LLM08', 'intersects', 'atlas', 'AML.T0070', 'Poisoned retrieval data.'],
  ['owaspLlm', 'LLM09', 'related', 'atlas', 'AML.T0062', 'Hallucinated content that attackers can exploit.'],
  ['owaspLlm', 'LLM10', 'intersects', 'atlas', 'AML.T0034', 'Driving up the cost of inference.'],
  ['owaspLlm', 'LLM10', 'intersects', 'atlas', 'AML.T0029', 'Exhausting the service so it degrades or stops.'],
  // EU AI Act Art. 9–15 → NIST AI RMF / ISO/IEC 42001
  ['euAiAct', 'Art. 9', 'intersects', 'nistAiRmf', 'GOVERN 1.4', 'A documented, transparent risk-management process.'],
  ['euAiAct', 'Art. 9', 'intersects', 'nistAiRmf', 'MANAGE 1.3', 'Planned responses to identified risks.'],
  ['euAiAct', 'Art. 9', 'intersects', 'nistAiRmf', 'MAP 5.1', 'Estimating likelihood and severity of risks.'],
  ['euAiAct', 'Art. 9', 'related', 'iso42001', 'A.5.2', 'Impact assessment feeds the risk-management system.'],
  ['euAiAct', 'Art. 10', 'intersects', 'iso42001', 'A.7.4', 'Data quality: relevant, representative, as error-free as possible.'],
  ['euAiAct', 'Art. 10', 'intersects', 'iso42001', 'A.7.3', 'Documented data collection and origin.'],
  ['euAiAct', 'Art. 10', 'intersects', 'iso42001', 'A.7.6', 'Documented data preparation.'],
  ['euAiAct', 'Art. 10', 'intersects', 'nistAiRmf', 'MEASURE 2.11', 'Art. 10 requires examining data for possible biases.'],
  ['euAiAct', 'Art. 11', 'intersects', 'iso42001', 'A.6.2.7', 'Technical documentation of the system.'],
  ['euAiAct', 'Art. 11', 'related', 'nistAiRmf', 'MAP 2.3', 'Documenting design choices and TEVV considerations.'],
  ['euAiAct', 'Art. 12', 'intersects', 'iso42001', 'A.6.2.8', 'Automatic recording of events.'],
  ['euAiAct', 'Art. 12', 'related', 'nistAiRmf', 'MEASURE 2.4', 'Logs support monitoring in production.'],
  ['euAiAct', 'Art. 13', 'intersects', 'iso42001', 'A.8.2', 'Information and instructions for those using the system.'],
  ['euAiAct', 'Art. 13', 'related', 'nistAiRmf', 'MEASURE 2.9', 'Explaining and documenting the model for its users.'],
  ['euAiAct', 'Art. 13', 'related', 'nistAiRmf', 'MAP 2.2', 'Declared limits of the system and how output is overseen.'],
  ['euAiAct', 'Art. 14', 'intersects', 'nistAiRmf', 'MAP 3.5', 'Defined human oversight processes.'],
  ['euAiAct', 'Art. 14', 'intersects', 'nistAiRmf', 'MANAGE 2.4', 'Ability to override, disengage or stop the system.'],
  ['euAiAct', 'Art. 14', 'related', 'nistAiRmf', 'GOVERN 3.2', 'Defined roles for human-AI configuration.'],
  ['euAiAct', 'Art. 15', 'intersects', 'nistAiRmf', 'MEASURE 2.7', 'Security and resilience against attacks and faults.'],
  ['euAiAct', 'Art. 15', 'intersects', 'nistAiRmf', 'MEASURE 2.5', 'Accuracy and reliability of the system.'],
  ['euAiAct', 'Art. 15', 'intersects', 'iso42001', 'A.6.2.4', 'Verification and validation against declared performance.'],
  // EU AI Act Art. 15(5) names the AI attacks it expects resilience against
  ['euAiAct', 'Art. 15', 'related', 'atlas', 'AML.T0020', 'Art. 15(5) names data poisoning.'],
  ['euAiAct', 'Art. 15', 'related', 'atlas', 'AML.T0018', 'Art. 15(5) names model poisoning.'],
  ['euAiAct', 'Art. 15', 'related', 'atlas', 'AML.T0015', 'Art. 15(5) names adversarial examples and model evasion.'],
  ['euAiAct', 'Art. 15', 'related', 'atlas', 'AML.T0024', 'Art. 15(5) names confidentiality attacks.'],
  // NIST AI RMF ↔ ISO/IEC 42001
  ['nistAiRmf', 'GOVERN 1.6', 'intersects', 'iso42001', 'A.4.2', 'Inventory of AI systems and their resources.'],
  ['nistAiRmf', 'GOVERN 2.1', 'intersects', 'iso42001', 'A.3.2', 'Defined roles and responsibilities for AI.'],
  ['nistAiRmf', 'GOVERN 1.2', 'intersects', 'iso42001', 'A.2.2', 'A written policy for trustworthy AI.'],
  ['nistAiRmf', 'GOVERN 6.1', 'intersects', 'iso42001', 'A.10.3', 'Policies and checks for third-party suppliers.'],
  ['nistAiRmf', 'MANAGE 3.2', 'related', 'iso42001', 'A.10.3', 'Pre-trained models are supplier deliveries to be monitored.'],
  ['nistAiRmf', 'MANAGE 4.3', 'intersects', 'iso42001', 'A.8.4', 'Communicating incidents to those affected.'],
  ['nistAiRmf', 'MEASURE 2.11', 'intersects', 'iso42001', 'A.5.4', 'Assessing unfair effects on individuals and groups.'],
  ['nistAiRmf', 'MEASURE 2.10', 'related', 'iso42001', 'A.5.4', 'Privacy harm is one impact on individuals.'],
  ['nistAiRmf', 'MEASURE 3.3', 'intersects', 'iso42001', 'A.8.3', 'Channels for reporting problems and adverse impacts.'],
  ['nistAiRmf', 'MEASURE 2.7', 'related', 'iso42001', 'A.6.2.4', 'Security testing is part of verification and validation.'],
  ['nistAiRmf', 'MAP 1.1', 'related', 'iso42001', 'A.9.4', 'A documented intended purpose that use must follow.'],
  // NIST AI 600-1 GAI risks → other catalogs
  ['nist600-1', 'GAI-09', 'related', 'nistAiRmf', 'MEASURE 2.7', 'Information-security risks are evaluated under MEASURE 2.7.'],
  ['nist600-1', 'GAI-12', 'related', 'nistAiRmf', 'GOVERN 6.1', 'Value-chain risks are covered by third-party policies.'],
  ['nist600-1', 'GAI-04', 'related', 'nistAiRmf', 'MEASURE 2.10', 'Data privacy risks are examined under MEASURE 2.10.'],
  ['nist600-1', 'GAI-06', 'related', 'nistAiRmf', 'MEASURE 2.11', 'Harmful bias is evaluated under MEASURE 2.11.'],
  ['nist600-1', 'GAI-02', 'intersects', 'owaspLlm', 'LLM09', 'Confabulated content presented as fact.'],
  ['nist600-1', 'GAI-12', 'intersects', 'owaspLlm', 'LLM03', 'Unvetted third-party models and components.'],
];

export const CROSSWALKS: readonly Crosswalk[] = ROWS.map(([ff, fi, relationship, tf, ti, note]) => ({
  from: { framework: ff, id: fi },
  to: { framework: tf, id: ti },
  relationship,
  note,
  source: 'bulwark',
}));

const INVERSE: Record<Relationship, Relationship> = {
  equivalent: 'equivalent',
  'subset-of': 'superset-of',
  'superset-of': 'subset-of',
  intersects: 'intersects',
  related: 'related',
};

/** The relationship read in the other direction (`subset-of` ↔ `superset-of`; the others are symmetric). */
export function inverseRelationship(r: Relationship): Relationship {
  return INVERSE[r];
}

const key = (c: ControlRef) => `${c.framework}\u0000${c.id}`;

/** Crosswalks touching a control, each oriented so that `from` is that control. */
export function crosswalksFor(control: ControlRef, walks: readonly Crosswalk[] = CROSSWALKS): Crosswalk[] {
  const k = key(control);
  const out: Crosswalk[] = [];
  for (const w of walks) {
    if (key(w.from) === k) out.push(w);
    else if (key(w.to) === k)
      out.push({
        from: w.to,
        to: w.from,
        relationship: INVERSE[w.relationship],
        note: w.note,
        source: w.source,
      });
  }
  return out;
}

export interface ExpandedControl extends ControlRef {
  /** Absent for the controls given; for reached ones, the crosswalk (oriented from the control it was reached from). */
  via?: Crosswalk;
  /** Number of crosswalk hops from a given control (0 for the given ones). */
  depth: number;
}

export interface ExpandOptions {
  /** Relationships to follow; default all but `related` (which links threats and controls, not equivalents). */
  relationships?: readonly Relationship[];
  /** Hops to follow; default 1. */
  depth?: number;
  /** Only return controls of these frameworks (the given ones are always returned). */
  frameworks?: readonly string[];
  walks?: readonly Crosswalk[];
}

/**
 * Expands a set of controls through crosswalks (breadth-first, each control once, with the first crosswalk that
 * reached it). Used by coverage reports: evidence for `MEASURE 2.7` also says something about `Art. 15`.
 */
export function expandControls(controls: readonly ControlRef[], opts: ExpandOptions = {}): ExpandedControl[] {
  const rels = new Set(opts.relationships ?? ['equivalent', 'subset-of', 'superset-of', 'intersects']);
  const maxDepth = opts.depth ?? 1;
  const seen = new Map<string, ExpandedControl>();
  let frontier: ExpandedControl[] = [];
  for (const c of controls) {
    if (seen.has(key(c))) continue;
    const e = { framework: c.framework, id: c.id, depth: 0 };
    seen.set(key(c), e);
    frontier.push(e);
  }
  for (let d = 1; d <= maxDepth && frontier.length; d++) {
    const next: ExpandedControl[] = [];
    for (const c of frontier)
      for (const w of crosswalksFor(c, opts.walks)) {
        if (!rels.has(w.relationship) || seen.has(key(w.to))) continue;
        const e = { framework: w.to.framework, id: w.to.id, via: w, depth: d };
        seen.set(key(w.to), e);
        next.push(e);
      }
    frontier = next;
  }
  return [...seen.values()].filter(
    (c) => c.depth === 0 || !opts.frameworks || opts.frameworks.includes(c.framework),
  );
}
