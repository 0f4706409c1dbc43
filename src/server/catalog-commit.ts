/**
 * Group commit of the songs POST /v1/catalog adds: every add waiting when a save starts goes into that
 * one save (the whole catalogue, written durably: src/model/bundle-catalog.ts), and each add is answered
 * only once the save that holds it is on disk. A library import with several uploads in flight thus
 * costs one catalogue write per batch instead of one per song (the write holds every song: its cost
 * grows with the catalogue, so per-song writes made an import quadratic), and nothing answered is lost
 * by a crash. A save that fails fails every add of its batch with its error; the songs already saved,
 * on disk and in memory, are untouched (a batch joins the in-memory catalogue only after its save).
 */
import type { CatalogItem } from '../catalog/catalog';
import { DuplicateIdError } from '../catalog/catalog';
import { EarshotError } from '../errors';
import type { Recommender } from '../engine/recommender';

export interface CatalogAdd {
  item: CatalogItem;
  /** The song's factors (F values). */
  factors: Float32Array;
}

/** Writes one batch (durably) and makes it visible; rejects to fail the whole batch. */
export type BatchCommit = (batch: readonly CatalogAdd[]) => Promise<void>;

export interface CommitStats {
  /** Saves done (successful or not) and songs they held. */
  commits: number;
  songs: number;
  failed: number;
  largestBatch: number;
}

interface Waiting extends CatalogAdd {
  resolve: () => void;
  reject: (err: Error) => void;
}

export class CatalogCommitter {
  private waiting: Waiting[] = [];
  private running: Promise<void> | null = null;
  readonly stats: CommitStats = { commits: 0, songs: 0, failed: 0, largestBatch: 0 };

  constructor(
    private readonly commit: BatchCommit,
    /** Songs per save at most (bounds one save's memory and the wait of the first add in it). */
    private readonly maxBatch = 256,
  ) {
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new EarshotError('ERR_INVALID_ARGUMENT', `maxBatch must be an integer >= 1, got ${maxBatch}`);
  }

  /** Resolves once the song is saved (and in the catalogue); rejects with its batch's save error. */
  add(item: CatalogItem, factors: Float32Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, factors, resolve, reject });
      // Started on the next turn of the event loop: adds finishing in this turn join the first save.
      this.running ??= new Promise<void>((started) => setImmediate(started)).then(() => this.drain());
    });
  }

  /** Resolves when nothing waits and no save runs. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Saves batch after batch while adds wait: those arriving during a save form the next batch. */
  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, this.maxBatch);
        this.stats.commits++;
        this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
        try {
          await this.commit(batch);
          this.stats.songs += batch.length;
          for (const w of batch) w.resolve();
        } catch (err) {
          this.stats.failed += batch.length;
          for (const w of batch) w.reject(err as Error);
        }
      }
    } finally {
      this.running = null;
    }
  }
}

/**
 * The engine's batch commit: the catalogue as it is plus the batch, saved where its songs came from
 * (`persist`: the user catalogue or the bundle), then added to the in-memory catalogue. A reload during
 * the save: the songs also join the new catalogue unless it read them from disk already.
 */
export function engineBatchCommit(recommender: () => Recommender, persist: boolean): BatchCommit {
  return async (batch) => {
    const rec = recommender();
    const catalog = rec.catalog;
    const f = rec.factors;
    const fresh = new Float32Array(batch.length * f);
    batch.forEach((a, i) => {
      if (a.factors.length !== f) throw new EarshotError('ERR_INVALID_ARGUMENT', `song ${a.item.id} has ${a.factors.length} factors; the catalogue has ${f}`);
      fresh.set(a.factors, i * f);
    });
    const items = batch.map((a) => a.item);
    for (const it of items) if (catalog.indexOf(it.id) >= 0) throw new DuplicateIdError(it.id, `id ${it.id} is already in the catalogue`);
    if (persist) {
      const size = catalog.size;
      const all = new Float32Array((size + batch.length) * f);
      all.set(catalog.factors.subarray(0, size * f));
      all.set(fresh, size * f);
      await rec.songs.save([...Array.from({ length: size }, (_, i) => catalog.item(i)), ...items], all);
    }
    catalog.add(items, fresh);
    const now = recommender();
    if (now !== rec) {
      const missing = batch.filter((a) => now.catalog.indexOf(a.item.id) < 0);
      if (missing.length > 0) now.catalog.add(missing.map((a) => a.item), Float32Array.from(missing.flatMap((a) => Array.from(a.factors))));
    }
  };
}
