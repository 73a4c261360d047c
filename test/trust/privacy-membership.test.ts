import { describe, expect, it } from 'vitest';
import {
  leakageVerdict,
  membershipMetrics,
  mulberry32,
  rocAuc,
  rocCurve,
} from '../../src/trust/privacy/membership.js';

/** Standard normal CDF (Abramowitz–Stegun 7.1.26, |error| < 1.5e-7). */
function phi(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp((-x * x) / 2);
  return x >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

function normals(n: number, mean: number, seed: number): number[] {
  const r = mulberry32(seed);
  const out: number[] = [];
  while (out.length < n) {
    const u = 1 - r();
    const v = r();
    out.push(mean + Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  }
  return out;
}

describe('membership inference metrics', () => {
  it('AUC by hand, ties counted half', () => {
    // Pairs: 3>1, 3>2, 2>1, 2=2 (½) → 3.5 / 4.
    expect(rocAuc([3, 2], [1, 2])).toBe(0.875);
    expect(rocAuc([1, 1, 1], [1, 1])).toBe(0.5);
    expect(rocAuc([5, 6], [1, 2])).toBe(1);
    expect(rocAuc([1, 2], [5, 6])).toBe(0);
  });

  it('ROC curve runs from (0,0) to (1,1) with one point per distinct score', () => {
    const roc = rocCurve([3, 2], [1, 2]);
    expect(roc.map((p) => [p.fpr, p.tpr])).toEqual([
      [0, 0],
      [0, 0.5],
      [0.5, 1],
      [1, 1],
    ]);
  });

  it('two normal distributions: AUC = Φ(d/√2) and TPR at FPR = 1 − Φ(z₁₋α − d)', () => {
    const d = 1;
    const members = normals(20000, d, 7);
    const non = normals(20000, 0, 8);
    const m = membershipMetrics(members, non);
    expect(m.auc).toBeCloseTo(phi(d / Math.SQRT2), 2); // 0.7602
    const z = { 0.1: 1.2815516, 0.01: 2.3263479 } as const;
    for (const fpr of [0.1, 0.01] as const) {
      const t = m.tprAtFpr.find((x) => x.fpr === fpr)!;
      expect(t.measurable).toBe(true);
      expect(t.attainedFpr).toBeLessThanOrEqual(fpr);
      expect(Math.abs(t.tpr - (1 - phi(z[fpr] - d)))).toBeLessThan(0.02);
    }
    // Best threshold of two unit-variance normals is d/2; advantage = 2Φ(d/2) − 1.
    expect(Math.abs(m.advantage - (2 * phi(d / 2) - 1))).toBeLessThan(0.02);
    expect(Math.abs(m.bestThreshold - d / 2)).toBeLessThan(0.15);
    expect(leakageVerdict(m).leaking).toBe(true);
  });

  it('losses: lower is member', () => {
    const membersLoss = normals(5000, 0, 1);
    const nonLoss = normals(5000, 1, 2);
    const asScore = membershipMetrics(membersLoss, nonLoss); // wrong orientation
    const asLoss = membershipMetrics(membersLoss, nonLoss, { higherIsMember: false });
    expect(asLoss.auc).toBeCloseTo(1 - asScore.auc, 12);
    expect(asLoss.auc).toBeGreaterThan(0.7);
    expect(asLoss.bestThreshold).toBeGreaterThan(0); // reported on the loss scale
    expect(asLoss.bestThreshold).toBeLessThan(1);
  });

  it('no leakage when members and non-members come from one distribution', () => {
    const m = membershipMetrics(normals(3000, 0, 3), normals(3000, 0, 4), { bootstrap: 100, seed: 5 });
    expect(Math.abs(m.auc - 0.5)).toBeLessThan(0.03);
    expect(m.aucCi!.low).toBeLessThan(0.5);
    expect(m.aucCi!.high).toBeGreaterThan(0.5);
    expect(leakageVerdict(m)).toEqual({ leaking: false, reasons: [] });
    // Same seed, same interval.
    const again = membershipMetrics(normals(3000, 0, 3), normals(3000, 0, 4), { bootstrap: 100, seed: 5 });
    expect(again.aucCi).toEqual(m.aucCi);
  });

  it('low-FPR leakage alone is a finding; too few non-members are not measurable', () => {
    // 2% of members have an extreme score, the rest look like non-members: AUC ≈ 0.51 but TPR@1% ≈ 2%+1%.
    const non = normals(5000, 0, 11);
    const members = normals(5000, 0, 12).map((x, i) => (i % 10 === 0 ? 100 + x : x));
    const m = membershipMetrics(members, non);
    expect(m.auc).toBeLessThan(0.6);
    const at1 = m.tprAtFpr.find((t) => t.fpr === 0.01)!;
    expect(at1.tpr).toBeGreaterThanOrEqual(0.1);
    expect(leakageVerdict(m).leaking).toBe(true);
    expect(leakageVerdict(m).reasons[0]).toMatch(/1% FPR/);
    const small = membershipMetrics([1, 2, 3], [0, 0.5]);
    expect(small.tprAtFpr.every((t) => !t.measurable)).toBe(true);
  });

  it('rejects empty and non-finite input', () => {
    expect(() => membershipMetrics([], [1])).toThrow(RangeError);
    expect(() => membershipMetrics([1], [Number.NaN])).toThrow(RangeError);
  });
});
