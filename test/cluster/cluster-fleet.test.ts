// A fleet sharing its catalogue through Redis (docs/fleet.md), with the real programs: redis-server
// from deploy/redis.conf (AOF, appendfsync always), three `earshot serve --redis` processes and haproxy
// from deploy/haproxy.cfg in front. Failure behaviour, each time measured:
// - a song added through replica A is suggested by a stream on replica C within 1 s;
// - Redis killed (-9) and restarted on its AOF: the replicas serve streams and /v1/next from memory
//   meanwhile, refuse adds at once with a clear 503, reconnect, and nothing acknowledged is lost;
// - a 4th replica started after 10,000 adds converges (snapshot + log) and /healthz says so;
// - a model rollout (`earshot fleet reload`) reaches every replica with no stream closed, and a rolling
//   restart of every replica (SIGTERM, start again, one by one) keeps every stream going: the only
//   closes the clients see are the draining replicas' 1001s, each followed by a reconnect.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeWavPcm16 } from '../../src/audio/wav-encode';
import type { WindowEvent } from '../../src/protocol';
import { bundleCopy } from '../helpers/engine-client';
import { Fleet, pollUntil, startReplica, type Replica } from '../helpers/fleet';
import { joinAsWriter, songFactors } from '../helpers/fleet-writer';
import { freePort, hostsOrSkip, runEarshot, sleep } from '../helpers/hosts';
import { LiveSdk, RATE_HZ } from '../helpers/live-client';
import { tone } from '../helpers/tone';

/** The bound: an add through one replica is suggested by a stream on another within (ms). */
const SUGGESTED_WITHIN_MS = 1000;
const FLEET = 'cluster-test';

let fleet: Fleet | undefined;
const sdks: LiveSdk[] = [];
after(async () => {
  await Promise.all(sdks.map((s) => s.close().catch(() => {})));
  await fleet?.stop();
});

async function fleetOnce(): Promise<Fleet> {
  fleet ??= await new Fleet({ replicas: 3, redis: true, replicaArgs: (_, redis) => ['--redis', redis!, '--fleet', FLEET] }).start();
  return fleet;
}

/** A song's audio for POST /v1/catalog: a chord of pure tones (nothing like the streams' test music), 4 s. */
function songWav(i: number): Buffer {
  const n = 4 * RATE_HZ;
  const x = new Float32Array(n);
  for (const [k, f] of [220, 330, 495].entries()) {
    const t = tone(f * (1 + i / 50), RATE_HZ, n, k);
    for (let j = 0; j < n; j++) x[j] += 0.2 * t[j];
  }
  return encodeWavPcm16(x, RATE_HZ);
}

