import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isSeverity } from '../src/core/severity.js';
import { PicklePolicy } from '../src/scan/pickle/policy.js';
import {
  ALLOW_CLASS_PREFIXES,
  ALLOW_RULES,
  DENY_RULES,
  MODULE_ALIASES,
  STDLIB_MODULES,
} from '../src/scan/pickle/policy-data.js';

interface ManifestEntry {
  path: string;
  label: 'benign' | 'malicious';
  class: string;
  expect: { verdict: string; globals?: string[]; rawGlobals?: [string, string][] };
  note: string;
  size: number;
  sha256: string;
}

const fixtures = (p: string) => fileURLToPath(new URL(`../fixtures/${p}`, import.meta.url));
const manifest = JSON.parse(readFileSync(fixtures('manifest.json'), 'utf8')) as { files: ManifestEntry[] };
const benignGlobals = JSON.parse(readFileSync(fixtures('benign-globals.json'), 'utf8')) as {
  globals: [string, string][];
  files: Record<string, [string, string][]>;
};
const policy = new PicklePolicy();

describe('fixtures manifest', () => {
  it('lists existing files with the recorded sizes', () => {
    expect(manifest.files.length).toBeGreaterThan(100);
    for (const e of manifest.files) {
      expect(['benign', 'malicious']).toContain(e.label);
      expect(statSync(fixtures(e.path)).size, e.path).toBe(e.size);
    }
  });

  it('has both labels and an expected verdict per file', () => {
    const labels = new Set(manifest.files.map((e) => e.label));
    expect(labels).toEqual(new Set(['benign', 'malicious']));
    for (const e of manifest.files)
      expect(e.expect.verdict).toBe(e.label === 'benign' ? 'clean' : 'malicious');
  });
});

describe('policy data against benign fixtures', () => {
  it('has globals from every library the benign fixtures come from', () => {
    const modules = new Set(benignGlobals.globals.map(([m]) => m.split('.')[0]));
    for (const m of ['torch', 'numpy', 'sklearn', 'pandas', 'scipy', 'joblib', 'collections', '__torch__'])
      expect(modules, m).toContain(m);
  });

  it('allows every global found in fixtures/benign', () => {
    const rejected = benignGlobals.globals
      .map(([m, n]) => ({ g: `${m} ${n}`, v: policy.classify(m, n) }))
      .filter(({ v }) => v.class !== 'allowed')
      .map(({ g, v }) => `${g}: ${v.class} (${v.matched ?? v.reason})`);
    expect(rejected).toEqual([]);
  });
});

describe('policy data against malicious fixtures', () => {
  const entries = manifest.files.filter((e) => e.label === 'malicious' && e.expect.rawGlobals?.length);

  it('covers most malicious fixtures with expected globals', () => {
    expect(entries.length).toBeGreaterThan(100);
  });

  it('denies every expected global of every malicious fixture', () => {
    const missed: string[] = [];
    for (const e of entries) {
      for (const [m, n] of e.expect.rawGlobals ?? []) {
        const v = policy.classify(m, n);
        // Attributes of allowlisted classes are allowed only as values: calling them is reported by the analysis.
        if (v.class !== 'denied' && !v.notCallable) missed.push(`${e.path}: ${m} ${n} -> ${v.class}`);
      }
    }
    expect(missed).toEqual([]);
  });

  it('reports expected globals under their alias-normalised names', () => {
    for (const e of entries) {
      const raw = e.expect.rawGlobals ?? [];
      const names = raw.map(([m, n]) => {
        const v = policy.classify(m, n);
        return `${v.module}.${v.name}`;
      });
      expect(names, e.path).toEqual(e.expect.globals);
    }
  });
});

