import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { QueryPatternDetector } from '../../src/adversarial/guard/extraction.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ADULT = path.resolve(ROOT, '..', 'shared', 'data', 'adult', 'data', 'adult.csv');

/** Adult census rows (read in place) encoded as a model would take them: age scaled, categories as scaled codes. */
function loadAdult(): number[][] {
  const lines = readFileSync(ADULT, 'utf8').trim().split('\n');
  const rows = lines.slice(1).map((l) => l.split(';'));
  const ncol = rows[0].length;
  const codes: Map<string, number>[] = Array.from({ length: ncol }, () => new Map());
  for (const r of rows) r.forEach((v, j) => codes[j].has(v) || codes[j].set(v, codes[j].size));
  // Columns: sex;age;race;marital-status;education;native-country;workclass;occupation;salary-class (label dropped).
  return rows.map((r) =>
    r
      .slice(0, ncol - 1)
      .map((v, j) => (j === 1 ? (Number(v) - 17) / 73 : codes[j].get(v)! / Math.max(1, codes[j].size - 1))),
  );
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const data = loadAdult();

describe('query-pattern detectors', () => {
  it('does not flag benign i.i.d. traffic from the adult data', () => {
    for (const seed of [1, 2, 3]) {
      const r = rng(seed);
      const det = new QueryPatternDetector();
      let flagged = 0;
      let last;
      for (let i = 0; i < 1000; i++) {
        last = det.observe('benign', data[Math.floor(r() * data.length)]);
        if (last.flagged) flagged++;
      }
      expect(flagged, `seed ${seed}`).toBe(0);
      expect(last!.prada!.w).toBeGreaterThan(0.9);
      expect(last!.blacklight!.hits).toBeLessThan(40);
    }
  });

  it('flags a Jacobian-augmentation extraction attack', () => {
    const r = rng(7);
    const det = new QueryPatternDetector();
    const d = data[0].length;
    const w = Array.from({ length: d }, () => r() - 0.5);
    let set = Array.from({ length: 10 }, () => data[Math.floor(r() * data.length)]);
    let last = set.map((x) => det.observe('thief', x)).pop()!;
    let firstFlag = -1;
    let n = set.length;
    // Each round steps every known point by λ·sign(gradient) of a substitute (a linear model here), clipped to [0, 1].
    for (let round = 0; round < 6; round++) {
      const next = set.map((x) => {
        const c = w.reduce((a, wi, i) => a + wi * x[i], 0) > 0 ? 1 : -1;
        return x.map((v, i) => Math.min(1, Math.max(0, v + 0.1 * c * Math.sign(w[i]))));
      });
      for (const y of next) {
        last = det.observe('thief', y);
        n++;
        if (last.flagged && firstFlag < 0) firstFlag = n;
      }
      set = set.concat(next);
    }
    // On this 8-feature encoding the clipped augmentation steps revisit near-identical points, which the fingerprint
    // detector catches; PRADA's W alone stays around 0.9-0.95 here (see docs/guard.md).
    expect(last.flagged).toBe(true);
    expect(last.blacklight!.flagged).toBe(true);
    expect(firstFlag).toBeGreaterThan(0);
    expect(firstFlag).toBeLessThan(200);
  });

  const perturbation = (seed: number) => {
    const r = rng(seed);
    const seeds = Array.from({ length: 5 }, () => data[Math.floor(r() * data.length)]);
    const noise = () => {
      let u = 0;
      for (let k = 0; k < 6; k++) u += r();
      return (u - 3) * 0.01;
    };
    return (n: number) => seeds[n % 5].map((v) => v + noise());
  };

  it('flags random perturbations of a few seeds with PRADA alone', () => {
    for (const seed of [11, 12]) {
      const det = new QueryPatternDetector({ blacklight: { enabled: false } });
      const next = perturbation(seed);
      let firstFlag = -1;
      let last;
      for (let n = 1; n <= 300; n++) {
        last = det.observe('thief', next(n));
        if (last.flagged && firstFlag < 0) firstFlag = n;
      }
      expect(last!.prada!.flagged).toBe(true);
      expect(last!.prada!.w).toBeLessThan(0.9);
      expect(firstFlag).toBeGreaterThan(100); // needs minSamples distances first
      expect(firstFlag).toBeLessThan(150);
    }
  });

  it('flags near-duplicate queries around a few seeds with Blacklight fingerprints alone', () => {
    const det = new QueryPatternDetector({ prada: { enabled: false } });
    const next = perturbation(13);
    let firstFlag = -1;
    let last;
    for (let n = 1; n <= 300; n++) {
      last = det.observe('evader', next(n));
      if (last.flagged && firstFlag < 0) firstFlag = n;
    }
    expect(last!.blacklight!.flagged).toBe(true);
    expect(firstFlag).toBeGreaterThan(0);
    expect(firstFlag).toBeLessThan(150);
    // Another client's state is separate.
    expect(det.observe('other', next(1)).flagged).toBe(false);
  });

  it('keeps memory bounded per client and across clients', () => {
    const det = new QueryPatternDetector({ historySize: 50, maxClients: 3, prada: { maxDistances: 60 } });
    const r = rng(3);
    for (let i = 0; i < 500; i++) det.observe('a', [r(), r(), r(), r(), r()]);
    const st = (
      det as unknown as {
        clients: Map<
          string,
          {
            growing: { size: number };
            distances: { size: number };
            prints: { size: number };
            index: Map<string, Set<number>>;
          }
        >;
      }
    ).clients.get('a')!;
    expect(st.growing.size).toBeLessThanOrEqual(50);
    expect(st.distances.size).toBeLessThanOrEqual(60);
    expect(st.prints.size).toBe(50);
    let ids = 0;
    for (const s of st.index.values()) ids += s.size;
    expect(ids).toBeLessThanOrEqual(50 * 50);
    for (const c of ['b', 'c', 'd', 'e']) det.observe(c, [1, 2, 3]);
    expect(det.clientCount).toBe(3);
  });

  it('rejects malformed vectors', () => {
    const det = new QueryPatternDetector({ maxDim: 4 });
    expect(() => det.observe('x', [])).toThrow(RangeError);
    expect(() => det.observe('x', [1, 2, 3, 4, 5])).toThrow(/1 to 4/);
    expect(() => det.observe('x', [1, Number.NaN])).toThrow(/finite/);
  });
});
