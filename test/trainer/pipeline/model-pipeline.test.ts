// The model pipeline (trainer/pipeline/model-pipeline.ts) on a small generated world made to look like
// a service's data: some songs lose their audio (plays without audio), some lose their plays (audio
// without plays: cold-start songs the CNN must place), one audio file is garbage (undecodable). Checked:
// the counts and the report's input section, the bundle (every song with features, the unplayed ones at
// the CNN's own prediction of their audio through ONNX, uri/artist/title, input hashes); a rerun
// reuses every stage (done.json untouched); a changed objective recomputes only cnn and tags; a run
// interrupted inside the CNN stage after one epoch resumes from its checkpoint, the stages before it
// reused; and an empty intersection of plays and audio is refused with the reason.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadBundle } from '../../../src/model/bundle';
import { torchStatus } from '../../../trainer/cnn/torch-addon';
import { openFeatureStore } from '../../../trainer/features/store';
import { runModelPipeline, type ModelPipelineResult } from '../../../trainer/pipeline/model-pipeline';
import type { ModelPipelineOptions } from '../../../trainer/pipeline/pipeline-options';
import { DONE_FILE } from '../../../trainer/pipeline/stage-cache';
import type { SongEntry, TrainingData } from '../../../trainer/pipeline/training-data';
import { generateWorld } from '../../../trainer/world/generate';
import { readSongsTsv } from '../../../trainer/world/songs-tsv';
import { torchOrSkip } from '../../helpers/torch';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-model-pipeline-'));
const world = path.join(tmp, 'world');
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const sha256 = (bytes: Buffer | string) => crypto.createHash('sha256').update(bytes).digest('hex');

/** Songs 0-2 lose their audio, songs 3-5 their plays; song 6's audio is replaced by garbage; song 7's file is named otherwise. */
let data: TrainingData;
let noAudio: string[];
let unplayed: string[];
let garbage: string;
let renamed: string;

before(async () => {
  if (!torchStatus().available) return;
  await generateWorld({ songs: 48, users: 240, seed: 5, out: world, clipSeconds: 5, threads: 2 });
  const rows = readSongsTsv(world);
  noAudio = rows.slice(0, 3).map((r) => r.id);
  unplayed = rows.slice(3, 6).map((r) => r.id);
  garbage = rows[6].id;
  const plays = path.join(tmp, 'plays.tsv');
  const lines = fs.readFileSync(path.join(world, 'plays.tsv'), 'utf8').split('\n').filter((l) => l && !unplayed.includes(l.split('\t')[1]));
  fs.writeFileSync(plays, lines.join('\n') + '\n');
  const bad = path.join(tmp, `${garbage}.wav`);
  fs.writeFileSync(bad, 'RIFF this is not audio');
  renamed = rows[7].id;
  const elsewhere = path.join(tmp, 'track seven.wav');
  fs.copyFileSync(path.join(world, 'audio', `${renamed}.wav`), elsewhere);
  const songs: SongEntry[] = rows.map((r) => ({
    id: r.id, audio: noAudio.includes(r.id) ? null : r.id === garbage ? bad : r.id === renamed ? elsewhere : path.join(world, 'audio', `${r.id}.wav`),
    artist: r.artist, title: r.title, uri: `https://music.example/${r.id}`, tags: [r.style, ...r.moods],
  }));
  data = {
    source: plays, plays: { path: plays, format: 'triplets' }, songs,
    inputHashes: { plays: sha256(fs.readFileSync(plays)), audio: sha256(songs.map((s) => `${s.id}\t${s.audio}`).join('\n')) },
    problems: noAudio.map((id) => ({ kind: 'audio-missing' as const, id, message: `${id}: no audio file` })),
  };
});

