// The bad-input suite: every malformed or abusive input gets an error event and/or a meaningful close
// code, the server keeps serving the other streams, and the process never crashes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { computeMel } from '../../src/dsp/mel';
import { startServer, type EarshotServer } from '../../src/server/server';
import { DEFAULT_BUNDLE, TestStream, testAudio } from '../helpers/engine-client';

let server: EarshotServer;
before(async () => {
  server = await startServer({
    bundleDir: DEFAULT_BUNDLE,
    port: 0,
    persistCatalog: false,
    limits: { maxStreams: 6, maxFrameBytes: 64 * 1024, maxMessagesPerSecond: 50, idleTimeoutS: 1.5 },
  });
});
after(async () => {
  await server.close();
});

async function refused(query: string, code: number, errorCode: string): Promise<void> {
  const s = await TestStream.open(server.url, query);
  const e = await s.next('error');
  assert.equal(e.code, errorCode, query);
  assert.equal((await s.closed).code, code, query);
}

test('unsupported formats and out-of-range parameters: error event, then close 4415 / 4400', async () => {
  await refused('encoding=mp3&sample_rate=44100', 4415, 'unsupported_audio');
  await refused('encoding=pcm_f32le&sample_rate=0', 4415, 'unsupported_audio');
  await refused('encoding=pcm_f32le&sample_rate=10000000', 4415, 'unsupported_audio');
  await refused('encoding=pcm_f32le', 4415, 'unsupported_audio'); // sample_rate is required
  await refused('encoding=pcm_s16le&sample_rate=44100&channels=0', 4415, 'unsupported_audio');
  await refused('encoding=pcm_s16le&sample_rate=44100&channels=2.5', 4415, 'unsupported_audio');
  await refused('sample_rate=22050&hop=0', 4400, 'bad_request');
  await refused('sample_rate=22050&hop=abc', 4400, 'bad_request');
  await refused('sample_rate=22050&k=1000', 4400, 'bad_request');
  await refused('sample_rate=22050&overflow=maybe', 4400, 'bad_request');
  await refused('sample_rate=22050&factors=yes', 4400, 'bad_request');
});

test('invalid JSON, unknown types and bad fields are answered with error events; the stream goes on', async () => {
  const s = await TestStream.open(server.url, 'encoding=pcm_f32le&sample_rate=22050&hop=1');
  await s.next('begin');
  const cases: [unknown, string][] = [
    ['{not json', 'invalid_json'],
    ['[1,2,3]', 'bad_request'],
    ['"hello"', 'bad_request'],
    [{ type: 'dance' }, 'unknown_message'],
    [{ noType: true }, 'unknown_message'],
    [{ type: 'configure', k: 0 }, 'bad_request'],
    [{ type: 'configure', hop: -1 }, 'bad_request'],
    [{ type: 'configure', history: 'abc' }, 'bad_request'],
    [{ type: 'configure', history: [{ id: 'x', plays: -2 }] }, 'bad_request'],
    [{ type: 'configure', factors: 'yes' }, 'bad_request'],
    [{ type: 'reset', track: 42 }, 'bad_request'],
    [{ type: 'reset', track: 'not-in-catalogue' }, 'unknown_track'],
  ];
  for (const [msg, code] of cases) {
    s.send(msg);
    const e = await s.next('error');
    assert.equal(e.code, code, JSON.stringify(msg));
    assert.equal(e.retryable, false);
    assert.ok(e.message.length > 10);
  }
  s.sendF32(testAudio(4, 1));
  assert.equal((await s.next('window')).seq, 0, 'still streaming');
  s.close();
});

