/**
 * The fleet's snapshot: the whole catalogue at one log position (its seq and stream id) with the bundle
 * revision and model identity it belongs to, in one Redis hash written by one command (never half of
 * one). A starting replica loads it and reads only the log entries after it; the log before it is
 * trimmed when it is written (XTRIM MINID), so Redis's memory and a start's work stay bounded by the
 * snapshot interval, not by the fleet's age.
 *
 * Items are a JSON array of [id, artist, title, uri?]; factors the songs' float32 values, little-endian,
 * row after row (as the log carries them).
 */
import { randomUUID } from 'node:crypto';
import type { CatalogItem } from '../catalog/catalog';
import { EarshotError } from '../errors';
import type { FleetKeys } from './fleet-keys';
import { decodeFactors, encodeFactors } from './log-entry';
import { runScript, type FleetRedis } from './redis-connection';

export interface FleetSnapshot {
  seq: number;
  streamId: string;
  revision: string;
  space: string;
  items: CatalogItem[];
  /** items x F, row-major. */
  factors: Float32Array;
}

export function encodeItems(items: readonly CatalogItem[]): string {
  return JSON.stringify(items.map((i) => (i.uri === undefined ? [i.id, i.artist, i.title] : [i.id, i.artist, i.title, i.uri])));
}

/** The stored snapshot, or null when the fleet has none yet (it has not been created). */
export async function readSnapshot(redis: FleetRedis, keys: FleetKeys): Promise<FleetSnapshot | null> {
  const h = await redis.hgetallBuffer(keys.snapshot);
  if (!h.seq) return null;
  const bad = (why: string): never => {
    throw new EarshotError('ERR_MODEL_FORMAT', `fleet snapshot ${keys.snapshot}: ${why}`);
  };
  const seq = Number(h.seq.toString());
  if (!Number.isSafeInteger(seq) || seq < 0) bad(`seq is ${h.seq.toString()}`);
  if (!h.stream || !h.revision || !h.space || !h.items || !h.factors) bad('a field is missing (stream, revision, space, items, factors)');
  let rows: unknown;
  try {
    rows = JSON.parse(h.items.toString('utf8'));
  } catch {
    rows = null;
  }
  if (!Array.isArray(rows) || !rows.every((r) => Array.isArray(r) && r.length >= 3 && r.length <= 4 && r.every((v) => typeof v === 'string'))) bad('items is not a JSON array of [id, artist, title, uri?]');
  const items = (rows as string[][]).map(([id, artist, title, uri]) => (uri === undefined ? { id, artist, title } : { id, artist, title, uri }));
  if (h.factors.length % 4 !== 0 || (items.length > 0 && (h.factors.length / 4) % items.length !== 0)) bad(`factors hold ${h.factors.length} bytes for ${items.length} songs`);
  return { seq, streamId: h.stream.toString(), revision: h.revision.toString(), space: h.space.toString(), items, factors: decodeFactors(h.factors) };
}

/**
 * Writes a snapshot taken by `take` (called once the lock is held, so it sees the catalogue as it is
 * then) unless another replica holds the lock or a snapshot at least as new is stored. The lock (SET NX
 * PX) only saves work — two replicas serialising the same catalogue; the Lua script's seq check is what
 * keeps the stored snapshot from moving back. Returns the seq of the snapshot Redis holds afterwards.
 */
export async function writeSnapshot(redis: FleetRedis, keys: FleetKeys, lockMs: number, take: () => FleetSnapshot): Promise<{ written: boolean; seq: number }> {
  const token = randomUUID();
  if ((await redis.set(keys.lock, token, 'PX', lockMs, 'NX')) !== 'OK') return { written: false, seq: Number((await redis.hget(keys.snapshot, 'seq')) ?? 0) };
  try {
    const s = take();
    const written = (await runScript(redis, 'earshotWriteSnapshot', [keys.snapshot, keys.log], [s.seq, s.streamId, s.revision, s.space, encodeItems(s.items), encodeFactors(s.factors)])) === 1;
    return { written, seq: written ? s.seq : Number((await redis.hget(keys.snapshot, 'seq')) ?? 0) };
  } finally {
    await runScript(redis, 'earshotReleaseLock', [keys.lock], [token]).catch(() => undefined); // it expires anyway
  }
}
