import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { BulwarkError, UsageError, type ErrorCode } from '../../core/errors.js';
import {
  hashPlanSerial,
  manifestFromDigests,
  planModelHash,
  progressReporter,
  type HashPlan,
  type HashTask,
} from './hash.js';
import type { HashOptions, ModelManifest, OmsHashType } from './types.js';

/** Most worker threads `hashModel` starts by default. */
export const DEFAULT_MAX_WORKERS = 8;
/** Below this many bytes the default is to hash in this thread: starting workers would cost more than it saves. */
export const IN_THREAD_BELOW_BYTES = 64 * 1024 * 1024;
/** A batch sent to a worker holds at most this many tasks (fewer when there are few: about 4 batches a worker) ... */
const BATCH_TASKS = 256;
/** ... and stops growing at this many bytes (a bigger single task is a batch of its own). */
const BATCH_BYTES = 16 * 1024 * 1024;
/** A worker reports progress after this many bytes. */
const PROGRESS_BYTES = 16 * 1024 * 1024;

/** `workerData` of a hash worker. */
export interface HashWorkerInit {
  hashType: OmsHashType;
  progressBytes: number;
}
export interface HashWorkerRequest {
  id: number;
  tasks: HashTask[];
}
export type HashWorkerReply =
  | { id: number; type: 'progress'; bytes: number }
  | { id: number; type: 'done'; digests: string[] }
  | { id: number; type: 'error'; code: ErrorCode; message: string };

/** The worker script when running from the built package; undefined from TypeScript sources (e.g. under vitest). */
export function hashWorkerScript(): string | undefined {
  if (!import.meta.url.endsWith('.js')) return undefined;
  const file = fileURLToPath(new URL('./hash-worker.js', import.meta.url));
  return existsSync(file) ? file : undefined;
}

/** How many worker threads hashing a plan would use (0: in this thread). */
export function workerCount(plan: Pick<HashPlan, 'tasks' | 'bytesTotal'>, workers?: number): number {
  if (workers !== undefined && (!Number.isSafeInteger(workers) || workers < 0))
    throw new UsageError(`workers ${workers} is not a whole number >= 0; pass 0 to hash in this thread`);
  if (workers === undefined && plan.bytesTotal < IN_THREAD_BELOW_BYTES) return 0;
  const wanted = workers ?? Math.min(availableParallelism(), DEFAULT_MAX_WORKERS);
  const n = Math.min(wanted, batches(plan.tasks, wanted).length);
  return n <= 1 ? 0 : n;
}

interface Batch {
  first: number;
  tasks: HashTask[];
  bytes: number;
}

/** Groups consecutive small tasks so that tiny shards do not cost one message each. */
function batches(tasks: readonly HashTask[], workers: number): Batch[] {
  const perBatch = Math.max(1, Math.min(BATCH_TASKS, Math.ceil(tasks.length / (workers * 4))));
  const out: Batch[] = [];
  let cur: Batch | undefined;
  tasks.forEach((t, i) => {
    const size = t.end - t.start;
    if (!cur || cur.tasks.length >= perBatch || cur.bytes + size > BATCH_BYTES) {
      cur = { first: i, tasks: [], bytes: 0 };
      out.push(cur);
    }
    cur.tasks.push(t);
    cur.bytes += size;
  });
  return out;
}

/**
 * Hashes a model file or directory exactly as OpenSSF Model Signing (`model_signing`) does — the same manifest as
 * `hashModelSerial` — with files (or shards) spread over a small pool of worker threads. Each file is streamed in
 * 1 MiB chunks; a single file in files mode is one digest, so parallelism is across files and shards. Rejects with
 * the signal's reason on abort, and with a BulwarkError when a file changes while it is hashed; workers are
 * terminated either way.
 */
export async function hashModel(modelPath: string, opts: HashOptions = {}): Promise<ModelManifest> {
  const plan = await planModelHash(modelPath, opts);
  const n = workerCount(plan, opts.workers);
  const script = hashWorkerScript();
  if (n === 0 || !script) return hashPlanSerial(plan, opts);
  return hashPlanParallel(plan, opts, script, n);
}

/** Hashes a planned model on `size` worker threads running `script`. */
export function hashPlanParallel(
  plan: HashPlan,
  opts: Pick<HashOptions, 'onProgress' | 'signal'>,
  script: string,
  size: number,
): Promise<ModelManifest> {
  const signal = opts.signal;
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  // Biggest batches first, so that one large file does not start last and leave the other workers idle.
  const queue = batches(plan.tasks, size).sort((a, b) => b.bytes - a.bytes || a.first - b.first);
  const digests: string[] = new Array<string>(plan.tasks.length);
  const progress = progressReporter(plan.tasks.length, plan.bytesTotal, opts.onProgress);
  const init: HashWorkerInit = { hashType: plan.hashType, progressBytes: PROGRESS_BYTES };

  return new Promise<ModelManifest>((resolve, reject) => {
    const workers: Worker[] = [];
    const running = new Map<Worker, Batch>();
    let next = 0;
    let settled = false;

    const settle = (err: unknown, result?: ModelManifest): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      void Promise.allSettled(workers.map((w) => w.terminate())).then(() =>
        err === undefined ? resolve(result!) : reject(err as Error),
      );
    };
    const onAbort = (): void => settle(signal?.reason ?? new Error('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });

    const dispatch = (w: Worker): void => {
      if (settled) return;
      const batch = queue[next++];
      if (!batch) {
        if (running.size === 0) settle(undefined, manifestFromDigests(plan, digests));
        return;
      }
      running.set(w, batch);
      w.postMessage({ id: batch.first, tasks: batch.tasks } satisfies HashWorkerRequest);
    };

    for (let i = 0; i < size; i++) {
      let w: Worker;
      try {
        w = new Worker(script, { workerData: init });
      } catch (err) {
        settle(err);
        return;
      }
      workers.push(w);
      w.on('message', (m: HashWorkerReply) => {
        if (settled) return;
        if (m.type === 'progress') {
          progress.bytes(m.bytes);
          return;
        }
        if (m.type === 'error') {
          settle(new BulwarkError(m.code, m.message));
          return;
        }
        const batch = running.get(w);
        running.delete(w);
        if (!batch || batch.first !== m.id || m.digests.length !== batch.tasks.length) {
          settle(new BulwarkError('E_INTERNAL', 'a hash worker answered out of turn'));
          return;
        }
        m.digests.forEach((d, j) => {
          digests[batch.first + j] = d;
          progress.fileDone();
        });
        dispatch(w);
      });
      w.on('error', (err) => settle(err));
      w.on('exit', (code) => {
        if (!settled) settle(new BulwarkError('E_INTERNAL', `a hash worker exited early (code ${code})`));
      });
      dispatch(w);
    }
  });
}
