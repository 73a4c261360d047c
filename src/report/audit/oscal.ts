import type { Severity } from '../../core/severity.js';
import { atLeast } from '../../core/severity.js';
import { FRAMEWORK_REFERENCE_KEYS } from '../../governance/catalogs/index.js';
import { findEntry } from '../../governance/catalogs/index.js';
import type { EvidenceCheck } from '../../governance/evidence.js';
import { PROJECT_URL } from '../links.js';
import { contentDigest, FRAMEWORK_LABEL, locationText, uuidV5, type ReportContext } from './common.js';
import { findingControls } from './coverage.js';

/** OSCAL version the assessment results follow. */
export const OSCAL_VERSION = '1.2.2';
/** Namespace of Bulwark's own OSCAL props (OSCAL requires `ns` on props that are not OSCAL's). */
export const OSCAL_NS = `${PROJECT_URL}/ns/oscal`;
/** Fixed namespace of every UUID v5 in Bulwark's OSCAL output. */
const UUID_NS = '6f1c8b2e-4d0a-5b7e-9c3f-0a1b2c3d4e5f';

type Prop = { name: string; value: string; ns?: string; class?: string };
const prop = (name: string, value: unknown, cls?: string): Prop => ({
  name,
  ns: OSCAL_NS,
  value: String(value),
  ...(cls ? { class: cls } : {}),
});

/**
 * An OSCAL control id must be a token (`^(\p{L}|_)(\p{L}|\p{N}|[.\-_])*$`): framework ids such as `MEASURE 2.7` or
 * `Art. 15` become lower case with other characters replaced by `_` (`measure_2.7`, `art._15`). The original id is
 * kept in a `control-id` prop.
 */
export function oscalControlId(id: string): string {
  let t = id
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}._-]+/gu, '_');
  if (!/^[\p{L}_]/u.test(t)) t = `_${t}`;
  return t;
}

function related(uuids: string[]): { 'related-observations'?: { 'observation-uuid': string }[] } {
  const u = [...new Set(uuids)];
  return u.length ? { 'related-observations': u.map((x) => ({ 'observation-uuid': x })) } : {};
}

/** Methods: checks that run a test on the artifact are TEST; reviews of documents and metadata are EXAMINE. */
function methodOf(c: EvidenceCheck): 'TEST' | 'EXAMINE' {
  return c.id === 'card' || c.id === 'bom' ? 'EXAMINE' : 'TEST';
}

/**
 * OSCAL 1.2 assessment-results of an audit (docs/reports.md, "OSCAL"): one observation per check and one for the
 * gate; findings per (failed gate rule or finding at or above medium) × mapped control (not-satisfied), and one per
 * control with passing evidence only (satisfied); reviewed controls per framework.
 */
