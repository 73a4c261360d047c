import { getRule } from '../../core/rules.js';
import type { EvidenceCheck, EvidenceFinding } from '../../governance/evidence.js';
import type { RuleResult } from '../../governance/policy/gate.js';
import { ruleDocsUrl } from '../links.js';
import { formatBytes, formatDuration } from '../util.js';
import { barChart, stackedChart } from './charts.js';
import {
  compactJson,
  escHtml as e,
  escHtmlBlock,
  FRAMEWORK_LABEL,
  headline,
  locationText,
  MAX_FINDINGS_SHOWN,
  PILLAR_ORDER,
  prettyJson,
  SEVERITY_ORDER,
  type ReportContext,
} from './common.js';
import type { CoverageSource } from './coverage.js';

const SEV_COLOR: Record<string, string> = {
  critical: '#7f1d1d',
  high: '#c2410c',
  medium: '#b45309',
  low: '#2563eb',
  info: '#6b7280',
};
const PILLAR_COLOR = '#475569';
const COVER_COLOR = { failing: '#b91c1c', passing: '#15803d', none: '#d1d5db' };

const CSS = `
:root{--fg:#111827;--muted:#4b5563;--line:#d1d5db;--bg:#fff;--soft:#f3f4f6;--good:#15803d;--bad:#b91c1c;--warn:#b45309}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--line)}
h3{font-size:16px;margin:20px 0 8px}h4{font-size:14px;margin:12px 0 4px}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
code,.mono{overflow-wrap:anywhere;word-break:break-word}
pre{background:var(--soft);border:1px solid var(--line);border-radius:4px;padding:8px;white-space:pre-wrap;overflow-wrap:anywhere;margin:4px 0;max-height:320px;overflow:auto}
header.top{display:flex;gap:24px;align-items:flex-start;justify-content:space-between;border-bottom:3px solid var(--fg);padding-bottom:14px}
.sub{color:var(--muted)}
.badge{display:inline-block;font-weight:700;padding:2px 8px;border-radius:4px;border:2px solid currentColor;white-space:nowrap}
.verdict{font-size:26px;padding:6px 18px;text-align:center}
.good{color:var(--good)}.bad{color:var(--bad)}.warn{color:var(--warn)}.muted{color:var(--muted)}
.verdict.good{background:#dcfce7}.verdict.bad{background:#fee2e2}.verdict.warn{background:#fef3c7}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:12px;margin-top:16px}
.card{border:1px solid var(--line);border-radius:6px;padding:10px 12px;background:var(--soft)}
.card .n{font-size:24px;font-weight:700}.card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.charts+.charts{margin-top:16px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px;align-items:start}
.charts figure{margin:0;border:1px solid var(--line);border-radius:6px;padding:10px}
figcaption{font-weight:600;margin-bottom:6px}
.chart{max-width:100%;height:auto}.chart .lbl{font-size:12px;fill:#111827}.chart .val{font-size:12px;fill:#111827;font-weight:600}.chart .seg{font-size:12px;fill:#fff;font-weight:700}.chart .seg.dark{fill:#111827}
table{border-collapse:collapse;width:100%;margin:6px 0 12px;table-layout:auto}
th,td{border:1px solid var(--line);padding:5px 7px;text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600}
td ul{margin:0;padding-left:16px}
.sev{font-weight:700;text-transform:uppercase;font-size:12px}
.sev-critical{color:#7f1d1d}.sev-high{color:#c2410c}.sev-medium{color:#92400e}.sev-low{color:#1d4ed8}.sev-info{color:#4b5563}
.st-pass,.st-passing{color:var(--good);font-weight:700}.st-fail,.st-failing,.st-error{color:var(--bad);font-weight:700}
.st-waived,.st-inconclusive{color:var(--warn);font-weight:700}.st-skipped,.st-not-applicable,.st-none{color:var(--muted);font-weight:700}
.finding{border:1px solid var(--line);border-left:6px solid var(--line);border-radius:4px;padding:8px 12px;margin:10px 0;break-inside:avoid}
.finding.s-critical{border-left-color:#7f1d1d}.finding.s-high{border-left-color:#c2410c}.finding.s-medium{border-left-color:#b45309}.finding.s-low{border-left-color:#2563eb}
.finding dl{display:grid;grid-template-columns:120px 1fr;gap:2px 10px;margin:6px 0 0}.finding dt{color:var(--muted)}.finding dd{margin:0;min-width:0}
.note{background:#fef9c3;border:1px solid #facc15;border-radius:4px;padding:8px 12px}
footer{margin-top:36px;border-top:1px solid var(--line);padding-top:10px;color:var(--muted);font-size:12px}
details>summary{cursor:pointer;color:var(--muted)}
a{color:#1d4ed8}
@media print{main{max-width:none;padding:0}body{font-size:11px}.charts{grid-template-columns:1fr 1fr}h2{break-after:avoid}tr,.finding,figure{break-inside:avoid}pre{max-height:none}a{color:inherit;text-decoration:none}details>*{display:block}}
`;

