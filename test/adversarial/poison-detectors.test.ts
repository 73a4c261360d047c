/**
 * Poisoning detectors on deliberately poisoned versions of real data: label flips on UCI Adult (read in place from
 * ../shared), a pixel-pattern backdoor on sklearn's 8×8 digits (fixtures/adversarial/poison, made by
 * scripts/gen-poison-fixtures.py). Precision/recall thresholds are the measured values with a margin
 * (docs/poisoning.md lists the measurements).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/core/random.js';
import {
  activationClustering,
  bimodality,
  duplicateConflicts,
  knnIndices,
  spectralSignatures,
} from '../../src/adversarial/poison/detectors.js';
import { gram, kmeans, standardize, topEigen, type Matrix } from '../../src/adversarial/poison/linalg.js';
import { analysePoison, datasetFromTable, detectPoison } from '../../src/adversarial/poison/poison.js';
import { tableFromColumns, type Cell } from '../../src/trust/data/table.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ADULT = path.resolve(ROOT, '..', 'shared', 'data', 'adult', 'data', 'adult.csv');
const FIX = path.join(ROOT, 'fixtures', 'adversarial', 'poison');
const EDUCATION = [
  'Preschool',
  '1st-4th',
  '5th-6th',
  '7th-8th',
  '9th',
  '10th',
  '11th',
  '12th',
  'HS-grad',
  'Some-college',
  'Assoc-voc',
  'Assoc-acdm',
  'Bachelors',
  'Masters',
  'Prof-school',
  'Doctorate',
];

function precisionRecall(flagged: number[], truth: Set<number>) {
  const tp = flagged.filter((i) => truth.has(i)).length;
  return {
    flagged: flagged.length,
    tp,
    precision: flagged.length ? tp / flagged.length : 0,
    recall: tp / truth.size,
  };
}

/**
 * A seeded sample of Adult, encoded: age (numeric), education (ordinal), sex and married (binary), occupation and
 * workclass (one-hot). Label: salary-class.
 */
async function adultSample(n: number, seed: number) {
  const lines = (await readFile(ADULT, 'utf8')).trim().split(/\r?\n/);
  const head = (lines[0] as string).split(';');
  const rows = lines.slice(1).map((l) => l.split(';'));
  const rnd = mulberry32(seed);
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [rows[i], rows[j]] = [rows[j] as string[], rows[i] as string[]];
  }
  const sample = rows.slice(0, n);
  const at = (r: string[], c: string) => r[head.indexOf(c)] as string;
  const occupations = [...new Set(rows.map((r) => at(r, 'occupation')))].sort();
  const workclasses = [...new Set(rows.map((r) => at(r, 'workclass')))].sort();
  const cols: Record<string, Cell[]> = { age: [], education: [], male: [], married: [], label: [] };
  for (const o of occupations) cols[`occ_${o}`] = [];
  for (const w of workclasses) cols[`wc_${w}`] = [];
  for (const r of sample) {
    cols.age?.push(Number(at(r, 'age')));
    cols.education?.push(EDUCATION.indexOf(at(r, 'education')));
    cols.male?.push(at(r, 'sex') === 'Male' ? 1 : 0);
    cols.married?.push(/^Married-(civ|AF)/.test(at(r, 'marital-status')) ? 1 : 0);
    for (const o of occupations) cols[`occ_${o}`]?.push(at(r, 'occupation') === o ? 1 : 0);
    for (const w of workclasses) cols[`wc_${w}`]?.push(at(r, 'workclass') === w ? 1 : 0);
    cols.label?.push(at(r, 'salary-class'));
  }
  return cols;
}