describe('policy data consistency', () => {
  it('every exact allow entry classifies as allowed (no deny entry shadows it)', () => {
    const shadowed: string[] = [];
    for (const r of ALLOW_RULES) {
      if (r.names === '*') continue;
      for (const n of r.names) {
        const v = policy.classify(r.module, n);
        if (v.class !== 'allowed') shadowed.push(`${r.module} ${n}: ${v.matched}`);
      }
    }
    expect(shadowed).toEqual([]);
  });

  it('deny entries have a valid severity and a one-sentence reason', () => {
    for (const r of DENY_RULES) {
      expect(isSeverity(r.severity), `${r.module}`).toBe(true);
      expect(['critical', 'high', 'medium']).toContain(r.severity);
      expect(r.reason.length, r.module).toBeGreaterThan(10);
      expect(r.reason, r.module).not.toMatch(/\.\s+[A-Z]/);
      for (const id of r.ghsa ?? []) expect(id).toMatch(/^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$/);
      for (const id of r.cve ?? []) expect(id).toMatch(/^CVE-\d{4}-\d{4,}$/);
    }
  });

  it('class prefixes and aliases are well-formed', () => {
    for (const p of ALLOW_CLASS_PREFIXES) expect(p).toMatch(/^[A-Za-z_][\w.]*$/);
    for (const [from, to] of Object.entries(MODULE_ALIASES)) {
      expect(from).not.toBe(to);
      expect(MODULE_ALIASES[to.split('.')[0]], `${from} -> ${to} must not chain`).toBeUndefined();
    }
  });

  it('knows the standard library, including python 2 names and the test package', () => {
    for (const m of [
      'os',
      'sys',
      'builtins',
      'pickle',
      'test',
      'asyncio',
      '_posixsubprocess',
      '__builtin__',
      'copy_reg',
    ])
      expect(STDLIB_MODULES.has(m), m).toBe(true);
    for (const m of ['numpy', 'torch', '__main__', 'sklearn']) expect(STDLIB_MODULES.has(m), m).toBe(false);
  });

  it('classifies representative globals', () => {
    const cases: [string, string, string][] = [
      ['posix', 'system', 'denied'],
      ['nt', 'system', 'denied'],
      ['__builtin__', 'set', 'allowed'],
      ['copy_reg', '_reconstructor', 'allowed'],
      ['uuid', 'UUID', 'allowed'],
      ['uuid', '_get_command_stdout', 'denied'],
      ['torch.jit._pickle', 'build_intlist', 'allowed'],
      ['torch.jit', 'load', 'denied'],
      ['torch.serialization', '_get_layout', 'allowed'],
      ['torch.serialization', 'load', 'denied'],
      ['joblib.numpy_pickle', 'NumpyArrayWrapper', 'allowed'],
      ['joblib', 'load', 'denied'],
      ['sklearn.linear_model._logistic', 'LogisticRegression', 'allowed'],
      ['sklearn.utils._testing', 'TempMemmap', 'denied'],
      ['pandas.core.computation.expr', 'Expr', 'denied'],
      ['transformers.dynamic_module_utils', 'get_class_from_dynamic_module', 'denied'],
      ['numpy.core', '_ufunc_reconstruct', 'denied'],
      ['builtins', 'getattr', 'denied'],
      ['builtins', 'dict.get', 'allowed'], // only as a value: calling it is reported by the analysis
      ['operator', 'add', 'denied'],
      ['__main__', 'MyModel', 'unknown'],
      ['mypackage.models', 'Net', 'unknown'],
    ];
    for (const [m, n, cls] of cases) expect(policy.classify(m, n).class, `${m} ${n}`).toBe(cls);
  });

  it('rates code execution critical and nested loaders high', () => {
    expect(policy.classify('os', 'system').severity).toBe('critical');
    expect(policy.classify('subprocess', 'Popen').severity).toBe('critical');
    expect(policy.classify('pickle', 'loads').severity).toBe('high');
    expect(policy.classify('socket', 'create_connection').severity).toBe('high');
    expect(policy.classify('torch.utils.collect_env', 'run').ghsa).toContain('GHSA-f745-w6jp-hpxx');
  });
});
