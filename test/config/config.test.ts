import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  configToScanOptions,
  loadConfig,
  parseConfig,
  parseGlobalRef,
  parseSize,
  toPolicyExtension,
} from '../../src/config/config.js';
import { ConfigError } from '../../src/core/errors.js';
import { PicklePolicy } from '../../src/scan/pickle/policy.js';

const FULL = `
scan:
  include: ["**/*.pkl", "**/*.pt"]
  exclude: ["vendor/**"]
  failOn: medium
  limits:
    maxOpcodes: 1000000
    maxDecompressedBytes: 2 GiB
    timeoutMs: 60000
    maxCompressionRatio: 250.5
pickle:
  allow:
    - mypkg.layers.Custom
    - mypkg.blocks.*
    - { module: mypkg.nested, names: [Outer.Inner, Other] }
  deny:
    - module: mypkg.danger
      names: [run]
      severity: critical
      reason: runs a shell command
    - { module: evilpkg, names: "*" }
`;

function configError(text: string): string {
  try {
    parseConfig(text, 'bulwark.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('E_CONFIG');
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('reads every documented key', () => {
    expect(parseConfig(FULL, 'bulwark.yaml')).toEqual({
      scan: {
        include: ['**/*.pkl', '**/*.pt'],
        exclude: ['vendor/**'],
        failOn: 'medium',
        limits: {
          maxOpcodes: 1_000_000,
          maxDecompressedBytes: 2 * 1024 ** 3,
          timeoutMs: 60_000,
          maxCompressionRatio: 250.5,
        },
      },
      pickle: {
        allow: [
          'mypkg.layers.Custom',
          'mypkg.blocks.*',
          { module: 'mypkg.nested', names: ['Outer.Inner', 'Other'] },
        ],
        deny: [
          { module: 'mypkg.danger', names: ['run'], severity: 'critical', reason: 'runs a shell command' },
          { module: 'evilpkg', names: '*' },
        ],
      },
    });
  });

  it('accepts an empty file, comments only, and empty sections', () => {
    expect(parseConfig('', 'bulwark.yaml')).toEqual({});
    expect(parseConfig('# nothing yet\n', 'bulwark.yaml')).toEqual({});
    expect(parseConfig('scan:\npickle:\n', 'bulwark.yaml')).toEqual({});
  });

  it('names the file, the key path and what is expected', () => {
    expect(configError('scan:\n  exlude: []\n')).toBe(
      'bulwark.yaml: scan.exlude: unknown key (did you mean exclude?); allowed keys under scan are include, exclude, failOn, limits',
    );
    expect(configError('scna: {}\n')).toMatch(
      /^bulwark\.yaml: scna: unknown key \(did you mean scan\?\); allowed keys at the top level are scan, pickle$/,
    );
    expect(configError('scan:\n  failOn: severe\n')).toBe(
      'bulwark.yaml: scan.failOn: "severe" is not a severity; use one of critical, high, medium, low, info',
    );
    expect(configError('scan:\n  include: "*.pkl"\n')).toMatch(
      /^bulwark\.yaml: scan\.include: expected a list of glob patterns, found "\*\.pkl"; /,
    );
    expect(configError('scan:\n  include: ["a", 3]\n')).toMatch(
      /^bulwark\.yaml: scan\.include\[1\]: expected a glob pattern, found 3; /,
    );
    expect(configError('scan:\n  limits:\n    maxOpcodes: -1\n')).toMatch(
      /^bulwark\.yaml: scan\.limits\.maxOpcodes: -1 is not a valid limit; use a positive integer/,
    );
    expect(configError('scan:\n  limits:\n    maxOpcodes: "1 GiB"\n')).toMatch(
      /scan\.limits\.maxOpcodes: "1 GiB" is not a valid limit/,
    );
    expect(configError('scan:\n  limits:\n    inMemoryBytes: lots\n')).toMatch(
      /scan\.limits\.inMemoryBytes: "lots" is not a valid limit; use a non-negative integer of bytes or a size such as "512 MiB"/,
    );
    expect(configError('scan:\n  limits:\n    maxBananas: 3\n')).toMatch(
      /scan\.limits\.maxBananas: unknown key; allowed keys under scan\.limits are maxOpcodes, /,
    );
    expect(configError('pickle:\n  allow: [os]\n')).toMatch(
      /^bulwark\.yaml: pickle\.allow\[0\]: "os" has no module part; write "module\.Name"/,
    );
    expect(configError('pickle:\n  allow: ["os.path.join("]\n')).toMatch(
      /pickle\.allow\[0\]: .* is not a Python name/,
    );
    expect(configError('pickle:\n  deny:\n    - { module: os, names: [] }\n')).toMatch(
      /pickle\.deny\[0\]\.names: expected "\*" or a non-empty list of names/,
    );
    expect(configError('pickle:\n  deny:\n    - { module: os, names: [system], severity: fatal }\n')).toMatch(
      /pickle\.deny\[0\]\.severity: "fatal" is not a severity; use one of critical, high, medium, low, info/,
    );
    expect(configError('pickle:\n  deny:\n    - { module: "os system", names: "*" }\n')).toMatch(
      /pickle\.deny\[0\]\.module: "os system" is not a Python module path/,
    );
    expect(configError('pickle:\n  deny:\n    - { module: os, names: "*", why: x }\n')).toMatch(
      /pickle\.deny\[0\]\.why: unknown key/,
    );
    expect(configError('- a\n- b\n')).toMatch(/^bulwark\.yaml: expected a mapping, found a list; /);
  });

  it('refuses to allow a global on the built-in denylist, but allows unknown stdlib globals', () => {
    expect(configError('pickle:\n  allow: [os.system]\n')).toMatch(
      /^bulwark\.yaml: pickle\.allow\[0\]: os\.system is on the built-in denylist \(.*\) and cannot be allowed; remove the entry/,
    );
    expect(configError('pickle:\n  allow:\n    - { module: posix, names: [system] }\n')).toMatch(
      /pickle\.allow\[0\]: posix\.system is on the built-in denylist/,
    );
    expect(configError('pickle:\n  allow: [builtins.eval]\n')).toMatch(
      /builtins\.eval is on the built-in denylist/,
    );
    expect(
      parseConfig('pickle:\n  allow: [argparse.Namespace, mypkg.*]\n', 'bulwark.yaml').pickle!.allow,
    ).toEqual(['argparse.Namespace', 'mypkg.*']);
  });

  it('reports YAML syntax errors and duplicate keys with line and column', () => {
    expect(configError('scan:\n  failOn: high\n  failOn: low\n')).toMatch(
      /^bulwark\.yaml:3:3: invalid YAML: Map keys must be unique; fix the YAML syntax$/,
    );
    expect(configError('scan: [1,\n')).toMatch(
      /^bulwark\.yaml:\d+:\d+: invalid YAML: .*; fix the YAML syntax$/,
    );
  });

  it('refuses alias bombs', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++)
      bomb.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(', ')}]`,
      );
    expect(configError(bomb.join('\n'))).toMatch(/invalid YAML/);
  });
});

describe('mapping to scan options', () => {
  it('turns string allow entries into module/name rules and fills deny defaults', () => {
    const config = parseConfig(FULL, 'bulwark.yaml');
    const options = configToScanOptions(config, 'bulwark.yaml');
    expect(options.include).toEqual(['**/*.pkl', '**/*.pt']);
    expect(options.exclude).toEqual(['vendor/**']);
    expect(options.limits).toEqual(config.scan!.limits);
    expect(options.policy).toEqual({
      allow: [
        { module: 'mypkg.layers', names: ['Custom'] },
        { module: 'mypkg.blocks', names: '*' },
        { module: 'mypkg.nested', names: ['Outer.Inner', 'Other'] },
      ],
      deny: [
        { module: 'mypkg.danger', names: ['run'], severity: 'critical', reason: 'runs a shell command' },
        { module: 'evilpkg', names: '*', severity: 'high', reason: 'denied by bulwark.yaml' },
      ],
    });
    expect((options as Record<string, unknown>).failOn).toBeUndefined();
  });

  it('the policy extension takes effect in the pickle policy', () => {
    const policy = new PicklePolicy(
      configToScanOptions(parseConfig(FULL, 'bulwark.yaml'), 'bulwark.yaml').policy,
    );
    expect(policy.classify('mypkg.layers', 'Custom').class).toBe('allowed');
    expect(policy.classify('mypkg.blocks', 'Anything').class).toBe('allowed');
    expect(policy.classify('mypkg.danger', 'run')).toMatchObject({ class: 'denied', severity: 'critical' });
    expect(policy.classify('evilpkg.sub', 'x')).toMatchObject({ class: 'denied', severity: 'high' });
    expect(policy.classify('mypkg.layers', 'Other').class).toBe('unknown');
  });

  it('leaves out what the config does not set', () => {
    expect(configToScanOptions({})).toEqual({});
    expect(toPolicyExtension({ allow: [], deny: [] })).toBeUndefined();
  });

  it('parseGlobalRef and parseSize', () => {
    expect(parseGlobalRef('a.b.C')).toEqual({ module: 'a.b', names: ['C'] });
    expect(parseGlobalRef('a.*')).toEqual({ module: 'a', names: '*' });
    expect(() => parseGlobalRef('.C')).toThrow(ConfigError);
    expect(parseSize('512 MiB')).toBe(512 * 1024 * 1024);
    expect(parseSize('1kb')).toBe(1000);
    expect(parseSize('7')).toBe(7);
    expect(parseSize('1.5 KiB')).toBe(1536);
    expect(parseSize('12 parsecs')).toBeUndefined();
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bulwark-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds nothing in a directory without a config', async () => {
    const empty = path.join(dir, 'empty');
    await mkdir(empty);
    expect(await loadConfig({ cwd: empty })).toBeUndefined();
  });

  it('finds bulwark.yaml, then .bulwark.yaml', async () => {
    const d = path.join(dir, 'both');
    await mkdir(d);
    await writeFile(path.join(d, '.bulwark.yaml'), 'scan:\n  failOn: low\n');
    expect(await loadConfig({ cwd: d })).toEqual({
      path: '.bulwark.yaml',
      config: { scan: { failOn: 'low' } },
    });
    await writeFile(path.join(d, 'bulwark.yaml'), 'scan:\n  failOn: critical\n');
    expect(await loadConfig({ cwd: d })).toEqual({
      path: 'bulwark.yaml',
      config: { scan: { failOn: 'critical' } },
    });
  });

  it('loads --config relative to cwd and names it in errors', async () => {
    await writeFile(path.join(dir, 'custom.yml'), 'scan:\n  failOn: info\n');
    expect(await loadConfig({ cwd: dir, path: 'custom.yml' })).toEqual({
      path: 'custom.yml',
      config: { scan: { failOn: 'info' } },
    });
    await writeFile(path.join(dir, 'bad.yml'), 'scan:\n  failOn: 3\n');
    await expect(loadConfig({ cwd: dir, path: 'bad.yml' })).rejects.toThrow(
      /^bad\.yml: scan\.failOn: 3 is not a severity/,
    );
  });

  it('fails on a missing or unreadable --config', async () => {
    await expect(loadConfig({ cwd: dir, path: 'nope.yaml' })).rejects.toThrow(
      'config file nope.yaml does not exist; check the --config path',
    );
    await expect(loadConfig({ cwd: dir, path: '.' })).rejects.toThrow(/is not a regular file/);
    await expect(loadConfig({ cwd: dir, path: '' })).rejects.toBeInstanceOf(ConfigError);
  });
});
