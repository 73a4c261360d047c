/**
 * Two-sample drift statistics with the numerics of scipy/numpy (the libraries Evidently's default tests call):
 * Kolmogorov–Smirnov (scipy.stats.ks_2samp, method 'auto'), chi-squared goodness of fit (scipy.stats.chisquare),
 * the two-proportion Z-test, PSI, Wasserstein-1 (scipy.stats.wasserstein_distance) normed by the reference
 * population standard deviation, Jensen–Shannon distance (scipy.spatial.distance.jensenshannon, natural log) and
 * numpy's Sturges histogram binning. Inputs are sorted Float64Arrays (NaN removed) or category counts; nothing here
 * allocates per-row objects.
 */

// ------------------------------------------------------------------------------------------------ special functions

const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error about 1e-15). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0] as number;
  const t = z + LANCZOS_G + 0.5;
  for (let i = 1; i < 9; i++) a += (LANCZOS[i] as number) / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * Regularised upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a): series for P when x < a + 1, else a modified-Lentz
 * continued fraction (which keeps relative accuracy for tiny tail probabilities).
 */
export function gammaQ(a: number, x: number): number {
  if (!(a > 0) || Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 1;
  if (x === Infinity) return 0;
  const lead = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-17) break;
    }
    return Math.max(0, 1 - sum * Math.exp(lead));
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(lead) * h;
}

/** Survival function of the chi-squared distribution (scipy.stats.chi2.sf). */
export function chi2Sf(x: number, df: number): number {
  if (!(df > 0)) return Number.NaN;
  if (Number.isNaN(x)) return Number.NaN;
  return gammaQ(df / 2, x / 2);
}

/** Complementary error function for real x, through Q(1/2, x²). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x >= 0) return gammaQ(0.5, x * x);
  return 2 - gammaQ(0.5, x * x);
}

/** Standard normal CDF Φ(z). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

// ------------------------------------------------------------------------------------------------ sorted arrays

/** Copies the finite numbers of `values` into a sorted Float64Array (typed-array sort: numeric, in C++). */
export function sortedFinite(values: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i] as number)) n++;
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) out[k++] = v;
  }
  return out.sort();
}

/** Number of distinct values of a sorted array. */
export function countDistinctSorted(a: Float64Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (i === 0 || a[i] !== a[i - 1]) n++;
  return n;
}

/** Number of distinct values of the union of two sorted arrays. */
export function countDistinctUnion(a: Float64Array, b: Float64Array): number {
  let i = 0;
  let j = 0;
  let n = 0;
  let last = Number.NaN;
  while (i < a.length || j < b.length) {
    const v = j >= b.length || (i < a.length && (a[i] as number) <= (b[j] as number)) ? a[i++] : b[j++];
    if (v !== last) {
      n++;
      last = v as number;
    }
  }
  return n;
}

/** Mean and population standard deviation (numpy.std, ddof = 0), two-pass for accuracy. */
export function meanStd(a: Float64Array): { mean: number; std: number } {
  const n = a.length;
  if (n === 0) return { mean: Number.NaN, std: Number.NaN };
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i] as number;
  const mean = s / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - mean;
    ss += d * d;
  }
  return { mean, std: Math.sqrt(ss / n) };
}

// ------------------------------------------------------------------------------------------------ Kolmogorov–Smirnov

export interface KsResult {
  /** sup |F_ref − F_cur| over the pooled sample. */
  statistic: number;
  pValue: number;
  /** 'exact' (both samples ≤ 10,000 values, as scipy's 'auto') or 'asymp' (scipy: kstwo.sf(D, round(n·m/(n+m)))). */
  method: 'exact' | 'asymp';
  /** How the asymptotic p-value was evaluated (see docs/monitoring.md). */
  approximation?: 'smirnov' | 'durbin-matrix' | 'ruben-gambino' | 'kolmogorov-limit';
}

/** scipy.stats.ks_2samp switches from the exact to the asymptotic p-value above this sample size ('auto'). */
export const KS_MAX_EXACT_N = 10_000;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** The largest integer |i·n2 − j·n1| over the pooled sample (D · n1 · n2), ties handled as in scipy. */
function ksIntegerStatistic(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let best = 0;
  while (i < n1 || j < n2) {
    const v =
      j >= n2 || (i < n1 && (a[i] as number) <= (b[j] as number)) ? (a[i] as number) : (b[j] as number);
    while (i < n1 && a[i] === v) i++;
    while (j < n2 && b[j] === v) j++;
    const diff = Math.abs(i * n2 - j * n1);
    if (diff > best) best = diff;
  }
  return best;
}

