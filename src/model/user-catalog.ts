/**
 * A user catalogue: a DJ's or a station's own songs, kept apart from the model bundle (docs/catalog.md).
 * `earshot catalog init <dir> --bundle <b>` creates it empty, `earshot serve --catalog <dir>` serves
 * suggestions from it (the songs `earshot catalog add` sends, and `catalog remove` / `set`'s changes, are
 * saved into it), and the bundle's own
 * training songs are never suggested.
 *
 * Its songs' factors are predictions of one model, meaningful only in that model's factor space, so
 * catalog.json records the model's identity (the SHA-256 of its ONNX file, its factor count, window and
 * mel front end) and a catalogue is refused (ERR_INVALID_ARGUMENT: a pair of options that do not belong
 * together) by any other model. Files: catalog.json, items.tsv and item_factors.npy (then
 * items.r<N>.tsv / item_factors.r<N>.npy, saved as ./bundle-catalog.ts saves a bundle's).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EarshotError } from '../errors';
import { writeFileAtomic } from '../io/atomic-write';
import { encodeNpy } from '../io/npy';
import type { NativeMelConfig } from '../native/addon';
import { parseManifestObject, type Bundle } from './bundle';
import { encodeItemsTsv, readCatalogFiles, saveCatalogRevision, type CatalogFiles, type CatalogRow } from './bundle-catalog';

export const USER_CATALOG_FORMAT = 'earshot-catalog';
export const USER_CATALOG_VERSION = 1;
/** The manifest's name: what tells a user catalogue directory apart. */
export const USER_CATALOG_MANIFEST = 'catalog.json';

/** What makes two models' factors comparable: the same network (bytes) with the same front end. */
export interface ModelIdentity {
  /** Hex SHA-256 of the bundle's model.onnx. */
  sha256: string;
  factors: number;
  windowFrames: number;
  mel: NativeMelConfig;
  /** The bundle directory's base name when the catalogue was made (for messages only). */
  bundle: string;
}

export interface UserCatalogManifest {
  format: typeof USER_CATALOG_FORMAT;
  version: number;
  model: ModelIdentity;
  items: number;
  /** Times the catalogue has been saved since `init` (the file names' r<N>). */
  revision: number;
  files: CatalogFiles;
  /** ISO time of `init`. */
  created: string;
}

export interface UserCatalog {
  dir: string;
  manifest: UserCatalogManifest;
  items: CatalogRow[];
  /** items x F, row-major. */
  itemFactors: Float32Array;
}

function bad(dir: string, message: string): never {
  throw new EarshotError('ERR_MODEL_FORMAT', `catalogue ${dir}: ${message}`);
}

