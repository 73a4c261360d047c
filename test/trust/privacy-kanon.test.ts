import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ParseError, UsageError } from '../../src/core/errors.js';
import { readTable, type Table } from '../../src/trust/data/table.js';
import { kAnonymity, parseHierarchy, tableFromRows, type Hierarchy } from '../../src/trust/privacy/kanon.js';
import { ROOT } from '../cli/helpers.js';

/** ARX's Adult sample, read in place from the shared folder. */
const ADULT = path.resolve(ROOT, '..', 'shared', 'data', 'adult', 'data');
const hasAdult = existsSync(path.join(ADULT, 'adult.csv'));

function hier(name: string): Hierarchy {
  return parseHierarchy(readFileSync(path.join(ADULT, `adult_hierarchy_${name}.csv`), 'utf8'), { name });
}

describe('ARX hierarchies', () => {
  it('parses value;level1;…;* rows', () => {
    const h = parseHierarchy('34;30-39;*\n45;40-49;*\n66;60-69;*\n');
    expect(h.height).toBe(3);
    expect(h.map.get('45')).toEqual(['45', '40-49', '*']);
  });

  it('rejects ragged rows and duplicates', () => {
    expect(() => parseHierarchy('a;*\nb;x;*\n')).toThrow(ParseError);
    expect(() => parseHierarchy('a;*\na;*\n')).toThrow(ParseError);
    expect(() => parseHierarchy('\n')).toThrow(ParseError);
  });
});

describe('k-anonymity, ℓ-diversity, t-closeness on a hand-checked table', () => {
  // ARX data/test.csv (age;gender;zipcode) with a small hand-written hierarchy.
  const rows = [
    { age: '34', gender: 'male', zip: '81667', disease: 'flu' },
    { age: '45', gender: 'female', zip: '81675', disease: 'cancer' },
    { age: '66', gender: 'male', zip: '81925', disease: 'flu' },
    { age: '70', gender: 'female', zip: '81931', disease: 'flu' },
    { age: '34', gender: 'female', zip: '81931', disease: 'cold' },
    { age: '70', gender: 'male', zip: '81931', disease: 'flu' },
    { age: '45', gender: 'male', zip: '81931', disease: 'cold' },
  ];
  const age = parseHierarchy('34;<50;*\n45;<50;*\n66;>=50;*\n70;>=50;*\n');
  const t = tableFromRows(rows);

  it('level 0: every record is its own class', () => {
    const r = kAnonymity(t, [{ column: 'age' }, { column: 'gender' }], { k: 2 });
    expect(r).toMatchObject({
      rows: 7,
      classes: 7,
      k: 1,
      singletons: 7,
      violatingClasses: 7,
      violatingRecords: 7,
    });
    expect(r.risk).toMatchObject({ highest: 1, average: 1, recordsAtRisk: 7 });
    // Without the gender, age alone: 34 ×2, 45 ×2, 66 ×1, 70 ×2.
    const a = kAnonymity(t, [{ column: 'age' }], { k: 2 });
    expect(a).toMatchObject({ classes: 4, k: 1, singletons: 1, violatingClasses: 1, violatingRecords: 1 });
    expect(a.violations).toEqual([{ values: ['66'], size: 1 }]);
  });

  it('generalised: k, ℓ and t by hand', () => {
    const r = kAnonymity(t, [{ column: 'age', hierarchy: age, level: 1 }], { k: 3, sensitive: 'disease' });
    // Classes: <50 → {flu, cancer, cold, cold} (4), >=50 → {flu, flu, flu} (3).
    expect(r).toMatchObject({ classes: 2, k: 3, singletons: 0, violatingClasses: 0 });
    expect(r.sensitive).toMatchObject({ distinctL: 1, tDistance: 'equal', lViolatingClasses: 1 });
    // Entropy ℓ of the >=50 class is exp(0) = 1.
    expect(r.sensitive!.entropyL).toBeCloseTo(1, 12);
    // Global: flu 4/7, cancer 1/7, cold 2/7. Class >=50: flu 1 → EMD = ½(3/7 + 1/7 + 2/7) = 3/7.
    expect(r.sensitive!.t).toBeCloseTo(3 / 7, 12);
    expect(r.risk).toMatchObject({ highest: 1 / 3, recordsAtRisk: 7, shareAtRisk: 1 });
  });

  it('ordered distance for numeric sensitive values', () => {
    const r = kAnonymity(t, [{ column: 'gender' }], { sensitive: 'age' });
    expect(r.sensitive!.tDistance).toBe('ordered');
    // Values 34,45,66,70; global (2,2,1,2)/7. male: 34,66,70,45 → (1,1,1,1)/4.
    // cumulative diffs: 1/4-2/7, 2/4-4/7, 3/4-5/7 → |−1/28|+|−2/28|+|1/28| = 4/28; / (m−1 = 3) = 1/21.
    // female: 45,70,34 → (1,1,0,1)/3: 1/3-2/7, 2/3-4/7, 2/3-5/7 → 1/21+2/21+1/21 = 4/21; /3 = 4/63.
    expect(r.sensitive!.t).toBeCloseTo(4 / 63, 12);
  });

  it('bad input', () => {
    expect(() => kAnonymity(t, [])).toThrow(UsageError);
    expect(() => kAnonymity(t, [{ column: 'nope' }])).toThrow(UsageError);
    expect(() => kAnonymity(t, [{ column: 'age', hierarchy: age, level: 3 }])).toThrow(UsageError);
    const missing = parseHierarchy('34;<50;*\n');
    expect(() => kAnonymity(t, [{ column: 'age', hierarchy: missing, level: 1 }])).toThrow(ParseError);
  });
});

