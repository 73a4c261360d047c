import { escHtml } from './common.js';

/** One bar of a chart: label, value and fill colour (text labels carry the meaning, colour only helps). */
export interface Bar {
  label: string;
  value: number;
  color: string;
}

/** A horizontal bar chart as inline SVG, with the value printed beside each bar. */
export function barChart(title: string, bars: Bar[], width = 420): string {
  const rowH = 26;
  const labelW = 120;
  const valueW = 44;
  const plotW = width - labelW - valueW;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const h = bars.length * rowH + 8;
  const rows = bars
    .map((b, i) => {
      const y = 4 + i * rowH;
      const w = b.value === 0 ? 0 : Math.max(2, Math.round((b.value / max) * plotW));
      return (
        `<text x="${labelW - 8}" y="${y + 17}" text-anchor="end" class="lbl">${escHtml(b.label)}</text>` +
        `<rect x="${labelW}" y="${y + 4}" width="${w}" height="${rowH - 8}" fill="${b.color}" rx="2"/>` +
        `<text x="${labelW + w + 6}" y="${y + 17}" class="val">${b.value}</text>`
      );
    })
    .join('');
  const desc = bars.map((b) => `${b.label}: ${b.value}`).join(', ');
  return (
    `<svg class="chart" role="img" aria-label="${escHtml(`${title}: ${desc}`)}" viewBox="0 0 ${width} ${h}" width="${width}" height="${h}" xmlns="http://www.w3.org/2000/svg">` +
    `<title>${escHtml(`${title}: ${desc}`)}</title>${rows}</svg>`
  );
}

/** One stacked row per framework: failing / passing / none shares of its controls, with counts. */
export function stackedChart(
  title: string,
  rows: { label: string; parts: { name: string; value: number; color: string; darkText?: boolean }[] }[],
  width = 640,
): string {
  const rowH = 30;
  const labelW = 140;
  const summaryW = 270;
  const plotW = width - labelW - summaryW - 10;
  const legendH = 24;
  const h = rows.length * rowH + legendH + 6;
  const names = rows[0]?.parts.map((p) => p) ?? [];
  let legendX = labelW;
  const legend = names
    .map((p) => {
      const s =
        `<rect x="${legendX}" y="4" width="12" height="12" fill="${p.color}" stroke="#444" stroke-width="0.5"/>` +
        `<text x="${legendX + 16}" y="14" class="lbl">${escHtml(p.name)}</text>`;
      legendX += 16 + p.name.length * 7 + 20;
      return s;
    })
    .join('');
  const body = rows
    .map((r, i) => {
      const y = legendH + i * rowH;
      const total = r.parts.reduce((s, p) => s + p.value, 0);
      let x = labelW;
      const segs = r.parts
        .map((p) => {
          if (!total || !p.value) return '';
          const w = Math.max(1, (p.value / total) * plotW);
          const seg =
            `<rect x="${x.toFixed(1)}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowH - 10}" fill="${p.color}"/>` +
            (w > 26
              ? `<text x="${(x + w / 2).toFixed(1)}" y="${y + 19}" text-anchor="middle" class="seg${p.darkText ? ' dark' : ''}">${p.value}</text>`
              : '');
          x += w;
          return seg;
        })
        .join('');
      const summary = r.parts.map((p) => `${p.value} ${p.name}`).join(' · ');
      return (
        `<text x="${labelW - 8}" y="${y + 19}" text-anchor="end" class="lbl">${escHtml(r.label)}</text>${segs}` +
        `<text x="${labelW + plotW + 8}" y="${y + 19}" class="lbl">${escHtml(summary)}</text>`
      );
    })
    .join('');
  const desc = rows
    .map((r) => `${r.label}: ${r.parts.map((p) => `${p.value} ${p.name}`).join(', ')}`)
    .join('; ');
  return (
    `<svg class="chart" role="img" aria-label="${escHtml(`${title}: ${desc}`)}" viewBox="0 0 ${width} ${h}" width="${width}" height="${h}" xmlns="http://www.w3.org/2000/svg">` +
    `<title>${escHtml(`${title}: ${desc}`)}</title>${legend}${body}</svg>`
  );
}
