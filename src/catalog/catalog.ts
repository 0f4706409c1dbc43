/**
 * The engine's catalogue: songs (id, artist, title, uri) and their WMF factors (F per song), searched
 * for the songs nearest to a factor vector predicted from audio.
 *
 * Search is exact (native/search/topk.h: float32 SIMD dot products and a bounded heap per query, ~7 ms per
 * query over 1 M songs on one core) until the catalogue reaches `annThreshold` songs; from then on an
 * IVF index (./ivf.ts) answers, built in the background: queries stay exact until it is ready
 * (`whenIndexed()`). Songs added later are searchable at once, exactly or through their nearest list.
 *
 * Results are ordered by score descending, ties to the lower row; scores are float32 dot products
 * (or cosines: q̂·y × 1/‖y‖ with 1/‖y‖ precomputed per song), identical in the exact and the
 * approximate search.
 *
 * Removed songs are tombstones (why: ./song-table.ts): their rows still compete in the scan, so a search
 * asks for a few more candidates while there are any (in proportion to their share) and widens exactly
 * when those run short; results stay exact. Rows are never rewritten once added, which keeps YᵀY's
 * incremental upkeep and the index build (both reading rows off the event loop) free of races: a removed
 * song leaves YᵀY by subtraction.
 */
import { nativeAddon } from '../native/addon';
import { describe, intArg, invalid, threadsArg, vectorsArg } from '../native/args';
import { gramOf, subtractOuter } from './gram';
import type { Hit, Metric } from './hit';
import { SongTable, type CatalogItem, type CatalogItemPatch } from './song-table';
import { buildAnnIndex, checkAnnOptions, inverseNorms, normalizeRows, type AnnIndex, type AnnOptions } from './ivf';

export type { Hit, Metric } from './hit';
export type { AnnOptions } from './ivf';

export { DuplicateIdError, UnknownIdError, type CatalogItem } from './song-table';

export interface CatalogOptions {
  /** Songs from which an approximate (IVF) index is built and used. Default 100,000; Infinity: never. */
  annThreshold?: number;
  ann?: AnnOptions;
  /** Threads of an exact search (used past ~4 M multiply-adds per call) and of the index build. Default: all cores. */
  threads?: number;
}

export const CATALOG_DEFAULTS = { annThreshold: 100_000, metric: 'dot' as Metric } as const;

export interface TopKOptions {
  /** Default 'dot'. */
  metric?: Metric;
  /** Rows never returned (e.g. the song playing, the listener's history). */
  exclude?: ReadonlySet<number>;
  /** Scan every song even when an approximate index exists. */
  exact?: boolean;
  /**
   * Rows for which this returns false are skipped like `exclude` (songs without a uri, the playing
   * track by its factors): the search widens (×8) until k rows pass or every song was seen. Called best
   * first, possibly more than once per row.
   */
  accept?: (index: number, score: number) => boolean;
}

export interface TopKBatchOptions extends Omit<TopKOptions, 'exclude'> {
  /** One set for every query, or one set per query. */
  exclude?: ReadonlySet<number> | readonly ReadonlySet<number>[];
}

export type AnnStatus =
  | { state: 'none' | 'building' }
  | { state: 'ready'; lists: number; nprobe: Record<Metric, number>; calibratedRecall: Record<Metric, number>; buildSeconds: number }
  | { state: 'failed'; error: Error };

export class Catalog {
  /** F: factors per song. */
  readonly dims: number;
  private readonly songs = new SongTable();
  private buf: Float32Array<ArrayBuffer>; // capacity x F; rows [0, count) are songs, the rest zeros
  private invNorm: Float32Array<ArrayBuffer>; // 1/‖y‖ per row, 0 for a zero row
  private count = 0; // rows, removed ones included
  private readonly threads: number;
  private readonly annThreshold: number;
  private readonly annOptions: AnnOptions;
  private ann: AnnIndex | null = null;
  private annBuild: Promise<void> | null = null;
  private annError: Error | null = null;
  private gramCache: { rows: number; removed: number; gram: Promise<Float64Array> } | null = null;

