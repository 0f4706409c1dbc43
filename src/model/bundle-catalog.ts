/**
 * Saving a bundle's grown catalogue (POST /v1/catalog) without ever leaving an inconsistent bundle:
 * the new factors and items go to new file names (item_factors.r<N>.npy, items.r<N>.tsv), then one
 * atomic rename of manifest.json switches to them, and only then are the old files removed. A crash at
 * any point leaves a manifest naming two complete files of equal length, old or new.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkItemFields } from '../catalog/item-fields';
import { writeFileAtomic } from '../io/atomic-write';
import { encodeNpy } from '../io/npy';
import { ITEMS_HEADER, ITEMS_HEADER_URI, type BundleManifest } from './bundle-format';

export interface CatalogRow {
  id: string;
  artist: string;
  title: string;
  uri?: string;
}

/**
 * items.tsv text. Every field is written as it is: the shared field rules (src/catalog/item-fields.ts)
 * exclude tabs, newlines and every other control character, so a row that breaks them is refused
 * (ERR_INVALID_ARGUMENT naming items[row] and the field), never rewritten.
 */
export function encodeItemsTsv(items: readonly CatalogRow[]): string {
  items.forEach((i, j) => checkItemFields(i, `items[${j}].`));
  const withUri = items.some((i) => i.uri);
  const rows = items.map((i) => [i.id, i.artist, i.title, ...(withUri ? [i.uri ?? ''] : [])].join('\t'));
  return [withUri ? ITEMS_HEADER_URI : ITEMS_HEADER, ...rows].join('\n') + '\n';
}

/** Writes items + factors as the bundle's catalogue; returns the new manifest (already on disk). */
export function saveCatalog(dir: string, manifest: BundleManifest, items: readonly CatalogRow[], factors: Float32Array): BundleManifest {
  const rev = (manifest.catalogRevision ?? 0) + 1;
  const files = { ...manifest.files, itemFactors: `item_factors.r${rev}.npy`, items: `items.r${rev}.tsv` };
  writeFileAtomic(path.join(dir, files.itemFactors), encodeNpy(factors, [items.length, manifest.factors]));
  writeFileAtomic(path.join(dir, files.items), Buffer.from(encodeItemsTsv(items)));
  const next: BundleManifest = { ...manifest, items: items.length, catalogRevision: rev, files };
  writeFileAtomic(path.join(dir, 'manifest.json'), Buffer.from(JSON.stringify(next, null, 2) + '\n'));
  for (const old of [manifest.files.itemFactors, manifest.files.items]) {
    // The trainer's original files stay (a user may diff against them); earlier revisions go.
    if (/\.r\d+\.(npy|tsv)$/.test(old)) fs.rmSync(path.join(dir, old), { force: true });
  }
  return next;
}
