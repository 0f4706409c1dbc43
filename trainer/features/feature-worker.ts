/**
 * Worker-thread entry: decodes one clip, computes its features and writes its shard atomically (a
 * temporary name renamed into place, so a kill -9 never leaves a partial shard under the final name).
 * Only the frame count and duration travel back to the main thread; the features go straight to disk.
 */
import { parentPort } from 'node:worker_threads';
import { writeFileAtomic } from '../../src/io/atomic-write';
import type { PoolReply, PoolRequest } from '../pool/worker-pool';
import { extractClip } from './extract';
import { encodeShard } from './shard';

export interface FeatureJob {
  id: string;
  path: string;
  shardPath: string;
}

export interface FeatureResult {
  frames: number;
  seconds: number;
}

if (!parentPort) throw new Error('feature-worker.ts must run as a worker thread');
const port = parentPort;

async function run(job: FeatureJob): Promise<FeatureResult> {
  const f = await extractClip(job.path);
  writeFileAtomic(job.shardPath, encodeShard(job.id, job.path, f));
  return { frames: f.frames, seconds: f.seconds };
}

port.on('message', ({ index, job }: PoolRequest<FeatureJob>) => {
  run(job).then(
    (result) => port.postMessage({ index, result } satisfies PoolReply<FeatureResult>),
    (err: unknown) => port.postMessage({ index, error: (err as Error)?.message ?? String(err) } satisfies PoolReply<FeatureResult>),
  );
});