test('garbage binary in f32: bad_audio, the frame is dropped, later good audio still works; odd frame sizes are fine', async () => {
  const s = await TestStream.open(server.url, 'encoding=pcm_f32le&sample_rate=22050&hop=1&factors=1');
  await s.next('begin');
  s.ws.send(Buffer.from(Float32Array.of(0.1, NaN, 0.2).buffer));
  assert.equal((await s.next('error')).code, 'bad_audio');
  s.ws.send(Buffer.from(new Float32Array([Infinity]).buffer));
  assert.equal((await s.next('error')).code, 'bad_audio');
  s.ws.send(Buffer.from(Float32Array.of(1e20).buffer));
  assert.equal((await s.next('error')).code, 'bad_audio');
  // Odd frame sizes (3 and 9,999 bytes): samples straddle frames; the decoder carries the rest.
  const x = testAudio(3.2, 2);
  const bytes = new Uint8Array(x.buffer);
  for (let i = 0; i < 30; i += 3) s.ws.send(Buffer.from(bytes.subarray(i, i + 3)), { binary: true });
  for (let i = 30; i < bytes.length; i += 9999) s.ws.send(Buffer.from(bytes.subarray(i, i + 9999)), { binary: true });
  const w = await s.next('window');
  const first = await server.engine.bundle.model.predictWindows(computeMel(x).data.subarray(0, 130 * 128), 1, 130);
  let d = 0;
  for (let i = 0; i < 50; i++) d = Math.max(d, Math.abs(w.factors![i] - first[i]));
  assert.ok(d < 1e-5, 'the dropped frames did not shift or corrupt the audio');
  s.close();
});

test('s16 garbage is just (loud) audio: no error, windows arrive', async () => {
  const s = await TestStream.open(server.url, 'encoding=pcm_s16le&sample_rate=16000&channels=1&hop=1');
  await s.next('begin');
  const junk = Buffer.alloc(16000 * 2 * 4);
  let seed = 5;
  for (let i = 0; i < junk.length; i++) junk[i] = (seed = (seed * 48271) % 2147483647) & 0xff;
  for (let i = 0; i < junk.length; i += 8000) s.ws.send(junk.subarray(i, i + 8000));
  const w = await s.next('window');
  assert.ok(w.tags.length > 0);
  assert.ok(!s.events.some((e) => e.type === 'error'));
  s.close();
});

test('an oversized frame closes the stream with 1009; others are unaffected', async () => {
  const other = await TestStream.open(server.url, 'encoding=pcm_f32le&sample_rate=22050&hop=1');
  const s = await TestStream.open(server.url, 'encoding=pcm_f32le&sample_rate=22050');
  await s.next('begin');
  s.ws.send(Buffer.alloc(64 * 1024 + 4));
  assert.equal((await s.closed).code, 1009);
  other.sendF32(testAudio(3.5, 1));
  await other.next('window');
  other.close();
});

test('a message flood is rate limited: error rate_limited, close 1008', async () => {
  const s = await TestStream.open(server.url, 'encoding=pcm_f32le&sample_rate=22050');
  await s.next('begin');
  for (let i = 0; i < 400; i++) s.send({ type: 'keepalive' });
  const e = await s.next('error');
  assert.equal(e.code, 'rate_limited');
  assert.equal((await s.closed).code, 1008);
});

test('idle streams are closed with 4408; keepalives keep a stream open', async () => {
  const idle = await TestStream.open(server.url, 'encoding=pcm_f32le&sample_rate=22050');
  const alive = await TestStream.open(server.url, 'encoding=pcm_f32le&sample_rate=22050');
  const timer = setInterval(() => alive.send({ type: 'keepalive' }), 400);
  try {
    assert.equal((await idle.next('error', 5000)).code, 'idle_timeout');
    assert.equal((await idle.closed).code, 4408);
    assert.equal(typeof (await alive.next('keepalive')).t, 'number');
    assert.equal(alive.ws.readyState, alive.ws.OPEN);
  } finally {
    clearInterval(timer);
    alive.close();
  }
});

