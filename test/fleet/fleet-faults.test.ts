/**
 * Faults a reviewer found in the fleet (issue 18), each against a real redis-server: Redis restarted
 * from an older copy of its data (the log's head behind what a replica applied), the fleet's keys wiped,
 * and the reload routes of one replica. The reference for the catalogue is always what Redis holds: the
 * log replayed by hand (fleet-harness replayLog) or a replica that joined fresh from it.
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { Redis as RedisClient } from 'ioredis';
import { EarshotError } from '../../src/errors';
import type { EarshotServer } from '../../src/server/server';
import { pollUntil, Redis, startRedis } from '../helpers/fleet';
import { freePort, hostsOrSkip, Proc, runEarshot, tempDir, which } from '../helpers/hosts';
import { catalogueState, randomFactors, replayLog, startFleetServer, waitApplied, type Song } from './fleet-harness';

let redis: Redis | undefined;
let client: RedisClient;
let a: EarshotServer;
const others: EarshotServer[] = [];
let initial: Song[];
/** A's log lines (the server's and its fleet replica's). */
const lines: string[] = [];
const backup = tempDir('redis-backup');

before(async () => {
  if (!which('redis-server')) return;
  redis = await startRedis();
  client = new RedisClient(redis.port, '127.0.0.1', { retryStrategy: () => 100 });
  client.on('error', () => undefined);
  a = await startFleetServer(redis.url, {}, undefined, (l) => lines.push(l));
  initial = catalogueState(a);
});

after(async () => {
  await Promise.all([a?.close(), ...others.map((s) => s.close())]);
  client?.disconnect();
  await redis?.destroy();
  fs.rmSync(backup, { recursive: true, force: true });
});

const add = (s: EarshotServer, id: string, seed: number): Promise<void> => s.fleet!.write({ op: 'add', item: { id, artist: 'faults', title: id }, factors: randomFactors(s.engine.factors, seed) });

/** Retries a write while the replica's connection to a restarted Redis comes back (writes fail fast meanwhile). */
const addOnceUp = (s: EarshotServer, id: string, seed: number): Promise<true> =>
  pollUntil(async () => {
    try {
      await add(s, id, seed);
      return true;
    } catch (err) {
      if (err instanceof EarshotError && /did not confirm|is unreachable/.test(err.message)) return undefined;
      throw err;
    }
  }, `write ${id} accepted`, 20_000, 100);

test('Redis restored from an older copy: the replica drops what Redis lost, applies what it acknowledges, and converges with a new replica', async (t) => {
  if (!hostsOrSkip(t, 'redis-server')) return;
  await add(a, 'a1', 1);
  await redis!.stop(); // SHUTDOWN: the AOF holds a1
  fs.cpSync(redis!.dir, backup, { recursive: true });
  redis = await new Redis(redis!.port, redis!.dir).start();
  await addOnceUp(a, 'a2', 2);
  await add(a, 'a3', 3);
  assert.equal(a.fleet!.status().applied_seq, 3);
  await redis!.kill9();
  // Once the replica knows Redis is gone, a write says so in words, not in ioredis's.
  const down = await pollUntil(() => add(a, 'never', 9).then(() => assert.fail('a write acknowledged with Redis down'), (err: Error) => (/is unreachable/.test(err.message) ? err : undefined)), 'a write refused as unreachable', 5000);
  assert.match(down.message, /^Redis at redis:\/\/127\.0\.0\.1:\d+\/0 is unreachable: nothing was changed/);
  assert.equal((down as EarshotError).code, 'ERR_FLEET_UNAVAILABLE');
  assert.equal(a.fleet!.status().lag_entries, null, 'lag unknown while cut off, not 0');
  assert.equal(a.fleet!.status().caught_up, false);
  fs.rmSync(redis!.dir, { recursive: true, force: true });
  fs.cpSync(backup, redis!.dir, { recursive: true });
  redis = await new Redis(redis!.port, redis!.dir).start();
  assert.equal(await client.get('earshot:seq'), '1', 'Redis went back to entry 1');

  // Acknowledged (resolved) only if this replica then serves it; otherwise a clear 503.
  let acked = false;
  try {
    await addOnceUp(a, 'b2', 4);
    acked = true;
  } catch (err) {
    assert.ok(err instanceof EarshotError && err.code === 'ERR_FLEET_UNAVAILABLE' && /went back/.test(err.message), String(err));
  }
  await waitApplied(a, client);
  assert.ok(lines.some((l) => /lost Redis at .*serving from memory at log entry 3/.test(l)), 'the outage is logged');
  assert.ok(lines.some((l) => /Redis at .* is back after \d+\.\d s; applied up to log entry/.test(l)), 'the reconnection is logged');
  const reference = await replayLog(client, initial);
  assert.deepEqual(reference.songs.map((s) => s.id).filter((id) => /^[ab]\d$/.test(id)), ['a1', 'b2']);
  assert.deepEqual(catalogueState(a), reference.songs);
  if (acked) assert.ok(catalogueState(a).some((s) => s.id === 'b2'));
  const st = await pollUntil(async () => (a.fleet!.status().caught_up ? a.fleet!.status() : undefined), 'A caught up again', 10_000);
  assert.equal(st.diverged, null);
  assert.equal(st.lag_entries, 0);
  assert.ok(st.resyncs >= 1);

  const b = await startFleetServer(redis!.url);
  others.push(b);
  await waitApplied(b, client);
  assert.deepEqual(catalogueState(b), catalogueState(a));
});

