/**
 * Per-file verdicts.
 * - clean: every analysis that applies ran to completion and found nothing that executes code or touches the host.
 * - suspicious: something needs a human review (e.g. a global that is neither known-safe nor known-dangerous).
 * - malicious: loading the file with its normal loader would run attacker-chosen code or I/O.
 * - inconclusive: an analysis could not complete (parse error, resource limit, encrypted member); never "clean".
 */
export const VERDICTS = ['clean', 'suspicious', 'inconclusive', 'malicious'] as const;
export type Verdict = (typeof VERDICTS)[number];

const ORDER: Record<Verdict, number> = { clean: 0, suspicious: 1, inconclusive: 2, malicious: 3 };

/** The more serious of two verdicts: malicious > inconclusive > suspicious > clean. */
export function worseVerdict(a: Verdict, b: Verdict): Verdict {
  return ORDER[a] >= ORDER[b] ? a : b;
}

export function verdictRank(v: Verdict): number {
  return ORDER[v];
}
