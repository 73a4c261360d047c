/**
 * Statistics used by the query-pattern detectors: the Shapiro–Wilk normality test (Royston 1995, algorithm AS R94,
 * valid for 3 ≤ n ≤ 5000), the inverse normal CDF and the normal upper tail.
 */

/** Inverse of the standard normal CDF (Acklam's rational approximation with one Halley refinement step). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    return NaN;
  }
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const plow = 0.02425;
  let x: number;
  if (p < plow) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - plow) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
      (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x =
      -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  // One Halley step against the accurate CDF brings the error to ~1e-15.
  const e = 0.5 * erfc(-x / Math.SQRT2) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** Complementary error function (W. J. Cody's rational Chebyshev approximations, relative error < 1e-15). */
export function erfc(x: number): number {
  const ax = Math.abs(x);
  let r: number;
  if (ax < 0.5) {
    const t = x * x;
    const top =
      (((0.185777706184603153 * t + 3.1611237438705656) * t + 113.864154151050156) * t +
        377.485237685302021) *
        t +
      3209.37758913846947;
    const bot =
      (((t + 23.6012909523441209) * t + 244.024637934444173) * t + 1282.61652607737228) * t +
      2844.23683343917062;
    return 1 - (x * top) / bot;
  }
  if (ax < 4) {
    const top =
      (((((((2.15311535474403846e-8 * ax + 0.564188496988670089) * ax + 8.88314979438837594) * ax +
        66.1191906371416295) *
        ax +
        298.635138197400131) *
        ax +
        881.95222124176909) *
        ax +
        1712.04761263407058) *
        ax +
        2051.07837782607147) *
        ax +
      1230.33935479799725;
    const bot =
      (((((((ax + 15.7449261107098347) * ax + 117.693950891312499) * ax + 537.181101862009858) * ax +
        1621.38957456669019) *
        ax +
        3290.79923573345963) *
        ax +
        4362.61909014324716) *
        ax +
        3439.36767414372164) *
        ax +
      1230.33935480374942;
    r = Math.exp(-ax * ax) * (top / bot);
  } else {
    const z = 1 / (ax * ax);
    const top =
      ((((0.0163153871373020978 * z + 0.305326634961232344) * z + 0.360344899949804439) * z +
        0.125781726111229246) *
        z +
        0.0160837851487422766) *
        z +
      6.58749161529837803e-4;
    const bot =
      ((((z + 2.56852019228982242) * z + 1.87295284992346725) * z + 0.527905102951428412) * z +
        0.0605183413124413191) *
        z +
      0.00233520497626869185;
    r = (Math.exp(-ax * ax) / ax) * (1 / Math.sqrt(Math.PI) - (z * top) / bot);
  }
  return x < 0 ? 2 - r : r;
}

/** P(Z > z) for a standard normal Z. */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

function poly(c: readonly number[], x: number): number {
  let r = 0;
  for (let i = c.length - 1; i >= 0; i--) r = r * x + c[i];
  return r;
}

export interface ShapiroWilkResult {
  /** The W statistic, in (0, 1]; values well below 1 mean the sample is not normal. */
  w: number;
  /** Royston's approximate p-value of H0 "the sample is normal". */
  p: number;
  n: number;
}

const C1 = [0, 0.221157, -0.147981, -2.07119, 4.434685, -2.706056];
const C2 = [0, 0.042981, -0.293762, -1.752461, 5.682633, -3.582633];
const C3 = [0.544, -0.39978, 0.025054, -6.714e-4];
const C4 = [1.3822, -0.77857, 0.062767, -0.0020322];
const C5 = [-1.5861, -0.31082, -0.083751, 0.0038915];
const C6 = [-0.4803, -0.082676, 0.0030302];
const G = [-2.273, 0.459];

/**
 * Shapiro–Wilk W test of normality with Royston's (1992/1995) coefficient and p-value approximations, the algorithm
 * behind R's `shapiro.test` and SciPy's `shapiro`. Needs 3 ≤ n ≤ 5000 finite values that are not all equal (throws
 * RangeError otherwise).
 */
