/** One control, requirement, technique or risk of a framework, with the project's own short description. */
export interface CatalogEntry {
  /** The framework's own id, exactly as the framework writes it (e.g. `AML.T0010`, `MEASURE 2.11`, `A.7.4`, `Art. 10`). */
  id: string;
  /** The framework's name or title for it (a fact). */
  name: string;
  /** Our own one-line description (never the framework's prose). */
  description: string;
  /** Grouping: ATLAS tactic ids, NIST function/category, ISO objective, EU AI Act chapter… */
  group?: string;
  /** Kind within the framework, e.g. `tactic`, `technique`, `mitigation`, `subcategory`, `article`, `practice`. */
  kind: string;
  /** Parent entry (sub-technique of, subcategory of…). */
  parent?: string;
  /** Framework-specific extra facts (ATLAS maturity and tactics, dates…). */
  extra?: Record<string, unknown>;
}

/** A versioned framework catalog. */
export interface Catalog {
  /** Stable key used in references and mappings: `atlas`, `owaspMl`, `owaspLlm`, `nistAiRmf`, `nist600-1`, `euAiAct`, `iso42001`. */
  framework: string;
  name: string;
  /** Version of the framework the data describes, e.g. `5.6.0`, `2023`, `1.0`. */
  version: string;
  /** Where the facts come from and under which terms. */
  source: { title: string; publisher: string; reference: string; license: string };
  entries: CatalogEntry[];
}
