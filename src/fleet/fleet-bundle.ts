/**
 * Model bundles through Redis, so that replicas on other machines need no shared file system: a rollout
 * stores each file of the bundle under the SHA-256 of its bytes (a file that two revisions share is
 * stored once) and the revision as a hash of file name → SHA-256; a replica writes a revision into its
 * own cache directory and loads it from there.
 *
 * The revision is the SHA-256 of the sorted (name, SHA-256) list: the same files give the same revision
 * on every machine. The model identity ("space") is the SHA-256 of the model's bytes with its factor
 * count, window and mel front end — what makes two models' factors comparable (as a user catalogue
 * records it: src/model/user-catalog.ts); songs' factors are only meaningful under their identity.
 */
import { markOwner } from './bundle-cache';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EarshotError } from '../errors';
import { readCatalogFiles, saveCatalog, type CatalogRow } from '../model/bundle-catalog';
import { parseBundleManifest } from '../model/bundle';
import type { BundleManifest } from '../model/bundle-format';
import type { FleetKeys } from './fleet-keys';
import type { FleetRedis } from './redis-connection';

export interface LocalBundle {
  /** The directory's base name: the model's name for clients (a replica loads it under this name). */
  name: string;
  revision: string;
  space: string;
  manifest: BundleManifest;
  /** File name (relative to the bundle directory) → its bytes. */
  files: Map<string, Buffer>;
  /** The bundle's own songs (its catalogue) and their factors. */
  items: CatalogRow[];
  itemFactors: Float32Array;
}

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

function revisionOf(shas: Map<string, string>): string {
  return sha256(JSON.stringify([...shas].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

/** Reads a bundle directory: its manifest (checked), the files it names, its songs, revision and model identity. */
export function readLocalBundle(dir: string): LocalBundle {
  const read = (name: string): Buffer => {
    try {
      return fs.readFileSync(path.join(dir, name));
    } catch (err) {
      throw new EarshotError('ERR_IO', `bundle ${dir}: cannot read ${name} (${(err as NodeJS.ErrnoException).code ?? err})`, { cause: err });
    }
  };
  const manifestBytes = read('manifest.json');
  const manifest = parseBundleManifest(manifestBytes.toString('utf8'), dir);
  const m = manifest.files;
  const names = [m.model, m.itemFactors, m.items, ...(m.tags ? [m.tags] : []), ...(manifest.stream ? [manifest.stream.trunk, manifest.stream.head] : [])];
  const files = new Map<string, Buffer>([['manifest.json', manifestBytes]]);
  for (const name of names) files.set(name, read(name));
  const { items, itemFactors } = readCatalogFiles(dir, m, manifest.factors, (message) => {
    throw new EarshotError('ERR_MODEL_FORMAT', `bundle ${dir}: ${message}`);
  });
  const shas = new Map([...files].map(([name, bytes]) => [name, sha256(bytes)]));
  const space = sha256(JSON.stringify([shas.get(m.model), manifest.factors, manifest.windowFrames, manifest.mel]));
  return { name: path.basename(path.resolve(dir)), revision: revisionOf(shas), space, manifest, files, items, itemFactors };
}

/** Stores the bundle's files (those Redis lacks) and its revision; returns the revision. */
export async function uploadBundle(redis: FleetRedis, keys: FleetKeys, b: LocalBundle): Promise<string> {
  const fields: string[] = ['name', b.name];
  for (const [name, bytes] of b.files) {
    const sha = sha256(bytes);
    if ((await redis.exists(keys.blob(sha))) === 0) await redis.set(keys.blob(sha), bytes);
    fields.push(`file:${name}`, sha);
  }
  await redis.hset(keys.bundle(b.revision), ...fields);
  return b.revision;
}

/**
 * Writes revision `revision` into a new directory under `cacheDir` and returns the bundle's directory
 * (named as the bundle was, so clients see the same model name). `catalogue`: the songs to serve
 * instead of the bundle's own (the fleet's catalogue, in this model's factor space). Every file is
 * checked against its SHA-256; a name that would leave the directory is refused.
 */
export async function materialiseBundle(redis: FleetRedis, keys: FleetKeys, revision: string, cacheDir: string, catalogue?: { items: readonly CatalogRow[]; factors: Float32Array }): Promise<string> {
  const entry = await redis.hgetall(keys.bundle(revision));
  const name = entry.name;
  if (!name || !/^[^/\\\0]+$/.test(name) || name === '.' || name === '..') throw new EarshotError('ERR_MODEL_FORMAT', `fleet bundle ${revision} is missing from Redis (key ${keys.bundle(revision)}) or has no valid name`);
  const revisionDir = fs.mkdtempSync(path.join(cacheDir, `${revision.slice(0, 12)}-`));
  markOwner(revisionDir);
  const dir = path.join(revisionDir, name);
  fs.mkdirSync(dir);
  for (const [field, sha] of Object.entries(entry)) {
    if (!field.startsWith('file:')) continue;
    const file = field.slice(5);
    const target = path.resolve(dir, file);
    if (!target.startsWith(dir + path.sep)) throw new EarshotError('ERR_MODEL_FORMAT', `fleet bundle ${revision}: file name ${JSON.stringify(file)} leaves the bundle directory`);
    const bytes = await redis.getBuffer(keys.blob(sha));
    if (!bytes || sha256(bytes) !== sha) throw new EarshotError('ERR_MODEL_FORMAT', `fleet bundle ${revision}: ${file} is missing from Redis or does not match its SHA-256 ${sha.slice(0, 12)}…`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, bytes);
  }
  if (catalogue) {
    const manifest = parseBundleManifest(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'), dir);
    await saveCatalog(dir, manifest, catalogue.items, catalogue.factors);
  }
  return dir;
}
