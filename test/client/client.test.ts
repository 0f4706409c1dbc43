// The client SDK (src/client) against a fake Protocol v1 server (test/helpers/fake-stream-server.ts):
// event parsing, what goes on the wire, reconnect with state restore, close codes that end a stream,
// keepalives, finalize, backpressure. The real server is exercised by client-stream-cli.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { backoffDelayMs, resolveReconnect } from '../../src/client/backoff';
import { connectStream, EarshotClient, EarshotClientError, type ReconnectInfo } from '../../src/client/node';
import { CLOSE, ProtocolError, type WindowEvent } from '../../src/protocol';
import { startFakeServer } from '../helpers/fake-stream-server';
import { freePort } from '../helpers/hosts';
import { distPath } from '../helpers/shared';

const FAST_RECONNECT = { initialDelayMs: 20, maxDelayMs: 100, factor: 2, jitter: 0.5 };

function until<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

test('connectStream: begin, query parameters, Authorization header; windows parsed; PCM bytes on the wire', async (t) => {
  const server = await startFakeServer();
  t.after(() => server.close());
  const client = await connectStream(server.url, { sampleRateHz: 22050, hopS: 0.5, k: 3, tags: 2, factors: true, overflow: 'block', token: 'sekret', keepaliveMs: 0 });
  t.after(() => client.close());
  assert.equal(client.state, 'open');
  assert.equal(client.begin?.model, 'fake');
  const conn = await server.connection(0);
  assert.equal(conn.url.pathname, '/v1/stream');
  assert.deepEqual(
    Object.fromEntries(conn.url.searchParams),
    { encoding: 'pcm_f32le', sample_rate: '22050', channels: '1', hop: '0.5', k: '3', tags: '2', factors: '1', overflow: 'block' },
  );
  assert.equal(conn.headers.authorization, 'Bearer sekret');
  assert.ok(!conn.url.searchParams.has('token'), 'header auth keeps the token out of the URL');

  const windows: WindowEvent[] = [];
  client.on('window', (w) => windows.push(w));
  const fourSeconds = new Float32Array(4 * 22050).fill(0.25);
  assert.equal(client.sendPcm(fourSeconds), true);
  await until(client.drain(0), 2000, 'drain');
  const last = await until(client.next('window'), 2000, 'windows');
  assert.ok(windows.length >= 1);
  assert.equal(last.tags[0].tag, 'rock');
  assert.equal(last.suggestions[0].artist, 'Artist');
  assert.equal(conn.binaryBytes, fourSeconds.byteLength);
  assert.equal(client.stats.bytesSent, fourSeconds.byteLength);
});

