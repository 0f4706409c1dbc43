/**
 * The fleet's chunked, versioned snapshots against a real redis-server (deploy/redis.conf): with 64
 * songs a chunk, 3,001 songs span 47 chunks. Each read is compared with the catalogue it was written
 * from, and the stored chunks are decoded here independently (JSON rows, readFloatLE) to check the
 * layout: the round trip, a reader that started on a version that is replaced (and even expires) under
 * it, a writer that dies between its chunks and its publish, and an older snapshot refused. Then two
 * replicas: snapshots written as a catalogue grows are at least a quarter of it apart, and a replica
 * joining from a snapshot of 3-song chunks serves the writer's catalogue exactly.
 */
import * as assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { CatalogItem } from '../../src/catalog/catalog';
import { fleetKeys, type FleetKeys } from '../../src/fleet/fleet-keys';
import { encodeItems, readSnapshot, VERSION_META, type FleetSnapshot } from '../../src/fleet/fleet-snapshot';
import { encodeFactors } from '../../src/fleet/log-entry';
import { createFleet, PENDING_TTL_S, publishSnapshot, stageSnapshot, writeSnapshot } from '../../src/fleet/fleet-snapshot-write';
import { openRedis, type FleetRedis } from '../../src/fleet/redis-connection';
import { parseRedisUrl } from '../../src/fleet/redis-url';
import { Redis, startRedis } from '../helpers/fleet';
import { hostsOrSkip, which } from '../helpers/hosts';
import { catalogueState, randomFactors, startFleetServer, waitApplied } from './fleet-harness';
import { SNAPSHOT_CATALOGUE_FRACTION } from '../../src/fleet/fleet-replica';
import type { EarshotServer } from '../../src/server/server';

const F = 16;
const CHUNK = 64;
const SONGS = 3001; // 46 full chunks and one of 57 songs
const o = { chunkSongs: CHUNK };
let redis: Redis | undefined;
let client: FleetRedis;

before(async () => {
  if (!which('redis-server')) return;
  redis = await startRedis();
  client = await openRedis(parseRedisUrl(redis.url), 'commands', 'earshot-test-snapshot-chunks');
});

after(async () => {
  client?.disconnect();
  await redis?.destroy();
});

/** A catalogue at `seq`: songs with and without uri, non-ASCII text, factors from a seeded generator (variant: another catalogue). */
function catalogue(seq: number, songs: number, variant: number): FleetSnapshot {
  const items: CatalogItem[] = [];
  const factors = new Float32Array(songs * F);
  for (let i = 0; i < songs; i++) {
    const id = `v${variant}-song-${i}`;
    items.push(i % 3 === 0 ? { id, artist: `Artïst ${i % 97}`, title: `Ünïcode "title" ${i} ♪` } : { id, artist: `Artist ${i}`, title: `Title ${i}`, uri: `https://example.com/${id}.mp3` });
    factors.set(randomFactors(F, variant * 1_000_003 + i + 1), i * F);
  }
  return { seq, streamId: `${seq + 1}-0`, revision: `rev-${variant}`, space: 'ab'.repeat(32), items, factors };
}

function assertSame(got: FleetSnapshot | null, want: FleetSnapshot): void {
  assert.ok(got, 'a snapshot');
  assert.deepEqual({ seq: got.seq, streamId: got.streamId, revision: got.revision, space: got.space }, { seq: want.seq, streamId: want.streamId, revision: want.revision, space: want.space });
  assert.deepEqual(got.items, want.items);
  assert.equal(got.factors.length, want.factors.length);
  for (let i = 0; i < want.factors.length; i++) if (got.factors[i] !== want.factors[i]) assert.fail(`factor ${i}: ${got.factors[i]} != ${want.factors[i]}`);
}

const pointerKey = async (keys: FleetKeys): Promise<string> => (await client.hget(keys.snapshot, 'key')) as string;

