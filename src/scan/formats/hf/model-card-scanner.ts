/**
 * Model cards (README.md of a model repository): Markdown with YAML front matter. The metadata is parsed with the
 * YAML core schema (no custom tags, bounded size and aliases); provenance facts are reported as information, and
 * instructions that users act on (pipe-to-shell, installs from arbitrary URLs, executable or raw-IP links,
 * trust_remote_code) are flagged.
 */
import {
  MAX_FRONT_MATTER_ALIASES,
  MAX_FRONT_MATTER_BYTES,
  parseCoreYaml,
  splitFrontMatter,
} from '../../../core/front-matter.js';
import { GEN_LIMIT } from '../../rules.js';
import type { ByteSource } from '../../source.js';
import type { FormatScanner, ScanContext, SniffInput } from '../../types.js';
import {
  classifyUrl,
  clip,
  extractUrls,
  hostileCommands,
  isIpAddress,
  isKnownInstaller,
  preview,
} from './indicators.js';
import {
  CARD_BAD_FRONT_MATTER,
  CARD_PIPE_TO_SHELL,
  CARD_REMOTE_CODE,
  CARD_REMOTE_INSTALL,
  CARD_SUSPICIOUS_LINK,
  CARD_YAML_CODE_TAG,
  HF_PROVENANCE,
} from './rules.js';

/** Largest card analysed. */
export const MAX_CARD_BYTES = 4 * 1024 * 1024;

const CARD_KEYS =
  /^(license|license_name|license_link|tags|library_name|base_model|base_model_relation|datasets|pipeline_tag|model-index|language|languages|metrics|widget|inference|thumbnail|model_name|co2_eq_emissions|extra_gated_\w+|new_version|quantized_by|model_creator|model_type|duplicated_from|arxiv|papers|task_categories|annotations_creators|size_categories)\s*:/m;

function headText(head: Uint8Array): string | undefined {
  for (const c of head) if (c === 0) return undefined;
  return Buffer.from(head)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
}

