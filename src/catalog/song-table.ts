/**
 * The catalogue's songs by row: items, the id → row and uri → rows maps, and which rows were removed.
 * Catalog (./catalog.ts) keeps the factors beside it and searches them; this file owns what a song is
 * called and whether it is still there.
 *
 * Removal leaves a tombstone: the row stays (its item kept, its factors untouched in Catalog) and is
 * marked dead, and every search skips dead rows. Why not compact: rows are how the engine names songs
 * between calls (a stream's excluded and same-track rows, a listener's history, the IVF lists' copies,
 * whose native index has no delete), and at 1 M songs (F = 50) compaction moves up to 200 MB and
 * renumbers all of them on every remove, where a tombstone costs O(1) (plus the song's uri list). The dead
 * rows' memory (F x 4 bytes and an item each, ~17 MB a day at one remove per second) comes back at the
 * next load: a saved catalogue holds only live songs (Catalog.snapshot()).
 */
import { EarshotError } from '../errors';
import { describe, intArg, invalid } from '../native/args';
import { checkItemFields } from './item-fields';
import { uriKey } from './uri-key';

/** The fields a metadata change may set (the id never changes; `uri: null` removes the uri). */
export interface CatalogItemPatch {
  artist?: string;
  title?: string;
  uri?: string | null;
}

/** Catalog.add's error for an id that is already there (ERR_INVALID_ARGUMENT; the server answers 409). */
export class DuplicateIdError extends EarshotError {
  constructor(
    readonly id: string,
    message: string,
  ) {
    super('ERR_INVALID_ARGUMENT', message);
  }
}

/** Catalog.update's (and a change's) error for an id that is not in the catalogue (ERR_INVALID_ARGUMENT; the server answers 404). */
export class UnknownIdError extends EarshotError {
  constructor(
    readonly id: string,
    message: string,
  ) {
    super('ERR_INVALID_ARGUMENT', message);
  }
}

export interface CatalogItem {
  id: string;
  artist: string;
  title: string;
  uri?: string;
}

export function unknownId(id: unknown): UnknownIdError {
  return new UnknownIdError(String(id), `unknown song id ${JSON.stringify(id)}`);
}

/**
 * The item a patch makes of `old` (a new object; `uri: null` removes the uri, absent fields stay), or
 * ERR_INVALID_ARGUMENT for a patch that is not an object, names a field other than artist, title and uri,
 * or gives a value the field rules (./item-fields.ts) refuse.
 */
export function patchItem(old: CatalogItem, patch: CatalogItemPatch): CatalogItem {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw invalid(`patch must be an object, got ${describe(patch)}`);
  for (const key of Object.keys(patch)) {
    if (key !== 'artist' && key !== 'title' && key !== 'uri') throw invalid(`patch.${key} cannot be changed (only artist, title and uri)`);
  }
  const uri = patch.uri === undefined ? old.uri : patch.uri === null ? undefined : patch.uri;
  const next: CatalogItem = { id: old.id, artist: patch.artist ?? old.artist, title: patch.title ?? old.title };
  if (uri !== undefined) next.uri = uri;
  checkItemFields(next, 'patch: ');
  return next;
}

export class SongTable {
  private readonly songs: CatalogItem[] = [];
  private readonly rowOf = new Map<string, number>();
  /** Rows by uriKey(uri): what a client names the playing track by when it knows its file, not its id. */
  private readonly rowsOfUri = new Map<string, number[]>();
  private withUri = 0;
  /** 1 for a removed row; grown with the rows (×1.5). */
  private deadMask = new Uint8Array(0);
  /** Removed rows, in the order they were removed. */
  private readonly removedRows: number[] = [];

  /** Rows: songs ever added, removed ones included. */
  get rows(): number {
    return this.songs.length;
  }

  /** Live songs. */
  get size(): number {
    return this.songs.length - this.removedRows.length;
  }

  /** Songs with a uri (a file or URL a player can open). */
  get playableCount(): number {
    return this.withUri;
  }

  /** Removed rows in removal order (read-only: the catalogue's own array). */
  get removed(): readonly number[] {
    return this.removedRows;
  }

  /** The tombstone mask, one byte per row (at least `rows` long), or null while nothing was removed. */
  get dead(): Uint8Array | null {
    return this.removedRows.length > 0 ? this.deadMask : null;
  }

