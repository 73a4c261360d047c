import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTable } from '../../src/trust/data/table.js';
import { assessFairness, type FairnessResult } from '../../src/trust/fairness/index.js';

/**
 * Every value in ../shared/vectors/fairness/reference-values.json, asserted within the file's tolerance. The test
 * walks the file: a key this resolver does not know fails the test, so no entry is silently left out.
 */
const ROOT = path.resolve(__dirname, '../..');
const VECTORS = path.resolve(ROOT, '..', 'shared', 'vectors', 'fairness', 'reference-values.json');
const ADULT = path.resolve(ROOT, '..', 'shared', 'data', 'adult', 'data', 'adult.csv');

interface DocCase {
  name: string;
  y_true: number[];
  y_pred: number[];
  sensitive: string[];
  upstream: Record<string, unknown>;
  derived: Record<string, unknown>;
}
interface UnitEntry {
  y_true: number[];
  y_pred: number[];
  sample_weight?: number[];
  selection_rate: number;
}

const ref = JSON.parse(readFileSync(VECTORS, 'utf8')) as {
  cases: Array<DocCase | { name: string; upstream: UnitEntry[] }>;
  tolerance: number;
};
const TOL = ref.tolerance;

function run(c: DocCase, extra: Partial<Parameters<typeof assessFairness>[0]> = {}): FairnessResult {
  return assessFairness({
    labels: c.y_true,
    predictions: c.y_pred,
    sensitive: [{ name: 'sf', values: c.sensitive }],
    favorable: 1,
    minGroupSize: 1,
    ...extra,
  });
}

const FRAME_KEYS: Record<
  string,
  'difference_between_groups' | 'ratio_between_groups' | 'difference_to_overall' | 'ratio_to_overall'
> = {
  metricframe_difference_between_groups: 'difference_between_groups',
  metricframe_ratio_between_groups: 'ratio_between_groups',
  metricframe_difference_to_overall: 'difference_to_overall',
  metricframe_ratio_to_overall: 'ratio_to_overall',
};

/** Flattens a section of the vector file into [path, expected] pairs and the computed value of each. */
function resolve(
  c: DocCase,
  r: FairnessResult,
  section: string,
  key: string,
  sub?: string,
): number | null | undefined {
  const fl = r.fairlearn;
  if (key in FRAME_KEYS && sub) {
    return r.aggregates[sub as 'tpr' | 'fpr' | 'selection_rate' | 'count'][FRAME_KEYS[key]!];
  }
  if (key.startsWith('by_group_') && sub) {
    const m = key.slice('by_group_'.length) as 'selection_rate' | 'tpr' | 'fpr' | 'count';
    if (sub === 'overall') return m === 'count' ? r.overall.count : r.overall[m];
    const g = r.groups.find((x) => x.group === sub);
    return g ? (m === 'count' ? g.count : g[m]) : undefined;
  }
  if (key.startsWith('aif360_style_') && sub) {
    const m = /^aif360_style_unprivileged_(\w+)_privileged_(\w+)$/.exec(key);
    if (!m) return undefined;
    const aif = run(c, { privileged: { sf: [m[2]!] }, unprivileged: { sf: [m[1]!] } }).aif360!;
    return (aif as unknown as Record<string, number | null>)[sub];
  }
  switch (key) {
    case 'demographic_parity_difference':
      return fl.demographic_parity_difference.between_groups;
    case 'demographic_parity_ratio':
      return fl.demographic_parity_ratio.between_groups;
    case 'equalized_odds_difference':
      return fl.equalized_odds_difference.between_groups.worst_case;
    case 'equalized_odds_ratio':
      return fl.equalized_odds_ratio.between_groups.worst_case;
    case 'equal_opportunity_difference':
      return fl.equal_opportunity_difference.between_groups;
    case 'equal_opportunity_ratio':
      return fl.equal_opportunity_ratio.between_groups;
    case 'equalized_odds_difference_mean':
      return fl.equalized_odds_difference.between_groups.mean;
    case 'equalized_odds_ratio_mean':
      return fl.equalized_odds_ratio.between_groups.mean;
    case 'theil_index_whole_vector':
      return r.inequality.theil_index;
    case 'generalized_entropy_index_alpha2_whole_vector':
      return r.inequality.generalized_entropy_index.find((g) => g.alpha === 2)?.value;
    default:
      void section;
      return undefined;
  }
}

function entries(c: DocCase): Array<[string, string, string | undefined, number]> {
  const out: Array<[string, string, string | undefined, number]> = [];
  for (const section of ['upstream', 'derived'] as const) {
    for (const [k, v] of Object.entries(c[section])) {
      if (typeof v === 'number') out.push([section, k, undefined, v]);
      else for (const [sub, x] of Object.entries(v as Record<string, number>)) out.push([section, k, sub, x]);
    }
  }
  return out;
}

