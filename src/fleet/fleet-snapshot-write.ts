/**
 * Writing the fleet's snapshot (layout: ./fleet-snapshot.ts). A writer stages a new version hash chunk
 * by chunk with ordinary pipelined commands — each a few MB, none near Redis's 512 MB bulk limit — and
 * then publishes it with one Lua call (./fleet-scripts.ts) that checks it is newer than the published
 * one, switches the pointer, trims the log before it and gives the previous version a grace expiry.
 * Until published a version expires on its own, so a replica that dies mid-write leaves no pointer to
 * half a snapshot and its chunks vanish within PENDING_TTL_S.
 */
import { randomUUID } from 'node:crypto';
import { EarshotError } from '../errors';
import type { FleetKeys } from './fleet-keys';
import { CHUNKS_IN_FLIGHT, encodeItems, forEachChunk, SNAPSHOT_CHUNK_SONGS, VERSION_META, type FleetSnapshot } from './fleet-snapshot';
import { encodeFactors } from './log-entry';
import { runScript, type FleetRedis } from './redis-connection';

/**
 * A staged version's expiry, renewed by each chunk written (s). 10 min: far longer than a pause
 * between two chunks of a live writer (ms; a 10M-song write takes about 1.5 min, docs/scale.md), and
 * a dead writer's chunks (up to the catalogue's size) are gone 10 min after its last one.
 */
export const PENDING_TTL_S = 600;
/**
 * How long a replaced version stays readable after the pointer moves (s). A replica read 2.5M songs at
 * F = 64 in 39.5 s on the loaded 2-core VM (docs/scale.md), so 10M take about 3 min: 300 s lets one that
 * started reading just before the switch finish, while Redis holds the two catalogues for at most 5 min
 * per snapshot (with the ¼-catalogue interval a 10M-song fleet rarely writes one more often). A reader
 * slower than that loses nothing: it starts again from the new pointer.
 */
export const SNAPSHOT_GRACE_S = 300;
/** Publishing retries when the pointer moved between reading it and the Lua call (another writer won). */
const PUBLISH_ATTEMPTS = 3;

export interface WriteOptions {
  /** Songs per chunk (default SNAPSHOT_CHUNK_SONGS; the tests use a few to span many chunks). */
  chunkSongs?: number;
  /** The replaced version's expiry (s; default SNAPSHOT_GRACE_S). */
  graceS?: number;
}

/** Called along with each chunk's commands (writeSnapshot renews its lock). */
type ChunkHook = () => Promise<unknown>;

/** A version staged in Redis, not yet published. */
export interface StagedVersion {
  key: string;
  /** Its field count (meta + 2 per chunk): the Lua call refuses a version that does not hold all of them. */
  fields: number;
}

/**
 * Writes `s` as a new version hash (meta first, then chunks, CHUNKS_IN_FLIGHT at a time), each command
 * renewing its PENDING_TTL_S expiry. Nothing points at it yet: publishSnapshot does that.
 */
export async function stageSnapshot(redis: FleetRedis, keys: FleetKeys, s: FleetSnapshot, o: WriteOptions = {}, perChunk?: ChunkHook): Promise<StagedVersion> {
  const chunkSongs = o.chunkSongs ?? SNAPSHOT_CHUNK_SONGS;
  if (!Number.isInteger(chunkSongs) || chunkSongs < 1) throw new EarshotError('ERR_INVALID_ARGUMENT', `chunkSongs must be an integer >= 1, got ${chunkSongs}`);
  const songs = s.items.length;
  const dims = songs > 0 ? s.factors.length / songs : 0;
  if (!Number.isInteger(dims)) throw new EarshotError('ERR_INVALID_ARGUMENT', `a snapshot of ${songs} songs cannot hold ${s.factors.length} factors`);
  const chunks = Math.ceil(songs / chunkSongs);
  const key = keys.snapshotVersion(s.seq, randomUUID().slice(0, 8));
  const meta = { seq: s.seq, stream: s.streamId, revision: s.revision, space: s.space, songs, dims, chunkSongs, chunks };
  await Promise.all([redis.hset(key, meta), redis.expire(key, PENDING_TTL_S)]);
  await forEachChunk(chunks, CHUNKS_IN_FLIGHT, async (k) => {
    const from = k * chunkSongs;
    const to = Math.min(songs, from + chunkSongs);
    const items = encodeItems(s.items.slice(from, to));
    const factors = encodeFactors(s.factors.subarray(from * dims, to * dims));
    await Promise.all([redis.hset(key, `items:${k}`, items, `factors:${k}`, factors), redis.expire(key, PENDING_TTL_S), perChunk?.()]);
  });
  return { key, fields: VERSION_META.length + 2 * chunks };
}

