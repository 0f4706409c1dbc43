/**
 * The model bundle from an experiment run: the best CNN (by cold-start mAP@500), the catalogue of every
 * song with plays — WMF factors for the training songs, the CNN's predictions for the cold-start ones,
 * exactly what the engine would hold for new releases — and a tag model (logistic regression from
 * factors to each style and mood tag of songs.tsv, with its 5-fold cross-validated AUC).
 */
import { EarshotError } from '../../src/errors';
import type { FeatureStore } from '../features/store';
import { writeBundle } from '../export/bundle-writer';
import { fitLogistic } from '../tags/logistic';
import { tagCrossValidation } from '../tags/tag-cv';
import type { SongRow } from '../world/songs-tsv';
import { WINDOW_FRAMES } from '../cnn/windows';
import type { ExperimentResult } from './experiment';

export function writeDefaultBundle(dir: string, r: ExperimentResult, store: FeatureStore, songs: readonly SongRow[], o: { command: string; world: string }): void {
  const best = [...r.rows].filter((x) => x.name === 'cnn-mse' || x.name === 'cnn-wpe').sort((a, b) => b.map - a.map)[0];
  if (!best) throw new EarshotError('ERR_INVALID_ARGUMENT', 'no CNN row was trained: nothing to bundle');
  const trained = r.cnn.get(best.name)!;
  const { data, wmf, coldItems } = r.context;
  const f = wmf.factors;
  const factors = Float32Array.from(wmf.itemFactors);
  const pred = r.predictions.get(best.name)!;
  coldItems.forEach((item, k) => factors.set(pred.subarray(k * f, (k + 1) * f), item * f));
  const byId = new Map(songs.map((s) => [s.id, s]));
  const items = data.items.map((id) => ({ id, artist: byId.get(id)?.artist ?? '', title: byId.get(id)?.title ?? '' }));

  // Tags: each song's style and moods.
  const rowsOf = new Map<string, number[]>();
  data.items.forEach((id, row) => {
    const s = byId.get(id);
    if (!s) return;
    for (const t of [s.style, ...s.moods]) (rowsOf.get(t) ?? rowsOf.set(t, []).get(t)!).push(row);
  });
  const tags = [...rowsOf.entries()].filter(([, rows]) => rows.length >= 10 && rows.length <= data.items.length - 10).sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1)).map(([tag, rows]) => ({ tag, items: Int32Array.from(rows) }));
  const cv = tagCrossValidation(factors, f, tags, { folds: 5, lambda: 1 });
  const all = Int32Array.from(data.items.keys());
  const tagModels = tags.map((t, k) => {
    const y = new Uint8Array(data.items.length);
    for (const i of t.items) y[i] = 1;
    const m = fitLogistic(factors, f, y, all, 1);
    return { tag: t.tag, weights: Array.from(m.w.subarray(0, f)), intercept: m.w[f], auc: Number.isFinite(cv.perTag[k].auc) ? cv.perTag[k].auc : null };
  });

  writeBundle(dir, {
    config: { ...trained.net.config, dropout: 0 }, params: trained.net.parameters(), stats: trained.stats, mel: store.manifest.mel.options, windowFrames: WINDOW_FRAMES,
    objective: best.name === 'cnn-wpe' ? 'wpe' : 'mse', items, itemFactors: factors, tags: tagModels,
    training: { playsSha256: data.checksum, source: o.world, songs: data.items.length, users: data.users.length },
    metrics: { coldStart: Object.fromEntries(r.rows.map((x) => [x.name, { map500: x.map, auc: x.auc }])), tagMeanAuc: cv.meanAuc },
    command: o.command,
  });
}
