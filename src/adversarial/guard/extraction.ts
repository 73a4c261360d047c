/**
 * Query-pattern detectors for (non-LLM) models served behind the guard, kept per client with bounded memory:
 *
 * - PRADA (Juuti et al., EuroS&P 2019): for each new query, the minimum L2 distance to the client's "growing set" of
 *   earlier queries is recorded; a query joins the set when that distance exceeds the set's threshold, and the
 *   threshold rises to max(old, mean − std of the distances of the set's members). Once enough distances are collected (after 3σ outlier
 *   removal), a Shapiro–Wilk test runs every `testEvery` queries; W below `delta` flags the client. Benign traffic
 *   tends to give roughly normal distance distributions; synthetic extraction queries (Jacobian augmentation steps,
 *   perturbations of few seeds) do not. Bulwark keeps one growing set per client, not one per predicted class (the
 *   guard sees the query before the model answers it).
 * - Blacklight-style fingerprints (Li et al., USENIX Security 2022): each query is salted, quantised, cut into sliding
 *   windows whose SHA-256 hashes (with the window position) form its fingerprint (the `hashesKept` smallest hashes).
 *   A query whose fingerprint shares at least `matchFraction` of its hashes with one earlier query of the same client
 *   is a near-duplicate; the client is flagged when `hitLimit` of its last `hitWindow` queries are near-duplicates,
 *   the signature of query-based evasion attacks that iterate on near-identical inputs.
 *
 * Memory: every client holds at most `historySize` vectors and fingerprints (ring buffers), at most `maxDistances`
 * distances; at most `maxClients` clients are tracked (least recently seen dropped first).
 */
import { createHash, randomBytes } from 'node:crypto';
import { meanStd, shapiroWilk } from './stats.js';

export interface PradaOptions {
  enabled: boolean;
  /** Distances needed (after outlier removal) before the test runs. Default 100 (the paper's value). */
  minSamples: number;
  /** W below this flags the client. Default 0.9. */
  delta: number;
  /** Run the test every this many queries. Default 10. */
  testEvery: number;
  /** Distances kept per client (ring buffer, ≤ 5000). Default 1000. */
  maxDistances: number;
}

export interface BlacklightOptions {
  enabled: boolean;
  /** Quantisation step in input units. Default 0.05 (inputs scaled to [0, 1]). */
  quantStep: number;
  /** Values per sliding window. Default 4. */
  windowSize: number;
  /** Hashes kept per fingerprint. Default 50. */
  hashesKept: number;
  /** Shared fraction of hashes that makes two queries near-duplicates. Default 0.9. */
  matchFraction: number;
  /** Recent queries considered for the hit count. Default 100. */
  hitWindow: number;
  /** Near-duplicates among the last `hitWindow` queries that flag the client. Default 50. */
  hitLimit: number;
}

export interface DetectorOptions {
  /** Vectors / fingerprints kept per client. Default 1000. */
  historySize: number;
  /** Clients tracked at once. Default 10000. */
  maxClients: number;
  /** Longest vector accepted. Default 100000. */
  maxDim: number;
  prada: PradaOptions;
  blacklight: BlacklightOptions;
  /** Salt seed for Blacklight quantisation (default: random per process, so attackers cannot align to the grid). */
  salt?: Uint8Array;
}

export const DEFAULT_DETECTOR_OPTIONS: DetectorOptions = Object.freeze({
  historySize: 1000,
  maxClients: 10000,
  maxDim: 100000,
  prada: Object.freeze({ enabled: true, minSamples: 100, delta: 0.9, testEvery: 10, maxDistances: 1000 }),
  blacklight: Object.freeze({
    enabled: true,
    quantStep: 0.05,
    windowSize: 4,
    hashesKept: 50,
    matchFraction: 0.9,
    hitWindow: 100,
    hitLimit: 50,
  }),
}) as DetectorOptions;

export interface PradaState {
  /** Distances collected so far (≤ maxDistances). */
  samples: number;
  /** Last Shapiro–Wilk W (undefined until the first test). */
  w?: number;
  flagged: boolean;
}

export interface BlacklightState {
  /** Largest number of fingerprint hashes this query shares with one earlier query. */
  bestMatch: number;
  /** Hashes in this query's fingerprint. */
  hashes: number;
  /** This query is a near-duplicate. */
  hit: boolean;
  /** Near-duplicates among the last `hitWindow` queries. */
  hits: number;
  flagged: boolean;
}

