import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  kAnonymity,
  parseHierarchy,
  tableFromRows,
  type QuasiIdentifier,
} from '../../src/trust/privacy/kanon.js';
import { searchKAnonymity } from '../../src/trust/privacy/kanon-search.js';
import { mulberry32 } from '../../src/core/random.js';
import { run } from '../../src/cli/program.js';
import { fakeIo } from '../cli/fakes.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ADULT = path.resolve(ROOT, '..', 'shared', 'data', 'adult', 'data');

async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = fakeIo(ROOT, { env: {} });
  const code = await run(args, io);
  return { code, stdout: io.stdout.text, stderr: io.stderr.text };
}

/** A random table with an age (hierarchy: exact → 10-year band → *) and a zip (exact → 3-digit prefix → *). */
function synthetic(seed: number, n: number) {
  const rnd = mulberry32(seed);
  const rows = Array.from({ length: n }, () => ({
    age: String(18 + Math.floor(rnd() * 60)),
    zip: String(10000 + Math.floor(rnd() * 40) * 7),
    sex: rnd() < 0.5 ? 'F' : 'M',
  }));
  const ages = [...new Set(rows.map((r) => r.age))];
  const zips = [...new Set(rows.map((r) => r.zip))];
  const age = parseHierarchy(ages.map((a) => `${a};${Math.floor(Number(a) / 10) * 10}s;*`).join('\n'));
  const zip = parseHierarchy(zips.map((z) => `${z};${z.slice(0, 3)}**;*`).join('\n'));
  const sex = parseHierarchy('F;*\nM;*');
  return {
    table: tableFromRows(rows),
    qis: [
      { column: 'age', hierarchy: age },
      { column: 'zip', hierarchy: zip },
      { column: 'sex', hierarchy: sex },
    ],
  };
}

describe('generalisation search for k-anonymity', () => {
  it('every node agrees with kAnonymity at those levels; the minimal set is exactly the satisfying nodes with no satisfying node below', () => {
    for (const [seed, k, limit] of [
      [1, 3, 0],
      [2, 5, 0.05],
      [3, 10, 0.2],
    ] as const) {
      const { table, qis } = synthetic(seed, 400);
      const r = searchKAnonymity(table, qis, { k, suppressionLimit: limit, maxListed: 1000 });
      expect(r.nodes).toBe(3 * 3 * 2);
      const all: { levels: number[]; ok: boolean; loss: number }[] = [];
      for (let a = 0; a < 3; a++)
        for (let z = 0; z < 3; z++)
          for (let s = 0; s < 2; s++) {
            const levels = [a, z, s];
            const at: QuasiIdentifier[] = qis.map((q, c) => ({ ...q, level: levels[c] }));
            const ref = kAnonymity(table, at, { k, suppressionLimit: limit });
            all.push({ levels, ok: ref.satisfied, loss: 0 });
            const node = r.minimal.find((m) => m.levels.join() === levels.join());
            if (node) {
              expect(node.k).toBe(ref.k);
              expect(node.classes).toBe(ref.classes);
              expect(node.suppressed).toBe(ref.violatingRecords);
              expect(node.kAfterSuppression).toBe(ref.kAfterSuppression);
            }
          }
      expect(r.satisfying).toBe(all.filter((x) => x.ok).length);
      const leq = (x: number[], y: number[]) => x.every((v, i) => v <= y[i]) && x.join() !== y.join();
      const minimal = all.filter((b) => b.ok && !all.some((a) => a.ok && leq(a.levels, b.levels)));
      expect(r.minimal.map((m) => m.levels.join()).sort()).toEqual(
        minimal.map((m) => m.levels.join()).sort(),
      );
      // The recommendation has the least loss of the minimal nodes.
      for (const m of r.minimal) expect(r.best!.loss).toBeLessThanOrEqual(m.loss);
    }
  });

  it('reports no recommendation when even full generalisation cannot reach k', () => {
    const { table, qis } = synthetic(4, 6);
    const r = searchKAnonymity(table, qis, { k: 10 });
    expect(r.satisfying).toBe(0);
    expect(r.best).toBeNull();
    expect(r.minimal).toEqual([]);
  });

  it('refuses a lattice over the node limit and a suppression share outside 0–1', () => {
    const { table, qis } = synthetic(5, 50);
    expect(() => searchKAnonymity(table, qis, { maxNodes: 10 })).toThrow(/18 nodes, over the limit of 10/);
    expect(() => searchKAnonymity(table, qis, { suppressionLimit: 1.5 })).toThrow(/suppression-limit/);
  });
});

describe('bulwark privacy kanon --search / --suppression-limit on UCI Adult', () => {
  const qi = (levels: number[]) =>
    ['sex', 'age', 'race', 'marital-status'].flatMap((c, i) => [
      '--qi',
      `${c}=${path.join(ADULT, `adult_hierarchy_${c}.csv`)}:${levels[i]}`,
    ]);

  it('recommends the least-loss generalisation reaching k = 5 with at most 2 % suppressed', async () => {
    const r = await runCli(['privacy', 'kanon', path.join(ADULT, 'adult.csv'), ...qi([0, 0, 0, 0]), '--k', '5', '--suppression-limit', '0.02', '--search', '-f', 'json']); // prettier-ignore
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.search.nodes).toBe(60);
    // Cross-checked with pandas groupby on the same hierarchies: 528 classes, 470 records in classes below 5.
    expect(j.search.best).toMatchObject({ levels: [0, 1, 0, 0], classes: 528, suppressed: 470 });
    expect(j.search.best.kAfterSuppression).toBeGreaterThanOrEqual(5);
    expect(j.findings[0].ruleId).toBe('BW-PRIV-003');
    expect(j.findings[0].message).toContain(
      'generalising to {sex@0, age@1, race@0, marital-status@0} reaches k = 5',
    );
    // At the recommended levels the same limit is met: exit 0, no finding.
    const ok = await runCli(['privacy', 'kanon', path.join(ADULT, 'adult.csv'), ...qi([0, 1, 0, 0]), '--k', '5', '--suppression-limit', '0.02']); // prettier-ignore
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/suppression\s+limit 2\.0%: k = \d+ after suppressing 470 records/);
    // Without suppression the same levels fail.
    const strict = await runCli(['privacy', 'kanon', path.join(ADULT, 'adult.csv'), ...qi([0, 1, 0, 0]), '--k', '5']); // prettier-ignore
    expect(strict.code).toBe(1);
    const noH = await runCli(['privacy', 'kanon', path.join(ADULT, 'adult.csv'), '--qi', 'sex', '--search']); // prettier-ignore
    expect(noH.code).toBe(3);
    expect(noH.stderr).toMatch(/--search needs at least one --qi COLUMN=HIERARCHY\.csv/);
  });
});
