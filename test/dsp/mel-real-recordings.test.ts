// Real recordings through the whole input path (decode -> downmix -> earshot's resampler -> mel)
// against librosa's output for the same recordings decoded by ffmpeg (`ffmpeg -ac 1 -ar 22050`,
// test/fixtures/librosa/README.md). Two conventions differ, by design, and are accounted for:
//  - downmix: earshot averages channels (librosa.to_mono); ffmpeg's -ac 1 sums them times 1/sqrt(2),
//    so its power is exactly 2x ours: +10 log10(2) = 3.0103 dB;
//  - resampler transition band: earshot's is flat to 0.9 x 11,025 Hz, ffmpeg's default rolls off
//    earlier, so only bands whose upper edge is below 8,820 Hz (0.8 x Nyquist) are compared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAudio } from '../../src/audio/load';
import { computeMel } from '../../src/dsp/mel';
import { loadTransposed } from '../helpers/librosa-fixtures';
import { sharedOrSkip } from '../helpers/shared';

const DOWNMIX_DB = 10 * Math.log10(2);

/** Upper edge (Hz) of Slaney mel band b of n over 0..fmax: mel point b + 2. */
function upperEdgeHz(b: number, n: number, fmaxHz: number): number {
  const toMel = (f: number) => (f < 1000 ? f / (200 / 3) : 15 + Math.log(f / 1000) / (Math.log(6.4) / 27));
  const toHz = (m: number) => (m < 15 ? m * (200 / 3) : 1000 * Math.exp((Math.log(6.4) / 27) * (m - 15)));
  return toHz(((b + 2) * toMel(fmaxHz)) / (n + 1));
}

for (const [name, file] of [['elvish', 'data/audio/wesnoth-elvish-theme.wav'], ['beast', 'data/audio/nexuiz-beast-of-insanity.ogg']]) {
  test(`${file} (44.1 kHz stereo) through loadAudio matches librosa within 0.01 dB below 8.8 kHz`, async (t) => {
    const p = sharedOrSkip(t, file);
    if (!p) return;
    const audio = await loadAudio(p);
    assert.equal(audio.sourceRateHz, 44100);
    assert.equal(audio.sourceChannels, 2);
    const ref = loadTransposed(`${name}/mel_db.npy`); // first 10 s of the clip
    const got = computeMel(audio.samples);
    let bands = 0;
    while (bands < 128 && upperEdgeHz(bands, 128, 11025) <= 8820) bands++;
    assert.ok(bands >= 110, `${bands} bands compared`);
    // The reference was cut at 10 s (zeros after); its last frames see that edge, ours see music.
    // Frame 0 straddles t = 0, where each resampler treats the start of the signal its own way
    // (earshot: zeros before the first sample); it is left out.
    const frames = ref.rows - 3;
    let maxErr = 0;
    for (let f = 1; f < frames; f++) {
      for (let b = 0; b < bands; b++) {
        maxErr = Math.max(maxErr, Math.abs(got.data[f * 128 + b] + DOWNMIX_DB - ref.data[f * 128 + b]));
      }
    }
    assert.ok(maxErr <= 0.01, `max |dB error| ${maxErr} over ${frames - 1} frames x ${bands} bands`);
  });
}
