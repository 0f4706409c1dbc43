// The track-change detector's parts against direct computation: block summaries (group levels and
// spreads, loudness spread, flux, onset lag products) from frames pushed in any chunking against double
// loops over the whole spectrogram; the causal peak picker against the rule applied to the whole score
// sequence at once; and the detector's changes independent of how frames and windows arrive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BLOCK_FRAMES, BlockBuilder, GROUPS, LAG_MIN, LAGS, type Block } from '../../src/engine/track-change-blocks';
import { TrackChangeDetector } from '../../src/engine/track-change-detector';
import { PeakPicker } from '../../src/engine/track-change-peaks';
import { mulberry32 } from '../../trainer/eval/prng';

const BANDS = 128;
const FRAME_S = 512 / 22050;

/** frames × BANDS of dB-like values: a spectral tilt plus noise, and a beat every `period` frames. */
function frames(n: number, seed: number, tilt: number, period: number): Float32Array {
  const r = mulberry32(seed);
  const x = new Float32Array(n * BANDS);
  for (let f = 0; f < n; f++) {
    const beat = f % period === 0 ? 12 : 0;
    for (let b = 0; b < BANDS; b++) x[f * BANDS + b] = -20 - tilt * (b / BANDS) * 40 + beat + 6 * (r() - 0.5);
  }
  return x;
}

function pushChunked(builder: BlockBuilder, x: Float32Array, seed: number): Block[] {
  const r = mulberry32(seed);
  const out: Block[] = [];
  for (let f = 0; f < x.length / BANDS; ) {
    const n = 1 + Math.floor(r() * 40);
    out.push(...builder.push(x.subarray(f * BANDS, Math.min(x.length, (f + n) * BANDS))));
    f += n;
  }
  return out;
}

test('block summaries equal a direct computation over the whole spectrogram, however the frames are chunked', () => {
  const n = 40 * BLOCK_FRAMES + 5;
  const x = frames(n, 1, 1, 21);
  const blocks = pushChunked(new BlockBuilder(BANDS), x, 2);
  assert.equal(blocks.length, 40, 'whole blocks only');
  const at = (f: number, b: number): number => x[f * BANDS + b];
  const onset = (f: number): number => {
    if (f === 0) return 0;
    let s = 0;
    for (let b = 0; b < BANDS; b++) s += Math.max(0, at(f, b) - at(f - 1, b));
    return s / BANDS;
  };
  const std = (v: number[]): number => {
    const m = v.reduce((a, y) => a + y, 0) / v.length;
    return Math.sqrt(v.reduce((a, y) => a + (y - m) ** 2, 0) / v.length);
  };
  for (const blk of blocks) {
    const fs = Array.from({ length: BLOCK_FRAMES }, (_, i) => blk.index * BLOCK_FRAMES + i);
    for (let g = 0; g < GROUPS; g++) {
      const per = BANDS / GROUPS;
      const levels = fs.map((f) => Array.from({ length: per }, (_, i) => at(f, g * per + i)).reduce((a, y) => a + y, 0) / per);
      assert.ok(Math.abs(blk.x[g] - levels.reduce((a, y) => a + y, 0) / levels.length) < 1e-4, `block ${blk.index} group ${g} level`);
      assert.ok(Math.abs(blk.x[GROUPS + g] - std(levels)) < 1e-4, `block ${blk.index} group ${g} spread`);
    }
    const loud = fs.map((f) => Array.from({ length: BANDS }, (_, b) => at(f, b)).reduce((a, y) => a + y, 0) / BANDS);
    assert.ok(Math.abs(blk.x[2 * GROUPS] - std(loud)) < 1e-4, `block ${blk.index} loudness spread`);
    assert.ok(Math.abs(blk.x[2 * GROUPS + 1] - fs.map(onset).reduce((a, y) => a + y, 0) / BLOCK_FRAMES) < 1e-4, `block ${blk.index} flux`);
    assert.ok(Math.abs(blk.onsetSum - fs.map(onset).reduce((a, y) => a + y, 0)) < 1e-6);
    assert.ok(Math.abs(blk.onsetSquares - fs.map((f) => onset(f) ** 2).reduce((a, y) => a + y, 0)) < 1e-6);
    for (let i = 0; i < LAGS; i++) {
      const l = LAG_MIN + i;
      const direct = fs.filter((u) => u >= l).reduce((a, u) => a + onset(u) * onset(u - l), 0);
      assert.ok(Math.abs(blk.lagProducts[i] - direct) < 1e-6 * Math.max(1, direct), `block ${blk.index} lag ${l}`);
    }
  }
});

