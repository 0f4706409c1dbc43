/**
 * A pool of worker_threads that keeps every worker busy with one job at a time. The caller decides
 * what a failed job means: `onJobError` records it and the run goes on (feature extraction: one bad
 * file must not stop a catalogue), or throws to stop everything (world rendering: a world with a
 * missing song is wrong). A worker that dies (uncaught error, out of memory, nonzero exit) fails the
 * job it held and is replaced, so a pathological input costs one job, not the run. Workers are always
 * terminated before the promise settles: a run never leaves threads behind.
 *
 * Protocol: the pool posts `{ index, job }`; the worker answers `{ index, result }` or `{ index, error }`.
 */
import { Worker } from 'node:worker_threads';

export interface PoolRequest<J> {
  index: number;
  job: J;
}

export interface PoolReply<R> {
  index: number;
  result?: R;
  /** The job's failure, as text (errors do not cross threads with their class intact). */
  error?: string;
}

export interface PoolOptions<J, R> {
  /** Compiled worker entry (a .js file that answers PoolRequest messages with PoolReply). */
  workerPath: string;
  jobs: readonly J[];
  /** Worker count; clamped to 1..jobs.length. */
  threads: number;
  onResult: (index: number, result: R) => void;
  /** A job failed; throw to stop the run (the promise rejects with what was thrown). */
  onJobError: (index: number, message: string) => void;
}

export async function runPool<J, R>(o: PoolOptions<J, R>): Promise<void> {
  const { jobs } = o;
  if (jobs.length === 0) return;
  const workers = new Set<Worker>();
  try {
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      let settled = 0;
      let stopped = false;
      const stop = (err: unknown) => {
        if (!stopped) {
          stopped = true;
          reject(err);
        }
      };
      /** Runs a caller callback; a throw stops the run. Returns false once stopped. */
      const guard = (fn: () => void): boolean => {
        try {
          fn();
        } catch (err) {
          stop(err);
        }
        return !stopped;
      };
      const finishOne = () => {
        settled++;
        if (settled === jobs.length) {
          stopped = true;
          resolve();
        }
      };
      const spawn = () => {
        const w = new Worker(o.workerPath);
        workers.add(w);
        let holding = -1; // index of the job this worker is on, -1 when idle
        const feed = () => {
          if (stopped || next >= jobs.length) return;
          holding = next++;
          w.postMessage({ index: holding, job: jobs[holding] } satisfies PoolRequest<J>);
        };
        /** The worker is gone: fail its job (if any) and put a fresh worker in its place. */
        const lost = (why: string) => {
          if (!workers.delete(w) || stopped) return;
          const index = holding;
          holding = -1;
          if (index >= 0) {
            if (!guard(() => o.onJobError(index, `worker thread died: ${why}`))) return;
            finishOne();
          }
          if (!stopped && next < jobs.length) spawn();
        };
        w.on('message', (r: PoolReply<R>) => {
          if (stopped) return;
          holding = -1;
          const ok = r.error === undefined ? guard(() => o.onResult(r.index, r.result as R)) : guard(() => o.onJobError(r.index, r.error as string));
          if (!ok) return;
          finishOne();
          feed();
        });
        w.on('error', (err) => lost(err.message));
        w.on('exit', (code) => lost(`exited with code ${code}`));
        feed();
      };
      const count = Math.max(1, Math.min(o.threads, jobs.length));
      for (let k = 0; k < count; k++) spawn();
    });
  } finally {
    await Promise.all([...workers].map((w) => w.terminate()));
  }
}
