/**
 * A fleet's recovery paths with a real redis-server (AOF, appendfsync always): a replica started after
 * 10,000 adds converges from the snapshot plus the log's tail (reading fewer entries than were
 * written), and Redis killed with kill -9 and restarted loses no acknowledged change while the
 * replicas keep answering from memory and fail writes fast.
 */
import * as assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis as RedisClient } from 'ioredis';
import { EarshotError } from '../../src/errors';
import type { EarshotServer } from '../../src/server/server';
import { getJson, pollUntil, Redis, startRedis } from '../helpers/fleet';
import { hostsOrSkip, which } from '../helpers/hosts';
import { catalogueState, randomFactors, startFleetServer, waitApplied, type Song } from './fleet-harness';

let redis: Redis | undefined;
let client: RedisClient;
let a: EarshotServer;
let c: EarshotServer | undefined;
let initial: Song[];
const SNAPSHOT_EVERY = 2000;

before(async () => {
  if (!which('redis-server')) return;
  redis = await startRedis();
  client = new RedisClient(redis.port, '127.0.0.1', { retryStrategy: () => 100 });
  client.on('error', () => undefined);
  a = await startFleetServer(redis.url, { snapshotEveryEntries: SNAPSHOT_EVERY });
  initial = catalogueState(a);
});

after(async () => {
  await Promise.all([a?.close(), c?.close()]);
  client?.disconnect();
  await redis?.destroy();
});