function options(work: string, out: string, extra: Partial<ModelPipelineOptions> = {}): ModelPipelineOptions {
  return {
    work, out, refit: true, factors: 8, iterations: 6, seed: 1, objective: 'mse', threads: 2, command: 'test',
    cnn: { config: { input: { kind: 'mel', bands: 128 }, conv: [{ filters: 8, kernel: 4, pool: 4 }], globalPool: ['mean', 'max'], dense: [16], dropout: 0.2, outputs: 8 }, maxEpochs: 2, patience: 2, windowsPerClip: 2, batch: 8, threads: 1 },
    holdout: { testFraction: 0.25, rows: ['random', 'cnn-mse', 'upper-bound'], title: 'pipeline test' },
    ...extra,
  };
}

const reusedOf = (r: ModelPipelineResult) => Object.fromEntries(r.stages.map((s) => [s.name, s.reused]));
const doneTimes = (r: ModelPipelineResult) => Object.fromEntries(r.stages.filter((s) => s.dir && fs.existsSync(path.join(s.dir, DONE_FILE))).map((s) => [s.name, fs.statSync(path.join(s.dir!, DONE_FILE)).mtimeMs]));

test('plays and audio with gaps → a bundle of every song with features; a rerun reuses every stage; a new objective recomputes cnn and tags only', async (t) => {
  if (!torchOrSkip(t)) return;
  const work = path.join(tmp, 'work');
  const out = path.join(tmp, 'bundle');
  const lines: string[] = [];
  const first = await runModelPipeline(data, { ...options(work, out), log: (l) => lines.push(l) });
  assert.deepEqual(first.stages.map((s) => s.name), ['features', 'plays', 'holdout', 'wmf', 'cnn', 'tags', 'bundle']);
  assert.ok(first.stages.every((s) => !s.reused));
  assert.deepEqual({ ...first.counts, users: 0, plays: 0 }, { songs: 48, withAudio: 45, users: 0, plays: 0, played: 41, unplayed: 3, playsWithoutAudio: 3, undecodable: 1, catalogue: 44 });
  assert.deepEqual(first.leftOut.undecodable.map((u) => u.id), [garbage]);
  assert.deepEqual([...first.leftOut.playsWithoutAudio].sort(), [...noAudio, garbage].sort());
  const listed = JSON.parse(fs.readFileSync(path.join(work, 'left-out.json'), 'utf8'));
  assert.deepEqual(listed.songsWithoutAudio.sort(), [...noAudio].sort(), 'the whole lists in the work folder');
  assert.deepEqual(listed.undecodable.map((u: { id: string }) => u.id), [garbage]);
  assert.ok(lines.some((l) => /3 songs with plays have no audio and were left out/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /1 audio files could not be decoded/.test(l)));
  const md = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
  assert.match(md, /## Input\n\n- 3 songs with plays have no audio/);
  assert.deepEqual(first.evaluation!.map((r) => r.name), ['random', 'cnn-mse', 'upper-bound']);

  const b = await loadBundle(out);
  const store = openFeatureStore(path.join(work, 'features'));
  try {
    assert.equal(b.items.length, 44);
    assert.deepEqual(b.manifest.training.inputs, data.inputHashes);
    const ids = b.items.map((i) => i.id);
    for (const id of [...noAudio, garbage]) assert.ok(!ids.includes(id), `${id} is not in the catalogue`);
    assert.ok(ids.includes(renamed), 'a song whose file is not named by its id is in the catalogue');
    assert.equal(store.clip(renamed).path, path.join(tmp, 'track seven.wav'));
    for (const id of unplayed) {
      const k = ids.indexOf(id);
      assert.ok(k >= 0, `unplayed ${id} is in the catalogue`);
      const item = b.items[k];
      assert.equal(item.uri, `https://music.example/${id}`);
      assert.ok(item.artist && item.title);
      // Its factors are the CNN's prediction from its audio: the bundle's ONNX model says the same.
      const mel = store.melOf(id);
      const got = await b.model.predictClip({ data: mel, frames: mel.length / 128, bands: 128 });
      const want = b.itemFactors.subarray(k * 8, k * 8 + 8);
      for (let f = 0; f < 8; f++) assert.ok(Math.abs(got[f] - want[f]) <= 1e-4 * Math.max(1, Math.abs(want[f])), `${id} factor ${f}: onnx ${got[f]}, catalogue ${want[f]}`);
    }
    assert.ok(b.tags.length > 0, 'tag models from the songs\' tags');
  } finally {
    store.close();
    await b.close();
  }

  const times = doneTimes(first);
  const again = await runModelPipeline(data, options(work, out));
  assert.deepEqual(reusedOf(again), { features: true, plays: false, holdout: true, wmf: true, cnn: true, tags: true, bundle: false });
  assert.deepEqual(doneTimes(again), times, 'no done.json rewritten');
  assert.deepEqual(again.evaluation, first.evaluation, 'the evaluation comes back from the holdout stage');

  const wpe = await runModelPipeline(data, options(work, out, { objective: 'wpe' }));
  assert.deepEqual(reusedOf(wpe), { features: true, plays: false, holdout: true, wmf: true, cnn: false, tags: false, bundle: false });
  const b2 = await loadBundle(out);
  try {
    assert.equal(b2.manifest.objective, 'wpe');
  } finally {
    await b2.close();
  }
});

test('a run interrupted in the CNN stage after an epoch resumes from its checkpoint; nothing before it is recomputed', async (t) => {
  if (!torchOrSkip(t)) return;
  const work = path.join(tmp, 'work-interrupted');
  const out = path.join(tmp, 'bundle-interrupted');
  const o = options(work, out, { holdout: undefined });
  let epochs = 0;
  const interrupted = runModelPipeline(data, {
    ...o,
    log: (l) => {
      if (/^cnn epoch 1:/.test(l)) epochs++;
    },
    progress: (p) => {
      if (epochs > 0 && p.stage === 'cnn') throw new Error('interrupted in epoch 2');
    },
  });
  await assert.rejects(interrupted, /interrupted in epoch 2/);
  assert.ok(!fs.existsSync(out), 'no bundle is written');
  assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.startsWith('bundle-interrupted')), [], 'nothing half-written beside it');
  const cnnDir = fs.readdirSync(work).find((f) => f.startsWith('cnn-'))!;
  assert.ok(!fs.existsSync(path.join(work, cnnDir, DONE_FILE)));
  const state = JSON.parse(fs.readFileSync(path.join(work, cnnDir, 'checkpoints', 'state.json'), 'utf8'));
  assert.equal(state.epochs.length, 1, 'one epoch was checkpointed');

  const lines: string[] = [];
  const resumed = await runModelPipeline(data, { ...o, log: (l) => lines.push(l) });
  assert.deepEqual(reusedOf(resumed), { features: true, plays: false, wmf: true, cnn: false, tags: false, bundle: false });
  assert.ok(lines.some((l) => l.startsWith('cnn: resuming from the checkpoint')), lines.join('\n'));
  assert.ok(!lines.some((l) => /^cnn epoch 1:/.test(l)), 'epoch 1 is not trained again');
  assert.ok(lines.some((l) => /^cnn epoch 2:/.test(l)));
  const b = await loadBundle(out);
  await b.close();
});

test('no song with both plays and audio: refused, saying the intersection is empty and showing both sides', async (t) => {
  if (!torchOrSkip(t)) return;
  const onlyUnplayed: TrainingData = { ...data, songs: data.songs.map((s) => (unplayed.includes(s.id) ? s : { ...s, audio: null })) };
  await assert.rejects(runModelPipeline(onlyUnplayed, options(path.join(tmp, 'work-empty'), path.join(tmp, 'bundle-empty'))), (err: Error) => {
    assert.match(err.message, /no song has both plays and audio.*intersection of .*plays\.tsv and the audio is empty: the plays name 45 songs \('SO\d+'.*\), the audio 3 \('SO\d+'/);
    return true;
  });
  const none: TrainingData = { ...data, songs: data.songs.map((s) => ({ ...s, audio: null })) };
  await assert.rejects(runModelPipeline(none, options(path.join(tmp, 'work-empty'), path.join(tmp, 'bundle-empty'))), /no audio file was found for any of the 48 songs/);
  assert.ok(!fs.existsSync(path.join(tmp, 'bundle-empty')));
});
