/**
 * Worker-thread entry for buildTagModels (tag-models.ts): one tag per job, its cross-validation and
 * final fit. The factors arrive in shared memory; the model (a few hundred numbers) travels back.
 */
import { parentPort } from 'node:worker_threads';
import type { PoolReply, PoolRequest } from '../pool/worker-pool';
import { fitTagJob, type TagJob, type TrainedTagModel } from './tag-models';

if (!parentPort) throw new Error('tag-model-worker.ts must run as a worker thread');
const port = parentPort;

port.on('message', ({ index, job }: PoolRequest<TagJob>) => {
  try {
    port.postMessage({ index, result: fitTagJob(job) } satisfies PoolReply<TrainedTagModel>);
  } catch (err) {
    port.postMessage({ index, error: (err as Error)?.message ?? String(err) } satisfies PoolReply<TrainedTagModel>);
  }
});
