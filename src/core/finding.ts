import type { Severity } from './severity.js';
import type { Verdict } from './verdict.js';

export type Confidence = 'high' | 'medium' | 'low';

/** Where a finding is. `inner` lists the path inside containers, outermost first (e.g. ["model.zip", "archive/data.pkl"] is written as ["archive/data.pkl"] for a finding in model.zip). */
export interface Location {
  /** The file on disk, as the user named it (or relative to the scanned directory). */
  file: string;
  /** Member path inside containers, outermost first. Empty or absent for the file itself. */
  inner?: string[];
  /** Byte offset in the innermost stream (the decompressed member), when known. */
  offset?: number;
}

/** References to governance frameworks and vulnerability databases. */
export interface References {
  /** MITRE ATLAS technique ids, e.g. AML.T0010.003 */
  atlas?: string[];
  /** OWASP Machine Learning Security Top 10 (2023) ids, e.g. ML06 */
  owaspMl?: string[];
  /** OWASP Top 10 for LLM Applications (2025) ids, e.g. LLM01 */
  owaspLlm?: string[];
  /** EU AI Act provisions, e.g. "Art. 10", "Art. 15", "Annex IV" */
  euAiAct?: string[];
  /** NIST AI RMF 1.0 subcategories, e.g. "MEASURE 2.11" */
  nistAiRmf?: string[];
  /** ISO/IEC 42001:2023 Annex A controls, e.g. "A.7.4" */
  iso42001?: string[];
  cwe?: string[];
  cve?: string[];
  ghsa?: string[];
}

/** What a finding does to the verdict of the file it is in. */
export type Impact = Exclude<Verdict, 'clean'> | 'none';

/** One observation by one rule. The shared model for every pillar. */
export interface Finding {
  ruleId: string;
  severity: Severity;
  confidence: Confidence;
  impact: Impact;
  message: string;
  location: Location;
  /** Structured evidence (e.g. the global, the call and its arguments). Never holds secrets. */
  evidence?: Record<string, unknown>;
  remediation?: string;
  references?: References;
}
