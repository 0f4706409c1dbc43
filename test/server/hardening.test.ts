// Safe by default (issue 13): hostile WebSocket messages (deep nesting, huge strings) are answered with a
// short error event and the stream goes on; concurrent catalogue adds of one id give one 201 and 409s;
// the server tells clients no absolute paths (health, begin, errors).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeWavPcm16 } from '../../src/audio/wav-encode';
import { ProtocolError, parseClientMessage } from '../../src/protocol';
import { ECHO_MAX_CHARS, echoValue, scrubPaths } from '../../src/protocol/redact';
import { startServer, type EarshotServer } from '../../src/server/server';
import { DEFAULT_BUNDLE, TestStream, bundleCopy, bundleItems, testAudio } from '../helpers/engine-client';

const DEPTH = 5000;
const deepArray = `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`;
const deepObject = `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`;
const HUGE = 'x'.repeat(900_000);

function protocolError(text: string): ProtocolError {
  try {
    parseClientMessage(text);
  } catch (err) {
    assert.ok(err instanceof ProtocolError, `a ProtocolError, not ${String(err)}`);
    return err;
  }
  throw new Error(`${text.slice(0, 40)} was accepted`);
}

describe('echoValue and scrubPaths', () => {
  test('echoValue quotes short strings, cuts long ones with their length, never recurses', () => {
    assert.equal(echoValue('dance'), '"dance"');
    assert.equal(echoValue('a\tb'), '"a\\tb"');
    const long = echoValue(HUGE);
    assert.equal(long, `"${'x'.repeat(ECHO_MAX_CHARS)}…" (900000 characters)`);
    assert.equal(echoValue(`${'y'.repeat(ECHO_MAX_CHARS - 1)}😀tail`), `"${'y'.repeat(ECHO_MAX_CHARS - 1)}…" (${ECHO_MAX_CHARS + 5} characters)`, 'no half surrogate pair');
    assert.equal(echoValue(JSON.parse(deepArray)), 'an array (1 element)');
    assert.equal(echoValue(JSON.parse(deepObject)), 'an object');
    assert.equal(echoValue(42), '42');
    assert.equal(echoValue(null), 'null');
    assert.equal(echoValue(undefined), 'undefined');
    assert.equal(echoValue(true), 'true');
  });

  test('scrubPaths replaces absolute paths with their base names and leaves the rest alone', () => {
    assert.equal(scrubPaths('bundle /srv/earshot/models/default: cannot read manifest.json (ENOENT)'), 'bundle default: cannot read manifest.json (ENOENT)');
    assert.equal(scrubPaths("ENOENT: no such file or directory, open '/tmp/earshot-x/items.r2.tsv'"), "ENOENT: no such file or directory, open 'items.r2.tsv'");
    assert.equal(scrubPaths('model at /opt/m/model.onnx.'), 'model at model.onnx.');
    assert.equal(scrubPaths('dir /srv/models/default/ is gone'), 'dir default is gone');
    assert.equal(scrubPaths('cannot open C:\\Users\\me\\bundle\\model.onnx'), 'cannot open model.onnx');
    assert.equal(scrubPaths('cannot open D:/music/x.wav'), 'cannot open x.wav');
    assert.equal(scrubPaths('(/a/b) and "/c/d"'), '(b) and "d"');
    // Not absolute paths: relative ones, URLs, fractions, a lone slash.
    for (const keep of ['bundle models/default: bad', 'see http://host:8765/v1/stream', '3/4 done, 10 clips/s', 'a / b', 'items[0].id must be a non-empty string']) {
      assert.equal(scrubPaths(keep), keep);
    }
  });
});

describe('parseClientMessage: hostile input', () => {
  test('a type nested 5,000 deep (array or object) is unknown_message, not a stack overflow', () => {
    for (const type of [deepArray, deepObject]) {
      const err = protocolError(`{"type":${type}}`);
      assert.equal(err.code, 'unknown_message');
      assert.equal(err.closeCode, undefined, 'the stream goes on');
      assert.match(err.message, /^unknown message type an (array \(1 element\)|object); expected configure/);
    }
  });

  test('a 900 KB type string is echoed as a short prefix with its length', () => {
    const err = protocolError(JSON.stringify({ type: HUGE }));
    assert.equal(err.code, 'unknown_message');
    assert.ok(err.message.length < 200, `message of ${err.message.length} characters`);
    assert.ok(err.message.includes(`"${'x'.repeat(ECHO_MAX_CHARS)}…" (900000 characters)`), err.message);
  });

  test('deep or huge values in configure fields are bad_request with a short message', () => {
    const cases = [
      `{"type":"configure","k":${deepArray}}`,
      `{"type":"configure","hop":${deepObject}}`,
      `{"type":"configure","tags":${JSON.stringify(HUGE)}}`,
      `{"type":"configure","history":[{"id":"x","plays":${deepArray}}]}`,
      `{"type":"configure","history":[{"id":"x","plays":${JSON.stringify(HUGE)}}]}`,
      `{"type":"configure","history":[${deepArray}]}`,
      `{"type":"configure","factors":${deepObject}}`,
      `{"type":"reset","track":${deepArray}}`,
    ];
    for (const text of cases) {
      const err = protocolError(text);
      assert.equal(err.code, 'bad_request', text.slice(0, 60));
      assert.ok(err.message.length < 200, `${text.slice(0, 60)}: message of ${err.message.length} characters`);
    }
  });
});

