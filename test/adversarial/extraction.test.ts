import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BulwarkError, LimitError, UsageError } from '../../src/core/errors.js';
import { equationSolvingExtraction } from '../../src/adversarial/extraction/equation.js';
import { runExtraction } from '../../src/adversarial/extraction/knockoff.js';
import { openOnnxScoresTarget } from '../../src/adversarial/extraction/onnx-target.js';
import { Oracle } from '../../src/adversarial/extraction/oracle.js';
import { loadOnnxTarget } from '../../src/adversarial/robustness/targets/index.js';
import { extractionReport, formatExtractionText } from '../../src/adversarial/extraction/report.js';
import { gaussianBlobs } from '../../src/adversarial/ml/data.js';
import {
  LogisticModel,
  argmaxRows,
  oneHot,
  solveLinear,
  trainLogistic,
  trainMlp,
} from '../../src/adversarial/ml/models.js';
import { classifierTarget } from '../../src/adversarial/ml/target.js';
import { extractionCommand, type ExtractionCommandOptions } from '../../src/cli/commands/extraction.js';
import { getRule } from '../../src/core/rules.js';
import '../../src/all-rules.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIGITS_MLP = path.join(ROOT, 'fixtures/adversarial/digits-mlp.onnx');
const DIGITS_BIN = path.join(ROOT, 'fixtures/adversarial/digits-test.bin');
const ADULT = path.join(ROOT, 'fixtures/trust/adult-logreg.onnx');

const d = 12;
const k = 3;
const data = gaussianBlobs({ n: 2600, d, k, spread: 1.3, seed: 11, centreSeed: 5 });
const rows = (a: number, b: number) => ({ x: data.x.slice(a * d, b * d), y: data.y.slice(a, b), n: b - a });
const victimTrain = rows(0, 800);
const transfer = rows(800, 1600);
const evalSet = rows(1600, 2600);
const victim = trainMlp(victimTrain.x, victimTrain.n, d, oneHot(victimTrain.y, k), k, {
  hidden: 32,
  epochs: 30,
  seed: 3,
});

/** Digits test images (360 × 64 in [0, 1]) and labels, from A1's fixture. */
async function digits(): Promise<{ x: Float32Array; y: Int32Array; n: number }> {
  const buf = await readFile(DIGITS_BIN);
  const n = buf.length / (64 * 4 + 4 + 20 * 4);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length);
  return { x: new Float32Array(ab, 0, n * 64), y: new Int32Array(ab, n * 64 * 4, n), n };
}

describe('small trainers', () => {
  it('solveLinear solves a known system with several right-hand sides and detects singular ones', () => {
    const A = [2, 1, 0, 1, 3, 1, 0, 1, 4];
    const X = [1, -1, 2, 0.5, -3, 4]; // 3 × 2
    const B = new Float64Array(6);
    for (let i = 0; i < 3; i++)
      for (let c = 0; c < 2; c++) for (let j = 0; j < 3; j++) B[i * 2 + c] += A[i * 3 + j] * X[j * 2 + c];
    const got = solveLinear(A, B, 3, 2)!;
    for (let i = 0; i < 6; i++) expect(got[i]).toBeCloseTo(X[i], 10);
    expect(solveLinear([1, 2, 2, 4], [1, 2], 2)).toBeNull();
  });

  it('logistic regression and the MLP learn separable blobs; the same seed gives the same model', () => {
    const lr = trainLogistic(victimTrain.x, victimTrain.n, d, oneHot(victimTrain.y, k), k, { epochs: 20 });
    const acc = (p: Float64Array) => {
      const pred = argmaxRows(p, evalSet.n, k);
      return pred.filter((c, i) => c === evalSet.y[i]).length / evalSet.n;
    };
    expect(acc(lr.predictProba(evalSet.x, evalSet.n))).toBeGreaterThan(0.85);
    expect(acc(victim.predictProba(evalSet.x, evalSet.n))).toBeGreaterThan(0.85);
    const again = trainMlp(victimTrain.x, victimTrain.n, d, oneHot(victimTrain.y, k), k, {
      hidden: 32,
      epochs: 30,
      seed: 3,
    });
    expect(Array.from(again.params)).toEqual(Array.from(victim.params));
  });
});

