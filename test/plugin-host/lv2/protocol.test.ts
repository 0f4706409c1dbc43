// The LV2 plugin (plugin-host/lv2) under lilv's lv2apply against a scripted `ws` server: it must speak
// RFC 6455 correctly (masked frames, pong, fragmented messages, close handshake, Bearer token, query),
// and when the server stops reading, ring overflow must be counted, logged and reported.
// Skips visibly when make, g++, lv2apply or the LV2 headers are missing; EARSHOT_REQUIRE_HOSTS=1 (CI)
// fails instead.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { assertSameAudio, begin, loggedFinal, Lv2Rig, RATE, scriptedServer, URI, waitFor } from '../../helpers/lv2';

const lv2 = new Lv2Rig();
after(() => lv2.cleanup());

test('protocol: query, Bearer token, masked pcm_f32le frames, pong, a fragmented final event, the close handshake', async (t) => {
  if (!(await lv2.pluginOrSkip(t))) return;
  const got = { url: '', auth: '', audio: [] as Buffer[], texts: [] as string[], pong: '', closeCode: 0 };
  const { wss, url } = await scriptedServer((ws, req) => {
    got.url = req.url ?? '';
    got.auth = req.headers.authorization ?? '';
    ws.on('pong', (d) => (got.pong = d.toString()));
    ws.on('close', (code) => (got.closeCode = code));
    begin(ws);
    ws.ping('still there?');
    ws.on('message', (data, isBinary) => {
      if (isBinary) return void got.audio.push(data as Buffer);
      const m = JSON.parse(data.toString()) as { type: string };
      got.texts.push(m.type);
      if (m.type !== 'finalize') return;
      // The final event in three frames (text + 2 continuations), with \u escapes in a title.
      const fin =
        '{"type":"final","seq":4,"t_start":0,"t_end":3,"windows":3,"dropped":0,' +
        '"suggestions":[{"id":"SO-A","title":"Caf\\u00e9 \\ud83c\\udfb5","artist":"Ensemble","score":0.75},{"id":"SO-B","title":"B","artist":"b","score":0.5}],' +
        '"tags":[{"tag":"chiptune","p":0.97},{"tag":"calm","p":0.125}]}';
      ws.send(fin.slice(0, 40), { binary: false, fin: false });
      ws.send(fin.slice(40, 90), { binary: false, fin: false });
      ws.send(fin.slice(90), { binary: false, fin: true });
    });
  });
  try {
    const { file, samples } = lv2.writeWav('proto.wav', 3, 8);
    const out = path.join(lv2.tmp, 'proto-out.wav');
    const r = await lv2.run('lv2apply', ['-c', 'hop', '0.5', '-i', file, '-o', out, URI], { env: lv2.env(url, { EARSHOT_TOKEN: 's3cret' }) });
    assert.equal(r.code, 0, r.stderr);
    assertSameAudio(out, samples);
    const q = new URL(got.url, 'http://x').searchParams;
    assert.deepEqual([q.get('k'), q.get('encoding'), q.get('sample_rate'), q.get('channels'), q.get('hop'), q.get('overflow')], ['3', 'pcm_f32le', '44100', '1', '0.5', 'block']);
    assert.equal(got.auth, 'Bearer s3cret');
    // Every sample arrived, as little-endian float32, in order; frames of 50 ms … 1 s.
    const sent = Buffer.concat(got.audio);
    assert.ok(sent.equals(Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength)), `sent ${sent.length} bytes for ${samples.length} samples`);
    assert.ok(got.audio.every((b) => b.length <= RATE * 4), 'a frame over 1 s');
    assert.deepEqual(got.texts, ['finalize']);
    assert.equal(got.pong, 'still there?');
    assert.ok(await waitFor(() => got.closeCode !== 0, 2000));
    assert.equal(got.closeCode, 1000);
    const fin = loggedFinal(r.stderr);
    assert.ok(fin, r.stderr);
    assert.deepEqual(fin.tags, [{ tag: 'chiptune', p: 0.97 }, { tag: 'calm', p: 0.125 }]);
    assert.deepEqual(fin.ids, ['SO-A', 'SO-B']);
    assert.match(fin.line, /top: Ensemble - Café 🎵$/);
  } finally {
    await new Promise((resolve) => wss.close(resolve));
  }
});

test('ring overflow is counted, logged and reported, never silent: an engine that stops reading while lv2apply renders', async (t) => {
  if (!(await lv2.pluginOrSkip(t))) return;
  let received = 0;
  const { wss, url } = await scriptedServer((ws, req) => {
    begin(ws);
    // Stop reading for 4 s: TCP buffers fill up, the worker's send waits (it gives up after 5 s), and the
    // 1.5-s ring overflows while lv2apply renders on at ~20x realtime.
    req.socket.pause();
    setTimeout(() => req.socket.resume(), 4000);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return void (received += (data as Buffer).length / 4);
      if ((JSON.parse(data.toString()) as { type: string }).type === 'finalize') {
        ws.send(JSON.stringify({ type: 'final', seq: 1, t_start: 0, t_end: 1, windows: 1, dropped: 0, suggestions: [], tags: [] }));
      }
    });
  });
  try {
    const { file, samples } = lv2.writeWav('overflow.wav', 60, 9);
    const out = path.join(lv2.tmp, 'overflow-out.wav');
    const r = await lv2.run('lv2apply', ['-i', file, '-o', out, URI], { env: lv2.env(url, { EARSHOT_RING_S: '1', EARSHOT_LOG: 'final' }) });
    assert.equal(r.code, 0, r.stderr);
    assertSameAudio(out, samples);
    const m = /\((\d+) samples\) dropped by ring overflow/.exec(r.stderr);
    assert.ok(m, r.stderr);
    const dropped = Number(m[1]);
    t.diagnostic(`lv2apply ${(r.ms / 1000).toFixed(1)} s for 60 s of audio; engine got ${(received / RATE).toFixed(2)} s, ring dropped ${(dropped / RATE).toFixed(2)} s`);
    assert.ok(dropped > 0, 'nothing dropped: the test did not overflow the ring');
    assert.match(r.stderr, /warning: ring overflow: [\d.]+ s of audio dropped so far/);
    assert.equal(received + dropped, samples.length, 'every sample was either sent or counted as dropped');
    assert.match(r.stderr, /^earshot: final windows=1 /m);
  } finally {
    await new Promise((resolve) => wss.close(resolve));
  }
});