test('a snapshot round-trips exactly through 47 chunks of at most 64 songs, each decodable on its own', async (t) => {
  if (!hostsOrSkip(t, 'redis-server')) return;
  const keys = fleetKeys('chunks-roundtrip');
  const want = { ...catalogue(0, SONGS, 1), streamId: '0-0' };
  assert.equal(await createFleet(client, keys, want, o), true);
  assert.equal(await createFleet(client, keys, catalogue(0, 5, 2), o), false, 'the fleet exists: not created twice');
  assertSame(await readSnapshot(client, keys), want);
  assert.deepEqual((await client.smembers(keys.ids)).sort(), want.items.map((i) => i.id).sort());

  // The stored layout, decoded here without the reader: 47 chunks, 64 songs each but the last, in order.
  const key = await pointerKey(keys);
  assert.equal(await client.hlen(key), VERSION_META.length + 2 * 47);
  assert.equal(await client.ttl(key), -1, 'a published version does not expire');
  for (let k = 0; k < 47; k++) {
    const [rows, raw] = await client.hmgetBuffer(key, `items:${k}`, `factors:${k}`);
    const ids = (JSON.parse(rows!.toString()) as string[][]).map((r) => r[0]);
    assert.deepEqual(ids, want.items.slice(k * CHUNK, (k + 1) * CHUNK).map((i) => i.id));
    assert.equal(raw!.length, ids.length * F * 4);
    for (let j = 0; j < raw!.length / 4; j++) assert.equal(raw!.readFloatLE(j * 4), want.factors[k * CHUNK * F + j]);
  }
  assert.deepEqual(await client.keys(`${keys.name}:snapshot:*:ids`), [], 'the staged id set became the id set');

  const empty = fleetKeys('chunks-empty');
  assert.equal(await createFleet(client, empty, { ...catalogue(0, 0, 3), streamId: '0-0' }, o), true);
  assertSame(await readSnapshot(client, empty), { ...catalogue(0, 0, 3), streamId: '0-0' });
});

test('a reader on version N finishes while N+1 is published; when N expires under it, it reads N+1 instead', async (t) => {
  if (!hostsOrSkip(t, 'redis-server')) return;
  const keys = fleetKeys('chunks-readers');
  for (let i = 1; i <= 5; i++) await client.xadd(keys.log, `${i}-0`, 'seq', String(i));
  const n = catalogue(2, SONGS, 4);
  assert.deepEqual(await writeSnapshot(client, keys, 30_000, () => n, o), { written: true, seq: 2 });
  assert.deepEqual((await client.xrange(keys.log, '-', '+')).map(([id]) => id), ['3-0', '4-0', '5-0'], 'the log before the snapshot is trimmed');
  const keyN = await pointerKey(keys);

  const next = catalogue(4, SONGS - 100, 5);
  // One chunk read at a time: everything after chunk 3 is read after N+1 was published.
  const got = await readSnapshot(client, keys, {
    inFlight: 1,
    onChunk: async (done) => {
      if (done === 3) assert.deepEqual(await writeSnapshot(client, keys, 30_000, () => next, { ...o, graceS: 60 }), { written: true, seq: 4 });
    },
  });
  assertSame(got, n);
  const ttl = await client.ttl(keyN);
  assert.ok(ttl > 0 && ttl <= 60, `the replaced version expires after its grace (TTL ${ttl} s)`);
  assert.notEqual(await pointerKey(keys), keyN);
  assertSame(await readSnapshot(client, keys), next);

  // Now the grace runs out mid-read: the reader starts again from the pointer and returns the newest.
  const newest = catalogue(5, SONGS + 50, 6);
  const keyNext = await pointerKey(keys);
  let restarted = 0;
  const again = await readSnapshot(client, keys, {
    inFlight: 1,
    onChunk: async (done, chunks) => {
      if (done === 1) restarted++;
      if (done === 3 && restarted === 1) {
        assert.equal((await writeSnapshot(client, keys, 30_000, () => newest, o)).written, true);
        assert.equal(await client.del(keyNext), 1); // the grace expiry, passed at once
      }
      assert.equal(chunks, Math.ceil((restarted === 1 ? SONGS - 100 : SONGS + 50) / CHUNK));
    },
  });
  assert.equal(restarted, 2, 'the reader started over once');
  assertSame(again, newest);
});

test('a writer that dies between its chunks and its publish leaves the published snapshot intact; its chunks expire', async (t) => {
  if (!hostsOrSkip(t, 'redis-server')) return;
  const keys = fleetKeys('chunks-dead-writer');
  const published = catalogue(10, SONGS, 7);
  assert.equal((await writeSnapshot(client, keys, 30_000, () => published, o)).written, true);
  const half = catalogue(20, SONGS, 8);
  const staged = await stageSnapshot(client, keys, half, o); // …and the writer is killed here
  assertSame(await readSnapshot(client, keys), published);
  const ttl = await client.ttl(staged.key);
  assert.ok(ttl > 0 && ttl <= PENDING_TTL_S, `the unpublished version expires (TTL ${ttl} s)`);

  // A version missing a chunk (a writer killed mid-way that another tried to publish) is refused whole.
  await client.hdel(staged.key, 'items:5', 'factors:5');
  await assert.rejects(publishSnapshot(client, keys, staged, half, o), /EARSHOT_SNAPSHOT_INCOMPLETE/);
  assertSame(await readSnapshot(client, keys), published);
  assert.equal(await client.hget(keys.snapshot, 'seq'), '10');
});

