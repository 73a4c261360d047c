import { defineRule, defineRuleFamily } from '../../core/rules.js';

defineRuleFamily(
  'poisoning',
  `Training-data poisoning checks (\`bulwark poison DATA --label COL\`): label-noise suspects by k-NN disagreement,
exact and near duplicates with conflicting labels and per-class outliers need only the labelled data; spectral
signatures (Tran et al. 2018) and activation clustering (Chen et al. 2018) look for backdoors in per-row embeddings
(e.g. penultimate-layer activations). Each detector has a documented threshold; a finding is high severity when the
detector's suspicion exceeds it. Maps to MITRE ATLAS AML.T0020 (Poison Training Data) and AML.T0018 (Manipulate AI
Model: backdoor), OWASP ML02 / ML10 and LLM04, EU AI Act Art. 10 (data governance) and Art. 15, NIST AI RMF
MEASURE 2.7 and ISO/IEC 42001 A.7.4. See docs/poisoning.md.`,
);

const REFS = {
  atlas: ['AML.T0020'],
  owaspMl: ['ML02'],
  owaspLlm: ['LLM04'],
  euAiAct: ['Art. 10', 'Art. 15'],
  nistAiRmf: ['MEASURE 2.7'],
  iso42001: ['A.7.4'],
};

const BACKDOOR_REFS = { ...REFS, atlas: ['AML.T0020', 'AML.T0018'], owaspMl: ['ML02', 'ML10'] };

export const POISON_LABEL_NOISE = defineRule({
  id: 'BW-POISON-001',
  name: 'label-noise-suspects',
  family: 'poisoning',
  title: 'Rows whose label disagrees with their nearest neighbours',
  description:
    'Rows whose label differs from the majority label of their k nearest neighbours (standardised features, exact k-NN) with a disagreement score at or above the threshold (default 0.8). Label-flipping attacks and careless labelling both leave such rows; the finding is high severity when their share of the data exceeds --max-suspect-share (default 0.1), low otherwise.',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'medium',
  remediation:
    'Review the listed rows (--suspects OUT.csv) against their sources, relabel or drop confirmed errors, and trace where the flipped labels entered the pipeline (annotator, vendor, scraped source).',
  references: REFS,
});

export const POISON_DUPLICATE_CONFLICT = defineRule({
  id: 'BW-POISON-002',
  name: 'conflicting-duplicates',
  family: 'poisoning',
  title: 'Exact or near duplicates with conflicting labels',
  description:
    'Rows with identical feature vectors (exact) or within the quantisation tolerance in every standardised feature (near) carry different labels. Injected copies of real rows with a changed label are a cheap poisoning technique; coarse, mostly categorical features also produce such groups naturally. High severity when the rows involved exceed --max-conflict-share (default 0.01) of the data.',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'medium',
  remediation:
    'Deduplicate the data, resolve each conflicting group to one verified label, and check whether the duplicates share a source or ingestion batch.',
  references: REFS,
});

export const POISON_OUTLIERS = defineRule({
  id: 'BW-POISON-003',
  name: 'class-outliers',
  family: 'poisoning',
  title: 'Rows far from the rest of their class',
  description:
    'Rows whose Mahalanobis distance to their class mean (shrunk covariance) has a robust z-score above the threshold (default 3.5). Poisons crafted to move a decision boundary often sit far from their labelled class. High severity when their share exceeds --max-outlier-share (default 0.05), low otherwise.',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'low',
  remediation:
    'Inspect the outlying rows: keep genuine rare cases (and consider whether the model needs more of them), drop corrupted or injected ones.',
  references: REFS,
});

export const POISON_SPECTRAL = defineRule({
  id: 'BW-POISON-004',
  name: 'spectral-signature',
  family: 'poisoning',
  title: 'Backdoor suspected: spectral signature in a class',
  description:
    "In at least one class the representations projected on their top singular vector split into two well separated groups (Ashman's D ≥ 5) with a minority below 35% of the class: the signature a backdoor trigger leaves (Tran et al. 2018). Rows above the (1 − 1.5·ε) quantile of the squared projection in that class are the suspects, as ART's SpectralSignatureDefense.",
  severity: 'high',
  impact: 'suspicious',
  confidence: 'medium',
  remediation:
    'Inspect the suspect rows of the flagged class for a shared pattern (a patch, a phrase, a watermark), remove them, retrain, and test the retrained model with the pattern applied to inputs of other classes.',
  references: BACKDOOR_REFS,
});

export const POISON_CLUSTERING = defineRule({
  id: 'BW-POISON-005',
  name: 'activation-clustering',
  family: 'poisoning',
  title: 'Backdoor suspected: a small, well separated activation cluster in a class',
  description:
    "In at least one class, 2-means on the top 10 principal components of the representations finds a cluster holding less than 35% of the class with a silhouette at or above the threshold (default 0.38), ART's ActivationDefence analysis (Chen et al. 2018). The smaller cluster's rows are the suspects. Natural sub-modes of a class can also trigger it; corroborate with spectral signatures.",
  severity: 'high',
  impact: 'suspicious',
  confidence: 'low',
  remediation:
    'Look at the rows of the small cluster: if they share a pattern and resemble another class, treat them as poisoned, remove them and retrain; otherwise record the sub-mode as expected.',
  references: BACKDOOR_REFS,
});

export const POISON_INCONCLUSIVE = defineRule({
  id: 'BW-POISON-006',
  name: 'poison-check-skipped',
  family: 'poisoning',
  title: 'Poisoning check skipped or partial',
  description:
    'A requested detector could not run on part or all of the data: a class had too few rows, the features had no variance, or the embeddings were missing. Its result should not be read as clean.',
  severity: 'low',
  impact: 'inconclusive',
  confidence: 'high',
  remediation:
    'Provide enough rows per class (at least 10), numeric features with variance, and per-row embeddings for the backdoor detectors (--embeddings or --embedding-cols).',
  references: REFS,
});
