/**
 * Model rollouts through a fleet (real redis-server, two in-process replicas): `earshot fleet reload`
 * reaches both, which hot-reload without dropping a stream and report the new revision; a bundle of the
 * same model keeps the fleet's catalogue, a retrained one (another factor space) restarts it from its
 * own songs; the admin route of any replica rolls out its --bundle. And the CLI's refusals: a bad URL
 * (exit 2), an unreachable Redis or one without AOF (exit 1).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { Redis as RedisClient } from 'ioredis';
import type { EarshotServer } from '../../src/server/server';
import { bundleCopy, bundleItems, TestStream, testAudio } from '../helpers/engine-client';
import { freePort, hostsOrSkip, Proc, runEarshot, tempDir, which } from '../helpers/hosts';
import { pollUntil, startRedis, type Redis } from '../helpers/fleet';
import { otherModelBundle } from '../helpers/other-model';
import { catalogueState, randomFactors, startFleetServer, waitApplied } from './fleet-harness';

let redis: Redis | undefined;
let client: RedisClient;
let a: EarshotServer;
let b: EarshotServer;
const dirs: string[] = [];

before(async () => {
  if (!which('redis-server')) return;
  redis = await startRedis();
  client = new RedisClient(redis.port, '127.0.0.1');
  a = await startFleetServer(redis.url);
  const other = otherModelBundle(); // b's own --bundle: what its reload(dir) rolls out
  dirs.push(other);
  b = await startFleetServer(redis.url, {}, other);
});

after(async () => {
  await Promise.all([a?.close(), b?.close()]);
  client?.disconnect();
  await redis?.destroy();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

test('a replica joining an existing fleet serves the fleet\'s model, whatever its --bundle', (t) => {
  if (!hostsOrSkip(t, 'redis-server')) return;
  assert.equal(b.fleet!.status().bundle_revision, a.fleet!.status().bundle_revision);
  assert.deepEqual(catalogueState(b), catalogueState(a));
});

test('earshot fleet reload: both replicas load the bundle, keep the catalogue (same model) and every stream', async (t) => {
  if (!hostsOrSkip(t, 'redis-server')) return;
  const f = a.engine.factors;
  await a.fleet!.write({ op: 'add', item: { id: 'kept-song', artist: 'k', title: 'kept' }, factors: randomFactors(f, 77) });
  const stream = await TestStream.open(b.url, 'encoding=pcm_f32le&sample_rate=22050&hop=0.5&k=3&tags=0');
  await stream.next('begin');
  stream.sendF32(testAudio(4, 3));
  await stream.next('window');

  // The same model with other tags: a new revision in the same factor space.
  const copy = bundleCopy();
  dirs.push(copy);
  const tagsFile = path.join(copy, 'tags.json');
  const tags = JSON.parse(fs.readFileSync(tagsFile, 'utf8')) as { tags: { tag: string }[] };
  tags.tags[0].tag = 'renamed-tag';
  fs.writeFileSync(tagsFile, JSON.stringify(tags));
  const before = a.fleet!.status().bundle_revision;
  const r = await runEarshot(['fleet', 'reload', '--bundle', copy, '--redis', redis!.url, '--json']);
  assert.equal(r.code, 0, r.lines.join('\n'));
  const out = JSON.parse(r.lines.find((l) => l.startsWith('{'))!) as { revision: string; catalogue_reset: boolean };
  assert.notEqual(out.revision, before);
  assert.equal(out.catalogue_reset, false);
  for (const s of [a, b]) await pollUntil(async () => (s.fleet!.status().bundle_revision === out.revision ? true : undefined), 'the new revision served', 60_000);
  for (const s of [a, b]) {
    assert.equal(s.engine.bundle.tags[0].tag, 'renamed-tag');
    assert.ok(s.engine.recommender.catalog.indexOf('kept-song') >= 0, 'the catalogue survives a rollout of the same model');
  }
  // The stream was not dropped: it was told about the reload and goes on with windows.
  await stream.next('reload', 30_000);
  stream.sendF32(testAudio(4, 4));
  await stream.next('window', 30_000);
  assert.equal(b.connections.size, 1);
  stream.close();
});

test('a replica\'s reload(dir) rolls the bundle out to the fleet; another model restarts the catalogue from its songs', async (t) => {
  if (!hostsOrSkip(t, 'redis-server')) return;
  await b.reload(dirs[0]); // explicit: SIGHUP and POST /v1/admin/reload publish nothing (fleet-faults.test.ts)
  await waitApplied(a, client, 'earshot', 60_000);
  assert.equal(a.fleet!.status().bundle_revision, b.fleet!.status().bundle_revision);
  const own = (await bundleItems(dirs[0])).map((i) => i.id).sort();
  for (const s of [a, b]) {
    assert.deepEqual(catalogueState(s).map((x) => x.id), own);
    assert.equal(s.engine.recommender.catalog.indexOf('kept-song'), -1);
  }
  assert.deepEqual((await client.smembers('earshot:ids')).sort(), own);
  // earshot fleet status reads the same state out of Redis.
  const st = await runEarshot(['fleet', 'status', '--redis', redis!.url, '--json']);
  assert.equal(st.code, 0, st.lines.join('\n'));
  const status = JSON.parse(st.lines.find((l) => l.startsWith('{'))!) as { head_seq: number; songs: number; log_entries: number };
  assert.equal(status.head_seq, Number(await client.get('earshot:seq')));
  assert.equal(status.songs, own.length);
  assert.equal(status.log_entries, await client.xlen('earshot:log'));
  // Adds are now checked against the new model's ids: one of its songs is a duplicate.
  await assert.rejects(a.fleet!.write({ op: 'add', item: { id: own[0], artist: 'x', title: 'x' }, factors: randomFactors(a.engine.factors, 1) }), /already in the fleet/);
});

test('earshot serve --redis refuses a bad URL (exit 2), an unreachable Redis and one without AOF (exit 1)', async (t) => {
  if (!hostsOrSkip(t, 'redis-server')) return;
  const bad = await runEarshot(['serve', '--port', '0', '--redis', 'http://127.0.0.1:1']);
  assert.equal(bad.code, 2);
  assert.match(bad.lines.join('\n'), /--redis must be redis:\/\/host/);
  const fleetAlone = await runEarshot(['serve', '--port', '0', '--fleet', 'x']);
  assert.equal(fleetAlone.code, 2);
  assert.match(fleetAlone.lines.join('\n'), /--fleet needs --redis/);
  const port = await freePort();
  const down = await runEarshot(['serve', '--port', '0', '--redis', `redis://127.0.0.1:${port}`]);
  assert.equal(down.code, 1);
  assert.match(down.lines.join('\n'), /cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+\/0.*\[ERR_FLEET_UNAVAILABLE\]/);
  // A Redis without its append-only file: acknowledged writes would not survive its restart.
  const dir = tempDir('redis-noaof');
  const plain = new Proc('redis-noaof', 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'no', '--save', '']);
  try {
    await plain.waitFor((l) => /Ready to accept connections/.test(l), 'redis ready', 30_000);
    const noAof = await runEarshot(['serve', '--port', '0', '--redis', `redis://127.0.0.1:${port}/2`]);
    assert.equal(noAof.code, 1);
    assert.match(noAof.lines.join('\n'), /appendonly no.*\[ERR_FLEET_UNAVAILABLE\]/);
  } finally {
    await plain.stop('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