export interface QueryVerdict {
  flagged: boolean;
  prada?: PradaState;
  blacklight?: BlacklightState;
}

class Ring<T> {
  readonly items: (T | undefined)[];
  private next = 0;
  size = 0;
  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }
  /** Adds `v`; returns the evicted item, if any. */
  push(v: T): T | undefined {
    const old = this.size === this.capacity ? this.items[this.next] : undefined;
    this.items[this.next] = v;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
    return old;
  }
  *values(): Iterable<T> {
    for (let i = 0; i < this.size; i++) yield this.items[i] as T;
  }
}

interface ClientState {
  // PRADA
  growing: Ring<Float64Array>;
  distances: Ring<number>;
  /** Distances of the queries that joined the growing set (they set the threshold). */
  setDistances: Ring<number>;
  threshold: number;
  sinceTest: number;
  prada: PradaState;
  // Blacklight
  seq: number;
  prints: Ring<{ id: number; hashes: string[] }>;
  index: Map<string, Set<number>>;
  hitRing: Ring<boolean>;
  hits: number;
}

/** Per-client PRADA and Blacklight state. Not thread-safe; one instance per guard. */
export class QueryPatternDetector {
  readonly options: DetectorOptions;
  private readonly clients = new Map<string, ClientState>();
  private readonly salt: Uint8Array;
  private saltVec: Float64Array = new Float64Array(0);

  constructor(
    options: Partial<Omit<DetectorOptions, 'prada' | 'blacklight'>> & {
      prada?: Partial<PradaOptions>;
      blacklight?: Partial<BlacklightOptions>;
    } = {},
  ) {
    const d = DEFAULT_DETECTOR_OPTIONS;
    this.options = {
      historySize: options.historySize ?? d.historySize,
      maxClients: options.maxClients ?? d.maxClients,
      maxDim: options.maxDim ?? d.maxDim,
      prada: { ...d.prada, ...options.prada },
      blacklight: { ...d.blacklight, ...options.blacklight },
    };
    this.options.prada.maxDistances = Math.min(5000, this.options.prada.maxDistances);
    this.salt = options.salt ?? randomBytes(32);
  }

  /** Clients currently tracked. */
  get clientCount(): number {
    return this.clients.size;
  }

  /** Forgets a client's history. */
  reset(client: string): void {
    this.clients.delete(client);
  }

  /** Records one query of `client` and returns the detectors' verdict. Throws RangeError on a bad vector. */
  observe(client: string, vector: ArrayLike<number>): QueryVerdict {
    if (vector.length === 0 || vector.length > this.options.maxDim)
      throw new RangeError(`query vector must have 1 to ${this.options.maxDim} numbers`);
    const x = Float64Array.from(vector);
    for (const v of x) if (!Number.isFinite(v)) throw new RangeError('query vector must hold finite numbers');
    const st = this.state(client);
    const verdict: QueryVerdict = { flagged: false };
    if (this.options.prada.enabled) {
      verdict.prada = this.observePrada(st, x);
      if (verdict.prada.flagged) verdict.flagged = true;
    }
    if (this.options.blacklight.enabled) {
      verdict.blacklight = this.observeBlacklight(st, x);
      if (verdict.blacklight.flagged) verdict.flagged = true;
    }
    return verdict;
  }

  private state(client: string): ClientState {
    let st = this.clients.get(client);
    if (st) {
      // Move to the end: Map iteration order is the LRU order.
      this.clients.delete(client);
      this.clients.set(client, st);
      return st;
    }
    if (this.clients.size >= this.options.maxClients) {
      const oldest = this.clients.keys().next().value;
      if (oldest !== undefined) this.clients.delete(oldest);
    }
    const h = this.options.historySize;
    st = {
      growing: new Ring(h),
      distances: new Ring(this.options.prada.maxDistances),
      setDistances: new Ring(h),
      threshold: 0,
      sinceTest: 0,
      prada: { samples: 0, flagged: false },
      seq: 0,
      prints: new Ring(h),
      index: new Map(),
      hitRing: new Ring(this.options.blacklight.hitWindow),
      hits: 0,
    };
    this.clients.set(client, st);
    return st;
  }