/**
 * Exact P(D ≥ h / lcm) for the two-sample statistic without ties: the probability that a uniformly random lattice path
 * from (0,0) to (n1,n2) touches the region |i·n2/g − j·n1/g| ≥ h. Two dynamic programmes over the lattice (probability
 * of reaching a point, and of reaching it after having left the band) in transition probabilities, so nothing
 * overflows and the tail is a sum of positive terms (no 1 − p cancellation).
 */
export function ksExactSf(n1: number, n2: number, h: number): number {
  if (h <= 0) return 1;
  const g = gcd(n1, n2);
  const a = n2 / g;
  const b = n1 / g;
  const N = n1 + n2;
  const H = new Float64Array(n2 + 1);
  const R = new Float64Array(n2 + 1);
  H[0] = 1;
  R[0] = 0;
  // Row i = 0.
  for (let j = 1; j <= n2; j++) {
    const py = (n2 - j + 1) / (N - j + 1);
    H[j] = (H[j - 1] as number) * py;
    R[j] = b * j >= h ? (H[j] as number) : (R[j - 1] as number) * py;
  }
  for (let i = 1; i <= n1; i++) {
    // Column j = 0: arrive from (i−1, 0).
    const px0 = (n1 - i + 1) / (N - i + 1);
    let hPrev = (H[0] as number) * px0;
    let rPrev = a * i >= h ? hPrev : (R[0] as number) * px0;
    H[0] = hPrev;
    R[0] = rPrev;
    const ai = a * i;
    for (let j = 1; j <= n2; j++) {
      const rem = N - i - j + 1;
      const px = (n1 - i + 1) / rem;
      const py = (n2 - j + 1) / rem;
      const hv = (H[j] as number) * px + hPrev * py;
      const diff = ai - b * j;
      const rv = diff >= h || -diff >= h ? hv : (R[j] as number) * px + rPrev * py;
      H[j] = hv;
      R[j] = rv;
      hPrev = hv;
      rPrev = rv;
    }
  }
  return Math.min(1, Math.max(0, R[n2] as number));
}

/** ln(n! / nⁿ). */
function logFactorialOverPow(n: number): number {
  return logGamma(n + 1) - n * Math.log(n);
}

/** Exact one-sided Smirnov tail P(D⁺ₙ ≥ d) (Birnbaum–Tingey), summed in logs. */
export function smirnovSf(n: number, d: number): number {
  if (d <= 0) return 1;
  if (d >= 1) return 0;
  const jmax = Math.floor(n * (1 - d) + 1e-12);
  const lnN = logGamma(n + 1);
  let sum = 0;
  for (let j = 0; j <= jmax; j++) {
    const p = 1 - d - j / n;
    const q = d + j / n;
    if (p <= 0 && n - j > 0) continue;
    const lt =
      lnN -
      logGamma(j + 1) -
      logGamma(n - j + 1) +
      (n - j === 0 ? 0 : (n - j) * Math.log(p)) +
      (j - 1) * Math.log(q);
    sum += Math.exp(lt);
  }
  return Math.min(1, Math.max(0, d * sum));
}

/** Kolmogorov CDF P(Dₙ < d) by the Durbin matrix method (Marsaglia, Tsang & Wang 2003), with exponent tracking. */
export function kolmogorovCdfDurbin(n: number, d: number): number {
  const k = Math.floor(n * d) + 1;
  const m = 2 * k - 1;
  const h = k - n * d;
  const Hm = new Float64Array(m * m);
  const fact = [1];
  for (let i = 1; i <= m + 1; i++) fact.push((fact[i - 1] as number) * i);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < m; j++) Hm[i * m + j] = i - j + 1 >= 0 ? 1 / (fact[i - j + 1] as number) : 0;
  for (let i = 0; i < m; i++) {
    Hm[i * m] = (Hm[i * m] as number) - Math.pow(h, i + 1) / (fact[i + 1] as number);
    Hm[(m - 1) * m + i] = (Hm[(m - 1) * m + i] as number) - Math.pow(h, m - i) / (fact[m - i] as number);
  }
  if (2 * h - 1 > 0)
    Hm[(m - 1) * m] = (Hm[(m - 1) * m] as number) + Math.pow(2 * h - 1, m) / (fact[m] as number);
  const mul = (A: Float64Array, B: Float64Array): Float64Array => {
    const C = new Float64Array(m * m);
    for (let i = 0; i < m; i++)
      for (let l = 0; l < m; l++) {
        const x = A[i * m + l] as number;
        if (x === 0) continue;
        for (let j = 0; j < m; j++) C[i * m + j] = (C[i * m + j] as number) + x * (B[l * m + j] as number);
      }
    return C;
  };
  // Exponentiation by squaring with a base-2 exponent carried separately.
  let result: Float64Array | null = null as Float64Array | null;
  let resultExp = 0;
  let base: Float64Array = Hm;
  let baseExp = 0;
  let e = n;
  const rescale = (M: Float64Array): number => {
    let mx = 0;
    for (let i = 0; i < M.length; i++) mx = Math.max(mx, Math.abs(M[i] as number));
    if (mx === 0) return 0;
    const s = Math.floor(Math.log2(mx));
    const f = Math.pow(2, -s);
    for (let i = 0; i < M.length; i++) M[i] = (M[i] as number) * f;
    return s;
  };
  while (e > 0) {
    if (e & 1) {
      if (result === null) {
        result = base.slice();
        resultExp = baseExp;
      } else {
        result = mul(result, base);
        resultExp += baseExp;
      }
      resultExp += rescale(result);
    }
    e = Math.floor(e / 2);
    if (e > 0) {
      base = mul(base, base);
      baseExp *= 2;
      baseExp += rescale(base);
    }
  }
  const center = (result as Float64Array)[(k - 1) * m + (k - 1)] as number;
  if (center <= 0) return 0;
  const lnP = logFactorialOverPow(n) + Math.log(center) + resultExp * Math.LN2;
  return Math.min(1, Math.exp(lnP));
}