/** POST /v1/catalog on one replica (or the proxy): its status and JSON answer, and how long it took (ms). */
async function addSong(base: string, id: string, i: number): Promise<{ status: number; body: Record<string, unknown>; ms: number }> {
  const t0 = performance.now();
  const q = new URLSearchParams({ id, artist: 'Fleet Test', title: `Song ${i}`, uri: `https://example.test/${id}.mp3` });
  const res = await fetch(`${base}/v1/catalog?${q}`, { method: 'POST', body: new Uint8Array(songWav(i)), headers: { 'content-type': 'audio/wav' }, signal: AbortSignal.timeout(30_000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, ms: performance.now() - t0 };
}

/** Whether replica `r` knows song `id` (GET /v1/next?after=ID is 404 unknown_track for an id it lacks). */
async function knows(r: Replica, id: string): Promise<boolean> {
  const res = await fetch(`${r.url}/v1/next?after=${encodeURIComponent(id)}&json=1`, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return res.status === 200;
}

test('a song added through replica A is suggested by a stream on replica C within 1 s', async (t) => {
  if (!hostsOrSkip(t, 'redis-server', 'haproxy')) return;
  const f = await fleetOnce();
  const [a, , c] = f.replicas;
  // Only songs with a uri (playable=1): the bundle's songs have none, so the stream on C suggests nothing
  // until the new song arrives, and then exactly it.
  const s = new LiveSdk(c.url, { playable: true, hopS: 0.3, k: 3 });
  sdks.push(s);
  await s.connect();
  s.startPump(21);
  const first = (await s.client.next('window')) as WindowEvent;
  assert.deepEqual(first.suggestions, [], 'nothing playable yet');

  const id = 'fleet-added-1';
  const added = await addSong(a.url, id, 1);
  const ackAt = performance.now();
  assert.equal(added.status, 201, JSON.stringify(added.body));
  const seen = await s.after('window', ackAt, 5000).then(async () => {
    for (;;) {
      const hit = s.events.find((e) => e.at > ackAt - added.ms && e.ev.type === 'window' && (e.ev as WindowEvent).suggestions.some((x) => x.id === id));
      if (hit) return hit.at;
      if (performance.now() - ackAt > 5000) assert.fail(`no window on ${c.name} suggested ${id} within 5 s of the add`);
      await sleep(10);
    }
  });
  const ms = seen - ackAt;
  t.diagnostic(`add through ${a.name}: answered in ${added.ms.toFixed(0)} ms (analysis + Redis + applied on ${a.name}); suggested by the stream on ${c.name} ${ms.toFixed(0)} ms after the answer`);
  assert.ok(ms < SUGGESTED_WITHIN_MS, `${ms.toFixed(0)} ms`);
  await s.close();
});

test('Redis kill -9 and restart on its AOF: replicas serve from memory, refuse adds at once with 503, reconnect, lose nothing', async (t) => {
  if (!hostsOrSkip(t, 'redis-server', 'haproxy')) return;
  const f = await fleetOnce();
  const redis = f.redis!;
  const ids = ['before-1', 'before-2', 'before-3'];
  for (const [i, id] of ids.entries()) assert.equal((await addSong(f.replicas[i].url, id, 10 + i)).status, 201);
  const s = new LiveSdk(f.wsUrl, { hopS: 0.5 });
  sdks.push(s);
  await s.connect();
  s.startPump(22);
  await s.client.next('window');

  await redis.kill9();
  const downAt = performance.now();
  // Streams go on, /v1/next answers, from memory.
  await s.after('window', downAt, 3000);
  for (const r of f.replicas) assert.ok(await knows(r, ids[0]), `${r.name} answers /v1/next from memory`);
  // An add is refused, quickly and clearly, instead of hanging.
  const refused = await addSong(f.url, 'during-outage', 20);
  t.diagnostic(`add during the outage: ${refused.status} ${JSON.stringify(refused.body)} after ${refused.ms.toFixed(0)} ms`);
  assert.equal(refused.status, 503);
  assert.equal((refused.body.error as { code: string }).code, 'fleet_unavailable');
  assert.match((refused.body.error as { message: string }).message, /Redis/);
  const health = await f.replicas[0].healthz();
  assert.equal(health.body.fleet?.redis, 'reconnecting');

  await redis.start(); // same port, same directory: the AOF
  const backAt = performance.now();
  const reconnectedMs = await pollUntil(async () => {
    const h = await Promise.all(f.replicas.map((r) => r.healthz()));
    return h.every((x) => x.body.fleet?.redis === 'connected' && x.body.fleet?.caught_up === true) ? performance.now() - backAt : undefined;
  }, 'every replica connected and caught up', 30_000);
  for (const r of f.replicas) for (const id of [...ids, 'fleet-added-1']) assert.ok(await knows(r, id), `${r.name} still has ${id}`);
  for (const r of f.replicas) assert.equal(await knows(r, 'during-outage'), false, 'the refused add is nowhere');
  const again = await addSong(f.url, 'after-outage', 21);
  assert.equal(again.status, 201, JSON.stringify(again.body));
  await pollUntil(async () => ((await Promise.all(f.replicas.map((r) => knows(r, 'after-outage')))).every(Boolean) ? true : undefined), 'the add after the outage on every replica', 5000);
  assert.equal(s.client.stats.reconnects, 0, 'the stream never noticed');
  t.diagnostic(`Redis restarted on its AOF: replicas connected and caught up ${reconnectedMs.toFixed(0)} ms later; the stream saw no reconnect`);
  await s.close();
});

test('a replica started after 10,000 adds converges and /healthz says so', async (t) => {
  if (!hostsOrSkip(t, 'redis-server', 'haproxy')) return;
  const f = await fleetOnce();
  const ADDS = 10_000;
  const writer = await joinAsWriter(f.redis!.url, FLEET);
  const t0 = performance.now();
  let next = 0;
  // 64 in flight: Redis fsyncs the AOF once per batch of commands it took in one go.
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (next < ADDS) {
      const i = next++;
      await writer.add(`bulk-${i}`, songFactors(writer.bundleFactors, writer.dims, i));
    }
  }));
  const writeS = (performance.now() - t0) / 1000;
  await writer.close();
  const settled = await pollUntil(async () => {
    const h = await Promise.all(f.replicas.map((r) => r.healthz()));
    const seqs = new Set(h.map((x) => x.body.fleet?.applied_seq));
    return h.every((x) => x.body.fleet?.caught_up === true) && seqs.size === 1 ? h[0].body : undefined;
  }, 'the running replicas caught up', 60_000);
  // The snapshot written after 10,000 entries (docs/fleet.md; by whichever member took the lock, the
  // writer too) is there to join from: as Redis holds it, `earshot fleet status`.
  const status = await pollUntil(async () => {
    const r = await runEarshot(['fleet', 'status', '--redis', f.redis!.url, '--fleet', FLEET, '--json']);
    const st = JSON.parse(r.lines.find((l) => l.startsWith('{')) ?? '{}') as { snapshot_seq?: number; head_seq?: number; songs?: number };
    return (st.snapshot_seq ?? 0) >= ADDS ? st : undefined;
  }, 'a snapshot after the adds', 30_000, 500);

  const t1 = performance.now();
  const late = await startReplica('e4', await freePort(), ['--redis', f.redis!.url, '--fleet', FLEET, '--fleet-cache', path.join(f.dir, 'e4')]); // resolves on /healthz 200
  f.track(late.proc);
  const joinS = (performance.now() - t1) / 1000;
  const h = (await late.healthz()).body;
  t.diagnostic(`${ADDS} adds written in ${writeS.toFixed(1)} s (${(ADDS / writeS).toFixed(0)}/s); fleet status ${JSON.stringify(status)}; a 4th replica started after them served in ${joinS.toFixed(1)} s: ${JSON.stringify(h.fleet)}`);
  assert.equal(h.status, 'ok');
  assert.equal(h.fleet?.caught_up, true);
  assert.equal(h.fleet?.ready, true);
  assert.equal(h.fleet?.applied_seq, settled.fleet?.applied_seq, 'at the same log position as the others');
  assert.equal(h.items, settled.items, 'the same number of songs');
  assert.equal(h.items, status.songs, 'as many songs as the fleet\'s id set in Redis');
  assert.ok(Number(h.fleet?.entries_read) < ADDS, `joined from a snapshot: ${h.fleet?.entries_read} entries read after it`);
  for (const id of ['bulk-0', `bulk-${ADDS - 1}`]) assert.ok(await knows(late, id), `the late replica has ${id}`);
  await late.kill9();
});

