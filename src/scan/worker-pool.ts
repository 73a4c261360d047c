import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Limits } from '../core/limits.js';
import type { PolicyExtension } from './pickle/policy.js';
import type { FileResult } from './types.js';

/** A file to scan in a worker: the display name and the path on disk. */
export interface WorkItem {
  display: string;
  abs: string;
  size: number;
}

export interface WorkerInit {
  limits: Limits;
  policy?: PolicyExtension;
  /** Heap limit of each worker (MB): a hostile file that exhausts it fails alone, as inconclusive. */
  memoryMb?: number;
}

type Reply = { result?: FileResult; error?: string };

interface Slot {
  worker: Worker;
  job?: { resolve: (r: FileResult) => void; reject: (e: Error) => void };
}

/** The worker script, when running from the built package (TypeScript sources cannot run in a plain worker). */
export function workerScript(): string | undefined {
  const file = fileURLToPath(new URL('./scan-worker.js', import.meta.url));
  return existsSync(file) ? file : undefined;
}

/**
 * Scans files on worker threads, one file per worker at a time. Pickle analysis is CPU-bound, so a directory of
 * models scales with cores. A worker that dies (e.g. out of memory on a hostile file) fails only its own file and
 * is replaced.
 */
export class WorkerPool {
  private readonly idle: Slot[] = [];
  private readonly all = new Set<Slot>();
  private readonly waiters: { resolve: (s: Slot) => void; reject: (e: Error) => void }[] = [];
  private closed = false;
  /** Workers that died while idle: after a few, the pool is broken (e.g. it cannot even start) and stops respawning. */
  private idleDeaths = 0;
  private broken: Error | undefined;

  constructor(
    private readonly script: string,
    size: number,
    private readonly init: WorkerInit,
  ) {
    for (let i = 0; i < size; i++) this.release(this.spawn());
  }

  private spawn(): Slot {
    const slot: Slot = {
      worker: new Worker(this.script, {
        workerData: this.init,
        resourceLimits: this.init.memoryMb ? { maxOldGenerationSizeMb: this.init.memoryMb } : undefined,
      }),
    };
    this.all.add(slot);
    slot.worker.on('message', (m: Reply) => {
      const job = slot.job;
      slot.job = undefined;
      if (m.result) job?.resolve(m.result);
      else job?.reject(new Error(m.error ?? 'worker failed'));
      this.release(slot);
    });
    const fail = (err: Error): void => {
      if (!this.all.delete(slot)) return;
      const idx = this.idle.indexOf(slot);
      if (idx >= 0) this.idle.splice(idx, 1);
      if (slot.job) slot.job.reject(err);
      else this.idleDeaths++;
      slot.job = undefined;
      if (this.closed) return;
      if (this.idleDeaths >= 3) {
        this.broken = err;
        for (const w of this.waiters.splice(0)) w.reject(err);
        return;
      }
      this.release(this.spawn());
    };
    slot.worker.on('error', fail);
    slot.worker.on('exit', (code) => fail(new Error(`scan worker exited with code ${code}`)));
    return slot;
  }

  private release(slot: Slot): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(slot);
    else this.idle.push(slot);
  }

  private acquire(): Promise<Slot> {
    if (this.broken) return Promise.reject(this.broken);
    const s = this.idle.pop();
    if (s) return Promise.resolve(s);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  async run(item: WorkItem): Promise<FileResult> {
    const slot = await this.acquire();
    return new Promise<FileResult>((resolve, reject) => {
      slot.job = { resolve, reject };
      slot.worker.postMessage({ item });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = [...this.all];
    this.all.clear();
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
