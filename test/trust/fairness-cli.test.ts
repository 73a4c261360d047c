import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT, runCli } from '../cli/helpers.js';

const SAMPLE = 'fixtures/trust/adult-sample.csv';
const ADULT = path.resolve(ROOT, '..', 'shared', 'data', 'adult', 'data', 'adult.csv');

let dir: string;
beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(path.join(os.tmpdir(), 'bulwark-fair-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('bulwark fairness', () => {
  it('runs the committed ONNX model on Adult: four-fifths fails for women, exit 1, JSON result', async () => {
    const r = await runCli([
      'fairness',
      ADULT,
      '--sensitive',
      'sex',
      '--label',
      'salary-class',
      '--model',
      'fixtures/trust/adult-mlp.onnx',
      '--privileged',
      'sex=Male',
      '--format',
      'json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.$schema).toBe('https://bulwark.dev/schemas/fairness-report/v1');
    expect(j.input).toMatchObject({
      rows: 30162,
      label: 'salary-class',
      favorable: '>50K',
      predictions: { kind: 'onnx', output: 'logits', model: 'fixtures/trust/adult-mlp.onnx' },
    });
    expect(j.input.predictions.sha256).toBe(
      createHash('sha256')
        .update(await readFile(path.join(ROOT, 'fixtures/trust/adult-mlp.onnx')))
        .digest('hex'),
    );
    expect(j.result.groups.map((g: { group: string }) => g.group)).toEqual(['Female', 'Male']);
    expect(j.result.overall.accuracy).toBeGreaterThan(0.83);
    expect(j.result.aif360.base_rate_disparate_impact).toBeCloseTo(0.36222, 5);
    expect(j.result.aif360.disparate_impact).toBeLessThan(0.8);
    const di = j.findings.find((f: { ruleId: string }) => f.ruleId === 'BW-FAIR-001');
    expect(di.severity).toBe('high');
    expect(di.references.euAiAct).toEqual(['Art. 10']);
  });

  it('text output has the per-group table and summary; --fail-on critical exits 0', async () => {
    const r = await runCli([
      'fairness',
      SAMPLE,
      '--sensitive',
      'sex,race',
      '--label',
      'salary-class',
      '--prediction',
      'score',
      '--threshold',
      '0.5',
      '--fail-on',
      'critical',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^bulwark fairness: fixtures\/trust\/adult-sample.csv \(200 rows; label salary-class, favorable ">50K"; predictions from column score \(score >= 0.5\)\)/,
    );
    expect(r.stdout).toMatch(/\n {2}Female\|White +\d+ /);
    expect(r.stdout).toContain('demographic parity difference');
    expect(r.stdout).toContain('Four-fifths rule:');
    expect(r.stdout).toMatch(/LOW +BW-FAIR-004 +group Female\|Black has \d+ rows/);
  });

  it('column predictions, weights, bootstrap and consistency write a file with -o', async () => {
    const out = path.join(dir, 'r.json');
    const r = await runCli([
      'fairness',
      'fixtures/trust/adult-sample.parquet',
      '--sensitive',
      'sex',
      '--label',
      'salary-class',
      '--prediction',
      'pred',
      '--favorable',
      '>50K',
      '--weights',
      'age',
      '--bootstrap',
      '50',
      '--seed',
      '3',
      '--consistency-features',
      'age,education,occupation',
      '--min-group-size',
      '10',
      '--threshold-di',
      '0',
      '--threshold-dp',
      '1',
      '--threshold-eo',
      '1',
      '--threshold-eop',
      '1',
      '--format',
      'json',
      '-o',
      out,
    ]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('');
    const j = JSON.parse(await readFile(out, 'utf8'));
    // pred holds 0/1 while the label holds strings: a favorable label of ">50K" makes every prediction unfavorable.
    expect(j.result.overall.selection_rate).toBe(0);
    expect(j.result.warnings.join('\n')).toMatch(
      /no prediction equals the favorable label ">50K" \(predictions look like 0, 1\)/,
    );
    expect(j.result.weighted).toBe(true);
    expect(j.result.bootstrap).toMatchObject({ samples: 50, seed: 3, confidence: 0.95 });
    expect(j.result.consistency).toMatchObject({ k: 5, rows: 200, queries: 200 });
    expect(r.code).toBe(0);
  });

  it('exit 3 for usage errors, exit 2 for unreadable data', async () => {
    const both = await runCli([
      'fairness',
      SAMPLE,
      '--sensitive',
      'sex',
      '--label',
      'salary-class',
      '--prediction',
      'pred',
      '--model',
      'x.onnx',
    ]);
    expect(both.code).toBe(3);
    expect(both.stderr).toMatch(/give exactly one of --prediction COL and --model/);
    const noLabel = await runCli(['fairness', SAMPLE, '--sensitive', 'sex', '--prediction', 'pred']);
    expect(noLabel.code).toBe(3);
    const badCol = await runCli([
      'fairness',
      SAMPLE,
      '--sensitive',
      'gender',
      '--label',
      'salary-class',
      '--prediction',
      'pred',
    ]);
    expect(badCol.code).toBe(3);
    expect(badCol.stderr).toMatch(
      /column 'gender' not found in adult-sample.csv; available columns: id, sex/,
    );
    const badPriv = await runCli([
      'fairness',
      SAMPLE,
      '--sensitive',
      'sex',
      '--label',
      'salary-class',
      '--prediction',
      'pred',
      '--privileged',
      'Male',
    ]);
    expect(badPriv.code).toBe(3);
    const bad = path.join(dir, 'bad.csv');
    await writeFile(bad, 'sex,label,pred\nF,1,1\nM,0\n');
    const unreadable = await runCli([
      'fairness',
      bad,
      '--sensitive',
      'sex',
      '--label',
      'label',
      '--prediction',
      'pred',
    ]);
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toMatch(/bad\.csv at line 3: wrong number of fields/);
    const strModel = await runCli([
      'fairness',
      SAMPLE,
      '--sensitive',
      'sex',
      '--label',
      'salary-class',
      '--model',
      'fixtures/trust/bad-string-input.onnx',
      '--features',
      'fixtures/trust/adult-mlp.features.json',
    ]);
    expect(strModel.code).toBe(2);
    expect(strModel.stderr).toMatch(/string tensor/);
  });
});

describe('--privileged parsing', () => {
  it('groups values by column and keeps a __proto__ column as data', async () => {
    const { parseGroupDefinition } = await import('../../src/cli/commands/fairness.js');
    expect(parseGroupDefinition('--privileged', ['sex=Male', 'race=White', 'race=Asian'])).toEqual({
      sex: ['Male'],
      race: ['White', 'Asian'],
    });
    const odd = parseGroupDefinition('--privileged', ['__proto__=x'])!;
    expect(Object.getPrototypeOf(odd)).toBe(Object.prototype);
    expect(Object.keys(odd)).toEqual(['__proto__']);
    expect(() => parseGroupDefinition('--privileged', ['=x'])).toThrow(/must be COL=VALUE/);
    expect(parseGroupDefinition('--privileged', [])).toBeUndefined();
  });
});
