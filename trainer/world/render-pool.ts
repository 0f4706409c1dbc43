/**
 * Renders a world's songs on a worker pool (trainer/pool/worker-pool.ts), reporting progress, and
 * stops everything on the first failure with the failing song named: a world with a missing song is
 * not a world.
 */
import * as path from 'node:path';
import { EarshotError } from '../../src/errors';
import { runPool } from '../pool/worker-pool';
import type { RenderJob, RenderResult } from './render-job';

export interface ClipStats {
  peak: number;
  rms: number;
}

export async function renderAll(jobs: readonly RenderJob[], threads: number, onDone?: (done: number) => void): Promise<ClipStats[]> {
  const stats: ClipStats[] = new Array(jobs.length);
  let done = 0;
  // Pure JS synthesis: one render per worker uses one core; no spin-wait concerns.
  await runPool<RenderJob, RenderResult>({
    workerPath: path.join(__dirname, 'render-worker.js'),
    jobs,
    threads,
    onResult: (index, r) => {
      stats[index] = { peak: r.peak, rms: r.rms };
      onDone?.(++done);
    },
    onJobError: (index, message) => {
      throw new EarshotError('ERR_IO', `song ${jobs[index]?.song.id ?? index}: ${message}`);
    },
  });
  return stats;
}
