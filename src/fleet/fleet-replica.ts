/**
 * One engine's membership in a fleet (`earshot serve --redis URL --fleet NAME`): it joins from the
 * fleet's snapshot, applies the fleet's log in order to its in-memory catalogue and model, sends the
 * catalogue changes its HTTP routes ask for to the log (a change is answered once Redis has it durably
 * and this engine has applied it), writes snapshots now and then, and reports where it stands for
 * /healthz and /metrics. docs/fleet.md describes the whole design and what is guaranteed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Catalog } from '../catalog/catalog';
import { applyCatalogChanges, type CatalogChange } from '../catalog/catalog-change';
import { Histogram, LATENCY_BUCKETS_S } from '../engine/engine-stats';
import { EarshotError } from '../errors';
import { AppliedWaiters } from './applied-waiters';
import { materialiseBundle } from './fleet-bundle';
import { joinFleet, type JoinedFleet } from './fleet-join';
import type { FleetKeys } from './fleet-keys';
import { SNAPSHOT_CATALOGUE_FRACTION, type FleetOptions, type ResolvedFleetOptions } from './fleet-options';
import { publishBundle, type Rollout } from './fleet-rollout';
import { readSnapshot, type FleetSnapshot } from './fleet-snapshot';
import { writeSnapshot } from './fleet-snapshot-write';
import { fleetStatusOf, type FleetStatus } from './fleet-status';
import { appendChange, checkChange, streamIdAfter } from './log-append';
import type { LogEntry, LogRecord } from './log-entry';
import { LogReader } from './log-reader';
import { redisFailure, type FleetRedis } from './redis-connection';
import type { RedisTarget } from './redis-url';

// The settings live in ./fleet-options.ts; the server and the CLI import them from here.
export { FLEET_DEFAULTS, SNAPSHOT_CATALOGUE_FRACTION, type FleetOptions } from './fleet-options';

/** A rollout may load a model for seconds on a busy machine: the admin route waits this long for its own replica (ms). */
const ROLLOUT_WAIT_MS = 120_000;
/** How often the replica asks Redis for the log's head (lag, caught_up) and checks the snapshot timer (ms). */
const POLL_MS = 500;
/** The snapshot lock's expiry: a replica that dies while writing one holds it no longer (ms). */
const SNAPSHOT_LOCK_MS = 30_000;

/** What the replica needs from its server: the catalogue it applies changes to, and the hot reload. */
export interface FleetHost {
  catalog: () => Catalog;
  /** Loads a bundle directory without dropping streams (the server's reload). */
  reload: (dir: string) => Promise<void>;
}

export class FleetReplica {
  private applied: { seq: number; streamId: string };
  private headSeq: number;
  private snapshotSeq: number;
  private lastSnapshotAt = Date.now();
  private revision: string;
  private space: string;
  private host: FleetHost | null = null;
  private reader: LogReader | null = null;
  private poller: NodeJS.Timeout | null = null;
  private readonly waiters = new AppliedWaiters();
  private swapping = false;
  private snapshotting: Promise<void> | null = null;
  private caughtUpOnce = false;
  /** Why this replica's position cannot be trusted (FleetStatus.diverged), else null. */
  private diverged: string | null = null;
  /** The fleet's keys are gone from Redis: writes are refused until it exists again (docs/fleet.md). */
  private gone = false;
  /** Bumped by every resync: a log batch read from before it (an older position) is dropped, then read again. */
  private epoch = 0;
  private readEpoch = 0;
  /** Applying log batches and resyncs run one at a time, in order (the reader's and the poller's). */
  private queue: Promise<unknown> = Promise.resolve();
  private resyncing = false;
  /** Redis's clock (ms) when this replica joined: earlier entries are catch-up, not propagation. */
  private readonly joinedAtMs = Date.now();
  private bundleError: string | null = null;
  private dirs: string[] = [];
  private closed = false;
  readonly counters = { entriesRead: 0, applyErrors: 0, snapshotsWritten: 0, resyncs: 0 };
  /** XADD (Redis time in the entry id) → applied here: the fleet's propagation delay as this replica sees it. */
  readonly propagationSeconds = new Histogram(LATENCY_BUCKETS_S);