function status(s: string): string {
  return `<span class="st-${e(s)}">${e(s.toUpperCase())}</span>`;
}
function sev(s: string): string {
  return `<span class="sev sev-${e(s)}">${e(s)}</span>`;
}
function list(items: string[]): string {
  return items.length
    ? `<ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul>`
    : '<span class="muted">—</span>';
}

function controlsList(c: Record<string, string[] | undefined>): string {
  const parts = Object.entries(c)
    .filter(([, v]) => v?.length)
    .map(([k, v]) => `${e(FRAMEWORK_LABEL[k] ?? k)}: ${v!.map((x) => `<code>${e(x)}</code>`).join(', ')}`);
  return list(parts);
}

function header(ctx: ReportContext): string {
  const ev = ctx.evidence;
  const h = headline(ctx);
  const risk = ev.risk?.euAiAct;
  const sc = ev.systemCard;
  return `<header class="top">
<div>
<h1>Bulwark audit report: ${e(ev.subject.name)}</h1>
<div class="sub">Path <code>${e(ev.subject.path)}</code> · ${ev.subject.files} file(s), ${e(formatBytes(ev.subject.bytes))}</div>
<div class="sub">Root digest ${ev.subject.rootDigest ? `<code>sha256:${e(ev.subject.rootDigest)}</code>` : '<span>not computed</span>'}</div>
<div class="sub">Audited at <time>${e(ev.createdAt)}</time> by ${e(ev.tool.name)} ${e(ev.tool.version)}</div>
${sc?.name || sc?.intendedPurpose ? `<div class="sub">System ${e(sc.name ?? '')}${sc.intendedPurpose ? `: ${e(sc.intendedPurpose)}` : ''}</div>` : ''}
<p><strong>EU AI Act tier:</strong> <span class="badge" id="eu-tier">${e(risk?.tier ?? 'unknown')}</span>${risk?.annexIIIArea ? ` (Annex III: ${e(risk.annexIIIArea)})` : ''}</p>
${risk?.reasons.length ? list(risk.reasons.map((r) => e(r))) : ''}
${risk?.prohibitedPractices.length ? `<p class="bad">Prohibited practices: ${risk.prohibitedPractices.map(e).join(', ')}</p>` : ''}
</div>
<div>
<div class="badge verdict ${h.tone}" id="verdict" role="status" aria-label="Overall result ${e(h.label)}">${ctx.gate ? 'GATE ' : 'VERDICT '}${e(h.label)}</div>
<div class="sub" style="text-align:center;margin-top:6px">Scan verdict: <strong>${e(ev.summary.verdict)}</strong></div>
</div>
</header>`;
}

function summaryCards(ctx: ReportContext): string {
  const s = ctx.evidence.summary;
  const g = ctx.gate;
  const card = (k: string, n: string | number, cls = '') =>
    `<div class="card"><div class="k">${e(k)}</div><div class="n ${cls}">${e(n)}</div></div>`;
  const sig =
    s.signatureVerified === true
      ? 'verified'
      : s.signatureVerified === false
        ? 'FAILED'
        : s.signed
          ? 'not checked'
          : 'unsigned';
  return `<section aria-labelledby="h-summary"><h2 id="h-summary">Summary</h2><div class="cards">
${card('Findings', s.findings, s.findings ? 'bad' : 'good')}
${card('Critical / high', `${s.bySeverity.critical} / ${s.bySeverity.high}`, s.bySeverity.critical + s.bySeverity.high ? 'bad' : '')}
${card('Malicious files', s.malicious, s.malicious ? 'bad' : 'good')}
${card('Inconclusive files', s.inconclusive, s.inconclusive ? 'warn' : '')}
${card('Checks passed', `${s.checks.pass} of ${ctx.evidence.checks.length}`)}
${card('Signature', sig, s.signatureVerified === true ? 'good' : s.signatureVerified === false ? 'bad' : 'warn')}
${g ? card('Gate rules failed', `${g.counts.fail} of ${g.results.length}`, g.counts.fail ? 'bad' : 'good') : card('Gate', 'not evaluated', 'warn')}
</div></section>`;
}