test('the fleet wiped from Redis: writes refused with a clear error and caught_up false, then the replica follows the fleet created again', async (t) => {
  if (!hostsOrSkip(t, 'redis-server')) return;
  await Promise.all(others.splice(0).map((s) => s.close()));
  await client.flushall();
  const st = await pollUntil(async () => (a.fleet!.status().diverged ? a.fleet!.status() : undefined), 'A noticing the fleet is gone', 10_000);
  assert.equal(st.caught_up, false);
  assert.equal(st.lag_entries, null);
  assert.match(st.diverged as string, /gone from Redis/);
  await assert.rejects(add(a, 'lost', 5), (err: unknown) => err instanceof EarshotError && err.code === 'ERR_FLEET_UNAVAILABLE' && /fleet earshot is gone from Redis/.test(err.message));
  assert.ok(!catalogueState(a).some((s) => s.id === 'lost'));

  const d = await startFleetServer(redis!.url); // creates the fleet from its bundle
  others.push(d);
  await pollUntil(async () => (a.fleet!.status().caught_up ? true : undefined), 'A following the new fleet', 15_000);
  assert.deepEqual(catalogueState(a), catalogueState(d));
  await add(a, 'after-wipe', 6);
  await waitApplied(d, client);
  assert.deepEqual(catalogueState(d), (await replayLog(client, initial)).songs);
  assert.deepEqual(catalogueState(a), catalogueState(d));
});

test('POST /v1/admin/reload on one replica reloads the fleet\'s revision there and publishes nothing (its --bundle is not rolled out)', async (t) => {
  if (!hostsOrSkip(t, 'redis-server')) return;
  const before = { seq: await client.get('earshot:seq'), len: await client.xlen('earshot:log'), state: catalogueState(a), revision: a.fleet!.status().bundle_revision };
  const generation = a.engine.generation;
  const res = await fetch(`${a.url}/v1/admin/reload`, { method: 'POST' });
  assert.equal(res.status, 200, await res.text());
  assert.equal(a.engine.generation, generation + 1, 'reloaded here');
  assert.equal(await client.get('earshot:seq'), before.seq, 'no log entry');
  assert.equal(await client.xlen('earshot:log'), before.len);
  assert.equal(a.fleet!.status().bundle_revision, before.revision);
  assert.deepEqual(catalogueState(a), before.state);
});

