/**
 * A model rollout (`earshot fleet reload --bundle DIR`, or POST /v1/admin/reload on any replica): the
 * bundle is checked the way an engine loads it (a bundle that would fail to load on the replicas is
 * refused here, before any replica sees it), its files go into Redis, and one log entry announces it;
 * every replica applies that entry in log order: it writes the revision into its cache, hot-reloads
 * (streams stay open) and serves the revision from then on.
 *
 * The catalogue belongs to a model's factor space: a bundle with the same model identity keeps the
 * fleet's catalogue; one with another (a retrained model) restarts it from the new bundle's own songs,
 * because the old songs' factors mean nothing to the new model (docs/fleet.md).
 */
import { loadBundle } from '../model/bundle';
import type { FleetKeys } from './fleet-keys';
import { readLocalBundle, uploadBundle } from './fleet-bundle';
import { runScript, type FleetRedis } from './redis-connection';

export interface Rollout {
  revision: string;
  /** The log entry that announces it. */
  seq: number;
  streamId: string;
  /** The model identity changed: the fleet's catalogue restarted from the bundle's songs. */
  reset: boolean;
  name: string;
}

export async function publishBundle(redis: FleetRedis, keys: FleetKeys, dir: string): Promise<Rollout> {
  const local = readLocalBundle(dir);
  const loaded = await loadBundle(dir, {}, local.manifest.stream ? 'load' : 'ignore'); // ERR_MODEL_FORMAT / ERR_INFERENCE_FAILED as an engine would
  await loaded.close();
  await uploadBundle(redis, keys, local);
  const [streamId, seq, reset] = (await runScript(redis, 'earshotAppendRollout', [keys.ids, keys.log, keys.seq, keys.space], [local.revision, local.space, ...local.items.map((i) => i.id)])) as [string, number, string];
  return { revision: local.revision, seq: Number(seq), streamId, reset: reset === '1', name: local.name };
}
