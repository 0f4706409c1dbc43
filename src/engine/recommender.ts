/**
 * A factor vector → the events' suggestions and tags, over one loaded bundle: catalogue search
 * (src/catalog), the bundle's tag model, and listener fold-in from a play history.
 *
 * Without a listener, suggestions are the songs whose factors point the same way as the audio's
 * (cosine: the mean of window predictions has no meaningful length). With one, they are the
 * `candidates` nearest songs by sound re-ranked by the listener's predicted preference x_uᵀy_i (the
 * paper's score): songs that sound like what is playing, in the order this listener would like them.
 *
 * Never suggested: the rows in `exclude` (the playing track by name, recent answers), songs taken for the
 * playing track by their factors (cosine ≥ SAME_TRACK_COSINE, and a stream's remembered ones:
 * src/catalog/same-track.ts), and with `playable` every song without a uri.
 */
import { Catalog, type CatalogItem } from '../catalog/catalog';
import { foldInListener } from '../catalog/fold-in';
import { SameTrackFilter, type SameTrackMemory } from '../catalog/same-track';
import { TagModel } from '../catalog/tags';
import type { Bundle } from '../model/bundle';
import { bundleCatalogSource, type CatalogSource } from '../model/catalog-source';
import type { Suggestion, TagScore } from '../protocol/events';
import type { HistoryEntry } from '../protocol/messages';

/** Songs by sound that a listener's preference re-ranks. */
export const LISTENER_CANDIDATES = 200;

export interface Listener {
  vector: Float32Array;
  /** Catalogue rows of the history (also excluded from suggestions: the listener knows them). */
  known: Set<number>;
}

export interface SuggestOptions {
  /** Only songs with a uri (a file or URL a player can open). */
  playable?: boolean;
  /** A stream's memory of its playing track's rows (kept up to date here); none: this query alone. */
  sameTrack?: SameTrackMemory;
  /** Told the best song taken for the playing track by its factors (its row and cosine), if any. */
  onSameTrack?: (match: { row: number; cosine: number }) => void;
}

export class Recommender {
  readonly catalog: Catalog;
  readonly tagModel: TagModel;

  /** The bundle lends the model and tags; the songs come from `songs` (default: the bundle's own). */
  constructor(
    readonly bundle: Bundle,
    readonly songs: CatalogSource = bundleCatalogSource(bundle),
  ) {
    this.catalog = new Catalog(songs.items as CatalogItem[], songs.itemFactors, bundle.manifest.factors);
    this.tagModel = new TagModel(bundle.tags);
  }

  get factors(): number {
    return this.bundle.manifest.factors;
  }

  suggest(query: Float32Array, k: number, exclude: ReadonlySet<number>, listener: Listener | null, o: SuggestOptions = {}): Suggestion[] {
    const catalog = this.catalog;
    if (o.playable && catalog.playableCount === 0) return [];
    const same = new SameTrackFilter(o.sameTrack ?? null);
    const accept = (i: number, cosine: number): boolean => same.accept(i, cosine) && (!o.playable || catalog.item(i).uri !== undefined);
    const search = (n: number, skip: ReadonlySet<number>) => {
      const hits = catalog.topK(query, n, { metric: 'cosine', exclude: skip, accept });
      same.remember();
      const m = same.match;
      if (m) o.onSameTrack?.(m);
      return hits;
    };
    if (!listener) return search(k, exclude).map((h) => this.suggestion(h.index, h.score));
    const near = search(Math.max(k, LISTENER_CANDIDATES), new Set([...exclude, ...listener.known]));
    const f = this.factors;
    const y = this.catalog.factors;
    const x = listener.vector;
    const scored = near.map((h) => {
      let s = 0;
      for (let j = 0; j < f; j++) s += x[j] * y[h.index * f + j];
      return { index: h.index, score: s };
    });
    scored.sort((a, b) => b.score - a.score || a.index - b.index);
    return scored.slice(0, k).map((h) => this.suggestion(h.index, h.score));
  }

  /** The rows a client's name for the playing track refers to: a song id, else the songs with that uri. */
  trackRows(ref: string): number[] {
    return this.catalog.rowsOf(ref);
  }

  tags(query: Float32Array, top: number): TagScore[] {
    return top > 0 ? this.tagModel.predict(query, top) : [];
  }

  /** The listener's vector from their history; ids not in the catalogue are returned as `unknown`. */
  async listener(history: HistoryEntry[]): Promise<{ listener: Listener | null; unknown: string[] }> {
    const plays = new Map<number, number>();
    const unknown: string[] = [];
    for (const h of history) {
      const i = this.catalog.indexOf(h.id);
      if (i < 0) unknown.push(h.id);
      else plays.set(i, (plays.get(i) ?? 0) + (h.plays ?? 1));
    }
    if (plays.size === 0) return { listener: null, unknown };
    const entries = [...plays].map(([index, count]) => ({ index, plays: count }));
    const vector = await foldInListener(this.catalog, entries);
    return { listener: { vector, known: new Set(plays.keys()) }, unknown };
  }

  /** A catalogue row as the events show a song. */
  suggestion(index: number, score: number): Suggestion {
    const it = this.catalog.item(index);
    const s: Suggestion = { id: it.id, title: it.title, artist: it.artist, score: Math.round(score * 1e6) / 1e6 };
    if (it.uri) s.uri = it.uri;
    return s;
  }
}
