/**
 * One change to a catalogue: what an HTTP route, the CLI or a fleet's shared log (src/fleet) asks for,
 * and what every engine applies in the same order. A single engine saves changes to its catalogue
 * directory (group commit: src/server/catalog-commit.ts); a fleet appends them to its Redis Stream and
 * every replica applies them in stream order. One type for both, so the two paths cannot drift.
 */
import type { CatalogItem } from './catalog';

/** The fields a metadata change may set (the id never changes; `uri: null` removes the uri). */
export interface CatalogItemPatch {
  artist?: string;
  title?: string;
  uri?: string | null;
}

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
