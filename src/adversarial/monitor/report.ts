/**
 * Renderings of a drift result: a Markdown summary (stdout) and a self-contained HTML report (inline CSS and SVG, no
 * scripts, no external resources; every string from the data is escaped).
 */
import type { ChartData, ColumnDrift } from './engine.js';
import type { DriftResult, WindowResult } from './monitor.js';

function num(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return 'n/a';
  if (x === Infinity) return '∞';
  if (x !== 0 && Math.abs(x) < 1e-3) return x.toExponential(2);
  return String(Math.round(x * 1e4) / 1e4);
}

/** Escapes a table cell for Markdown (pipes, newlines) after the caller's terminal sanitiser. */
function md(s: string, safe: (s: string) => string): string {
  return safe(s)
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ');
}

function verdictWord(c: ColumnDrift): string {
  if (c.skipped) return 'not tested';
  return c.drifted ? '**DRIFT**' : 'ok';
}

/** Markdown summary of a drift result; `safe` neutralises terminal control characters in data-derived strings. */
export function renderDriftText(r: DriftResult, safe: (s: string) => string = (s) => s): string {
  const L: string[] = [];
  const d = r.dataset;
  L.push(`# Drift: ${md(r.current.file, safe)} vs ${md(r.reference.file, safe)}`);
  L.push('');
  L.push(
    `Reference ${r.reference.rows} rows, current ${r.current.rows} rows. ` +
      `Dataset drift: **${d.datasetDrift ? 'YES' : 'no'}** — ${d.numberOfDriftedColumns} of ${d.numberOfColumns} columns drifted ` +
      `(share ${num(d.shareOfDriftedColumns)}, threshold ${d.driftShare}).`,
  );
  if (r.prediction) {
    const p = r.prediction;
    L.push(
      `Prediction drift (${md(p.column, safe)}): **${p.drifted ? 'YES' : 'no'}** — ${p.testName} ${num(p.score)} (threshold ${p.threshold}).`,
    );
  }
  L.push('');
  L.push('| column | type | test | score | threshold | drift |');
  L.push('|---|---|---|---:|---:|---|');
  for (const c of r.columns) {
    L.push(
      `| ${md(c.column, safe)} | ${c.kind} | ${c.test} | ${num(c.score)} | ${c.threshold} | ${verdictWord(c)} |`,
    );
  }
  if (r.missingColumns.length) {
    L.push('');
    L.push(`Missing from the current data: ${r.missingColumns.map((c) => md(c, safe)).join(', ')}.`);
  }
  if (r.windows) {
    L.push('');
    L.push(`## Windows (${md(r.options.window ?? '', safe)})`);
    L.push('');
    L.push(
      '| # | start | end | rows | drifted share | dataset drift |' +
        (r.prediction ? ' prediction drift |' : ''),
    );
    L.push('|---:|---|---|---:|---:|---|' + (r.prediction ? '---|' : ''));
    for (const w of r.windows.slice(0, 500)) {
      L.push(
        `| ${w.index + 1} | ${w.start} | ${w.end} | ${w.rows}${w.tooFewRows ? ' (few)' : ''} | ${num(w.shareOfDriftedColumns)} | ${w.datasetDrift ? '**DRIFT**' : 'no'} |` +
          (r.prediction ? ` ${w.predictionDrift ? '**DRIFT**' : 'no'} |` : ''),
      );
    }
    if (r.windows.length > 500)
      L.push(`| … | ${r.windows.length - 500} more windows in the JSON output | | | | |`);
    if (r.firstDriftedWindow) {
      L.push('');
      L.push(
        `First drifted window: #${r.firstDriftedWindow.index + 1} (${r.firstDriftedWindow.start} – ${r.firstDriftedWindow.end})` +
          (r.firstDriftedWindow.driftedColumns.length
            ? `: ${r.firstDriftedWindow.driftedColumns.map((c) => md(c, safe)).join(', ')}.`
            : '.'),
      );
    }
  }
  if (r.findings.length) {
    L.push('');
    L.push('## Findings');
    L.push('');
    for (const f of r.findings) L.push(`- ${f.ruleId} [${f.severity}] ${md(f.message, safe)}`);
  }
  L.push('');
  return L.join('\n');
}

