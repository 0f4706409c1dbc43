/**
 * How a replica joins its fleet: connects to Redis, checks that it keeps writes durably, reads the
 * fleet's snapshot (creating the fleet from the local bundle if Redis holds none yet), prepares the
 * bundle cache and writes the snapshot's bundle into it, then opens the log reader's connection.
 * FleetReplica (./fleet-replica.ts) starts from what this hands back. docs/fleet.md.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pruneCache } from './bundle-cache';
import { materialiseBundle, readLocalBundle, uploadBundle } from './fleet-bundle';
import { DEFAULT_FLEET_NAME, fleetKeys, type FleetKeys } from './fleet-keys';
import { resolveFleetOptions, type FleetOptions, type ResolvedFleetOptions } from './fleet-options';
import { readSnapshot, type FleetSnapshot } from './fleet-snapshot';
import { createFleet } from './fleet-snapshot-write';
import { checkDurability, openRedis, type FleetRedis } from './redis-connection';
import { parseRedisUrl, type RedisTarget } from './redis-url';

/** A replica's starting point: its two connections (owned by it from now on), settings and position. */
export interface JoinedFleet {
  keys: FleetKeys;
  target: RedisTarget;
  /** Writes, snapshots, rollouts, head checks: fails fast while Redis is away (./redis-connection.ts). */
  cmd: FleetRedis;
  /** The log reader's blocking XREAD: waits across an outage. */
  reader: FleetRedis;
  options: ResolvedFleetOptions;
  /** The snapshot joined from: the replica has applied the log up to `snap.seq`. */
  snap: FleetSnapshot;
  /** The log's head (entry number) when it joined. */
  head: number;
  /** The bundle directory (in the cache) to open the engine with: the snapshot's revision and songs. */
  bundleDir: string;
}

/**
 * Joins (or creates, from `bundleDir`) the fleet `o` names. On failure nothing is left behind: both
 * connections are closed and a cache directory made here is removed.
 */
export async function joinFleet(o: FleetOptions, bundleDir: string, log: (line: string) => void): Promise<JoinedFleet> {
  const target = parseRedisUrl(o.redis);
  const keys = fleetKeys(o.name ?? DEFAULT_FLEET_NAME);
  const settings = resolveFleetOptions(o);
  const cmd = await openRedis(target, 'commands', `earshot:${keys.name}:${process.pid}`);
  let reader: FleetRedis | null = null;
  let ownCache = false;
  let cacheDir = o.cacheDir ?? '';
  try {
    await checkDurability(cmd, target.display, log);
    // A 10M-song snapshot is 1,250 chunks, about 3 min to read (docs/scale.md): say how far the read is, a tenth at a time.
    const progress = (done: number, chunks: number) => void (chunks >= 100 && done % Math.ceil(chunks / 10) === 0 && log(`fleet ${keys.name}: reading the snapshot, ${done} of ${chunks} chunks`));
    let snap = await readSnapshot(cmd, keys, { onChunk: progress });
    if (!snap) {
      const local = readLocalBundle(bundleDir);
      await uploadBundle(cmd, keys, local);
      const first = { seq: 0, streamId: '0-0', revision: local.revision, space: local.space, items: local.items, factors: local.itemFactors };
      if (await createFleet(cmd, keys, first, { chunkSongs: o.snapshotChunkSongs })) log(`created fleet ${keys.name} in ${target.display} from bundle ${bundleDir} (${local.items.length} songs, revision ${local.revision.slice(0, 12)})`);
      snap = (await readSnapshot(cmd, keys)) as FleetSnapshot;
    }
    const head = Number((await cmd.get(keys.seq)) ?? 0);
    if (!o.cacheDir) {
      cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), `earshot-fleet-${keys.name}-`));
      ownCache = true;
    }
    fs.mkdirSync(cacheDir, { recursive: true });
    const pruned = ownCache ? [] : pruneCache(cacheDir);
    if (pruned.length > 0) log(`fleet ${keys.name}: removed ${pruned.length} bundle copies left in ${cacheDir} by replicas that are gone (${pruned.join(', ')})`);
    const dir = await materialiseBundle(cmd, keys, snap.revision, cacheDir, { items: snap.items, factors: snap.factors });
    reader = await openRedis(target, 'reader', `earshot:${keys.name}:${process.pid}:log`);
    log(`joined fleet ${keys.name} at ${target.display}: snapshot at entry ${snap.seq} (${snap.items.length} songs), log head ${head}, bundle revision ${snap.revision.slice(0, 12)}`);
    return { keys, target, cmd, reader, options: { ...settings, cacheDir, ownCache }, snap, head, bundleDir: dir };
  } catch (err) {
    cmd.disconnect();
    reader?.disconnect();
    if (ownCache) fs.rmSync(cacheDir, { recursive: true, force: true });
    throw err;
  }
}
