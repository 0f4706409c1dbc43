// Stream hops in whole trunk strides (src/engine/hop-frames.ts), against the closed form
// S · max(1, round(hop / (frameS · S))), and the cases it leaves alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hopFrames } from '../../src/engine/hop-frames';

const FRAME_S = 512 / 22050;

test('hops become whole strides of 8 frames: 1 s → 40 frames (0.929 s), 2 s → 88, 0.1 s → 8 (one stride at least)', () => {
  assert.equal(hopFrames(1, FRAME_S, 8, 130), 40);
  assert.equal(hopFrames(2, FRAME_S, 8, 130), 88);
  assert.equal(hopFrames(0.1, FRAME_S, 8, 130), 8);
  assert.equal(hopFrames(60, FRAME_S, 8, 130), 2584);
  for (let hop = 0.1; hop <= 10; hop += 0.037) {
    const f = hopFrames(hop, FRAME_S, 8, 130);
    if (Math.round(hop / FRAME_S) === 130) {
      assert.equal(f, 130, `hop ${hop}: one window`);
      continue;
    }
    assert.equal(f, 8 * Math.max(1, Math.round(hop / FRAME_S / 8)), `hop ${hop}`);
    assert.ok(Math.abs(f * FRAME_S - hop) <= 4 * FRAME_S || f === 8, `hop ${hop} s → ${f} frames: within half a stride`);
  }
});

test('without a stride (stride 1) hops are whole frames as before; a hop of exactly one window is kept', () => {
  assert.equal(hopFrames(1, FRAME_S, 1, 130), 43);
  assert.equal(hopFrames(0.001, FRAME_S, 1, 130), 1);
  assert.equal(hopFrames(130 * FRAME_S, FRAME_S, 8, 130), 130, 'the default analysis hop: the paper\'s non-overlapping windows');
  assert.equal(hopFrames(129 * FRAME_S, FRAME_S, 8, 130), 128);
});
