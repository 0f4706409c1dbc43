/**
 * Worker-thread entry: renders songs and writes their audio files. One job per message; the reply
 * carries the clip's peak and RMS (for the summary) or the error text. Jobs are independent (each song
 * has its own seeds), so the world's bytes do not depend on which worker renders what.
 */
import { parentPort } from 'node:worker_threads';
import { encodeClip, type RenderJob, type RenderReply } from './render-job';

if (!parentPort) throw new Error('render-worker.ts must run as a worker thread');
const port = parentPort;

port.on('message', (job: RenderJob) => {
  encodeClip(job).then(
    (r) => port.postMessage({ index: job.song.index, ...r } satisfies RenderReply),
    (err: unknown) => port.postMessage({ index: job.song.index, error: (err as Error)?.message ?? String(err) } satisfies RenderReply),
  );
});
