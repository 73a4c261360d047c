import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { tableFromColumns, type Cell } from '../../src/trust/data/table.js';
import { fairnessFindings } from '../../src/trust/fairness/findings.js';
import {
  assessFairness,
  consistency,
  defaultFavorable,
  knnFeaturesFromColumns,
  mulberry32,
  sampleRows,
  type KnnFeatures,
} from '../../src/trust/fairness/index.js';

const DOC = {
  y_true: [0, 1, 1, 1, 1, 0, 1, 0, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1],
  y_pred: [0, 0, 1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 0],
  sf: ['b', 'b', 'a', 'b', 'b', 'c', 'c', 'c', 'a', 'a', 'c', 'a', 'b', 'c', 'c', 'b', 'c', 'c'],
};

describe('groups and labels', () => {
  it('builds intersectional groups from several sensitive columns, sorted', () => {
    const r = assessFairness({
      labels: [1, 0, 1, 0, 1, 0],
      predictions: [1, 0, 0, 0, 1, 1],
      sensitive: [
        { name: 'sex', values: ['F', 'M', 'F', 'M', 'F', null] },
        { name: 'race', values: ['B', 'W', 'W', 'W', 'B', 'W'] },
      ],
      minGroupSize: 2,
    });
    expect(r.groups.map((g) => g.group)).toEqual(['(missing)|W', 'F|B', 'F|W', 'M|W']);
    expect(r.groups.find((g) => g.group === 'F|B')).toMatchObject({
      count: 2,
      selection_rate: 1,
      values: { sex: 'F', race: 'B' },
      small: false,
    });
    expect(r.groups.find((g) => g.group === 'F|W')!.small).toBe(true);
    expect(r.warnings.some((w) => w.includes('group F|W has 1 rows'))).toBe(true);
  });

  it('takes the largest label as favorable by default (Fairlearn pos_label=None), or the one given', () => {
    expect(defaultFavorable(['<=50K', '>50K'])).toBe('>50K');
    expect(defaultFavorable([0, 1, 0])).toBe(1);
    expect(defaultFavorable([false, true])).toBe(true);
    const labels = ['y', 'n', 'y', 'n'];
    const r = assessFairness({
      labels,
      predictions: ['y', 'y', 'n', 'n'],
      sensitive: [{ name: 's', values: ['a', 'a', 'b', 'b'] }],
      favorable: 'n',
    });
    expect(r.favorable).toBe('n');
    expect(r.groups.map((g) => g.selection_rate)).toEqual([0, 1]);
  });

  it('matches favorable values across number/string typing', () => {
    const r = assessFairness({
      labels: [1, 0],
      predictions: ['1', '0'],
      sensitive: [{ name: 's', values: ['a', 'b'] }],
      favorable: '1',
    });
    expect(r.overall.accuracy).toBe(1);
  });

  it('rejects missing labels, length mismatches and bad privileged definitions', () => {
    const base = {
      labels: [1, 0],
      predictions: [1, 0],
      sensitive: [{ name: 's', values: ['a', 'b'] as Cell[] }],
    };
    expect(() => assessFairness({ ...base, labels: [1, null] })).toThrow(/label row 2 is empty/);
    expect(() => assessFairness({ ...base, predictions: [1] })).toThrow(UsageError);
    expect(() => assessFairness({ ...base, privileged: { s: ['z'] } })).toThrow(
      /no rows match the privileged group/,
    );
    expect(() => assessFairness({ ...base, privileged: { t: ['a'] } })).toThrow(
      /'t' is not a sensitive column/,
    );
    expect(() => assessFairness({ ...base, weights: [1, -1] })).toThrow(/weight in row 2/);
  });
});

describe('sample weights', () => {
  it('an integer weight equals repeating the row', () => {
    const w = [1, 2, 1, 3, 1, 1, 2, 1, 1, 1, 2, 1, 1, 1, 1, 1, 3, 1];
    const rep = (xs: Cell[]): Cell[] => xs.flatMap((x, i) => Array<Cell>(w[i]!).fill(x));
    const weighted = assessFairness({
      labels: DOC.y_true,
      predictions: DOC.y_pred,
      sensitive: [{ name: 'sf', values: DOC.sf }],
      weights: w,
      privileged: { sf: ['a'] },
    });
    const repeated = assessFairness({
      labels: rep(DOC.y_true),
      predictions: rep(DOC.y_pred),
      sensitive: [{ name: 'sf', values: rep(DOC.sf) }],
      privileged: { sf: ['a'] },
    });
    expect(weighted.weighted).toBe(true);
    for (const k of ['selection_rate', 'tpr', 'fpr'] as const) {
      weighted.groups.forEach((g, i) => expect(g[k]).toBeCloseTo(repeated.groups[i]![k]!, 12));
    }
    expect(weighted.fairlearn.equalized_odds_difference).toEqual(
      repeated.fairlearn.equalized_odds_difference,
    );
    expect(weighted.aif360!.disparate_impact).toBeCloseTo(repeated.aif360!.disparate_impact!, 12);
    // count stays the unweighted row count (Fairlearn's count metric); weight is the weight sum.
    expect(weighted.groups[0]!.count).toBe(4);
    expect(weighted.groups[0]!.weight).toBe(w[2]! + w[8]! + w[9]! + w[11]!);
  });
});