describe('surrogate extraction (KnockoffNets/Copycat)', () => {
  it('steals a score-returning MLP: agreement grows with the budget and the budget is enforced', async () => {
    const target = classifierTarget(victim);
    const r = await runExtraction(target, {
      transfer: transfer.x,
      transferRows: transfer.n,
      evalX: evalSet.x,
      evalRows: evalSet.n,
      evalY: evalSet.y,
      budgets: [20, 100, 600],
      seed: 1,
    });
    expect(r.access).toBe('scores');
    expect(r.sampling).toBe('natural');
    expect(r.curve.map((p) => p.queries)).toEqual([20, 100, 600]);
    expect(r.attackQueries).toBe(600);
    expect(r.evalQueries).toBe(evalSet.n);
    expect(target.queries).toBe(600 + evalSet.n);
    expect(r.curve[2].agreement).toBeGreaterThan(0.9);
    expect(r.curve[2].agreement).toBeGreaterThan(r.curve[0].agreement);
    expect(r.curve[2].surrogateAccuracy).toBeGreaterThan(0.85);
    expect(r.stolenAtBudget).not.toBeNull();
    const rep = extractionReport('victim', r, undefined);
    expect(rep.findings.map((f) => f.ruleId)).toEqual(['BW-EXT-001']);
    expect(rep.findings[0].severity).toBe('high');
    expect(rep.metrics['agreement@600']).toBe(r.curve[2].agreement);
    expect(formatExtractionText(rep)).toMatch(/BW-EXT-001 HIGH/);
  });

  it('works from labels only (Copycat) and caps budgets at the transfer-set size', async () => {
    const target = classifierTarget(victim, { output: 'labels' });
    const r = await runExtraction(target, {
      transfer: transfer.x.slice(0, 300 * d),
      transferRows: 300,
      evalX: evalSet.x,
      evalRows: evalSet.n,
      budgets: [50, 1000],
      agreementThreshold: 0.999,
    });
    expect(r.access).toBe('labels');
    expect(r.curve[1].queries).toBe(300);
    expect(r.attackQueries).toBe(300);
    expect(r.curve[1].agreement).toBeGreaterThan(0.8);
    expect(r.stolenAtBudget).toBeNull();
    expect(extractionReport('victim', r, undefined).findings).toEqual([]);
  });

  it('refuses uniform sampling without a finite range, and the oracle refuses queries over budget', async () => {
    const target = classifierTarget(victim);
    await expect(runExtraction(target, { evalX: evalSet.x, evalRows: evalSet.n })).rejects.toThrow(
      UsageError,
    );
    const oracle = new Oracle(target, 10);
    await oracle.query(evalSet.x.slice(0, 8 * d), 8, true);
    await expect(oracle.query(evalSet.x.slice(0, 3 * d), 3, true)).rejects.toThrow(LimitError);
    expect(oracle.queries).toBe(8);
  });

  it('extracts the ONNX digits MLP through onnxruntime (natural and uniform-noise transfer sets)', async () => {
    const dg = await digits();
    // The shared scores target (A1's loadOnnxTarget); clip range [0, 1] by default.
    const target = await loadOnnxTarget(DIGITS_MLP, { differentiable: false });
    try {
      expect(target.nbClasses).toBe(10);
      expect(target.scoresAreProbabilities).toBe(false); // logits output
      const natural = await runExtraction(target, {
        transfer: dg.x.slice(0, 200 * 64),
        transferRows: 200,
        evalX: dg.x.slice(200 * 64),
        evalRows: dg.n - 200,
        evalY: dg.y.slice(200),
        budgets: [50, 200],
        surrogate: 'logistic',
      });
      expect(natural.targetAccuracy).toBeGreaterThan(0.95);
      expect(natural.curve[1].agreement).toBeGreaterThan(0.85);
      const noise = await runExtraction(target, {
        evalX: dg.x.slice(200 * 64),
        evalRows: dg.n - 200,
        budgets: [200],
        surrogate: 'logistic',
      });
      expect(noise.sampling).toBe('uniform');
      // Noise queries carry far less information about the digit manifold than natural samples.
      expect(noise.curve[0].agreement).toBeLessThan(natural.curve[1].agreement);
    } finally {
      await target.dispose();
    }
  });
});

