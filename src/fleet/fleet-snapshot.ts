/**
 * The fleet's snapshot: the whole catalogue at one log position (its seq and stream id) with the bundle
 * revision and model identity it belongs to. A starting replica loads it and reads only the log entries
 * after it; the log before it is trimmed when it is published (XTRIM MINID), so Redis's memory and a
 * start's work stay bounded by the snapshot interval, not by the fleet's age.
 *
 * Layout (docs/fleet.md): each snapshot is its own version hash `NAME:snapshot:<seq>:<token>` holding
 * meta fields and the songs in chunks of at most `chunkSongs` — `items:<k>`, a JSON array of
 * [id, artist, title, uri?], and `factors:<k>`, those songs' float32 values little-endian row after row
 * (as the log carries them). The pointer hash `NAME:snapshot` names the published version; it is
 * switched by one Lua call once every chunk is in (./fleet-snapshot-write.ts), so a reader never sees
 * half a snapshot, and no single command or reply is larger than one chunk.
 */
import type { CatalogItem } from '../catalog/catalog';
import { EarshotError } from '../errors';
import type { FleetKeys } from './fleet-keys';
import { decodeFactors } from './log-entry';
import type { FleetRedis } from './redis-connection';

export interface FleetSnapshot {
  seq: number;
  streamId: string;
  revision: string;
  space: string;
  items: CatalogItem[];
  /** items x F, row-major. */
  factors: Float32Array;
}

/**
 * Songs per chunk: 8,000 songs are ≈ 3 MB at F = 64 (256 B of factors + ≈ 130 B of item JSON a song;
 * 8 MB at F = 256). Far below Redis's proto-max-bulk-len (512 MB) and client-query-buffer-limit
 * (1 GB); one chunk's HSET or HMGET holds Redis's single thread for a few ms, so other replicas' adds
 * wait ms, not the seconds a multi-GB command would; well inside the 5 s command timeout; and 10M
 * songs are 1,250 chunks, so the per-command overhead (≈ 0.1 ms) is negligible. 8,000 rather than
 * 8,192: at F = 64 a factors chunk is then 2,048,000 B, inside jemalloc's 2 MiB size class; 8,192
 * songs are 2 MiB plus the string header, rounded up to the 2.5 MiB class (measured: 480-500 B a song
 * in Redis instead of 405, bench/redis-sizing.ts at 100,000 songs).
 */
export const SNAPSHOT_CHUNK_SONGS = 8000;
/** The version hash's meta fields (besides the chunks). */
export const VERSION_META = ['seq', 'stream', 'revision', 'space', 'songs', 'dims', 'chunkSongs', 'chunks'] as const;
/** How many chunk commands one writer or reader keeps in flight (pipelined on its connection): ≈ 13 MB buffered at F = 64. */
export const CHUNKS_IN_FLIGHT = 4;
/** A reader whose version vanished (replaced, then expired) starts again from the new pointer this many times. */
const READ_ATTEMPTS = 5;

export function encodeItems(items: readonly CatalogItem[]): string {
  return JSON.stringify(items.map((i) => (i.uri === undefined ? [i.id, i.artist, i.title] : [i.id, i.artist, i.title, i.uri])));
}

function decodeItems(raw: Buffer, bad: (why: string) => never): CatalogItem[] {
  let rows: unknown;
  try {
    rows = JSON.parse(raw.toString('utf8'));
  } catch {
    rows = null;
  }
  if (!Array.isArray(rows) || !rows.every((r) => Array.isArray(r) && r.length >= 3 && r.length <= 4 && r.every((v) => typeof v === 'string'))) bad('items is not a JSON array of [id, artist, title, uri?]');
  return (rows as string[][]).map(([id, artist, title, uri]) => (uri === undefined ? { id, artist, title } : { id, artist, title, uri }));
}

/** Runs `task(k)` for k = 0 … n-1 with at most `inFlight` running at once (commands pipelined on one connection). */
export async function forEachChunk(n: number, inFlight: number, task: (k: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, n) }, lane));
}

/** A version that disappeared while being read (replaced and past its grace expiry): read the pointer again. */
class VersionGone extends Error {}

export interface ReadOptions {
  /** Called after each chunk is read (progress for a large catalogue; the tests act between chunks). */
  onChunk?: (done: number, chunks: number) => void | Promise<void>;
  /** Chunk reads in flight (default CHUNKS_IN_FLIGHT; 1 reads them strictly in order). */
  inFlight?: number;
}

/**
 * The published snapshot, or null when the fleet has none yet (it has not been created). Reads the
 * pointer, then the version's meta fields, then its chunks one HMGET each (never one giant reply),
 * checking each chunk's song count and factor bytes; when the version vanishes under it (a newer one was
 * published and the grace expiry passed), starts again from the new pointer.
 */
