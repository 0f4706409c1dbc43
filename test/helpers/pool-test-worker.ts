/**
 * Worker for test/trainer/pool/worker-pool.test.ts: doubles its job number, except job 3 (the thread exits, as an
 * out-of-memory or a crash would end it) and job 4 (an ordinary failure reply).
 */
import { parentPort } from 'node:worker_threads';
import type { PoolRequest } from '../../trainer/pool/worker-pool';

parentPort?.on('message', ({ index, job }: PoolRequest<number>) => {
  if (job === 3) process.exit(3);
  if (job === 4) parentPort?.postMessage({ index, error: 'job 4 is bad' });
  else setTimeout(() => parentPort?.postMessage({ index, result: job * 2 }), 5);
});
