import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from '../cli/helpers.js';
import { realAudits, type RealAudits } from './audit-fixtures.js';

let real: RealAudits;
let dir: string;
let evil: string;
let clean: string;
const AT = '2026-12-01T10:00:00.000Z';

beforeAll(async () => {
  await ensureBuilt();
  real = await realAudits();
  dir = await mkdtemp(path.join(tmpdir(), 'bulwark-report-cli-'));
  evil = path.join(dir, 'evil.json');
  clean = path.join(dir, 'clean.json');
  await writeFile(evil, JSON.stringify(real.evil));
  await writeFile(clean, JSON.stringify(real.clean));
}, 180_000);

afterAll(async () => {
  if (real?.dir) await rm(real.dir, { recursive: true, force: true });
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('bulwark report', () => {
  it('writes an HTML report with the gate of a policy; format from the extension; exit 0', async () => {
    const out = path.join(dir, 'r.html');
    const r = await runCli(['report', evil, '--policy', 'baseline', '-o', out, '--generated-at', AT]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const html = await readFile(out, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('GATE FAIL');
    expect(html).toContain('id="gate-BL-001"');
    expect(html).toContain(`<time id="generated-at">${AT}</time>`);
  });

  it('without a gate says so; Markdown to standard output', async () => {
    const r = await runCli(['report', clean, '--format', 'md', '--generated-at', AT]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('# Bulwark audit report: clean');
    expect(r.stdout).toContain('No gate was evaluated');
  });

  it('is reproducible: the same evidence and timestamp give the same bytes (OSCAL with a policy)', async () => {
    const args = ['report', evil, '-p', 'baseline', '-f', 'oscal', '--generated-at', AT];
    const [a, b] = await Promise.all([runCli(args), runCli(args)]);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(JSON.parse(a.stdout)['assessment-results'].metadata['last-modified']).toBe(AT);
  });

  it('includes a gate result file written by bulwark gate', async () => {
    const gate = path.join(dir, 'gate.json');
    const g = await runCli(['gate', evil, '-p', 'baseline', '-f', 'json', '-o', gate]);
    expect(g.code).toBe(1);
    const r = await runCli(['report', evil, '--gate', gate, '-f', 'json', '--generated-at', AT]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.gate.outcome).toBe('fail');
    expect(j.gate.policy.name).toBe('baseline');
    // A gate result of another subject is refused.
    const other = await runCli(['report', clean, '--gate', gate]);
    expect(other.code).toBe(3);
    expect(other.stderr).toMatch(/is about evil .* not the evidence's clean/);
  });

  it('exit 2 on unreadable evidence, 3 on usage errors', async () => {
    const bad = path.join(dir, 'bad.json');
    await writeFile(bad, '{not json');
    const notEv = path.join(dir, 'other.json');
    await writeFile(notEv, '{"kind":"something"}');
    const cases: [string[], number, RegExp][] = [
      [[bad], 2, /is not JSON/],
      [[notEv], 2, /not a Bulwark evidence document/],
      [[path.join(dir, 'missing.json')], 3, /does not exist/],
      [[evil, '--policy', 'baseline', '--gate', 'x.json'], 3, /either --policy .* or --gate/],
      [[evil, '--format', 'pdf'], 3, /Allowed choices are html, md, json, sarif, oscal/],
      [[evil, '--generated-at', 'yesterday'], 3, /--generated-at "yesterday" is not a date/],
      [[evil, '-o', path.join(dir, 'r.txt')], 3, /cannot tell the report format/],
    ];
    // Independent processes: run them side by side.
    const results = await Promise.all(cases.map(([args]) => runCli(['report', ...args])));
    cases.forEach(([args, code, msg], n) => {
      const r = results[n];
      expect({ args, code: r.code }).toEqual({ args, code });
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    });
  });
});