test('a replica started after 10,000 adds converges from the snapshot and the tail, not the whole history', async (t) => {
  if (!hostsOrSkip(t, 'redis-server')) return;
  const f = a.engine.factors;
  const total = 10_000;
  const t0 = performance.now();
  // 200 writes in flight at a time: Redis fsyncs its AOF once per batch of replies, not once per write.
  for (let k = 0; k < total; k += 200) {
    await Promise.all(Array.from({ length: 200 }, (_, j) => a.fleet!.write({ op: 'add', item: { id: `bulk-${k + j}`, artist: 'bulk', title: `song ${k + j}` }, factors: randomFactors(f, k + j + 1) })));
  }
  t.diagnostic(`${total} adds through the writer: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await pollUntil(async () => (a.fleet!.status().snapshot_seq >= total - SNAPSHOT_EVERY ? true : undefined), 'a snapshot near the head', 30_000);
  const kept = await client.xlen('earshot:log');
  assert.ok(kept < total, `the log was trimmed (it holds ${kept} entries)`);

  const started = performance.now();
  c = await startFleetServer(redis!.url, { snapshotEveryEntries: SNAPSHOT_EVERY });
  const h = await pollUntil(async () => {
    const r = await getJson<{ status: string; fleet: { ready: boolean; caught_up: boolean; entries_read: number; applied_seq: number } }>(`${c!.url}/healthz`);
    return r.status === 200 && r.body.fleet.ready ? r.body : undefined;
  }, 'the new replica ready', 30_000, 20);
  t.diagnostic(`joined and caught up in ${(performance.now() - started).toFixed(0)} ms, reading ${h.fleet.entries_read} log entries of ${total}`);
  assert.equal(h.status, 'ok');
  assert.ok(h.fleet.entries_read < total, `read ${h.fleet.entries_read} entries`);
  assert.ok(h.fleet.applied_seq >= total);
  assert.deepEqual(catalogueState(c), catalogueState(a));
  assert.equal(catalogueState(c).length, initial.length + total);
});

test('a replica cut off from the log while a snapshot trims it reloads the snapshot (a gap in seq) and converges', async (t) => {
  if (!hostsOrSkip(t, 'redis-server')) return;
  const f = a.engine.factors;
  // Only c's log connection goes (its commands stay up): c applies nothing while the others go on.
  const reader = (c!.fleet as unknown as { readerRedis: RedisClient }).readerRedis;
  const seqBefore = c!.fleet!.status().applied_seq;
  reader.disconnect();
  for (let k = 0; k < SNAPSHOT_EVERY + 500; k += 250) {
    await Promise.all(Array.from({ length: 250 }, (_, j) => a.fleet!.write({ op: 'add', item: { id: `gap-${k + j}`, artist: 'gap', title: `song ${k + j}` }, factors: randomFactors(f, 50_000 + k + j) })));
  }
  await pollUntil(async () => (a.fleet!.status().snapshot_seq > seqBefore + 1 ? true : undefined), 'a snapshot past c\'s position', 30_000);
  const [[, fields]] = (await client.xrange('earshot:log', '-', '+', 'COUNT', 1)) as [string, string[]][];
  assert.ok(Number(fields[1]) > seqBefore + 1, `the log no longer holds entry ${seqBefore + 1} (it starts at ${fields[1]})`);
  await reader.connect();
  await waitApplied(c!, client);
  assert.equal(c!.fleet!.status().resyncs, 1);
  assert.deepEqual(catalogueState(c!), catalogueState(a));
});

test('Redis kill -9 and restart (AOF): replicas serve from memory, writes fail fast, then resume with nothing acknowledged lost', async (t) => {
  if (!hostsOrSkip(t, 'redis-server')) return;
  const f = a.engine.factors;
  const acked: string[] = [];
  const failed: { ms: number; err: unknown }[] = [];
  let stop = false;
  let n = 0;
  const writer = (async () => {
    while (!stop) {
      const id = `outage-${n++}`;
      const t0 = performance.now();
      try {
        await a.fleet!.write({ op: 'add', item: { id, artist: 'o', title: id }, factors: randomFactors(f, 90_000 + n) });
        acked.push(id);
      } catch (err) {
        failed.push({ ms: performance.now() - t0, err });
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  })();
  await pollUntil(async () => (acked.length >= 50 ? true : undefined), '50 acknowledged writes', 20_000);
  await redis!.kill9();
  const ackedBefore = acked.length;
  await pollUntil(async () => (failed.length >= 5 ? true : undefined), 'writes failing while Redis is down', 10_000);
  for (const x of failed) {
    assert.ok(x.err instanceof EarshotError && x.err.code === 'ERR_FLEET_UNAVAILABLE', String(x.err));
    assert.ok(x.ms < 1000, `a failed write took ${x.ms} ms`);
  }
  // Serving from memory: health (with the fleet's state), suggestions, and an HTTP write answered 503.
  for (const s of [a, c!]) {
    const h = await getJson<{ status: string; fleet: { redis: string } }>(`${s.url}/healthz`);
    assert.equal(h.status, 200);
    assert.equal(h.body.fleet.redis, 'reconnecting');
    const next = await fetch(`${s.url}/v1/next?after=${acked[0]}&format=json`);
    assert.equal(next.status, 200);
  }
  const del = await fetch(`${a.url}/v1/catalog?id=${acked[0]}`, { method: 'DELETE' });
  const body = (await del.json()) as { error: { code: string } };
  assert.equal(del.status, 503);
  assert.equal(body.error.code, 'fleet_unavailable');

  redis = await new Redis(redis!.port, redis!.dir).start(); // the same port and AOF directory
  await pollUntil(async () => (acked.length >= ackedBefore + 20 ? true : undefined), 'writes acknowledged again', 20_000);
  stop = true;
  await writer;
  for (const s of [a, c!]) await waitApplied(s, client);
  const ids = new Set(await client.smembers('earshot:ids'));
  for (const id of acked) assert.ok(ids.has(id), `acknowledged ${id} is in Redis after the restart`);
  const stateA = catalogueState(a);
  for (const id of acked) assert.ok(stateA.some((s) => s.id === id), `acknowledged ${id} is in A's catalogue`);
  assert.deepEqual(catalogueState(c!), stateA);
  assert.deepEqual(stateA.map((s) => s.id), [...ids].sort());
  assert.equal(a.fleet!.status().apply_errors + c!.fleet!.status().apply_errors, 0, 'nothing applied twice');
});