/** Limiting Kolmogorov survival function Q(λ) = 2 Σ (−1)^(k−1) exp(−2k²λ²). */
export function kolmogorovLimitSf(lambda: number): number {
  if (lambda <= 0) return 1;
  if (lambda < 1) {
    // CDF = √(2π)/λ Σ exp(−(2k−1)²π²/(8λ²)), converges fast for small λ.
    let s = 0;
    for (let k = 1; k < 50; k++) {
      const t = Math.exp((-(2 * k - 1) * (2 * k - 1) * Math.PI * Math.PI) / (8 * lambda * lambda));
      s += t;
      if (t < 1e-17 * s) break;
    }
    return Math.min(1, Math.max(0, 1 - (Math.sqrt(2 * Math.PI) / lambda) * s));
  }
  let s = 0;
  for (let k = 1; k < 100; k++) {
    const t = Math.exp(-2 * k * k * lambda * lambda);
    s += k % 2 ? t : -t;
    if (t < 1e-17) break;
  }
  return Math.min(1, Math.max(0, 2 * s));
}

/** Largest Durbin matrix order used before falling back to the limiting distribution (cost grows as m³ log n). */
const DURBIN_MAX_ORDER = 161;

/**
 * Survival function of the one-sample two-sided Kolmogorov statistic Dₙ (scipy.stats.kstwo.sf), following the
 * branch structure of Simard & L'Ecuyer (2011) that scipy uses: Ruben–Gambino closed forms at the ends, 2·Smirnov
 * (exact one-sided tail) in the far tail, and the exact Durbin matrix in the body. Where scipy uses Pomeranz's
 * recursion we use the Durbin matrix (both exact). Where scipy uses the Pelz–Good series (large n·d in the body)
 * we use the limiting distribution with Stephens' correction λ = (√n + 0.12 + 0.11/√n)·d.
 */
export function kolmogorovSf(n: number, d: number): { p: number; approximation: KsResult['approximation'] } {
  if (d >= 1) return { p: 0, approximation: 'ruben-gambino' };
  if (d <= 0) return { p: 1, approximation: 'ruben-gambino' };
  const t = n * d;
  if (t <= 1) {
    if (t <= 0.5) return { p: 1, approximation: 'ruben-gambino' };
    const cdf = Math.exp(logFactorialOverPow(n) + n * Math.log(2 * t - 1));
    return { p: clip01(1 - cdf), approximation: 'ruben-gambino' };
  }
  if (t >= n - 1) return { p: clip01(2 * Math.pow(1 - d, n)), approximation: 'ruben-gambino' };
  if (d >= 0.5) return { p: clip01(2 * smirnovSf(n, d)), approximation: 'smirnov' };
  const nxx = t * d;
  if (n <= 140) {
    if (nxx <= 4) return { p: clip01(1 - kolmogorovCdfDurbin(n, d)), approximation: 'durbin-matrix' };
    return { p: clip01(2 * smirnovSf(n, d)), approximation: 'smirnov' };
  }
  if (nxx >= 370) return { p: 0, approximation: 'smirnov' };
  if (nxx >= 2.2) return { p: clip01(2 * smirnovSf(n, d)), approximation: 'smirnov' };
  if (2 * (Math.floor(t) + 1) - 1 <= DURBIN_MAX_ORDER)
    return { p: clip01(1 - kolmogorovCdfDurbin(n, d)), approximation: 'durbin-matrix' };
  const sn = Math.sqrt(n);
  return { p: kolmogorovLimitSf((sn + 0.12 + 0.11 / sn) * d), approximation: 'kolmogorov-limit' };
}

