/**
 * One change to a catalogue: what an HTTP route, the CLI or a fleet's shared log (src/fleet) asks for,
 * and what every engine applies in the same order. A single engine saves changes to its catalogue
 * directory (group commit: src/server/catalog-commit.ts); a fleet appends them to its Redis Stream and
 * every replica applies them in stream order. One type for both, so the two paths cannot drift.
 */
import type { Catalog } from './catalog';
import type { CatalogItem, CatalogItemPatch } from './song-table';
import { invalid, describe } from '../native/args';
import { unknownId } from './song-table';

// The patch type lives with the song rows it patches (./song-table.ts), so that neither the catalogue nor
// its song table imports this file back (one direction: changes → catalogue).
export type { CatalogItemPatch } from './song-table';

export type CatalogChange =
  /** A new song with its factors (F values, the model's factor space). */
  | { op: 'add'; item: CatalogItem; factors: Float32Array }
  /** The song leaves the catalogue: never suggested again; its id may be added again later. */
  | { op: 'remove'; id: string }
  /** Artist / title / uri of a song that is in the catalogue. */
  | { op: 'meta'; id: string; patch: CatalogItemPatch };

/**
 * Where a server's routes send catalogue changes: resolves once the change is durable (on disk, or in
 * the fleet's log) and visible in this engine's catalogue; rejects with DuplicateIdError (add of an id
 * that is there), UnknownIdError (remove/meta of an id that is not) or the storage's error.
 */
export type CatalogWriter = (change: CatalogChange) => Promise<void>;

/**
 * Applies changes to an in-memory catalogue, in order: what an engine does with a saved batch or a
 * fleet's log entries. Not all or nothing: the changes before a failing one stay applied, and the error
 * (the catalogue's own: DuplicateIdError, UnknownIdError, ERR_INVALID_ARGUMENT) has its message prefixed
 * with the failing change's position, operation and id.
 */
export function applyCatalogChanges(catalog: Catalog, changes: readonly CatalogChange[]): void {
  if (!Array.isArray(changes)) throw invalid(`changes must be an array, got ${describe(changes)}`);
  changes.forEach((change: CatalogChange, j) => {
    try {
      applyOne(catalog, change);
    } catch (err) {
      if (err instanceof Error) err.message = `change ${j} (${describeChange(change)}): ${err.message}`;
      throw err;
    }
  });
}

function applyOne(catalog: Catalog, change: CatalogChange): void {
  if (typeof change !== 'object' || change === null) throw invalid(`a change must be an object, got ${describe(change)}`);
  switch (change.op) {
    case 'add':
      catalog.add([change.item], change.factors);
      return;
    case 'remove':
      if (!catalog.remove(change.id)) throw unknownId(change.id);
      return;
    case 'meta':
      catalog.update(change.id, change.patch);
      return;
    default: {
      const op: unknown = (change as { op?: unknown } | null)?.op;
      throw invalid(`op must be 'add', 'remove' or 'meta', got ${typeof op === 'string' ? JSON.stringify(op.slice(0, 16)) : describe(op)}`);
    }
  }
}

/** The id a change is about (undefined for a malformed one). */
export function changeId(change: CatalogChange): string | undefined {
  const id: unknown = change?.op === 'add' ? change.item?.id : (change as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : undefined;
}

/** "add \"id\"", "remove \"id\"", "meta \"id\"": how an error names a change. */
export function describeChange(change: CatalogChange): string {
  const op = typeof change?.op === 'string' ? change.op.slice(0, 16) : 'change';
  const id = changeId(change);
  return typeof id === 'string' ? `${op} ${JSON.stringify(id.length > 64 ? `${id.slice(0, 64)}…` : id)}` : op;
}
