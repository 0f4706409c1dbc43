/**
 * Catalogue writes through a fleet (real redis-server, two in-process replicas): one winner for
 * concurrent adds of one id (HTTP uploads to both replicas, and the writer itself), every replica's
 * catalogue equal to a brute-force replay of the log after interleaved add/remove/meta from both, and
 * how fast a song added through one replica reaches the other.
 */
import * as assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis as RedisClient } from 'ioredis';
import { DuplicateIdError, UnknownIdError } from '../../src/catalog/catalog';
import type { CatalogChange } from '../../src/catalog/catalog-change';
import type { EarshotServer } from '../../src/server/server';
import { testAudio, uploadWav } from '../helpers/engine-client';
import { startRedis, type Redis } from '../helpers/fleet';
import { hostsOrSkip, which } from '../helpers/hosts';
import { catalogueState, randomFactors, replayLog, startFleetServer, waitApplied, type Song } from './fleet-harness';

let redis: Redis | undefined;
let client: RedisClient;
let a: EarshotServer;
let b: EarshotServer;
let initial: Song[];

before(async () => {
  if (!which('redis-server')) return;
  redis = await startRedis();
  client = new RedisClient(redis.port, '127.0.0.1');
  // Both at once: the fleet is created by exactly one of them (an atomic script), the other joins it.
  [a, b] = await Promise.all([startFleetServer(redis.url), startFleetServer(redis.url)]);
  initial = catalogueState(a);
});

after(async () => {
  await Promise.all([a?.close(), b?.close()]);
  client?.disconnect();
  await redis?.destroy();
});

test('two replicas started together join one fleet holding the bundle\'s songs', (t) => {
  if (!hostsOrSkip(t, 'redis-server')) return;
  assert.ok(initial.length > 0);
  assert.deepEqual(catalogueState(b), initial);
  assert.equal(a.fleet!.status().bundle_revision, b.fleet!.status().bundle_revision);
});

test('concurrent adds of one id: exactly one winner, over HTTP to both replicas and through the writer', async (t) => {
  if (!hostsOrSkip(t, 'redis-server')) return;
  const wav = uploadWav(22050, testAudio(3.5, 7));
  const post = (s: EarshotServer): Promise<number> => fetch(`${s.url}/v1/catalog?id=race-http&title=Race`, { method: 'POST', body: new Uint8Array(wav) }).then(async (r) => (await r.arrayBuffer(), r.status));
  const statuses = await Promise.all([...Array.from({ length: 4 }, () => post(a)), ...Array.from({ length: 4 }, () => post(b))]);
  assert.equal(statuses.filter((s) => s === 201).length, 1, `statuses ${statuses}`);
  assert.equal(statuses.filter((s) => s === 409).length, 7, `statuses ${statuses}`);

  const f = a.engine.factors;
  const ids = Array.from({ length: 40 }, (_, i) => `race-${i}`);
  const outcomes = await Promise.all(ids.flatMap((id, i) => [a, b].map((s, k) => s.fleet!.write({ op: 'add', item: { id, artist: `by ${k}`, title: id }, factors: randomFactors(f, i * 2 + k + 1) }).then(() => k, (err: unknown) => err))));
  for (let i = 0; i < ids.length; i++) {
    const pair = outcomes.slice(2 * i, 2 * i + 2);
    const winners = pair.filter((o) => typeof o === 'number');
    assert.equal(winners.length, 1, `${ids[i]}: ${pair.map(String)}`);
    assert.ok(pair.some((o) => o instanceof DuplicateIdError));
  }
  await waitApplied(a, client);
  await waitApplied(b, client);
  const ref = await replayLog(client, initial);
  assert.deepEqual(catalogueState(a), ref.songs);
  assert.deepEqual(catalogueState(b), ref.songs);
  for (let i = 0; i < ids.length; i++) {
    const winner = outcomes[2 * i] === 0 ? 0 : 1;
    assert.equal(ref.songs.find((s) => s.id === ids[i])!.artist, `by ${winner}`, `${ids[i]}: the log holds the winner's song`);
  }
});