  readonly keys: FleetKeys;
  readonly target: RedisTarget;
  /** The bundle directory (in the cache) to open the engine with: the snapshot's revision and songs. */
  readonly bundleDir: string;
  private readonly cmd: FleetRedis;
  private readonly readerRedis: FleetRedis;
  private readonly options: ResolvedFleetOptions;

  private constructor(j: JoinedFleet, private readonly log: (line: string) => void) {
    this.keys = j.keys;
    this.target = j.target;
    this.bundleDir = j.bundleDir;
    this.cmd = j.cmd;
    this.readerRedis = j.reader;
    this.options = j.options;
    const snap = j.snap;
    this.applied = { seq: snap.seq, streamId: snap.streamId };
    this.snapshotSeq = snap.seq;
    this.headSeq = j.head;
    this.caughtUpOnce = snap.seq >= j.head; // nothing after the snapshot: ready at once
    this.revision = snap.revision;
    this.space = snap.space;
    this.dirs.push(j.bundleDir);
    this.logOutages();
  }

  /** One line when the command connection to Redis goes and one when it is back (how long, where this replica stands). */
  private logOutages(): void {
    let lostAt = 0;
    this.cmd.on('close', () => {
      if (lostAt || this.closed) return;
      lostAt = Date.now();
      this.log(`fleet ${this.keys.name}: lost Redis at ${this.target.display}; serving from memory at log entry ${this.applied.seq}, changes refused until it is back`);
    });
    this.cmd.on('ready', () => {
      if (!lostAt) return;
      this.log(`fleet ${this.keys.name}: Redis at ${this.target.display} is back after ${((Date.now() - lostAt) / 1000).toFixed(1)} s; applied up to log entry ${this.applied.seq}, reading on`);
      lostAt = 0;
    });
  }

  /**
   * Connects, checks that Redis keeps writes durably, creates the fleet from `bundleDir` (its model and
   * songs) if Redis holds none yet, and writes the fleet's snapshot into the cache: open the engine on
   * `replica.bundleDir`, then `attach` it. A fleet that exists serves its own model and catalogue,
   * whatever `bundleDir` holds.
   */
  static async join(o: FleetOptions, bundleDir: string, log: (line: string) => void): Promise<FleetReplica> {
    return new FleetReplica(await joinFleet(o, bundleDir, log), log);
  }

  /** Starts applying the log to the engine opened on `bundleDir`. */
  attach(host: FleetHost): void {
    this.host = host;
    this.reader = new LogReader(this.readerRedis, this.keys.log, {
      position: () => {
        this.readEpoch = this.epoch;
        return this.applied.streamId;
      },
      apply: (entries) => this.serial(() => this.applyEntries(entries)),
      problem: (m) => this.log(`fleet ${this.keys.name}: ${m}`),
    }, (streamId) => {
      this.applied = { seq: this.applied.seq + 1, streamId };
      this.counters.applyErrors++;
    });
    this.reader.start();
    this.poller = setInterval(() => void this.poll(), POLL_MS);
    this.poller.unref();
  }

  /** The CatalogWriter of a fleet replica: durable in Redis, then applied here, then resolved. */
  write = async (change: CatalogChange): Promise<void> => {
    if (this.closed) throw new EarshotError('ERR_FLEET_UNAVAILABLE', 'the server is leaving the fleet');
    if (this.gone) throw new EarshotError('ERR_FLEET_UNAVAILABLE', this.diverged as string);
    checkChange(change, (this.host as FleetHost).catalog().dims);
    const { seq, streamId } = await appendChange(this.cmd, this.keys, this.target, this.space, change);
    // A number this replica has passed, on an entry newer than the one it applied there: Redis's log went
    // back (restored from an older copy). Reload Redis's state first; it holds this change or will.
    const behind = (): boolean => seq <= this.applied.seq && streamIdAfter(streamId, this.applied.streamId);
    if (behind()) {
      await this.serial(async () => {
        if (behind()) await this.regressed(`Redis numbered a new change ${seq}, this replica had applied up to ${this.applied.seq}`);
      });
    }
    if (this.diverged) throw new EarshotError('ERR_FLEET_UNAVAILABLE', `the change is entry ${seq} of the fleet log, but this replica cannot apply it: ${this.diverged}`);
    await this.waiters.wait(this.applied.seq, seq, this.options.writeTimeoutS * 1000, `the change is in the fleet log (entry ${seq}) but this replica has not applied it within ${this.options.writeTimeoutS} s; it will appear`);
  };