export const modelCardScanner: FormatScanner = {
  id: 'model-card',
  version: '1',
  sniff(input: SniffInput): number {
    const text = headText(input.head);
    if (text === undefined) return 0;
    const fm = splitFrontMatter(text);
    if (fm) {
      const { yaml } = fm;
      // Strong evidence (a card's metadata block): above the Jinja template scanner, which claims any text with
      // "{{" — cards often show chat templates.
      return CARD_KEYS.test(yaml) ? 26 : 0;
    }
    // A Markdown README without metadata: low score, and only with Markdown structure.
    if (!/\.(md|markdown)$/i.test(input.name)) return 0;
    const headings = text.match(/^#{1,6}\s+\S/gm)?.length ?? 0;
    let printable = 0;
    for (const c of input.head) if (c === 9 || c === 10 || c === 13 || c >= 32) printable++;
    return headings >= 1 && printable / input.head.length > 0.97 ? 10 : 0;
  },
  async scan(source: ByteSource, ctx: ScanContext): Promise<void> {
    ctx.addFormat('model-card');
    const n = Math.min(source.size, MAX_CARD_BYTES);
    const text = Buffer.from(await source.read(0, n))
      .toString('utf8')
      .replace(/^\uFEFF/, '');
    if (source.size > MAX_CARD_BYTES)
      ctx.report(GEN_LIMIT, {
        message: `model card of ${source.size} bytes is larger than ${MAX_CARD_BYTES}; only the first ${MAX_CARD_BYTES} bytes were analysed`,
        evidence: { limit: 'maxCardBytes', scanner: 'model-card' },
      });
    const fm = splitFrontMatter(text);
    let meta: unknown;
    let metadataOk = true;
    if (fm) {
      const r = parseFrontMatter(fm.yaml, fm.closed, ctx);
      meta = r.meta;
      metadataOk = r.ok;
      if (r.ok) {
        ctx.addAnalysis('model-card-metadata');
        reportMetadata(meta, ctx);
      }
    }
    analyzeBody(text, fm ? fm.bodyStart : 0, ctx, meta);
    if (metadataOk && source.size <= MAX_CARD_BYTES) ctx.addAnalysis('model-card');
  },
};

function parseFrontMatter(yaml: string, closed: boolean, ctx: ScanContext): { meta: unknown; ok: boolean } {
  const bytes = Buffer.byteLength(yaml, 'utf8');
  if (!closed) {
    ctx.report(CARD_BAD_FRONT_MATTER, { message: 'model card front matter has no closing "---" line' });
    return { meta: undefined, ok: false };
  }
  if (bytes > MAX_FRONT_MATTER_BYTES) {
    ctx.report(CARD_BAD_FRONT_MATTER, {
      message: `model card front matter of ${bytes} bytes is larger than ${MAX_FRONT_MATTER_BYTES}; not parsed`,
    });
    return { meta: undefined, ok: false };
  }
  const tag =
    /(!!(python|ruby|java|js|perl|php)\b[^\s]*|!<?tag:yaml\.org,2002:(python|ruby|java|js)[^\s>]*|![a-z]*(python|ruby|java)\/[^\s]*)/i.exec(
      yaml,
    );
  if (tag)
    ctx.report(CARD_YAML_CODE_TAG, {
      message: `model card metadata uses the YAML tag ${preview(tag[0], 100)}`,
      offset: Buffer.byteLength(yaml.slice(0, tag.index), 'utf8') + 4,
      evidence: { tag: preview(tag[0], 200) },
    });
  let doc;
  try {
    doc = parseCoreYaml(yaml);
  } catch (err) {
    ctx.report(CARD_BAD_FRONT_MATTER, {
      message: `model card front matter is not valid YAML: ${(err as Error).message}`,
    });
    return { meta: undefined, ok: false };
  }
  if (doc.errors.length) {
    ctx.report(CARD_BAD_FRONT_MATTER, {
      message: `model card front matter is not valid YAML: ${clip(doc.errors[0].message.split('\n')[0], 200)}`,
      evidence: { errors: doc.errors.slice(0, 5).map((e) => clip(e.message.split('\n')[0], 200)) },
    });
    return { meta: undefined, ok: false };
  }
  try {
    return { meta: doc.toJS({ maxAliasCount: MAX_FRONT_MATTER_ALIASES }), ok: true };
  } catch (err) {
    ctx.report(CARD_BAD_FRONT_MATTER, {
      message: `model card front matter could not be read: ${clip((err as Error).message, 200)}`,
    });
    return { meta: undefined, ok: false };
  }
}

function asList(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string').slice(0, 50);
  return [];
}

function reportMetadata(meta: unknown, ctx: ScanContext): void {
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return;
  const m = meta as Record<string, unknown>;
  const facts: Record<string, unknown> = {};
  const baseModels = asList(m.base_model);
  const datasets = asList(m.datasets);
  const license = asList(m.license);
  if (baseModels.length) facts.baseModel = baseModels.map((s) => preview(s, 200));
  if (typeof m.base_model_relation === 'string') facts.baseModelRelation = preview(m.base_model_relation, 60);
  if (datasets.length) facts.datasets = datasets.map((s) => preview(s, 200));
  if (license.length) facts.license = license.map((s) => preview(s, 100));
  if (typeof m.license_name === 'string') facts.licenseName = preview(m.license_name, 100);
  if (typeof m.library_name === 'string') facts.libraryName = preview(m.library_name, 100);
  if (typeof m.pipeline_tag === 'string') facts.pipelineTag = preview(m.pipeline_tag, 100);
  if (Object.keys(facts).length) {
    const parts: string[] = [];
    if (baseModels.length) parts.push(`base model ${baseModels.slice(0, 3).join(', ')}`);
    if (datasets.length)
      parts.push(`datasets ${datasets.slice(0, 3).join(', ')}${datasets.length > 3 ? ', …' : ''}`);
    if (license.length) parts.push(`license ${license.join(', ')}`);
    if (facts.libraryName) parts.push(`library ${String(facts.libraryName)}`);
    ctx.report(HF_PROVENANCE, {
      message: `model card metadata: ${parts.length ? parts.map((p) => preview(p, 120)).join('; ') : 'pipeline ' + String(facts.pipelineTag)}`,
      evidence: facts,
    });
  }
  const tags = asList(m.tags).map((t) => t.toLowerCase());
  const custom = tags.filter((t) => t === 'custom_code' || t === 'trust_remote_code' || t === 'remote_code');
  if (custom.length)
    ctx.report(CARD_REMOTE_CODE, {
      message: `model card metadata tags the model as ${custom[0]}: loading runs the repository's Python files`,
      evidence: { tags: custom },
    });
}

// ---------------------------------------------------------------------------------------------------------------
// Body

const INSTALL_HOSTS = [
  'download.pytorch.org',
  'wheels.vllm.ai',
  'flashinfer.ai',
  'pypi.nvidia.com',
  'pypi.ngc.nvidia.com',
  'developer.download.nvidia.com',
  'data.pyg.org',
  'abetlen.github.io',
  'conda.anaconda.org',
  'repo.anaconda.com',
  'test.pypi.org',
  'bitbucket.org',
  'codeberg.org',
];

function hostOk(host: string, list: string[]): boolean {
  return list.some((h) => host === h || host.endsWith(`.${h}`));
}

interface Hit {
  line: number;
  offset: number;
  text: string;
  extra?: Record<string, unknown>;
}

function analyzeBody(text: string, bodyStart: number, ctx: ScanContext, meta: unknown): void {
  const remote: Hit[] = [];
  const pipe: Hit[] = [];
  const install: Hit[] = [];
  const links: Hit[] = [];
  const seenLinks = new Set<string>();
  const lines = text.slice(bodyStart).split('\n');
  let offset = Buffer.byteLength(text.slice(0, bodyStart), 'utf8');
  const firstLine = text.slice(0, bodyStart).split('\n').length;
  let prev = '';
  for (let i = 0; i < lines.length; i++) {
    if (i % 4096 === 0) ctx.checkDeadline();
    const raw = lines[i];
    const line = raw.length > 20_000 ? raw.slice(0, 20_000) : raw;
    const lineNo = firstLine + i;
    const here = (t: string, extra?: Record<string, unknown>): Hit => ({
      line: lineNo,
      offset,
      text: preview(t.trim(), 200),
      extra,
    });
    if (/\btrust_remote_code\s*[=:]\s*["']?true\b|--trust-remote-code\b/i.test(line) && remote.length < 10)
      remote.push(here(line));
    // Shell lines, joined with a continued previous line ("\" at its end).
    const shell = prev.endsWith('\\') ? `${prev.slice(0, -1)} ${line}` : line;
    for (const h of hostileCommands(shell)) {
      if (h.kind === 'download-and-run' && isKnownInstaller(h.match)) continue;
      if (pipe.length < 10) pipe.push(here(shell, { kind: h.kind, command: h.match }));
    }
    if (
      /\b(pip3?|uv\s+pip|python3?\s+-m\s+pip|pipx|poetry\s+add|conda)\b[^\n]*\binstall\b|\bpip3?\s+install\b|--(extra-)?index-url\b|--trusted-host\b/.test(
        shell,
      )
    ) {
      const problems = installProblems(shell);
      if (problems.length && install.length < 10) install.push(here(shell, { problems }));
    }
    for (const u of extractUrls(line, 100)) {
      const info = classifyUrl(u);
      if (seenLinks.has(info.url)) continue;
      seenLinks.add(info.url);
      let why: string | undefined;
      if (info.rawIp) why = 'raw IP address';
      else if (info.exfil) why = 'paste, tunnel or webhook service';
      else if (info.executable && !info.wellKnown && !info.installer) why = 'executable or script download';
      if (why && links.length < 20) links.push(here(info.url, { url: info.url, reason: why }));
    }
    for (const m of line.matchAll(/(?:^|[\s@(`'"=])((?:\d{1,3}\.){3}\d{1,3}):(\d{2,5})\b/g)) {
      if (!isIpAddress(m[1]) || /^(127\.|0\.0\.0\.0)/.test(m[1])) continue;
      const key = `${m[1]}:${m[2]}`;
      if (seenLinks.has(key)) continue;
      seenLinks.add(key);
      if (links.length < 20) links.push(here(key, { url: key, reason: 'raw IP address' }));
    }
    prev = line;
    offset += Buffer.byteLength(raw, 'utf8') + 1;
  }
  // URLs in metadata (widget examples, thumbnails, links).
  for (const s of metadataStrings(meta)) {
    for (const u of extractUrls(s, 20)) {
      const info = classifyUrl(u);
      if (seenLinks.has(info.url)) continue;
      seenLinks.add(info.url);
      const why = info.rawIp
        ? 'raw IP address'
        : info.exfil
          ? 'paste, tunnel or webhook service'
          : info.executable && !info.wellKnown && !info.installer
            ? 'executable or script download'
            : undefined;
      if (why && links.length < 20)
        links.push({
          line: 0,
          offset: 0,
          text: info.url,
          extra: { url: info.url, reason: why, in: 'metadata' },
        });
    }
  }
  if (remote.length)
    ctx.report(CARD_REMOTE_CODE, {
      message: `model card tells users to load with trust_remote_code=True (line ${remote[0].line}): the repository's Python files run`,
      offset: remote[0].offset,
      evidence: { lines: remote.map((h) => h.line), example: remote[0].text },
    });
  if (pipe.length)
    ctx.report(CARD_PIPE_TO_SHELL, {
      message: `model card tells users to run a ${String(pipe[0].extra?.kind ?? 'hostile')} command (line ${pipe[0].line}): ${preview(String(pipe[0].extra?.command ?? pipe[0].text), 120)}`,
      offset: pipe[0].offset,
      evidence: { commands: pipe.map((h) => ({ line: h.line, ...h.extra })) },
    });
  if (install.length)
    ctx.report(CARD_REMOTE_INSTALL, {
      message: `model card installs packages from ${String((install[0].extra?.problems as string[])[0])} (line ${install[0].line})`,
      offset: install[0].offset,
      evidence: {
        commands: install.map((h) => ({ line: h.line, command: h.text, problems: h.extra?.problems })),
      },
    });
  if (links.length)
    ctx.report(CARD_SUSPICIOUS_LINK, {
      message: `model card links to ${links
        .slice(0, 3)
        .map((h) => `${String(h.extra?.url)} (${String(h.extra?.reason)})`)
        .join(', ')}${links.length > 3 ? ', …' : ''}`,
      offset: links[0].offset || undefined,
      evidence: { links: links.map((h) => ({ line: h.line, ...h.extra })) },
    });
}

/** Why an install command is risky: URLs on unfamiliar hosts, raw IPs, plain HTTP, extra indexes, trusted hosts. */
function installProblems(cmd: string): string[] {
  const out: string[] = [];
  if (/--trusted-host\b/.test(cmd)) out.push('an index with TLS verification disabled (--trusted-host)');
  for (const u of extractUrls(cmd, 20)) {
    const info = classifyUrl(u.replace(/^git\+/, ''));
    if (info.rawIp) out.push(`a raw IP address (${info.url})`);
    else if (info.plainHttp) out.push(`plain HTTP (${info.url})`);
    else if (!info.wellKnown && !hostOk(info.host, INSTALL_HOSTS)) out.push(`${info.host} (${info.url})`);
  }
  return [...new Set(out)];
}

function metadataStrings(meta: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (out.length >= 5000 || depth > 12) return;
    if (typeof v === 'string') out.push(v.length > 10_000 ? v.slice(0, 10_000) : v);
    else if (Array.isArray(v)) for (const x of v.slice(0, 1000)) walk(x, depth + 1);
    else if (typeof v === 'object' && v !== null)
      for (const x of Object.values(v).slice(0, 1000)) walk(x, depth + 1);
  };
  walk(meta, 0);
  return out;
}
