import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rulesCommand } from '../../src/cli/commands/rules.js';
import { ExitCode, scanExitCode } from '../../src/cli/exit-codes.js';
import { run } from '../../src/cli/program.js';
import { BulwarkError } from '../../src/core/errors.js';
import type { RuleMeta } from '../../src/core/rules.js';
import { fakeIo, fakeScan, fileResult, reportOf } from './fakes.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bulwark-run-'));
  await writeFile(path.join(dir, 'a.pkl'), '}.');
  await writeFile(path.join(dir, 'b.pkl'), '}.');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ONE_LINE_ERROR = /^bulwark: error: [^\n]+; [^\n]+\n$/;

describe('scanExitCode', () => {
  const cases: [string, Parameters<typeof fileResult>[], 'high' | 'medium' | 'info', number][] = [
    ['clean', [['a', 'clean']], 'high', 0],
    ['suspicious medium, default high', [['a', 'suspicious', ['medium']]], 'high', 0],
    ['suspicious medium, fail-on medium', [['a', 'suspicious', ['medium']]], 'medium', 1],
    ['info finding, fail-on info', [['a', 'clean', ['info']]], 'info', 1],
    ['high finding', [['a', 'suspicious', ['high']]], 'high', 1],
    ['malicious without findings', [['a', 'malicious']], 'high', 1],
    ['inconclusive', [['a', 'inconclusive', ['low']]], 'high', 2],
    [
      'inconclusive and malicious',
      [
        ['a', 'inconclusive'],
        ['b', 'malicious', ['critical']],
      ],
      'high',
      1,
    ],
    [
      'inconclusive and medium below fail-on',
      [
        ['a', 'inconclusive'],
        ['b', 'suspicious', ['medium']],
      ],
      'high',
      2,
    ],
  ];
  for (const [name, files, failOn, code] of cases)
    it(`${name} -> ${code}`, () => {
      expect(scanExitCode(reportOf(files.map((f) => fileResult(...f))), failOn)).toBe(code);
    });
});

