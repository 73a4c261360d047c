import { parentPort, workerData } from 'node:worker_threads';
import { PicklePolicy } from './pickle/policy.js';
import { scanOneFile } from './engine.js';
import type { WorkerInit, WorkItem } from './worker-pool.js';

/** Worker thread entry: scans the files the pool sends, one at a time. */
const init = workerData as WorkerInit;
const policy = new PicklePolicy(init.policy);

parentPort?.on('message', (msg: { id: number; item: WorkItem }) => {
  scanOneFile(msg.item, init.limits, policy).then(
    (result) => parentPort?.postMessage({ id: msg.id, result }),
    (err: unknown) =>
      parentPort?.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