describe('AIF360 privileged / unprivileged', () => {
  it('uses the complement of the privileged rows by default and pools several groups', () => {
    const r = assessFairness({
      labels: DOC.y_true,
      predictions: DOC.y_pred,
      sensitive: [{ name: 'sf', values: DOC.sf }],
      privileged: { sf: ['a'] },
    });
    expect(r.aif360!.unprivileged.groups).toEqual(['b', 'c']);
    expect(r.aif360!.unprivileged.definition).toBe('complement');
    // b and c pooled: 7 of 14 selected.
    expect(r.aif360!.unprivileged.selection_rate).toBeCloseTo(0.5, 12);
    expect(r.aif360!.disparate_impact).toBeCloseTo(0.5 / 0.75, 12);
    expect(r.four_fifths).toEqual({
      ratio: r.aif360!.disparate_impact,
      passes: false,
      basis: 'disparate_impact',
    });
  });
  it('without privileged, the four-fifths rule uses min/max selection rate', () => {
    const r = assessFairness({
      labels: DOC.y_true,
      predictions: DOC.y_pred,
      sensitive: [{ name: 'sf', values: DOC.sf }],
    });
    expect(r.aif360).toBeNull();
    expect(r.four_fifths.basis).toBe('demographic_parity_ratio');
    expect(r.four_fifths.ratio).toBeCloseTo(2 / 3, 12);
  });
});

describe('undefined rates', () => {
  it('leaves a group without favorable labels out of the TPR aggregates and says so', () => {
    const r = assessFairness({
      labels: [1, 0, 1, 0, 0, 0],
      predictions: [1, 1, 0, 0, 1, 0],
      sensitive: [{ name: 's', values: ['a', 'a', 'b', 'b', 'c', 'c'] }],
      favorable: 1,
      minGroupSize: 1,
    });
    const c = r.groups.find((g) => g.group === 'c')!;
    expect(c.tpr).toBeNull();
    expect(r.aggregates.tpr.group_min).toBe(0);
    expect(r.aggregates.tpr.group_max).toBe(1);
    expect(r.warnings.some((w) => w.includes('group c has no favorable labels'))).toBe(true);
    const f = fairnessFindings(r, 'x.csv');
    expect(f.some((x) => x.ruleId === 'BW-FAIR-006' && x.message.includes('group c'))).toBe(true);
  });
});