  /** items[i]'s factors are factors[i*F .. i*F+F) (copied). */
  constructor(items: readonly CatalogItem[], factors: Float32Array, F: number, options: CatalogOptions = {}) {
    this.dims = intArg('F', F, 1, 4096);
    this.threads = threadsArg(options.threads);
    const t = options.annThreshold ?? CATALOG_DEFAULTS.annThreshold;
    if (t !== Infinity) intArg('annThreshold', t, 1, 2 ** 31 - 1);
    this.annThreshold = t;
    this.annOptions = checkAnnOptions(options.ann ?? {}, this.dims);
    const n = Array.isArray(items) ? items.length : 0;
    this.buf = new Float32Array(n * F);
    this.invNorm = new Float32Array(n);
    this.add(items, factors);
  }

  /** Songs in the catalogue (removed ones not counted). */
  get size(): number {
    return this.songs.size;
  }

  /** Rows: songs ever added, removed ones included (row numbers run from 0 to rows - 1). */
  get rows(): number {
    return this.count;
  }

  /** Goes up on every add and remove (not on update): what a caller that cached factor-derived data compares. */
  get revision(): number {
    return this.count + this.songs.removed.length;
  }

  /** Whether a row holds a song that was not removed. */
  isLive(index: number): boolean {
    return this.songs.isLive(index);
  }

  /** rows x F, row-major, removed rows included: a view, which does not see songs added after it was taken. */
  get factors(): Float32Array {
    return this.buf.subarray(0, this.count * this.dims);
  }

  /** The row of a song id, -1 if absent. */
  indexOf(id: string): number {
    return this.songs.indexOf(id);
  }

  /**
   * The rows a client's name for a track refers to: the song with that id, else every song with that
   * uri (a path or URL; file:// URLs and paths match each other); empty when none.
   */
  rowsOf(ref: string): number[] {
    return this.songs.rowsOf(ref);
  }

  /** Songs with a uri (a file or URL a player can open). */
  get playableCount(): number {
    return this.songs.playableCount;
  }

  /** The song at a row (the catalogue's own copy: treat it as read-only; update() replaces it). */
  item(index: number): CatalogItem {
    return this.songs.item(index);
  }

  /** A copy of one song's F factors. */
  vector(index: number): Float32Array {
    const i = this.songs.liveRow(index);
    return this.buf.slice(i * this.dims, (i + 1) * this.dims);
  }

  /** The live songs in row order and their factors (size x F, a compact copy): what a save writes. */
  snapshot(): { items: CatalogItem[]; factors: Float32Array } {
    const rows: number[] = [];
    for (let i = 0; i < this.count; i++) if (this.songs.isLive(i)) rows.push(i);
    return { items: rows.map((i) => this.songs.item(i)), factors: this.factorsOf(rows) };
  }

  /**
   * The factors of these rows in their order (rows.length x F, a compact copy, `extra` more rows of zeros
   * after them), each run of consecutive rows copied at once (a whole catalogue with few removed rows: a
   * few large copies, not one per song).
   */
  factorsOf(rows: readonly number[], extra = 0): Float32Array {
    const f = this.dims;
    const out = new Float32Array((rows.length + extra) * f);
    for (let j = 0; j < rows.length; ) {
      let e = j + 1;
      while (e < rows.length && rows[e] === rows[e - 1] + 1) e++;
      const r = this.songs.liveRow(rows[j]);
      out.set(this.buf.subarray(r * f, (r + e - j) * f), j * f);
      j = e;
    }
    return out;
  }

  /** The k best songs for a query of F values (fewer when the catalogue, less `exclude`, is smaller). */
  topK(query: Float32Array, k: number, opts: TopKOptions = {}): Hit[] {
    if (opts.exclude !== undefined && !(opts.exclude instanceof Set)) throw invalid(`exclude must be a Set of rows, got ${describe(opts.exclude)}`);
    return this.search(vectorsArg('query', query, 1, this.dims), 1, k, opts)[0];
  }

  /** topK for n queries at once (n x F, row-major): the scan reads each song once for all of them. */
  topKBatch(queries: Float32Array, n: number, k: number, opts: TopKBatchOptions = {}): Hit[][] {
    intArg('n', n, 1, 1 << 20);
    return this.search(vectorsArg('queries', queries, n, this.dims), n, k, opts);
  }

