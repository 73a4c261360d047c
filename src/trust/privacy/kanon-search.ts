/**
 * Searching the generalisation lattice for k-anonymity (the question ARX answers): which levels of the
 * quasi-identifiers' hierarchies make every equivalence class at least k records large, when up to a share of the
 * records may be suppressed (removed)? Every node of the lattice — one level per quasi-identifier — is evaluated;
 * k-anonymity with suppression is monotone (generalising only merges classes), so the answer is the set of minimal
 * satisfying nodes, and the recommendation is the one losing the least information.
 *
 * Information loss is precision loss (Sweeney's Prec): the mean over quasi-identifiers of level / (height − 1), with
 * suppressed records counted as fully generalised. Ties go to fewer suppressed records, then to the lower levels in
 * quasi-identifier order. Values are coded to integers per level once, so a node costs one pass over the rows.
 */
import { UsageError } from '../../core/errors.js';
import { generalisedValue, qiValues, type QuasiIdentifier, type TableLike } from './kanon.js';

export interface KAnonSearchOptions {
  /** Target k (default 2). */
  k?: number;
  /** Share of records that may be suppressed (0–1, default 0). */
  suppressionLimit?: number;
  /** Most lattice nodes evaluated (default 100,000). */
  maxNodes?: number;
  /** Minimal nodes listed (default 20). */
  maxListed?: number;
}

export interface LatticeNode {
  /** Level per quasi-identifier, in the order given. */
  levels: number[];
  /** Smallest class size before suppression. */
  k: number;
  /** Smallest class left once the classes smaller than k are suppressed (0 when none is left). */
  kAfterSuppression: number;
  classes: number;
  /** Records in classes smaller than k (suppressed when within the limit). */
  suppressed: number;
  /** Precision loss of the node including suppression, 0–1. */
  loss: number;
}

export interface KAnonSearchResult {
  kTarget: number;
  suppressionLimit: number;
  rows: number;
  quasiIdentifiers: { column: string; height: number }[];
  nodes: number;
  satisfying: number;
  /** Minimal satisfying nodes (no satisfying node below them), least loss first. */
  minimal: LatticeNode[];
  /** The recommendation: the minimal node with the least loss, or null when no node satisfies. */
  best: LatticeNode | null;
}

/** Evaluates every generalisation of `qis` (levels 0 … height − 1 of each hierarchy; 0 only without one). */
export function searchKAnonymity(
  table: TableLike,
  qis: readonly QuasiIdentifier[],
  opts: KAnonSearchOptions = {},
): KAnonSearchResult {
  const kTarget = opts.k ?? 2;
  const limit = opts.suppressionLimit ?? 0;
  const maxNodes = opts.maxNodes ?? 100_000;
  const maxListed = opts.maxListed ?? 20;
  if (!Number.isInteger(kTarget) || kTarget < 1) throw new UsageError('--k must be a positive integer');
  if (!(limit >= 0 && limit <= 1)) throw new UsageError('--suppression-limit must be between 0 and 1');
  if (qis.length === 0)
    throw new UsageError('give at least one quasi-identifier with --qi COLUMN=HIERARCHY.csv');
  const n = table.rowCount;
  const heights = qis.map((q) => q.hierarchy?.height ?? 1);
  const nodes = heights.reduce((a, h) => a * h, 1);
  if (nodes > maxNodes)
    throw new UsageError(
      `the generalisation lattice has ${nodes} nodes, over the limit of ${maxNodes}; give fewer quasi-identifiers or shorter hierarchies`,
    );

  // codes[c][level][row] and the number of distinct codes per (c, level).
  const codes: Int32Array[][] = [];
  const card: number[][] = [];
  qis.forEach((q, c) => {
    const values = qiValues(table, q.column);
    codes[c] = [];
    card[c] = [];
    for (let level = 0; level < heights[c]; level++) {
      const dict = new Map<string, number>();
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = generalisedValue(q, values[i], level, i);
        let code = dict.get(v);
        if (code === undefined) dict.set(v, (code = dict.size));
        out[i] = code;
      }
      codes[c][level] = out;
      card[c][level] = dict.size;
    }
  });

  const evaluate = (levels: number[]): LatticeNode => {
    const radix = levels.map((l, c) => card[c][l]);
    const exact = radix.reduce((a, r) => a * Math.max(1, r), 1) < Number.MAX_SAFE_INTEGER;
    const counts = new Map<number | string, number>();
    const cols = levels.map((l, c) => codes[c][l]);
    for (let i = 0; i < n; i++) {
      let key: number | string;
      if (exact) {
        key = 0;
        for (let c = 0; c < cols.length; c++) key = key * radix[c] + cols[c][i];
      } else {
        key = '';
        for (let c = 0; c < cols.length; c++) key += `${cols[c][i]},`;
      }
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    let k = n === 0 ? 0 : Infinity;
    let kAfter = Infinity;
    let suppressed = 0;
    for (const size of counts.values()) {
      if (size < k) k = size;
      if (size < kTarget) suppressed += size;
      else if (size < kAfter) kAfter = size;
    }
    const prec =
      levels.reduce((a, l, c) => a + (heights[c] > 1 ? l / (heights[c] - 1) : 0), 0) / levels.length;
    const share = n === 0 ? 0 : suppressed / n;
    return {
      levels: [...levels],
      k,
      kAfterSuppression: kAfter === Infinity ? 0 : kAfter,
      classes: counts.size,
      suppressed,
      loss: prec * (1 - share) + share,
    };
  };

  const all: LatticeNode[] = [];
  const levels = new Array<number>(qis.length).fill(0);
  for (let i = 0; i < nodes; i++) {
    let rest = i;
    for (let c = qis.length - 1; c >= 0; c--) {
      levels[c] = rest % heights[c];
      rest = Math.floor(rest / heights[c]);
    }
    all.push(evaluate(levels));
  }
  const ok = (x: LatticeNode): boolean => x.suppressed <= limit * n;
  const okAt = Uint8Array.from(all, (x) => (ok(x) ? 1 : 0));
  const stride = heights.map((_, c) => heights.slice(c + 1).reduce((a, h) => a * h, 1));
  const satisfying = all.filter(ok);
  // Satisfying nodes are closed upwards (generalising only merges classes), so a satisfying node is minimal when
  // no node one level lower in a single quasi-identifier satisfies.
  const minimal = all
    .filter((x, i) => okAt[i] && x.levels.every((l, c) => l === 0 || !okAt[i - stride[c]]))
    .sort(
      (a, b) =>
        a.loss - b.loss ||
        a.suppressed - b.suppressed ||
        a.levels.join(',').localeCompare(b.levels.join(','), 'en', { numeric: true }),
    );
  return {
    kTarget,
    suppressionLimit: limit,
    rows: n,
    quasiIdentifiers: qis.map((q, c) => ({ column: q.column, height: heights[c] })),
    nodes,
    satisfying: satisfying.length,
    minimal: minimal.slice(0, maxListed),
    best: minimal[0] ?? null,
  };
}
