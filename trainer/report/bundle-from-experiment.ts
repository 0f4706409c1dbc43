/**
 * The model bundle from an experiment run: the best CNN (by cold-start mAP@500), the catalogue of every
 * song with plays — WMF factors for the training songs, the CNN's predictions for the cold-start ones,
 * exactly what the engine would hold for new releases — and a tag model (logistic regression from
 * factors to each style and mood tag of songs.tsv, with its 5-fold cross-validated AUC).
 */
import { EarshotError } from '../../src/errors';
import type { FeatureStore } from '../features/store';
import { writeBundle } from '../export/bundle-writer';
import { buildTagModels } from '../export/tag-models';
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
  const tags = buildTagModels(factors, f, data.items, (id) => {
    const s = byId.get(id);
    return s ? [s.style, ...s.moods] : [];
  });

  writeBundle(dir, {
    config: { ...trained.net.config, dropout: 0 }, params: trained.net.parameters(), stats: trained.stats, mel: store.manifest.mel.options, windowFrames: WINDOW_FRAMES,
    objective: best.name === 'cnn-wpe' ? 'wpe' : 'mse', items, itemFactors: factors, tags: tags.models,
    training: { playsSha256: data.checksum, source: o.world, songs: data.items.length, users: data.users.length },
    metrics: { coldStart: Object.fromEntries(r.rows.map((x) => [x.name, { map500: x.map, auc: x.auc }])), tagMeanAuc: tags.meanAuc },
    command: o.command,
  });
}
