import { parentPort, workerData } from 'node:worker_threads';
import { BulwarkError } from '../../core/errors.js';
import { CHUNK, hasherFactory, hashTaskSync } from './hash.js';
import type { HashWorkerInit, HashWorkerReply, HashWorkerRequest } from './parallel.js';

/**
 * Worker thread entry of `hashModel`: hashes the batches of tasks the pool sends, one batch at a time, with
 * synchronous reads into one reused buffer (this thread has nothing else to do while it waits for the disk).
 */
const init = workerData as HashWorkerInit;
const factory = hasherFactory(init.hashType);
const buffer = Buffer.allocUnsafe(CHUNK);

const post = (reply: HashWorkerReply): void => parentPort?.postMessage(reply);

parentPort?.on('message', (msg: HashWorkerRequest) => {
  factory.then(
    (newHasher) => {
      let unreported = 0;
      const onBytes = (n: number): void => {
        unreported += n;
        if (unreported >= init.progressBytes) {
          post({ id: msg.id, type: 'progress', bytes: unreported });
          unreported = 0;
        }
      };
      try {
        const digests = msg.tasks.map((t) => hashTaskSync(t, newHasher, onBytes, buffer));
        if (unreported > 0) post({ id: msg.id, type: 'progress', bytes: unreported });
        post({ id: msg.id, type: 'done', digests });
      } catch (err) {
        post({
          id: msg.id,
          type: 'error',
          code: err instanceof BulwarkError ? err.code : 'E_INTERNAL',
          message: err instanceof Error ? err.message : String(err),
        });
      }
    },
    (err: unknown) =>
      post({
        id: msg.id,
        type: 'error',
        code: 'E_INTERNAL',
        message: `cannot start the hasher: ${String(err)}`,
      }),
  );
});