export function auditOscal(ctx: ReportContext, minSeverity: Severity = 'medium'): Record<string, unknown> {
  const ev = ctx.evidence;
  const seed = contentDigest(ctx);
  const uuid = (name: string) => uuidV5(`${seed}:${name}`, UUID_NS);
  const componentUuid = uuid('component:subject');
  const planUuid = uuid('resource:assessment-plan');
  const evidenceUuid = uuid('resource:evidence');
  const subjects = [{ 'subject-uuid': componentUuid, type: 'component', title: ev.subject.name }];

  const obsUuid = new Map<string, string>();
  const observations: Record<string, unknown>[] = ev.checks.map((c) => {
    const u = uuid(`observation:check:${c.id}`);
    obsUuid.set(c.id, u);
    return {
      uuid: u,
      title: c.title,
      description: `Check ${c.id} (${c.pillar}): ${c.status}. ${c.reason}`,
      props: [
        prop('check-id', c.id),
        prop('pillar', c.pillar),
        prop('status', c.status),
        prop('tool', `${c.source.tool} ${c.source.version}`),
        prop('duration-ms', c.durationMs),
        prop('findings', c.findings.length),
        ...c.measurements.map((m) =>
          prop(
            'measurement',
            `${m.name}${m.slice ? `[${m.slice}]` : ''}=${m.value}${m.unit ? ` ${m.unit}` : ''}${m.threshold ? ` (${m.threshold.op} ${m.threshold.value})` : ''}`,
          ),
        ),
      ],
      methods: [methodOf(c)],
      types: ['finding'],
      subjects,
      'relevant-evidence': [
        {
          href: `#${evidenceUuid}`,
          description: `Check ${c.id} in the Bulwark evidence document`,
        },
        ...c.source.inputs.map((i) => ({
          href: encodeURI(i.path.split('\\').join('/')),
          description: `Input ${i.path}${i.role ? ` (${i.role})` : ''}`,
          ...(i.sha256 ? { props: [prop('sha256', i.sha256)] } : {}),
        })),
      ],
      collected: c.startedAt,
    };
  });
  const gate = ctx.gate;
  let gateObs: string | undefined;
  if (gate) {
    gateObs = uuid('observation:gate');
    const c = gate.counts;
    observations.push({
      uuid: gateObs,
      title: `Gate policy ${gate.policy.name}`,
      description: `Gate ${gate.outcome}: ${c.pass} passed, ${c.fail} failed, ${c.waived} waived, ${c.error} errors, ${c['not-applicable']} not applicable.`,
      props: [
        prop('policy', gate.policy.name),
        prop('outcome', gate.outcome),
        ...gate.results.map((r) => prop('gate-rule', `${r.id}=${r.status}`)),
      ],
      methods: ['EXAMINE'],
      types: ['control-objective'],
      subjects,
      'relevant-evidence': [
        { href: `#${evidenceUuid}`, description: 'The Bulwark evidence document the gate evaluated' },
      ],
      collected: ev.createdAt,
    });
  }

  const findings: Record<string, unknown>[] = [];
  const reviewed = new Map<string, Set<string>>();
  const target = (fw: string, raw: string) => {
    const entry = findEntry(fw, raw, { dir: null });
    const id = entry?.id ?? raw;
    if (!reviewed.has(fw)) reviewed.set(fw, new Set());
    reviewed.get(fw)!.add(id);
    return { id, name: entry?.name };
  };
  const failedControls = new Set<string>();
  for (const r of gate?.results ?? []) {
    if (r.status !== 'fail' && r.status !== 'waived') continue;
    for (const fw of FRAMEWORK_REFERENCE_KEYS)
      for (const raw of r.controls[fw] ?? []) {
        const t = target(fw, raw);
        failedControls.add(`${fw}:${t.id}`);
        findings.push({
          uuid: uuid(`finding:gate:${r.id}:${fw}:${t.id}`),
          title: `${FRAMEWORK_LABEL[fw]} ${t.id}: gate rule ${r.id} ${r.status === 'waived' ? 'failed (waived)' : 'failed'}`,
          description: `${r.description}. ${r.message}.${r.remediation ? ` Remediation: ${r.remediation}` : ''}`,
          props: [
            prop('framework', fw),
            prop('control-id', t.id),
            prop('gate-rule', r.id),
            prop('severity', r.severity),
            ...(r.status === 'waived' && r.waiver
              ? [prop('waiver', `${r.waiver.approver} until ${r.waiver.expires}: ${r.waiver.reason}`)]
              : []),
          ],
          target: {
            type: 'objective-id',
            'target-id': oscalControlId(t.id),
            status: { state: 'not-satisfied', ...(r.status === 'waived' ? { reason: 'waived' } : {}) },
          },
          'related-observations': [{ 'observation-uuid': gateObs! }],
        });
      }
  }
  // Findings of the checks, grouped per rule and control (bounded by rules × controls, not by findings).
  const byRule = new Map<string, typeof ev.findings>();
  for (const f of ev.findings) {
    if (!atLeast(f.severity, minSeverity)) continue;
    const list = byRule.get(f.ruleId) ?? [];
    list.push(f);
    byRule.set(f.ruleId, list);
  }
  for (const ruleId of [...byRule.keys()].sort()) {
    const fs = byRule.get(ruleId)!;
    const refs = findingControls(ruleId, fs[0].references);
    const checks = [...new Set(fs.map((f) => f.check))].sort();
    const worst = fs.reduce<Severity>((w, f) => (atLeast(f.severity, w) ? f.severity : w), 'info');
    for (const fw of FRAMEWORK_REFERENCE_KEYS)
      for (const raw of refs[fw] ?? []) {
        const t = target(fw, raw);
        failedControls.add(`${fw}:${t.id}`);
        findings.push({
          uuid: uuid(`finding:rule:${ruleId}:${fw}:${t.id}`),
          title: `${FRAMEWORK_LABEL[fw]} ${t.id}: ${ruleId} (${fs.length} finding(s))`,
          description:
            fs
              .slice(0, 5)
              .map((f) => `${f.severity}: ${f.message} at ${locationText(f.location)}`)
              .join('\n') + (fs.length > 5 ? `\nand ${fs.length - 5} more` : ''),
          props: [
            prop('framework', fw),
            prop('control-id', t.id),
            prop('rule-id', ruleId),
            prop('severity', worst),
            prop('count', fs.length),
          ],
          target: {
            type: 'objective-id',
            'target-id': oscalControlId(t.id),
            status: { state: 'not-satisfied' },
          },
          ...related(checks.filter((c) => obsUuid.has(c)).map((c) => obsUuid.get(c)!)),
        });
      }
  }
  // Controls with passing evidence only.
  for (const cov of ctx.coverage)
    for (const c of cov.controls) {
      if (c.status !== 'passing' || failedControls.has(`${cov.framework}:${c.id}`)) continue;
      target(cov.framework, c.id);
      const rel = c.passing
        .map((s) => (s.kind === 'check' ? obsUuid.get(s.id) : gateObs))
        .filter((u): u is string => u !== undefined);
      findings.push({
        uuid: uuid(`finding:pass:${cov.framework}:${c.id}`),
        title: `${FRAMEWORK_LABEL[cov.framework]} ${c.id}: passing evidence`,
        description: `${c.name}: evidenced by ${c.passing.map((s) => `${s.kind} ${s.id}`).join(', ')}.`,
        props: [prop('framework', cov.framework), prop('control-id', c.id)],
        target: { type: 'objective-id', 'target-id': oscalControlId(c.id), status: { state: 'satisfied' } },
        ...related(rel),
      });
    }

  const controlSelections = [...FRAMEWORK_REFERENCE_KEYS]
    .filter((fw) => reviewed.has(fw))
    .map((fw) => ({
      description: `${FRAMEWORK_LABEL[fw]} controls with evidence in this audit`,
      props: [prop('framework', fw)],
      'include-controls': [...reviewed.get(fw)!].sort().map((id) => ({ 'control-id': oscalControlId(id) })),
    }));

  return {
    'assessment-results': {
      uuid: uuid('assessment-results'),
      metadata: {
        title: `Bulwark audit of ${ev.subject.name}`,
        'last-modified': ctx.generatedAt,
        version: ctx.toolVersion,
        'oscal-version': OSCAL_VERSION,
        props: [
          prop('subject', ev.subject.name),
          ...(ev.subject.rootDigest ? [prop('root-digest', `sha256:${ev.subject.rootDigest}`)] : []),
        ],
      },
      'import-ap': { href: `#${planUuid}` },
      'local-definitions': {
        components: [
          {
            uuid: componentUuid,
            type: 'software',
            title: ev.subject.name,
            description: `The audited model ${ev.subject.path} (${ev.subject.files} file(s), ${ev.subject.bytes} bytes).`,
            ...(ev.subject.rootDigest
              ? { props: [prop('root-digest', `sha256:${ev.subject.rootDigest}`)] }
              : {}),
            status: { state: 'operational' },
          },
        ],
      },
      results: [
        {
          uuid: uuid('result'),
          title: `Audit of ${ev.subject.name}`,
          description: `Bulwark ${ev.tool.version} audit: verdict ${ev.summary.verdict}, ${ev.summary.findings} finding(s)${gate ? `, gate ${gate.policy.name} ${gate.outcome}` : ', no gate evaluated'}.`,
          start: ev.createdAt,
          'reviewed-controls': {
            'control-selections': controlSelections.length
              ? controlSelections
              : [{ description: 'No control has evidence in this audit', 'include-all': {} }],
          },
          observations,
          ...(findings.length ? { findings } : {}),
        },
      ],
      'back-matter': {
        resources: [
          {
            uuid: planUuid,
            title: gate
              ? `Assessment plan: Bulwark policy ${gate.policy.name}`
              : 'Assessment plan: Bulwark audit',
            description:
              'Placeholder for the assessment plan OSCAL requires (import-ap). The plan is the Bulwark audit checks' +
              (gate ? ` and the gate policy ${gate.policy.name} (${gate.policy.source})` : '') +
              '; no separate OSCAL assessment-plan document is written.',
          },
          {
            uuid: evidenceUuid,
            title: `Bulwark evidence document of ${ev.subject.name}`,
            description: `Evidence schema ${ev.schemaVersion}, created ${ev.createdAt}.`,
            ...(ev.subject.rootDigest
              ? { props: [prop('root-digest', `sha256:${ev.subject.rootDigest}`)] }
              : {}),
          },
        ],
      },
    },
  };
}