function clip01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/**
 * Two-sample two-sided Kolmogorov–Smirnov test on sorted samples, as scipy.stats.ks_2samp(method='auto'): exact
 * p-value when both samples have at most 10,000 values, otherwise kstwo.sf(D, round(n1·n2/(n1+n2))).
 */
export function ksTwoSample(a: Float64Array, b: Float64Array): KsResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('ks: both samples must be non-empty');
  const g = gcd(n1, n2);
  const dInt = ksIntegerStatistic(a, b);
  const lcm = (n1 / g) * n2;
  const h = dInt / g;
  const statistic = h / lcm;
  if (Math.max(n1, n2) <= KS_MAX_EXACT_N) {
    return { statistic, pValue: h === 0 ? 1 : ksExactSf(n1, n2, h), method: 'exact' };
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const en = Math.round((m * n) / (m + n));
  const { p, approximation } = kolmogorovSf(en, statistic);
  return { statistic, pValue: p, method: 'asymp', approximation };
}

// ------------------------------------------------------------------------------------------------ chi-squared, Z

export interface ChiSquareResult {
  statistic: number;
  df: number;
  pValue: number;
}

/** scipy.stats.chisquare(f_obs, f_exp): Pearson statistic, df = k − 1, p = chi2.sf. */
export function chiSquare(observed: ArrayLike<number>, expected: ArrayLike<number>): ChiSquareResult {
  const k = observed.length;
  let stat = 0;
  for (let i = 0; i < k; i++) {
    const o = observed[i] as number;
    const e = expected[i] as number;
    const d = o - e;
    if (e === 0) stat += d === 0 ? Number.NaN : Infinity;
    else stat += (d * d) / e;
  }
  const df = k - 1;
  return { statistic: stat, df, pValue: df > 0 ? chi2Sf(stat, df) : Number.NaN };
}

/**
 * Evidently's chi-squared drift test: current counts against reference counts scaled to the current size
 * (f_exp = ref_count · n_cur / n_ref) over the union of categories.
 */
export function chiSquareCounts(refCounts: ArrayLike<number>, curCounts: ArrayLike<number>): ChiSquareResult {
  let nRef = 0;
  let nCur = 0;
  for (let i = 0; i < refCounts.length; i++) nRef += refCounts[i] as number;
  for (let i = 0; i < curCounts.length; i++) nCur += curCounts[i] as number;
  const k = nCur / nRef;
  const exp = new Float64Array(refCounts.length);
  for (let i = 0; i < exp.length; i++) exp[i] = (refCounts[i] as number) * k;
  return chiSquare(curCounts, exp);
}

/**
 * Evidently's two-proportion Z-test for a binary column. `refOnes`/`curOnes` count the values that are NOT the
 * smallest category (Evidently maps the first sorted key to 0, every other value to 1). p = 2·(1 − Φ(|z|)).
 */
export function zTestProportions(
  refOnes: number,
  nRef: number,
  curOnes: number,
  nCur: number,
): { statistic: number; pValue: number } {
  const p1 = refOnes / nRef;
  const p2 = curOnes / nCur;
  const P = (p1 * nRef + p2 * nCur) / (nRef + nCur);
  const z = (p1 - p2) / Math.sqrt(P * (1 - P) * (1 / nRef + 1 / nCur));
  return { statistic: z, pValue: 2 * (1 - normalCdf(Math.abs(z))) };
}

// ------------------------------------------------------------------------------------------------ distances

/** scipy.stats.wasserstein_distance(u, v) on sorted samples: ∫ |U(x) − V(x)| dx, exact on the pooled breakpoints. */
export function wasserstein1(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('wasserstein: both samples must be non-empty');
  let i = 0;
  let j = 0;
  let total = 0;
  let prev = Math.min(a[0] as number, b[0] as number);
  while (i < n1 || j < n2) {
    const v =
      j >= n2 || (i < n1 && (a[i] as number) <= (b[j] as number)) ? (a[i] as number) : (b[j] as number);
    total += Math.abs(i / n1 - j / n2) * (v - prev);
    while (i < n1 && a[i] === v) i++;
    while (j < n2 && b[j] === v) j++;
    prev = v;
  }
  return total;
}