describe.skipIf(!hasAdult)('ARX Adult (30,162 records)', () => {
  let table: Table;
  beforeAll(async () => {
    table = await readTable(path.join(ADULT, 'adult.csv'));
  });

  // Reference numbers computed independently with pandas:
  //   df = pd.read_csv('adult.csv', sep=';', dtype=str); g = df.groupby(QIS).size()
  //   len(g), (g == 1).sum(), g.min(), (g < 5).sum(), g[g < 5].sum()
  // and, for the generalised case, after mapping each QI through its hierarchy column at the given level.
  // The level-0 numbers match the ARX research notes (1,690 classes, 543 singletons).
  it('QIs {sex, age, race, marital-status} at level 0', async () => {
    const r = kAnonymity(
      table,
      ['sex', 'age', 'race', 'marital-status'].map((column) => ({ column })),
      { k: 5 },
    );
    expect(r).toMatchObject({
      rows: 30162,
      classes: 1690,
      singletons: 543,
      k: 1,
      violatingClasses: 1023,
      violatingRecords: 1824,
    });
    expect(r.risk.highest).toBe(1);
    expect(r.risk.average).toBeCloseTo(1690 / 30162, 12);
    expect(r.risk.recordsAtRisk).toBe(1824);
  });

  it('generalised: sex@0, age@2, race@1, marital-status@1, sensitive occupation', async () => {
    const r = kAnonymity(
      table,
      [
        { column: 'sex', hierarchy: hier('sex'), level: 0 },
        { column: 'age', hierarchy: hier('age'), level: 2 },
        { column: 'race', hierarchy: hier('race'), level: 1 },
        { column: 'marital-status', hierarchy: hier('marital-status'), level: 1 },
      ],
      { k: 5, sensitive: 'occupation', t: 0.2 },
    );
    expect(r).toMatchObject({ classes: 32, singletons: 0, k: 3, violatingClasses: 1 });
    expect(r.sensitive).toMatchObject({ distinctL: 2, tDistance: 'equal', tViolatingClasses: 22 });
    expect(r.sensitive!.entropyL).toBeCloseTo(1.8898815748423097, 10);
    expect(r.sensitive!.t).toBeCloseTo(0.7337709700948213, 10);
  });

  it('ordered t-closeness of age over {sex, race, marital-status}', async () => {
    const r = kAnonymity(
      table,
      ['sex', 'race', 'marital-status'].map((column) => ({ column })),
      {
        sensitive: 'age',
        t: 0.1,
      },
    );
    // pandas: cumulative-difference EMD over the 72 sorted ages, divided by (m − 1).
    expect(r).toMatchObject({ classes: 63, singletons: 2, k: 1 });
    expect(r.sensitive!.tDistance).toBe('ordered');
    expect(r.sensitive!.t).toBeCloseTo(0.4380822432106063, 10);
    expect(r.sensitive!.tViolatingClasses).toBe(28);
    expect(r.risk.recordsAtRisk).toBe(21);
  });
});
