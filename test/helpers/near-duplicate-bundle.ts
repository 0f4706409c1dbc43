// A copy of a bundle with songs the model cannot tell from a real clip: what the same-track rule
// (src/catalog/same-track.ts) is for when a catalogue holds the playing recording more than once (a
// remaster, a radio edit, the same file under two ids). The default bundle has none for the shared clips
// since 9399df2 (its songs are WMF factors, none at cosine ≥ 0.97 to a clip's running mean), so tests of
// the rule build the premise here instead of relying on a bundle's accidents.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadAudio } from '../../src/audio/load';
import { Engine } from '../../src/engine/engine';
import { saveCatalog } from '../../src/model/bundle-catalog';
import { loadBundle } from '../../src/model/bundle';

/**
 * Copies `src` to `dest` and appends one song per entry of `prefixesS`: the engine's analysis (1-s hop)
 * of the clip's first that many seconds (Infinity: the whole clip), i.e. the running mean a stream of the
 * clip holds at that point. Returns the ids added (`${id}-dup-${seconds}s`, in that order).
 */
export async function bundleWithNearDuplicates(src: string, dest: string, clip: string, prefixesS: readonly number[]): Promise<string[]> {
  fs.cpSync(src, dest, { recursive: true });
  const engine = await Engine.open({ bundleDir: src, inferenceThread: 'main' });
  const id = path.basename(clip, path.extname(clip));
  const rows: { id: string; factors: Float32Array }[] = [];
  try {
    const rate = engine.bundle.manifest.mel.sampleRateHz;
    const samples = (await loadAudio(clip, { sampleRateHz: rate })).samples;
    for (const s of prefixesS) {
      const n = Number.isFinite(s) ? Math.min(samples.length, Math.round(s * rate)) : samples.length;
      rows.push({ id: `${id}-dup-${Number.isFinite(s) ? s : 'all'}s`, factors: (await engine.analyze(samples.subarray(0, n), rate, { hopS: 1 })).factors });
    }
  } finally {
    await engine.close();
  }
  const bundle = await loadBundle(dest);
  try {
    const f = bundle.manifest.factors;
    const factors = new Float32Array(bundle.itemFactors.length + rows.length * f);
    factors.set(bundle.itemFactors);
    rows.forEach((r, j) => factors.set(r.factors, bundle.itemFactors.length + j * f));
    const items = [...bundle.items, ...rows.map((r) => ({ id: r.id, artist: 'near-duplicate', title: id }))];
    await saveCatalog(dest, bundle.manifest, items, factors);
  } finally {
    await bundle.close();
  }
  return rows.map((r) => r.id);
}
