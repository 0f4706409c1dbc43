/**
 * Loads a model bundle (docs/bundle.md) for the engine: the manifest (checked), the audio→factors
 * network in ONNX Runtime, the catalogue's factors and names, and the optional tag model. Every
 * inconsistency (missing file, wrong shape, wrong format version) is an ERR_MODEL_FORMAT naming it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { itemFieldsProblem } from '../catalog/item-fields';
import { EarshotError } from '../errors';
import { readNpy } from '../io/npy';
import { BUNDLE_FORMAT, BUNDLE_VERSION, ITEMS_HEADER, ITEMS_HEADER_URI, type BundleManifest, type BundleTagModel } from './bundle-format';
import { loadFactorModel, type FactorModel, type FactorModelOptions } from './onnx-factor-model';

export interface Bundle {
  dir: string;
  manifest: BundleManifest;
  model: FactorModel;
  /** items x F, row-major. */
  itemFactors: Float32Array;
  /** uri: where the audio is (a path or URL; optional 4th column of items.tsv), for radio automation. */
  items: { id: string; artist: string; title: string; uri?: string }[];
  tags: BundleTagModel[];
  close(): Promise<void>;
}

function bad(dir: string, message: string): never {
  throw new EarshotError('ERR_MODEL_FORMAT', `bundle ${dir}: ${message}`);
}

