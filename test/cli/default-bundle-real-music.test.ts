// The default model has heard real music (issue 16): on the 13 real clips of ../shared/data/audio —
// recordings from soundtracks it never trained on (their packages are not in the training source,
// trainer/sources/game-music-packages.ts) — its predicted factors must not all point one way, and the
// clips nearest each other must share a soundtrack more often than chance and than a no-learning
// reference (the clips' z-scored MFCC mean and standard deviation). The model before (trained on
// synthesised songs only) gave a mean pairwise cosine of 0.740; this one, measured: 0.614, and a share of
// 0.077 against the MFCC reference's 0.046 and chance's 0.051 (few clips share a soundtrack: 4 pairs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { labelledClips, neighbourReport } from '../../trainer/commands/neighbours-command';
import { repoRoot, sharedOrSkip } from '../helpers/shared';

test('models/default on real recordings of unseen soundtracks: spread-out factors, soundtrack neighbours above chance and the MFCC reference', async (t) => {
  const dir = sharedOrSkip(t, 'data/audio');
  if (!dir) return;
  const clips = labelledClips(dir, undefined, 'soundtrack');
  assert.equal(clips.length, 13);
  const r = await neighbourReport(clips, path.join(repoRoot(), 'models', 'default'), 5);
  const figures = JSON.stringify(r);
  assert.ok(r.meanPairwiseCosine < 0.65, `mean pairwise cosine ${r.meanPairwiseCosine.toFixed(3)} (the synthetic-only model: 0.740): ${figures}`);
  assert.ok(r.model.share >= r.mfccReference.share, `same-soundtrack share ${r.model.share.toFixed(3)} below the MFCC reference's ${r.mfccReference.share.toFixed(3)}: ${figures}`);
  assert.ok(r.model.share > r.model.chance, `same-soundtrack share ${r.model.share.toFixed(3)} not above chance ${r.model.chance.toFixed(3)}: ${figures}`);
});
