/**
 * Loads a model bundle (docs/bundle.md) for the engine: the manifest (checked), the audio→factors
 * network in ONNX Runtime, the catalogue's factors and names, and the optional tag model. Every
 * inconsistency (missing file, wrong shape, wrong format version) is an ERR_MODEL_FORMAT naming it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
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

export async function loadBundle(dir: string, options: FactorModelOptions = {}): Promise<Bundle> {
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(readText(dir, 'manifest.json')) as BundleManifest;
  } catch (err) {
    if (err instanceof EarshotError) throw err;
    return bad(dir, `manifest.json is not JSON (${(err as Error).message})`);
  }
  if (manifest.format !== BUNDLE_FORMAT) bad(dir, `manifest.json format is ${JSON.stringify(manifest.format)}, expected "${BUNDLE_FORMAT}"`);
  if (manifest.version !== BUNDLE_VERSION) bad(dir, `format version ${manifest.version} is not supported (this earshot reads version ${BUNDLE_VERSION})`);
  const f = manifest.factors;
  if (!Number.isInteger(f) || f < 1) bad(dir, `factors must be a positive integer, got ${f}`);
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
    return uri ? { id, artist, title, uri } : { id, artist, title };
  });
  if (items.length !== npy.shape[0]) bad(dir, `${manifest.files.items} lists ${items.length} items, ${manifest.files.itemFactors} has ${npy.shape[0]} rows`);
  let tags: BundleTagModel[] = [];
  if (manifest.files.tags) {
    const t = JSON.parse(readText(dir, manifest.files.tags)) as { factors: number; tags: BundleTagModel[] };
    if (t.factors !== f || !Array.isArray(t.tags) || t.tags.some((m) => m.weights?.length !== f)) bad(dir, `${manifest.files.tags} does not hold ${f}-factor tag models`);
    tags = t.tags;
  }
  const model = await loadFactorModel(path.join(dir, manifest.files.model), options);
  if (model.outputs !== f) {
    await model.close();
    bad(dir, `model.onnx predicts ${model.outputs} factors, the manifest says ${f}`);
  }
  return { dir, manifest, model, itemFactors: npy.data, items, tags, close: () => model.close() };
}
