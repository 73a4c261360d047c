import { getRule } from '../../core/rules.js';
import { formatBytes, formatDuration } from '../util.js';
import {
  compactJson,
  escMd as m,
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

function code(s: unknown): string {
  // Inline code cannot hold escapes, so untrusted text is shown escaped as plain text in <code>.
  return `<code>${m(s)}</code>`;
}
function table(head: string[], rows: string[][]): string {
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map((c) => c.replace(/\n/g, '<br>')).join(' | ')} |`),
  ].join('\n');
}
/** Fenced block for untrusted multi-line text: a fence longer than any backtick run inside. */
function fence(s: string): string {
  const longest = Math.max(2, ...[...s.matchAll(/`+/g)].map((x) => x[0].length));
  const f = '`'.repeat(longest + 1);
  return `${f}text\n${s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g, '\ufffd')}\n${f}`;
}
function src(s: CoverageSource): string {
  return s.kind === 'gate'
    ? `gate ${code(s.id)}${s.waived ? ' (waived)' : ''}`
    : s.kind === 'finding'
      ? `${code(s.id)} × ${s.count ?? 1}`
      : `check ${code(s.id)}`;
}

/** GitHub-flavoured Markdown with the same content as the HTML report; every untrusted string is escaped. */
export function renderMarkdown(ctx: ReportContext): string {
  const ev = ctx.evidence;
  const s = ev.summary;
  const h = headline(ctx);
  const L: string[] = [];
  L.push(`# Bulwark audit report: ${m(ev.subject.name)}`, '');
  L.push(`**${ctx.gate ? 'Gate' : 'Verdict'}: ${h.label}** · scan verdict: **${s.verdict}**`, '');
  L.push(
    `- Path: ${code(ev.subject.path)} (${ev.subject.files} file(s), ${formatBytes(ev.subject.bytes)})`,
    `- Root digest: ${ev.subject.rootDigest ? code(`sha256:${ev.subject.rootDigest}`) : 'not computed'}`,
    `- Audited at ${m(ev.createdAt)} by ${m(ev.tool.name)} ${m(ev.tool.version)}`,
  );
  const risk = ev.risk?.euAiAct;
  L.push(
    `- EU AI Act tier: **${m(risk?.tier ?? 'unknown')}**${risk?.annexIIIArea ? ` (Annex III: ${m(risk.annexIIIArea)})` : ''}`,
  );
  for (const r of risk?.reasons ?? []) L.push(`  - ${m(r)}`);
  if (risk?.prohibitedPractices.length)
    L.push(`- Prohibited practices: ${risk.prohibitedPractices.map(m).join(', ')}`);
  L.push('', '## Summary', '');
  L.push(
    table(
      [
        'Findings',
        'Critical',
        'High',
        'Medium',
        'Low',
        'Info',
        'Malicious files',
        'Inconclusive files',
        'Checks passed',
        'Signature',
      ],
      [
        [
          String(s.findings),
          ...SEVERITY_ORDER.map((k) => String(s.bySeverity[k] ?? 0)),
          String(s.malicious),
          String(s.inconclusive),
          `${s.checks.pass} of ${ev.checks.length}`,
          s.signatureVerified === true
            ? 'verified'
            : s.signatureVerified === false
              ? 'FAILED'
              : s.signed
                ? 'not checked'
                : 'unsigned',
        ],
      ],
    ),
    '',
    '### Findings by pillar',
    '',
    table([...PILLAR_ORDER], [PILLAR_ORDER.map((p) => String(s.byPillar[p] ?? 0))]),
  );

  L.push('', '## Gate results', '');
  const g = ctx.gate;
  if (!g)
    L.push(
      '> No gate was evaluated: this report was made without a policy (`--policy`) or a gate result (`--gate`). Controls get passing evidence from passed checks only.',
    );
  else {
    const c = g.counts;
    L.push(
      `Policy **${m(g.policy.name)}** (${code(g.policy.source)}). Outcome **${g.outcome.toUpperCase()}**: ${c.pass} passed, ${c.fail} failed, ${c.waived} waived, ${c.error} errors, ${c['not-applicable']} not applicable.`,
      '',
      table(
        ['Rule', 'Severity', 'Status', 'Decisive evidence', 'Witnesses', 'Controls', 'Waiver'],
        g.results.map((r) => [
          `${code(r.id)} ${m(r.description)}`,
          r.severity,
          `**${r.status.toUpperCase()}**`,
          [
            m(r.message),
            ...r.evidence.map((x) => code(`${x.path} = ${compactJson(x.value)}`)),
            ...(r.status === 'fail' && r.remediation ? [`Fix: ${m(r.remediation)}`] : []),
          ].join('<br>'),
          r.witnesses
            .map(
              (w) =>
                `${m(w.kind)} of ${code(w.call)}: ${w.count}${w.items.map((i) => `<br>${code(compactJson(i))}`).join('')}`,
            )
            .join('<br>') || '—',
          Object.entries(r.controls)
            .filter(([, v]) => v?.length)
            .map(([k, v]) => `${FRAMEWORK_LABEL[k] ?? k}: ${v!.map(m).join(', ')}`)
            .join('<br>') || '—',
          r.waiver
            ? `waived until ${m(r.waiver.expires)} by ${m(r.waiver.approver)}: ${m(r.waiver.reason)}`
            : r.expiredWaiver
              ? `expired ${m(r.expiredWaiver.expires)}`
              : '—',
        ]),
      ),
    );
  }

  L.push('', '## Checks', '');
  L.push(
    table(
      ['Check', 'Pillar', 'Status', 'Reason', 'Source', 'Inputs', 'Measurements', 'Duration', 'Findings'],
      ev.checks.map((c) => [
        `${code(c.id)} ${m(c.title)}`,
        c.pillar,
        `**${c.status.toUpperCase()}**`,
        m(c.reason),
        `${m(c.source.tool)} ${m(c.source.version)}`,
        c.source.inputs
          .map(
            (i) =>
              `${code(i.path)}${i.role ? ` (${m(i.role)})` : ''}${i.sha256 ? ` sha256:${m(i.sha256)}` : ''}`,
          )
          .join('<br>') || '—',
        c.measurements
          .map(
            (x) =>
              `${m(x.name)}${x.slice ? ` [${m(x.slice)}]` : ''} = ${x.value}${x.unit ? ` ${m(x.unit)}` : ''}${x.threshold ? ` (required ${m(x.threshold.op)} ${x.threshold.value})` : ''}`,
          )
          .join('<br>') || '—',
        formatDuration(c.durationMs),
        String(c.findings.length),
      ]),
    ),
  );

  L.push('', '## Findings', '');
  if (!ev.findings.length) L.push('No findings.');
  const rank = (x: string) => SEVERITY_ORDER.indexOf(x as never);
  for (const c of ev.checks.filter((x) => x.findings.length)) {
    L.push(`### ${m(c.title)} (${code(c.id)}): ${c.findings.length} finding(s)`, '');
    const sorted = [...c.findings].sort((a, b) => rank(a.severity) - rank(b.severity));
    for (const f of sorted.slice(0, MAX_FINDINGS_SHOWN)) {
      const rule = getRule(f.ruleId);
      L.push(`#### ${f.severity.toUpperCase()} ${code(f.ruleId)} ${rule ? m(rule.title) : ''}`, '');
      L.push(m(f.message), '');
      L.push(
        `- Location: ${code(locationText(f.location))}`,
        `- Confidence: ${f.confidence} · impact ${f.impact}`,
      );
      const rem = f.remediation ?? rule?.remediation;
      if (rem) L.push(`- Remediation: ${m(rem)}`);
      const refs = { ...(rule?.references ?? {}), ...(f.references ?? {}) } as Record<
        string,
        string[] | undefined
      >;
      const parts = Object.entries(refs)
        .filter(([, v]) => v?.length)
        .map(([k, v]) => `${FRAMEWORK_LABEL[k] ?? k.toUpperCase()}: ${v!.map(m).join(', ')}`);
      if (parts.length) L.push(`- References: ${parts.join('; ')}`);
      if (f.evidence)
        L.push(
          '',
          '<details><summary>Evidence</summary>',
          '',
          fence(prettyJson(f.evidence)),
          '',
          '</details>',
        );
      L.push('');
    }
    if (sorted.length > MAX_FINDINGS_SHOWN)
      L.push(
        `> ${sorted.length - MAX_FINDINGS_SHOWN} more finding(s) of this check are not shown; the JSON, SARIF and OSCAL reports hold all of them.`,
        '',
      );
  }

  L.push('', '## Framework coverage', '');
  L.push(
    "A control has **failing** evidence when a finding (through its rule's mapped controls) or a failed or waived gate rule maps to it; **passing** evidence when a passed gate rule or a passed check maps to it and nothing fails it; **no evidence** otherwise. Crosswalks are not followed.",
    '',
  );
  L.push(
    table(
      ['Framework', 'Failing', 'Passing', 'No evidence', 'Controls'],
      ctx.coverage.map((c) => [
        FRAMEWORK_LABEL[c.framework] ?? c.framework,
        String(c.counts.failing),
        String(c.counts.passing),
        String(c.counts.none),
        String(c.counts.total),
      ]),
    ),
  );
  for (const c of ctx.coverage) {
    L.push('', `### ${FRAMEWORK_LABEL[c.framework] ?? c.framework} (${m(c.name)} ${m(c.version)})`, '');
    if (c.controls.length)
      L.push(
        table(
          ['Control', 'Name', 'Evidence', 'Failing because of', 'Passing because of'],
          c.controls.map((x) => [
            code(x.id),
            m(x.name),
            `**${x.status}**`,
            x.failing.map(src).join('<br>') || '—',
            x.passing.map(src).join('<br>') || '—',
          ]),
        ),
      );
    else L.push('No control of this framework has evidence.');
    if (c.none.length)
      L.push(
        '',
        `<details><summary>${c.none.length} control(s) without evidence</summary>`,
        '',
        c.none.map(m).join(', '),
        '',
        '</details>',
      );
    if (c.unknown.length) L.push('', `Mapped ids not in the catalog: ${c.unknown.map(m).join(', ')}`);
  }
  L.push(
    '',
    '---',
    '',
    `Generated by Bulwark ${m(ctx.toolVersion)} at ${ctx.generatedAt} from evidence schema ${m(ev.schemaVersion)}.`,
    '',
  );
  return L.join('\n');
}
