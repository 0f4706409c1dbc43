// The client SDK against the real engine (startServer on port 0 with models/default): configure with a
// listening history, windows, reset with a catalogue track, finalize, tokens. Skips, saying why, while
// the server is not built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connectStream, EarshotClientError, type WindowEvent } from '../../src/client/node';
import { distPath, repoRoot } from '../helpers/shared';

const BUNDLE = path.join(repoRoot(), 'models', 'default');
const SERVER_MODULE = distPath('src', 'server', 'server.js');

/** The first `n` catalogue ids of the bundle (items.tsv: id, artist, title). */
function catalogIds(n: number): string[] {
  const lines = fs.readFileSync(path.join(BUNDLE, 'items.tsv'), 'utf8').split('\n').slice(1).filter(Boolean);
  return lines.slice(0, n).map((l) => l.split('\t')[0]);
}

function chirp(seconds: number, rate: number): Float32Array {
  const x = new Float32Array(Math.round(seconds * rate));
  for (let i = 0; i < x.length; i++) {
    const t = i / rate;
    x[i] = 0.3 * Math.sin(2 * Math.PI * (200 * t + 100 * t * t));
  }
  return x;
}

test('SDK against the real engine: configure (history), windows, reset (track), finalize, close', async (t) => {
  if (!fs.existsSync(SERVER_MODULE)) return t.skip('src/server/server.ts is not built yet');
  const { startServer } = (await import(SERVER_MODULE)) as typeof import('../../src/server/server');
  const server = await startServer({ bundleDir: BUNDLE, host: '127.0.0.1', port: 0, tokens: ['t0ken'] });
  t.after(() => server.close());

  await assert.rejects(
    connectStream(server.url, { sampleRateHz: 44100, reconnect: false }),
    (e: unknown) => e instanceof EarshotClientError && e.code === 'unauthorized' && e.closeCode === 4401,
  );

  const client = await connectStream(server.url, { sampleRateHz: 44100, channels: 2, hopS: 1, k: 4, tags: 3, token: 't0ken', overflow: 'block' });
  t.after(() => client.close());
  assert.equal(client.begin!.sample_rate, 44100);
  const [a, b, track] = catalogIds(3);
  client.configure({ history: [{ id: a, plays: 5 }, b] as never });
  const configured = await client.next('configured');
  assert.equal(configured.history, 2);

  const windows: WindowEvent[] = [];
  client.on('window', (w) => windows.push(w));
  const mono = chirp(5, 44100);
  const stereo = new Float32Array(mono.length * 2);
  for (let i = 0; i < mono.length; i++) stereo[2 * i] = stereo[2 * i + 1] = mono[i];
  for (let off = 0; off < stereo.length; off += 88200) {
    client.sendPcm(stereo.subarray(off, off + 88200));
    await client.drain();
  }
  while (windows.length < 2) await client.next('window');
  assert.equal(windows[0].suggestions.length, 4);
  assert.equal(windows[0].tags.length, 3);
  const final = await client.finalize();
  assert.equal(final.type, 'final');
  assert.ok(Math.abs(final.t_end - 5) < 0.05, `final t_end ${final.t_end}`);

  client.reset(track);
  const reset = await client.next('reset');
  assert.equal(reset.track, track);
  client.sendPcm(stereo.subarray(0, 4 * 88200));
  const w = await client.next('window');
  assert.equal(w.seq, 0, 'window numbers restart after reset');
  assert.ok(!w.suggestions.some((s) => s.id === track), 'the reset track is excluded from suggestions');
  await client.close();
  assert.equal(client.state, 'closed');
});