  isLive(index: number): boolean {
    return Number.isInteger(index) && index >= 0 && index < this.songs.length && this.deadMask[index] === 0;
  }

  indexOf(id: string): number {
    return this.rowOf.get(id) ?? -1;
  }

  /** The song with that id, else every song with that uri (file:// URLs and paths match each other). */
  rowsOf(ref: string): number[] {
    const i = this.rowOf.get(ref);
    if (i !== undefined) return [i];
    return [...(this.rowsOfUri.get(uriKey(ref)) ?? [])];
  }

  /** The row, checked: an integer in [0, rows) that was not removed. */
  liveRow(index: number): number {
    const i = intArg('index', index, 0, this.songs.length - 1);
    if (this.deadMask[i]) throw invalid(`row ${i} was removed from the catalogue`);
    return i;
  }

  /** The song at a live row (the table's own copy: read-only; update() replaces it). */
  item(index: number): CatalogItem {
    return this.songs[this.liveRow(index)];
  }

  /**
   * Checked copies of items to append (fields by ./item-fields.ts, ids new and distinct), or a throw
   * with nothing changed. Nothing is added until `append` is called with them.
   */
  prepare(items: readonly CatalogItem[]): CatalogItem[] {
    if (!Array.isArray(items)) throw invalid(`items must be an array, got ${describe(items)}`);
    const seen = new Set<string>();
    return items.map((it: CatalogItem, j) => {
      if (typeof it !== 'object' || it === null) throw invalid(`items[${j}] must be an object, got ${describe(it)}`);
      checkItemFields(it, `items[${j}].`); // the rules every path that adds songs shares
      if (this.rowOf.has(it.id) || seen.has(it.id)) throw new DuplicateIdError(it.id, `duplicate song id ${JSON.stringify(it.id)} (items[${j}])`);
      seen.add(it.id);
      return it.uri === undefined ? { id: it.id, artist: it.artist, title: it.title } : { id: it.id, artist: it.artist, title: it.title, uri: it.uri };
    });
  }

  /** Appends prepare()'s copies as rows [rows, rows + n). */
  append(copies: readonly CatalogItem[]): void {
    const first = this.songs.length;
    if (first + copies.length > this.deadMask.length) {
      const mask = new Uint8Array(Math.max(first + copies.length, Math.ceil(this.deadMask.length * 1.5)));
      mask.set(this.deadMask);
      this.deadMask = mask;
    }
    copies.forEach((it, j) => {
      this.songs.push(it);
      this.rowOf.set(it.id, first + j);
      this.linkUri(it.uri, first + j);
    });
  }

  /** Marks the song's row dead; its row, or -1 when the id is not there. */
  remove(id: string): number {
    const row = typeof id === 'string' ? this.rowOf.get(id) : undefined;
    if (row === undefined) return -1;
    this.rowOf.delete(id);
    this.unlinkUri(this.songs[row].uri, row);
    this.deadMask[row] = 1;
    this.removedRows.push(row);
    return row;
  }

  /** See Catalog.update. */
  update(id: string, patch: CatalogItemPatch): CatalogItem {
    const row = typeof id === 'string' ? this.rowOf.get(id) : undefined;
    if (row === undefined) throw unknownId(id);
    const old = this.songs[row];
    const next = patchItem(old, patch);
    this.unlinkUri(old.uri, row);
    this.linkUri(next.uri, row);
    this.songs[row] = next; // a new object: a save under way keeps a consistent copy of the old one
    return { ...next };
  }

  private linkUri(uri: string | undefined, row: number): void {
    if (uri === undefined) return;
    this.withUri++;
    const key = uriKey(uri);
    const rows = this.rowsOfUri.get(key);
    if (rows) rows.push(row);
    else this.rowsOfUri.set(key, [row]);
  }

  private unlinkUri(uri: string | undefined, row: number): void {
    if (uri === undefined) return;
    this.withUri--;
    const key = uriKey(uri);
    const rows = this.rowsOfUri.get(key)?.filter((r) => r !== row) ?? [];
    if (rows.length > 0) this.rowsOfUri.set(key, rows);
    else this.rowsOfUri.delete(key);
  }
}
