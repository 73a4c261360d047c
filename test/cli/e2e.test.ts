import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportValidator, sarifValidator } from '../report/validators.js';
import { CLI, CORPORA, ensureBuilt, PICKLESCAN_DATA, ROOT, runCli } from './helpers.js';

/** Protocol 0: `os.system('echo x')`, the classic. */
const MALICIOUS = Buffer.from("cos\nsystem\n(S'echo x'\ntR.", 'latin1');
/** Protocol 0 empty dict, and protocol 2 `{}`. */
const BENIGN = Buffer.from('(dp0\n.', 'latin1');
const BENIGN_P2 = Buffer.from([0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e]);
/** Imports a global that is neither allowed nor denied: a medium (suspicious) finding only. */
const UNKNOWN_GLOBAL = Buffer.from('cmypkg.layers\nCustom\n.', 'latin1');
/** A .npy whose header lacks its required keys: the analysis cannot complete (inconclusive). */
const BAD_NPY = Buffer.concat([
  Buffer.from('\x93NUMPY\x01\x00\x10\x00', 'latin1'),
  Buffer.from('{garbage header}'),
]);

const ONE_LINE_ERROR = /^bulwark: error: [^\n]+; [^\n]+\n$/;

let dir: string;

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(path.join(tmpdir(), 'bulwark-e2e-'));
  await mkdir(path.join(dir, 'models', 'vendor'), { recursive: true });
  await writeFile(path.join(dir, 'models', 'evil.pkl'), MALICIOUS);
  await writeFile(path.join(dir, 'models', 'ok.pkl'), BENIGN);
  await writeFile(path.join(dir, 'models', 'ok2.pkl'), BENIGN_P2);
  await writeFile(path.join(dir, 'models', 'vendor', 'evil copy.pkl'), MALICIOUS);
  await writeFile(path.join(dir, 'unknown.pkl'), UNKNOWN_GLOBAL);
  await writeFile(path.join(dir, 'bad.npy'), BAD_NPY);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('bulwark (built CLI)', () => {
  it('is built with a node shebang', async () => {
    expect(existsSync(CLI)).toBe(true);
    expect((await readFile(CLI, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8'));
    const r = await runCli(['--version']);
    expect(r).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('exit 0: a benign pickle', async () => {
    const r = await runCli(['scan', 'models/ok.pkl', 'models/ok2.pkl'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^CLEAN\s+models\/ok\.pkl\s+\[pickle\]$/m);
    expect(r.stdout).toMatch(/^CLEAN\s+models\/ok2\.pkl\s+\[pickle\]$/m);
    expect(r.stdout).toContain('Summary');
  });

  it('exit 1: a malicious pickle, with the finding in text, JSON and SARIF', async () => {
    const text = await runCli(['scan', 'models/evil.pkl'], { cwd: dir });
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^MALICIOUS\s+models\/evil\.pkl\s+\[pickle\]$/m);
    expect(text.stdout).toMatch(/^\s+critical\s+BW-[A-Z]+-\d{3}\s+.*os\.system/m);

    const json = await runCli(['scan', 'models/evil.pkl', '--format', 'json'], { cwd: dir });
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(reportValidator()(report)).toEqual({ valid: true, errors: 'No errors' });
    expect(report.schemaVersion).toBe('1.0');
    expect(report.tool.name).toBe('bulwark');
    expect(report.summary).toMatchObject({ files: 1, malicious: 1 });
    expect(report.files[0]).toMatchObject({
      path: 'models/evil.pkl',
      verdict: 'malicious',
      formats: ['pickle'],
    });
    expect(report.files[0].findings[0]).toMatchObject({
      severity: 'critical',
      impact: 'malicious',
      location: { file: 'models/evil.pkl' },
    });

    const sarif = await runCli(['scan', 'models/evil.pkl', '--format', 'sarif'], { cwd: dir });
    expect(sarif.code).toBe(1);
    const log = JSON.parse(sarif.stdout);
    expect(sarifValidator()(log)).toEqual({ valid: true, errors: 'No errors' });
    const result = log.runs[0].results[0];
    expect(result.level).toBe('error');
    expect(result.properties['security-severity']).toBe('9.5');
    expect(result.locations[0].physicalLocation.artifactLocation.uri).toBe('models/evil.pkl');
    expect(log.runs[0].tool.driver.rules[result.ruleIndex].id).toBe(result.ruleId);
    expect(log.runs[0].invocations[0]).toMatchObject({ executionSuccessful: true, exitCode: 1 });
  });

  it('exit 2: an inconclusive file, and SARIF reports the unsuccessful execution', async () => {
    const r = await runCli(['scan', 'bad.npy', 'models/ok.pkl'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^INCONCLUSIVE\s+bad\.npy/m);
    const sarif = await runCli(['scan', 'bad.npy', '--format', 'sarif'], { cwd: dir });
    expect(sarif.code).toBe(2);
    const log = JSON.parse(sarif.stdout);
    expect(sarifValidator()(log).valid).toBe(true);
    expect(log.runs[0].invocations[0].executionSuccessful).toBe(false);
    expect(log.runs[0].invocations[0].toolExecutionNotifications[0].message.text).toContain('bad.npy');
    // A malicious file outranks an inconclusive one.
    expect((await runCli(['scan', 'bad.npy', 'models/evil.pkl'], { cwd: dir })).code).toBe(1);
  });

  it('--fail-on: a medium finding passes by default and fails at --fail-on medium or scan.failOn', async () => {
    expect((await runCli(['scan', 'unknown.pkl'], { cwd: dir })).code).toBe(0);
    expect((await runCli(['scan', 'unknown.pkl', '--fail-on', 'medium'], { cwd: dir })).code).toBe(1);
    expect((await runCli(['scan', 'unknown.pkl', '--fail-on', 'critical'], { cwd: dir })).code).toBe(0);
    await writeFile(path.join(dir, 'strict.yaml'), 'scan:\n  failOn: low\n');
    expect((await runCli(['scan', 'unknown.pkl', '--config', 'strict.yaml'], { cwd: dir })).code).toBe(1);
    expect(
      (await runCli(['scan', 'unknown.pkl', '-c', 'strict.yaml', '--fail-on', 'high'], { cwd: dir })).code,
    ).toBe(0);
    // A malicious file fails whatever --fail-on says.
    expect((await runCli(['scan', 'models/evil.pkl', '--fail-on', 'critical'], { cwd: dir })).code).toBe(1);
  });

  it('the pickle allowlist in bulwark.yaml clears an unknown global', async () => {
    const sub = await mkdtemp(path.join(dir, 'cfg-'));
    await writeFile(path.join(sub, 'm.pkl'), UNKNOWN_GLOBAL);
    expect((await runCli(['scan', 'm.pkl', '--fail-on', 'medium'], { cwd: sub })).code).toBe(1);
    await writeFile(path.join(sub, 'bulwark.yaml'), 'pickle:\n  allow:\n    - mypkg.layers.Custom\n');
    const r = await runCli(['scan', 'm.pkl', '--fail-on', 'medium'], { cwd: sub });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^CLEAN\s+m\.pkl/m);
  });

  it('--include and --exclude select files in a directory', async () => {
    const all = JSON.parse((await runCli(['scan', 'models', '-f', 'json'], { cwd: dir })).stdout);
    expect(all.files.map((f: { path: string }) => f.path).sort()).toEqual(
      ['models/evil.pkl', 'models/ok.pkl', 'models/ok2.pkl', 'models/vendor/evil copy.pkl'].sort(),
    );
    const excluded = await runCli(
      ['scan', 'models', '--exclude', 'evil.pkl', '--exclude', 'vendor/**', '-f', 'json'],
      { cwd: dir },
    );
    expect(excluded.code).toBe(0);
    const report = JSON.parse(excluded.stdout);
    expect(
      report.files
        .filter((f: { skipped?: string }) => !f.skipped)
        .map((f: { path: string }) => f.path)
        .sort(),
    ).toEqual(['models/ok.pkl', 'models/ok2.pkl']);
    const included = await runCli(['scan', 'models', '--include', 'ok*.pkl', '-f', 'json'], { cwd: dir });
    expect(included.code).toBe(0);
    expect(
      JSON.parse(included.stdout)
        .files.map((f: { path: string }) => f.path)
        .sort(),
    ).toEqual(['models/ok.pkl', 'models/ok2.pkl']);
    const nothing = await runCli(['scan', 'models', '--include', '*.safetensors'], { cwd: dir });
    expect(nothing.code).toBe(3);
    expect(nothing.stderr).toMatch(/^bulwark: error: no files to scan in models; /);
  });

  it('--output writes the whole report atomically, leaves no temporary file and prints nothing', async () => {
    const out = await mkdtemp(path.join(dir, 'out-'));
    await writeFile(path.join(out, 'report.sarif'), 'stale');
    const r = await runCli(
      ['scan', 'models', '--format', 'sarif', '--output', path.join(out, 'report.sarif')],
      { cwd: dir },
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('');
    expect(await readdir(out)).toEqual(['report.sarif']);
    const log = JSON.parse(await readFile(path.join(out, 'report.sarif'), 'utf8'));
    expect(sarifValidator()(log).valid).toBe(true);
    expect(log.runs[0].results.length).toBeGreaterThanOrEqual(2);
    expect(
      log.runs[0].results.map(
        (x: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) =>
          x.locations[0].physicalLocation.artifactLocation.uri,
      ),
    ).toContain('models/vendor/evil%20copy.pkl');
  });

  it.each([
    [['scan'], /missing required argument 'paths'/],
    [['scan', 'models', '--nope'], /unknown option '--nope'/],
    [['scan', 'models', '--format', 'xml'], /argument 'xml' is invalid/],
    [['scan', 'models', '--fail-on', 'severe'], /argument 'severe' is invalid/],
    [['scan', 'does-not-exist.pkl'], /^bulwark: error: path "does-not-exist\.pkl" does not exist; /],
    [
      ['scan', 'models', '--config', 'missing.yaml'],
      /^bulwark: error: config file missing\.yaml does not exist; check the --config path\n$/,
    ],
    [
      ['scan', 'models', '-o', 'no/dir/r.json'],
      /^bulwark: error: --output no\/dir\/r\.json: directory .* does not exist; /,
    ],
    [
      ['rules', 'BW-NOPE-999'],
      /^bulwark: error: unknown rule "BW-NOPE-999"; run 'bulwark rules' to list the rule ids\n$/,
    ],
    [['frobnicate'], /^bulwark: error: unknown command 'frobnicate'; run 'bulwark --help' for usage\n$/],
  ])('exit 3: %j is a usage error on one line', async (args, pattern) => {
    const r = await runCli(args, { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(ONE_LINE_ERROR);
    expect(r.stderr).toMatch(pattern);
  });

  it('exit 3: a bad config file names the file and key', async () => {
    await writeFile(path.join(dir, 'bad.yaml'), 'scan:\n  limits:\n    maxOpcodez: 5\n');
    const r = await runCli(['scan', 'models', '-c', 'bad.yaml'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /^bulwark: error: bad\.yaml: scan\.limits\.maxOpcodez: unknown key \(did you mean maxOpcodes\?\); allowed keys under scan\.limits are maxOpcodes, maxMemo, [^\n]+\n$/,
    );
  });

  it('rules: lists every rule with its docs page and prints one', async () => {
    const list = await runCli(['rules']);
    expect(list.code).toBe(0);
    const ids = [...list.stdout.matchAll(/^(BW-[A-Z0-9]+-\d{3})\s/gm)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(0);
    expect(list.stdout).toMatch(/docs\/rules\/\w+\.md/);
    const one = await runCli(['rules', ids[0].toLowerCase()]);
    expect(one.code).toBe(0);
    expect(one.stdout.startsWith(`${ids[0]}  `)).toBe(true);
    const json = await runCli(['rules', '--format', 'json']);
    expect(JSON.parse(json.stdout).map((r: { id: string }) => r.id)).toEqual(ids);
  });

  it('text output has no colour when not a TTY', async () => {
    const r = await runCli(['scan', 'models'], { cwd: dir });
    expect(r.stdout).not.toContain('\u001b[');
    expect(r.stderr).toBe('');
  });
});

describe.runIf(existsSync(PICKLESCAN_DATA))('bulwark on the shared sample corpora (read in place)', () => {
  it('exits 1 and writes JSON and SARIF that match their schemas', async () => {
    const json = await runCli(['scan', PICKLESCAN_DATA, '--format', 'json']);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(reportValidator()(report)).toEqual({ valid: true, errors: 'No errors' });
    expect(report.files).toHaveLength((await readdir(PICKLESCAN_DATA)).length);
    expect(report.summary.malicious).toBeGreaterThan(0);
    const byName = new Map(
      report.files.map((f: { path: string; verdict: string }) => [path.basename(f.path), f.verdict]),
    );
    expect(byName.get('malicious1_v0.pkl')).toBe('malicious');
    expect(byName.get('benign0_v4.pkl')).toBe('clean');

    const sarif = await runCli(['scan', PICKLESCAN_DATA, '--format', 'sarif'], {
      cwd: path.dirname(PICKLESCAN_DATA),
    });
    expect(sarif.code).toBe(1);
    const log = JSON.parse(sarif.stdout);
    const validation = sarifValidator()(log);
    expect(validation.errors).toBe('No errors');
    expect(log.runs[0].results.length).toBe(
      report.files.reduce((n: number, f: { findings: unknown[] }) => n + f.findings.length, 0),
    );
    expect(log.runs[0].artifacts[0].location.uri.startsWith('data/')).toBe(true);
  });

  it('writes schema-valid JSON and SARIF for every shared corpus (archives and members included)', async () => {
    const json = await runCli(['scan', '.', '--format', 'json'], { cwd: CORPORA });
    expect([1, 2]).toContain(json.code);
    const report = JSON.parse(json.stdout);
    expect(reportValidator()(report)).toEqual({ valid: true, errors: 'No errors' });
    const sarif = await runCli(['scan', '.', '--format', 'sarif'], { cwd: CORPORA });
    expect(sarif.code).toBe(json.code);
    expect(sarifValidator()(JSON.parse(sarif.stdout))).toEqual({ valid: true, errors: 'No errors' });
  });
});