function charts(ctx: ReportContext): string {
  const s = ctx.evidence.summary;
  const bySev = barChart(
    'Findings by severity',
    SEVERITY_ORDER.map((k) => ({ label: k, value: s.bySeverity[k] ?? 0, color: SEV_COLOR[k] })),
  );
  const byPillar = barChart(
    'Findings by pillar',
    PILLAR_ORDER.map((k) => ({ label: k, value: s.byPillar[k] ?? 0, color: PILLAR_COLOR })),
  );
  const cov = stackedChart(
    'Framework coverage',
    ctx.coverage.map((c) => ({
      label: FRAMEWORK_LABEL[c.framework] ?? c.framework,
      parts: [
        { name: 'failing', value: c.counts.failing, color: COVER_COLOR.failing },
        { name: 'passing', value: c.counts.passing, color: COVER_COLOR.passing },
        { name: 'no evidence', value: c.counts.none, color: COVER_COLOR.none, darkText: true },
      ],
    })),
    900,
  );
  return `<section aria-labelledby="h-charts"><h2 id="h-charts">Charts</h2><div class="charts">
<figure><figcaption>Findings by severity</figcaption>${bySev}</figure>
<figure><figcaption>Findings by pillar</figcaption>${byPillar}</figure>
</div><div class="charts"><figure><figcaption>Framework coverage (controls with failing, passing or no evidence)</figcaption>${cov}</figure></div></section>`;
}

function witnessList(r: RuleResult): string {
  const out: string[] = [];
  for (const w of r.witnesses) {
    out.push(
      `${e(w.kind)} of <code>${e(w.call)}</code>: ${w.count}${w.items.length ? list(w.items.map((i) => `<code>${e(compactJson(i))}</code>`)) : ''}`,
    );
  }
  return list(out);
}

function gateSection(ctx: ReportContext): string {
  const g = ctx.gate;
  if (!g)
    return `<section aria-labelledby="h-gate"><h2 id="h-gate">Gate results</h2><p class="note">No gate was evaluated: this report was made without a policy (<code>--policy</code>) or a gate result (<code>--gate</code>). Controls get passing evidence from passed checks only.</p></section>`;
  const rows = g.results
    .map((r) => {
      const waiver = r.waiver
        ? `waived until ${e(r.waiver.expires)} by ${e(r.waiver.approver)}: ${e(r.waiver.reason)}`
        : r.expiredWaiver
          ? `<span class="bad">expired ${e(r.expiredWaiver.expires)}</span> (${e(r.expiredWaiver.approver)})`
          : '<span class="muted">—</span>';
      return `<tr id="gate-${e(r.id)}"><td><code>${e(r.id)}</code><div>${e(r.description)}</div></td><td>${sev(r.severity)}</td><td>${status(r.status)}</td>
<td>${e(r.message)}<div><code>${e(r.expression.replace(/\s+/g, ' ').trim())}</code></div>${list(r.evidence.map((x) => `<code>${e(x.path)} = ${e(compactJson(x.value))}</code>`))}${r.status === 'fail' && r.remediation ? `<div><strong>Fix:</strong> ${e(r.remediation)}</div>` : ''}</td>
<td>${witnessList(r)}</td><td>${controlsList(r.controls as Record<string, string[]>)}</td><td>${waiver}</td></tr>`;
    })
    .join('\n');
  const c = g.counts;
  return `<section aria-labelledby="h-gate"><h2 id="h-gate">Gate results</h2>
<p>Policy <strong>${e(g.policy.name)}</strong> (<code>${e(g.policy.source)}</code>)${g.policy.description ? `: ${e(g.policy.description.replace(/\.+$/, ''))}` : ''}. Outcome ${status(g.outcome)}: ${c.pass} passed, ${c.fail} failed, ${c.waived} waived, ${c.error} errors, ${c['not-applicable']} not applicable.</p>
<table><thead><tr><th scope="col">Rule</th><th scope="col">Severity</th><th scope="col">Status</th><th scope="col">Decisive evidence</th><th scope="col">Witnesses</th><th scope="col">Controls</th><th scope="col">Waiver</th></tr></thead>
<tbody>${rows}</tbody></table></section>`;
}