export function shapiroWilk(sample: ArrayLike<number>): ShapiroWilkResult {
  const n = sample.length;
  if (n < 3 || n > 5000) throw new RangeError(`Shapiro–Wilk needs 3 to 5000 values, got ${n}`);
  const x = Float64Array.from(sample);
  for (const v of x) if (!Number.isFinite(v)) throw new RangeError('Shapiro–Wilk needs finite values');
  x.sort();
  const range = x[n - 1] - x[0];
  if (!(range > 0)) throw new RangeError('Shapiro–Wilk needs values that are not all equal');
  const nn2 = Math.floor(n / 2);
  // a[i], i = 0..nn2-1: weights of the i-th smallest/largest pair (positive).
  const a = new Float64Array(nn2);
  if (n === 3) {
    a[0] = Math.SQRT1_2;
  } else {
    const an25 = n + 0.25;
    const m = new Float64Array(nn2);
    let summ2 = 0;
    for (let i = 0; i < nn2; i++) {
      m[i] = normalQuantile((i + 1 - 0.375) / an25);
      summ2 += m[i] * m[i];
    }
    summ2 *= 2;
    const ssumm2 = Math.sqrt(summ2);
    const rsn = 1 / Math.sqrt(n);
    const a1 = poly(C1, rsn) - m[0] / ssumm2;
    let i1: number;
    let fac: number;
    if (n > 5) {
      i1 = 2;
      const a2 = -m[1] / ssumm2 + poly(C2, rsn);
      fac = Math.sqrt((summ2 - 2 * m[0] * m[0] - 2 * m[1] * m[1]) / (1 - 2 * a1 * a1 - 2 * a2 * a2));
      a[1] = a2;
    } else {
      i1 = 1;
      fac = Math.sqrt((summ2 - 2 * m[0] * m[0]) / (1 - 2 * a1 * a1));
    }
    a[0] = a1;
    for (let i = i1; i < nn2; i++) a[i] = -m[i] / fac;
  }
  // W = (Σ a_i (x_(n+1-i) − x_(i)))² / Σ (x − mean)², computed on range-scaled values for stability.
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i] / range;
  mean /= n;
  let ssq = 0;
  for (let i = 0; i < n; i++) {
    const dlt = x[i] / range - mean;
    ssq += dlt * dlt;
  }
  let num = 0;
  for (let i = 0; i < nn2; i++) num += a[i] * ((x[n - 1 - i] - x[i]) / range);
  let w = (num * num) / ssq;
  if (w > 1) w = 1;
  return { w, p: shapiroWilkP(w, n), n };
}

function shapiroWilkP(w: number, n: number): number {
  if (n === 3) {
    const pw = (6 / Math.PI) * (Math.asin(Math.sqrt(w)) - Math.PI / 3);
    return Math.min(1, Math.max(0, pw));
  }
  if (w >= 1) return 1;
  const w1 = Math.log(1 - w);
  let y: number;
  let mu: number;
  let sigma: number;
  if (n <= 11) {
    const gamma = poly(G, n);
    if (w1 >= gamma) return 1e-99;
    y = -Math.log(gamma - w1);
    mu = poly(C3, n);
    sigma = Math.exp(poly(C4, n));
  } else {
    const xx = Math.log(n);
    y = w1;
    mu = poly(C5, xx);
    sigma = Math.exp(poly(C6, xx));
  }
  return normalSf((y - mu) / sigma);
}

/** Mean and (population) standard deviation. */
export function meanStd(v: ArrayLike<number>): { mean: number; std: number } {
  const n = v.length;
  if (n === 0) return { mean: 0, std: 0 };
  let s = 0;
  for (let i = 0; i < n; i++) s += v[i];
  const mean = s / n;
  let q = 0;
  for (let i = 0; i < n; i++) q += (v[i] - mean) * (v[i] - mean);
  return { mean, std: Math.sqrt(q / n) };
}
