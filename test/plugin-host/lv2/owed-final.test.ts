// The LV2 plugin (plugin-host/lv2) does not lose a final event to a dropped stream (a replica killed
// behind a load balancer, deploy/): under lilv's lv2apply, a scripted `ws` server drops the first stream
// the moment the plugin asks for its final (finalize, no answer, no close frame); the plugin connects
// again within its stop deadline, sends the segment's last 3.5 s again (the engine's window + margin,
// worker.cc kTailS) and finalizes there, and the final of the second stream is the one it logs.
// Skips visibly when make, g++, lv2apply or the LV2 headers are missing; EARSHOT_REQUIRE_HOSTS=1 (CI)
// fails instead.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { assertSameAudio, begin, loggedFinal, Lv2Rig, RATE, scriptedServer, URI } from '../../helpers/lv2';

const lv2 = new Lv2Rig();
after(() => lv2.cleanup());

const TAIL_S = 3.5;

test('a final owed when the stream drops is asked of the next stream, after the segment\'s last 3.5 s again', async (t) => {
  if (!(await lv2.pluginOrSkip(t))) return;
  const streams: { audio: Buffer[]; texts: string[] }[] = [];
  const { wss, url } = await scriptedServer((ws, _req, n) => {
    const got = { audio: [] as Buffer[], texts: [] as string[] };
    streams[n] = got;
    begin(ws);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return void got.audio.push(data as Buffer);
      const m = JSON.parse(data.toString()) as { type: string };
      got.texts.push(m.type);
      if (m.type !== 'finalize') return;
      if (n === 0) return void ws.terminate(); // gone, as a killed replica: no final, no close frame
      const seconds = Buffer.concat(got.audio).length / 4 / RATE;
      ws.send(JSON.stringify({ type: 'final', seq: 0, t_start: 0, t_end: seconds, windows: 2, dropped: 0, suggestions: [{ id: 'SO-NEW', title: 'Second', artist: 'Stream', score: 0.5 }], tags: [{ tag: 'second', p: 0.5 }] }));
    });
  });
  try {
    const { file, samples } = lv2.writeWav('owed.wav', 6, 4);
    const out = path.join(lv2.tmp, 'owed-out.wav');
    const r = await lv2.run('lv2apply', ['-i', file, '-o', out, URI], { env: lv2.env(url, { EARSHOT_FINAL_WAIT_MS: '4000' }) });
    assert.equal(r.code, 0, r.stderr);
    assertSameAudio(out, samples);
    assert.equal(streams.length, 2, r.stderr);
    const first = Buffer.concat(streams[0].audio);
    const second = Buffer.concat(streams[1].audio);
    assert.ok(first.equals(Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength)), 'the first stream got every sample');
    // The second stream: exactly the last 3.5 s (at the host's rate), in order, then finalize.
    const tail = samples.subarray(samples.length - Math.floor(RATE * TAIL_S));
    assert.ok(second.equals(Buffer.from(tail.buffer, tail.byteOffset, tail.byteLength)), `the second stream got ${second.length / 4} samples, not the last ${tail.length}`);
    assert.deepEqual(streams[0].texts, ['finalize']);
    assert.deepEqual(streams[1].texts, ['finalize']);
    assert.match(r.stderr, /the stream dropped before its final event: sent the last 3\.50 s again/);
    const fin = loggedFinal(r.stderr);
    assert.ok(fin, r.stderr);
    assert.deepEqual(fin.ids, ['SO-NEW']);
    assert.doesNotMatch(r.stderr, /no final event within/);
  } finally {
    await new Promise((resolve) => wss.close(resolve));
  }
});
