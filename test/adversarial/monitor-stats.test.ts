import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  binnedNumericShares,
  chi2Sf,
  chiSquare,
  fillZeroShares,
  jensenShannonDistance,
  kolmogorovSf,
  ksTwoSample,
  normalCdf,
  psi,
  sortedFinite,
  sturgesEdges,
  wasserstein1,
  wassersteinNormed,
  zTestProportions,
} from '../../src/adversarial/monitor/stats.js';

const sorted = (xs: number[]): Float64Array => sortedFinite(xs);

/**
 * Deterministic samples shared with the Python reference script (integer Park–Miller generator, so numpy and JS see
 * the same doubles):
 *   def pm(seed, n, shift=0, scale=1000):
 *       x = seed; out = []
 *       for _ in range(n):
 *           s = 0
 *           for _ in range(3):
 *               x = (x * 16807) % 2147483647; s += x % 1000
 *           out.append((s + shift) / scale)
 *       return np.array(out)
 */
function pm(seed: number, n: number, shift = 0, scale = 1000): Float64Array {
  let x = seed;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < 3; k++) {
      x = (x * 16807) % 2147483647;
      s += x % 1000;
    }
    out[i] = (s + shift) / scale;
  }
  return out;
}

/**
 * Reference values from /usr/bin/python3 (scipy 1.10.1, numpy 1.24.2):
 *   r = st.ks_2samp(x, y); st.wasserstein_distance(x, y) / max(np.std(x), 0.001)
 *   edges = np.histogram_bin_edges(np.concatenate([x, y]), bins='sturges')
 *   rp = np.histogram(x, edges)[0] / len(x); cp = np.histogram(y, edges)[0] / len(y)
 *   distance.jensenshannon(rp, cp); PSI with Evidently's zero fill on rp, cp
 */
const CASES = [
  {
    name: 'ab',
    x: () => pm(1, 300),
    y: () => pm(2, 250, 120),
    ks: [0.11333333333333333, 0.055544098171662684],
    wn: 0.19482313790589353,
    bins: 11,
    js: 0.10176706328740143,
    psi: 0.08460465960560551,
  },
  {
    name: 'cd',
    x: () => pm(3, 12000),
    y: () => pm(4, 800, 30),
    ks: [0.03516666666666668, 0.30456806877273934],
    wn: 0.07232203977385965,
    bins: 15,
    js: 0.05029266416612174,
    psi: 0.021728125992690066,
  },
  {
    name: 'ef',
    x: () => pm(5, 40),
    y: () => pm(6, 45, 200),
    ks: [0.24722222222222223, 0.12380241681328534],
    wn: 0.5933930331766278,
    bins: 8,
    js: 0.3147779505280796,
    psi: 1.5222634973854483,
  },
  {
    name: 'gh',
    x: () => pm(7, 2000),
    y: () => pm(8, 2000, 40),
    ks: [0.027, 0.4596372544037147],
    wn: 0.06209776606058155,
    bins: 13,
    js: 0.055294459887670365,
    psi: 0.025661113503342756,
  },
  {
    name: 'aa',
    x: () => pm(1, 300),
    y: () => pm(9, 300),
    ks: [0.056666666666666664, 0.7220634112888834],
    wn: 0.10628173312307379,
    bins: 11,
    js: 0.06372526773026481,
    psi: 0.03270331284953532,
  },
] as const;

