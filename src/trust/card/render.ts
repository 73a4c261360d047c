import { renderHfReadme } from './hf-card.js';
import type { CardValue, ModelCard } from './model-card.js';

/** Escapes text for Markdown table cells and inline use (no HTML passes through). */
function mdText(s: string): string {
  return s.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!).replace(/\|/g, '\\|');
}

function mdBlock(v: CardValue | undefined, missing = '_Not documented._'): string {
  if (!v) return missing;
  return `${mdText(v.value)}\n\n<sub>source: ${mdText(v.source)}</sub>`;
}

function metricValue(v: unknown): string {
  return typeof v === 'number' ? String(Number(v.toPrecision(6))) : JSON.stringify(v);
}

function summaryLines(data: Record<string, unknown>): string[] {
  // Show the scalar metrics a fairness/privacy/verification document carries, without assuming its schema.
  const out: string[] = [];
  const walk = (obj: unknown, prefix: string, depth: number) => {
    if (out.length >= 40 || depth > 3 || !obj || typeof obj !== 'object' || Array.isArray(obj)) return;
    for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
      if (k === 'findings' || k === 'groups' || k === 'rows' || k === 'samples') continue;
      const key = prefix ? `${prefix}.${k}` : k;
      if (typeof v === 'number' || typeof v === 'boolean') out.push(`${key} = ${metricValue(v)}`);
      else if (typeof v === 'string' && v.length < 120 && depth > 0) out.push(`${key} = ${v}`);
      else walk(v, key, depth + 1);
    }
  };
  walk(data, '', 0);
  return out;
}