test('earshot serve --redis: a database the server lacks and a missing password exit 1 naming the problem', async (t) => {
  if (!hostsOrSkip(t, 'redis-server')) return;
  const db = await runEarshot(['serve', '--port', '0', '--redis', `${redis!.url}/99`]);
  assert.equal(db.code, 1, db.lines.join('\n'));
  assert.match(db.lines.join('\n'), /database 99 does not exist \(the server has 16\)/);
  const port = await freePort();
  const dir = tempDir('redis-pass');
  const locked = new Proc('redis-pass', 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--requirepass', 'sesame']);
  try {
    await locked.waitFor((l) => /Ready to accept connections/.test(l), 'redis ready', 30_000);
    const noPass = await runEarshot(['serve', '--port', '0', '--redis', `redis://127.0.0.1:${port}`]);
    assert.equal(noPass.code, 1);
    assert.match(noPass.lines.join('\n'), /needs a password: redis:\/\/:PASS@127\.0\.0\.1:\d+\/0/);
  } finally {
    await locked.stop('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('earshot catalog remove/set of an unknown id exit 1 tagged ERR_UNKNOWN_ID, not ERR_IO', async (t) => {
  if (!hostsOrSkip(t, 'redis-server')) return;
  for (const args of [['remove', 'nosuch'], ['set', 'nosuch', '--title', 'x']]) {
    const r = await runEarshot(['catalog', ...args, '--server', a.url]);
    assert.equal(r.code, 1, r.lines.join('\n'));
    assert.match(r.lines.join('\n'), /\[ERR_UNKNOWN_ID\]/);
    assert.doesNotMatch(r.lines.join('\n'), /ERR_IO/);
  }
});

test('--fleet-cache: at start a replica removes the bundle copies of replicas that are gone but the newest, never a live one\'s', async (t) => {
  if (!hostsOrSkip(t, 'redis-server')) return;
  const cache = tempDir('fleet-cache');
  const live = spawn('sleep', ['60']);
  t.after(() => {
    live.kill('SIGKILL');
    fs.rmSync(cache, { recursive: true, force: true });
  });
  const dead = spawnSync('true').pid as number; // exited: its pid names no process (until reused)
  const leave = (name: string, pid: number | null, ageS: number): void => {
    fs.mkdirSync(path.join(cache, name, 'bundle'), { recursive: true });
    if (pid !== null) fs.writeFileSync(path.join(cache, name, 'owner.pid'), String(pid));
    const at = new Date(Date.now() - ageS * 1000);
    fs.utimesSync(path.join(cache, name), at, at);
  };
  leave('aaaaaaaaaaaa-old001', dead, 300);
  leave('aaaaaaaaaaaa-old002', null, 200);
  leave('bbbbbbbbbbbb-new003', dead, 100);
  leave('cccccccccccc-live04', live.pid as number, 400);
  fs.mkdirSync(path.join(cache, 'not-a-revision'));
  const s = await startFleetServer(redis!.url, { cacheDir: cache });
  others.push(s);
  const kept = fs.readdirSync(cache).sort();
  const own = kept.filter((d) => !['bbbbbbbbbbbb-new003', 'cccccccccccc-live04', 'not-a-revision'].includes(d));
  assert.deepEqual(kept.filter((d) => !own.includes(d)), ['bbbbbbbbbbbb-new003', 'cccccccccccc-live04', 'not-a-revision']);
  assert.equal(own.length, 1, `its own revision directory: ${own.join(', ')}`);
  assert.equal(fs.readFileSync(path.join(cache, own[0], 'owner.pid'), 'utf8'), String(process.pid));
});

test('earshot_fleet_propagation_seconds counts the entries written after a replica joined, not its catch-up', async (t) => {
  if (!hostsOrSkip(t, 'redis-server')) return;
  const before = Number(await client.get('earshot:seq'));
  assert.ok(before >= 1, 'the log holds entries the new replica reads as catch-up');
  const s = await startFleetServer(redis!.url);
  others.push(s);
  await waitApplied(s, client);
  assert.ok(s.fleet!.status().entries_read >= 1);
  assert.equal(s.fleet!.propagationSeconds.count, 0);
  await add(a, 'after-join', 7);
  await waitApplied(s, client);
  assert.equal(s.fleet!.propagationSeconds.count, 1);
});