  /** Rolls out a bundle directory to the whole fleet; resolves once this replica serves it. */
  async publish(dir: string): Promise<Rollout> {
    let r: Rollout;
    try {
      r = await publishBundle(this.cmd, this.keys, dir);
    } catch (err) {
      if (err instanceof EarshotError) throw err;
      throw redisFailure(err, this.target.display, `the fleet's Redis (${this.target.display}) did not take the rollout`);
    }
    await this.waiters.wait(this.applied.seq, r.seq, ROLLOUT_WAIT_MS, `the rollout is in the fleet log (entry ${r.seq}) but this replica has not loaded it within ${ROLLOUT_WAIT_MS / 1000} s`);
    if (this.bundleError && this.revision !== r.revision) throw new EarshotError('ERR_MODEL_FORMAT', `bundle revision ${r.revision.slice(0, 12)} failed to load here: ${this.bundleError}`);
    return r;
  }

  /**
   * SIGHUP or POST /v1/admin/reload on a replica: loads the bundle revision the fleet serves again, here
   * only, with this catalogue (its files re-read from Redis); it publishes nothing.
   */
  async reloadServed(): Promise<void> {
    await this.serial(async () => {
      const what = `reload of bundle revision ${this.revision.slice(0, 12)} (SIGHUP or POST /v1/admin/reload)`;
      if (!(await this.swap(this.revision, this.space, (this.host as FleetHost).catalog().snapshot(), what))) throw new EarshotError('ERR_MODEL_FORMAT', `${what} failed: ${this.bundleError}`);
    });
  }

