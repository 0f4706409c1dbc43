/**
 * Group commit of catalogue changes (adds from POST /v1/catalog, removes from DELETE, edits from PATCH):
 * every change waiting when a save starts goes into that one save (the whole catalogue, written durably:
 * src/model/bundle-catalog.ts), and each change is answered only once the save that holds it is on disk.
 * A library import with several uploads in flight thus costs one catalogue write per batch instead of one
 * per song (the write holds every song: its cost grows with the catalogue, so per-song writes made an
 * import quadratic), and nothing answered is lost by a crash. A change the catalogue refuses (a duplicate
 * or unknown id, a bad field) fails alone; a save that fails fails every change of its batch with its
 * error, and the songs already saved, on disk and in memory, are untouched (a batch joins the in-memory
 * catalogue only after its save).
 */
import type { CatalogChange, CatalogWriter } from '../catalog/catalog-change';
import { applyCatalogChanges } from '../catalog/catalog-change';
import { checkChangeBatch, replayChanges, songsAfter } from '../catalog/change-batch';
import { EarshotError } from '../errors';
import type { Recommender } from '../engine/recommender';

/**
 * Writes one batch (durably) and makes it visible. Resolves to each change's outcome (null: saved, or an
 * error: refused alone; nothing: all saved); rejects to fail the whole batch.
 */
export type BatchCommit = (batch: readonly CatalogChange[]) => Promise<readonly (Error | null)[] | void>;

export interface CommitStats {
  /** Saves done (successful or not). */
  commits: number;
  /** Changes saved, and changes failed (refused alone or by a failing save). */
  changes: number;
  failed: number;
  largestBatch: number;
}

interface Waiting {
  change: CatalogChange;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class CatalogCommitter {
  private waiting: Waiting[] = [];
  private running: Promise<void> | null = null;
  readonly stats: CommitStats = { commits: 0, changes: 0, failed: 0, largestBatch: 0 };

  constructor(
    private readonly commit: BatchCommit,
    /** Changes per save at most (bounds one save's memory and the wait of the first change in it). */
    private readonly maxBatch = 256,
  ) {
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new EarshotError('ERR_INVALID_ARGUMENT', `maxBatch must be an integer >= 1, got ${maxBatch}`);
  }

  /** A CatalogWriter: resolves once the change is saved (and in the catalogue); rejects with why it was refused or its batch's save error. */
  readonly write: CatalogWriter = (change) =>
    new Promise<void>((resolve, reject) => {
      this.waiting.push({ change, resolve, reject });
      // Started on the next turn of the event loop: changes made in this turn join the first save.
      this.running ??= new Promise<void>((started) => setImmediate(started)).then(() => this.drain());
    });

  /** Resolves when nothing waits and no save runs. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Saves batch after batch while changes wait: those arriving during a save form the next batch. */
  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, this.maxBatch);
        this.stats.commits++;
        this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
        let outcomes: readonly (Error | null)[] = [];
        try {
          const result = await this.commit(batch.map((w) => w.change));
          if (Array.isArray(result)) outcomes = result;
        } catch (err) {
          this.stats.failed += batch.length;
          for (const w of batch) w.reject(err as Error);
          continue;
        }
        batch.forEach((w, i) => {
          const err = outcomes[i];
          if (err) {
            this.stats.failed++;
            w.reject(err);
          } else {
            this.stats.changes++;
            w.resolve();
          }
        });
      }
    } finally {
      this.running = null;
    }
  }
}

/**
 * The engine's batch commit: the changes the catalogue accepts (./change-batch.ts), saved with the whole
 * catalogue where its songs came from (`persist`: the user catalogue or the bundle), then applied to the
 * in-memory catalogue. A reload during the save: the new catalogue gets them too, unless it read them from
 * disk already.
 */
export function engineBatchCommit(recommender: () => Recommender, persist: boolean): BatchCommit {
  return async (batch) => {
    const rec = recommender();
    const { accepted, outcomes } = checkChangeBatch(rec.catalog, batch);
    if (accepted.length === 0) return outcomes;
    if (persist) {
      const { items, factors } = songsAfter(rec.catalog, accepted);
      await rec.songs.save(items, factors);
    }
    applyCatalogChanges(rec.catalog, accepted);
    const now = recommender();
    if (now !== rec) replayChanges(now.catalog, accepted);
    return outcomes;
  };
}
