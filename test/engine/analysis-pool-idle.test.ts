// The analysis pool's two widths (src/engine/analysis-pool.ts): while no live stream is open, up to
// idleWorkers uploads are analysed at once (a library import takes every core); once a stream is live,
// no analysis starts beyond `workers`, so the streams keep their realtime. Observed on the pool's own
// running count while real uploads (long WAVs) are analysed by real worker threads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/engine/engine';
import { DEFAULT_BUNDLE, testAudio, uploadWav } from '../helpers/engine-client';

async function maxRunning(engine: Engine, uploads: number): Promise<number> {
  let max = 0;
  const timer = setInterval(() => (max = Math.max(max, engine.analysisPool.stats.running)), 2);
  try {
    const body = new Uint8Array(uploadWav(22050, testAudio(60, 3)));
    const results = await Promise.all(Array.from({ length: uploads }, () => engine.analyzeUpload(engine.analysisPool.reserve(), body.slice(), { hopS: 0.2 })));
    assert.ok(results.every((r) => r.windows > 250), 'every upload analysed whole');
  } finally {
    clearInterval(timer);
  }
  return max;
}

test('idle: idleWorkers analyses at once; with a live stream: no more than workers', { timeout: 120_000 }, async () => {
  const engine = await Engine.open({ bundleDir: DEFAULT_BUNDLE, inferenceThread: 'main', analysis: { workers: 1, idleWorkers: 3, maxQueued: 16 } });
  try {
    let live = 0;
    engine.analysisPool.countLiveStreams(() => live);
    assert.equal(engine.analysisPool.workerLimit(), 3);
    assert.equal(await maxRunning(engine, 6), 3, 'no stream: three at once');
    live = 1;
    assert.equal(engine.analysisPool.workerLimit(), 1);
    assert.equal(await maxRunning(engine, 4), 1, 'a live stream: one at a time, though three workers exist');
  } finally {
    await engine.close();
  }
});

test('idleWorkers is checked like workers, and never lowers the width below workers', async () => {
  await assert.rejects(Engine.open({ bundleDir: DEFAULT_BUNDLE, inferenceThread: 'main', analysis: { idleWorkers: 0 } }), { code: 'ERR_INVALID_ARGUMENT', message: /analysis idleWorkers must be an integer in 1\.\.64, got 0/ });
  const engine = await Engine.open({ bundleDir: DEFAULT_BUNDLE, inferenceThread: 'main', analysis: { workers: 2, idleWorkers: 1 } });
  try {
    assert.equal(engine.analysisPool.workerLimit(), 2);
  } finally {
    await engine.close();
  }
});
