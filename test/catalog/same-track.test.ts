// The playing-track rule (src/catalog/same-track.ts): which rows a search refuses, what a stream remembers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SAME_TRACK_COSINE, SameTrackFilter, SameTrackMemory } from '../../src/catalog/same-track';

test('SameTrackFilter refuses rows at cosine ≥ the threshold and remembers only the best of them', () => {
  assert.equal(SAME_TRACK_COSINE, 0.97, 'the measured threshold (bench same-track; docs/catalog.md)');
  const memory = new SameTrackMemory();
  const f = new SameTrackFilter(memory);
  // Offered best first, twice (a widening search starts over): the verdicts and the match do not change.
  for (let pass = 0; pass < 2; pass++) {
    assert.equal(f.accept(4, 0.999), false);
    assert.equal(f.accept(9, 0.97), false, 'the threshold itself is the same track');
    assert.equal(f.accept(2, 0.969999), true);
    assert.equal(f.accept(7, 0.1), true);
  }
  assert.deepEqual(f.match, { row: 4, cosine: 0.999 });
  assert.equal(memory.rows.size, 0, 'nothing is remembered before remember()');
  f.remember();
  assert.deepEqual([...memory.rows], [4]);
  // The next window: row 4 has drifted below the threshold but stays out; nothing new reaches it.
  const g = new SameTrackFilter(memory);
  assert.equal(g.accept(4, 0.9), false);
  assert.equal(g.accept(2, 0.95), true);
  assert.equal(g.match, null);
  g.remember();
  assert.deepEqual([...memory.rows], [4]);
  memory.clear();
  assert.equal(new SameTrackFilter(memory).accept(4, 0.9), true, 'a new track forgets');
});

test('without a memory (analysis, /v1/next) only the threshold counts; equal cosines go to the lower row', () => {
  const f = new SameTrackFilter(null, 0.5);
  assert.equal(f.accept(8, 0.6), false);
  assert.equal(f.accept(3, 0.6), false);
  assert.equal(f.accept(1, 0.49), true);
  assert.deepEqual(f.match, { row: 3, cosine: 0.6 });
  f.remember(); // no memory: nothing to keep, no error
});
