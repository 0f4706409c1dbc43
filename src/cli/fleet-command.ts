/**
 * `earshot fleet reload|status`: the operator's side of a fleet of engines sharing one catalogue and
 * model through Redis (`earshot serve --redis URL --fleet NAME`, docs/fleet.md). `reload` rolls a
 * bundle out to every replica (each hot-reloads it without dropping a stream); `status` shows the
 * fleet's log head, snapshot and bundle revision as Redis holds them.
 */
import * as path from 'node:path';
import { EarshotError } from '../errors';
import { DEFAULT_FLEET_NAME, fleetKeys } from '../fleet/fleet-keys';
import { publishBundle } from '../fleet/fleet-rollout';
import { openRedis } from '../fleet/redis-connection';
import { DEFAULT_REDIS_URL, parseRedisUrl } from '../fleet/redis-url';
import { defineCommand, type OptionValues } from './dispatch';

export const FLEET_USAGE = `usage: earshot fleet reload --bundle <dir> [--redis URL] [--fleet NAME] [--json]
       earshot fleet status [--redis URL] [--fleet NAME] [--json]
  reload: checks the bundle (it must load as an engine loads it), stores its files in Redis and announces
          it in the fleet's log: every replica of the fleet writes it into its cache and hot-reloads it
          (streams stay open), in log order, and reports its revision in /healthz (fleet.bundle_revision).
          A bundle of the same model (the same model.onnx and front end) keeps the fleet's catalogue; a
          retrained model restarts it from the bundle's own songs (docs/fleet.md). Prints the revision.
  status: the fleet's log head, its snapshot and the bundle revision it serves, as Redis holds them.
  --redis <url>   redis://host[:port][/db] (default $EARSHOT_REDIS, else ${DEFAULT_REDIS_URL})
  --fleet <name>  the fleet's key prefix in Redis (default ${DEFAULT_FLEET_NAME})
  --json          one JSON line instead of text`;

const FLEET_OPTIONS = { bundle: { type: 'string' }, redis: { type: 'string' }, fleet: { type: 'string' }, json: { type: 'boolean' } } as const;

async function fleetCommand(values: OptionValues<typeof FLEET_OPTIONS>, { positionals }: { positionals: string[] }): Promise<void> {
  const [action, ...extra] = positionals;
  if (action !== 'reload' && action !== 'status') throw new EarshotError('ERR_INVALID_ARGUMENT', `earshot fleet needs reload or status, got ${action === undefined ? 'nothing' : `'${action}'`}`);
  if (extra.length > 0) throw new EarshotError('ERR_INVALID_ARGUMENT', `unexpected argument '${extra[0]}'`);
  if (action === 'reload' && values.bundle === undefined) throw new EarshotError('ERR_INVALID_ARGUMENT', 'earshot fleet reload needs --bundle <dir>');
  const target = parseRedisUrl(values.redis ?? process.env.EARSHOT_REDIS ?? DEFAULT_REDIS_URL);
  const keys = fleetKeys(values.fleet ?? DEFAULT_FLEET_NAME);
  const redis = await openRedis(target, 'commands', `earshot:${keys.name}:cli`);
  const print = (obj: Record<string, unknown>, text: string): void => void process.stdout.write((values.json ? JSON.stringify(obj) : text) + '\n');
  try {
    if (action === 'reload') {
      if ((await redis.exists(keys.snapshot)) === 0) throw new EarshotError('ERR_FLEET_UNAVAILABLE', `fleet ${keys.name} does not exist in ${target.display}: start a replica (earshot serve --redis … --fleet ${keys.name}) first`);
      const r = await publishBundle(redis, keys, path.resolve(values.bundle as string));
      print({ fleet: keys.name, revision: r.revision, seq: r.seq, stream_id: r.streamId, catalogue_reset: r.reset, name: r.name }, `rolled out ${r.name} (revision ${r.revision}) as fleet ${keys.name}'s log entry ${r.seq}${r.reset ? '; a new model: the catalogue restarts from its songs' : ''}`);
    } else {
      const [head, snap, length] = await Promise.all([redis.get(keys.seq), redis.hmget(keys.snapshot, 'seq', 'revision', 'stream'), redis.xlen(keys.log)]);
      if (snap[0] === null) throw new EarshotError('ERR_FLEET_UNAVAILABLE', `fleet ${keys.name} does not exist in ${target.display}`);
      const ids = await redis.scard(keys.ids);
      print({ fleet: keys.name, head_seq: Number(head ?? 0), snapshot_seq: Number(snap[0]), snapshot_revision: snap[1], log_entries: length, songs: ids }, `fleet ${keys.name} at ${target.display}: log head ${head ?? 0}, ${length} entries kept, snapshot at entry ${snap[0]} (bundle revision ${snap[1]}), ${ids} songs`);
    }
  } catch (err) {
    if (err instanceof EarshotError) throw err;
    throw new EarshotError('ERR_FLEET_UNAVAILABLE', `the fleet's Redis (${target.display}) failed: ${(err as Error).message}`, { cause: err });
  } finally {
    redis.disconnect();
  }
}

export const FLEET_COMMAND = defineCommand({ name: 'fleet', summary: 'roll a bundle out to every engine of a fleet sharing Redis, or show the fleet (docs/fleet.md)', usage: FLEET_USAGE, options: FLEET_OPTIONS, positionals: true, run: fleetCommand });