/** The combined model card as Markdown. */
export function renderCardMarkdown(card: ModelCard): string {
  const m = card.model;
  const L: string[] = [`# Model card: ${mdText(m.name)}`, ''];
  if (card.description) L.push(mdBlock(card.description), '');
  L.push('## Model details', '', '| field | value | source |', '|---|---|---|');
  const row = (label: string, v: CardValue<string | string[]> | undefined) =>
    L.push(
      `| ${label} | ${v ? mdText(Array.isArray(v.value) ? v.value.join(', ') : v.value) : '—'} | ${v ? mdText(v.source) : ''} |`,
    );
  row('License', m.license);
  row('Task', m.task);
  row('Architecture', m.architecture);
  row('Library', m.library);
  row('Base model', m.baseModel);
  row('Languages', m.languages);
  row('Datasets', m.datasets);
  L.push('', '## Intended use', '', mdBlock(card.intendedUse), '');
  if (card.outOfScopeUse) L.push('### Out-of-scope use', '', mdBlock(card.outOfScopeUse), '');
  L.push('## Limitations and risks', '', mdBlock(card.limitations), '');
  L.push(
    '## Training data',
    '',
    mdBlock(
      card.training,
      m.datasets ? `Datasets: ${mdText(m.datasets.value.join(', '))}` : '_Not documented._',
    ),
    '',
  );
  L.push('## Evaluation', '');
  if (card.evaluation.results.length) {
    L.push('| task | dataset | split | metric | value | verified |', '|---|---|---|---|---|---|');
    for (const r of card.evaluation.results)
      for (const mt of r.metrics)
        L.push(
          `| ${mdText(r.task.type)} | ${mdText(r.dataset.name)} | ${mdText(r.dataset.split ?? '')} | ${mdText(mt.name ?? mt.type)} | ${mdText(metricValue(mt.value))} | ${mt.verified ? 'yes' : 'self-reported'} |`,
        );
    L.push('');
  } else if (card.evaluation.text) L.push(mdBlock(card.evaluation.text), '');
  else L.push('_No evaluation results declared._', '');
  for (const f of card.fairness) {
    L.push(`### Fairness (${mdText(f.file)})`, '');
    for (const line of summaryLines(f.data)) L.push(`- ${mdText(line)}`);
    L.push('');
  }
  if (card.privacy.length) {
    L.push('## Privacy', '');
    for (const p of card.privacy) {
      L.push(`### ${mdText(p.file)}`, '');
      for (const line of summaryLines(p.data)) L.push(`- ${mdText(line)}`);
      L.push('');
    }
  }
  L.push('## Security and provenance', '');
  if (card.security) {
    const s = card.security;
    L.push(
      `Scan of ${s.files} file(s): ${
        Object.entries(s.verdicts)
          .map(([k, n]) => `${n} ${k}`)
          .join(', ') || 'none'
      }; findings by severity: ${
        Object.entries(s.findingsBySeverity)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ') || 'none'
      }.`,
      '',
    );
    if (s.top.length) {
      L.push('| rule | severity | file | message |', '|---|---|---|---|');
      for (const t of s.top)
        L.push(`| ${t.ruleId} | ${t.severity} | ${mdText(t.file)} | ${mdText(t.message)} |`);
      L.push('');
    }
  } else L.push('_No scan report was given._', '');
  const p = card.provenance;
  L.push(
    `- Signature: ${p.signature ? `${mdText(p.signature.file)} (${p.signature.method})` : 'none given'}`,
  );
  if (p.verification)
    L.push(`- Verification: ${mdText(summaryLines(p.verification.data).slice(0, 6).join('; '))}`);
  L.push(
    `- Bill of materials: ${p.bom ? `${mdText(p.bom.file)} (${p.bom.format}, ${p.bom.components} components)` : 'none given'}`,
  );
  for (const a of p.attestations) L.push(`- Attestation: ${mdText(a.file)} (${mdText(a.predicateType)})`);
  L.push('', '## EU AI Act information (Article 13, Annex IV)', '');
  L.push(
    card.euAiAct.highRisk
      ? `High-risk system${card.euAiAct.annexIIIArea ? ` (Annex III area: ${mdText(card.euAiAct.annexIIIArea)})` : ''}: every item below is required.`
      : 'Not declared high-risk; the items below are recommended.',
    '',
    '| provision | item | value | source |',
    '|---|---|---|---|',
  );
  for (const it of card.euAiAct.items)
    L.push(
      `| ${it.provision} | ${it.label} | ${it.value ? mdText(it.value) : '**missing**'} | ${it.source ? mdText(it.source) : ''} |`,
    );
  L.push('', '## Findings', '');
  if (card.findings.length) {
    L.push('| rule | severity | message |', '|---|---|---|');
    for (const f of card.findings) L.push(`| ${f.ruleId} | ${f.severity} | ${mdText(f.message)} |`);
  } else L.push('The card documents every required item.');
  return `${L.join('\n')}\n`;
}

