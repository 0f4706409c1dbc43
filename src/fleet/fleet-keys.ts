/**
 * The Redis keys of one fleet, all under its name (`--fleet NAME`, default `earshot`): several fleets
 * (a staging and a production catalogue) can share one Redis database. docs/fleet.md lists each key.
 */
import { EarshotError } from '../errors';

export const DEFAULT_FLEET_NAME = 'earshot';

export interface FleetKeys {
  name: string;
  /** The Stream of changes (catalogue add/remove/meta and bundle rollouts), in the order every replica applies them. */
  log: string;
  /** The last sequence number given to a log entry (INCR): a replica notices a gap (trimmed entries) by it. */
  seq: string;
  /** Ids in the catalogue as of the log's head: one winner for concurrent adds of an id, unknown ids refused. */
  ids: string;
  /** The model identity (hex SHA-256) the catalogue's factors belong to; adds of another model's factors are refused. */
  space: string;
  /**
   * Hash: the published snapshot's position (seq, stream id), bundle revision, model identity, song
   * count and `key`, the name of the version hash that holds its songs in chunks (snapshotVersion).
   */
  snapshot: string;
  /**
   * Hash of one snapshot version, written by one replica (`token`: two writers of one seq never mix
   * chunks): its meta fields plus `items:<k>` / `factors:<k>` per chunk (./fleet-snapshot.ts).
   */
  snapshotVersion: (seq: number, token: string) => string;
  /** SET NX PX: the replica writing a snapshot (or creating the fleet). */
  lock: string;
  /** Hash of one bundle revision: file name → SHA-256 of its bytes. */
  bundle: (revision: string) => string;
  /** A file's bytes by their SHA-256 (shared between revisions that hold the same file). */
  blob: (sha256: string) => string;
}

export function fleetKeys(name: string): FleetKeys {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) {
    throw new EarshotError('ERR_INVALID_ARGUMENT', `--fleet must be 1-64 letters, digits, '.', '_' or '-', got '${name}'`);
  }
  const k = (s: string): string => `${name}:${s}`;
  return {
    name,
    log: k('log'),
    seq: k('seq'),
    ids: k('ids'),
    space: k('space'),
    snapshot: k('snapshot'),
    snapshotVersion: (seq, token) => k(`snapshot:${seq}:${token}`),
    lock: k('lock'),
    bundle: (revision) => k(`bundle:${revision}`),
    blob: (sha256) => k(`blob:${sha256}`),
  };
}