function checksSection(ctx: ReportContext): string {
  const rows = ctx.evidence.checks
    .map((c: EvidenceCheck) => {
      const inputs = c.source.inputs.map(
        (i) =>
          `<code>${e(i.path)}</code>${i.role ? ` (${e(i.role)})` : ''}${i.sha256 ? `<div class="mono muted">sha256:${e(i.sha256)}</div>` : ''}`,
      );
      const meas = c.measurements.map(
        (m) =>
          `${e(m.name)}${m.slice ? ` [${e(m.slice)}]` : ''} = ${e(m.value)}${m.unit ? ` ${e(m.unit)}` : ''}${m.threshold ? ` (required ${e(m.threshold.op)} ${e(m.threshold.value)})` : ''}`,
      );
      return `<tr id="check-${e(c.id)}"><td><code>${e(c.id)}</code><div>${e(c.title)}</div></td><td>${e(c.pillar)}</td><td>${status(c.status)}</td><td>${e(c.reason)}</td>
<td>${e(c.source.tool)} ${e(c.source.version)}</td><td>${list(inputs)}</td><td>${list(meas)}</td><td>${e(formatDuration(c.durationMs))}</td><td>${c.findings.length}</td></tr>`;
    })
    .join('\n');
  return `<section aria-labelledby="h-checks"><h2 id="h-checks">Checks</h2>
<table><thead><tr><th scope="col">Check</th><th scope="col">Pillar</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col">Source</th><th scope="col">Inputs</th><th scope="col">Measurements</th><th scope="col">Duration</th><th scope="col">Findings</th></tr></thead>
<tbody>${rows}</tbody></table></section>`;
}

function refsHtml(f: EvidenceFinding): string {
  const rule = getRule(f.ruleId);
  const refs = { ...(rule?.references ?? {}), ...(f.references ?? {}) } as Record<
    string,
    string[] | undefined
  >;
  const parts = Object.entries(refs)
    .filter(([, v]) => v?.length)
    .map(
      ([k, v]) =>
        `${e(FRAMEWORK_LABEL[k] ?? k.toUpperCase())}: ${v!.map((x) => `<code>${e(x)}</code>`).join(', ')}`,
    );
  return parts.length ? parts.join('; ') : '<span class="muted">—</span>';
}

function findingHtml(f: EvidenceFinding): string {
  const rule = getRule(f.ruleId);
  const remediation = f.remediation ?? rule?.remediation;
  return `<article class="finding s-${e(f.severity)}" data-rule="${e(f.ruleId)}">
<h4>${sev(f.severity)} <code>${e(f.ruleId)}</code> ${rule ? e(rule.title) : ''}</h4>
<div>${e(f.message)}</div>
<dl>
<dt>Location</dt><dd><code>${e(locationText(f.location))}</code></dd>
<dt>Confidence</dt><dd>${e(f.confidence)} · impact ${e(f.impact)}</dd>
${f.evidence ? `<dt>Evidence</dt><dd><pre>${escHtmlBlock(prettyJson(f.evidence))}</pre></dd>` : ''}
${remediation ? `<dt>Remediation</dt><dd>${e(remediation)}</dd>` : ''}
<dt>References</dt><dd>${refsHtml(f)}${rule ? ` · <a href="${e(ruleDocsUrl(rule))}">rule documentation</a>` : ''}</dd>
</dl></article>`;
}