describe('linear algebra', () => {
  it('topEigen recovers the eigenvectors of a known symmetric matrix', () => {
    // Q diag(9, 4, 1) Qᵀ with Q a rotation in the (x, y) plane
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    const q = [c, -s, 0, s, c, 0, 0, 0, 1];
    const lam = [9, 4, 1];
    const a = new Float64Array(9);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++)
        for (let t = 0; t < 3; t++)
          a[i * 3 + j] = (a[i * 3 + j] as number) + q[i * 3 + t]! * lam[t]! * q[j * 3 + t]!;
    const e = topEigen(a, 3, 2);
    expect(e.values[0]).toBeCloseTo(9, 8);
    expect(e.values[1]).toBeCloseTo(4, 8);
    // first eigenvector = first column of Q (up to sign, fixed so the largest component is positive)
    expect(Math.abs(e.vectors[0]!)).toBeCloseTo(c, 6);
    expect(Math.abs(e.vectors[1]!)).toBeCloseTo(s, 6);
    expect(e.vectors[2]).toBeCloseTo(0, 6);
  });

  it('kmeans splits two separated blobs exactly; bimodality separates them and not a unimodal sample', () => {
    const rnd = mulberry32(3);
    const n = 200;
    const data = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) {
      const off = i < 40 ? 10 : 0;
      data[i * 2] = off + rnd();
      data[i * 2 + 1] = rnd();
    }
    const km = kmeans({ data, n, d: 2 }, 2, 1);
    const first = km.labels[0];
    for (let i = 0; i < n; i++) expect(km.labels[i] === first).toBe(i < 40);
    expect(bimodality(Array.from({ length: n }, (_, i) => data[i * 2]!)).separation).toBeGreaterThan(10);
    const gauss = Array.from({ length: 400 }, () => {
      let s = 0;
      for (let t = 0; t < 12; t++) s += rnd();
      return s - 6;
    });
    expect(bimodality(gauss).separation).toBeLessThan(3.5);
  });

  it('k-NN is exact: matches a naive sort on random data', () => {
    const rnd = mulberry32(9);
    const n = 300;
    const d = 4;
    const m: Matrix = { data: Float64Array.from({ length: n * d }, () => Math.round(rnd() * 5)), n, d };
    const k = 5;
    const nn = knnIndices(m, k);
    for (const i of [0, 17, 150, 299]) {
      const dist = (j: number) => {
        let s = 0;
        for (let t = 0; t < d; t++) s += (m.data[i * d + t]! - m.data[j * d + t]!) ** 2;
        return s;
      };
      const naive = [...Array(n).keys()].filter((j) => j !== i).sort((a, b) => dist(a) - dist(b) || a - b);
      expect(Array.from(nn.subarray(i * k, i * k + k))).toEqual(naive.slice(0, k));
    }
  });

  it('gram is XᵀX', () => {
    const g = gram({ data: Float64Array.from([1, 2, 3, 4, 5, 6]), n: 3, d: 2 });
    expect(Array.from(g)).toEqual([35, 44, 44, 56]);
  });
});

