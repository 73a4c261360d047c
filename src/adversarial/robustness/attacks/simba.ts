import { inputSize } from '../target.js';
import type { Attack, AttackInput, AttackOutput } from './types.js';
import { clip, gatherRows, QueryLedger } from './util.js';

export interface SimbaOptions {
  /** Most coordinates tried per sample (ART default 3000; the pixel basis stops after every coordinate once). */
  maxIter?: number;
}

/** Probability of the true class (softmax first when the target returns logits). */
function trueProb(s: Float32Array, q: number, k: number, label: number, probs: boolean): number {
  if (probs) return s[q * k + label]!;
  let mx = -Infinity;
  for (let c = 0; c < k; c++) mx = Math.max(mx, s[q * k + c]!);
  let z = 0;
  for (let c = 0; c < k; c++) z += Math.exp(s[q * k + c]! - mx);
  return Math.exp(s[q * k + label]! - mx) / z;
}

function argmax(s: Float32Array, q: number, k: number): number {
  let b = 0;
  for (let c = 1; c < k; c++) if (s[q * k + c]! > s[q * k + b]!) b = c;
  return b;
}

async function simbaRun(input: AttackInput, maxIter: number): Promise<AttackOutput> {
  const { target, x, y, n, eps, rng } = input;
  const d = inputSize(target);
  const k = target.nbClasses;
  const probs = target.scoresAreProbabilities !== false;
  const [lo, hi] = target.clipValues;
  const ledger = new QueryLedger(input, d);
  const cur = Float32Array.from(x);
  const perms: Int32Array[] = [];
  let active = ledger.admit([...Array(n).keys()]);
  for (let i = 0; i < n; i++) {
    const p = Int32Array.from({ length: d }, (_, j) => j);
    for (let j = d - 1; j > 0; j--) {
      const t = Math.floor(rng() * (j + 1));
      const v = p[j]!;
      p[j] = p[t]!;
      p[t] = v;
    }
    perms.push(p);
  }
  const last = new Float64Array(n);
  const s0 = await ledger.scores(gatherRows(cur, active, d), active);
  active = active.filter((i, q) => {
    last[i] = trueProb(s0, q, k, y[i]!, probs);
    if (argmax(s0, q, k) === y[i]) return true;
    ledger.success(i);
    return false;
  });
  const steps = Math.min(maxIter, d);
  /** Tries `dir`·ε on each sample's t-th coordinate; returns the samples whose true-class probability dropped. */
  const tryStep = async (list: number[], t: number, dir: number): Promise<Set<number>> => {
    const improved = new Set<number>();
    if (!list.length) return improved;
    const cand = gatherRows(cur, list, d);
    list.forEach((i, q) => {
      const j = perms[i]![t]!;
      cand[q * d + j] = clip(x[i * d + j]! + dir * eps, lo, hi);
    });
    const s = await ledger.scores(cand, list);
    list.forEach((i, q) => {
      const p = trueProb(s, q, k, y[i]!, probs);
      if (p < last[i]!) {
        last[i] = p;
        improved.add(i);
        cur.set(cand.subarray(q * d, q * d + d), i * d);
        if (argmax(s, q, k) !== y[i]) ledger.success(i);
      }
    });
    return improved;
  };
  for (let t = 0; t < steps && active.length; t++) {
    const plus = await tryStep(ledger.admit(active), t, 1);
    const minusList = ledger.admit(active.filter((i) => !plus.has(i) && !ledger.exhausted[i]));
    await tryStep(minusList, t, -1);
    active = active.filter((i) => ledger.firstSuccess[i] === -1 && !ledger.exhausted[i]);
  }
  for (let i = 0; i < n; i++) if (ledger.firstSuccess[i] !== -1) ledger.exhausted[i] = 0;
  return ledger.output(cur);
}

/**
 * SimBA in the pixel basis (Guo et al. 2019; ART `SimBA` with attack="px"): for each sample, coordinates in a random
 * order, each moved by +ε and, if the true-class probability did not drop, by −ε; kept when it dropped. Every
 * coordinate changes at most once by ε, so the result stays in the L∞ ball of radius ε. Score-based, untargeted.
 */
export function simba(opts: SimbaOptions = {}): Attack {
  const maxIter = opts.maxIter ?? 3000;
  return {
    name: 'simba',
    requires: 'scores',
    norms: ['inf'],
    mode: 'bounded',
    params: { attack: 'px', max_iter: maxIter, order: 'random', targeted: false },
    run: (input) => simbaRun(input, maxIter),
  };
}
