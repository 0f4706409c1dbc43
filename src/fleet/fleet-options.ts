/**
 * A fleet replica's settings (`earshot serve --redis URL --fleet NAME`, the --fleet-* flags): what the
 * caller may give, their defaults, and the resolved form the replica runs with. docs/fleet.md.
 */
import { EarshotError } from '../errors';
import { SNAPSHOT_CHUNK_SONGS } from './fleet-snapshot';

export interface FleetOptions {
  /** redis://host[:port][/db] (./redis-url.ts). */
  redis: string;
  /** Key prefix (default `earshot`): fleets sharing one Redis database keep apart by name. */
  name?: string;
  /**
   * A snapshot is written once this many entries follow the last one, or a quarter of the catalogue's
   * size if that is more (SNAPSHOT_CATALOGUE_FRACTION). Default 10,000: a starting replica then reads
   * at most ~10,000 entries (≈ 0.1-0.3 s to apply) on a catalogue of up to 40,000 songs.
   */
  snapshotEveryEntries?: number;
  /** Songs per snapshot chunk (default SNAPSHOT_CHUNK_SONGS, ./fleet-snapshot.ts; the tests use a few). */
  snapshotChunkSongs?: number;
  /**
   * …or when this many seconds passed since the last one and any entry followed it. Default 300: a
   * quiet fleet still trims its log within five minutes of its last change.
   */
  snapshotEverySeconds?: number;
  /** Where replicas write bundle revisions to load them. Default: a new directory in the OS temp dir, removed at close. */
  cacheDir?: string;
  /** How long a write waits for this replica to apply its own entry before it answers 503 (s). Default 10. */
  writeTimeoutS?: number;
}

export const FLEET_DEFAULTS = { snapshotEveryEntries: 10_000, snapshotEverySeconds: 300, writeTimeoutS: 10 } as const;

/**
 * Entries between snapshots are at least this fraction of the catalogue: a snapshot serialises the
 * whole catalogue (N songs), so writing one every N/4 entries costs O(1) per entry amortised (≈ 4 song
 * serialisations each) however large N grows — a 10M-song import from empty writes 23 snapshots, not 1,000 —
 * while a starting replica reads at most N/4 entries after the snapshot, under the N songs it reads anyway.
 */
export const SNAPSHOT_CATALOGUE_FRACTION = 1 / 4;

/** The settings a replica runs with: every default filled in, and the bundle cache it writes to. */
export type ResolvedFleetOptions = Required<Omit<FleetOptions, 'cacheDir' | 'name'>> & {
  cacheDir: string;
  /** The cache is a temp directory of this replica's own, removed at close (no --fleet-cache given). */
  ownCache: boolean;
};

/** Fills in the defaults; a bad snapshot interval is refused (ERR_INVALID_ARGUMENT) before Redis is contacted. */
export function resolveFleetOptions(o: FleetOptions): Omit<ResolvedFleetOptions, 'cacheDir' | 'ownCache'> {
  const every = o.snapshotEveryEntries ?? FLEET_DEFAULTS.snapshotEveryEntries;
  if (!Number.isInteger(every) || every < 1) throw new EarshotError('ERR_INVALID_ARGUMENT', `snapshotEveryEntries must be an integer >= 1, got ${every}`);
  return {
    snapshotEveryEntries: every,
    snapshotEverySeconds: o.snapshotEverySeconds ?? FLEET_DEFAULTS.snapshotEverySeconds,
    snapshotChunkSongs: o.snapshotChunkSongs ?? SNAPSHOT_CHUNK_SONGS,
    writeTimeoutS: o.writeTimeoutS ?? FLEET_DEFAULTS.writeTimeoutS,
    redis: o.redis,
  };
}
