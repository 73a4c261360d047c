import type { Severity } from '../../core/severity.js';
import type { EvidenceDocument } from '../evidence.js';
import { CEL_LIMITS, CelEvalError, evaluatePath, longestList, toPlain, type CompiledExpr } from './cel.js';
import type { Controls, Policy, Waiver } from './load.js';

export type RuleStatus = 'pass' | 'fail' | 'error' | 'waived' | 'not-applicable';

export interface RuleResult {
  id: string;
  description: string;
  severity: Severity;
  status: RuleStatus;
  /** What decided it: one line. */
  message: string;
  expression: string;
  /** Values of the evidence paths the expression reads. */
  evidence: { path: string; value: unknown }[];
  /** For exists/all over evidence lists: the elements that matched (exists) or violated (all). */
  witnesses: { call: string; kind: string; count: number; items: unknown[] }[];
  controls: Controls;
  remediation?: string;
  waiver?: Omit<Waiver, 'origin'>;
  /** A waiver for this rule that has expired (it no longer applies). */
  expiredWaiver?: Omit<Waiver, 'origin'>;
  origin: string;
}

export interface GateResult {
  kind: 'bulwark.gate-result';
  schemaVersion: '1.0';
  policy: { name: string; source: string; description?: string };
  evaluatedAt: string;
  subject: { name: string; path: string; rootDigest?: string };
  /** fail: a rule failed (and was not waived); error: no failure, but a rule could not be evaluated. */
  outcome: 'pass' | 'fail' | 'error';
  counts: Record<RuleStatus, number>;
  results: RuleResult[];
}

export interface GateOptions {
  /** Evaluation time (waiver expiry is compared with its date). Default: now. */
  now?: Date;
  /** Extra waivers (e.g. from --waivers FILE), added to the policy's own. */
  waivers?: Waiver[];
}

const MAX_WITNESSES = 5;
const MAX_VALUE_CHARS = 400;

/** Binds the CEL variables a policy sees for an evidence document. */
export function policyVariables(doc: EvidenceDocument, now: Date): Record<string, unknown> {
  const checks: Record<string, unknown> = {};
  for (const c of doc.checks) checks[c.id] = c;
  return {
    evidence: doc,
    summary: doc.summary,
    subject: doc.subject,
    checks,
    findings: doc.findings,
    system: doc.systemCard ?? {},
    risk: doc.risk ?? { euAiAct: { tier: 'unknown', prohibitedPractices: [], reasons: [] } },
    now: now.toISOString(),
  };
}

function clip(v: unknown): unknown {
  const s = JSON.stringify(v);
  if (s === undefined || s.length <= MAX_VALUE_CHARS) return v;
  return `${s.slice(0, MAX_VALUE_CHARS)}…`;
}

function describeWitness(item: unknown): unknown {
  const plain = toPlain(item);
  if (plain && typeof plain === 'object' && !Array.isArray(plain)) {
    // Findings and checks: show the fields a reviewer needs, not the whole object.
    const o = plain as Record<string, unknown>;
    if (typeof o.ruleId === 'string')
      return { ruleId: o.ruleId, severity: o.severity, message: o.message, location: o.location };
    if (typeof o.id === 'string' && typeof o.status === 'string')
      return { id: o.id, status: o.status, reason: o.reason };
  }
  return clip(plain);
}

function runExpr(expr: CompiledExpr, vars: Record<string, unknown>, iterationsOk: boolean): boolean {
  if (!iterationsOk)
    throw new CelEvalError(
      `expression too costly for this evidence (more than ${CEL_LIMITS.maxIterations} iterations)`,
    );
  const r = expr.evaluate(vars);
  if (typeof r !== 'boolean')
    throw new CelEvalError(`expression returned ${typeof r === 'bigint' ? 'an int' : typeof r}, not a bool`);
  return r;
}

function waiverApplies(w: Waiver, ruleId: string, doc: EvidenceDocument): boolean {
  if (w.rule !== ruleId) return false;
  if (w.subject && w.subject !== doc.subject.name && w.subject !== doc.subject.rootDigest) return false;
  return true;
}

