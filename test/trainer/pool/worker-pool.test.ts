/**
 * trainer/pool/worker-pool.ts: every job settles once, a failed job is reported without stopping the
 * others, a worker that dies fails only the job it held and is replaced, and a caller that throws from
 * onJobError stops the run.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { runPool } from '../../../trainer/pool/worker-pool';
import { distPath } from '../../helpers/shared';

const workerPath = distPath('test', 'helpers', 'pool-test-worker.js');

test('results and failures are reported per job; a dead worker is replaced', async () => {
  const jobs = [1, 2, 3, 4, 5, 6, 7, 3, 8];
  const results = new Map<number, number>();
  const errors = new Map<number, string>();
  await runPool<number, number>({
    workerPath, jobs, threads: 2,
    onResult: (i, r) => {
      assert.ok(!results.has(i) && !errors.has(i), `job ${i} settled twice`);
      results.set(i, r);
    },
    onJobError: (i, m) => {
      assert.ok(!results.has(i) && !errors.has(i), `job ${i} settled twice`);
      errors.set(i, m);
    },
  });
  assert.deepEqual([...results].sort((a, b) => a[0] - b[0]), [[0, 2], [1, 4], [4, 10], [5, 12], [6, 14], [8, 16]]);
  assert.deepEqual([...errors.keys()].sort(), [2, 3, 7]);
  assert.match(errors.get(2)!, /worker thread died: exited with code 3/);
  assert.equal(errors.get(3), 'job 4 is bad');
});

test('a throw from onJobError stops the run with that error', async () => {
  let results = 0;
  await assert.rejects(
    runPool<number, number>({
      workerPath, jobs: [4, 1, 1, 1, 1, 1, 1, 1], threads: 1,
      onResult: () => results++,
      onJobError: (i, m) => {
        throw new Error(`stop at ${i}: ${m}`);
      },
    }),
    /stop at 0: job 4 is bad/,
  );
  assert.equal(results, 0);
});

test('no jobs: resolves without starting a worker', async () => {
  await runPool({ workerPath: '/nonexistent.js', jobs: [], threads: 4, onResult: () => undefined, onJobError: () => undefined });
});