describe('bulwark scan (in process)', () => {
  it('exits 0 on a clean scan and prints the text report', async () => {
    const io = fakeIo(dir);
    const scan = fakeScan(reportOf([fileResult('a.pkl', 'clean')]));
    expect(await run(['scan', 'a.pkl'], io, { scan })).toBe(0);
    expect(io.stdout.text).toMatch(/^CLEAN\s+a\.pkl\s+\[pickle\]/);
    expect(io.stderr.text).toBe('');
    expect(scan.calls).toHaveLength(1);
  });

  it('applies --fail-on over the config failOn over the default', async () => {
    const report = reportOf([fileResult('a.pkl', 'suspicious', ['medium'])]);
    expect(await run(['scan', 'a.pkl'], fakeIo(dir), { scan: fakeScan(report) })).toBe(0);
    expect(await run(['scan', 'a.pkl', '--fail-on', 'medium'], fakeIo(dir), { scan: fakeScan(report) })).toBe(
      1,
    );
    await writeFile(path.join(dir, 'failon.yaml'), 'scan:\n  failOn: medium\n');
    expect(await run(['scan', 'a.pkl', '-c', 'failon.yaml'], fakeIo(dir), { scan: fakeScan(report) })).toBe(
      1,
    );
    expect(
      await run(['scan', 'a.pkl', '-c', 'failon.yaml', '--fail-on', 'critical'], fakeIo(dir), {
        scan: fakeScan(report),
      }),
    ).toBe(0);
  });

  it('exits 2 when a file is inconclusive and nothing fails', async () => {
    const scan = fakeScan(
      reportOf([fileResult('a.pkl', 'inconclusive', ['low']), fileResult('b.pkl', 'clean')]),
    );
    expect(await run(['scan', 'a.pkl', 'b.pkl'], fakeIo(dir), { scan })).toBe(2);
  });

  it('passes config and flags to the engine: --include replaces, --exclude adds', async () => {
    await writeFile(
      path.join(dir, 'opts.yaml'),
      'scan:\n  include: ["**/*.pt"]\n  exclude: ["vendor/**"]\n  limits: { maxOpcodes: 5 }\npickle:\n  allow: [my.mod.Cls]\n',
    );
    const scan = fakeScan(reportOf([fileResult('a.pkl', 'clean')]));
    await run(['scan', '.', '-c', 'opts.yaml'], fakeIo(dir), { scan });
    expect(scan.calls[0].options).toMatchObject({
      include: ['**/*.pt'],
      exclude: ['vendor/**'],
      limits: { maxOpcodes: 5 },
      policy: { allow: [{ module: 'my.mod', names: ['Cls'] }] },
    });
    await run(
      ['scan', '.', '-c', 'opts.yaml', '--include', '*.pkl', '--include', '*.bin', '--exclude', 'b.pkl'],
      fakeIo(dir),
      {
        scan,
      },
    );
    expect(scan.calls[1].options).toMatchObject({
      include: ['*.pkl', '*.bin'],
      exclude: ['vendor/**', 'b.pkl'],
    });
  });

  it('picks up ./bulwark.yaml by itself', async () => {
    const sub = await mkdtemp(path.join(dir, 'auto-'));
    await writeFile(path.join(sub, 'm.pkl'), '}.');
    await writeFile(path.join(sub, 'bulwark.yaml'), 'scan:\n  exclude: ["x/**"]\n');
    const scan = fakeScan(reportOf([fileResult('m.pkl', 'clean')]));
    await run(['scan', 'm.pkl'], fakeIo(sub), { scan });
    expect(scan.calls[0].options?.exclude).toEqual(['x/**']);
  });

  it('writes --output atomically, leaving no temporary file, and nothing on stdout', async () => {
    const out = await mkdtemp(path.join(dir, 'out-'));
    await writeFile(path.join(out, 'report.json'), 'old contents');
    const io = fakeIo(dir);
    const scan = fakeScan(reportOf([fileResult('a.pkl', 'malicious', ['critical'])]));
    expect(
      await run(['scan', 'a.pkl', '-f', 'json', '-o', path.join(out, 'report.json')], io, { scan }),
    ).toBe(1);
    expect(io.stdout.text).toBe('');
    expect(JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')).files[0].verdict).toBe(
      'malicious',
    );
    expect(await readdir(out)).toEqual(['report.json']);
  });

  it('refuses an --output in a missing directory before scanning', async () => {
    const io = fakeIo(dir);
    const scan = fakeScan(reportOf([fileResult('a.pkl', 'clean')]));
    expect(await run(['scan', 'a.pkl', '-o', 'no/such/dir/r.json'], io, { scan })).toBe(3);
    expect(scan.calls).toHaveLength(0);
    expect(io.stderr.text).toMatch(ONE_LINE_ERROR);
    expect(io.stderr.text).toContain('does not exist');
  });

  it('reports a nonexistent path as a usage error', async () => {
    const io = fakeIo(dir);
    const scan = fakeScan(reportOf([]));
    expect(await run(['scan', 'a.pkl', 'missing.pkl'], io, { scan })).toBe(3);
    expect(io.stderr.text).toBe(
      'bulwark: error: path "missing.pkl" does not exist; check the path and the working directory\n',
    );
    expect(scan.calls).toHaveLength(0);
  });

  it('exits 3 when there was nothing to scan, after writing the (empty) report', async () => {
    const io = fakeIo(dir);
    expect(await run(['scan', '.', '--format', 'json'], io, { scan: fakeScan(reportOf([])) })).toBe(3);
    expect(JSON.parse(io.stdout.text).files).toEqual([]);
    expect(io.stderr.text).toMatch(/^bulwark: error: no files to scan in \.; /);
  });

  it('reports a bad config file as a usage error naming the key', async () => {
    await writeFile(path.join(dir, 'bad.yaml'), 'scan:\n  failOn: severe\n');
    const io = fakeIo(dir);
    expect(await run(['scan', 'a.pkl', '--config', 'bad.yaml'], io, { scan: fakeScan(reportOf([])) })).toBe(
      3,
    );
    expect(io.stderr.text).toBe(
      'bulwark: error: bad.yaml: scan.failOn: "severe" is not a severity; use one of critical, high, medium, low, info\n',
    );
  });

  it.each([
    [['scan'], /^bulwark: error: missing required argument 'paths'; run 'bulwark scan --help' for usage\n$/],
    [
      ['scan', 'a.pkl', '--frobnicate'],
      /^bulwark: error: unknown option '--frobnicate'; run 'bulwark scan --help'/,
    ],
    [
      ['scan', 'a.pkl', '--format', 'xml'],
      /^bulwark: error: option .* argument 'xml' is invalid\. Allowed choices are text, json, sarif\.; run/,
    ],
    [['scan', 'a.pkl', '--fail-on', 'severe'], /Allowed choices are critical, high, medium, low, info/],
    [
      ['scna', 'a.pkl'],
      /^bulwark: error: unknown command 'scna' \(Did you mean scan\?\); run 'bulwark --help' for usage\n$/,
    ],
  ])('usage error %j exits 3 with one line', async (argv, pattern) => {
    const io = fakeIo(dir);
    expect(await run(argv, io, { scan: fakeScan(reportOf([])) })).toBe(3);
    expect(io.stderr.text).toMatch(ONE_LINE_ERROR);
    expect(io.stderr.text).toMatch(pattern);
  });

  it('prints help for no command (exit 3), --help (exit 0) and the version', async () => {
    const none = fakeIo(dir);
    expect(await run([], none)).toBe(3);
    expect(none.stderr.text).toContain('Usage: bulwark');
    const help = fakeIo(dir);
    expect(await run(['scan', '--help'], help)).toBe(0);
    expect(help.stdout.text).toContain('--fail-on <severity>');
    const version = fakeIo(dir);
    expect(await run(['--version'], version)).toBe(0);
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(version.stdout.text).toBe(`${pkg.version}\n`);
  });

  it('exits 4 on an unexpected exception, with a stack only under BULWARK_DEBUG=1', async () => {
    const boom = fakeScan(() => {
      throw new TypeError('cannot read properties of undefined');
    });
    const io = fakeIo(dir);
    expect(await run(['scan', 'a.pkl'], io, { scan: boom })).toBe(ExitCode.Internal);
    expect(io.stderr.text).toMatch(
      /^bulwark: internal error: cannot read properties of undefined; please report this at https:\/\/\S+ \(set BULWARK_DEBUG=1 for a stack trace\)\n$/,
    );
    const debug = fakeIo(dir, { env: { BULWARK_DEBUG: '1' } });
    expect(await run(['scan', 'a.pkl'], debug, { scan: boom })).toBe(4);
    expect(debug.stderr.text).toContain('TypeError: cannot read properties of undefined\n    at ');
  });

  it('exits 2 when the engine gives up with an I/O error', async () => {
    const io = fakeIo(dir);
    const failing = fakeScan(() => {
      throw new BulwarkError('E_IO', 'cannot read a.pkl (EACCES); check its permissions');
    });
    expect(await run(['scan', 'a.pkl'], io, { scan: failing })).toBe(2);
    expect(io.stderr.text).toBe('bulwark: error: cannot read a.pkl (EACCES); check its permissions\n');
  });

  it('shows a progress line only on a TTY stderr, for text output or --output, and not with --no-progress/--quiet', async () => {
    const report = reportOf([fileResult('a.pkl', 'clean')]);
    const progressOn = async (argv: string[], stderrTTY: boolean): Promise<boolean> => {
      const io = fakeIo(dir, { stderrTTY });
      const scan = fakeScan(report);
      await run(argv, io, { scan });
      return scan.calls[0].options?.onProgress !== undefined && io.stderr.text.includes('\r\u001b[2K');
    };
    expect(await progressOn(['scan', 'a.pkl'], true)).toBe(true);
    expect(await progressOn(['scan', 'a.pkl'], false)).toBe(false);
    expect(await progressOn(['scan', 'a.pkl', '--format', 'json'], true)).toBe(false);
    expect(await progressOn(['scan', 'a.pkl', '--format', 'json', '-o', 'p.json'], true)).toBe(true);
    expect(await progressOn(['scan', 'a.pkl', '--no-progress'], true)).toBe(false);
    expect(await progressOn(['scan', 'a.pkl', '--quiet'], true)).toBe(false);
  });

  it('colours text only for a TTY stdout without NO_COLOR', async () => {
    const report = reportOf([fileResult('a.pkl', 'malicious', ['critical'])]);
    const tty = fakeIo(dir, { stdoutTTY: true });
    await run(['scan', 'a.pkl'], tty, { scan: fakeScan(report) });
    expect(tty.stdout.text).toContain('\u001b[');
    const noColor = fakeIo(dir, { stdoutTTY: true, env: { NO_COLOR: '1' } });
    await run(['scan', 'a.pkl'], noColor, { scan: fakeScan(report) });
    expect(noColor.stdout.text).not.toContain('\u001b[');
    const pipe = fakeIo(dir);
    await run(['scan', 'a.pkl'], pipe, { scan: fakeScan(report) });
    expect(pipe.stdout.text).not.toContain('\u001b[');
  });

  it('writes SARIF with the exit code in the invocation', async () => {
    const io = fakeIo(dir);
    const report = reportOf([fileResult('a.pkl', 'malicious', ['critical'])]);
    expect(await run(['scan', 'a.pkl', '--format', 'sarif'], io, { scan: fakeScan(report) })).toBe(1);
    const log = JSON.parse(io.stdout.text);
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0].invocations[0].exitCode).toBe(1);
    expect(log.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe('a.pkl');
  });
});

