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
}

type Reply = { id: number; result?: FileResult; error?: string };

/** The worker script, when running from the built package (TypeScript sources cannot run in a plain worker). */
export function workerScript(): string | undefined {
  const url = new URL('./scan-worker.js', import.meta.url);
  const file = fileURLToPath(url);
  return existsSync(file) ? file : undefined;
}

/**
 * Scans files on worker threads, one file per worker at a time. Pickle analysis is CPU-bound, so a directory of
 * models scales with cores. Results come back in order of completion; the caller places them.
 */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly pending = new Map<
    number,
    { resolve: (r: FileResult) => void; reject: (e: Error) => void }
  >();
  private nextId = 0;
  private readonly waiters: ((w: Worker) => void)[] = [];

  constructor(script: string, size: number, init: WorkerInit) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(script, { workerData: init });
      w.on('message', (m: Reply) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.result) p.resolve(m.result);
        else p.reject(new Error(m.error ?? 'worker failed'));
        this.release(w);
      });
      w.on('error', (err) => {
        for (const [id, p] of this.pending) {
          this.pending.delete(id);
          p.reject(err);
        }
      });
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  private release(w: Worker): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(w);
    else this.idle.push(w);
  }

  private acquire(): Promise<Worker> {
    const w = this.idle.pop();
    if (w) return Promise.resolve(w);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async run(item: WorkItem): Promise<FileResult> {
    const w = await this.acquire();
    const id = this.nextId++;
    return new Promise<FileResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ id, item });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