/** The peak rule applied to the whole sequence: a change at d when s_d ≥ 0, no higher score from d − behind to d + ahead, and d − last ≥ gap. */
function peaksDirect(scores: number[], first: number, behind: number, ahead: number, gap: number): number[] {
  const out: number[] = [];
  let last = 0;
  for (let i = 0; i < scores.length; i++) {
    const d = first + i;
    const near = scores.slice(Math.max(0, i - behind), Math.min(scores.length, i + ahead + 1));
    if (scores[i] >= 0 && d - last >= gap && near.every((s) => s <= scores[i])) {
      out.push(d);
      last = d;
    }
  }
  return out;
}

test('the causal peak picker finds what the rule finds on the whole score sequence', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const r = mulberry32(seed);
    const scores = Array.from({ length: 600 }, () => (r() < 0.03 ? r() * 3 : -r() * 3));
    if (seed % 5 === 0) scores[40] = -Infinity;
    const behind = Math.floor(r() * 10);
    const ahead = Math.floor(r() * 10);
    const gap = 1 + Math.floor(r() * 60);
    const picker = new PeakPicker(behind, ahead, gap);
    const found: number[] = [];
    for (const s of scores) found.push(...picker.push(s));
    found.push(...picker.finish());
    assert.deepEqual(found, peaksDirect(scores, 1, behind, ahead, gap), `seed ${seed} (behind ${behind}, ahead ${ahead}, gap ${gap})`);
  }
});

test('the detector finds a change between two different textures and rhythms, the same however its input arrives', () => {
  // 40 s of one "song" (flat spectrum, a beat every 21 frames), then 40 s of another (steep tilt, every 13).
  const a = frames(Math.round(40 / FRAME_S), 3, 0.2, 21);
  const b = frames(Math.round(40 / FRAME_S), 4, 1.2, 13);
  const x = new Float32Array(a.length + b.length);
  x.set(a);
  x.set(b, a.length);
  const total = x.length / BANDS;
  const changeS = (a.length / BANDS) * FRAME_S;
  const factors = (t: number): Float32Array => Float32Array.from({ length: 8 }, (_, j) => (t < changeS ? 1 : -1) * (j % 2 ? 1 : 0.5));
  const run = (chunkFrames: number, hopFrames: number): number[] => {
    const det = new TrackChangeDetector(BANDS, FRAME_S);
    const out: number[] = [];
    let nextWindow = 0;
    for (let f = 0; f < total; f += chunkFrames) {
      det.pushFrames(x.subarray(f * BANDS, Math.min(total, f + chunkFrames) * BANDS));
      // The CNN windows (130 frames) whose frames are in, as a stream's results come back.
      for (; nextWindow + 130 <= Math.min(total, f + chunkFrames); nextWindow += hopFrames) {
        const t0 = nextWindow * FRAME_S;
        const t1 = (nextWindow + 130) * FRAME_S;
        det.pushFactors(t0, t1, factors((t0 + t1) / 2));
        out.push(...det.advance(t1));
      }
    }
    out.push(...det.advance(total * FRAME_S, true));
    return out;
  };
  const one = run(total, 43);
  assert.equal(one.length, 1, `one change, got ${JSON.stringify(one)}`);
  assert.ok(Math.abs(one[0] - changeS) <= 1, `at ${one[0].toFixed(2)} s, true ${changeS.toFixed(2)} s`);
  assert.deepEqual(run(7, 43), one, 'frames in chunks of 7');
  assert.deepEqual(run(500, 43), one, 'frames in chunks of 500');
});
