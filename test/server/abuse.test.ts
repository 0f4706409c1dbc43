// Issue 13, second round: what an adversarial review of the first fixes found, each reproduced here.
// Small uploads analysed as another request's bytes (Node's shared Buffer pool sent to the worker);
// WAV uploads decoded whole before any limit or cancellation; refused WebSocket upgrades leaving server
// sockets half-open; stalled uploads holding every queue place; a pipelined request cut by the header
// timer; cross-site no-cors GETs (no Origin) stepping /v1/next; a 404 echoing a 15-KB path.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { isLoopbackHost } from '../../src/server/origin-policy';
import { startServer, type EarshotServer } from '../../src/server/server';
import { DEFAULT_BUNDLE, testAudio, uploadWav } from '../helpers/engine-client';
import { rawConnection } from '../helpers/raw-connection';
import { startServerProcess } from '../helpers/server-process';

const wav = uploadWav;

let server: EarshotServer;
before(async () => {
  server = await startServer({ bundleDir: DEFAULT_BUNDLE, port: 0, persistCatalog: false, limits: { headersTimeoutS: 1 } });
});
after(async () => {
  await server.close();
});

/** Raw HTTP over one TCP connection: writes `parts` with the given delays, returns everything read until close or `waitMs`. */
async function raw(port: number, parts: { text: string | Buffer; afterMs: number }[], waitMs: number): Promise<string> {
  const onConnect = (s: net.Socket) => {
    for (const p of parts) setTimeout(() => s.writable && s.write(p.text), p.afterMs);
  };
  return (await rawConnection(port, onConnect, waitMs)).text;
}

test('uploads under 4 KiB are analysed as their own bytes, not a shared Buffer pool (answers crossed between requests)', async () => {
  // 3 kHz? No: rates below 4 kHz are refused. 4,000 Hz s16 mono: 1,700 samples = 3,444 bytes, 0.425 s.
  const a = wav(4000, testAudio(0.425, 1, 4000));
  const b = wav(4000, testAudio(0.3, 2, 4000));
  assert.ok(a.length < 4096 && b.length < 4096);
  for (let round = 0; round < 3; round++) {
    const ra = (await (await fetch(`${server.url}/v1/analyze`, { method: 'POST', body: new Uint8Array(a) })).json()) as { duration_s?: number; error?: { message: string } };
    const rb = (await (await fetch(`${server.url}/v1/analyze`, { method: 'POST', body: new Uint8Array(b) })).json()) as { duration_s?: number; error?: { message: string } };
    // Each answer describes its own upload: 0.425 s and 0.3 s (the model's minimum may refuse them: then the message names their own length).
    const len = (r: { duration_s?: number; error?: { message: string } }): number => r.duration_s ?? Number(/audio is ([\d.]+) s/.exec(r.error?.message ?? '')?.[1]);
    assert.ok(Math.abs(len(ra) - 0.425) < 0.01, `upload A: ${JSON.stringify(ra)}`);
    assert.ok(Math.abs(len(rb) - 0.3) < 0.01, `upload B: ${JSON.stringify(rb)}`);
  }
});

test('a timed-out WAV analysis stops within a decoded piece: the next upload is not kept waiting', async () => {
  const own = await startServer({ bundleDir: DEFAULT_BUNDLE, port: 0, persistCatalog: false, analysis: { timeoutS: 0.2 } });
  try {
    // 1,500 s at 8 kHz (24 MB), analysed every 0.1 s: ≈ 15,000 windows, tens of seconds if it ran to the end.
    const long = wav(8000, testAudio(1500, 3, 8000));
    const r = await fetch(`${own.url}/v1/analyze?hop=0.1`, { method: 'POST', body: new Uint8Array(long) });
    assert.equal(r.status, 503);
    // The worker notices its stop flag at its next 64-KB piece (it used to run the whole job out).
    const tStop = performance.now();
    while (own.engine.analysisPool.stats.cancelling > 0 && performance.now() - tStop < 10_000) await new Promise((res) => setTimeout(res, 10));
    const stopMs = performance.now() - tStop;
    assert.ok(stopMs < 400, `the cancelled analysis ran on for ${stopMs.toFixed(0)} ms after its 503`);
    const t0 = performance.now();
    const next = await fetch(`${own.url}/v1/analyze`, { method: 'POST', body: new Uint8Array(wav(22050, testAudio(4, 4))) });
    const ms = performance.now() - t0;
    assert.equal(next.status, 200);
    assert.ok(ms < 3000, `the next upload waited ${ms.toFixed(0)} ms behind the cancelled one`);
  } finally {
    await own.close();
  }
});

