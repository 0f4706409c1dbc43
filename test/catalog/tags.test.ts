// The engine's tag model (src/catalog/tags.ts) against p = 1 / (1 + e^-(w·x + b)) written out here,
// its order, the bundle's own tag file, and clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TagModel } from '../../src/catalog/tags';
import { readNpy } from '../../src/io/npy';
import type { BundleTagModel } from '../../src/model/bundle-format';
import { mulberry32 } from '../../trainer/eval/prng';
import { isCode } from '../helpers/net-reference';
import { repoRoot } from '../helpers/shared';

function randomModels(tags: number, f: number, seed: number): BundleTagModel[] {
  const r = mulberry32(seed);
  return Array.from({ length: tags }, (_, j) => ({ tag: `tag${j}`, weights: Array.from({ length: f }, () => 4 * r() - 2), intercept: 2 * r() - 1, auc: null }));
}

test('p = σ(w·x + b) for every tag, most probable first', () => {
  const f = 7;
  const models = randomModels(30, f, 1);
  const model = new TagModel(models);
  const r = mulberry32(2);
  for (let q = 0; q < 10; q++) {
    const x = Float32Array.from({ length: f }, () => 3 * r() - 1.5);
    const want = models
      .map((m) => ({ tag: m.tag, p: 1 / (1 + Math.exp(-(m.intercept + m.weights.reduce((s, w, t) => s + w * x[t], 0)))) }))
      .sort((a, b) => b.p - a.p);
    const got = model.predict(x, 30);
    assert.deepEqual(got.map((g) => g.tag), want.map((w) => w.tag));
    got.forEach((g, j) => assert.ok(Math.abs(g.p - want[j].p) <= 1e-12, `${g.tag}: ${g.p} vs ${want[j].p}`));
    assert.deepEqual(model.predict(x, 5), got.slice(0, 5));
  }
  assert.deepEqual(model.predict(new Float32Array(f), 0), []);
  assert.equal(model.predict(new Float32Array(f), 1000).length, 30);
});

test('extreme scores saturate without overflow; equal probabilities keep the model order', () => {
  const model = new TagModel([
    { tag: 'low', weights: [-1000], intercept: 0, auc: null },
    { tag: 'high', weights: [1000], intercept: 0, auc: 0.9 },
    { tag: 'same-a', weights: [0], intercept: 0.25, auc: null },
    { tag: 'same-b', weights: [0], intercept: 0.25, auc: null },
  ]);
  const got = model.predict(Float32Array.of(1), 4);
  assert.deepEqual(got.map((g) => g.tag), ['high', 'same-a', 'same-b', 'low']);
  assert.equal(got[0].p, 1);
  assert.ok(got[3].p >= 0 && got[3].p < 1e-300);
  assert.deepEqual(new TagModel([]).predict(Float32Array.of(1, 2), 3), []);
});

test('the default bundle\'s tags predict for its own songs', () => {
  const dir = path.join(repoRoot(), 'models', 'default');
  const file = JSON.parse(fs.readFileSync(path.join(dir, 'tags.json'), 'utf8')) as { factors: number; tags: BundleTagModel[] };
  const model = new TagModel(file.tags);
  assert.equal(model.dims, file.factors);
  const songs = readNpy(path.join(dir, 'item_factors.npy')).data as Float32Array;
  const top = model.predict(songs.subarray(0, file.factors), 3);
  assert.equal(top.length, Math.min(3, file.tags.length));
  for (const t of top) assert.ok(t.p > 0 && t.p < 1);
});

test('bad models and vectors are refused with ERR_INVALID_ARGUMENT', () => {
  const model = new TagModel(randomModels(3, 4, 3));
  const bad = (fn: () => unknown, pattern: RegExp) => assert.throws(fn, isCode('ERR_INVALID_ARGUMENT', pattern));
  bad(() => model.predict(new Float32Array(5), 2), /factors must hold F = 4 values, got 5/);
  bad(() => model.predict(Float32Array.of(0, NaN, 0, 0), 2), /factors\[1\] is NaN/);
  bad(() => model.predict(new Float32Array(4), -1), /top must be an integer/);
  bad(() => new TagModel([...randomModels(1, 4, 1), { tag: 'short', weights: [1, 2], intercept: 0, auc: null }]), /"short" has 2 weights, expected 4/);
  bad(() => new TagModel([{ tag: 'nan', weights: [1, NaN], intercept: 0, auc: null }]), /"nan": weight 1 is NaN/);
  bad(() => new TagModel([{ tag: 'b', weights: [1], intercept: Infinity, auc: null }]), /intercept Infinity/);
  bad(() => new TagModel([{ tag: '', weights: [1], intercept: 0, auc: null }]), /non-empty tag name/);
  bad(() => new TagModel({} as unknown as BundleTagModel[]), /must be an array/);
});