/** Evidently's `wasserstein` test: W1(ref, cur) / max(std_ref, 0.001) (population std). */
export function wassersteinNormed(ref: Float64Array, cur: Float64Array): number {
  const { std } = meanStd(ref);
  return wasserstein1(ref, cur) / Math.max(std, 0.001);
}

/** scipy.spatial.distance.jensenshannon(p, q) with base e: √((KL(p‖m) + KL(q‖m)) / 2) after normalising p and q. */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>, base?: number): number {
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) sp += p[i] as number;
  for (let i = 0; i < q.length; i++) sq += q[i] as number;
  let js = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = (p[i] as number) / sp;
    const qi = (q[i] as number) / sq;
    const m = (pi + qi) / 2;
    if (pi > 0) js += pi * Math.log(pi / m);
    if (qi > 0) js += qi * Math.log(qi / m);
  }
  let v = js / 2;
  if (base !== undefined) v /= Math.log(base);
  return Math.sqrt(Math.max(0, v));
}

/** Evidently's PSI: Σ (r − c)·ln(r / c) over shares with empty bins already filled (see fillZeroShares). */
export function psi(ref: ArrayLike<number>, cur: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i] as number;
    const c = cur[i] as number;
    s += (r - c) * Math.log(r / c);
  }
  return s;
}

/**
 * Evidently's empty-bin rule (utils.get_binned_data, feel_zeroes=True): zero shares become min_nonzero / 10⁶ when
 * the smallest non-zero share is ≤ 1e-4, else 1e-4. Works in place and returns the array.
 */
export function fillZeroShares(shares: Float64Array): Float64Array {
  let min = Infinity;
  for (let i = 0; i < shares.length; i++) {
    const v = shares[i] as number;
    if (v !== 0 && v < min) min = v;
  }
  if (min === Infinity) return shares;
  const fill = min <= 0.0001 ? min / 1e6 : 0.0001;
  for (let i = 0; i < shares.length; i++) if (shares[i] === 0) shares[i] = fill;
  return shares;
}

// ------------------------------------------------------------------------------------------------ binning

/**
 * numpy.histogram_bin_edges(x, bins='sturges') for a sample with the given min, max and size: width
 * ptp / (log2 n + 1), ceil(ptp / width) equal bins over [min, max], edges as numpy.linspace.
 */
export function sturgesEdges(min: number, max: number, n: number): Float64Array {
  let lo = min;
  let hi = max;
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const ptp = max - min;
  const width = ptp / (Math.log2(n) + 1);
  const bins = width ? Math.ceil((hi - lo) / width) : 1;
  return linspace(lo, hi, bins + 1);
}

/** numpy.linspace(start, stop, num) (endpoint included, last edge exactly `stop`). */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const div = num - 1;
  const step = div > 0 ? (stop - start) / div : 0;
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  if (num > 1) out[num - 1] = stop;
  return out;
}

/** First index with a[i] ≥ v (side 'left'), or > v with `right`. */
export function searchSorted(a: Float64Array, v: number, right = false): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const x = a[mid] as number;
    if (x < v || (right && x === v)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** numpy.histogram(sorted, edges)[0]: half-open bins, the last one closed; values outside the edges are dropped. */
export function histogramSorted(sorted: Float64Array, edges: Float64Array): Float64Array {
  const nb = edges.length - 1;
  const counts = new Float64Array(Math.max(nb, 0));
  if (nb <= 0) return counts;
  let prev = searchSorted(sorted, edges[0] as number);
  for (let k = 0; k < nb; k++) {
    const next =
      k === nb - 1
        ? searchSorted(sorted, edges[nb] as number, true)
        : searchSorted(sorted, edges[k + 1] as number);
    counts[k] = next - prev;
    prev = next;
  }
  return counts;
}

/**
 * Evidently's get_binned_data for a numerical column with more than 20 distinct reference values: Sturges edges
 * over reference + current, shares = counts / size. Returns the edges too (for charts).
 */
export function binnedNumericShares(
  ref: Float64Array,
  cur: Float64Array,
): { edges: Float64Array; ref: Float64Array; cur: Float64Array } {
  const min = Math.min(ref[0] as number, cur[0] as number);
  const max = Math.max(ref[ref.length - 1] as number, cur[cur.length - 1] as number);
  const edges = sturgesEdges(min, max, ref.length + cur.length);
  const r = histogramSorted(ref, edges);
  const c = histogramSorted(cur, edges);
  for (let i = 0; i < r.length; i++) r[i] = (r[i] as number) / ref.length;
  for (let i = 0; i < c.length; i++) c[i] = (c[i] as number) / cur.length;
  return { edges, ref: r, cur: c };
}