describe('reference-values.json (Fairlearn / AIF360 vectors)', () => {
  let asserted = 0;
  for (const c of ref.cases) {
    if ('y_true' in c) {
      const list = entries(c);
      it.each(list.map((e) => [`${e[0]}.${e[1]}${e[2] ? `.${e[2]}` : ''}`, ...e] as const))(
        `${c.name}: %s`,
        (_label, section, key, sub, expected) => {
          const got = resolve(c, run(c), section, key, sub);
          expect(got, `no mapping or no value for ${section}.${key}.${sub ?? ''}`).toBeTypeOf('number');
          expect(
            Math.abs((got as number) - expected),
            `${key}.${sub ?? ''}: got ${got}, want ${expected}`,
          ).toBeLessThanOrEqual(TOL);
          asserted++;
        },
      );
    } else {
      it.each(c.upstream.map((e, i) => [i, e] as const))(`${c.name}: entry %d`, (_i, e) => {
        const r = assessFairness({
          labels: e.y_true,
          predictions: e.y_pred,
          sensitive: [{ name: 'all', values: e.y_true.map(() => 'x') }],
          favorable: 1,
          weights: e.sample_weight,
          minGroupSize: 1,
        });
        expect(Math.abs((r.overall.selection_rate as number) - e.selection_rate)).toBeLessThanOrEqual(TOL);
        asserted++;
      });
    }
  }
  it('asserted every entry of the file (runs last)', () => {
    let total = 0;
    for (const c of ref.cases) total += 'y_true' in c ? entries(c).length : c.upstream.length;
    expect(total).toBeGreaterThanOrEqual(40);
    expect(asserted).toBe(total);
  });
});

describe('AIF360 unit-test vectors (research/grc_trust.md §4.3 C)', () => {
  const yTrue = [1, 0, 0, 1, 0, 0, 1, 0, 1, 1];
  const feat = [0, 0, 1, 1, 1, 1, 2, 2, 2, 2];
  const yPred = [1, 0, 0, 0, 1, 1, 1, 0, 1, 0];
  const r = assessFairness({
    labels: yTrue,
    predictions: yPred,
    sensitive: [{ name: 'feat', values: feat }],
    favorable: 1,
    minGroupSize: 1,
    geiAlphas: [2],
  });
  it('generalized entropy index (α=2) = 0.2 and Theil = 4·ln2/10', () => {
    expect(r.inequality.generalized_entropy_index[0]!.value).toBeCloseTo(0.2, 12);
    expect(r.inequality.theil_index).toBeCloseTo((4 * Math.LN2) / 10, 12);
  });
  it('between-all-groups GEI = 0.025', () => {
    expect(r.inequality.between_group_generalized_entropy_index).toBeCloseTo(0.025, 12);
  });
  it('second prediction vector gives GEI 0.3', () => {
    const r2 = assessFairness({
      labels: yTrue,
      predictions: [0, 1, 1, 0, 0, 0, 0, 1, 1, 1],
      sensitive: [{ name: 'feat', values: feat }],
      favorable: 1,
      minGroupSize: 1,
    });
    expect(r2.inequality.generalized_entropy_index[0]!.value).toBeCloseTo(0.3, 12);
  });
});

describe('UCI Adult (ARX copy) base rates (research/grc_trust.md §4.3 E)', () => {
  it('base rate of >50K by sex, DI(F/M) and SPD', async () => {
    const t = await readTable(ADULT, { columns: ['sex', 'salary-class'] });
    expect(t.rowCount).toBe(30162);
    const labels = t.column('salary-class');
    const r = assessFairness({
      labels,
      predictions: labels,
      sensitive: [{ name: 'sex', values: t.column('sex') }],
      favorable: '>50K',
      privileged: { sex: ['Male'] },
    });
    const g = Object.fromEntries(r.groups.map((x) => [x.group, x]));
    expect(g.Female!.base_rate).toBeCloseTo(0.113678, 6);
    expect(g.Male!.base_rate).toBeCloseTo(0.313837, 6);
    expect(r.aif360!.base_rate_disparate_impact).toBeCloseTo(0.36222, 6);
    expect(r.aif360!.base_rate_difference).toBeCloseTo(-0.200159, 6);
    // With predictions equal to the labels the classification DI equals the base-rate DI.
    expect(r.aif360!.disparate_impact).toBeCloseTo(0.36222, 6);
    expect(r.four_fifths).toMatchObject({ basis: 'disparate_impact', passes: false });
  });
});
