/**
 * Worker-thread entry: renders songs and writes their audio files. One job per message; the reply
 * carries the clip's peak and RMS (for the summary) or the error text. Jobs are independent (each song
 * has its own seeds), so the world's bytes do not depend on which worker renders what.
 */
import { parentPort } from 'node:worker_threads';
import type { PoolReply, PoolRequest } from '../pool/worker-pool';
import { encodeClip, type RenderJob, type RenderResult } from './render-job';

if (!parentPort) throw new Error('render-worker.ts must run as a worker thread');
const port = parentPort;

port.on('message', ({ index, job }: PoolRequest<RenderJob>) => {
  encodeClip(job).then(
    (result) => port.postMessage({ index, result } satisfies PoolReply<RenderResult>),
    (err: unknown) => port.postMessage({ index, error: (err as Error)?.message ?? String(err) } satisfies PoolReply<RenderResult>),
  );
});
