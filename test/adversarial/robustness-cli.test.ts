import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit } from '../../src/audit/audit.js';
import { readRobustnessData } from '../../src/adversarial/robustness/data.js';
import type { RobustnessResult } from '../../src/adversarial/robustness/record.js';
import { loadOnnxTarget } from '../../src/adversarial/robustness/targets/index.js';
import { ensureBuilt, ROOT, runCli } from '../cli/helpers.js';

const FIX = path.join(ROOT, 'fixtures', 'adversarial');
const MLP = path.join(FIX, 'digits-mlp.onnx');
const DATA = path.join(FIX, 'digits.json');
let dir: string;

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(path.join(os.tmpdir(), 'bulwark-rob-'));
}, 240_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('bulwark robustness', () => {
  it('fails (exit 1) when PGD drives robust accuracy below the threshold; writes a RobustBench-style JSON result', async () => {
    const out = path.join(dir, 'rob.json');
    const r = await runCli([
      'robustness',
      MLP,
      '--data',
      DATA,
      '--attacks',
      'fgsm,pgd',
      '--eps',
      '0.05,0.15',
      '--samples',
      '120',
      '--format',
      'json',
      '-o',
      out,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/pgd\s+Linf\s+0\.15\s+0\.\d{3}/);
    expect(r.stdout).toContain('BW-ROB-001');
    const res = JSON.parse(await readFile(out, 'utf8')) as RobustnessResult;
    expect(res.kind).toBe('bulwark.robustness');
    expect(res.version).toBe(1);
    expect(res.target.access).toBe('gradients');
    expect(res.metrics.n_examples).toBe(120);
    expect(res.metrics.clean_accuracy).toBeGreaterThan(0.95);
    const pgd15 = res.metrics.evaluations['pgd_Linf_0.15']!;
    expect(pgd15.robust_accuracy).toBeLessThan(0.15);
    expect(res.metrics.evaluations['pgd_Linf_0.05']!.robust_accuracy).toBeGreaterThan(pgd15.robust_accuracy);
    expect(res.robustbench).toContainEqual(
      expect.objectContaining({
        model: 'digits-mlp.onnx',
        dataset: 'digits.json',
        threat_model: 'Linf',
        eps: '0.15',
        attack: 'pgd',
        n_examples: 120,
        additional_data: false,
      }),
    );
    expect(res.findings.some((f) => f.ruleId === 'BW-ROB-001' && f.severity === 'high')).toBe(true);

    // The audit imports it as the `robustness` check of the adversarial pillar, with its numbers as measurements.
    const { evidence } = await audit(MLP, { evidence: [out], bom: false });
    const check = evidence.checks.find((c) => c.id === 'robustness')!;
    expect(check.pillar).toBe('adversarial');
    expect(check.status).toBe('fail');
    expect(check.measurements).toContainEqual({
      name: 'evaluations.pgd_Linf_0.15.robust_accuracy',
      value: pgd15.robust_accuracy,
    });
  }, 120_000);

  it('passes (exit 0) below a threshold of 0, reads CSV with --label, and is reproducible from --seed', async () => {
    const d = await readRobustnessData(DATA, { inputSize: 64, nbClasses: 10, maxRows: 40 });
    const header = [...Array(64).keys()].map((j) => `p${j}`).concat('digit');
    const lines = [header.join(',')];
    for (let i = 0; i < d.n; i++) lines.push([...d.x.subarray(i * 64, i * 64 + 64)].join(',') + `,${d.y[i]}`);
    const csv = path.join(dir, 'digits.csv');
    await writeFile(csv, `${lines.join('\n')}\n`);
    const args = [
      'robustness',
      MLP,
      '--data',
      csv,
      '--label',
      'digit',
      '--attacks',
      'square',
      '--eps',
      '0.1',
      '--threshold',
      '0',
      '--seed',
      '7',
      '--format',
      'json',
    ];
    const a = await runCli(args);
    const b = await runCli(args);
    expect(a.code).toBe(0);
    const ra = JSON.parse(a.stdout) as RobustnessResult;
    const rb = JSON.parse(b.stdout) as RobustnessResult;
    expect(ra.metrics.n_examples).toBe(40);
    expect(ra.metrics.evaluations).toEqual(rb.metrics.evaluations);
    expect(ra.config.seed).toBe(7);
  }, 120_000);

  it('exits 2 when the query budget leaves the evaluation inconclusive', async () => {
    const r = await runCli([
      'robustness',
      MLP,
      '--data',
      DATA,
      '--attacks',
      'square',
      '--eps',
      '0.03',
      '--samples',
      '60',
      '--max-queries',
      '2',
      '--threshold',
      '0',
    ]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('BW-ROB-003');
    expect(r.stdout).toContain('INCONCLUSIVE');
  }, 60_000);

  it('refuses an attack the access does not allow, and bad options, with exit 3', async () => {
    const r = await runCli(['robustness', MLP, '--data', DATA, '--access', 'scores', '--attacks', 'pgd']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /^bulwark: error: attack pgd needs gradients but target digits-mlp\.onnx gives only labels, scores;/,
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect((await runCli(['robustness', MLP, '--data', DATA, '--attacks', 'deepfool'])).code).toBe(3);
    expect((await runCli(['robustness', MLP, '--data', DATA, '--eps', '-1'])).code).toBe(3);
    expect((await runCli(['robustness', MLP])).code).toBe(3);
    expect(
      (await runCli(['robustness', MLP, '--data', DATA, '--attacks', 'square', '--norm', '2'])).code,
    ).toBe(3);
  }, 60_000);

  it('exits 2 on unreadable data', async () => {
    const bad = path.join(dir, 'bad.json');
    await writeFile(bad, '{"x": [[1, 2]], "y": [0]}');
    const r = await runCli(['robustness', MLP, '--data', bad, '--attacks', 'square']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/row 1 has 2 values; the model takes 64/);
  }, 60_000);

  describe('--target http', () => {
    let server: Server;
    let url: string;
    let requests = 0;
    beforeAll(async () => {
      const ort = await loadOnnxTarget(MLP, { differentiable: false });
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          requests++;
          void (async () => {
            const rows = (JSON.parse(body) as { inputs: number[][] }).inputs;
            const scores = await ort.predict!({ data: Float32Array.from(rows.flat()), n: rows.length });
            const out = rows.map((_, i) => [...scores.subarray(i * 10, i * 10 + 10)]);
            res.setHeader('content-type', 'application/json');
            res.end(JSON.stringify({ predictions: out }));
          })();
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/predict`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it('attacks a remote scores endpoint with Square (batched requests)', async () => {
      const r = await runCli([
        'robustness',
        '--target',
        'http',
        '--url',
        url,
        '--input-shape',
        '64',
        '--classes',
        '10',
        '--data',
        DATA,
        '--samples',
        '30',
        '--attacks',
        'square',
        '--eps',
        '0.2',
        '--format',
        'json',
      ]);
      expect(r.stderr).toBe('');
      const res = JSON.parse(r.stdout) as RobustnessResult;
      expect(res.target.access).toBe('scores');
      expect(res.metrics.evaluations['square_Linf_0.2']!.attack_success_rate).toBeGreaterThan(0.7);
      const queries = res.metrics.evaluations['square_Linf_0.2']!.queries_total;
      expect(requests).toBeGreaterThan(1);
      expect(requests).toBeLessThan(queries / 5);
      expect([0, 1]).toContain(r.code);
    }, 120_000);
  });
});