test('more streams than maxStreams: too_many_streams (retryable), close 1008', async () => {
  const open = [];
  for (let i = 0; i < 6; i++) open.push(await TestStream.open(server.url, 'encoding=pcm_f32le&sample_rate=22050'));
  const s = await TestStream.open(server.url, 'encoding=pcm_f32le&sample_rate=22050');
  const e = await s.next('error');
  assert.equal(e.code, 'too_many_streams');
  assert.equal(e.retryable, true);
  assert.equal((await s.closed).code, 1008);
  for (const o of open) o.close();
  await Promise.all(open.map((o) => o.closed));
});

test('audio after finalize needs a reset; a second finalize answers at once', async () => {
  const s = await TestStream.open(server.url, 'encoding=pcm_f32le&sample_rate=22050');
  s.sendF32(testAudio(1.5, 1));
  s.send({ type: 'finalize' });
  const fin = await s.next('final');
  assert.equal(fin.windows, 1, 'one window of the whole 1.5 s (65 frames; the model needs 47)');
  s.send({ type: 'finalize' });
  assert.equal((await s.next('final')).windows, 1);
  s.sendF32(testAudio(1.5, 1));
  assert.equal((await s.next('error')).code, 'bad_request');
  s.send({ type: 'reset' });
  await s.next('reset');
  s.send({ type: 'finalize' });
  const empty = await s.next('final');
  assert.deepEqual([empty.windows, empty.suggestions.length], [0, 0]);
  s.close();
});

test('raw TCP garbage and a handshake cut short do not disturb the server', async () => {
  for (const payload of ['GET /v1/stream HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n', '\x00\x01\x02garbage\r\n\r\n', 'GET /v1/stream?sample_rate=22050 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n\x81\xff']) {
    await new Promise<void>((resolve) => {
      const c = net.connect(server.port, '127.0.0.1', () => {
        c.write(payload);
        setTimeout(() => c.destroy(), 50);
      });
      c.on('error', () => undefined);
      c.on('close', () => resolve());
    });
  }
  const h = await fetch(`${server.url}/healthz`);
  assert.equal(h.status, 200);
  assert.equal((await fetch(`${server.url}/nope`)).status, 404);
  const bad = await fetch(`${server.url}/v1/analyze`, { method: 'POST', body: new TextEncoder().encode('not audio at all') });
  assert.equal(bad.status, 415);
  assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'bad_audio');
  assert.equal((await fetch(`${server.url}/v1/analyze`, { method: 'POST' })).status, 400);
  assert.equal((await fetch(`${server.url}/v1/analyze?k=0`, { method: 'POST', body: 'x' })).status, 400);
});

test('tokens: header, query parameter and subprotocol are accepted; none or a wrong one is refused (4401 / HTTP 401)', async () => {
  const own = await startServer({ bundleDir: DEFAULT_BUNDLE, port: 0, tokens: ['s3cret'] });
  try {
    const q = 'encoding=pcm_f32le&sample_rate=22050';
    for (const opts of [{ headers: { authorization: 'Bearer s3cret' } }, { protocols: ['earshot.v1', 'bearer.s3cret'] }]) {
      const s = await TestStream.open(own.url, q, opts);
      assert.equal((await s.next('begin')).protocol, 1);
      if (opts.protocols) assert.equal(s.ws.protocol, 'earshot.v1');
      s.close();
    }
    const viaQuery = await TestStream.open(own.url, `${q}&token=s3cret`);
    await viaQuery.next('begin');
    viaQuery.close();
    for (const opts of [{}, { headers: { authorization: 'Bearer wrong' } }, { protocols: ['earshot.v1', 'bearer.nope'] }]) {
      const s = await TestStream.open(own.url, q, opts);
      assert.equal((await s.next('error')).code, 'unauthorized');
      assert.equal((await s.closed).code, 4401);
    }
    assert.equal((await fetch(`${own.url}/metrics`)).status, 401);
    assert.equal((await fetch(`${own.url}/metrics`, { headers: { authorization: 'Bearer s3cret' } })).status, 200);
    assert.equal((await fetch(`${own.url}/healthz`)).status, 200);
  } finally {
    await own.close();
  }
});