describe('drift statistics match scipy/numpy', () => {
  for (const c of CASES) {
    it(`case ${c.name}`, () => {
      const x = sortedFinite(c.x());
      const y = sortedFinite(c.y());
      const ks = ksTwoSample(x, y);
      expect(ks.statistic).toBeCloseTo(c.ks[0], 12);
      // Exact path (both ≤ 10,000): bit-for-bit close; asymptotic path (case cd): scipy uses Pelz–Good there,
      // we use the exact Durbin matrix, so agree to a few parts in 10⁴.
      if (ks.method === 'exact') expect(ks.pValue / c.ks[1]).toBeCloseTo(1, 9);
      else expect(Math.abs(ks.pValue - c.ks[1])).toBeLessThan(5e-4);
      expect(wassersteinNormed(x, y)).toBeCloseTo(c.wn, 12);
      const b = binnedNumericShares(x, y);
      expect(b.ref.length).toBe(c.bins);
      expect(jensenShannonDistance(b.ref, b.cur)).toBeCloseTo(c.js, 12);
      expect(psi(fillZeroShares(b.ref.slice()), fillZeroShares(b.cur.slice()))).toBeCloseTo(c.psi, 12);
    });
  }

  it('KS on small hand-made samples (exact method)', () => {
    // st.ks_2samp([0.5,1.2,3.3,2.1,0.7,4.4,2.2,1.9,3.0,0.1], [1.5,2.2,3.9,5.1,2.7,4.0,3.2])
    const r = ksTwoSample(
      sorted([0.5, 1.2, 3.3, 2.1, 0.7, 4.4, 2.2, 1.9, 3.0, 0.1]),
      sorted([1.5, 2.2, 3.9, 5.1, 2.7, 4.0, 3.2]),
    );
    expect(r.method).toBe('exact');
    expect(r.statistic).toBeCloseTo(0.45714285714285713, 14);
    expect(r.pValue).toBeCloseTo(0.2814171122994653, 13);
  });

  it('KS asymptotic path (a sample above 10,000 values) in each branch', () => {
    // e = np.sin(np.arange(N1) * 0.7) * 3; f = np.cos(np.arange(N2) * 1.1) * 3 + shift; st.ks_2samp(e, f)
    // (only the order of the values matters, so ulp differences between libm and numpy do not)
    const sample = (n: number, f: (i: number) => number) =>
      Float64Array.from({ length: n }, (_, i) => f(i)).sort();
    const cases = [
      {
        n1: 50000,
        n2: 40000,
        shift: 0.01,
        d: 0.02598,
        p: 1.8354482695191954e-13,
        approx: 'smirnov',
        rel: 1e-9,
      },
      {
        n1: 50000,
        n2: 40000,
        shift: 0.002,
        d: 0.01164,
        p: 0.004813003341580051,
        approx: 'smirnov',
        rel: 1e-9,
      },
      {
        n1: 20000,
        n2: 15000,
        shift: 0.004,
        d: 0.01653333333333329,
        p: 0.018245737883207103,
        approx: 'smirnov',
        rel: 1e-9,
      },
      {
        n1: 20000,
        n2: 15000,
        shift: 0,
        d: 0.0007499999999999174,
        p: 1.0,
        approx: 'durbin-matrix',
        rel: 1e-9,
      },
      // scipy: Pelz–Good; here the Stephens-corrected limit (documented gap ≤ 5e-4 absolute)
      {
        n1: 20000,
        n2: 15000,
        shift: 0.002,
        d: 0.011666666666666714,
        p: 0.19229042493966142,
        approx: 'kolmogorov-limit',
        abs: 5e-4,
      },
    ];
    for (const c of cases) {
      const r = ksTwoSample(
        sample(c.n1, (i) => Math.sin(i * 0.7) * 3),
        sample(c.n2, (i) => Math.cos(i * 1.1) * 3 + c.shift),
      );
      expect(r.method).toBe('asymp');
      expect(r.approximation).toBe(c.approx);
      expect(r.statistic).toBeCloseTo(c.d, 12);
      if (c.rel) expect(Math.abs(r.pValue / c.p - 1)).toBeLessThan(c.rel);
      else expect(Math.abs(r.pValue - c.p)).toBeLessThan(c.abs as number);
    }
  });

  it('kstwo.sf in each branch', () => {
    // st.kstwo.sf(0.05, 500), (0.2, 100), (0.07, 100), (0.6, 20), (0.08, 1000)
    expect(kolmogorovSf(500, 0.05).p / 0.15866260223815365).toBeCloseTo(1, 4);
    expect(kolmogorovSf(100, 0.2).p / 0.0005551927327988775).toBeCloseTo(1, 6);
    expect(kolmogorovSf(100, 0.07).p / 0.6846706791645845).toBeCloseTo(1, 9);
    expect(kolmogorovSf(20, 0.6).p / 2.0483011649719853e-7).toBeCloseTo(1, 9);
    expect(kolmogorovSf(1000, 0.08).p / 5.154189384789824e-6).toBeCloseTo(1, 9);
  });

  it('chi-squared survival function and test', () => {
    // st.chi2.sf(3.84, 1), (20.0, 5), (150.0, 10), (0.5, 3)
    expect(chi2Sf(3.84, 1)).toBeCloseTo(0.05004352124870519, 14);
    expect(chi2Sf(20, 5) / 0.0012497305630313773).toBeCloseTo(1, 12);
    expect(chi2Sf(150, 10) / 3.727485055062505e-27).toBeCloseTo(1, 10);
    expect(chi2Sf(0.5, 3)).toBeCloseTo(0.9188914116546758, 14);
    // st.chisquare([30, 14, 34, 45, 57, 20], [20, 20, 30, 40, 60, 30])
    const r = chiSquare([30, 14, 34, 45, 57, 20], [20, 20, 30, 40, 60, 30]);
    expect(r.statistic).toBeCloseTo(11.441666666666666, 12);
    expect(r.pValue).toBeCloseTo(0.04329313031580497, 14);
    // A category never seen in the reference: infinite statistic, p = 0.
    expect(chiSquare([5, 5], [10, 0]).pValue).toBe(0);
  });

  it('normal CDF and Z-test', () => {
    // st.norm.cdf(1.96), st.norm.cdf(-3.5)
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 15);
    expect(normalCdf(-3.5) / 0.00023262907903552502).toBeCloseTo(1, 12);
    // Closed form: equal proportions → z = 0, p = 1.
    expect(zTestProportions(30, 100, 60, 200).pValue).toBe(1);
    // p1 = 0.5, p2 = 0.3, n = 100 each: P = 0.4, z = 0.2 / √(0.24 · 0.02) = 2.886751…
    const z = zTestProportions(50, 100, 30, 100);
    expect(z.statistic).toBeCloseTo(0.2 / Math.sqrt(0.24 * 0.02), 12);
    expect(z.pValue).toBeCloseTo(2 * (1 - normalCdf(2.886751345948129)), 12);
  });

  it('Wasserstein and Jensen–Shannon closed forms', () => {
    // st.wasserstein_distance([0.5,...], [1.5,...]) = 1.2885714285714287
    expect(
      wasserstein1(
        sorted([0.5, 1.2, 3.3, 2.1, 0.7, 4.4, 2.2, 1.9, 3.0, 0.1]),
        sorted([1.5, 2.2, 3.9, 5.1, 2.7, 4.0, 3.2]),
      ),
    ).toBeCloseTo(1.2885714285714287, 14);
    // A shift by c moves W1 by exactly c.
    expect(wasserstein1(sorted([1, 2, 3]), sorted([4, 5, 6]))).toBeCloseTo(3, 14);
    // distance.jensenshannon([0.1,0.2,0.7],[0.3,0.3,0.4]); disjoint supports → √ln 2
    expect(jensenShannonDistance([0.1, 0.2, 0.7], [0.3, 0.3, 0.4])).toBeCloseTo(0.2278426194505835, 14);
    expect(jensenShannonDistance([1, 0, 0], [0, 1, 0])).toBeCloseTo(Math.sqrt(Math.LN2), 14);
    expect(jensenShannonDistance([1, 0, 0], [0, 1, 0], 2)).toBeCloseTo(1, 14);
  });

  it('Sturges edges as numpy (power-of-two sizes included)', () => {
    // len(np.histogram_bin_edges(np.arange(1024.0), bins='sturges')) - 1 == 11
    const e = sturgesEdges(0, 1023, 1024);
    expect(e.length - 1).toBe(11);
    expect(e[0]).toBe(0);
    expect(e[e.length - 1]).toBe(1023);
  });

  it('fills empty bins as Evidently', () => {
    expect([...fillZeroShares(Float64Array.from([0.5, 0.5, 0]))]).toEqual([0.5, 0.5, 0.0001]);
    expect([...fillZeroShares(Float64Array.from([0.99995, 0.00005, 0]))]).toEqual([
      0.99995,
      0.00005,
      0.00005 / 1e6,
    ]);
  });
});