export async function readSnapshot(redis: FleetRedis, keys: FleetKeys, o: ReadOptions = {}): Promise<FleetSnapshot | null> {
  for (let attempt = 1; ; attempt++) {
    const [seq, key] = await redis.hmget(keys.snapshot, 'seq', 'key');
    if (seq === null) return null;
    try {
      if (key === null) return await readLegacy(redis, keys);
      return await readVersion(redis, key, o);
    } catch (err) {
      if (!(err instanceof VersionGone)) throw err;
      if (attempt >= READ_ATTEMPTS) throw new EarshotError('ERR_FLEET_UNAVAILABLE', `fleet snapshot ${key} vanished while it was read, ${attempt} times in a row (${err.message})`);
    }
  }
}

async function readVersion(redis: FleetRedis, key: string, o: ReadOptions): Promise<FleetSnapshot> {
  const bad = (why: string): never => {
    throw new EarshotError('ERR_MODEL_FORMAT', `fleet snapshot ${key}: ${why}`);
  };
  const meta = await redis.hmget(key, ...VERSION_META);
  if (meta[0] === null) throw new VersionGone(`${key} is gone`);
  if (meta.some((v) => v === null)) bad(`a meta field is missing (${VERSION_META.join(', ')})`);
  const [seqS, streamId, revision, space, songsS, dimsS, chunkSongsS, chunksS] = meta as string[];
  const [seq, songs, dims, chunkSongs, chunks] = [seqS, songsS, dimsS, chunkSongsS, chunksS].map(Number);
  for (const [name, v] of Object.entries({ seq, songs, dims, chunkSongs, chunks })) if (!Number.isSafeInteger(v) || v < 0) bad(`${name} is ${v}`);
  if (chunkSongs < 1 || chunks !== Math.ceil(songs / chunkSongs)) bad(`${chunks} chunks of ${chunkSongs} songs cannot hold ${songs} songs`);
  const parts: CatalogItem[][] = []; // by chunk (they arrive out of order); not new Array(songs): V8 keeps a long preallocated array as a slow dictionary
  const factors = new Float32Array(songs * dims);
  let done = 0;
  await forEachChunk(chunks, o.inFlight ?? CHUNKS_IN_FLIGHT, async (k) => {
    const [rawItems, rawFactors] = await redis.hmgetBuffer(key, `items:${k}`, `factors:${k}`);
    if (rawItems === null || rawFactors === null) {
      if ((await redis.exists(key)) === 0) throw new VersionGone(`${key} is gone after ${done} of ${chunks} chunks`);
      bad(`chunk ${k} is missing`);
    }
    const count = Math.min(chunkSongs, songs - k * chunkSongs);
    const part = decodeItems(rawItems as Buffer, (why) => bad(`chunk ${k}: ${why}`));
    if (part.length !== count) bad(`chunk ${k} holds ${part.length} songs, expected ${count}`);
    if ((rawFactors as Buffer).length !== count * dims * 4) bad(`chunk ${k}: factors hold ${(rawFactors as Buffer).length} bytes for ${count} songs x ${dims}`);
    parts[k] = part;
    decodeFactors(rawFactors as Buffer, factors, k * chunkSongs * dims);
    await o.onChunk?.(++done, chunks);
  });
  const items: CatalogItem[] = [];
  for (const part of parts) for (const item of part) items.push(item);
  return { seq, streamId, revision, space, items, factors };
}

/** A snapshot written before chunking (items and factors fields in the pointer itself): read once, replaced by the next one published. */
async function readLegacy(redis: FleetRedis, keys: FleetKeys): Promise<FleetSnapshot> {
  const bad = (why: string): never => {
    throw new EarshotError('ERR_MODEL_FORMAT', `fleet snapshot ${keys.snapshot}: ${why}`);
  };
  const [seq, stream, revision, space, rawItems, rawFactors] = await redis.hmgetBuffer(keys.snapshot, 'seq', 'stream', 'revision', 'space', 'items', 'factors');
  if (!seq || !stream || !revision || !space || !rawItems || !rawFactors) return bad('neither a version key nor the fields seq, stream, revision, space, items, factors');
  if (!/^\d+$/.test(seq.toString())) bad(`seq is ${seq.toString()}`);
  const items = decodeItems(rawItems, bad);
  if (rawFactors.length % 4 !== 0 || (items.length > 0 && (rawFactors.length / 4) % items.length !== 0)) bad(`factors hold ${rawFactors.length} bytes for ${items.length} songs`);
  return { seq: Number(seq.toString()), streamId: stream.toString(), revision: revision.toString(), space: space.toString(), items, factors: decodeFactors(rawFactors) };
}