  status(): FleetStatus {
    return fleetStatusOf({
      name: this.keys.name,
      applied: this.applied,
      headSeq: this.headSeq,
      connected: this.cmd.status === 'ready' && this.readerRedis.status === 'ready',
      diverged: this.diverged,
      caughtUpOnce: this.caughtUpOnce,
      revision: this.revision,
      snapshotSeq: this.snapshotSeq,
      bundleError: this.bundleError,
      counters: this.counters,
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    const stopping = this.reader?.stop();
    this.readerRedis.disconnect(); // cuts a blocked XREAD short
    await stopping;
    await this.snapshotting;
    this.waiters.failAll('the server left the fleet before applying the change');
    this.cmd.disconnect();
    if (this.options.ownCache) fs.rmSync(this.options.cacheDir, { recursive: true, force: true });
  }

  /** Runs `fn` after every batch and resync queued before it (they move `applied`). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async applyEntries(entries: LogEntry[]): Promise<void> {
    if (this.readEpoch !== this.epoch) return; // read from where a resync has since moved this replica: read again
    for (const e of entries) {
      // XREAD returns only entries after the one applied: a seq not above it means the log went back.
      if (e.seq <= this.applied.seq) {
        await this.regressed(`entry ${e.streamId} is numbered ${e.seq}, this replica had applied up to ${this.applied.seq}`);
        return;
      }
      if (e.seq !== this.applied.seq + 1) {
        // Entries between were trimmed by a snapshot this replica had not reached: start again from it.
        this.log(`fleet ${this.keys.name}: entry ${e.seq} follows ${this.applied.seq}: the entries between were trimmed; loading the snapshot`);
        await this.resync();
        return;
      }
      await this.applyRecord(e.record, e.streamId);
      this.applied = { seq: e.seq, streamId: e.streamId };
      this.counters.entriesRead++;
      const ms = Number(e.streamId.split('-')[0]);
      // Entries written before this replica joined are its catch-up, not the fleet's propagation delay.
      if (Number.isFinite(ms) && ms >= this.joinedAtMs) this.propagationSeconds.observe(Math.max(0, Date.now() - ms) / 1000);
    }
    this.headSeq = Math.max(this.headSeq, this.applied.seq);
    this.waiters.settle(this.applied.seq);
    const every = Math.max(this.options.snapshotEveryEntries, Math.ceil((this.host as FleetHost).catalog().size * SNAPSHOT_CATALOGUE_FRACTION));
    if (this.applied.seq - this.snapshotSeq >= every) this.snapshotSoon();
  }

  private async applyRecord(r: LogRecord, streamId: string): Promise<void> {
    const host = this.host as FleetHost;
    if (r.kind === 'bundle') {
      const catalogue = r.reset ? undefined : host.catalog().snapshot();
      await this.swap(r.revision, r.space, catalogue, `rollout of bundle revision ${r.revision.slice(0, 12)}${r.reset ? ' (a new factor space: the catalogue restarts from its songs)' : ''}`);
      return;
    }
    if (r.change.op === 'add' && r.space !== this.space) {
      this.counters.applyErrors++;
      this.log(`fleet ${this.keys.name}: entry ${streamId} adds song ${r.change.item.id} in another model's factor space than this replica serves (its bundle failed to load?); skipped`);
      return;
    }
    try {
      applyCatalogChanges(host.catalog(), [r.change]);
    } catch (err) {
      // The id set in Redis and this catalogue disagree: a bug, said loudly; the next entries still apply.
      this.counters.applyErrors++;
      this.log(`fleet ${this.keys.name}: entry ${streamId} could not be applied: ${(err as Error).message}`);
    }
  }

  /** Loads a bundle revision with a catalogue (undefined: the bundle's own songs) through the server's hot reload. */
  private async swap(revision: string, space: string, catalogue: { items: FleetSnapshot['items']; factors: Float32Array } | undefined, what: string): Promise<boolean> {
    this.swapping = true;
    try {
      const dir = await materialiseBundle(this.cmd, this.keys, revision, this.options.cacheDir, catalogue);
      await (this.host as FleetHost).reload(dir);
      this.revision = revision;
      this.space = space;
      this.bundleError = null;
      this.dirs.push(dir);
      // The previous directory may still be read by an analysis that started before the reload: keep one back.
      while (this.dirs.length > 2) fs.rmSync(path.dirname(this.dirs.shift() as string), { recursive: true, force: true });
      this.log(`fleet ${this.keys.name}: ${what}: serving it`);
      return true;
    } catch (err) {
      this.bundleError = (err as Error).message;
      this.log(`fleet ${this.keys.name}: ${what} failed, still serving revision ${this.revision.slice(0, 12)}: ${(err as Error).message}`);
      return false;
    } finally {
      this.swapping = false;
    }
  }

  /**
   * Redis's log is behind what this replica applied (Redis restarted from an older copy of its data):
   * the entries past its head are gone for every replica, so this one drops them too and reloads what
   * Redis holds (snapshot + log), as every replica does, and they converge on Redis's state. Writes
   * waiting for an entry number are failed: that number may now belong to another change.
   */
  private async regressed(why: string): Promise<void> {
    this.diverged = `the fleet log went back: ${why} (Redis lost entries it had acknowledged: restarted from an older copy of its data?); reloading the fleet's state from Redis`;
    this.log(`fleet ${this.keys.name}: ${this.diverged}`);
    this.waiters.failAll(`the fleet's Redis lost log entries this replica had applied (${why}); check whether the change is in the fleet's catalogue and send it again if not`);
    await this.resync();
  }

  private async resync(): Promise<void> {
    const snap = await readSnapshot(this.cmd, this.keys);
    if (!snap) throw new EarshotError('ERR_FLEET_UNAVAILABLE', `fleet ${this.keys.name} has no snapshot in Redis`);
    this.counters.resyncs++;
    if (await this.swap(snap.revision, snap.space, { items: snap.items, factors: snap.factors }, `resync from the snapshot at entry ${snap.seq}`)) {
      this.applied = { seq: snap.seq, streamId: snap.streamId };
      this.snapshotSeq = snap.seq;
      this.headSeq = Math.max(this.headSeq, snap.seq);
      this.epoch++;
      this.gone = false;
      this.diverged = null;
      this.waiters.settle(snap.seq);
    }
  }

  /** GET <fleet>:seq found nothing: the fleet's keys were deleted or Redis lost all its data. */
  private fleetGone(): void {
    if (this.gone) return;
    this.gone = true;
    this.diverged = `fleet ${this.keys.name} is gone from Redis at ${this.target.display} (its keys were deleted or Redis lost its data): this replica serves its catalogue from memory and refuses changes until the fleet exists again (docs/fleet.md: restart one replica to create it from its --bundle, or restore Redis's data)`;
    this.log(`fleet ${this.keys.name}: ${this.diverged}`);
    this.waiters.failAll(this.diverged);
  }

  /**
   * The head looked behind this replica (or the fleet was created again): asks again inside the apply
   * queue, where `applied` holds still, and resyncs if so; one at a time.
   */
  private resyncAfterRegression(): void {
    if (this.resyncing) return;
    this.resyncing = true;
    void this.serial(async () => {
      const head = Number(await this.cmd.get(this.keys.seq));
      if (this.gone) await this.regressed(`fleet ${this.keys.name} was created again (its log's head is entry ${head})`);
      else if (head < this.applied.seq) await this.regressed(`the log's head is entry ${head}, this replica had applied up to ${this.applied.seq}`);
    })
      .catch((err: Error) => this.log(`fleet ${this.keys.name}: reloading the fleet's state failed (${err.message}); trying again`))
      .finally(() => (this.resyncing = false));
  }

  private async poll(): Promise<void> {
    if (this.closed || this.cmd.status !== 'ready') return;
    // What was applied before asking: the reader may apply more before the answer arrives (another connection).
    const appliedBefore = this.applied.seq;
    let head: string | null;
    try {
      head = await this.cmd.get(this.keys.seq);
    } catch {
      return; // reported as redis: reconnecting
    }
    if (head === null) return this.fleetGone();
    this.headSeq = Number(head);
    if (this.gone || this.headSeq < appliedBefore) return this.resyncAfterRegression();
    if (this.applied.seq >= this.headSeq && this.readerRedis.status === 'ready') this.caughtUpOnce = true;
    const due = Date.now() - this.lastSnapshotAt >= this.options.snapshotEverySeconds * 1000;
    if (due && this.applied.seq > this.snapshotSeq) this.snapshotSoon();
  }

  /** Writes a snapshot in the background (one at a time; none while a bundle is being swapped in). */
  private snapshotSoon(): void {
    if (this.snapshotting || this.closed || this.diverged) return; // never publish a state Redis no longer holds
    this.lastSnapshotAt = Date.now();
    this.snapshotting = (async () => {
      try {
        let taken = false;
        const r = await writeSnapshot(this.cmd, this.keys, SNAPSHOT_LOCK_MS, () => {
          if (this.swapping) throw new EarshotError('ERR_INVALID_STATE', 'a bundle is being loaded');
          taken = true;
          const { items, factors } = (this.host as FleetHost).catalog().snapshot();
          return { seq: this.applied.seq, streamId: this.applied.streamId, revision: this.revision, space: this.space, items, factors };
        }, { chunkSongs: this.options.snapshotChunkSongs });
        this.snapshotSeq = Math.max(this.snapshotSeq, r.seq);
        if (r.written) this.counters.snapshotsWritten++;
        if (r.written) this.log(`fleet ${this.keys.name}: wrote the snapshot at entry ${r.seq} and trimmed the log before it`);
        else if (!taken) this.lastSnapshotAt = Date.now(); // another replica holds the lock
      } catch (err) {
        if (!(err instanceof EarshotError && err.code === 'ERR_INVALID_STATE')) this.log(`fleet ${this.keys.name}: snapshot failed (${(err as Error).message}); the next one tries again`);
      } finally {
        this.snapshotting = null;
      }
    })();
  }
}

