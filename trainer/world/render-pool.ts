/**
 * A pool of render workers (worker_threads): keeps every worker busy with one job at a time, reports
 * progress, and stops everything on the first failure with the failing song named. Workers are always
 * terminated, so a failed run never leaves threads behind.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { EarshotError } from '../../src/errors';
import type { RenderJob, RenderReply } from './render-job';

export interface ClipStats {
  peak: number;
  rms: number;
}

export async function renderAll(jobs: readonly RenderJob[], threads: number, onDone?: (done: number) => void): Promise<ClipStats[]> {
  const stats: ClipStats[] = new Array(jobs.length);
  if (jobs.length === 0) return stats;
  const workers: Worker[] = [];
  let next = 0;
  let done = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (err: Error) => {
        if (!failed) {
          failed = true;
          reject(err);
        }
      };
      const feed = (w: Worker) => {
        if (failed) return;
        if (next < jobs.length) w.postMessage(jobs[next++]);
      };
      const count = Math.max(1, Math.min(threads, jobs.length));
      for (let k = 0; k < count; k++) {
        // OpenMP-free pure JS: one render per worker uses one core; no spin-wait concerns.
        const w = new Worker(path.join(__dirname, 'render-worker.js'));
        workers.push(w);
        w.on('message', (r: RenderReply) => {
          if (r.error !== undefined) return fail(new EarshotError('ERR_IO', `song ${jobs[r.index]?.song.id ?? r.index}: ${r.error}`));
          stats[r.index] = { peak: r.peak ?? 0, rms: r.rms ?? 0 };
          done++;
          onDone?.(done);
          if (done === jobs.length) resolve();
          else feed(w);
        });
        w.on('error', (err) => fail(new EarshotError('ERR_IO', `render worker failed: ${err.message}`)));
        w.on('exit', (code) => {
          if (code !== 0 && done < jobs.length) fail(new EarshotError('ERR_IO', `render worker exited with code ${code}`));
        });
        feed(w);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return stats;
}