function readText(dir: string, file: string): string {
  try {
    return fs.readFileSync(path.join(dir, file), 'utf8');
  } catch (err) {
    return bad(dir, `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A file the manifest names: a non-empty relative path that stays inside the bundle directory. */
function checkBundleFile(dir: string, key: string, name: unknown): void {
  if (typeof name !== 'string' || name === '' || name.includes('\0')) bad(dir, `manifest.json files.${key} must be a file name, got ${JSON.stringify(name)}`);
  if (path.isAbsolute(name) || name.split(/[\\/]/).includes('..')) {
    bad(dir, `manifest.json files.${key} ${JSON.stringify(name)} must name a file inside the bundle directory`);
  }
}

/**
 * Parses and checks manifest.json's text (found by the fuzzer: `null`, a missing `files` or a
 * non-string file name used to escape as a TypeError): ERR_MODEL_FORMAT naming the first field that is
 * missing or of the wrong type, or a file name outside the bundle directory.
 */
/** The path of the first non-finite number in a parsed JSON value (iterative: any depth), or null. */
function nonFinitePath(v: unknown): string | null {
  const stack: [unknown, string][] = [[v, '']];
  while (stack.length > 0) {
    const [x, at] = stack.pop()!;
    if (typeof x === 'number' && !Number.isFinite(x)) return at || 'value';
    if (x && typeof x === 'object') for (const [k, y] of Object.entries(x)) stack.push([y, at ? `${at}.${k}` : k]);
  }
  return null;
}

export function parseBundleManifest(text: string, dir: string): BundleManifest {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch (err) {
    return bad(dir, `manifest.json is not JSON (${(err as Error).message})`);
  }
  if (!isObject(m)) return bad(dir, 'manifest.json must hold a JSON object');
  if (m.format !== BUNDLE_FORMAT) bad(dir, `manifest.json format is ${JSON.stringify(m.format)}, expected "${BUNDLE_FORMAT}"`);
  if (m.version !== BUNDLE_VERSION) bad(dir, `format version ${JSON.stringify(m.version)} is not supported (this earshot reads version ${BUNDLE_VERSION})`);
  const positive = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 1;
  if (!positive(m.factors)) bad(dir, `factors must be a positive integer, got ${JSON.stringify(m.factors)}`);
  if (!positive(m.windowFrames)) bad(dir, `windowFrames must be a positive integer, got ${JSON.stringify(m.windowFrames)}`);
  if (!isObject(m.mel)) bad(dir, 'manifest.json mel must be an object (the mel front end)');
  // JSON.parse turns 1e999 into Infinity: no number in a manifest may be one (it could not be written back).
  const inf = nonFinitePath(m);
  if (inf !== null) bad(dir, `manifest.json ${inf} is not a finite number`);
  const files = m.files;
  if (!isObject(files)) return bad(dir, 'manifest.json files must be an object naming model, itemFactors, items and tags');
  for (const key of ['model', 'itemFactors', 'items']) checkBundleFile(dir, key, files[key]);
  if (files.tags !== undefined && files.tags !== null) checkBundleFile(dir, 'tags', files.tags);
  return m as unknown as BundleManifest;
}

/** Parses and checks tags.json's text: an object with `factors` = F and `tags`, each a tag model of F weights. */
export function parseBundleTags(text: string, file: string, factors: number, dir: string): BundleTagModel[] {
  let t: unknown;
  try {
    t = JSON.parse(text);
  } catch (err) {
    return bad(dir, `${file} is not JSON (${(err as Error).message})`);
  }
  if (!isObject(t) || t.factors !== factors || !Array.isArray(t.tags) || t.tags.some((m) => !isObject(m) || !Array.isArray(m.weights) || m.weights.length !== factors)) {
    bad(dir, `${file} does not hold ${factors}-factor tag models`);
  }
  return t.tags as BundleTagModel[];
}

export async function loadBundle(dir: string, options: FactorModelOptions = {}): Promise<Bundle> {
  const manifest = parseBundleManifest(readText(dir, 'manifest.json'), dir);
  const f = manifest.factors;
  const npy = (() => {
    try {
      return readNpy(path.join(dir, manifest.files.itemFactors));
    } catch (err) {
      return bad(dir, `${manifest.files.itemFactors}: ${(err as Error).message}`);
    }
  })();
  if (!(npy.data instanceof Float32Array) || npy.shape.length !== 2 || npy.shape[1] !== f) bad(dir, `${manifest.files.itemFactors} must be float32 [items, ${f}], got shape [${npy.shape.join(', ')}]`);
  const rows = readText(dir, manifest.files.items).replace(/\n$/, '').split('\n');
  const withUri = rows[0] === ITEMS_HEADER_URI;
  if (rows[0] !== ITEMS_HEADER && !withUri) bad(dir, `${manifest.files.items} must start with the header "id<TAB>artist<TAB>title[<TAB>uri]"`);
  const seen = new Set<string>();
  const items = rows.slice(1).map((l, k) => {
    const [id, artist, title, uri, extra] = l.split('\t');
    if (!id || artist === undefined || title === undefined || extra !== undefined || (uri !== undefined && !withUri)) bad(dir, `${manifest.files.items} line ${k + 2} is not id<TAB>artist<TAB>title${withUri ? '[<TAB>uri]' : ''}`);
    if (seen.has(id)) bad(dir, `${manifest.files.items} line ${k + 2}: id ${JSON.stringify(id)} appears twice`);
    seen.add(id);
    const item = uri ? { id, artist, title, uri } : { id, artist, title };
    const problem = itemFieldsProblem(item); // the rules every path that adds songs shares (src/catalog/item-fields.ts)
    if (problem) bad(dir, `${manifest.files.items} line ${k + 2}: ${problem}`);
    return item;
  });
  if (items.length !== npy.shape[0]) bad(dir, `${manifest.files.items} lists ${items.length} items, ${manifest.files.itemFactors} has ${npy.shape[0]} rows`);
  let tags: BundleTagModel[] = [];
  if (manifest.files.tags) tags = parseBundleTags(readText(dir, manifest.files.tags), manifest.files.tags, f, dir);
  const model = await loadFactorModel(path.join(dir, manifest.files.model), options);
  if (model.outputs !== f) {
    await model.close();
    bad(dir, `model.onnx predicts ${model.outputs} factors, the manifest says ${f}`);
  }
  return { dir, manifest, model, itemFactors: npy.data, items, tags, close: () => model.close() };
}
