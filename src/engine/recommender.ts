/**
 * A factor vector → the events' suggestions and tags, over one loaded bundle: catalogue search
 * (src/catalog), the bundle's tag model, and listener fold-in from a play history.
 *
 * Without a listener, suggestions are the songs whose factors point the same way as the audio's
 * (cosine: the mean of window predictions has no meaningful length). With one, they are the
 * `candidates` nearest songs by sound re-ranked by the listener's predicted preference x_uᵀy_i (the
 * paper's score): songs that sound like what is playing, in the order this listener would like them.
 */
import { Catalog, type CatalogItem } from '../catalog/catalog';
import { foldInListener } from '../catalog/fold-in';
import { TagModel } from '../catalog/tags';
import type { Bundle } from '../model/bundle';
import type { Suggestion, TagScore } from '../protocol/events';
import type { HistoryEntry } from '../protocol/messages';

/** Songs by sound that a listener's preference re-ranks. */
export const LISTENER_CANDIDATES = 200;

export interface Listener {
  vector: Float32Array;
  /** Catalogue rows of the history (also excluded from suggestions: the listener knows them). */
  known: Set<number>;
}

export class Recommender {
  readonly catalog: Catalog;
  readonly tagModel: TagModel;

  constructor(readonly bundle: Bundle) {
    this.catalog = new Catalog(bundle.items as CatalogItem[], bundle.itemFactors, bundle.manifest.factors);
    this.tagModel = new TagModel(bundle.tags);
  }

  get factors(): number {
    return this.bundle.manifest.factors;
  }

  suggest(query: Float32Array, k: number, exclude: ReadonlySet<number>, listener: Listener | null): Suggestion[] {
    if (!listener) return this.catalog.topK(query, k, { metric: 'cosine', exclude }).map((h) => this.suggestion(h.index, h.score));
    const skip = new Set([...exclude, ...listener.known]);
    const near = this.catalog.topK(query, Math.max(k, LISTENER_CANDIDATES), { metric: 'cosine', exclude: skip });
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

  /** The catalogue row of a song id; -1 when it is not in the catalogue. */
  indexOf(id: string): number {
    return this.catalog.indexOf(id);
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

  private suggestion(index: number, score: number): Suggestion {
    const it = this.catalog.item(index);
    const s: Suggestion = { id: it.id, title: it.title, artist: it.artist, score: Math.round(score * 1e6) / 1e6 };
    if (it.uri) s.uri = it.uri;
    return s;
  }
}
