/**
 * Where the engine's songs come from and where the songs it learns (POST /v1/catalog) are saved: the
 * bundle's own catalogue (its training songs, saved into the bundle), or a user catalogue
 * (./user-catalog.ts: `earshot serve --catalog <dir>`; the bundle then only lends its model).
 */
import type { Bundle } from './bundle';
import { saveCatalog, type CatalogRow } from './bundle-catalog';
import { loadUserCatalog, saveUserCatalog } from './user-catalog';

export interface CatalogSource {
  kind: 'bundle' | 'user';
  /** The directory the songs are saved in. */
  dir: string;
  items: readonly CatalogRow[];
  /** items x F, row-major. */
  itemFactors: Float32Array;
  /** Saves every song (items x F factors) as the source's next revision, atomically; durable once it resolves. One save at a time. */
  save(items: readonly CatalogRow[], factors: Float32Array): Promise<void>;
}

export function bundleCatalogSource(bundle: Bundle): CatalogSource {
  return {
    kind: 'bundle',
    dir: bundle.dir,
    items: bundle.items,
    itemFactors: bundle.itemFactors,
    async save(items, factors) {
      bundle.manifest = await saveCatalog(bundle.dir, bundle.manifest, items, factors);
    },
  };
}

/** The user catalogue in `dir`, checked against the bundle's model (ERR_INVALID_ARGUMENT when it was made for another). */
export function userCatalogSource(dir: string, bundle: Bundle): CatalogSource {
  const c = loadUserCatalog(dir, bundle);
  let manifest = c.manifest;
  return {
    kind: 'user',
    dir,
    items: c.items,
    itemFactors: c.itemFactors,
    async save(items, factors) {
      manifest = await saveUserCatalog(dir, manifest, items, factors);
    },
  };
}