/**
 * Publishes a staged version unless the pointer holds one at least as new; the caller deletes a
 * refused version (or leaves it to expire). Returns whether it was published.
 */
export async function publishSnapshot(redis: FleetRedis, keys: FleetKeys, staged: StagedVersion, s: FleetSnapshot, o: WriteOptions = {}): Promise<boolean> {
  for (let attempt = 1; attempt <= PUBLISH_ATTEMPTS; attempt++) {
    const previous = (await redis.hget(keys.snapshot, 'key')) ?? '';
    const r = Number(await runScript(redis, 'earshotPublishSnapshot', [keys.snapshot, keys.log, staged.key, previous || staged.key], [s.seq, s.streamId, s.revision, s.space, s.items.length, previous, staged.fields, o.graceS ?? SNAPSHOT_GRACE_S]));
    if (r !== -1) return r === 1;
  }
  throw new EarshotError('ERR_FLEET_UNAVAILABLE', `the snapshot pointer ${keys.snapshot} kept moving while snapshot ${s.seq} was published`);
}

/**
 * Writes a snapshot taken by `take` (called once the lock is held, so it sees the catalogue as it is
 * then) unless another replica holds the lock or a snapshot at least as new is published. The lock (SET
 * NX PX) only saves work — two replicas serialising the same catalogue; the Lua script's seq check is
 * what keeps the published snapshot from moving back. Returns the seq of the snapshot Redis holds afterwards.
 */
export async function writeSnapshot(redis: FleetRedis, keys: FleetKeys, lockMs: number, take: () => FleetSnapshot, o: WriteOptions = {}): Promise<{ written: boolean; seq: number }> {
  const token = randomUUID();
  const held = async () => Number((await redis.hget(keys.snapshot, 'seq')) ?? 0);
  if ((await redis.set(keys.lock, token, 'PX', lockMs, 'NX')) !== 'OK') return { written: false, seq: await held() };
  let staged: StagedVersion | null = null;
  let written = false;
  try {
    const s = take();
    staged = await stageSnapshot(redis, keys, s, o, () => runScript(redis, 'earshotRenewLock', [keys.lock], [token, lockMs]));
    written = await publishSnapshot(redis, keys, staged, s, o);
    return { written, seq: written ? s.seq : await held() };
  } finally {
    if (staged && !written) await redis.del(staged.key).catch(() => undefined); // it expires anyway
    await runScript(redis, 'earshotReleaseLock', [keys.lock], [token]).catch(() => undefined); // it expires anyway
  }
}

/**
 * Creates the fleet from a replica's bundle unless it exists: its songs become snapshot 0 and the id
 * set, staged in chunks like any snapshot and published by one Lua call. Returns whether this call created it.
 */
export async function createFleet(redis: FleetRedis, keys: FleetKeys, s: FleetSnapshot, o: WriteOptions = {}): Promise<boolean> {
  const staged = await stageSnapshot(redis, keys, s, o);
  const ids = `${staged.key}:ids`;
  const chunkSongs = o.chunkSongs ?? SNAPSHOT_CHUNK_SONGS;
  let created = false;
  try {
    await forEachChunk(Math.ceil(s.items.length / chunkSongs), CHUNKS_IN_FLIGHT, async (k) => {
      const part = s.items.slice(k * chunkSongs, (k + 1) * chunkSongs).map((i) => i.id);
      await Promise.all([redis.sadd(ids, ...part), redis.expire(ids, PENDING_TTL_S)]);
    });
    created = (await runScript(redis, 'earshotCreateFleet', [keys.snapshot, keys.ids, keys.space, keys.seq, staged.key, ids], [s.revision, s.space, s.items.length, staged.fields])) === 1;
    return created;
  } finally {
    if (!created) await redis.del(staged.key, ids).catch(() => undefined);
  }
}
