// loadAudio / streamAudio: the whole input path to 22,050 Hz mono, whole and streamed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { concatFloat32 } from '../../src/audio/concat';
import { loadAudio, streamAudio } from '../../src/audio/load';
import { computeMel, MelStream } from '../../src/dsp/mel';
import { sharedOrSkip } from '../helpers/shared';

async function collect(gen: AsyncGenerator<Float32Array>): Promise<{ all: Float32Array; chunks: number }> {
  const parts: Float32Array[] = [];
  for await (const c of gen) parts.push(c);
  return { all: concatFloat32(parts), chunks: parts.length };
}

for (const file of ['data/audio/wesnoth-elvish-theme.wav', 'data/audio/singularity-awakening.ogg']) {
  test(`${file}: streamAudio chunks concatenate to loadAudio's samples exactly, and stream mel == batch mel`, async (t) => {
    const p = sharedOrSkip(t, file);
    if (!p) return;
    const whole = await loadAudio(p);
    assert.equal(whole.sampleRateHz, 22050);
    assert.equal(whole.samples.length, Math.ceil(whole.durationS * 22050));
    const streamed = await collect(streamAudio(p));
    assert.ok(streamed.chunks > 10, `${streamed.chunks} chunks: the input was streamed, not read whole`);
    assert.deepEqual(streamed.all, whole.samples);

    const mel = new MelStream();
    const frames: Float32Array[] = [];
    for await (const chunk of streamAudio(fs.createReadStream(p))) frames.push(mel.push(chunk));
    frames.push(mel.flush());
    const batch = computeMel(whole.samples);
    assert.deepEqual(concatFloat32(frames), batch.data);
  });
}

test('stopping a stream early releases the decoder', async (t) => {
  const p = sharedOrSkip(t, 'data/audio/nexuiz-brokenlight.ogg');
  if (!p) return;
  let n = 0;
  for await (const chunk of streamAudio(p)) {
    n += chunk.length;
    if (n > 22050) break;
  }
  assert.ok(n > 22050);
  // The ffmpeg child must be gone (killed on close), not left decoding the rest of the file.
  const deadline = Date.now() + 5000;
  let children = '';
  do {
    children = execFileSync('ps', ['--ppid', String(process.pid), '-o', 'comm='], { encoding: 'utf8' }).trim();
    if (!/ffmpeg/.test(children)) break;
    await new Promise((r) => setTimeout(r, 50));
  } while (Date.now() < deadline);
  assert.doesNotMatch(children, /ffmpeg/);
});
