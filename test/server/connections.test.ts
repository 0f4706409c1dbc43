// Issue 13, items 3 and 4: half-open connections are dropped after the header timeout (20 partial-header
// and 20 silent connections were still open after 350 s), and a server whose native addon cannot load
// refuses to start, naming the reason (it used to start, say ok on /healthz, and crash on the first stream).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { startServer, type EarshotServer } from '../../src/server/server';
import { DEFAULT_BUNDLE } from '../helpers/engine-client';
import { rawConnection } from '../helpers/raw-connection';
import { repoRoot } from '../helpers/shared';

let server: EarshotServer;
before(async () => {
  server = await startServer({ bundleDir: DEFAULT_BUNDLE, port: 0, persistCatalog: false, limits: { headersTimeoutS: 1, keepAliveTimeoutS: 0.5 } });
});
after(async () => {
  await server.close();
});

/** Opens a raw TCP connection, writes `text`, resolves with the time it was closed by the server (ms), or null. */
async function hold(text: string, waitMs: number): Promise<number | null> {
  const outcome = await rawConnection(server.port, (s) => {
    if (text) s.write(text);
  }, waitMs);
  return outcome.closedAfterMs;
}

test('20 silent and 20 partial-header connections (plain and WebSocket upgrade) are closed after the header timeout', async () => {
  const partial = ['GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n', 'GET /v1/stream?sample_rate=22050 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n', 'POST /v1/analyze HT'];
  const conns = [...Array.from({ length: 20 }, () => hold('', 5000)), ...Array.from({ length: 20 }, (_, i) => hold(partial[i % partial.length], 5000))];
  // While they wait, the server answers everyone else.
  const ok = await fetch(`${server.url}/healthz`);
  assert.equal(ok.status, 200);
  const closed = await Promise.all(conns);
  for (const [i, ms] of closed.entries()) {
    assert.ok(ms !== null, `connection ${i} was still open after 5 s`);
    assert.ok(ms >= 900 && ms < 3000, `connection ${i} closed after ${ms.toFixed(0)} ms (timeout 1 s)`);
  }
});

test('an idle keep-alive connection is closed after the keep-alive timeout; a slow next request after the header timeout', async () => {
  const t = await hold('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 5000);
  assert.ok(t !== null && t >= 400 && t < 2000, `closed after ${t} ms (keep-alive 0.5 s)`);
});

test('complete requests are not cut: an upload whose headers came in time may take longer than the header timeout', async () => {
  const body = Buffer.alloc(2000, 1);
  const r = await new Promise<string>((resolve) => {
    const s = net.connect(server.port, '127.0.0.1', () => {
      s.write(`POST /v1/analyze HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${body.length}\r\n\r\n`);
      setTimeout(() => s.write(body.subarray(0, 1000)), 700);
      setTimeout(() => s.write(body.subarray(1000)), 1400); // past the 1-s header timeout
    });
    let text = '';
    s.on('data', (d) => (text += d.toString()));
    s.on('close', () => resolve(text));
    s.on('end', () => resolve(text));
    setTimeout(() => {
      s.destroy();
      resolve(text);
    }, 4000);
  });
  assert.match(r, /^HTTP\/1\.1 415 /, r.slice(0, 200)); // the bytes are not audio: answered, not dropped
});

test('earshot serve refuses to start when the native addon cannot load, naming the reason (exit 1)', async () => {
  const cli = path.join(repoRoot(), 'dist', 'src', 'cli', 'earshot.js');
  const r = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const p = spawn(process.execPath, [cli, 'serve', '--port', '0'], { env: { ...process.env, EARSHOT_NATIVE_ADDON: '/nonexistent/earshot_native.node' } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
  assert.equal(r.code, 1, `exit code; stdout: ${r.out} stderr: ${r.err}`);
  assert.doesNotMatch(r.out, /listening/);
  assert.match(r.err, /native addon could not be loaded from \/nonexistent\/earshot_native\.node.*\[ERR_NATIVE_UNAVAILABLE\]/);
  assert.doesNotMatch(r.err, /\n\s+at /, 'one line, no stack trace');
});