test('sendPcm converts between encodings and splits frames over maxFrameBytes on sample-frame boundaries', async (t) => {
  const server = await startFakeServer({ windows: false });
  t.after(() => server.close());
  const client = await connectStream(server.url, { sampleRateHz: 48000, channels: 2, encoding: 'pcm_s16le', maxFrameBytes: 1000, keepaliveMs: 0 });
  t.after(() => client.close());
  const conn = await server.connection(0);
  client.sendPcm(new Float32Array(1000).fill(0.5)); // 500 stereo frames -> 2,000 bytes of s16
  client.sendPcm(new Int16Array(10));
  await client.drain(0);
  const deadline = Date.now() + 2000;
  while (conn.binaryBytes < 2020 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.equal(conn.binaryBytes, 2020);
  // 1,000 bytes is a whole number of 4-byte stereo s16 frames: 1000 + 1000, then the 20-byte Int16Array.
  assert.equal(conn.binaryFrames, 3);
});

test('mean, mean_s and segment go into the URL; track_change events are emitted typed, and as messages', async (t) => {
  const server = await startFakeServer({ windows: false });
  t.after(() => server.close());
  const client = await connectStream(server.url, { sampleRateHz: 22050, mean: 'sliding', meanS: 12.5, segment: 'auto', keepaliveMs: 0 });
  t.after(() => client.close());
  const conn = await server.connection(0);
  assert.deepEqual([conn.url.searchParams.get('mean'), conn.url.searchParams.get('mean_s'), conn.url.searchParams.get('segment')], ['sliding', '12.5', 'auto']);
  const typed = client.next('track_change');
  const messages: string[] = [];
  client.on('message', (m) => messages.push(m.type));
  conn.send({ type: 'track_change', t: 87.3 });
  assert.deepEqual(await until(typed, 2000, 'track_change'), { type: 'track_change', t: 87.3 });
  assert.deepEqual(messages, ['track_change']);
  // configure carries them; a contradiction is refused before it is sent (the server's own parser).
  client.configure({ mean: 'decay', mean_s: 6, segment: 'off' });
  const sent = await until(conn.next('configure'), 2000, 'configure');
  assert.deepEqual([sent.type === 'configure' && sent.mean, sent.type === 'configure' && sent.mean_s, sent.type === 'configure' && sent.segment], ['decay', 6, 'off']);
  assert.throws(() => client.configure({ mean: 'track', mean_s: 6 }), (e: unknown) => e instanceof ProtocolError && /mean_s is the length of a sliding or decay mean/.test(e.message));
});

test('options the server would refuse throw ProtocolError before any socket opens', () => {
  assert.throws(() => new EarshotClient('ws://127.0.0.1:1', { sampleRateHz: 22050, hopS: 0.01 }), (e: unknown) => e instanceof ProtocolError && e.code === 'bad_request');
  assert.throws(() => new EarshotClient('ws://127.0.0.1:1', { sampleRateHz: 4000 }), (e: unknown) => e instanceof ProtocolError && e.code === 'unsupported_audio');
  assert.throws(() => new EarshotClient('not a url', { sampleRateHz: 22050 }), TypeError);
  assert.throws(() => new EarshotClient('ws://127.0.0.1:1', { sampleRateHz: 22050, meanS: 10 }), (e: unknown) => e instanceof ProtocolError && /needs mean=sliding or mean=decay/.test(e.message));
  assert.throws(() => new EarshotClient('ws://127.0.0.1:1', { sampleRateHz: 22050, segment: 'on' as 'auto' }), (e: unknown) => e instanceof ProtocolError && /segment="on"/.test(e.message));
});

test('after the server drops the connection (1011) the client reconnects with backoff and replays configure + reset', async (t) => {
  const server = await startFakeServer();
  t.after(() => server.close());
  const client = await connectStream(server.url, { sampleRateHz: 22050, keepaliveMs: 0, reconnect: FAST_RECONNECT });
  t.after(() => client.close());
  const first = await server.connection(0);
  client.configure({ k: 5, history: [{ id: 'song-1', plays: 3 }, { id: 'song-2' }] });
  client.configure({ tags: 7 }); // merged with the first: both must come back
  client.reset('song-9');
  await first.next('reset');
  const reconnects: ReconnectInfo[] = [];
  client.on('reconnect', (r) => reconnects.push(r));

  first.ws.close(CLOSE.internal, 'boom');
  const second = await until(server.connection(1), 3000, 'the reconnect');
  const configure = await until(second.next('configure'), 2000, 'configure replay');
  const reset = await until(second.next('reset'), 2000, 'reset replay');
  assert.deepEqual(configure, {
    type: 'configure', hop: undefined, k: 5, tags: 7, factors: undefined, playable: undefined, mean: undefined, mean_s: undefined, segment: undefined, history: [{ id: 'song-1', plays: 3 }, { id: 'song-2', plays: 1 }],
  });
  assert.deepEqual(reset, { type: 'reset', track: 'song-9' });
  const order = second.messages.map((m) => m.type);
  assert.ok(order.indexOf('configure') < order.indexOf('reset'), `configure before reset: ${order}`);
  assert.equal(reconnects.length, 1);
  assert.equal(reconnects[0].attempt, 1);
  assert.equal(reconnects[0].code, CLOSE.internal);
  assert.ok(reconnects[0].delayMs >= 10 && reconnects[0].delayMs <= 20, `first delay ${reconnects[0].delayMs} ms within [initial·(1-jitter), initial]`);
  await until(client.drain(), 2000, 'open again');
  assert.equal(client.state, 'open');
  assert.equal(client.stats.reconnects, 1);
});

test('no reconnect after 4415 (unsupported audio): the stream closes for good', async (t) => {
  const server = await startFakeServer({
    onConnection: (c) => {
      c.send({ type: 'error', code: 'unsupported_audio', message: 'no', retryable: false });
      c.ws.close(CLOSE.unsupportedAudio, 'unsupported audio');
    },
  });
  t.after(() => server.close());
  const client = new EarshotClient(server.url, { sampleRateHz: 22050, keepaliveMs: 0, reconnect: FAST_RECONNECT });
  let reconnects = 0;
  client.on('reconnect', () => reconnects++);
  const closed = client.next('close');
  // connect() may win (begin arrives first) or lose the race with the close; either way it must end closed.
  await client.connect().catch(() => {});
  const info = await until(closed, 2000, 'close');
  assert.equal(info.code, CLOSE.unsupportedAudio);
  assert.equal(info.error?.code, 'unsupported_audio');
  await new Promise((r) => setTimeout(r, 200)); // several backoff periods
  assert.equal(reconnects, 0);
  assert.equal(server.connections.length, 1);
  assert.equal(client.state, 'closed');
  await assert.rejects(client.drain(), (e: unknown) => e instanceof EarshotClientError && e.code === 'closed');
});

test('reconnects give up after maxAttempts while the server is gone; close reports it', async (t) => {
  const server = await startFakeServer();
  const client = await connectStream(server.url, { sampleRateHz: 22050, keepaliveMs: 0, reconnect: { ...FAST_RECONNECT, maxAttempts: 3 } });
  t.after(() => client.close());
  const attempts: number[] = [];
  client.on('reconnect', (r) => attempts.push(r.attempt));
  const closed = client.next('close');
  await server.close(); // terminates the socket (1006) and stops listening
  const info = await until(closed, 3000, 'giving up');
  assert.deepEqual(attempts, [1, 2, 3]);
  assert.equal(info.error?.code, 'connection_lost');
  assert.match(info.error!.message, /gave up after 3 reconnect attempts/);
});

test('keepalive messages go out at the configured interval', async (t) => {
  const server = await startFakeServer();
  t.after(() => server.close());
  const client = await connectStream(server.url, { sampleRateHz: 22050, keepaliveMs: 40 });
  const conn = await server.connection(0);
  await new Promise((r) => setTimeout(r, 230));
  await client.close();
  const n = conn.messages.filter((m) => m.type === 'keepalive').length;
  assert.ok(n >= 3 && n <= 6, `${n} keepalives in 230 ms at a 40 ms interval`);
});

test('finalize resolves with the final event; a drop before the answer is survived (answered after the reconnect)', async (t) => {
  const server = await startFakeServer();
  t.after(() => server.close());
  const client = await connectStream(server.url, { sampleRateHz: 22050, keepaliveMs: 0, reconnect: FAST_RECONNECT });
  t.after(() => client.close());
  client.sendPcm(new Float32Array(22050 * 4));
  const final = await until(client.finalize(), 2000, 'final');
  assert.equal(final.type, 'final');
  assert.ok(Math.abs(final.t_end - 4) < 1e-9, `t_end ${final.t_end}`);

  // The fake server answers finalize at once; close the socket from the server before the answer is read.
  const conn = await server.connection(0);
  conn.ws.terminate();
  // The finalize goes out again on the new connection (test/client/reconnect-replay.test.ts: what else).
  const again = await until(client.finalize(), 2000, 'the final after the reconnect');
  assert.equal(again.type, 'final');
  assert.equal(server.connections.length, 2);
});

test('subprotocol auth (the browser way): earshot.v1 + bearer.<token>', async (t) => {
  const server = await startFakeServer();
  t.after(() => server.close());
  const client = await connectStream(server.url, { sampleRateHz: 16000, token: 'abc123', auth: 'subprotocol', keepaliveMs: 0 });
  t.after(() => client.close());
  const conn = await server.connection(0);
  assert.deepEqual(String(conn.headers['sec-websocket-protocol']).split(',').map((p) => p.trim()), ['earshot.v1', 'bearer.abc123']);
  assert.equal(conn.headers.authorization, undefined);
});

test('an unreachable server rejects connect with connect_failed naming ECONNREFUSED, without retrying', async () => {
  const port = await freePort();
  const client = new EarshotClient(`ws://127.0.0.1:${port}`, { sampleRateHz: 22050, reconnect: FAST_RECONNECT });
  let reconnects = 0;
  client.on('reconnect', () => reconnects++);
  await assert.rejects(client.connect(), (e: unknown) => e instanceof EarshotClientError && e.code === 'connect_failed' && /ECONNREFUSED/.test(e.message));
  assert.equal(client.state, 'closed');
  assert.equal(reconnects, 0);
});

test('a server that never sends begin: connect_timeout', async (t) => {
  const server = await startFakeServer({ silent: true });
  t.after(() => server.close());
  const client = new EarshotClient(server.url, { sampleRateHz: 22050, connectTimeoutMs: 100 });
  await assert.rejects(client.connect(), (e: unknown) => e instanceof EarshotClientError && e.code === 'connect_timeout');
});

test('backoff: grows by factor from initialDelayMs, capped at maxDelayMs, jitter within [(1-j)·d, d]', () => {
  const r = resolveReconnect({ initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0.5 });
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((a) => backoffDelayMs(a, r, () => 0)), [100, 200, 400, 800, 1000, 1000]);
  assert.deepEqual([1, 2, 5].map((a) => backoffDelayMs(a, r, () => 0.999999)), [50, 100, 500]);
  assert.throws(() => resolveReconnect({ factor: 0.5 }), RangeError);
  assert.throws(() => resolveReconnect({ jitter: 2 }), RangeError);
});

test('the browser entry (src/client/index.ts) loads no Node module and not ws: only relative imports', () => {
  const seen = new Set<string>();
  const external: string[] = [];
  const walk = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/require\("([^"]+)"\)/g)) {
      if (m[1].startsWith('.')) walk(require.resolve(path.resolve(path.dirname(file), m[1])));
      else external.push(`${m[1]} (from ${path.basename(file)})`);
    }
  };
  walk(distPath('src', 'client', 'index.js'));
  assert.deepEqual(external, []);
  assert.ok(seen.size >= 5, `${seen.size} modules walked`);
});