describe('equation-solving extraction (Tramèr et al.)', () => {
  const lin = trainLogistic(victimTrain.x, victimTrain.n, d, oneHot(victimTrain.y, k), k, {
    epochs: 20,
    seed: 4,
  });
  const truth = {
    weights: Array.from({ length: k }, (_, c) => lin.params.slice(c * d, c * d + d)),
    bias: lin.params.slice(k * d),
  };

  it('recovers the weights of a softmax model from d + 1 queries', async () => {
    const target = classifierTarget(lin);
    const r = await equationSolvingExtraction(target, { truth, evalX: evalSet.x, evalRows: evalSet.n });
    expect(r.solveQueries).toBe(d + 1);
    expect(r.linear).toBe(true);
    expect(r.maxParamError!).toBeLessThan(1e-4);
    expect(r.agreement).toBe(1);
    const rep = extractionReport('lin', undefined, r);
    expect(rep.findings.map((f) => f.ruleId)).toEqual(['BW-EXT-002']);
    // The recovered parameters predict like the target on fresh data.
    const rec = new LogisticModel(d, k, Float64Array.from([...r.weights.flat(), ...r.bias]));
    const a = argmaxRows(rec.predictProba(evalSet.x, evalSet.n), evalSet.n, k);
    const b = argmaxRows(lin.predictProba(evalSet.x, evalSet.n), evalSet.n, k);
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('says an MLP is not linear, and refuses a labels-only target', async () => {
    const r = await equationSolvingExtraction(classifierTarget(victim));
    expect(r.linear).toBe(false);
    expect(extractionReport('mlp', undefined, r).findings).toEqual([]);
    const err = await equationSolvingExtraction(classifierTarget(lin, { output: 'labels' })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BulwarkError);
    expect((err as BulwarkError).code).toBe('E_UNSUPPORTED');
    expect((err as Error).message).toMatch(/labels only; equation-solving extraction needs class scores/);
  });

  it('recovers the ONNX adult logistic regression (skl2onnx LinearClassifier) exactly', async () => {
    const onnxProto = (await import('onnx-proto')).default as unknown as {
      onnx: {
        ModelProto: {
          decode(b: Uint8Array): { graph: { node: { attribute: { name: string; floats: number[] }[] }[] } };
        };
      };
    };
    const m = onnxProto.onnx.ModelProto.decode(await readFile(ADULT));
    const attr = (n: string) => m.graph.node[0].attribute.find((a) => a.name === n)!.floats;
    const coef = attr('coefficients');
    const intercepts = attr('intercepts');
    const F = coef.length / 2;
    // Binary LOGISTIC: log(p1 / p0) = w1·x + b1, i.e. softmax parameters [0, w1], [0, b1].
    const adultTruth = { weights: [new Array<number>(F).fill(0), coef.slice(F)], bias: [0, intercepts[1]] };
    const target = await openOnnxScoresTarget(ADULT);
    try {
      expect(target.inputShape).toEqual([F]);
      const r = await equationSolvingExtraction(target, { truth: adultTruth, step: 0.5 });
      expect(r.solveQueries).toBe(F + 1);
      expect(r.linear).toBe(true);
      expect(r.maxParamError!).toBeLessThan(1e-3);
      expect(r.agreement).toBe(1);
    } finally {
      await target.dispose();
    }
  });
});

describe('bulwark extraction (command)', () => {
  let dir: string;
  const io = () => {
    const out = new PassThrough();
    const err = new PassThrough();
    let o = '';
    let e = '';
    out.on('data', (c: Buffer) => (o += c.toString()));
    err.on('data', (c: Buffer) => (e += c.toString()));
    return { io: { stdout: out, stderr: err, env: {}, cwd: dir }, text: () => o, errText: () => e };
  };
  const opts = (o: Partial<ExtractionCommandOptions>): ExtractionCommandOptions => ({
    eval: 'eval.csv',
    surrogate: 'logistic',
    equationSolving: false,
    labelsOnly: false,
    format: 'text',
    ...o,
  });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bw-extraction-'));
    const dg = await digits();
    const header = [...Array.from({ length: 64 }, (_, j) => `p${j}`), 'label'].join(',');
    const csv = (a: number, b: number) =>
      [
        header,
        ...Array.from({ length: b - a }, (_, i) =>
          [...dg.x.slice((a + i) * 64, (a + i + 1) * 64), dg.y[a + i]].join(','),
        ),
      ].join('\n') + '\n';
    await writeFile(path.join(dir, 'transfer.csv'), csv(0, 200));
    await writeFile(path.join(dir, 'eval.csv'), csv(200, dg.n));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('reports a stolen model (exit 1) and writes a bulwark.extraction document', async () => {
    const { io: cio, text } = io();
    const code = await extractionCommand(
      DIGITS_MLP,
      opts({
        data: 'transfer.csv',
        label: 'label',
        budgets: '50,200',
        agreementThreshold: '0.8',
        output: 'out.json',
      }),
      cio,
    );
    expect(code).toBe(1);
    expect(text()).toMatch(/Model extraction: .*digits-mlp\.onnx/);
    const doc = JSON.parse(await readFile(path.join(dir, 'out.json'), 'utf8'));
    expect(doc.kind).toBe('bulwark.extraction');
    expect(doc.version).toBe(1);
    expect(doc.findings[0].ruleId).toBe('BW-EXT-001');
    expect(doc.metrics['agreement@200']).toBeGreaterThan(0.8);
    expect(doc.surrogate.curve).toHaveLength(2);
  });

  it('exits 0 below the threshold; equation solving on a labels-only target is skipped with a message', async () => {
    const { io: cio, text, errText } = io();
    const code = await extractionCommand(
      DIGITS_MLP,
      opts({
        data: 'transfer.csv',
        label: 'label',
        budgets: '20',
        agreementThreshold: '0.999',
        equationSolving: true,
        labelsOnly: true,
        format: 'json',
      }),
      cio,
    );
    expect(code).toBe(0);
    const doc = JSON.parse(text());
    expect(doc.findings).toEqual([]);
    expect(doc.surrogate.access).toBe('labels');
    expect(doc.equationSolving.skipped).toMatch(/labels only/);
    expect(errText()).toMatch(/equation solving skipped/);
  });

  it('recovers the adult logistic regression through its feature spec (equation solving, exit 1)', async () => {
    const { io: cio } = io();
    const sample = path.join(ROOT, 'fixtures/trust/adult-sample.csv');
    const code = await extractionCommand(
      ADULT,
      opts({
        data: sample,
        eval: sample,
        label: 'salary-class',
        budgets: '100',
        equationSolving: true,
        format: 'json',
        output: 'adult.json',
      }),
      cio,
    );
    expect(code).toBe(1);
    const doc = JSON.parse(await readFile(path.join(dir, 'adult.json'), 'utf8'));
    expect(doc.findings.map((f: { ruleId: string }) => f.ruleId)).toContain('BW-EXT-002');
    expect(doc.equationSolving.solveQueries).toBe(94);
    expect(doc.equationSolving.agreement).toBe(1);
    expect(doc.surrogate.targetAccuracy).toBeGreaterThan(0.7);
  });

  it('rejects bad options and mismatched tables with usage errors', async () => {
    const { io: cio } = io();
    await expect(extractionCommand(DIGITS_MLP, opts({ budgets: '10,abc' }), cio)).rejects.toThrow(
      /--budgets must be an integer/,
    );
    await expect(extractionCommand(DIGITS_MLP, opts({ data: 'transfer.csv' }), cio)).rejects.toThrow(
      /gives 65 input features but the model takes 64/,
    );
    await expect(extractionCommand(path.join(dir, 'missing.onnx'), opts({}), cio)).rejects.toThrow(
      UsageError,
    );
  });

  it('the rules are registered with their framework references', () => {
    expect(getRule('BW-EXT-001')?.references?.atlas).toContain('AML.T0024.002');
    expect(getRule('BW-EXT-002')?.references?.owaspMl).toContain('ML05');
  });
});