describe('bootstrap', () => {
  const input = {
    labels: DOC.y_true,
    predictions: DOC.y_pred,
    sensitive: [{ name: 'sf', values: DOC.sf }],
    privileged: { sf: ['a'] },
  };
  it('is reproducible with a seed and brackets the point estimate', () => {
    const a = assessFairness({ ...input, bootstrap: { samples: 300, seed: 42 } });
    const b = assessFairness({ ...input, bootstrap: { samples: 300, seed: 42 } });
    const c = assessFairness({ ...input, bootstrap: { samples: 300, seed: 43 } });
    expect(a.bootstrap).toEqual(b.bootstrap);
    expect(a.bootstrap).not.toEqual(c.bootstrap);
    const ci = a.bootstrap!.intervals.demographic_parity_difference!;
    expect(ci.low).toBeLessThanOrEqual(0.25);
    expect(ci.high).toBeGreaterThanOrEqual(0.25);
    expect(ci.high - ci.low).toBeGreaterThan(0.1);
    expect(a.bootstrap!.intervals['aif360.disparate_impact']).toBeTruthy();
  });
  it('narrows with more data', () => {
    const rep = <T>(xs: T[]): T[] => Array.from({ length: 50 }, () => xs).flat();
    const big = assessFairness({
      labels: rep(DOC.y_true),
      predictions: rep(DOC.y_pred),
      sensitive: [{ name: 'sf', values: rep(DOC.sf) }],
      bootstrap: { samples: 200, seed: 1 },
    });
    const small = assessFairness({ ...input, bootstrap: { samples: 200, seed: 1 } });
    const w = (r: typeof big) =>
      r.bootstrap!.intervals.demographic_parity_difference!.high -
      r.bootstrap!.intervals.demographic_parity_difference!.low;
    expect(w(big)).toBeLessThan(w(small) / 3);
  });
  it('mulberry32 is deterministic and uniform-ish', () => {
    const r = mulberry32(7);
    const xs = Array.from({ length: 10000 }, r);
    expect(mulberry32(7)()).toBe(xs[0]);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
  it('sampleRows picks distinct rows', () => {
    const s = sampleRows(1000, 100, 3);
    expect(new Set(s).size).toBe(100);
    expect(Math.max(...s)).toBeLessThan(1000);
  });
});

/** Naive reference: full distance matrix, stable sort by (distance, index). */
function naiveConsistency(x: number[][], y: number[], k: number): number {
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x.map((row, j) => [row.reduce((s, v, c) => s + (v - x[i]![c]!) ** 2, 0), j] as const);
    d.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const nn = d.slice(0, k).map(([, j]) => y[j]!);
    total += Math.abs(y[i]! - nn.reduce((a, b) => a + b, 0) / k);
  }
  return 1 - total / x.length;
}

describe('consistency (k-NN)', () => {
  it('equals a naive Euclidean k-NN over the one-hot encoding', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 3 }),
            fc.constantFrom('r', 'g', 'b', null),
            fc.integer({ min: 0, max: 1 }),
          ),
          {
            minLength: 6,
            maxLength: 40,
          },
        ),
        (rows) => {
          const t = tableFromColumns({ num: rows.map((r) => r[0]), cat: rows.map((r) => r[1]) });
          const f = knnFeaturesFromColumns(t, ['num', 'cat']);
          const y = Uint8Array.from(rows.map((r) => r[2]));
          // The same features as a dense one-hot matrix.
          const mean = rows.reduce((s, r) => s + r[0], 0) / rows.length;
          const sd = Math.sqrt(rows.reduce((s, r) => s + (r[0] - mean) ** 2, 0) / rows.length) || 1;
          const cats = [...new Set(rows.map((r) => r[1]).filter((c) => c !== null))];
          const dense = rows.map((r) => [(r[0] - mean) / sd, ...cats.map((c) => (r[1] === c ? 1 : 0))]);
          expect(consistency(f, y, 5)).toBeCloseTo(naiveConsistency(dense, [...y], 5), 10);
        },
      ),
      { numRuns: 60, seed: 5 },
    );
  });
  it('is 1 when predictions are constant on well-separated clusters, and counts the point itself', () => {
    const f: KnnFeatures = {
      n: 6,
      numeric: Float64Array.from([0, 0.1, 0.2, 10, 10.1, 10.2]),
      numericCount: 1,
      codes: new Int32Array(0),
      categoricalCount: 0,
    };
    expect(consistency(f, Uint8Array.from([1, 1, 1, 0, 0, 0]), 3)).toBe(1);
    // k = 1: only the point itself.
    expect(consistency(f, Uint8Array.from([1, 0, 1, 0, 1, 0]), 1)).toBe(1);
  });
});

describe('findings', () => {
  const r = assessFairness({
    labels: DOC.y_true,
    predictions: DOC.y_pred,
    sensitive: [{ name: 'sf', values: DOC.sf }],
    privileged: { sf: ['a'] },
    unprivileged: { sf: ['b'] },
  });
  it('maps thresholds to BW-FAIR rules with framework references', () => {
    const f = fairnessFindings(r, 'data.csv');
    const ids = f.map((x) => x.ruleId);
    expect(ids).toContain('BW-FAIR-001'); // DI 0.667 < 0.8
    expect(ids).toContain('BW-FAIR-002'); // DP diff 0.25 > 0.1
    expect(ids).toContain('BW-FAIR-003'); // EO diff 1.0
    expect(ids).toContain('BW-FAIR-005'); // EOpp diff 0.2
    expect(ids.filter((x) => x === 'BW-FAIR-004').length).toBe(3); // every group < 30 rows
    const di = f.find((x) => x.ruleId === 'BW-FAIR-001')!;
    expect(di.severity).toBe('high');
    expect(di.location.file).toBe('data.csv');
    expect(di.evidence).toMatchObject({
      value: r.aif360!.disparate_impact,
      threshold: 0.8,
      basis: 'disparate_impact',
    });
    expect(di.references).toMatchObject({
      euAiAct: ['Art. 10'],
      nistAiRmf: ['MEASURE 2.11'],
      iso42001: ['A.5.4', 'A.7.4'],
    });
  });
  it('respects custom thresholds', () => {
    const f = fairnessFindings(r, 'data.csv', {
      disparateImpact: 0.6,
      demographicParity: 0.3,
      equalizedOdds: 1,
      equalOpportunity: 0.5,
    });
    expect(f.map((x) => x.ruleId).filter((x) => x !== 'BW-FAIR-004')).toEqual([]);
  });
  it('lowers confidence when the bootstrap interval straddles the threshold', () => {
    const rb = assessFairness({
      labels: DOC.y_true,
      predictions: DOC.y_pred,
      sensitive: [{ name: 'sf', values: DOC.sf }],
      bootstrap: { samples: 200, seed: 9 },
    });
    const dp = fairnessFindings(rb, 'd.csv').find((x) => x.ruleId === 'BW-FAIR-002')!;
    const ci = rb.bootstrap!.intervals.demographic_parity_difference!;
    expect(dp.confidence).toBe(ci.low <= 0.1 ? 'low' : 'high');
    expect(dp.evidence!.interval).toEqual(ci);
  });
});
