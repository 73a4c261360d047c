/**
 * Seeded synthetic classification data (Gaussian blobs around random class centres), for tests, examples and
 * benchmarks of the attacks that train their own models.
 */
import { mulberry32 } from '../../core/random.js';

export interface BlobOptions {
  n: number;
  d: number;
  k: number;
  /** Standard deviation of each blob around its centre (centres are N(0, 1) per feature; default 1). */
  spread?: number;
  /** Fraction of labels replaced by a random class (default 0). */
  labelNoise?: number;
  seed?: number;
  /** Seed of the class centres (default: `seed`); use the same one for train and test sets. */
  centreSeed?: number;
}

export function gaussianBlobs(o: BlobOptions): { x: Float32Array; y: Int32Array; n: number } {
  const rand = mulberry32(o.seed ?? 1);
  const crand = mulberry32(o.centreSeed ?? o.seed ?? 1);
  const gauss = (r: () => number) =>
    Math.sqrt(-2 * Math.log(Math.max(r(), 1e-12))) * Math.cos(2 * Math.PI * r());
  const centres = Array.from({ length: o.k }, () => Array.from({ length: o.d }, () => gauss(crand)));
  const x = new Float32Array(o.n * o.d);
  const y = new Int32Array(o.n);
  const s = o.spread ?? 1;
  for (let i = 0; i < o.n; i++) {
    const c = Math.floor(rand() * o.k);
    for (let j = 0; j < o.d; j++) x[i * o.d + j] = centres[c][j] + s * gauss(rand);
    y[i] = rand() < (o.labelNoise ?? 0) ? Math.floor(rand() * o.k) : c;
  }
  return { x, y, n: o.n };
}