  /**
   * Appends songs (searchable at once; joined to the approximate index's nearest lists without a
   * rebuild) and returns the row of the first. All or nothing: a duplicate or already known id, a
   * malformed item or non-finite factors add none.
   */
  add(items: readonly CatalogItem[], factors: Float32Array): number {
    const copies = this.songs.prepare(items);
    const m = copies.length;
    vectorsArg('factors', factors, m, this.dims);
    const first = this.count;
    this.reserve(first + m);
    this.buf.set(factors, first * this.dims);
    inverseNorms(factors, m, this.dims, this.invNorm, first);
    this.songs.append(copies);
    this.count += m;
    if (this.ann) this.ann.ivf.add(this.buf, this.invNorm, this.count);
    else this.maybeBuildIndex();
    return first;
  }

  /**
   * Takes a song out: no search, rowsOf or indexOf finds it from now on (its row is a tombstone, see the
   * file's comment); the id may be added again (as a new row). False when the id is not there.
   */
  remove(id: string): boolean {
    return this.songs.remove(id) >= 0;
  }

  /**
   * Sets a song's artist, title or uri (`uri: null` removes it; absent fields stay) and returns the
   * new item. Throws UnknownIdError for an id that is not there, ERR_INVALID_ARGUMENT for a patch the
   * catalogue's field rules (./item-fields.ts) refuse or a field that is not artist, title or uri.
   */
  update(id: string, patch: CatalogItemPatch): CatalogItem {
    return this.songs.update(id, patch);
  }

  /** Resolves once no index build is under way (rejects with its error if it failed). */
  whenIndexed(): Promise<void> {
    if (this.annBuild) return this.annBuild;
    return this.annError ? Promise.reject(this.annError) : Promise.resolve();
  }

  get annStatus(): AnnStatus {
    if (this.ann) {
      const { lists, nprobe, calibratedRecall, buildSeconds } = this.ann;
      return { state: 'ready', lists, nprobe: { ...nprobe }, calibratedRecall: { ...calibratedRecall }, buildSeconds };
    }
    if (this.annError) return { state: 'failed', error: this.annError };
    return { state: this.annBuild ? 'building' : 'none' };
  }

  /**
   * YᵀY (F x F, float64) over every live song: the fold-in's only catalogue-wide term, computed once
   * (0.12-0.2 s per million songs at F = 50, off the event loop) and brought up to date with the added
   * songs' rows alone, less yyᵀ of each song removed since (F² multiply-adds each).
   */
  gram(): Promise<Float64Array> {
    const c = this.gramCache;
    const rows = this.count, removed = this.songs.removed.length, f = this.dims;
    if (c && c.rows === rows && c.removed === removed) return c.gram;
    const from = c?.rows ?? 0;
    const gone = this.songs.removed.slice(c?.removed ?? 0);
    const fresh = rows > from ? gramOf(this.buf.subarray(from * f, rows * f), rows - from, f, this.threads) : Promise.resolve(new Float64Array(f * f));
    const gram = Promise.all([c?.gram, fresh]).then(([g, extra]) => {
      const sum = g ? g.map((v, j) => v + extra[j]) : extra;
      for (const r of gone) subtractOuter(sum, this.buf, r, f); // rows are never rewritten: r's factors are those YᵀY summed
      return sum;
    });
    const entry = { rows, removed, gram };
    this.gramCache = entry;
    gram.catch(() => {
      if (this.gramCache === entry) this.gramCache = null; // the next call tries again
    });
    return gram;
  }

