// The CNN training loop on a real (tiny) feature store: a small net learns targets that the audio
// determines (each song's style as a one-hot code), beats the mean predictor on unseen validation
// clips, keeps its best epoch, and a run interrupted after two epochs resumes to exactly the weights
// and losses of an uninterrupted run.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NetConfig } from '../../../trainer/cnn/net-config';
import { tfjsStatus } from '../../../trainer/cnn/tfjs-net';
import { predictClips, trainCnn, type CnnTrainOptions } from '../../../trainer/cnn/train-cnn';
import { runFeatures } from '../../../trainer/features/run-features';
import { openFeatureStore, type FeatureStore } from '../../../trainer/features/store';
import { generateWorld } from '../../../trainer/world/generate';
import { STYLES } from '../../../trainer/world/styles';
import { torchOrSkip } from '../../helpers/torch';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-train-cnn-'));
let store: FeatureStore;
let ids: string[];
let targets: Float32Array;
const F = STYLES.length;

const SMALL: NetConfig = { input: { kind: 'mel', bands: 128 }, conv: [{ filters: 16, kernel: 4, pool: 4 }, { filters: 16, kernel: 4, pool: 2 }], globalPool: ['mean', 'max'], dense: [32], dropout: 0, outputs: F };

before(async () => {
  await generateWorld({ songs: 45, users: 20, seed: 3, out: path.join(tmp, 'world'), clipSeconds: 7, threads: 2 });
  await runFeatures({ audio: path.join(tmp, 'world', 'audio'), out: path.join(tmp, 'features'), threads: 2 });
  store = openFeatureStore(path.join(tmp, 'features'));
  ids = [...store.ids];
  const truth = JSON.parse(fs.readFileSync(path.join(tmp, 'world', 'truth.json'), 'utf8')) as { songs: { id: string; style: string }[] };
  const style = new Map(truth.songs.map((s) => [s.id, STYLES.findIndex((x) => x.name === s.style)]));
  targets = new Float32Array(ids.length * F);
  ids.forEach((id, r) => (targets[r * F + style.get(id)!] = 1));
});
after(() => {
  store?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const opts = (extra: Partial<CnnTrainOptions> = {}): CnnTrainOptions => ({ config: SMALL, objective: 'mse', batch: 16, windowsPerClip: 4, maxEpochs: 4, patience: 10, threads: 1, seed: 5, lr: 3e-3, validationFraction: 0.25, ...extra });

test('learns audio-determined targets: validation loss falls below the mean predictor', async (t) => {
  if (!torchOrSkip(t)) return;
  const r = await trainCnn(store, { ids, factors: targets }, opts({ maxEpochs: 8, windowsPerClip: 16 }));
  try {
    // The mean predictor's loss on the validation clips: Σ_f (y − ȳ_train)².
    const trainRows = r.trainIds.map((id) => ids.indexOf(id));
    const mean = new Float64Array(F);
    for (const row of trainRows) for (let f = 0; f < F; f++) mean[f] += targets[row * F + f] / trainRows.length;
    let baseline = 0;
    for (const id of r.validationIds) for (let f = 0; f < F; f++) baseline += (targets[ids.indexOf(id) * F + f] - mean[f]) ** 2;
    baseline /= r.validationIds.length;
    const best = r.epochs[r.bestEpoch - 1];
    console.log(`# validation MSE by epoch ${r.epochs.map((e) => e.validationLoss.toFixed(3)).join(' ')}; mean predictor ${baseline.toFixed(3)}`);
    assert.ok(best.validationLoss < 0.9 * baseline, `best ${best.validationLoss} vs mean predictor ${baseline}`);
    assert.equal(best.validationLoss, Math.min(...r.epochs.map((e) => e.validationLoss)));
    // The returned net holds the best epoch's weights: its predictions reproduce the best validation loss.
    const pred = await predictClips(r.net, store, r.validationIds, r.stats, F);
    let loss = 0;
    r.validationIds.forEach((id, k) => {
      for (let f = 0; f < F; f++) loss += (pred[k * F + f] - targets[ids.indexOf(id) * F + f]) ** 2;
    });
    assert.ok(Math.abs(loss / r.validationIds.length - best.validationLoss) < 1e-5);
  } finally {
    r.net.dispose();
  }
});

test('a run stopped after 2 epochs resumes to exactly the uninterrupted result', async (t) => {
  if (!torchOrSkip(t)) return;
  const whole = await trainCnn(store, { ids, factors: targets }, opts({ maxEpochs: 3, checkpointDir: path.join(tmp, 'ck-whole') }));
  const first = await trainCnn(store, { ids, factors: targets }, opts({ maxEpochs: 2, checkpointDir: path.join(tmp, 'ck-resumed') }));
  first.net.dispose();
  const resumed = await trainCnn(store, { ids, factors: targets }, opts({ maxEpochs: 3, checkpointDir: path.join(tmp, 'ck-resumed') }));
  try {
    assert.deepEqual(resumed.epochs.map((e) => [e.trainLoss, e.validationLoss]), whole.epochs.map((e) => [e.trainLoss, e.validationLoss]));
    const a = whole.net.parameters();
    const b = resumed.net.parameters();
    a.forEach((p, k) => assert.deepEqual(b[k].data, p.data, p.name));
  } finally {
    whole.net.dispose();
    resumed.net.dispose();
  }
});

test('the tfjs backend trains through the same loop (one epoch) and refuses checkpointDir', async (t) => {
  const s = tfjsStatus();
  if (!s.available) {
    t.skip(`TensorFlow.js unavailable (${s.reason})`);
    return;
  }
  await assert.rejects(trainCnn(store, { ids, factors: targets }, opts({ backend: 'tfjs', checkpointDir: path.join(tmp, 'tfjs-ckpt') })), /needs the torch backend/);
  // 12 songs, one window each: pure-JS tfjs is slow, this only checks the wiring.
  const few = ids.slice(0, 12);
  const r = await trainCnn(store, { ids: few, factors: targets.subarray(0, few.length * F) }, opts({ backend: 'tfjs', maxEpochs: 1, windowsPerClip: 1, batch: 4 }));
  assert.equal(r.epochs.length, 1);
  assert.ok(Number.isFinite(r.epochs[0].validationLoss));
  assert.equal((await predictClips(r.net, store, r.validationIds, r.stats, F)).length, r.validationIds.length * F);
  r.net.dispose();
});
