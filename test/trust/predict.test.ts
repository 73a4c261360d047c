import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BulwarkError, UsageError } from '../../src/core/errors.js';
import { readTable, tableFromColumns } from '../../src/trust/data/table.js';
import {
  encodeFeatures,
  featureWidth,
  loadFeatureSpec,
  predictionsFromColumn,
  predictOnnx,
  validateFeatureSpec,
  type FeatureSpec,
} from '../../src/trust/predict/index.js';

const FIX = path.resolve(__dirname, '../../fixtures/trust');
const SAMPLE = path.join(FIX, 'adult-sample.csv');
const expected = JSON.parse(readFileSync(path.join(FIX, 'expected-predictions.json'), 'utf8')) as {
  torch: number[];
  sklearn: number[];
};

describe('ONNX models from scripts/gen-trust-fixtures.py', () => {
  it('torch MLP (logits output): probabilities match torch to 1e-5, labels follow the threshold', async () => {
    const t = await readTable(SAMPLE);
    const spec = await loadFeatureSpec(path.join(FIX, 'adult-mlp.features.json'));
    const p = await predictOnnx(path.join(FIX, 'adult-mlp.onnx'), t, { spec, batchSize: 64 });
    expect(p.source).toMatchObject({ kind: 'onnx', output: 'logits', threshold: 0.5 });
    expect(p.scores!.length).toBe(200);
    let maxDiff = 0;
    for (let i = 0; i < 200; i++) maxDiff = Math.max(maxDiff, Math.abs(p.scores![i]! - expected.torch[i]!));
    expect(maxDiff).toBeLessThan(1e-5);
    for (let i = 0; i < 200; i++) expect(p.labels[i]).toBe(expected.torch[i]! >= 0.5 ? '>50K' : '<=50K');
    // The sample's pred column was written from the same torch scores.
    expect(p.labels.map((l) => (l === '>50K' ? 1 : 0))).toEqual(t.column('pred'));
    expect(p.labels.some((l) => l === '>50K')).toBe(true);
  });

  it('sklearn-style LinearClassifier (label + probabilities): matches predict_proba', async () => {
    const t = await readTable(SAMPLE);
    const spec = await loadFeatureSpec(path.join(FIX, 'adult-logreg.features.json'));
    const p = await predictOnnx(path.join(FIX, 'adult-logreg.onnx'), t, { spec });
    expect(p.source).toMatchObject({ output: 'probabilities' });
    for (let i = 0; i < 200; i++) expect(Math.abs(p.scores![i]! - expected.sklearn[i]!)).toBeLessThan(1e-5);
    // Reading the int64 label output instead gives the same decisions at threshold 0.5.
    const byLabel = await predictOnnx(path.join(FIX, 'adult-logreg.onnx'), t, {
      spec: { ...spec, output: { name: 'label', kind: 'label' } },
    });
    expect(byLabel.scores).toBeUndefined();
    expect(byLabel.labels).toEqual(p.labels);
  });

  it('a stricter threshold selects fewer rows', async () => {
    const t = await readTable(SAMPLE);
    const spec = await loadFeatureSpec(path.join(FIX, 'adult-mlp.features.json'));
    const loose = await predictOnnx(path.join(FIX, 'adult-mlp.onnx'), t, { spec, threshold: 0.2 });
    const strict = await predictOnnx(path.join(FIX, 'adult-mlp.onnx'), t, { spec, threshold: 0.8 });
    const pos = (l: unknown[]) => l.filter((x) => x === '>50K').length;
    expect(pos(loose.labels)).toBeGreaterThan(pos(strict.labels));
    expect(pos(loose.labels)).toBe(expected.torch.filter((s) => s >= 0.2).length);
  });

  it('rejects a string tensor input, two inputs and a width mismatch with one-line errors', async () => {
    const t = await readTable(SAMPLE);
    const spec = await loadFeatureSpec(path.join(FIX, 'adult-mlp.features.json'));
    const run = (m: string): Promise<BulwarkError> =>
      predictOnnx(path.join(FIX, m), t, { spec }).then(
        () => {
          throw new Error('expected an error');
        },
        (e: unknown) => e as BulwarkError,
      );
    const s = await run('bad-string-input.onnx');
    expect(s).toBeInstanceOf(BulwarkError);
    expect(s.code).toBe('E_UNSUPPORTED');
    expect(s.message).toMatch(/input 'text' is a string tensor; only a float32 tensor \[N, F\] is supported/);
    const two = await run('bad-two-inputs.onnx');
    expect(two.message).toMatch(/the model has 2 inputs \(a, b\)/);
    const w = await run('bad-fixed-width.onnx');
    expect(w.message).toMatch(
      new RegExp(`has shape \\[N, 3\\] but the feature spec produces \\[N, ${featureWidth(spec)}\\]`),
    );
    for (const e of [s, two, w]) expect(e.message).not.toContain('\n');
  });

  it('rejects a file that is not ONNX', async () => {
    const t = await readTable(SAMPLE);
    const spec = await loadFeatureSpec(path.join(FIX, 'adult-mlp.features.json'));
    const e = (await predictOnnx(SAMPLE, t, { spec }).catch((x: unknown) => x)) as BulwarkError;
    expect(e.code).toBe('E_UNSUPPORTED');
    expect(e.message).toMatch(/onnxruntime cannot load the model/);
  });
});

