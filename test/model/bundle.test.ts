// The model bundle end to end on a small generated world: the experiment trains a CNN with libtorch,
// the bundle is written (standardisation folded into the first layer), and the engine's loader runs it
// in ONNX Runtime: its clip predictions equal the trainer's within 1e-4. Broken bundles are refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EarshotError } from '../../src/errors';
import { loadBundle } from '../../src/model/bundle';
import { loadInteractions } from '../../trainer/data/interactions';
import { runFeatures } from '../../trainer/features/run-features';
import { openFeatureStore, type FeatureStore } from '../../trainer/features/store';
import { runExperiment, type ExperimentResult } from '../../trainer/report/experiment';
import { buildTagModels } from '../../trainer/export/tag-models';
import { writeModelBundle } from '../../trainer/pipeline/bundle-stage';
import { holdoutModel } from '../../trainer/pipeline/holdout-stage';
import { worldTrainingData } from '../../trainer/pipeline/world-data';
import { generateWorld } from '../../trainer/world/generate';
import { torchStatus } from '../../trainer/cnn/torch-addon';
import { torchOrSkip } from '../helpers/torch';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-bundle-'));
const world = path.join(tmp, 'world');
const bundleDir = path.join(tmp, 'bundle');
let store: FeatureStore | undefined;
let result: ExperimentResult | undefined;

before(async () => {
  if (!torchStatus().available) return;
  await generateWorld({ songs: 60, users: 300, seed: 4, out: world, clipSeconds: 8, threads: 2 });
  await runFeatures({ audio: path.join(world, 'audio'), out: path.join(tmp, 'features'), threads: 2 });
  store = openFeatureStore(path.join(tmp, 'features'));
  result = await runExperiment({
    data: await loadInteractions(path.join(world, 'plays.tsv')), store, factors: 8, iterations: 8, rows: ['random', 'cnn-mse', 'upper-bound'],
    cnn: { config: { input: { kind: 'mel', bands: 128 }, conv: [{ filters: 8, kernel: 4, pool: 4 }], globalPool: ['mean', 'max'], dense: [16], dropout: 0.2, outputs: 8 }, maxEpochs: 2, patience: 2, windowsPerClip: 2, batch: 16, threads: 1 },
  });
  // The bundle `earshot-train experiment --bundle` writes: the evaluated CNN and its catalogue.
  const { model } = (await holdoutModel(result, store, []))!;
  const songs = new Map(worldTrainingData(world).songs.map((s) => [s.id, s]));
  writeModelBundle(bundleDir, model, {
    songs, tags: await buildTagModels(model.factors, 8, model.ids, (id) => songs.get(id)!.tags), mel: store.manifest.mel.options, evaluation: result.rows, extras: {}, command: 'test',
    training: { playsSha256: result.context.data.checksum, source: world, songs: model.ids.length, users: result.context.data.users.length },
  });
});
after(() => {
  store?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('ONNX Runtime on the bundle reproduces the trainer\'s clip predictions (1e-4)', async (t) => {
  if (!torchOrSkip(t) || !result || !store) return;
  const b = await loadBundle(bundleDir);
  try {
    const { data, coldItems } = result.context;
    assert.equal(b.items.length, data.items.length);
    assert.equal(b.manifest.factors, 8);
    assert.equal(b.manifest.windowFrames, 130);
    assert.ok(b.tags.length > 0, 'style and mood tag models');
    const want = result.predictions.get('cnn-mse')!;
    for (const k of [0, 1, coldItems.length - 1]) {
      const id = data.items[coldItems[k]];
      const mel = store.melOf(id);
      const got = await b.model.predictClip({ data: mel, frames: mel.length / 128, bands: 128 });
      for (let f = 0; f < 8; f++) {
        const w = want[k * 8 + f];
        assert.ok(Math.abs(got[f] - w) <= 1e-4 * Math.max(1, Math.abs(w)), `${id} factor ${f}: onnx ${got[f]} vs torch ${w}`);
      }
      // The catalogue holds the CNN's prediction for a cold-start song.
      assert.deepEqual(Array.from(b.itemFactors.subarray(coldItems[k] * 8, coldItems[k] * 8 + 8)), Array.from(want.subarray(k * 8, k * 8 + 8)));
    }
  } finally {
    await b.close();
  }
});

test('a bundle with a wrong version, a missing file or mismatched shapes is refused', async (t) => {
  if (!torchOrSkip(t) || !result) return;
  const copy = (name: string, edit: (dir: string) => void) => {
    const dir = path.join(tmp, name);
    fs.cpSync(bundleDir, dir, { recursive: true });
    edit(dir);
    return dir;
  };
  const isFormat = (re: RegExp) => (e: unknown) => e instanceof EarshotError && e.code === 'ERR_MODEL_FORMAT' && re.test(e.message);
  const manifest = JSON.parse(fs.readFileSync(path.join(bundleDir, 'manifest.json'), 'utf8'));
  await assert.rejects(loadBundle(copy('v2', (d) => fs.writeFileSync(path.join(d, 'manifest.json'), JSON.stringify({ ...manifest, version: 2 })))), isFormat(/version 2 is not supported/));
  await assert.rejects(loadBundle(copy('noitems', (d) => fs.rmSync(path.join(d, 'items.tsv')))), isFormat(/cannot read items\.tsv/));
  await assert.rejects(loadBundle(copy('short', (d) => fs.writeFileSync(path.join(d, 'items.tsv'), 'id\tartist\ttitle\nSO1\ta\tb\n'))), isFormat(/lists 1 items/));
  await assert.rejects(loadBundle(copy('factors', (d) => fs.writeFileSync(path.join(d, 'manifest.json'), JSON.stringify({ ...manifest, factors: 9 })))), isFormat(/\[items, 9\]/));
});
