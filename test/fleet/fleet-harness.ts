/**
 * In-process fleet replicas for test/fleet: real redis-server (test/helpers/fleet.ts: deploy/redis.conf,
 * AOF in a temp dir, a free port), engines started with startServer on free ports, a plain ioredis
 * client to read the log back, and the references the tests compare against: a brute-force replay of
 * the log (a Map, no Catalog code) and a catalogue's state as a sorted list.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Redis as RedisClient } from 'ioredis';
import { startServer, type EarshotServer } from '../../src/server/server';
import type { FleetOptions } from '../../src/fleet/fleet-replica';
import { DEFAULT_BUNDLE } from '../helpers/engine-client';
import { pollUntil } from '../helpers/fleet';

export interface Song {
  id: string;
  artist: string;
  title: string;
  uri?: string;
  factors: number[];
}

/** One replica in this process: few threads (2-core CI machines), catalogue changes only through the fleet. */
export async function startFleetServer(redisUrl: string, fleet: Partial<FleetOptions> = {}, bundleDir = DEFAULT_BUNDLE, log?: (line: string) => void): Promise<EarshotServer> {
  return startServer({
    log,
    bundleDir,
    port: 0,
    inferenceThread: 'main',
    analysis: { workers: 1, idleWorkers: 1 },
    fleet: { redis: redisUrl, snapshotEveryEntries: 1_000_000, ...fleet },
  });
}

/** Every live song of a replica, sorted by id, with its factors as plain numbers (exact float32 values). */
export function catalogueState(server: EarshotServer): Song[] {
  const { items, factors } = server.engine.recommender.catalog.snapshot();
  const f = server.engine.factors;
  return items
    .map((it, i) => ({ ...it, factors: Array.from(factors.subarray(i * f, (i + 1) * f)) }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Waits until the replica has applied the fleet log's head (as Redis says it now). */
export async function waitApplied(server: EarshotServer, redis: RedisClient, fleet = 'earshot', timeoutMs = 30_000): Promise<void> {
  const head = Number((await redis.get(`${fleet}:seq`)) ?? 0);
  await pollUntil(async () => (server.fleet!.status().applied_seq >= head ? true : undefined), `replica at log entry ${head}`, timeoutMs, 10);
}

/**
 * The reference: the songs `initial` changed by every entry of the log in order, read back with XRANGE
 * and decoded here from the raw fields (float32 little-endian factors), applied to a Map the obvious way.
 */
export async function replayLog(redis: RedisClient, initial: readonly Song[], fleet = 'earshot'): Promise<{ songs: Song[]; entries: number }> {
  const songs = new Map(initial.map((s) => [s.id, { ...s }]));
  const entries = (await redis.xrangeBuffer(`${fleet}:log`, '-', '+')) as [Buffer, Buffer[]][];
  let last = 0;
  for (const [, fields] of entries) {
    const m = new Map<string, Buffer>();
    for (let i = 0; i < fields.length; i += 2) m.set(fields[i].toString(), fields[i + 1]);
    const seq = Number(m.get('seq')!.toString());
    if (seq !== last + 1) throw new Error(`log seq ${seq} after ${last}`);
    last = seq;
    const id = m.get('song')?.toString() as string;
    switch (m.get('op')!.toString()) {
      case 'add': {
        const raw = m.get('factors')!;
        const factors = Array.from({ length: raw.length / 4 }, (_, i) => raw.readFloatLE(i * 4));
        const meta = JSON.parse(m.get('item')!.toString()) as Omit<Song, 'id' | 'factors'>;
        if (songs.has(id)) throw new Error(`the log adds ${id} twice`);
        songs.set(id, { id, ...meta, factors });
        break;
      }
      case 'remove':
        if (!songs.delete(id)) throw new Error(`the log removes ${id}, which is not there`);
        break;
      case 'meta': {
        const s = songs.get(id);
        if (!s) throw new Error(`the log edits ${id}, which is not there`);
        const patch = JSON.parse(m.get('patch')!.toString()) as { artist?: string; title?: string; uri?: string | null };
        if (patch.artist !== undefined) s.artist = patch.artist;
        if (patch.title !== undefined) s.title = patch.title;
        if (patch.uri === null) delete s.uri;
        else if (patch.uri !== undefined) s.uri = patch.uri;
        break;
      }
      default:
        throw new Error(`unexpected op ${m.get('op')}`);
    }
  }
  return { songs: [...songs.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)), entries: entries.length };
}

/** Deterministic pseudo-random factors (a 31-bit LCG), F values in [-1, 1). */
export function randomFactors(f: number, seed: number): Float32Array {
  let s = (seed * 2654435761) % 2147483647 || 1;
  return Float32Array.from({ length: f }, () => (s = (s * 48271) % 2147483647) / 1073741823.5 - 1);
}

export function tempCache(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-fleet-test-'));
}