/** Evaluates every rule of `policy` against the evidence. Never throws for a bad rule: that rule is `error`. */
export function evaluateGate(policy: Policy, doc: EvidenceDocument, opts: GateOptions = {}): GateResult {
  const now = opts.now ?? new Date();
  const today = now.toISOString().slice(0, 10);
  const vars = policyVariables(doc, now);
  const longest = longestList(doc);
  const waivers = [...policy.waivers, ...(opts.waivers ?? [])];
  const results: RuleResult[] = [];
  for (const rule of policy.rules) {
    const base = {
      id: rule.id,
      description: rule.description,
      severity: rule.severity,
      expression: rule.expression.source,
      controls: rule.controls,
      ...(rule.remediation ? { remediation: rule.remediation } : {}),
      origin: rule.origin,
    };
    const costOk = (e: CompiledExpr) =>
      Math.pow(Math.max(longest, 1), e.comprehensionDepth) <= CEL_LIMITS.maxIterations;
    const evidence = rule.expression.paths.map((p) => ({ path: p, value: clip(evaluatePath(p, vars)) }));
    let status: RuleStatus;
    let message: string;
    const witnesses: RuleResult['witnesses'] = [];
    try {
      if (rule.when && !runExpr(rule.when, vars, costOk(rule.when))) {
        results.push({
          ...base,
          status: 'not-applicable',
          message: `not applicable: ${rule.when.source} is false`,
          evidence,
          witnesses,
        });
        continue;
      }
      const ok = runExpr(rule.expression, vars, costOk(rule.expression));
      status = ok ? 'pass' : 'fail';
      message = ok ? 'expression is true' : 'expression is false';
      for (const q of rule.expression.quantifiers) {
        // Show what made the quantifier true (exists) or false (all).
        const interesting = (q.kind === 'all') === !ok || q.kind !== 'all';
        if (!interesting) continue;
        try {
          const list = toPlain(q.witnesses.evaluate(vars));
          if (Array.isArray(list) && list.length)
            witnesses.push({
              call: q.call,
              kind: q.kind === 'all' ? 'violations' : 'matches',
              count: list.length,
              items: list.slice(0, MAX_WITNESSES).map(describeWitness),
            });
        } catch {
          // Witness lists are an aid; a failure to compute one does not change the result.
        }
      }
    } catch (err) {
      status = 'error';
      message = `could not evaluate: ${err instanceof Error ? err.message : String(err)}`;
    }
    let waiver: Waiver | undefined;
    let expired: Waiver | undefined;
    if (status === 'fail') {
      for (const w of waivers) {
        if (!waiverApplies(w, rule.id, doc)) continue;
        if (w.expires >= today) waiver = w;
        else expired ??= w;
      }
      if (waiver) {
        status = 'waived';
        message = `failed, waived until ${waiver.expires} by ${waiver.approver}: ${waiver.reason}`;
      } else if (expired) message += `; the waiver by ${expired.approver} expired on ${expired.expires}`;
    }
    const strip = (w: Waiver) => {
      const { origin: _origin, ...rest } = w;
      return rest;
    };
    results.push({
      ...base,
      status,
      message,
      evidence,
      witnesses,
      ...(waiver ? { waiver: strip(waiver) } : {}),
      ...(expired && !waiver ? { expiredWaiver: strip(expired) } : {}),
    });
  }
  const counts: Record<RuleStatus, number> = { pass: 0, fail: 0, error: 0, waived: 0, 'not-applicable': 0 };
  for (const r of results) counts[r.status]++;
  return {
    kind: 'bulwark.gate-result',
    schemaVersion: '1.0',
    policy: {
      name: policy.name,
      source: policy.source,
      ...(policy.description ? { description: policy.description } : {}),
    },
    evaluatedAt: now.toISOString(),
    subject: {
      name: doc.subject.name,
      path: doc.subject.path,
      ...(doc.subject.rootDigest ? { rootDigest: doc.subject.rootDigest } : {}),
    },
    outcome: counts.fail > 0 ? 'fail' : counts.error > 0 ? 'error' : 'pass',
    counts,
    results,
  };
}

/** Text rendering: one block per rule with the evidence that decided it. */
export function gateText(g: GateResult): string {
  const mark: Record<RuleStatus, string> = {
    pass: 'PASS',
    fail: 'FAIL',
    error: 'ERROR',
    waived: 'WAIVED',
    'not-applicable': 'N/A',
  };
  const L = [
    `Policy ${g.policy.name} (${g.policy.source}) on ${g.subject.name}${g.subject.rootDigest ? ` sha256:${g.subject.rootDigest}` : ''}`,
    '',
  ];
  for (const r of g.results) {
    L.push(`${mark[r.status].padEnd(6)} ${r.id} [${r.severity}] ${r.description}`);
    L.push(`       ${r.message}`);
    L.push(`       expression: ${r.expression.replace(/\s+/g, ' ').trim()}`);
    for (const e of r.evidence) L.push(`       ${e.path} = ${JSON.stringify(e.value)}`);
    for (const w of r.witnesses) {
      L.push(`       ${w.kind} of ${w.call}: ${w.count}`);
      for (const it of w.items) L.push(`         - ${JSON.stringify(it)}`);
    }
    if (r.status === 'fail' && r.remediation) L.push(`       fix: ${r.remediation}`);
  }
  const c = g.counts;
  L.push(
    '',
    `Gate ${g.outcome.toUpperCase()}: ${c.pass} passed, ${c.fail} failed, ${c.waived} waived, ${c.error} errors, ${c['not-applicable']} not applicable`,
  );
  return `${L.join('\n')}\n`;
}
