import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Finding } from '../../core/finding.js';
import { makeFinding } from '../../core/rules.js';
import { atLeast, type Severity } from '../../core/severity.js';
import type { SystemCard } from '../../core/system-card.js';
import type { EvidenceItem } from './evidence.js';
import {
  MAX_CARD_BYTES,
  parseHfCard,
  type CardProblem,
  type HfCard,
  type ModelIndexResult,
} from './hf-card.js';
import { CARD_EU_INFO_MISSING, CARD_FIELD_MISSING, CARD_INVALID, CARD_MISSING } from './rules.js';

export const MODEL_CARD_SCHEMA_VERSION = '1.0';

/** Where a card value came from. */
export type CardSource = 'readme' | 'config.json' | 'system-card' | `evidence:${string}`;

export interface CardValue<T = string> {
  value: T;
  source: CardSource;
}

export interface EuAiActItem {
  id: string;
  /** Provision, e.g. "Art. 13(3)(b)(i)". */
  provision: string;
  label: string;
  value?: string;
  source?: CardSource;
}

export interface SecuritySummary {
  files: number;
  verdicts: Record<string, number>;
  findingsBySeverity: Record<string, number>;
  top: { ruleId: string; severity: string; message: string; file: string }[];
}

/** The combined model card: Hugging Face card data, evidence, and EU AI Act information, each value with its source. */
export interface ModelCard {
  schemaVersion: typeof MODEL_CARD_SCHEMA_VERSION;
  kind: 'bulwark.model-card';
  model: {
    name: string;
    license?: CardValue;
    baseModel?: CardValue<string[]>;
    task?: CardValue;
    library?: CardValue;
    languages?: CardValue<string[]>;
    architecture?: CardValue;
    datasets?: CardValue<string[]>;
  };
  description?: CardValue;
  intendedUse?: CardValue;
  outOfScopeUse?: CardValue;
  limitations?: CardValue;
  training?: CardValue;
  evaluation: { results: ModelIndexResult[]; text?: CardValue };
  security?: SecuritySummary & { source: CardSource };
  provenance: {
    signature?: { file: string; mediaType: string; method: string };
    verification?: { file: string; data: Record<string, unknown> };
    bom?: { file: string; format: string; serialNumber?: string; components: number };
    attestations: { file: string; predicateType: string }[];
  };
  fairness: { file: string; data: Record<string, unknown> }[];
  privacy: { file: string; data: Record<string, unknown> }[];
  euAiAct: { highRisk: boolean; annexIIIArea?: string; items: EuAiActItem[] };
  metadataProblems: CardProblem[];
  findings: Finding[];
  evidence: { kind: string; file: string }[];
}

export interface BuildCardOptions {
  /** Model directory (README.md, config.json) or a single model file (its directory is read). */
  modelPath?: string;
  /** The README text, when it is not read from modelPath. */
  readme?: string;
  systemCard?: SystemCard;
  evidence?: EvidenceItem[];
  /** Treat the system as high-risk even without an Annex III area in the system card. */
  highRisk?: boolean;
  /** Name shown for the model when no card names it. */
  name?: string;
}

async function readBounded(file: string, max: number): Promise<string | undefined> {
  try {
    const st = await stat(file);
    if (!st.isFile()) return undefined;
    const buf = await readFile(file);
    return buf.subarray(0, Math.min(buf.length, max)).toString('utf8');
  } catch {
    return undefined;
  }
}

function findSection(card: HfCard | undefined, ...keywords: string[]): string | undefined {
  if (!card) return undefined;
  for (const [heading, text] of card.sections) {
    const h = heading.toLowerCase();
    if (
      keywords.some((k) => h.includes(k)) &&
      text.trim() &&
      !/^\[?more information needed\]?$/i.test(text.trim())
    )
      return text.trim();
  }
  return undefined;
}

function asList(v: unknown): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  return undefined;
}

function firstParagraph(body: string): string | undefined {
  for (const block of body.split(/\r?\n\s*\r?\n/)) {
    const t = block.trim();
    if (t && !t.startsWith('#') && !t.startsWith('<!--') && !t.startsWith('```')) return t;
  }
  return undefined;
}

