/**
 * A catalogue's two files — items.tsv (the songs) and item_factors.npy (their factors) — read with every
 * check, and saved whole when the catalogue changes (POST, DELETE, PATCH /v1/catalog: only the songs left,
 * each as last edited) without ever leaving an inconsistent
 * directory: the new factors and items go to new file names (item_factors.r<N>.npy, items.r<N>.tsv),
 * then one atomic rename of the manifest switches to them, and only then are the old files removed. A
 * crash at any point leaves a manifest naming two complete files of equal length, old or new. A bundle
 * (manifest.json) and a user catalogue (catalog.json, ./user-catalog.ts) store their songs this way.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkItemFields, itemFieldsProblem } from '../catalog/item-fields';
import { syncDirectory, writeFileAtomicDurable } from '../io/atomic-write';
import { encodeNpy, readNpy } from '../io/npy';
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

/** The file names of a catalogue's songs, relative to its directory. */
export interface CatalogFiles {
  itemFactors: string;
  items: string;
}

/**
 * Reads a catalogue's items.tsv and item_factors.npy (F factors a row) and checks them against each
 * other and the shared field rules; every problem goes to `bad` (which throws) naming the file and line.
 */
export function readCatalogFiles(dir: string, files: CatalogFiles, f: number, bad: (message: string) => never): { items: CatalogRow[]; itemFactors: Float32Array } {
  const npy = (() => {
    try {
      return readNpy(path.join(dir, files.itemFactors));
    } catch (err) {
      return bad(`${files.itemFactors}: ${(err as Error).message}`);
    }
  })();
  if (!(npy.data instanceof Float32Array) || npy.shape.length !== 2 || npy.shape[1] !== f) bad(`${files.itemFactors} must be float32 [items, ${f}], got shape [${npy.shape.join(', ')}]`);
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, files.items), 'utf8');
  } catch (err) {
    return bad(`cannot read ${files.items} (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  const rows = text.replace(/\n$/, '').split('\n');
  const withUri = rows[0] === ITEMS_HEADER_URI;
  if (rows[0] !== ITEMS_HEADER && !withUri) bad(`${files.items} must start with the header "id<TAB>artist<TAB>title[<TAB>uri]"`);
  const seen = new Set<string>();
  const items = rows.slice(1).map((l, k) => {
    const [id, artist, title, uri, extra] = l.split('\t');
    if (!id || artist === undefined || title === undefined || extra !== undefined || (uri !== undefined && !withUri)) bad(`${files.items} line ${k + 2} is not id<TAB>artist<TAB>title${withUri ? '[<TAB>uri]' : ''}`);
    if (seen.has(id)) bad(`${files.items} line ${k + 2}: id ${JSON.stringify(id)} appears twice`);
    seen.add(id);
    const item = uri ? { id, artist, title, uri } : { id, artist, title };
    const problem = itemFieldsProblem(item); // the rules every path that adds songs shares (src/catalog/item-fields.ts)
    if (problem) bad(`${files.items} line ${k + 2}: ${problem}`);
    return item;
  });
  if (items.length !== npy.shape[0]) bad(`${files.items} lists ${items.length} items, ${files.itemFactors} has ${npy.shape[0]} rows`);
  return { items, itemFactors: npy.data };
}

/**
 * Writes revision `rev` of a catalogue's songs (item_factors.r<rev>.npy, items.r<rev>.tsv), then the
 * manifest that names them (`manifest(files)`: its file name and text), then removes the files of the
 * previous revision (`old`; the trainer's unnumbered originals stay: a user may diff against them).
 * Durable when it resolves: each file is flushed to disk before its rename and the renames before the
 * old revision goes (an engine answers a POST /v1/catalog only then: a crash loses no answered song).
 */
export async function saveCatalogRevision(dir: string, rev: number, old: CatalogFiles, items: readonly CatalogRow[], factors: Float32Array, f: number, manifest: (files: CatalogFiles) => { file: string; text: string }): Promise<CatalogFiles> {
  const files = { itemFactors: `item_factors.r${rev}.npy`, items: `items.r${rev}.tsv` };
  await writeFileAtomicDurable(path.join(dir, files.itemFactors), encodeNpy(factors, [items.length, f]));
  await writeFileAtomicDurable(path.join(dir, files.items), Buffer.from(encodeItemsTsv(items)));
  const m = manifest(files);
  await writeFileAtomicDurable(path.join(dir, m.file), Buffer.from(m.text));
  await syncDirectory(dir);
  for (const name of [old.itemFactors, old.items]) {
    // Off the event loop (libuv's pool): a synchronous unlink held the server's loop ≈ 1.8 ms per save
    // on the loaded 2-core VM (bench ingest --cpu-prof), while live streams wait on it.
    if (/\.r\d+\.(npy|tsv)$/.test(name) && name !== files.itemFactors && name !== files.items) await fs.promises.rm(path.join(dir, name), { force: true });
  }
  return files;
}

/** Writes items + factors as the bundle's catalogue; returns the new manifest (already on disk). */
export async function saveCatalog(dir: string, manifest: BundleManifest, items: readonly CatalogRow[], factors: Float32Array): Promise<BundleManifest> {
  const rev = (manifest.catalogRevision ?? 0) + 1;
  let next = manifest;
  await saveCatalogRevision(dir, rev, manifest.files, items, factors, manifest.factors, (files) => {
    next = { ...manifest, items: items.length, catalogRevision: rev, files: { ...manifest.files, ...files } };
    return { file: 'manifest.json', text: JSON.stringify(next, null, 2) + '\n' };
  });
  return next;
}
