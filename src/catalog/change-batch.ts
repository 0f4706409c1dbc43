/**
 * A batch of catalogue changes before and after it is saved: which changes the catalogue would accept
 * (checked in order, each against the catalogue as the batch's earlier changes leave it), the songs it
 * holds once they are applied (what one save writes), and the same changes replayed onto a catalogue
 * that may already hold them (a reload read during the save). The group commit
 * (src/server/catalog-commit.ts) saves first and applies after, so a change is visible only once durable;
 * these let it refuse a bad change alone instead of failing its batch.
 */
import { invalid, vectorsArg } from '../native/args';
import type { Catalog, CatalogItem } from './catalog';
import { applyCatalogChanges, changeId, describeChange, type CatalogChange } from './catalog-change';
import { DuplicateIdError, patchItem, unknownId } from './song-table';
import { checkItemFields } from './item-fields';

export interface CheckedBatch {
  /** The changes that pass, in order. */
  accepted: CatalogChange[];
  /** Per change of the batch: null when accepted, else why not (the error applying it would throw). */
  outcomes: (Error | null)[];
}

/** Checks each change of `batch` in order without changing the catalogue (see the file's comment). */
export function checkChangeBatch(catalog: Catalog, batch: readonly CatalogChange[]): CheckedBatch {
  // What the batch's earlier changes made of an id: its item, or null once removed.
  const overlay = new Map<string, CatalogItem | null>();
  const current = (id: string): CatalogItem | null => {
    if (overlay.has(id)) return overlay.get(id)!;
    const row = catalog.indexOf(id);
    return row >= 0 ? catalog.item(row) : null;
  };
  const accepted: CatalogChange[] = [];
  const outcomes = batch.map((change): Error | null => {
    try {
      const id = changeId(change);
      if (id === undefined) throw invalid(`a change must name a song id (${describeChange(change)})`);
      switch (change.op) {
        case 'add':
          if (typeof change.item !== 'object' || change.item === null) throw invalid('item must be an object');
          checkItemFields(change.item); // in Catalog.add's order: fields, id, factors
          if (current(id)) throw new DuplicateIdError(id, `duplicate song id ${JSON.stringify(id)}: it is already in the catalogue`);
          vectorsArg('factors', change.factors, 1, catalog.dims);
          overlay.set(id, change.item);
          break;
        case 'remove':
          if (!current(id)) throw unknownId(id);
          overlay.set(id, null);
          break;
        case 'meta': {
          const old = current(id);
          if (!old) throw unknownId(id);
          overlay.set(id, patchItem(old, change.patch));
          break;
        }
        default:
          throw invalid(`op must be 'add', 'remove' or 'meta' (${describeChange(change)})`);
      }
      accepted.push(change);
      return null;
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  });
  return { accepted, outcomes };
}

/**
 * The live songs and their factors (n x F, compact) once `changes` (checked: checkChangeBatch's
 * `accepted`) are applied, in the order the catalogue would hold them: an edit keeps its song's place,
 * an add comes last. One pass over the rows (a save writes every song anyway), no allocation per song.
 */
export function songsAfter(catalog: Catalog, changes: readonly CatalogChange[]): { items: CatalogItem[]; factors: Float32Array } {
  // What the batch leaves of each id it names: there or not, its item, and for an add its factors and
  // place among the batch's adds (a song added again after a remove comes last, as in the catalogue).
  const fate = new Map<string, { present: boolean; item: CatalogItem | null; y: Float32Array | null; addedAt: number }>();
  let adds = 0;
  for (const c of changes) {
    const id = c.op === 'add' ? c.item.id : c.id;
    let s = fate.get(id);
    if (!s) {
      const row = catalog.indexOf(id);
      s = { present: row >= 0, item: row >= 0 ? catalog.item(row) : null, y: null, addedAt: -1 };
      fate.set(id, s);
    }
    if (c.op === 'add') Object.assign(s, { present: true, item: c.item, y: c.factors, addedAt: adds++ });
    else if (c.op === 'remove') s.present = false;
    else if (s.item) s.item = patchItem(s.item, c.patch);
  }
  const items: CatalogItem[] = [];
  const rows: number[] = [];
  for (let r = 0; r < catalog.rows; r++) {
    if (!catalog.isLive(r)) continue;
    const it = catalog.item(r);
    const s = fate.get(it.id);
    if (s && (!s.present || s.addedAt >= 0)) continue; // removed (and maybe added again: then it comes last)
    items.push(s?.item ?? it);
    rows.push(r);
  }
  const added = [...fate.values()].filter((s) => s.present && s.addedAt >= 0).sort((a, b) => a.addedAt - b.addedAt);
  const factors = catalog.factorsOf(rows, added.length);
  added.forEach((s, j) => {
    factors.set(s.y!, (rows.length + j) * catalog.dims);
    items.push(s.item!);
  });
  return { items, factors };
}

/**
 * Applies changes to a catalogue that may hold them already (loaded from the save that holds them) or
 * not (loaded before it): an add of an id that is there, a remove or edit of one that is not, are
 * skipped. Either way the catalogue ends with the songs the save holds (from the saved state possibly in
 * another row order: a song removed and added again in the batch moves last; rows only break score ties).
 */
export function replayChanges(catalog: Catalog, changes: readonly CatalogChange[]): void {
  for (const c of changes) {
    const there = catalog.indexOf(changeId(c) ?? '') >= 0;
    if (c.op === 'add' ? !there : there) applyCatalogChanges(catalog, [c]);
  }
}