/** The identity of a loaded bundle's model (reads and hashes its ONNX file: ~10 ms per 3 MB). */
export function modelIdentity(bundle: Bundle): ModelIdentity {
  const file = path.join(bundle.dir, bundle.manifest.files.model);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new EarshotError('ERR_IO', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`, { cause: err });
  }
  const m = bundle.manifest;
  return { sha256: createHash('sha256').update(bytes).digest('hex'), factors: m.factors, windowFrames: m.windowFrames, mel: m.mel, bundle: path.basename(path.resolve(bundle.dir)) };
}

/** True when `dir` holds a user catalogue (its manifest), whatever its state. */
export function isUserCatalog(dir: string): boolean {
  return fs.existsSync(path.join(dir, USER_CATALOG_MANIFEST));
}

/**
 * Creates an empty catalogue for `bundle`'s model in `dir` (created when missing; an existing directory
 * must be empty: a user's folder is never filled with catalogue files by mistake).
 */
export function initUserCatalog(dir: string, bundle: Bundle): UserCatalogManifest {
  if (isUserCatalog(dir)) throw new EarshotError('ERR_INVALID_ARGUMENT', `${dir} is already a catalogue (${USER_CATALOG_MANIFEST}); add songs to it with earshot serve --catalog ${dir} and earshot catalog add`);
  let entries: string[] = [];
  try {
    const st = fs.statSync(dir);
    if (!st.isDirectory()) throw new EarshotError('ERR_INVALID_ARGUMENT', `${dir} exists and is not a directory; give a new or empty directory`);
    entries = fs.readdirSync(dir);
  } catch (err) {
    if (err instanceof EarshotError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new EarshotError('ERR_IO', `cannot read ${dir}: ${(err as NodeJS.ErrnoException).code ?? err}`, { cause: err });
  }
  if (entries.length > 0) throw new EarshotError('ERR_INVALID_ARGUMENT', `${dir} is not empty (${entries.length} entries, e.g. ${entries.sort()[0]}); give a new or empty directory`);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new EarshotError('ERR_IO', `cannot create ${dir}: ${(err as NodeJS.ErrnoException).code ?? err}`, { cause: err });
  }
  const model = modelIdentity(bundle);
  const files: CatalogFiles = { itemFactors: 'item_factors.npy', items: 'items.tsv' };
  writeFileAtomic(path.join(dir, files.itemFactors), encodeNpy(new Float32Array(0), [0, model.factors]));
  writeFileAtomic(path.join(dir, files.items), Buffer.from(encodeItemsTsv([])));
  const manifest: UserCatalogManifest = { format: USER_CATALOG_FORMAT, version: USER_CATALOG_VERSION, model, items: 0, revision: 0, files, created: new Date().toISOString() };
  writeFileAtomic(path.join(dir, USER_CATALOG_MANIFEST), Buffer.from(JSON.stringify(manifest, null, 2) + '\n'));
  return manifest;
}

/** Parses and checks catalog.json's text: ERR_MODEL_FORMAT naming the first field that is wrong. */
export function parseUserCatalogManifest(text: string, dir: string): UserCatalogManifest {
  const o = parseManifestObject(text, USER_CATALOG_MANIFEST, (message) => bad(dir, message));
  if (o.format !== USER_CATALOG_FORMAT) bad(dir, `${USER_CATALOG_MANIFEST} format is ${JSON.stringify(o.format)}, expected "${USER_CATALOG_FORMAT}"`);
  if (o.version !== USER_CATALOG_VERSION) bad(dir, `format version ${JSON.stringify(o.version)} is not supported (this earshot reads version ${USER_CATALOG_VERSION})`);
  const model = o.model as Record<string, unknown> | null;
  if (!model || typeof model !== 'object' || typeof model.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(model.sha256) || !Number.isInteger(model.factors) || (model.factors as number) < 1) {
    bad(dir, `${USER_CATALOG_MANIFEST} model must name the model's sha256 (64 hex digits) and factors`);
  }
  if (!Number.isInteger(o.revision) || (o.revision as number) < 0) bad(dir, `${USER_CATALOG_MANIFEST} revision must be a whole number, got ${JSON.stringify(o.revision)}`);
  const files = o.files as Record<string, unknown> | null;
  for (const key of ['itemFactors', 'items'] as const) {
    const name = files?.[key];
    if (typeof name !== 'string' || name === '' || name.includes('\0') || path.isAbsolute(name) || name.split(/[\\/]/).includes('..')) {
      bad(dir, `${USER_CATALOG_MANIFEST} files.${key} must name a file inside the catalogue directory, got ${JSON.stringify(name)}`);
    }
  }
  return o as unknown as UserCatalogManifest;
}

/**
 * Loads the catalogue in `dir` for `bundle`'s model. A directory that is not a catalogue, or one made for
 * another model, is ERR_INVALID_ARGUMENT (exit 2: the options do not go together); a damaged one
 * ERR_MODEL_FORMAT naming the file.
 */
export function loadUserCatalog(dir: string, bundle: Bundle): UserCatalog {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, USER_CATALOG_MANIFEST), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new EarshotError('ERR_INVALID_ARGUMENT', `${dir} is not a catalogue (no ${USER_CATALOG_MANIFEST}); create it with: earshot catalog init ${dir} --bundle ${bundle.dir}`);
    }
    throw new EarshotError('ERR_IO', `cannot read ${path.join(dir, USER_CATALOG_MANIFEST)}: ${code ?? err}`, { cause: err });
  }
  const manifest = parseUserCatalogManifest(text, dir);
  const want = modelIdentity(bundle);
  const have = manifest.model;
  if (have.sha256 !== want.sha256 || have.factors !== want.factors) {
    throw new EarshotError(
      'ERR_INVALID_ARGUMENT',
      `catalogue ${dir} was made for another model (bundle '${have.bundle}', model.onnx sha256 ${have.sha256.slice(0, 12)}…, ${have.factors} factors) ` +
        `than bundle ${bundle.dir} holds (sha256 ${want.sha256.slice(0, 12)}…, ${want.factors} factors): its songs' factors are in that model's space and cannot be compared with this one's. ` +
        `Serve it with its own bundle, or make a catalogue for this model (earshot catalog init <new dir> --bundle ${bundle.dir}) and add the songs again`,
    );
  }
  const { items, itemFactors } = readCatalogFiles(dir, manifest.files, have.factors, (message) => bad(dir, message));
  return { dir, manifest, items, itemFactors };
}

/** Saves the catalogue's songs as its next revision; resolves to the new manifest once it is on disk (durably). */
export async function saveUserCatalog(dir: string, manifest: UserCatalogManifest, items: readonly CatalogRow[], factors: Float32Array): Promise<UserCatalogManifest> {
  const revision = manifest.revision + 1;
  let next = manifest;
  await saveCatalogRevision(dir, revision, manifest.files, items, factors, manifest.model.factors, (files) => {
    next = { ...manifest, items: items.length, revision, files };
    return { file: USER_CATALOG_MANIFEST, text: JSON.stringify(next, null, 2) + '\n' };
  });
  return next;
}