// ---------------------------------------------------------------------------------------------- HTML

/** HTML-escapes text for element content and attribute values. */
export function escapeHtml(s: string): string {
  return s
    .replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\ufffd');
}

const REF_COLOR = '#4c78a8';
const CUR_COLOR = '#f58518';

function svgHistogram(ch: Extract<ChartData, { type: 'histogram' }>): string {
  const W = 420;
  const H = 160;
  const pad = { l: 36, r: 8, t: 8, b: 26 };
  const n = ch.reference.length;
  const max = Math.max(1e-12, ...ch.reference, ...ch.current);
  const bw = (W - pad.l - pad.r) / Math.max(1, n);
  const y = (v: number) => pad.t + (H - pad.t - pad.b) * (1 - v / max);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = pad.l + i * bw;
    const r = ch.reference[i] as number;
    const c = ch.current[i] as number;
    parts.push(
      `<rect x="${x.toFixed(1)}" y="${y(r).toFixed(1)}" width="${Math.max(0.5, bw - 1).toFixed(1)}" height="${(H - pad.b - y(r)).toFixed(1)}" fill="${REF_COLOR}" fill-opacity="0.55"><title>${escapeHtml(`[${num(ch.edges[i] as number)}, ${num(ch.edges[i + 1] as number)}) reference ${num(r)}`)}</title></rect>`,
      `<rect x="${x.toFixed(1)}" y="${y(c).toFixed(1)}" width="${Math.max(0.5, bw - 1).toFixed(1)}" height="${(H - pad.b - y(c)).toFixed(1)}" fill="${CUR_COLOR}" fill-opacity="0.55"><title>${escapeHtml(`[${num(ch.edges[i] as number)}, ${num(ch.edges[i + 1] as number)}) current ${num(c)}`)}</title></rect>`,
    );
  }
  parts.push(
    `<line x1="${pad.l}" y1="${H - pad.b}" x2="${W - pad.r}" y2="${H - pad.b}" stroke="#888"/>`,
    `<text x="${pad.l}" y="${H - 8}" class="ax">${escapeHtml(num(ch.edges[0] as number))}</text>`,
    `<text x="${W - pad.r}" y="${H - 8}" class="ax" text-anchor="end">${escapeHtml(num(ch.edges[n] as number))}</text>`,
    `<text x="${pad.l - 4}" y="${pad.t + 8}" class="ax" text-anchor="end">${escapeHtml(num(max))}</text>`,
  );
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="histogram">${parts.join('')}</svg>`;
}

function svgBars(ch: Extract<ChartData, { type: 'bars' }>): string {
  const n = ch.categories.length;
  const W = Math.max(420, 40 + n * 34);
  const H = 190;
  const pad = { l: 36, r: 8, t: 8, b: 56 };
  const max = Math.max(1e-12, ...ch.reference, ...ch.current);
  const gw = (W - pad.l - pad.r) / Math.max(1, n);
  const bw = Math.max(1, gw / 2 - 2);
  const y = (v: number) => pad.t + (H - pad.t - pad.b) * (1 - v / max);
  const parts: string[] = [];
  ch.categories.forEach((cat, i) => {
    const x = pad.l + i * gw;
    const r = ch.reference[i] as number;
    const c = ch.current[i] as number;
    const label = cat.length > 14 ? `${cat.slice(0, 13)}…` : cat;
    parts.push(
      `<rect x="${(x + 1).toFixed(1)}" y="${y(r).toFixed(1)}" width="${bw.toFixed(1)}" height="${(H - pad.b - y(r)).toFixed(1)}" fill="${REF_COLOR}"><title>${escapeHtml(`${cat}: reference ${num(r)}`)}</title></rect>`,
      `<rect x="${(x + 1 + bw).toFixed(1)}" y="${y(c).toFixed(1)}" width="${bw.toFixed(1)}" height="${(H - pad.b - y(c)).toFixed(1)}" fill="${CUR_COLOR}"><title>${escapeHtml(`${cat}: current ${num(c)}`)}</title></rect>`,
      `<text class="ax" transform="translate(${(x + gw / 2).toFixed(1)},${H - pad.b + 10}) rotate(40)">${escapeHtml(label)}</text>`,
    );
  });
  parts.push(
    `<line x1="${pad.l}" y1="${H - pad.b}" x2="${W - pad.r}" y2="${H - pad.b}" stroke="#888"/>`,
    `<text x="${pad.l - 4}" y="${pad.t + 8}" class="ax" text-anchor="end">${escapeHtml(num(max))}</text>`,
  );
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="category shares">${parts.join('')}</svg>`;
}

