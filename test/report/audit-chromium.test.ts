import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport } from '../../src/report/audit/write.js';
import { hostileEvidence, realAudits, type RealAudits } from './audit-fixtures.js';

/** Debian's Chromium (CI installs it with apt). Missing Chromium fails the test: it must not pass silently. */
const CHROMIUM = process.env.BULWARK_CHROMIUM ?? '/usr/bin/chromium';
const AT = new Date('2026-11-26T13:14:15.000Z');

let real: RealAudits;
let out: string;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install it (apt-get install chromium) or set BULWARK_CHROMIUM`,
    );
  real = await realAudits();
  out = await mkdtemp(path.join(tmpdir(), 'bulwark-report-shot-'));
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  if (real?.dir) await rm(real.dir, { recursive: true, force: true });
  if (out && !process.env.BULWARK_KEEP_SCREENSHOTS) await rm(out, { recursive: true, force: true });
});

function pngSize(buf: Buffer): { width: number; height: number } {
  expect(buf.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

async function load(name: string, html: string) {
  const file = path.join(out, `${name}.html`);
  await writeFile(file, html);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  const shot = path.join(out, `${name}.png`);
  await page.screenshot({ path: shot, fullPage: true });
  return { page, problems, requests, file, shot };
}

describe('HTML report in headless Chromium', () => {
  it('malicious model: renders without errors, shows FAIL, the critical finding and the failed gate rules', async () => {
    const html = renderReport(real.evil, real.evilGate, 'html', { generatedAt: AT });
    const { page, problems, requests, file, shot } = await load('evil', html);
    try {
      expect(problems).toEqual([]);
      // Nothing but the report itself is loaded.
      expect(requests).toEqual([pathToFileURL(file).href]);
      expect(await page.locator('#verdict').innerText()).toBe('GATE FAIL');
      expect(await page.locator('#verdict').isVisible()).toBe(true);
      for (const id of ['BL-001', 'BL-002']) {
        const row = page.locator(`#gate-${id}`);
        expect(await row.isVisible()).toBe(true);
        expect(await row.innerText()).toContain('FAIL');
      }
      const critical = page.locator('article.finding.s-critical');
      expect(await critical.count()).toBe(1);
      expect(await critical.first().isVisible()).toBe(true);
      expect(await critical.first().innerText()).toContain('BW-PKL-001');
      // The hostile file name is shown as text, and its onerror handler never ran.
      expect(await critical.first().innerText()).toContain('<img src=x onerror=');
      expect(await page.evaluate('window.__pwned')).toBeUndefined();
      expect(await page.locator('img, script').count()).toBe(0);
      expect(await page.locator('svg.chart').count()).toBe(3);
      // Layout: nothing wider than the viewport.
      const overflow = (await page.evaluate(
        'document.documentElement.scrollWidth - window.innerWidth',
      )) as number;
      expect(overflow).toBeLessThanOrEqual(0);
      const png = await readFile(shot);
      expect(png.length).toBeGreaterThan(50_000);
      const { width, height } = pngSize(png);
      expect(width).toBe(1280);
      expect(height).toBeGreaterThan(1500);
    } finally {
      await page.close();
    }
  }, 60_000);

  it('clean model with a passing gate shows PASS; the print layout renders too', async () => {
    const html = renderReport(real.clean, real.cleanGate, 'html', { generatedAt: AT });
    const { page, problems, shot } = await load('clean', html);
    try {
      expect(problems).toEqual([]);
      expect(real.cleanGate.outcome).toBe('pass');
      expect(await page.locator('#verdict').innerText()).toBe('GATE PASS');
      expect(await page.locator('article.finding.s-critical').count()).toBe(0);
      expect(await page.getByText('Framework coverage', { exact: true }).first().isVisible()).toBe(true);
      const png = await readFile(shot);
      expect(png.length).toBeGreaterThan(30_000);
      await page.emulateMedia({ media: 'print' });
      const pdf = await page.pdf({ format: 'A4' });
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    } finally {
      await page.close();
    }
  }, 60_000);

  it('payloads in every field of synthetic evidence stay inert', async () => {
    const html = renderReport(hostileEvidence(), undefined, 'html', { generatedAt: AT });
    const { page, problems } = await load('hostile', html);
    try {
      expect(problems).toEqual([]);
      expect(await page.evaluate('window.__pwned')).toBeUndefined();
      expect(await page.locator('img, script').count()).toBe(0);
      expect(await page.locator('h1').innerText()).toContain('<script>window.__pwned=1</script>');
      expect(await page.locator('#h-gate + p').innerText()).toContain('No gate was evaluated');
    } finally {
      await page.close();
    }
  }, 60_000);
});