function summarizeScan(item: EvidenceItem): SecuritySummary {
  const files = Array.isArray(item.data.files)
    ? (item.data.files as { verdict?: string; path?: string }[])
    : [];
  const verdicts: Record<string, number> = {};
  for (const f of files) verdicts[f.verdict ?? 'unknown'] = (verdicts[f.verdict ?? 'unknown'] ?? 0) + 1;
  const findingsBySeverity: Record<string, number> = {};
  for (const f of item.findings) findingsBySeverity[f.severity] = (findingsBySeverity[f.severity] ?? 0) + 1;
  const order = ['critical', 'high', 'medium', 'low', 'info'];
  const top = [...item.findings]
    .sort((a, b) => order.indexOf(a.severity) - order.indexOf(b.severity))
    .slice(0, 10)
    .map((f) => ({
      ruleId: f.ruleId,
      severity: f.severity,
      message: f.message,
      file: f.location?.file ?? '',
    }));
  return { files: files.length, verdicts, findingsBySeverity, top };
}

/** Builds the combined model card and the findings for what is missing. */
export async function buildModelCard(opts: BuildCardOptions): Promise<ModelCard> {
  const evidence = opts.evidence ?? [];
  const sys = opts.systemCard;
  let dir: string | undefined;
  if (opts.modelPath) {
    const st = await stat(opts.modelPath).catch(() => undefined);
    dir = st?.isDirectory() ? opts.modelPath : path.dirname(opts.modelPath);
  }
  const readmePath = dir ? path.join(dir, 'README.md') : 'README.md';
  const readme = opts.readme ?? (dir ? await readBounded(readmePath, MAX_CARD_BYTES + 1) : undefined);
  const hf = readme !== undefined ? parseHfCard(readme) : undefined;
  let config: Record<string, unknown> | undefined;
  if (dir) {
    const text = await readBounded(path.join(dir, 'config.json'), 1 << 20);
    try {
      const parsed: unknown = text ? JSON.parse(text) : undefined;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
        config = parsed as Record<string, unknown>;
    } catch {
      // An unreadable config.json only means fewer fields.
    }
  }
  const md = hf?.metadata ?? {};
  const location = { file: readme !== undefined ? readmePath : (opts.modelPath ?? 'model') };
  const findings: Finding[] = [];

  const model: ModelCard['model'] = {
    name:
      opts.name ??
      (typeof md.model_name === 'string' ? md.model_name : undefined) ??
      sys?.name ??
      (dir ? path.basename(path.resolve(dir)) : 'model'),
  };
  const license = asList(md.license);
  if (license) model.license = { value: license.join(', '), source: 'readme' };
  const base = asList(md.base_model);
  if (base) model.baseModel = { value: base, source: 'readme' };
  if (typeof md.pipeline_tag === 'string') model.task = { value: md.pipeline_tag, source: 'readme' };
  if (typeof md.library_name === 'string') model.library = { value: md.library_name, source: 'readme' };
  const langs = asList(md.language);
  if (langs) model.languages = { value: langs, source: 'readme' };
  const datasets = asList(md.datasets);
  if (datasets) model.datasets = { value: datasets, source: 'readme' };
  const arch = asList(config?.architectures) ?? asList(config?.model_type);
  if (arch) model.architecture = { value: arch.join(', '), source: 'config.json' };

  const card: ModelCard = {
    schemaVersion: MODEL_CARD_SCHEMA_VERSION,
    kind: 'bulwark.model-card',
    model,
    evaluation: { results: hf?.results ?? [] },
    provenance: { attestations: [] },
    fairness: [],
    privacy: [],
    euAiAct: { highRisk: false, items: [] },
    metadataProblems: hf?.problems ?? [],
    findings,
    evidence: evidence.map((e) => ({ kind: e.kind, file: e.file })),
  };
  const desc = hf ? firstParagraph(hf.body) : undefined;
  if (desc) card.description = { value: desc, source: 'readme' };
  const setFrom = (
    key: 'intendedUse' | 'outOfScopeUse' | 'limitations' | 'training',
    sysValue: string | undefined,
    ...kw: string[]
  ) => {
    const fromReadme = findSection(hf, ...kw);
    if (sysValue) card[key] = { value: sysValue, source: 'system-card' };
    else if (fromReadme) card[key] = { value: fromReadme, source: 'readme' };
  };
  setFrom('intendedUse', sys?.intendedPurpose, 'intended use', 'uses', 'direct use');
  setFrom('outOfScopeUse', sys?.outOfScopeUses?.join('\n'), 'out-of-scope', 'out of scope', 'misuse');
  setFrom(
    'limitations',
    [...(sys?.limitations ?? []), ...(sys?.knownRisks ?? [])].join('\n') || undefined,
    'limitation',
    'risks',
    'bias',
  );
  setFrom('training', undefined, 'training data', 'training details', 'training');
  const evalText = findSection(hf, 'evaluation', 'results');
  if (evalText) card.evaluation.text = { value: evalText, source: 'readme' };

  for (const item of evidence) {
    const src = `evidence:${item.file}` as const;
    switch (item.kind) {
      case 'scan-report':
        card.security = { ...summarizeScan(item), source: src };
        break;
      case 'fairness':
        card.fairness.push({ file: item.file, data: item.data });
        break;
      case 'privacy':
        card.privacy.push({ file: item.file, data: item.data });
        break;
      case 'verification':
        card.provenance.verification = { file: item.file, data: item.data };
        break;
      case 'signature-bundle': {
        const vm = (item.data.verificationMaterial ?? {}) as Record<string, unknown>;
        const method = vm.certificate ? 'sigstore' : vm.x509CertificateChain ? 'certificate' : 'key';
        card.provenance.signature = { file: item.file, mediaType: String(item.data.mediaType), method };
        break;
      }
      case 'cyclonedx-bom':
        card.provenance.bom = {
          file: item.file,
          format: `CycloneDX ${String(item.data.specVersion ?? '')}`.trim(),
          ...(typeof item.data.serialNumber === 'string' ? { serialNumber: item.data.serialNumber } : {}),
          components: Array.isArray(item.data.components) ? item.data.components.length : 0,
        };
        break;
      case 'spdx':
        card.provenance.bom = {
          file: item.file,
          format: 'SPDX 3',
          components: Array.isArray(item.data['@graph']) ? (item.data['@graph'] as unknown[]).length : 0,
        };
        break;
      case 'attestation':
        card.provenance.attestations.push({
          file: item.file,
          predicateType: String(item.data.predicateType ?? ''),
        });
        break;
      default:
        break;
    }
  }

  // Findings: card present and valid, mandatory fields, EU AI Act information.
  if (readme === undefined && !sys)
    findings.push(makeFinding(CARD_MISSING, { message: 'no README.md model card was found', location }));
  for (const p of hf?.problems ?? [])
    if (p.code !== 'license-missing')
      findings.push(
        makeFinding(CARD_INVALID, {
          message: `${p.path ? `${p.path}: ` : ''}${p.message}`,
          location,
          evidence: { code: p.code, path: p.path },
        }),
      );
  if (readme !== undefined || sys) {
    const missing: [string, boolean][] = [
      ['license', !!model.license],
      ['intended use', !!card.intendedUse],
      ['limitations and risks', !!card.limitations],
      ['training data', !!(card.training || model.datasets)],
      [
        'evaluation results',
        card.evaluation.results.length > 0 || !!card.evaluation.text || card.fairness.length > 0,
      ],
    ];
    for (const [field, ok] of missing)
      if (!ok)
        findings.push(
          makeFinding(CARD_FIELD_MISSING, {
            message: `the model card does not state its ${field}`,
            location,
            evidence: { field },
          }),
        );
  }

  const highRisk = opts.highRisk === true || !!sys?.annexIIIArea;
  card.euAiAct = {
    highRisk,
    ...(sys?.annexIIIArea ? { annexIIIArea: sys.annexIIIArea } : {}),
    items: euItems(card, sys),
  };
  if (highRisk)
    for (const item of card.euAiAct.items)
      if (item.value === undefined)
        findings.push(
          makeFinding(CARD_EU_INFO_MISSING, {
            message: `${item.provision}: ${item.label} is not documented`,
            location: { file: location.file },
            evidence: { item: item.id, provision: item.provision },
          }),
        );
  return card;
}

