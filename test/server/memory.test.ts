// Issue 13, item 5: after bursts of streams the server gives the memory back. Measured before the fix
// (2-core VM): three bursts of 1,000 streams left RSS at 546 MB with none open (110 MB at start) —
// closed streams' native mel buffers waited for a garbage collection that native memory never
// triggers, and glibc kept the freed blocks in its per-thread arenas. Now a closed stream frees its
// native state at once, and after a burst the engine collects (when quiet) and trims the arenas.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { testAudio } from '../helpers/engine-client';
import { startServerProcess } from '../helpers/server-process';
import { DEFAULT_BUNDLE } from '../helpers/engine-client';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** N streams open together, each sends 3 s of audio in 0.5-s frames, finalizes, waits for `final`, closes. */
async function burst(url: string, n: number, pcm: Float32Array): Promise<void> {
  const socks: WebSocket[] = [];
  await Promise.all(
    Array.from({ length: n }, () => {
      const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/stream?encoding=pcm_f32le&sample_rate=22050&hop=1`);
      socks.push(ws);
      return new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
    }),
  );
  await Promise.all(
    socks.map(async (ws) => {
      const done = new Promise<void>((resolve) => {
        ws.on('message', (d) => {
          if ((JSON.parse(d.toString()) as { type: string }).type === 'final') ws.close();
        });
        ws.on('close', () => resolve());
      });
      for (let o = 0; o < pcm.length; o += 11025) {
        ws.send(pcm.subarray(o, o + 11025));
        await sleep(100);
      }
      ws.send(JSON.stringify({ type: 'finalize' }));
      await done;
    }),
  );
}

test('RSS returns close to its start after bursts of 300 streams (it stayed at the peak)', async () => {
  const server = await startServerProcess(['--bundle', DEFAULT_BUNDLE, '--no-persist']);
  try {
    const pcm = testAudio(3, 11);
    await burst(server.url, 20, pcm); // warm-up: model caches, JIT, the inference thread
    await sleep(3000);
    const start = server.rss();
    let peak = start;
    const sampler = setInterval(() => (peak = Math.max(peak, server.rss())), 50);
    for (let b = 0; b < 2; b++) await burst(server.url, 300, pcm);
    clearInterval(sampler);
    let settled = Infinity;
    for (let i = 0; i < 40; i++) {
      await sleep(250);
      settled = Math.min(settled, server.rss());
    }
    const mb = (x: number) => (x / 2 ** 20).toFixed(0);
    const kept = (settled - start) / (peak - start);
    process.stdout.write(`# RSS start ${mb(start)} MB, peak ${mb(peak)} MB, 10 s after the bursts ${mb(settled)} MB (kept ${(100 * kept).toFixed(0)} % of the growth)\n`);
    assert.ok(peak - start > 40 * 2 ** 20, `the bursts must grow RSS to measure anything (grew ${mb(peak - start)} MB)`);
    assert.ok(kept < 0.4, `RSS kept ${(100 * kept).toFixed(0)} % of the bursts' growth: start ${mb(start)}, peak ${mb(peak)}, after ${mb(settled)} MB`);
  } finally {
    await server.stop();
  }
});