test('interleaved add/remove/meta from two replicas: each replica equals a brute-force replay of the log', async (t) => {
  if (!hostsOrSkip(t, 'redis-server')) return;
  const f = a.engine.factors;
  const pool = Array.from({ length: 30 }, (_, i) => `mix-${i}`);
  let seed = 12345;
  const rnd = (n: number): number => (seed = (seed * 48271) % 2147483647) % n;
  const change = (k: number): CatalogChange => {
    const id = pool[rnd(pool.length)];
    switch (rnd(3)) {
      case 0:
        return { op: 'add', item: { id, artist: `a${k}`, title: `t${k}`, ...(rnd(2) ? { uri: `/music/${id}-${k}.mp3` } : {}) }, factors: randomFactors(f, 1000 + k) };
      case 1:
        return { op: 'remove', id };
      default:
        return { op: 'meta', id, patch: rnd(2) ? { title: `retitled ${k}`, artist: `artist ${k}` } : { uri: rnd(2) ? `/music/new-${k}.ogg` : null } };
    }
  };
  const before = Number((await client.get('earshot:seq')) ?? 0);
  let accepted = 0;
  const refusedOk = (err: unknown): boolean => err instanceof DuplicateIdError || err instanceof UnknownIdError;
  // Two writers per replica, each issuing its changes one after another: four interleaved sequences.
  await Promise.all([a, b, a, b].map(async (s, w) => {
    for (let k = 0; k < 60; k++) {
      try {
        await s.fleet!.write(change(w * 1000 + k));
        accepted++;
      } catch (err) {
        assert.ok(refusedOk(err), `unexpected ${(err as Error).message}`);
      }
    }
  }));
  assert.equal(Number(await client.get('earshot:seq')) - before, accepted, 'one log entry per accepted change, none for a refused one');
  await waitApplied(a, client);
  await waitApplied(b, client);
  const ref = await replayLog(client, initial);
  assert.deepEqual(catalogueState(a), ref.songs);
  assert.deepEqual(catalogueState(b), ref.songs);
  assert.deepEqual((await client.smembers('earshot:ids')).sort(), ref.songs.map((s) => s.id));
  assert.equal(a.fleet!.status().apply_errors + b.fleet!.status().apply_errors, 0);
});

test('a song added through one replica is in the other\'s catalogue well within 1 s', async (t) => {
  if (!hostsOrSkip(t, 'redis-server')) return;
  const f = a.engine.factors;
  const ms: number[] = [];
  for (let i = 0; i < 100; i++) {
    const id = `prop-${i}`;
    const t0 = performance.now();
    const written = a.fleet!.write({ op: 'add', item: { id, artist: 'x', title: id }, factors: randomFactors(f, 5000 + i) });
    while (b.engine.recommender.catalog.indexOf(id) < 0) await new Promise((r) => setImmediate(r));
    ms.push(performance.now() - t0);
    await written;
  }
  ms.sort((x, y) => x - y);
  const p50 = ms[49], p99 = ms[98];
  t.diagnostic(`add through A → in B's catalogue: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${ms[99].toFixed(1)} ms`);
  assert.ok(p99 < 1000, `p99 ${p99} ms`);
  // And it is what B suggests for its own factors (the engine's search sees it at once).
  const last = b.engine.recommender.catalog;
  const hit = last.topK(randomFactors(f, 5099), 1, { metric: 'cosine' })[0];
  assert.equal(last.item(hit.index).id, 'prop-99');
});

test('HTTP PATCH and DELETE through either replica reach both; /metrics reports the log position and revision', async (t) => {
  if (!hostsOrSkip(t, 'redis-server')) return;
  const f = a.engine.factors;
  await a.fleet!.write({ op: 'add', item: { id: 'http-1', artist: 'old', title: 'old' }, factors: randomFactors(f, 4242) });
  const patch = await fetch(`${b.url}/v1/catalog?id=http-1&title=${encodeURIComponent('New title')}&uri=${encodeURIComponent('/music/http-1.flac')}`, { method: 'PATCH' });
  assert.equal(patch.status, 200, await patch.clone().text());
  for (const s of [a, b]) {
    await waitApplied(s, client);
    const it = s.engine.recommender.catalog.item(s.engine.recommender.catalog.indexOf('http-1'));
    assert.deepEqual([it.title, it.artist, it.uri], ['New title', 'old', '/music/http-1.flac']);
  }
  const del = await fetch(`${a.url}/v1/catalog?id=http-1`, { method: 'DELETE' });
  assert.equal(del.status, 200, await del.clone().text());
  assert.equal((await fetch(`${b.url}/v1/catalog?id=http-1`, { method: 'DELETE' })).status, 404, 'removed through A: unknown to B');
  await waitApplied(b, client);
  assert.equal(b.engine.recommender.catalog.indexOf('http-1'), -1);

  const head = Number(await client.get('earshot:seq'));
  const text = await (await fetch(`${b.url}/metrics`)).text();
  const value = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
  assert.equal(value('earshot_fleet_applied_seq'), head);
  assert.equal(value('earshot_fleet_redis_connected'), 1);
  assert.equal(value('earshot_fleet_apply_errors_total'), 0);
  assert.match(text, new RegExp(`^earshot_fleet_bundle_info\\{fleet="earshot",revision="${b.fleet!.status().bundle_revision}"\\} 1$`, 'm'));
  assert.ok(value('earshot_fleet_propagation_seconds_count') >= 1);
  const h = (await (await fetch(`${b.url}/healthz`)).json()) as { status: string; fleet: { applied_seq: number; lag_entries: number; redis: string } };
  assert.equal(h.status, 'ok');
  assert.equal(h.fleet.applied_seq, head);
  assert.equal(h.fleet.redis, 'connected');
});