describe('server', () => {
  let server: EarshotServer;
  before(async () => {
    server = await startServer({ bundleDir: DEFAULT_BUNDLE, port: 0, persistCatalog: false });
  });
  after(async () => {
    await server.close();
  });

  test('WebSocket: deep and huge messages get short error events and the stream goes on', async () => {
    const s = await TestStream.open(server.url, 'encoding=pcm_f32le&sample_rate=22050&hop=1');
    await s.next('begin');
    const frames: [string, string][] = [
      [`{"type":${deepArray}}`, 'unknown_message'],
      [`{"type":${deepObject}}`, 'unknown_message'],
      [JSON.stringify({ type: HUGE }), 'unknown_message'],
      [`{"type":"configure","k":${deepArray}}`, 'bad_request'],
      [`{"type":"configure","history":[{"id":"x","plays":${deepObject}}]}`, 'bad_request'],
      [JSON.stringify({ type: 'reset', track: HUGE }), 'unknown_track'],
      [JSON.stringify({ type: 'configure', history: [HUGE.slice(0, 400_000), `${HUGE.slice(0, 400_000)}y`] }), 'unknown_track'], // under the 1 MiB frame limit
    ];
    for (const [text, code] of frames) {
      s.send(text);
      const e = await s.next('error');
      assert.equal(e.code, code, text.slice(0, 60));
      assert.equal(e.retryable, false, text.slice(0, 60));
      assert.ok(e.message.length < 400, `${text.slice(0, 60)}: message of ${e.message.length} characters`);
    }
    assert.ok(!s.events.some((e) => e.type === 'error' && e.code === 'internal'), 'no internal error');
    s.send({ type: 'keepalive' });
    await s.next('keepalive');
    s.sendF32(testAudio(4, 1));
    assert.equal((await s.next('window')).seq, 0, 'still streaming');
    s.close();
    assert.equal((await s.closed).code, 1005, 'closed by the client, not by the server (1011)');
  });

  test('GET /healthz and the begin event name the model without its directory', async () => {
    const h = (await (await fetch(`${server.url}/healthz`)).json()) as { model: string };
    assert.equal(h.model, path.basename(DEFAULT_BUNDLE));
    assert.ok(!h.model.includes('/'), h.model);
    const s = await TestStream.open(server.url, 'encoding=pcm_f32le&sample_rate=22050');
    assert.equal((await s.next('begin')).model, path.basename(DEFAULT_BUNDLE));
    s.close();
  });
});

test('five concurrent POST /v1/catalog of one id: one 201 and four 409 duplicate_id; a failed add frees the id', async () => {
  const own = await startServer({ bundleDir: DEFAULT_BUNDLE, port: 0, persistCatalog: false });
  try {
    const wav = new Uint8Array(encodeWavPcm16(testAudio(6, 33), 22050));
    const post = async (id: string, body: Uint8Array<ArrayBuffer>): Promise<{ status: number; body: { error?: { code: string; message: string } } }> => {
      const res = await fetch(`${own.url}/v1/catalog?id=${encodeURIComponent(id)}&artist=A&title=T`, { method: 'POST', body });
      return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
    };
    const answers = await Promise.all(Array.from({ length: 5 }, () => post('race', wav)));
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [201, 409, 409, 409, 409], JSON.stringify(answers.map((a) => a.body.error ?? a.status)));
    for (const a of answers.filter((x) => x.status === 409)) assert.equal(a.body.error?.code, 'duplicate_id');
    assert.equal(own.engine.recommender.catalog.size, (await bundleItems(DEFAULT_BUNDLE)).length + 1, 'exactly one of the five was added');
    assert.equal((await post('race', wav)).status, 409, 'a later request too');
    // An add that fails (undecodable audio) releases its reservation: the id can be added afterwards.
    assert.equal((await post('later', new Uint8Array(1000).fill(7))).status, 415);
    assert.equal((await post('later', wav)).status, 201);
  } finally {
    await own.close();
  }
});

test('a failed POST /v1/admin/reload does not tell the client the bundle directory', async () => {
  const dir = bundleCopy();
  const own = await startServer({ bundleDir: dir, port: 0, persistCatalog: false });
  try {
    fs.writeFileSync(path.join(dir, 'manifest.json'), '{"format":"earshot-bundle","version":99}');
    const res = await fetch(`${own.url}/v1/admin/reload`, { method: 'POST' });
    assert.equal(res.status, 500);
    const text = await res.text();
    const e = (JSON.parse(text) as { error: { code: string; message: string } }).error;
    assert.equal(e.code, 'ERR_MODEL_FORMAT');
    assert.match(e.message, /version 99/);
    assert.ok(!text.includes(dir) && !text.includes(path.dirname(dir)), text);
    assert.ok(e.message.includes(path.basename(dir)), e.message);
    const h = (await (await fetch(`${own.url}/healthz`)).json()) as { model: string };
    assert.equal(h.model, path.basename(dir));
  } finally {
    await own.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