describe('drift statistics: properties', () => {
  const sample = fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 40 });
  it('KS and Wasserstein are symmetric, bounded and zero on identical samples', () => {
    fc.assert(
      fc.property(sample, sample, (xs, ys) => {
        const a = sorted(xs);
        const b = sorted(ys);
        const ab = ksTwoSample(a, b);
        const ba = ksTwoSample(b, a);
        expect(ab.statistic).toBe(ba.statistic);
        expect(ab.pValue).toBeCloseTo(ba.pValue, 10);
        expect(ab.pValue).toBeGreaterThanOrEqual(0);
        expect(ab.pValue).toBeLessThanOrEqual(1);
        expect(wasserstein1(a, b)).toBeCloseTo(wasserstein1(b, a), 9);
        expect(ksTwoSample(a, a).pValue).toBe(1);
        expect(wasserstein1(a, a)).toBe(0);
      }),
      { numRuns: 150 },
    );
  });
  it('Jensen–Shannon is symmetric and within [0, √ln 2]; PSI is non-negative', () => {
    const dist = fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 2, maxLength: 10 });
    fc.assert(
      fc.property(dist, dist, (p, q) => {
        const n = Math.min(p.length, q.length);
        const P = p.slice(0, n);
        const Q = q.slice(0, n);
        const d = jensenShannonDistance(P, Q);
        expect(d).toBeCloseTo(jensenShannonDistance(Q, P), 12);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(Math.sqrt(Math.LN2) + 1e-12);
        const sp = P.reduce((s, x) => s + x, 0);
        const sq = Q.reduce((s, x) => s + x, 0);
        expect(
          psi(
            P.map((x) => x / sp),
            Q.map((x) => x / sq),
          ),
        ).toBeGreaterThanOrEqual(-1e-12);
      }),
      { numRuns: 150 },
    );
  });
});
