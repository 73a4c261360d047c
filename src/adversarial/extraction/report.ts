/**
 * The `bulwark.extraction` result document: the attack results, findings and flat metrics (read by
 * `bulwark audit --evidence`), and its text summary.
 */
import type { Finding } from '../../core/finding.js';
import { makeFinding } from '../../core/rules.js';
import type { EquationSolvingResult } from './equation.js';
import type { ExtractionResult } from './knockoff.js';
import { EXT_EQUATION, EXT_SURROGATE } from './rules.js';

export const EXTRACTION_REPORT_VERSION = 1;

export interface ExtractionReport {
  kind: 'bulwark.extraction';
  version: typeof EXTRACTION_REPORT_VERSION;
  model: string;
  surrogate?: ExtractionResult;
  equationSolving?: EquationSolvingResult | { skipped: string };
  metrics: Record<string, number>;
  findings: Finding[];
}

/** Builds the report and its findings from the attack results. */
export function extractionReport(
  model: string,
  surrogate: ExtractionResult | undefined,
  equation: EquationSolvingResult | { skipped: string } | undefined,
): ExtractionReport {
  const findings: Finding[] = [];
  const metrics: Record<string, number> = {};
  if (surrogate) {
    const last = surrogate.curve[surrogate.curve.length - 1];
    metrics.maxBudget = last.budget;
    metrics.agreementAtMaxBudget = last.agreement;
    metrics.bestAgreement = Math.max(...surrogate.curve.map((p) => p.agreement));
    if (last.surrogateAccuracy !== undefined) metrics.surrogateAccuracyAtMaxBudget = last.surrogateAccuracy;
    if (surrogate.targetAccuracy !== undefined) metrics.targetAccuracy = surrogate.targetAccuracy;
    metrics.attackQueries = surrogate.attackQueries;
    for (const p of surrogate.curve) metrics[`agreement@${p.budget}`] = p.agreement;
    if (surrogate.stolenAtBudget !== null) {
      const p = surrogate.curve.find((c) => c.budget === surrogate.stolenAtBudget)!;
      metrics.stolenAtBudget = p.budget;
      findings.push(
        makeFinding(EXT_SURROGATE, {
          message: `a ${surrogate.surrogate} surrogate trained on ${p.queries} ${surrogate.access === 'scores' ? 'score' : 'label'} queries agrees with the model on ${(p.agreement * 100).toFixed(1)}% of ${surrogate.evalRows} held-out inputs (threshold ${(surrogate.agreementThreshold * 100).toFixed(0)}%)`,
          location: { file: model },
          evidence: {
            budget: p.budget,
            queries: p.queries,
            agreement: p.agreement,
            threshold: surrogate.agreementThreshold,
            access: surrogate.access,
            sampling: surrogate.sampling,
            surrogate: surrogate.surrogate,
            ...(p.surrogateAccuracy !== undefined ? { surrogateAccuracy: p.surrogateAccuracy } : {}),
          },
        }),
      );
    }
  }
  if (equation && !('skipped' in equation)) {
    metrics.equationQueries = equation.solveQueries;
    metrics.equationMaxLogOddsError = equation.maxLogOddsError;
    metrics.equationAgreement = equation.agreement;
    if (equation.maxParamError !== undefined) metrics.equationMaxParamError = equation.maxParamError;
    if (equation.linear) {
      findings.push(
        makeFinding(EXT_EQUATION, {
          message: `${equation.solveQueries} score queries recovered the weights and bias of a linear model with ${equation.inputSize} inputs and ${equation.classes} classes (log-odds error ${equation.maxLogOddsError.toExponential(1)} on ${equation.checkQueries} fresh queries, agreement ${(equation.agreement * 100).toFixed(1)}%)`,
          location: { file: model },
          evidence: {
            queries: equation.solveQueries,
            checkQueries: equation.checkQueries,
            maxLogOddsError: equation.maxLogOddsError,
            agreement: equation.agreement,
            ...(equation.maxParamError !== undefined ? { maxParamError: equation.maxParamError } : {}),
          },
        }),
      );
    }
  }
  return {
    kind: 'bulwark.extraction',
    version: EXTRACTION_REPORT_VERSION,
    model,
    ...(surrogate ? { surrogate } : {}),
    ...(equation ? { equationSolving: equation } : {}),
    metrics,
    findings,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Human-readable summary. */
export function formatExtractionText(r: ExtractionReport): string {
  const lines: string[] = [`Model extraction: ${r.model}`];
  const s = r.surrogate;
  if (s) {
    lines.push(
      `  Surrogate attack (${s.surrogate}, ${s.access}, ${s.sampling} transfer samples, seed ${s.seed}) on ${s.evalRows} held-out inputs` +
        (s.targetAccuracy !== undefined ? `; target accuracy ${pct(s.targetAccuracy)}` : ''),
    );
    lines.push('    budget   queries  agreement  surrogate acc.');
    for (const p of s.curve)
      lines.push(
        `    ${String(p.budget).padStart(6)}  ${String(p.queries).padStart(8)}  ${pct(p.agreement).padStart(9)}  ${p.surrogateAccuracy !== undefined ? pct(p.surrogateAccuracy).padStart(14) : '             –'}`,
      );
    lines.push(
      s.stolenAtBudget !== null
        ? `    agreement reached ${pct(s.agreementThreshold)} at ${s.stolenAtBudget} queries`
        : `    agreement stayed below ${pct(s.agreementThreshold)} within ${s.curve[s.curve.length - 1].budget} queries`,
    );
  }
  const e = r.equationSolving;
  if (e && 'skipped' in e) lines.push(`  Equation solving: skipped: ${e.skipped}`);
  else if (e) {
    lines.push(
      `  Equation solving: ${e.solveQueries} queries; log-odds error ${e.maxLogOddsError.toExponential(2)} on ${e.checkQueries} check queries → ${e.linear ? 'linear model, parameters recovered' : 'not a linear model (only a local linearisation)'}; agreement ${pct(e.agreement)} on ${e.agreementRows} inputs` +
        (e.maxParamError !== undefined ? `; max parameter error ${e.maxParamError.toExponential(2)}` : ''),
    );
  }
  lines.push(
    r.findings.length
      ? `Findings: ${r.findings.map((f) => `${f.ruleId} (${f.severity})`).join(', ')}`
      : 'No findings.',
  );
  for (const f of r.findings) lines.push(`  ${f.ruleId} ${f.severity.toUpperCase()}: ${f.message}`);
  return `${lines.join('\n')}\n`;
}
