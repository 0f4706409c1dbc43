/**
 * Loads a model bundle (docs/bundle.md) for the engine: the manifest (checked), the audio→factors
 * network in ONNX Runtime, the catalogue's factors and names, and the optional tag model. Every
 * inconsistency (missing file, wrong shape, wrong format version) is an ERR_MODEL_FORMAT naming it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EarshotError } from '../errors';
import { readCatalogFiles } from './bundle-catalog';
import { BUNDLE_FORMAT, BUNDLE_VERSION, type BundleManifest, type BundleTagModel } from './bundle-format';
import { loadFactorModel, type FactorModel, type FactorModelOptions } from './onnx-factor-model';
import { checkPairAgainst, loadStreamModel, parseStreamEntry, type StreamModel } from './stream-model';

export interface Bundle {
  dir: string;
  manifest: BundleManifest;
  model: FactorModel;
  /** The streaming pair (manifest `stream`), when loadBundle was asked to load it and the bundle has one. */
  stream: StreamModel | null;
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

/** A manifest file's text as a JSON object; anything else goes to `fail` naming the file. */
export function parseManifestObject(text: string, file: string, fail: (message: string) => never): Record<string, unknown> {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch (err) {
    return fail(`${file} is not JSON (${(err as Error).message})`);
  }
  return isObject(m) ? m : fail(`${file} must hold a JSON object`);
}

export function parseBundleManifest(text: string, dir: string): BundleManifest {
  const m = parseManifestObject(text, 'manifest.json', (message) => bad(dir, message));
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
  if (m.stream !== undefined) parseStreamEntry(m.stream, m.windowFrames as number, (message) => bad(dir, message));
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

/**
 * `streamPair` 'load': also load and check the manifest's streaming pair when it names one (sessions on
 * this thread; ERR_MODEL_FORMAT if its files are missing, altered or not this model's); 'ignore'
 * (default): bundle.stream is null and the pair's files are not read.
 */
export async function loadBundle(dir: string, options: FactorModelOptions = {}, streamPair: 'load' | 'ignore' = 'ignore'): Promise<Bundle> {
  const manifest = parseBundleManifest(readText(dir, 'manifest.json'), dir);
  const f = manifest.factors;
  const { items, itemFactors } = readCatalogFiles(dir, manifest.files, f, (message) => bad(dir, message));
  let tags: BundleTagModel[] = [];
  if (manifest.files.tags) tags = parseBundleTags(readText(dir, manifest.files.tags), manifest.files.tags, f, dir);
  const model = await loadFactorModel(path.join(dir, manifest.files.model), options);
  if (model.outputs !== f) {
    await model.close();
    bad(dir, `model.onnx predicts ${model.outputs} factors, the manifest says ${f}`);
  }
  let stream: StreamModel | null = null;
  if (streamPair === 'load' && manifest.stream) {
    try {
      stream = await loadStreamModel(dir, manifest.stream, { bands: model.bands, outputs: f }, options);
      await checkPairAgainst(stream, model, manifest.windowFrames, dir);
    } catch (err) {
      await stream?.close();
      await model.close();
      throw err;
    }
  }
  const pair = stream;
  return { dir, manifest, model, stream: pair, itemFactors, items, tags, close: async () => {
    await pair?.close();
    await model.close();
  } };
}