function findingsSection(ctx: ReportContext): string {
  const ev = ctx.evidence;
  if (!ev.findings.length)
    return `<section aria-labelledby="h-findings"><h2 id="h-findings">Findings</h2><p class="good">No findings.</p></section>`;
  const rank = (s: string) => SEVERITY_ORDER.indexOf(s as never);
  const groups = ev.checks
    .filter((c) => c.findings.length)
    .map((c) => {
      const fs = [...c.findings].sort((a, b) => rank(a.severity) - rank(b.severity));
      return `<h3 id="findings-${e(c.id)}">${e(c.title)} (<code>${e(c.id)}</code>): ${fs.length} finding(s)</h3>\n${fs.slice(0, MAX_FINDINGS_SHOWN).map(findingHtml).join('\n')}${fs.length > MAX_FINDINGS_SHOWN ? `<p class="note">${fs.length - MAX_FINDINGS_SHOWN} more finding(s) of this check are not shown; the JSON, SARIF and OSCAL reports hold all of them.</p>` : ''}`;
    });
  return `<section aria-labelledby="h-findings"><h2 id="h-findings">Findings</h2>${groups.join('\n')}</section>`;
}

function sourceText(s: CoverageSource): string {
  const what =
    s.kind === 'gate'
      ? `gate rule <code>${e(s.id)}</code>${s.waived ? ' (waived)' : ''}`
      : s.kind === 'finding'
        ? `<code>${e(s.id)}</code> × ${s.count ?? 1} (${e(s.checks?.join(', ') ?? '')})`
        : `check <code>${e(s.id)}</code>`;
  return what;
}

function coverageSection(ctx: ReportContext): string {
  const blocks = ctx.coverage.map((c) => {
    const label = FRAMEWORK_LABEL[c.framework] ?? c.framework;
    const rows = c.controls
      .map(
        (x) =>
          `<tr><td><code>${e(x.id)}</code></td><td>${e(x.name)}</td><td>${status(x.status)}</td><td>${list(x.failing.map(sourceText))}</td><td>${list(x.passing.map(sourceText))}</td></tr>`,
      )
      .join('\n');
    return `<h3 id="cov-${e(c.framework)}">${e(label)} <span class="muted">(${e(c.name)} ${e(c.version)})</span></h3>
<p><span class="st-failing">${c.counts.failing} failing</span> · <span class="st-passing">${c.counts.passing} passing</span> · <span class="st-none">${c.counts.none} no evidence</span> · ${c.counts.total} controls</p>
${c.controls.length ? `<table><thead><tr><th scope="col">Control</th><th scope="col">Name</th><th scope="col">Evidence</th><th scope="col">Failing because of</th><th scope="col">Passing because of</th></tr></thead><tbody>${rows}</tbody></table>` : '<p class="muted">No control of this framework has evidence.</p>'}
${c.none.length ? `<details><summary>${c.none.length} control(s) without evidence</summary><p class="mono">${c.none.map(e).join(', ')}</p></details>` : ''}
${c.unknown.length ? `<p class="warn">Mapped ids not in the catalog: ${c.unknown.map((u) => `<code>${e(u)}</code>`).join(', ')}</p>` : ''}`;
  });
  return `<section aria-labelledby="h-coverage"><h2 id="h-coverage">Framework coverage</h2>
<p>A control has <strong>failing</strong> evidence when a finding (through its rule's mapped controls) or a failed or waived gate rule maps to it; <strong>passing</strong> evidence when a passed gate rule or a passed check maps to it and nothing fails it; <strong>no evidence</strong> otherwise. Crosswalks between frameworks are not followed.</p>
${blocks.join('\n')}</section>`;
}

/** The self-contained HTML report: inline CSS and SVG, no scripts, no external resources. */
export function renderHtml(ctx: ReportContext): string {
  const h = headline(ctx);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="Bulwark ${e(ctx.toolVersion)}">
<title>Bulwark audit: ${e(ctx.evidence.subject.name)}: ${e(h.label)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${header(ctx)}
${summaryCards(ctx)}
${charts(ctx)}
${gateSection(ctx)}
${checksSection(ctx)}
${findingsSection(ctx)}
${coverageSection(ctx)}
<footer>Generated by Bulwark ${e(ctx.toolVersion)} at <time id="generated-at">${e(ctx.generatedAt)}</time> from evidence schema ${e(ctx.evidence.schemaVersion)}.</footer>
</main>
</body>
</html>
`;
}