describe('label flips on UCI Adult (k-NN disagreement)', () => {
  const N = 8000;
  let cols: Record<string, Cell[]>;
  beforeAll(async () => {
    cols = await adultSample(N, 1);
  });

  it('clean Adult: few label-noise suspects (natural noise bounded)', () => {
    const ds = datasetFromTable(tableFromColumns(cols), { label: 'label', file: 'adult' });
    expect(ds.featureNames).toHaveLength(4 + 14 + 7);
    const r = analysePoison(ds, { checks: ['knn'] });
    const knn = r.detectors[0]!;
    console.log(`clean Adult k-NN suspects: ${knn.suspects} of ${N} (${knn.share})`);
    expect(knn.share).toBeLessThan(0.08);
    expect(knn.triggered).toBe(false);
  });

  it('5% labels flipped among young rows: k-NN finds most of them', () => {
    const rnd = mulberry32(5);
    const labels = cols.label as string[];
    const ages = cols.age as number[];
    const candidates = [...Array(N).keys()].filter((i) => ages[i]! < 30 && labels[i] === '<=50K');
    for (let i = candidates.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [candidates[i], candidates[j]] = [candidates[j]!, candidates[i]!];
    }
    const flips = new Set(candidates.slice(0, Math.round(0.05 * N)));
    const poisoned = { ...cols, label: labels.map((l, i) => (flips.has(i) ? '>50K' : l)) };
    const r = analysePoison(datasetFromTable(tableFromColumns(poisoned), { label: 'label' }), {
      checks: ['knn'],
    });
    const flagged = r.suspects.map((s) => s.row);
    const pr = precisionRecall(flagged, flips);
    console.log(
      `Adult 5% flips: precision ${pr.precision.toFixed(3)} recall ${pr.recall.toFixed(3)} (${pr.tp}/${pr.flagged})`,
    );
    expect(pr.recall).toBeGreaterThanOrEqual(0.65);
    expect(pr.precision).toBeGreaterThanOrEqual(0.3); // 6× the flip rate
    // the reported top suspects (score 1: no neighbour agrees) carry the neighbours' majority label
    const top = r.detectors[0]!.top;
    expect(top).toHaveLength(20);
    expect(top.every((s) => s.score === 1 && s.majority !== s.label)).toBe(true);
    expect(top.filter((s) => flips.has(s.row)).length).toBeGreaterThanOrEqual(5);
    // 10.2% suspects against 7.2% on the clean sample: above the default 10% trigger (a thin margin: see the docs)
    expect(r.detectors[0]!.triggered).toBe(true);
    expect(r.findings.map((f) => [f.ruleId, f.severity])).toEqual([['BW-POISON-001', 'high']]);
  });
});

describe('duplicates with conflicting labels', () => {
  it('finds exactly the crafted exact and near conflicts', () => {
    const rnd = mulberry32(11);
    const n = 200;
    const x: number[] = [];
    const y: number[] = [];
    const label: string[] = [];
    for (let i = 0; i < n; i++) {
      x.push(Math.round(rnd() * 1e6) / 1e3);
      y.push(Math.round(rnd() * 1e6) / 1e3);
      label.push(rnd() < 0.5 ? 'a' : 'b');
    }
    // exact copy with the other label: rows 200 (of 5) and 201 (of 6); exact copy with the same label: 202 (of 7)
    const add = (xv: number, yv: number, l: string) => {
      x.push(xv);
      y.push(yv);
      label.push(l);
    };
    const other = (l: string) => (l === 'a' ? 'b' : 'a');
    add(x[5]!, y[5]!, other(label[5]!));
    add(x[6]!, y[6]!, other(label[6]!));
    add(x[7]!, y[7]!, label[7]!);
    // near copy (1e-6 apart) with the other label: 203 (of 8)
    add(x[8]! + 1e-6, y[8]!, other(label[8]!));
    const std = standardize({ data: Float64Array.from(x.flatMap((v, i) => [v, y[i]!])), n: x.length, d: 2 });
    const raw = { data: Float64Array.from(x.flatMap((v, i) => [v, y[i]!])), n: x.length, d: 2 };
    const codes = Int32Array.from(label, (l) => (l === 'a' ? 0 : 1));
    const r = duplicateConflicts(raw, std, codes, 0.001);
    expect(r.exactGroups).toBe(3);
    expect(r.conflicting.map((g) => [g.kind, g.rows])).toEqual([
      ['exact', [5, 200]],
      ['exact', [6, 201]],
      ['near', [8, 203]],
    ]);
    expect(r.flagged).toEqual([5, 6, 8, 200, 201, 203]);
    // tolerance 0: exact only
    expect(duplicateConflicts(raw, std, codes, 0).flagged).toEqual([5, 6, 200, 201]);
  });
});

async function digits(file: string) {
  return detectPoison({
    data: path.join(FIX, file),
    label: 'label',
    embeddingPrefix: 'e',
    checks: ['spectral', 'clustering'],
    expectedPoison: 0.2,
  });
}

