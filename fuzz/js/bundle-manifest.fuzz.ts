/**
 * Fuzz target `bundle-manifest`: the model bundle's manifest.json and tags.json checks,
 * parseBundleManifest / parseBundleTags (src/model/bundle.ts), which loadBundle runs before it opens any
 * file the manifest names. The first byte picks the file (manifest or tags) and the factor count.
 * Asserts: only EarshotError ERR_MODEL_FORMAT; an accepted manifest has the documented format, version,
 * factors, windowFrames, mel and files, and every file it names resolves inside the bundle directory; an
 * accepted tags.json holds tag models of exactly F weights; and a JSON.stringify round trip (what
 * saveCatalog writes) parses to the same manifest.
 */
import * as path from 'node:path';
import { parseBundleManifest, parseBundleTags } from '../../src/model/bundle';
import { BUNDLE_FORMAT, BUNDLE_VERSION, type BundleManifest } from '../../src/model/bundle-format';
import { check, expectEarshotError, expectSame, withoutNegativeZero } from './harness';

const DIR = path.resolve('/bundles/fuzz');

function manifest(text: string): BundleManifest | null {
  try {
    return parseBundleManifest(text, DIR);
  } catch (err) {
    expectEarshotError(err, ['ERR_MODEL_FORMAT']);
    return null;
  }
}

export function fuzz(data: Buffer): void {
  if (data.length === 0) return;
  const text = data.subarray(1).toString('utf8');
  if (data[0] & 1) {
    const factors = 1 + ((data[0] >> 1) & 7);
    try {
      const tags = parseBundleTags(text, 'tags.json', factors, DIR);
      for (const t of tags) check(t !== null && typeof t === 'object' && Array.isArray(t.weights) && t.weights.length === factors, 'a tag model without F weights accepted');
    } catch (err) {
      expectEarshotError(err, ['ERR_MODEL_FORMAT']);
    }
    return;
  }
  const m = manifest(text);
  if (m === null) return;
  check(m.format === BUNDLE_FORMAT && m.version === BUNDLE_VERSION, 'wrong format/version accepted');
  check(Number.isInteger(m.factors) && m.factors >= 1 && Number.isInteger(m.windowFrames) && m.windowFrames >= 1, 'factors/windowFrames accepted');
  check(m.mel !== null && typeof m.mel === 'object' && !Array.isArray(m.mel), 'mel is not an object');
  const files = m.files as unknown as Record<string, unknown>;
  for (const key of ['model', 'itemFactors', 'items', 'tags']) {
    const f = files[key];
    if (key === 'tags' && (f === null || f === undefined)) continue;
    check(typeof f === 'string' && f.length > 0, `files.${key} is not a file name`);
    const abs = path.resolve(DIR, f);
    check(abs.startsWith(DIR + path.sep), `files.${key} ${JSON.stringify(f)} resolves outside the bundle directory`);
  }
  expectSame(manifest(JSON.stringify(m)), withoutNegativeZero(m), 'parse(JSON.stringify(manifest)) differs from the manifest (-0 aside)');
}