test('refused WebSocket upgrades (wrong path, foreign origin) close the server side of the socket', async () => {
  const proc = await startServerProcess(['--bundle', DEFAULT_BUNDLE, '--no-persist']);
  try {
    const port = Number(new URL(proc.url).port);
    const fds = (): number => fs.readdirSync(`/proc/${proc.pid}/fd`).length;
    const before = fds();
    const held: net.Socket[] = [];
    const upgrade = (path: string, origin: string): string => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${origin}\r\n`;
    for (let i = 0; i < 20; i++) {
      // allowHalfOpen: like a client that never closes its side (Node's default would answer the server's FIN).
      const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => s.write(i % 2 ? upgrade('/nope', '') : upgrade('/v1/stream?sample_rate=22050', 'Origin: http://evil.example\r\n')));
      s.on('data', () => undefined); // read the refusal, never close our side
      s.on('error', () => undefined);
      held.push(s);
    }
    await new Promise((r) => setTimeout(r, 1500));
    const after = fds();
    for (const s of held) s.destroy();
    assert.ok(after - before <= 2, `the server holds ${after - before} more file descriptors for 20 refused upgrades whose clients stay open`);
  } finally {
    await proc.stop();
  }
});

test('stalled uploads are dropped after the header timeout and give their places back; one client holds at most 4', async () => {
  const own = await startServer({ bundleDir: DEFAULT_BUNDLE, port: 0, persistCatalog: false, limits: { headersTimeoutS: 1 }, analysis: { maxQueued: 16 } });
  try {
    const port = own.port;
    const stalled = Array.from({ length: 17 }, () => raw(port, [{ text: 'POST /v1/analyze HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\nRIFF', afterMs: 0 }], 4000));
    await new Promise((r) => setTimeout(r, 300));
    // This client (127.0.0.1) already has 4 uploads arriving: refused at once, with Retry-After.
    const busy = await fetch(`${own.url}/v1/analyze`, { method: 'POST', body: new Uint8Array(wav(22050, testAudio(4, 5))) });
    assert.equal(busy.status, 503);
    assert.match(((await busy.json()) as { error: { message: string } }).error.message, /already has 4 uploads arriving/);
    const answers = await Promise.all(stalled);
    // 13 refused at once (503); the 4 admitted ones are given up after 1 s without a byte: their
    // connections are closed (the body never came, so there is nobody reading an answer).
    assert.equal(answers.filter((a) => a.startsWith('HTTP/1.1 503 ')).length, 13, answers.map((a) => a.slice(0, 12)).join('|'));
    assert.equal(answers.filter((a) => a === '').length, 4);
    const ok = await fetch(`${own.url}/v1/analyze`, { method: 'POST', body: new Uint8Array(wav(22050, testAudio(4, 5))) });
    assert.equal(ok.status, 200, 'every place was given back');
  } finally {
    await own.close();
  }
});

test('a request pipelined behind another is not cut by the header timer while its body arrives', async () => {
  const body = wav(22050, testAudio(4, 6));
  const head = `POST /v1/analyze HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${body.length}\r\n\r\n`;
  const out = await raw(
    server.port,
    [
      { text: `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n${head}`, afterMs: 0 },
      { text: body.subarray(0, 1000), afterMs: 600 },
      { text: body.subarray(1000, 2000), afterMs: 1200 },
      { text: body.subarray(2000), afterMs: 1800 }, // past the 1-s header timeout since /healthz was answered
    ],
    5000,
  );
  const statuses = [...out.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
  assert.deepEqual(statuses, ['200', '200'], out.slice(0, 300));
});

test('a cross-site no-cors GET (no Origin, Sec-Fetch-Site: cross-site) is refused unless its Referer is an allowed page', async () => {
  const get = (headers: Record<string, string>) => raw(server.port, [{ text: `GET /v1/next?format=json HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`, afterMs: 0 }], 3000);
  assert.match(await get({ 'Sec-Fetch-Site': 'cross-site', Referer: 'http://evil.example/page' }), /^HTTP\/1\.1 403 .*forbidden_origin/s);
  assert.match(await get({ 'Sec-Fetch-Site': 'cross-site' }), /^HTTP\/1\.1 403 /);
  assert.match(await get({ 'Sec-Fetch-Site': 'cross-site', Referer: 'http://localhost:3000/player.html' }), /^HTTP\/1\.1 200 /);
  assert.match(await get({ 'Sec-Fetch-Site': 'same-origin' }), /^HTTP\/1\.1 200 /);
  assert.match(await get({}), /^HTTP\/1\.1 200 /, 'native clients send neither header');
});

test('a 404 quotes a long path short; an IPv4-mapped loopback Host in URL form is loopback', async () => {
  const r = await fetch(`${server.url}/${'A'.repeat(15000)}`);
  assert.equal(r.status, 404);
  const text = await r.text();
  assert.ok(text.length < 400, `${text.length} bytes`);
  assert.match(text, /\(15001 characters\)/);
  assert.equal(isLoopbackHost('::ffff:7f00:1'), true);
  assert.equal(isLoopbackHost('[::ffff:7f00:1]'), true);
  assert.equal(isLoopbackHost('::ffff:a00:1'), false, '10.0.0.1 mapped');
});