describe('feature encoding', () => {
  const spec: FeatureSpec = {
    version: 1,
    features: [
      { column: 'age', type: 'numeric', mean: 10, std: 2 },
      { column: 'color', type: 'onehot', categories: ['red', 'blue'] },
      { column: 'code', type: 'onehot', categories: [1, 2] },
    ],
  };
  it('standardises numbers, one-hot encodes categories, zeros for unknown/missing', () => {
    const t = tableFromColumns({ age: [12, null, 8], color: ['blue', 'green', null], code: ['2', 1, null] });
    expect(featureWidth(spec)).toBe(5);
    expect([...encodeFeatures(t, spec)]).toEqual([1, 0, 1, 0, 1, 0, 0, 0, 1, 0, -1, 0, 0, 0, 0]);
  });
  it('rejects text in a numeric feature', () => {
    const t = tableFromColumns({ age: ['old'], color: ['red'], code: [1] });
    expect(() => encodeFeatures(t, spec)).toThrow(/feature column 'age' row 1 is not a number/);
  });
  it('validates the spec', () => {
    expect(() => validateFeatureSpec({ version: 2, features: [] })).toThrow(/version must be 1/);
    expect(() => validateFeatureSpec({ version: 1, features: [{ column: 'a', type: 'embedding' }] })).toThrow(
      /type must be 'numeric' or 'onehot'/,
    );
    expect(() =>
      validateFeatureSpec({ version: 1, features: [{ column: 'a', type: 'numeric', std: 0 }] }),
    ).toThrow(/std must not be 0/);
    expect(() =>
      validateFeatureSpec({
        version: 1,
        features: [{ column: 'a', type: 'numeric' }],
        output: { kind: 'scores' },
      }),
    ).toThrow(/output.kind/);
  });
  it('reports a missing spec file as a usage error', async () => {
    await expect(loadFeatureSpec(path.join(FIX, 'nope.features.json'))).rejects.toThrow(UsageError);
  });
});

describe('predictions from a column', () => {
  const t = tableFromColumns({ s: [0.1, 0.5, 0.9], l: ['no', 'yes', 'no'], bad: [0.1, 'x', 0.2] });
  it('cuts scores at the threshold', () => {
    const p = predictionsFromColumn(t, 's', { threshold: 0.5, positive: 'yes', negative: 'no' });
    expect(p.labels).toEqual(['no', 'yes', 'yes']);
    expect([...p.scores!]).toEqual([0.1, 0.5, 0.9]);
  });
  it('passes labels through without a threshold', () => {
    expect(predictionsFromColumn(t, 'l').labels).toEqual(['no', 'yes', 'no']);
  });
  it('names the row that is not a score', () => {
    expect(() => predictionsFromColumn(t, 'bad', { threshold: 0.5 })).toThrow(/'bad' row 2 is not a number/);
  });
});
