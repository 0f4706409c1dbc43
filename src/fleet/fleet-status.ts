/** Where a replica stands in its fleet: the `fleet` object of GET /healthz (snake_case, as the wire is). */
import type { Histogram } from '../engine/engine-stats';

/** What the server's routes read of a replica (src/fleet/fleet-replica.ts). */
export interface FleetView {
  status(): FleetStatus;
  /** Log entry written (Redis's clock, in its id) → applied here: the fleet's propagation delay (s). */
  readonly propagationSeconds: Histogram;
}

export interface FleetStatus {
  name: string;
  /** The stream id of the last log entry applied here ("0-0": none since the fleet was created). */
  applied: string;
  /** Its sequence number (entries since the fleet was created). */
  applied_seq: number;
  /**
   * Entries in the log that this replica has not applied yet (as of its last look, ≤ 0.5 s ago); null
   * when unknown: Redis unreachable, or the log behind this replica (`diverged`).
   */
  lag_entries: number | null;
  /** Both connections to Redis up ("reconnecting": serving from memory, writes answered 503). */
  redis: 'connected' | 'reconnecting';
  /** The replica has applied everything the log held at its last look, and no more (not `diverged`). */
  caught_up: boolean;
  /**
   * Why this replica's position cannot be trusted, else null: the log's head went back behind what it
   * applied (Redis restored from an older copy: it is reloading the fleet's state from Redis) or the
   * fleet's keys are gone from Redis (writes refused until an operator acts: docs/fleet.md).
   */
  diverged: string | null;
  /** It has been caught up at least once since it started (until then /healthz answers 503 "catching_up"). */
  ready: boolean;
  /** The SHA-256 revision of the bundle served (docs/fleet.md). */
  bundle_revision: string;
  /** The last rollout failed to load here (the previous revision is still served), else null. */
  bundle_error: string | null;
  /** Entries applied since start: a replica that joined from a snapshot reads only the entries after it. */
  entries_read: number;
  /** The newest snapshot this replica knows of. */
  snapshot_seq: number;
  snapshots_written: number;
  /** Entries that could not be applied (logged one by one). */
  apply_errors: number;
  /** Times the replica reloaded the snapshot because entries it needed had been trimmed. */
  resyncs: number;
}

export function fleetStatusOf(s: {
  name: string;
  applied: { seq: number; streamId: string };
  headSeq: number;
  connected: boolean;
  diverged: string | null;
  caughtUpOnce: boolean;
  revision: string;
  snapshotSeq: number;
  bundleError: string | null;
  counters: { entriesRead: number; applyErrors: number; snapshotsWritten: number; resyncs: number };
}): FleetStatus {
  // A head behind what was applied is not "no lag": it is a diverged replica (./fleet-replica.ts).
  const lag = s.connected && !s.diverged && s.headSeq >= s.applied.seq ? s.headSeq - s.applied.seq : null;
  return {
    name: s.name,
    applied: s.applied.streamId,
    applied_seq: s.applied.seq,
    lag_entries: lag,
    redis: s.connected ? 'connected' : 'reconnecting',
    caught_up: lag === 0,
    diverged: s.diverged,
    ready: s.caughtUpOnce,
    bundle_revision: s.revision,
    bundle_error: s.bundleError,
    entries_read: s.counters.entriesRead,
    snapshot_seq: s.snapshotSeq,
    snapshots_written: s.counters.snapshotsWritten,
    apply_errors: s.counters.applyErrors,
    resyncs: s.counters.resyncs,
  };
}
