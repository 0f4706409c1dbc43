// Issue 13, item 2: no web page can drive a server that has no token. Reproductions: a cross-origin
// CORS "simple" POST /v1/catalog (Content-Type text/plain) from http://evil.example returned 201 and
// persisted a song; POST /v1/admin/reload with Host: evil.example (DNS rebinding) returned 200; WebSocket
// upgrades from any Origin were accepted. Requests are sent with node:http so Origin and Host are exactly
// what a browser would send.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import WebSocket from 'ws';
import { isLoopbackHost, normalizeOrigin, OriginPolicy } from '../../src/server/origin-policy';
import { startServer, type EarshotServer } from '../../src/server/server';
import { bundleCopy, testAudio, uploadWav } from '../helpers/engine-client';

const wavBytes = (seconds: number): Buffer => uploadWav(22050, testAudio(seconds, 4));

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(base: string, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Answer> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) }, setHost: !('host' in headers) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function upgrade(base: string, headers: Record<string, string>): Promise<{ open: boolean; status?: number; body?: string }> {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/v1/stream?sample_rate=22050`, { headers });
  return new Promise((resolve) => {
    ws.once('open', () => {
      ws.close();
      resolve({ open: true });
    });
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ open: false, status: res.statusCode, body: text }));
    });
    ws.once('error', () => resolve({ open: false }));
  });
}

let server: EarshotServer;
let bundle: string;
before(async () => {
  bundle = bundleCopy();
  server = await startServer({ bundleDir: bundle, port: 0, origins: { allowOrigins: ['https://studio.example'] } });
});
after(async () => {
  await server.close();
});

test('a cross-origin simple POST /v1/catalog from another site is 403 and adds nothing (was 201 and persisted)', async () => {
  const r = await request(server.url, 'POST', '/v1/catalog?id=evil-song&uri=http://evil.example/x.mp3', { origin: 'http://evil.example', 'content-type': 'text/plain' }, wavBytes(4));
  assert.equal(r.status, 403, r.body);
  const e = JSON.parse(r.body) as { error: { code: string; message: string } };
  assert.equal(e.error.code, 'forbidden_origin');
  assert.match(e.error.message, /--allow-origin http:\/\/evil\.example/);
  assert.equal(server.engine.recommender.catalog.indexOf('evil-song'), -1);
  const next = await request(server.url, 'GET', '/v1/next?playable=1&format=json', {});
  assert.doesNotMatch(next.body, /evil/);
});

test('DNS rebinding: a request with Host evil.example is 403 on a loopback server without a token (reload was 200)', async () => {
  for (const [method, path] of [['POST', '/v1/admin/reload'], ['GET', '/healthz'], ['GET', '/v1/next']] as const) {
    const r = await request(server.url, method, path, { host: `evil.example:${server.port}` });
    assert.equal(r.status, 403, `${method} ${path}: ${r.body}`);
    assert.equal((JSON.parse(r.body) as { error: { code: string } }).error.code, 'forbidden_host');
  }
  assert.equal(server.engine.generation, 1, 'the model was not reloaded');
  for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `[::1]:${server.port}`, `app.localhost:${server.port}`]) {
    assert.equal((await request(server.url, 'GET', '/healthz', { host })).status, 200, host);
  }
});

test('WebSocket upgrades: refused (403, before the handshake) from other sites; loopback pages, allowed origins and native clients connect', async () => {
  const evil = await upgrade(server.url, { origin: 'http://evil.example' });
  assert.equal(evil.open, false);
  assert.equal(evil.status, 403);
  assert.match(evil.body ?? '', /forbidden_origin/);
  assert.equal((await upgrade(server.url, { origin: 'null' })).status, 403, 'sandboxed frames and file:// pages send "null"');
  assert.equal((await upgrade(server.url, { host: `evil.example:${server.port}` })).status, 403);
  assert.equal((await upgrade(server.url, { origin: 'http://localhost:5173' })).open, true);
  assert.equal((await upgrade(server.url, { origin: 'http://127.0.0.1:8080' })).open, true);
  assert.equal((await upgrade(server.url, { origin: 'https://studio.example' })).open, true);
  assert.equal((await upgrade(server.url, {})).open, true, 'no Origin: a native client');
});

test('allowed pages get CORS answers and preflights; a native client (no Origin) is unchanged', async () => {
  const pre = await request(server.url, 'OPTIONS', '/v1/analyze', { origin: 'https://studio.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers['access-control-allow-origin'], 'https://studio.example');
  assert.match(String(pre.headers['access-control-allow-methods']), /POST/);
  const ok = await request(server.url, 'POST', '/v1/analyze?k=2', { origin: 'http://localhost:3000', 'content-type': 'audio/wav' }, wavBytes(4));
  assert.equal(ok.status, 200, ok.body);
  assert.equal(ok.headers['access-control-allow-origin'], 'http://localhost:3000');
  const native = await request(server.url, 'POST', '/v1/analyze?k=2', {}, wavBytes(4));
  assert.equal(native.status, 200);
  assert.equal(native.headers['access-control-allow-origin'], undefined);
});

test('with a token the Host is not checked (a rebinding page cannot present it); the origin still is', async () => {
  const own = await startServer({ bundleDir: bundle, port: 0, tokens: ['s3cret'], persistCatalog: false });
  try {
    const auth = { authorization: 'Bearer s3cret' };
    assert.equal((await request(own.url, 'GET', '/v1/next', { ...auth, host: 'radio.example' })).status, 200);
    assert.equal((await request(own.url, 'GET', '/v1/next', { host: 'radio.example' })).status, 401);
    assert.equal((await request(own.url, 'POST', '/v1/admin/reload', { ...auth, origin: 'http://evil.example' })).status, 403);
  } finally {
    await own.close();
  }
});

test('--allow-origin is validated at start; * allows any page', async () => {
  await assert.rejects(startServer({ bundleDir: bundle, port: 0, origins: { allowOrigins: ['evil.example'] } }), /--allow-origin "evil\.example" is not an origin/);
  const any = new OriginPolicy({ allowOrigins: ['*'] }, '127.0.0.1', 8765, false);
  assert.equal(any.allowsOrigin('http://evil.example'), true);
});

test('origin policy: loopback names, origin normalisation, the server own origins on a wildcard bind', () => {
  for (const h of ['localhost', 'LOCALHOST', 'a.localhost', '127.0.0.1', '127.9.8.7', '::1', '[::1]', '::ffff:127.0.0.1']) assert.equal(isLoopbackHost(h), true, h);
  for (const h of ['evil.example', 'localhost.evil.example', '128.0.0.1', '10.0.0.1', '::2', '0.0.0.0', '']) assert.equal(isLoopbackHost(h), false, h);
  assert.equal(normalizeOrigin('HTTPS://Studio.Example:443'), 'https://studio.example');
  assert.equal(normalizeOrigin('http://a.example/path'), null);
  assert.equal(normalizeOrigin('javascript:alert(1)'), null);
  assert.equal(normalizeOrigin('null'), null);
  const p = new OriginPolicy({}, '127.0.0.1', 8765, false);
  assert.equal(p.allowsOrigin('http://127.0.0.1:8765'), true);
  assert.equal(p.allowsOrigin('http://evil.example:8765'), false);
  assert.equal(p.checksHost, true);
  const wide = new OriginPolicy({}, '0.0.0.0', 8765, false);
  assert.equal(wide.checksHost, false, 'a deliberately public bind is reached by its LAN names');
  assert.equal(wide.allowsOrigin('http://evil.example:8765'), false);
});
