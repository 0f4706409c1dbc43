/**
 * The fleet's wire formats without Redis: log entries (catalogue changes with float32 factors, bundle
 * rollouts) decoded back to exactly what was encoded, malformed entries refused naming the problem,
 * and --redis URLs parsed or refused with the reason.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CatalogChange } from '../../src/catalog/catalog-change';
import { changeFields, decodeEntry } from '../../src/fleet/log-entry';
import { parseRedisUrl } from '../../src/fleet/redis-url';
import { fleetKeys } from '../../src/fleet/fleet-keys';

/** What XREAD hands the reader: every field and value as bytes, with the seq the Lua script puts first. */
function asRead(seq: number, fields: (string | Buffer)[]): Buffer[] {
  return ['seq', String(seq), ...fields].map((v) => (Buffer.isBuffer(v) ? v : Buffer.from(v)));
}

test('catalogue changes survive the log exactly (factors bit for bit, unicode, uri removal)', () => {
  // Values a decimal round trip would disturb: subnormals, -0, the largest float32, 1/3.
  const factors = Float32Array.from([1 / 3, -0, 1.4e-45, 3.4028234663852886e38, -2.5e-8, 0.1]);
  const changes: CatalogChange[] = [
    { op: 'add', item: { id: 'søng/1', artist: 'Ärtist 🎵', title: 'T "quoted"', uri: 'file:///m/a b.mp3' }, factors },
    { op: 'add', item: { id: 's2', artist: '', title: 'no uri' }, factors: new Float32Array([1]) },
    { op: 'remove', id: 's3' },
    { op: 'meta', id: 's4', patch: { title: 'New', uri: null } },
  ];
  changes.forEach((c, i) => {
    const e = decodeEntry(`1-${i}`, asRead(i + 1, changeFields(c, 'space-hash')));
    assert.equal(e.seq, i + 1);
    assert.equal(e.streamId, `1-${i}`);
    assert.equal(e.record.kind, 'change');
    if (e.record.kind !== 'change') return;
    if (c.op === 'add' && e.record.change.op === 'add') {
      assert.deepEqual(e.record.change.item, c.item);
      assert.deepEqual(new Uint8Array(e.record.change.factors.buffer), new Uint8Array(c.factors.buffer)); // bit-identical, -0 included
      assert.equal(e.record.space, 'space-hash');
    } else {
      assert.deepEqual(e.record.change, c);
    }
  });
});

test('a bundle rollout entry and malformed entries', () => {
  const e = decodeEntry('5-0', asRead(9, ['op', 'bundle', 'revision', 'abc', 'space', 'def', 'reset', '1']));
  assert.deepEqual(e.record, { kind: 'bundle', revision: 'abc', space: 'def', reset: true });
  assert.throws(() => decodeEntry('6-0', asRead(1, ['op', 'add', 'song', 'x', 'item', '{"artist":"a","title":"t"}', 'factors', Buffer.alloc(6), 'space', 's'])), /fleet log entry 6-0: factors must be a non-empty run of float32/);
  assert.throws(() => decodeEntry('7-0', asRead(1, ['op', 'meta', 'song', 'x', 'patch', '[1]'])), /7-0: patch is not a JSON object/);
  assert.throws(() => decodeEntry('8-0', asRead(1, ['op', 'drop', 'song', 'x'])), /8-0: unknown op "drop"/);
  assert.throws(() => decodeEntry('9-0', [Buffer.from('seq'), Buffer.from('0'), Buffer.from('op'), Buffer.from('remove')]), /9-0: seq must be a positive integer, got 0/);
  assert.throws(() => decodeEntry('9-1', asRead(1, ['op', 'remove'])), /9-1: has no song field/);
});

test('--redis URLs: host, port, db, credentials kept out of the display; bad ones refused with the reason', () => {
  assert.deepEqual(parseRedisUrl('redis://127.0.0.1:6380/3'), { host: '127.0.0.1', port: 6380, db: 3, tls: false, display: 'redis://127.0.0.1:6380/3' });
  const withAuth = parseRedisUrl('rediss://app:s3cr%40t@cache.example');
  assert.deepEqual([withAuth.host, withAuth.port, withAuth.db, withAuth.username, withAuth.password, withAuth.tls], ['cache.example', 6379, 0, 'app', 's3cr@t', true]);
  assert.ok(!withAuth.display.includes('s3cr'));
  assert.equal(parseRedisUrl('redis://[::1]:7000').host, '::1');
  const refusals: [string, RegExp][] = [
    ['localhost:6379', /scheme must be redis: or rediss:/],
    ['http://h:1', /scheme must be redis: or rediss:, not http:/],
    ['redis://h:1/x', /database must be a number/],
    ['redis://h:1/0?x=1', /query strings/],
    ['redis://h:99999', /not a URL/],
    ['redis://:pw@h:0', /port must be 1..65535/],
  ];
  for (const [url, why] of refusals) {
    assert.throws(() => parseRedisUrl(url), (err: Error & { code?: string }) => err.code === 'ERR_INVALID_ARGUMENT' && why.test(err.message) && !err.message.includes('pw'), url);
  }
  assert.throws(() => fleetKeys('a b'), /--fleet must be 1-64 letters/);
  assert.equal(fleetKeys('prod').log, 'prod:log');
});
