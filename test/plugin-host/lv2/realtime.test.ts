// The LV2 plugin (plugin-host/lv2) in realtime: a private jackd (dummy driver, no sound card) and jalv,
// JACK's reference LV2 host, against the real engine in this process: the engine hears the live stream,
// the plugin reports on its control output ports and reconnects after the engine drops the stream.
// Skips visibly when make, g++, the LV2 headers, jackd or jalv are missing; EARSHOT_REQUIRE_HOSTS=1 (CI)
// fails instead.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { begin, loggedFinal, Lv2Rig, monitor, RATE, scriptedServer } from '../../helpers/lv2';

const lv2 = new Lv2Rig();
after(() => lv2.cleanup());

test('realtime (jackd dummy + jalv): the engine hears the live stream; output ports and the host log report it', async (t) => {
  if (!(await lv2.realtimeOrSkip(t))) return; // jalv is the host here
  const srv = await lv2.engine();
  const before = srv.engine.stats.windowsTotal;
  const r = await lv2.jalv(`${srv.url.replace(/^http/, 'ws')}/v1/stream`, 6);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  // jalv gives the plugin log:log and urid:map: the lines reach jalv's log (stderr) through the host.
  assert.match(r.stderr, /earshot: instantiated at 44100 Hz.*log to the host/);
  assert.equal(monitor(r.stdout, 'connected'), 1);
  const windows = monitor(r.stdout, 'windows');
  assert.ok(windows >= 1, `${windows} events by 6 s`);
  assert.ok(monitor(r.stdout, 'top_tag_p') > 0);
  assert.equal(monitor(r.stdout, 'dropped_s'), 0);
  const fin = loggedFinal(r.stderr.replace(/\x1b\[[0-9;]*m/g, ''));
  assert.ok(fin, r.stderr);
  const predicted = srv.engine.stats.windowsTotal - before;
  t.diagnostic(`${predicted} windows predicted from ~6.5 s of live audio; ports at 6 s: windows=${windows}`);
  assert.equal(fin.windows, predicted);
  assert.ok(predicted >= 3, `${predicted} windows`);
});

test('realtime: after the engine drops the stream the plugin reconnects and streams on; cleanup waits for a final event at most EARSHOT_FINAL_WAIT_MS', async (t) => {
  if (!(await lv2.realtimeOrSkip(t))) return; // jalv is the host here
  const bytes: number[] = [];
  const { wss, url } = await scriptedServer((ws, _req, n) => {
    bytes[n] = 0;
    begin(ws);
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return;
      bytes[n] += (data as Buffer).length;
      // The first stream is dropped after 1 s of audio, as an engine restart would (1001 going away).
      if (n === 0 && bytes[0] >= RATE * 4 && ws.readyState === ws.OPEN) ws.close(1001, 'shutting_down');
    });
  });
  try {
    // This server never answers finalize: cleanup gives up after EARSHOT_FINAL_WAIT_MS.
    const r = await lv2.jalv(url, 4, { EARSHOT_FINAL_WAIT_MS: '1000' });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    t.diagnostic(`jalv ran ${(r.ms / 1000).toFixed(1)} s for 4.5 s of stdin; streams got ${bytes.map((b) => (b / 4 / RATE).toFixed(2)).join(' s, ')} s`);
    assert.match(r.stderr, /no final event within 1000 ms/);
    assert.ok(r.ms < 4500 + 1000 + 3000, `${r.ms} ms`);
    assert.equal(bytes.length, 2, `${bytes.length} connections; log:\n${r.stderr}`);
    assert.ok(bytes[1] >= RATE * 4, `the second stream got ${bytes[1] / 4 / RATE} s of audio`);
    assert.match(r.stderr, /stream closed \(1001: shutting_down\); reconnecting/);
    assert.equal(monitor(r.stdout, 'connected'), 1);
  } finally {
    await new Promise((resolve) => wss.close(resolve));
  }
});