  private observePrada(st: ClientState, x: Float64Array): PradaState {
    const o = this.options.prada;
    if (st.growing.size === 0) {
      st.growing.push(x);
      return { ...st.prada };
    }
    let best = Infinity;
    for (const g of st.growing.values()) {
      if (g.length !== x.length) continue;
      let s = 0;
      for (let i = 0; i < x.length; i++) {
        const dlt = x[i] - g[i];
        s += dlt * dlt;
        if (s >= best) break;
      }
      if (s < best) best = s;
    }
    if (best === Infinity) {
      // A vector of a new length starts a new set.
      st.growing.push(x);
      return { ...st.prada };
    }
    const dmin = Math.sqrt(best);
    st.distances.push(dmin);
    if (dmin > st.threshold) {
      st.growing.push(x);
      st.setDistances.push(dmin);
      const { mean, std } = meanStd([...st.setDistances.values()]);
      st.threshold = Math.max(st.threshold, mean - std);
    }
    st.prada.samples = st.distances.size;
    if (++st.sinceTest >= o.testEvery && st.distances.size >= o.minSamples) {
      st.sinceTest = 0;
      const all = [...st.distances.values()];
      const { mean, std } = meanStd(all);
      const kept = std > 0 ? all.filter((d) => Math.abs(d - mean) <= 3 * std) : all;
      if (kept.length >= o.minSamples) {
        let w: number;
        try {
          w = shapiroWilk(kept).w;
        } catch {
          // All distances equal: as far from a normal spread as it gets.
          w = 0;
        }
        st.prada.w = w;
        st.prada.flagged = w < o.delta;
      }
    }
    return { ...st.prada };
  }

  /** Blacklight fingerprint of one query: the `hashesKept` smallest window hashes (hex, 16 digits). */
  fingerprint(x: ArrayLike<number>): string[] {
    const o = this.options.blacklight;
    if (this.saltVec.length < x.length) this.saltVec = this.expandSalt(x.length);
    const q = new Int32Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const v = Math.round((x[i] + this.saltVec[i] * o.quantStep) / o.quantStep);
      q[i] = Math.max(-2147483648, Math.min(2147483647, v));
    }
    const w = Math.min(o.windowSize, q.length);
    const set = new Set<string>();
    const pos = new Int32Array(1);
    for (let i = 0; i + w <= q.length; i++) {
      pos[0] = i;
      const h = createHash('sha256');
      h.update(new Uint8Array(pos.buffer));
      h.update(new Uint8Array(q.buffer, i * 4, w * 4));
      set.add(h.digest('hex').slice(0, 16));
    }
    return [...set].sort().slice(0, o.hashesKept);
  }

  private expandSalt(n: number): Float64Array {
    // Deterministic per-dimension offsets in [0, 1) from the salt.
    const out = new Float64Array(n);
    let block = Buffer.alloc(0);
    for (let i = 0; i < n; i++) {
      const off = (i * 4) % 32;
      if (off === 0) block = createHash('sha256').update(this.salt).update(String(i)).digest();
      out[i] = block.readUInt32LE(off) / 2 ** 32;
    }
    return out;
  }

  private observeBlacklight(st: ClientState, x: Float64Array): BlacklightState {
    const o = this.options.blacklight;
    const hashes = this.fingerprint(x);
    const counts = new Map<number, number>();
    let bestMatch = 0;
    for (const h of hashes) {
      const ids = st.index.get(h);
      if (!ids) continue;
      for (const id of ids) {
        const c = (counts.get(id) ?? 0) + 1;
        counts.set(id, c);
        if (c > bestMatch) bestMatch = c;
      }
    }
    const hit = hashes.length > 0 && bestMatch >= Math.ceil(o.matchFraction * hashes.length);
    const id = st.seq++;
    const evicted = st.prints.push({ id, hashes });
    if (evicted) {
      for (const h of evicted.hashes) {
        const ids = st.index.get(h);
        if (ids) {
          ids.delete(evicted.id);
          if (ids.size === 0) st.index.delete(h);
        }
      }
    }
    for (const h of hashes) {
      let ids = st.index.get(h);
      if (!ids) st.index.set(h, (ids = new Set()));
      ids.add(id);
    }
    if (st.hitRing.push(hit) === true) st.hits--;
    if (hit) st.hits++;
    return { bestMatch, hashes: hashes.length, hit, hits: st.hits, flagged: st.hits >= o.hitLimit };
  }
}
