/**
 * The factor side of the paper's tag experiment on real data (Sec. 5.1): WMF on the Last.fm HetRec
 * artist plays, then 10-fold cross-validated logistic regression from the artist factors to the 50
 * tags on the most artists, mean AUC (the paper reports 0.867 for latent factors on its own data).
 */
import * as path from 'node:path';
import { loadInteractions } from '../data/interactions';
import { trainWmf } from '../wmf/train';
import { readItemTags, topTags } from './tag-file';
import { tagCrossValidation } from './tag-cv';

export interface HetrecTagResult {
  meanAuc: number;
  artists: number;
  tags: number;
  factors: number;
  seconds: number;
}

export async function hetrecTagExperiment(dir: string, factors = 50, top = 50, folds = 10): Promise<HetrecTagResult> {
  const t0 = performance.now();
  const data = await loadInteractions(path.join(dir, 'user_artists.dat'), { format: 'hetrec' });
  const model = await trainWmf(data.byUser, { factors, iterations: 15 });
  const tags = readItemTags(path.join(dir, 'user_taggedartists.dat'), 'hetrec', path.join(dir, 'tags.dat'));
  const rows = data.items.flatMap((id, i) => (tags.has(id) ? [i] : []));
  const x = new Float32Array(rows.length * factors);
  rows.forEach((i, r) => x.set(model.itemFactors.subarray(i * factors, (i + 1) * factors), r * factors));
  const chosen = topTags(tags, rows.map((i) => data.items[i]), top);
  const cv = tagCrossValidation(x, factors, chosen, { folds });
  return { meanAuc: cv.meanAuc, artists: rows.length, tags: chosen.length, factors, seconds: (performance.now() - t0) / 1e3 };
}