test('an older or equal snapshot is refused and its staged chunks removed; a held lock skips the work', async (t) => {
  if (!hostsOrSkip(t, 'redis-server')) return;
  const keys = fleetKeys('chunks-older');
  const current = catalogue(30, SONGS, 9);
  assert.equal((await writeSnapshot(client, keys, 30_000, () => current, o)).written, true);
  for (const seq of [29, 30]) {
    assert.deepEqual(await writeSnapshot(client, keys, 30_000, () => catalogue(seq, 200, 10), o), { written: false, seq: 30 });
  }
  assert.deepEqual(await client.keys(`${keys.name}:snapshot:*`), [await pointerKey(keys)], 'only the published version is left');
  await client.set(keys.lock, 'another-replica', 'PX', 30_000);
  let taken = false;
  assert.deepEqual(await writeSnapshot(client, keys, 30_000, () => ((taken = true), catalogue(31, 10, 11)), o), { written: false, seq: 30 });
  assert.equal(taken, false, 'the catalogue is not serialised while another replica holds the lock');
  assertSame(await readSnapshot(client, keys), current);
});

test('a snapshot stored whole before chunking (one hash) is still read, and the first chunked publish replaces it', async (t) => {
  if (!hostsOrSkip(t, 'redis-server')) return;
  const keys = fleetKeys('chunks-legacy');
  const old = catalogue(7, 500, 12);
  await client.hset(keys.snapshot, { seq: 7, stream: old.streamId, revision: old.revision, space: old.space, items: encodeItems(old.items), factors: encodeFactors(old.factors) });
  assertSame(await readSnapshot(client, keys), old);
  const next = catalogue(8, 700, 13);
  assert.equal((await writeSnapshot(client, keys, 30_000, () => next, o)).written, true);
  assert.deepEqual(await client.hmget(keys.snapshot, 'items', 'factors'), [null, null], 'the whole-catalogue fields are gone');
  assertSame(await readSnapshot(client, keys), next);
});

test('replicas: snapshots come at least max(every, catalogue / 4) entries apart; a replica joins from 3-song chunks exactly', async (t) => {
  if (!hostsOrSkip(t, 'redis-server')) return;
  const url = `${redis!.url}`;
  const options = { name: 'chunks-replicas', snapshotEveryEntries: 1, snapshotChunkSongs: 3 };
  const servers: EarshotServer[] = [];
  t.after(() => Promise.all(servers.map((s) => s.close())));
  const a = await startFleetServer(url, options);
  servers.push(a);
  const keys = fleetKeys(options.name);
  const initial = catalogueState(a).length;
  // From the default bundle's 629 songs, the ¼ rule alone puts snapshots near entries 210, 490, 863, 1360.
  const ADDS = 1400;
  const seen: number[] = [];
  for (let i = 0; i < ADDS; i++) {
    await a.fleet!.write({ op: 'add', item: { id: `grow-${i}`, artist: 'grow', title: `song ${i}` }, factors: randomFactors(a.engine.factors, 900_000 + i) });
    const seq = Number(await client.hget(keys.snapshot, 'seq'));
    if (seq !== seen[seen.length - 1]) seen.push(seq);
  }
  t.diagnostic(`published snapshots seen at entries ${seen.join(', ')} (catalogue ${initial} → ${initial + ADDS} songs)`);
  assert.ok(seen.length >= 4, `snapshots were written as the catalogue grew (${seen.join(', ')})`);
  // Snapshot X (catalogue of initial + X songs, all adds) is followed by one triggered no earlier than a quarter of that later.
  for (let i = 1; i < seen.length; i++) {
    assert.ok(seen[i] - seen[i - 1] >= Math.ceil((initial + seen[i - 1]) * SNAPSHOT_CATALOGUE_FRACTION), `snapshot ${seen[i]} came ${seen[i] - seen[i - 1]} entries after ${seen[i - 1]}`);
  }
  const [chunks, chunkSongs] = await client.hmget(await pointerKey(keys), 'chunks', 'chunkSongs');
  assert.equal(chunkSongs, '3');
  assert.ok(Number(chunks) >= 50, `the snapshot spans ${chunks} chunks`);
  await waitApplied(a, client, options.name);
  const b = await startFleetServer(url, options);
  servers.push(b);
  await waitApplied(b, client, options.name);
  assert.ok(b.fleet!.status().entries_read < ADDS, `b joined from a snapshot (read ${b.fleet!.status().entries_read} entries)`);
  assert.deepEqual(catalogueState(b), catalogueState(a));
  assert.equal(catalogueState(b).length, initial + ADDS);
});