function euItems(card: ModelCard, sys: SystemCard | undefined): EuAiActItem[] {
  const fromSys = (v: string | string[] | undefined): Pick<EuAiActItem, 'value' | 'source'> => {
    const s = Array.isArray(v) ? v.join('; ') : v;
    return s ? { value: s, source: 'system-card' } : {};
  };
  const fromCard = (v: CardValue | undefined) => (v ? { value: v.value, source: v.source } : {});
  const provider = sys?.provider;
  const providerText = provider?.name
    ? [provider.name, provider.address, provider.contact].filter(Boolean).join(', ')
    : undefined;
  const metrics = card.evaluation.results.flatMap((r) =>
    r.metrics.map((m) => `${m.type}=${String(m.value)} (${r.dataset.name})`),
  );
  const security = card.security
    ? `Bulwark scan of ${card.security.files} file(s): ${Object.entries(card.security.verdicts)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ')}`
    : undefined;
  const either = (...xs: Pick<EuAiActItem, 'value' | 'source'>[]) => xs.find((x) => x.value) ?? {};
  return [
    {
      id: 'provider',
      provision: 'Art. 13(3)(a)',
      label: 'provider identity and contact details',
      ...fromSys(providerText),
    },
    {
      id: 'intended-purpose',
      provision: 'Art. 13(3)(b)(i)',
      label: 'intended purpose',
      ...either(fromSys(sys?.intendedPurpose), fromCard(card.intendedUse)),
    },
    {
      id: 'accuracy',
      provision: 'Art. 13(3)(b)(ii), Art. 15',
      label: 'level of accuracy and its metrics',
      ...either(
        fromSys(sys?.accuracy),
        metrics.length ? { value: metrics.join('; '), source: 'readme' as const } : {},
      ),
    },
    {
      id: 'robustness',
      provision: 'Art. 13(3)(b)(ii), Art. 15',
      label: 'robustness',
      ...fromSys(sys?.robustness),
    },
    {
      id: 'cybersecurity',
      provision: 'Art. 13(3)(b)(ii), Art. 15',
      label: 'cybersecurity measures and evidence',
      ...either(
        fromSys(sys?.cybersecurity),
        security ? { value: security, source: card.security!.source } : {},
      ),
    },
    {
      id: 'risks',
      provision: 'Art. 13(3)(b)(iii)',
      label: 'known and foreseeable risks',
      ...either(fromSys(sys?.knownRisks), fromCard(card.limitations)),
    },
    {
      id: 'group-performance',
      provision: 'Art. 13(3)(b)(v)',
      label: 'performance for specific persons or groups',
      ...(card.fairness.length
        ? {
            value: `fairness evidence: ${card.fairness.map((f) => f.file).join(', ')}`,
            source: `evidence:${card.fairness[0].file}` as const,
          }
        : {}),
    },
    {
      id: 'data',
      provision: 'Art. 13(3)(b)(vi), Annex IV(2)(d)',
      label: 'training, validation and testing data',
      ...either(
        fromCard(card.training),
        card.model.datasets ? { value: card.model.datasets.value.join(', '), source: 'readme' as const } : {},
      ),
    },
    {
      id: 'human-oversight',
      provision: 'Art. 13(3)(d), Art. 14',
      label: 'human oversight measures',
      ...fromSys(sys?.humanOversight),
    },
    {
      id: 'lifetime',
      provision: 'Art. 13(3)(e)',
      label: 'expected lifetime and maintenance measures',
      ...fromSys([sys?.lifetime, sys?.maintenance].filter(Boolean).join('; ') || undefined),
    },
    {
      id: 'logging',
      provision: 'Art. 13(3)(f), Art. 12',
      label: 'logging mechanisms',
      ...fromSys(sys?.logging),
    },
    {
      id: 'risk-management',
      provision: 'Annex IV(5), Art. 9',
      label: 'risk management system',
      ...fromSys(sys?.riskManagement),
    },
    {
      id: 'standards',
      provision: 'Annex IV(7)',
      label: 'harmonised standards or specifications applied',
      ...fromSys(sys?.standards),
    },
    {
      id: 'post-market-monitoring',
      provision: 'Annex IV(9), Art. 72',
      label: 'post-market monitoring plan',
      ...fromSys(sys?.postMarketMonitoring),
    },
  ];
}

/** True when a finding of the card is at or above `failOn`. */
export function cardFails(card: ModelCard, failOn: Severity): boolean {
  return card.findings.some((f) => atLeast(f.severity, failOn));
}