async function poisonTruth(file: string): Promise<Set<number>> {
  const lines = (await readFile(path.join(FIX, file), 'utf8')).trim().split('\n').slice(1);
  const out = new Set<number>();
  lines.forEach((l, i) => {
    if (l.split(',')[2] === '1') out.add(i);
  });
  return out;
}

describe('pixel-pattern backdoor on 8×8 digits (penultimate activations)', () => {
  it('spectral signatures and activation clustering find the poisoned rows of the target class', async () => {
    const stats = JSON.parse(await readFile(path.join(FIX, 'digits-stats.json'), 'utf8'));
    expect(stats.poisoned.attack_success_rate).toBeGreaterThan(0.9); // the backdoor works
    const truth = await poisonTruth('digits-poisoned-activations.csv');
    expect(truth.size).toBe(stats.poisoned_rows);
    const r = await digits('digits-poisoned-activations.csv');
    expect(r.data.embeddingDims).toBe(32);
    const rows = (check: string) => r.suspects.filter((s) => s.check === check).map((s) => s.row);
    const spec = precisionRecall(rows('spectral'), truth);
    const clus = precisionRecall(rows('clustering'), truth);
    console.log(
      `digits backdoor spectral: P ${spec.precision.toFixed(3)} R ${spec.recall.toFixed(3)} (${spec.tp}/${spec.flagged})`,
    );
    console.log(
      `digits backdoor clustering: P ${clus.precision.toFixed(3)} R ${clus.recall.toFixed(3)} (${clus.tp}/${clus.flagged})`,
    );
    const specDet = r.detectors.find((d) => d.check === 'spectral')!;
    expect(specDet.triggered).toBe(true);
    const specClasses = (specDet.stats.classes as Array<{ label: string; suspicious: boolean }>).filter(
      (c) => c.suspicious,
    );
    expect(specClasses.map((c) => c.label)).toEqual(['6']);
    expect(spec.recall).toBeGreaterThanOrEqual(0.9);
    expect(spec.precision).toBeGreaterThanOrEqual(0.7);
    expect(clus.recall).toBeGreaterThanOrEqual(0.9);
    expect(clus.precision).toBeGreaterThanOrEqual(0.5);
    expect(r.findings.map((f) => f.ruleId).sort()).toEqual(['BW-POISON-004', 'BW-POISON-005']);
  });

  it('clean digits: few false alarms', async () => {
    const r = await digits('digits-clean-activations.csv');
    const spec = r.detectors.find((d) => d.check === 'spectral')!;
    const clus = r.detectors.find((d) => d.check === 'clustering')!;
    console.log(
      `clean digits: spectral ${spec.suspects} flagged, clustering ${clus.suspects} flagged of ${r.data.rows}`,
    );
    expect(spec.triggered).toBe(false);
    expect(spec.suspects).toBe(0);
    expect(clus.share).toBeLessThanOrEqual(0.03);
  });

  it("ART's removal set is the top 1.5·ε of every class", async () => {
    const lines = (await readFile(path.join(FIX, 'digits-clean-activations.csv'), 'utf8'))
      .trim()
      .split('\n')
      .slice(1);
    const n = lines.length;
    const data = new Float64Array(n * 32);
    const labels = new Int32Array(n);
    lines.forEach((l, i) => {
      const p = l.split(',').map(Number);
      labels[i] = p[0]!;
      data.set(p.slice(3), i * 32);
    });
    const r = spectralSignatures({ data, n, d: 32 }, labels, 10, 0.1);
    for (const c of r.classes) expect(c.flagged).toBe(Math.ceil(c.rows * 0.15) > 0 ? c.flagged : 0);
    const share = r.removalSet.length / n;
    expect(share).toBeGreaterThan(0.14);
    expect(share).toBeLessThan(0.17);
    const a = activationClustering({ data, n, d: 32 }, labels, 10);
    expect(a.classes).toHaveLength(10);
    for (const c of a.classes) expect(c.minorShare).toBeLessThanOrEqual(0.5);
  });
});