/** Undoes mdText's entity escapes (the HTML writer escapes again). */
function unmd(s: string): string {
  return s.replace(/&(lt|gt|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', amp: '&' })[e]!);
}

function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/**
 * The combined card as one self-contained HTML page (inline CSS, no scripts, no external resources). Built from
 * the Markdown rendering with a small converter for the subset it uses (headings, tables, lists, paragraphs).
 */
export function renderCardHtml(card: ModelCard): string {
  const md = renderCardMarkdown(card);
  const out: string[] = [];
  const lines = md.split('\n');
  let i = 0;
  const inline = (s: string): string => {
    const raw = s.replace(/\\\|/g, '|');
    const src = /^(.*?)<sub>source: (.*)<\/sub>$/s.exec(raw);
    if (src) return `${inline(src[1])}<small class="src">source: ${esc(unmd(src[2]))}</small>`;
    if (/^_[^_].*_$/s.test(raw)) return `<em>${esc(unmd(raw.slice(1, -1)))}</em>`;
    if (/^\*\*[^*]+\*\*$/.test(raw)) return `<strong>${esc(unmd(raw.slice(2, -2)))}</strong>`;
    return esc(unmd(raw));
  };
  const cells = (l: string) =>
    l
      .replace(/^\||\|$/g, '')
      .split(/(?<!\\)\|/)
      .map((c) => c.trim());
  while (i < lines.length) {
    const l = lines[i];
    const h = /^(#{1,3}) (.*)$/.exec(l);
    if (h) {
      out.push(`<h${h[1].length}>${inline(h[2])}</h${h[1].length}>`);
      i++;
    } else if (l.startsWith('|')) {
      const head = cells(l);
      i += 2;
      out.push(
        '<table><thead><tr>' + head.map((c) => `<th>${inline(c)}</th>`).join('') + '</tr></thead><tbody>',
      );
      while (i < lines.length && lines[i].startsWith('|')) {
        const row = cells(lines[i]);
        const missing = row.some((c) => c === '**missing**');
        out.push(
          `<tr${missing ? ' class="missing"' : ''}>` +
            row.map((c) => `<td>${inline(c)}</td>`).join('') +
            '</tr>',
        );
        i++;
      }
      out.push('</tbody></table>');
    } else if (l.startsWith('- ')) {
      out.push('<ul>');
      while (i < lines.length && lines[i].startsWith('- '))
        out.push(`<li>${inline(lines[i++].slice(2))}</li>`);
      out.push('</ul>');
    } else if (l.trim()) {
      const para: string[] = [];
      while (i < lines.length && lines[i].trim() && !/^(#|\||- )/.test(lines[i])) para.push(lines[i++]);
      out.push(`<p>${para.map(inline).join('<br>')}</p>`);
    } else i++;
  }
  const css = `body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#1b1f24}
table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}tr.missing td{background:#fff1f0}small.src{color:#57606a}h1{border-bottom:2px solid #d0d7de}`;
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Model card: ${esc(card.model.name)}</title><style>${css}</style></head><body>\n${out.join('\n')}\n</body></html>\n`;
}

/**
 * A Hugging Face README for the model: the existing front matter kept, missing standard keys filled from what the
 * card established, and a body with the template's main sections (existing text kept where present).
 */
export function renderHfReadmeFromCard(card: ModelCard, existing: Record<string, unknown> = {}): string {
  const md: Record<string, unknown> = { ...existing };
  const m = card.model;
  if (md.license === undefined && m.license) md.license = m.license.value;
  if (md.base_model === undefined && m.baseModel) md.base_model = m.baseModel.value;
  if (md.pipeline_tag === undefined && m.task) md.pipeline_tag = m.task.value;
  if (md.library_name === undefined && m.library) md.library_name = m.library.value;
  if (md.datasets === undefined && m.datasets) md.datasets = m.datasets.value;
  if (md['model-index'] === undefined && card.evaluation.results.length)
    md['model-index'] = [{ name: m.name, results: card.evaluation.results }];
  const sec = (title: string, v: CardValue | undefined) =>
    `## ${title}\n\n${v ? v.value : '[More Information Needed]'}\n`;
  const body = [
    `# ${m.name}\n`,
    card.description ? `${card.description.value}\n` : '',
    sec('Uses', card.intendedUse),
    card.outOfScopeUse ? sec('Out-of-Scope Use', card.outOfScopeUse) : '',
    sec('Bias, Risks, and Limitations', card.limitations),
    sec('Training Data', card.training),
    `## Evaluation\n\n${card.evaluation.text?.value ?? (card.evaluation.results.length ? 'See `model-index` in the front matter.' : '[More Information Needed]')}\n`,
    `## Security and Provenance\n\n${
      card.security
        ? `Scanned with Bulwark: ${Object.entries(card.security.verdicts)
            .map(([k, n]) => `${n} ${k}`)
            .join(', ')}.`
        : 'Not scanned.'
    }${card.provenance.signature ? ` Signed (${card.provenance.signature.method}); signature: \`${card.provenance.signature.file}\`.` : ''}\n`,
  ]
    .filter(Boolean)
    .join('\n');
  return renderHfReadme(md, body);
}
