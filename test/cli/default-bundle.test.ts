// The shipped default bundle (models/default, trained on the small world, seed 1): it loads in
// onnxruntime-node and reproduces the trainer's predictions. A cold-start song's catalogue row is what
// the libtorch CNN predicted from its audio; the song is re-synthesised here (the world is
// deterministic), passed through the same front end (16-bit WAV, mel, float16 store rounding) and the
// bundle's ONNX model must give the same factors within 1e-4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeAudioFile } from '../../src/audio/decode';
import { encodeWavPcm16 } from '../../src/audio/wav-encode';
import { computeMel } from '../../src/dsp/mel';
import { decodeFloat16LE, encodeFloat16LE } from '../../src/io/float16';
import { loadBundle } from '../../src/model/bundle';
import { loadInteractions } from '../../trainer/data/interactions';
import { itemColdStartHoldout } from '../../trainer/eval/splits';
import { drawWorld } from '../../trainer/world/generate';
import { renderSong } from '../../trainer/world/render-song';
import { playsTsv } from '../../trainer/world/world-files';
import { repoRoot } from '../helpers/shared';

test('models/default loads and its ONNX model reproduces the trainer\'s cold-start predictions', async () => {
  const b = await loadBundle(path.join(repoRoot(), 'models', 'default'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-default-'));
  try {
    assert.equal(b.manifest.factors, 50);
    assert.equal(b.items.length, 2000);
    const w = drawWorld(1, 2000, 20000);
    fs.writeFileSync(path.join(tmp, 'plays.tsv'), playsTsv(w.listeners, w.catalog, w.plays));
    const data = await loadInteractions(path.join(tmp, 'plays.tsv'));
    assert.equal(data.checksum, b.manifest.training.playsSha256, 'the bundle was trained on these plays');
    assert.deepEqual(b.items.map((i) => i.id), data.items);
    const split = itemColdStartHoldout(data.byUser, { fraction: 0.2, seed: 1 });
    for (const item of [split.items[0], split.items[split.items.length - 1]]) {
      const song = w.catalog.songs.find((s) => s.id === data.items[item])!;
      const { samples } = renderSong(song, w.catalog.artists[song.artist], 30);
      fs.writeFileSync(path.join(tmp, 'clip.wav'), encodeWavPcm16(samples, 22050));
      const audio = await decodeAudioFile(path.join(tmp, 'clip.wav'));
      const mel = computeMel(audio.mono);
      const stored = decodeFloat16LE(encodeFloat16LE(mel.data));
      const got = await b.model.predictClip({ data: stored, frames: mel.frames, bands: mel.bands });
      const want = b.itemFactors.subarray(item * 50, item * 50 + 50);
      for (let f = 0; f < 50; f++) assert.ok(Math.abs(got[f] - want[f]) <= 1e-4 * Math.max(1, Math.abs(want[f])), `${song.id} factor ${f}: ${got[f]} vs ${want[f]}`);
    }
  } finally {
    await b.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
