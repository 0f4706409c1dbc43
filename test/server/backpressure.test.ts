// Backpressure: a realtime (drop) stream sent far faster than realtime loses its oldest windows,
// counted in its events and in /metrics, with the queue never above its bound; a block stream loses
// nothing; a client that stops reading its events is disconnected instead of growing server memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../src/server/server';
import { DEFAULT_BUNDLE, TestStream, testAudio } from '../helpers/engine-client';

test('drop: the oldest windows are dropped and counted; block: none are; the queue stays bounded', async () => {
  const server = await startServer({ bundleDir: DEFAULT_BUNDLE, port: 0, persistCatalog: false, batcher: { maxPendingPerStream: 2, maxBatch: 4, maxWaitMs: 1 } });
  try {
    const x = testAudio(40, 3);
    // hop 0.1 s = 4.3 frames, made one trunk stride of the default bundle: 8 frames (regular windows).
    const total = Math.floor((Math.floor(x.length / 512) + 1 - 130) / 8) + 1;
    let maxQueued = 0;
    const probe = setInterval(() => (maxQueued = Math.max(maxQueued, server.engine.batcher.queued)), 1);
    const drop = await TestStream.open(server.url, 'encoding=pcm_f32le&sample_rate=22050&hop=0.1&k=1&tags=0');
    drop.sendF32(x, 22050 * 8);
    drop.send({ type: 'finalize' });
    const fin = await drop.next('final', 60000);
    clearInterval(probe);
    assert.ok(fin.dropped > 0, 'a 40-s burst at 0.1-s hop outruns inference');
    assert.equal(fin.windows + fin.dropped, total + 1, 'every window is either in the mean or counted as dropped (+1: the tail)');
    assert.ok(maxQueued <= 2, `queue peaked at ${maxQueued}`);
    const m = await (await fetch(`${server.url}/metrics`)).text();
    assert.equal(Number(/^earshot_windows_dropped_total (\d+)$/m.exec(m)![1]), fin.dropped);
    drop.close();

    const block = await TestStream.open(server.url, 'encoding=pcm_f32le&sample_rate=22050&hop=0.1&k=1&tags=0&overflow=block');
    block.sendF32(x, 22050 * 8);
    block.send({ type: 'finalize' });
    const fb = await block.next('final', 60000);
    assert.equal(fb.dropped, 0);
    assert.equal(fb.windows, total + 1);
    block.close();
  } finally {
    await server.close();
  }
});

test('a client that does not read its events is disconnected as a slow consumer (1008)', async () => {
  const server = await startServer({ bundleDir: DEFAULT_BUNDLE, port: 0, persistCatalog: false, limits: { maxBufferedBytes: 64 * 1024 } });
  try {
    const s = await TestStream.open(server.url, 'encoding=pcm_f32le&sample_rate=22050&hop=0.1&k=100&tags=50&factors=1&overflow=block');
    await s.next('begin');
    // Stop reading: events pile up in the kernel's socket buffers, then in the server's send queue.
    (s.ws as unknown as { _socket: import('node:net').Socket })._socket.pause();
    const x = testAudio(30, 8);
    let closedCode = 0;
    void s.closed.then((c) => (closedCode = c.code));
    for (let round = 0; round < 40 && closedCode === 0 && server.connections.size > 0; round++) {
      s.sendF32(x, 22050 * 4);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(server.connections.size, 0, 'the server let go of the stream');
    const m = await (await fetch(`${server.url}/metrics`)).text();
    assert.equal(Number(/^earshot_slow_consumers_total (\d+)$/m.exec(m)![1]), 1);
    s.ws.terminate();
  } finally {
    await server.close();
  }
});