describe('bulwark rules (in process)', () => {
  const rule: RuleMeta = {
    id: 'BW-DEMO-001',
    name: 'demo-rule',
    family: 'demo',
    title: 'Demo rule',
    description: 'Explains the demo.',
    severity: 'high',
    impact: 'malicious',
    confidence: 'high',
    remediation: 'Do the demo thing.',
    references: { atlas: ['AML.T0010.003'], owaspMl: ['ML06'] },
  };
  const registry = { all: () => [rule], get: (id: string) => (id === rule.id ? rule : undefined) };

  it('lists rules with their docs page', async () => {
    const io = fakeIo(dir);
    expect(await rulesCommand(undefined, { format: 'text' }, io, registry)).toBe(0);
    expect(io.stdout.text).toMatch(
      /^ID\s+SEVERITY\s+NAME\s+TITLE\nBW-DEMO-001\s+high\s+demo-rule\s+Demo rule\n/,
    );
    expect(io.stdout.text).toContain('docs/rules/demo.md');
  });

  it('prints one rule (any case), as text or JSON', async () => {
    const io = fakeIo(dir);
    await rulesCommand('bw-demo-001', { format: 'text' }, io, registry);
    expect(io.stdout.text).toContain('BW-DEMO-001  demo-rule');
    expect(io.stdout.text).toMatch(/ATLAS\s+AML\.T0010\.003/);
    expect(io.stdout.text).toMatch(/docs\s+docs\/rules\/demo\.md\s+https:\/\/\S+#bw-demo-001/);
    const json = fakeIo(dir);
    await rulesCommand('BW-DEMO-001', { format: 'json' }, json, registry);
    expect(JSON.parse(json.stdout.text)).toMatchObject({ id: 'BW-DEMO-001', docs: 'docs/rules/demo.md' });
  });

  it('rejects an unknown id', async () => {
    await expect(rulesCommand('BW-NOPE-001', { format: 'text' }, fakeIo(dir), registry)).rejects.toThrow(
      `unknown rule "BW-NOPE-001"; run 'bulwark rules' to list the rule ids`,
    );
  });
});