function svgWindows(ws: WindowResult[], driftShare: number): string {
  const W = 760;
  const H = 200;
  const pad = { l: 40, r: 10, t: 10, b: 30 };
  const n = ws.length;
  const x = (i: number) => pad.l + (n <= 1 ? (W - pad.l - pad.r) / 2 : (i * (W - pad.l - pad.r)) / (n - 1));
  const y = (v: number) => pad.t + (H - pad.t - pad.b) * (1 - v);
  const pts = ws.map((w, i) => `${x(i).toFixed(1)},${y(w.shareOfDriftedColumns).toFixed(1)}`).join(' ');
  const parts: string[] = [
    `<line x1="${pad.l}" y1="${y(driftShare).toFixed(1)}" x2="${W - pad.r}" y2="${y(driftShare).toFixed(1)}" stroke="#c00" stroke-dasharray="4 3"/>`,
    `<text x="${W - pad.r}" y="${(y(driftShare) - 3).toFixed(1)}" class="ax" text-anchor="end">drift share ${escapeHtml(String(driftShare))}</text>`,
    `<polyline points="${pts}" fill="none" stroke="${REF_COLOR}" stroke-width="1.5"/>`,
    `<line x1="${pad.l}" y1="${H - pad.b}" x2="${W - pad.r}" y2="${H - pad.b}" stroke="#888"/>`,
    `<text x="${pad.l - 4}" y="${y(1) + 8}" class="ax" text-anchor="end">1</text>`,
    `<text x="${pad.l - 4}" y="${y(0)}" class="ax" text-anchor="end">0</text>`,
  ];
  ws.forEach((w, i) => {
    const bad = w.datasetDrift || w.predictionDrift;
    parts.push(
      `<circle cx="${x(i).toFixed(1)}" cy="${y(w.shareOfDriftedColumns).toFixed(1)}" r="3" fill="${bad ? '#c00' : REF_COLOR}"><title>${escapeHtml(`#${w.index + 1} ${w.start} – ${w.end}: ${w.rows} rows, share ${num(w.shareOfDriftedColumns)}${w.predictionDrift ? ', prediction drift' : ''}`)}</title></circle>`,
    );
  });
  if (n) {
    parts.push(
      `<text x="${pad.l}" y="${H - 10}" class="ax">${escapeHtml((ws[0] as WindowResult).start)}</text>`,
      `<text x="${W - pad.r}" y="${H - 10}" class="ax" text-anchor="end">${escapeHtml((ws[n - 1] as WindowResult).start)}</text>`,
    );
  }
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="share of drifted columns per window">${parts.join('')}</svg>`;
}

const CSS = `body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px}table{border-collapse:collapse;margin:8px 0}
td,th{border:1px solid #ddd;padding:4px 8px;text-align:left}th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
.drift{color:#b00;font-weight:600}.ok{color:#176b17}.skip{color:#888}.badge{display:inline-block;padding:2px 10px;border-radius:10px;color:#fff}
.badge.drift{background:#b00}.badge.ok{background:#176b17}.col{border:1px solid #e3e3e3;border-radius:6px;padding:8px 12px;margin:12px 0}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}.ax{font-size:10px;fill:#555}svg{overflow:visible}
.muted{color:#666}`;

/** Self-contained HTML drift report. */
export function renderDriftHtml(r: DriftResult): string {
  const e = escapeHtml;
  const d = r.dataset;
  const H: string[] = [];
  H.push('<!doctype html><html lang="en"><head><meta charset="utf-8">');
  H.push(
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; img-src data:">',
  );
  H.push(`<title>${e(`Drift report: ${r.current.file}`)}</title><style>${CSS}</style></head><body>`);
  H.push(`<h1>Drift report</h1>`);
  H.push(
    `<p>Reference <b>${e(r.reference.file)}</b> (${r.reference.rows} rows) — current <b>${e(r.current.file)}</b> (${r.current.rows} rows). <span class="muted">Generated ${e(r.generatedAt)} by bulwark ${e(r.tool.version)}.</span></p>`,
  );
  H.push(
    `<p>Dataset drift: <span class="badge ${d.datasetDrift ? 'drift' : 'ok'}">${d.datasetDrift ? 'DETECTED' : 'not detected'}</span> ${d.numberOfDriftedColumns} of ${d.numberOfColumns} columns drifted (share ${e(num(d.shareOfDriftedColumns))}; dataset drift at ≥ ${e(String(d.driftShare))}).</p>`,
  );
  if (r.prediction) {
    const p = r.prediction;
    H.push(
      `<p>Prediction drift (<code>${e(p.column)}</code>): <span class="badge ${p.drifted ? 'drift' : 'ok'}">${p.drifted ? 'DETECTED' : 'not detected'}</span> ${e(p.testName)} ${e(num(p.score))} (threshold ${e(String(p.threshold))}).</p>`,
    );
  }
  if (r.windows?.length) {
    H.push(`<h2>Drift over time (window ${e(r.options.window ?? '')})</h2>`);
    H.push(svgWindows(r.windows.slice(0, 2000), d.driftShare));
    if (r.firstDriftedWindow) {
      H.push(
        `<p>First drifted window: <b>#${r.firstDriftedWindow.index + 1}</b> ${e(r.firstDriftedWindow.start)} – ${e(r.firstDriftedWindow.end)}${r.firstDriftedWindow.driftedColumns.length ? `: ${e(r.firstDriftedWindow.driftedColumns.join(', '))}` : ''}.</p>`,
      );
    } else H.push('<p>No window drifted.</p>');
  }
  H.push(
    '<h2>Columns</h2><table><tr><th>column</th><th>type</th><th>test</th><th>score</th><th>threshold</th><th>reference n</th><th>current n</th><th>verdict</th></tr>',
  );
  for (const c of [...r.columns, ...(r.prediction ? [r.prediction] : [])]) {
    const cls = c.skipped ? 'skip' : c.drifted ? 'drift' : 'ok';
    H.push(
      `<tr><td><a href="#col-${e(encodeURIComponent(c.column))}">${e(c.column)}</a>${c === r.prediction ? ' <i>(prediction)</i>' : ''}</td><td>${c.kind}</td><td>${e(c.testName)}</td><td class="n">${e(num(c.score))}</td><td class="n">${e(String(c.threshold))}</td><td class="n">${c.referenceCount}</td><td class="n">${c.currentCount}</td><td class="${cls}">${c.skipped ? 'not tested' : c.drifted ? 'drift' : 'no drift'}</td></tr>`,
    );
  }
  H.push('</table>');
  if (r.missingColumns.length)
    H.push(`<p class="drift">Missing from the current data: ${e(r.missingColumns.join(', '))}</p>`);
  H.push(
    `<p class="legend"><span style="background:${REF_COLOR}"></span>reference<span style="background:${CUR_COLOR}"></span>current</p>`,
  );
  for (const c of [...r.columns, ...(r.prediction ? [r.prediction] : [])]) {
    H.push(
      `<div class="col" id="col-${e(encodeURIComponent(c.column))}"><h3>${e(c.column)} <small class="${c.drifted ? 'drift' : 'ok'}">${c.skipped ? 'not tested' : c.drifted ? 'drift' : 'no drift'}</small></h3>`,
    );
    H.push(
      `<p class="muted">${e(c.testName)} = ${e(num(c.score))}${c.statistic !== undefined ? `, statistic ${e(num(c.statistic))}` : ''}${c.method ? `, ${e(c.method)}` : ''}; missing: reference ${c.referenceMissing}, current ${c.currentMissing}.</p>`,
    );
    if (c.chart) H.push(c.chart.type === 'histogram' ? svgHistogram(c.chart) : svgBars(c.chart));
    H.push('</div>');
  }
  if (r.findings.length) {
    H.push('<h2>Findings</h2><ul>');
    for (const f of r.findings) H.push(`<li><b>${e(f.ruleId)}</b> [${e(f.severity)}] ${e(f.message)}</li>`);
    H.push('</ul>');
  }
  H.push('</body></html>\n');
  return H.join('\n');
}