  private search(queries: Float32Array, nq: number, k: number, opts: TopKBatchOptions): Hit[][] {
    intArg('k', k, 1, 2 ** 31 - 1);
    const metric = opts.metric ?? CATALOG_DEFAULTS.metric;
    if (metric !== 'dot' && metric !== 'cosine') throw invalid(`metric must be 'dot' or 'cosine', got ${String(metric)}`);
    const ex = opts.exclude;
    const perQuery = Array.isArray(ex);
    if (perQuery && ex.length !== nq) throw invalid(`exclude holds ${ex.length} sets for ${nq} queries`);
    const sets = (perQuery ? ex : ex === undefined ? [] : [ex]) as readonly ReadonlySet<number>[];
    let most = 0;
    sets.forEach((s, j) => {
      if (!(s instanceof Set)) throw invalid(`exclude${perQuery ? `[${j}]` : ''} must be a Set of rows, got ${describe(s)}`);
      let inside = 0;
      for (const r of s) if (Number.isInteger(r) && r >= 0 && r < this.count) inside++;
      most = Math.max(most, inside);
    });
    if (this.size === 0) return Array.from({ length: nq }, () => []);
    const accept = opts.accept;
    if (accept !== undefined && typeof accept !== 'function') throw invalid(`accept must be a function, got ${describe(accept)}`);
    const cosine = metric === 'cosine';
    const q = cosine ? normalizeRows(queries, nq, this.dims) : queries;
    // Exact filtering: the best k + |exclude| always hold the best k that are not excluded. Removed rows
    // still compete in the scan: ask for twice their expected share more (+16), and widen if that falls short.
    const nDead = this.songs.removed.length;
    const dead = this.songs.dead;
    const slack = dead ? Math.min(nDead, 16 + Math.ceil((2 * (k + most) * nDead) / this.size)) : 0;
    const first = Math.min(this.count, k + most + slack);
    const out = this.ranked(q, nq, first, metric, opts.exact ?? false).map((r, j) => pick(r, k, perQuery ? sets[j] : sets[0], accept, dead));
    if (!accept && !dead) return out;
    // Rows refused by `accept` or removed: widen (×8) the queries still short until they have k or saw every row.
    return out.map((hits, j) => {
      const skip = perQuery ? sets[j] : sets[0];
      let kk = first;
      let r = hits;
      while (r.length < k && kk < this.count) {
        kk = Math.min(this.count, kk * 8);
        // Widened passes are exact: an approximate index is calibrated for the first k, and sees only the
        // songs of the lists it probes however many it is asked for.
        r = pick(this.ranked(q.subarray(j * this.dims, (j + 1) * this.dims), 1, kk, metric, true)[0], k, skip, accept, dead);
      }
      return r;
    });
  }

  /** The kk best rows of each query (q already normalised for cosine), best first; -1 where a search saw fewer. */
  private ranked(q: Float32Array, nq: number, kk: number, metric: Metric, exact: boolean): { indices: Int32Array; scores: Float32Array }[] {
    const cosine = metric === 'cosine';
    const ann = exact ? null : this.ann;
    const r = ann
      ? ann.ivf.search(q, nq, kk, ann.nprobe[metric], cosine, cosine ? ann.centroidInvNorm : null, this.threads)
      : nativeAddon().catalogTopK(this.buf, this.count, this.dims, q, nq, kk, cosine ? this.invNorm : null, this.threads);
    return Array.from({ length: nq }, (_, j) => ({ indices: r.indices.subarray(j * kk, (j + 1) * kk), scores: r.scores.subarray(j * kk, (j + 1) * kk) }));
  }

  private reserve(rows: number): void {
    const cap = this.invNorm.length;
    if (rows <= cap) return;
    const next = Math.max(rows, Math.ceil(cap * 1.5));
    const buf = new Float32Array(next * this.dims);
    buf.set(this.buf.subarray(0, this.count * this.dims));
    const inv = new Float32Array(next);
    inv.set(this.invNorm.subarray(0, this.count));
    this.buf = buf;
    this.invNorm = inv;
  }

  private maybeBuildIndex(): void {
    if (this.ann || this.annBuild || this.annError || this.count < this.annThreshold) return;
    const n = this.count, f = this.dims;
    // Views of the rows as they are now: a later add() may move the buffer, never these rows' values.
    const build = buildAnnIndex(this.buf.subarray(0, n * f), n, f, this.invNorm.subarray(0, n), { ...this.annOptions, threads: this.annOptions.threads ?? this.threads });
    this.annBuild = build.then(
      (index) => {
        index.ivf.add(this.buf, this.invNorm, this.count); // songs added during the build
        this.ann = index;
        this.annBuild = null;
      },
      (err: unknown) => {
        this.annError = err instanceof Error ? err : new Error(String(err));
        this.annBuild = null;
        throw this.annError;
      },
    );
    this.annBuild.catch(() => {}); // reported by annStatus and whenIndexed(), not as an unhandled rejection
  }
}

/** The first k hits of one query's ranking that are neither removed, in `skip` nor refused by `accept`. */
function pick(r: { indices: Int32Array; scores: Float32Array }, k: number, skip: ReadonlySet<number> | undefined, accept: TopKOptions['accept'], dead: Uint8Array | null): Hit[] {
  const hits: Hit[] = [];
  for (let t = 0; t < r.indices.length && hits.length < k; t++) {
    const index = r.indices[t];
    if (index < 0) break; // an approximate search that saw fewer songs
    if (dead?.[index] || skip?.has(index)) continue;
    const score = r.scores[t];
    if (!accept || accept(index, score)) hits.push({ index, score });
  }
  return hits;
}