test('a model rollout (earshot fleet reload) and a rolling restart of every replica keep every stream going', async (t) => {
  if (!hostsOrSkip(t, 'redis-server', 'haproxy')) return;
  const f = await fleetOnce();
  const live: LiveSdk[] = [];
  for (let i = 0; i < 6; i++) {
    const s = new LiveSdk(f.wsUrl, { hopS: 0.5, k: 4 });
    sdks.push(s);
    live.push(s);
    await s.connect();
    s.startPump(30 + i);
  }
  const closes: number[][] = live.map(() => []);
  live.forEach((s, i) => s.client.on('reconnect', (r) => closes[i].push(r.code)));
  for (const s of live) await s.client.next('window');

  // A rollout: the same model with a changed manifest (another revision, the same factor space), so
  // every replica hot-reloads and keeps the catalogue. Streams stay open and get a `reload` event.
  const bundle = bundleCopy();
  t.after(() => fs.rmSync(bundle, { recursive: true, force: true }));
  fs.appendFileSync(path.join(bundle, 'manifest.json'), '\n');
  const items = (await f.replicas[0].healthz()).body.items;
  const rolledAt = performance.now();
  const rollout = await runEarshot(['fleet', 'reload', '--bundle', bundle, '--redis', f.redis!.url, '--fleet', FLEET, '--json']);
  assert.equal(rollout.code, 0, rollout.lines.join('\n'));
  const { revision } = JSON.parse(rollout.lines.find((l) => l.startsWith('{'))!) as { revision: string };
  await pollUntil(async () => ((await Promise.all(f.replicas.map((r) => r.healthz()))).every((h) => h.body.fleet?.bundle_revision === revision) ? true : undefined), 'every replica on the new revision', 60_000);
  for (const s of live) await s.after('reload', rolledAt, 30_000);
  for (const s of live) await s.after('window', performance.now(), 5000);
  for (const r of f.replicas) assert.equal((await r.healthz()).body.items, items, `${r.name} kept the catalogue`);
  assert.deepEqual(closes.flat(), [], 'no stream was closed by the rollout');

  // A rolling restart: SIGTERM (finals, 1001, exit), start again, next replica.
  for (let i = 0; i < f.replicas.length; i++) {
    await f.replicas[i].stop();
    await f.restart(i);
  }
  const end = performance.now();
  for (const s of live) await s.after('window', end, 5000);
  const total = closes.flat();
  t.diagnostic(`rollout of revision ${revision.slice(0, 12)}: no stream closed; rolling restart of ${f.replicas.length} replicas: ${total.length} reconnects (close codes ${[...new Set(total)].join(', ') || 'none'}) over ${live.length} streams`);
  for (const [i, s] of live.entries()) {
    assert.equal(s.client.state, 'open', `stream ${i} is open`);
    assert.ok(closes[i].every((c) => c === 1001), `stream ${i}: every close was a draining replica's 1001: ${closes[i]}`);
    assert.ok(closes[i].length >= 1, `stream ${i} was on some replica that restarted`);
    assert.equal(s.client.stats.reconnects, closes[i].length, 'each close was followed by a reconnect');
  }
  await Promise.all(live.map((s) => s.close()));
});
