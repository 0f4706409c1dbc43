// A batch of catalogue changes before its save (src/catalog/change-batch.ts) against the plain way to get
// the same answers: applying the changes one by one to a copy of the catalogue, each in its own try.
// checkChangeBatch must refuse exactly the changes that fail there (with the same error class), songsAfter
// must equal the copy's snapshot, and replayChanges must bring a catalogue from before the save and one
// loaded from it to that same state (the same songs; from the saved state, maybe in another row order).
// Random batches over a small id pool, so that adds of present ids, removes of absent ones and edits after
// removes happen often.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog, type CatalogItem } from '../../src/catalog/catalog';
import { applyCatalogChanges, type CatalogChange } from '../../src/catalog/catalog-change';
import { checkChangeBatch, replayChanges, songsAfter } from '../../src/catalog/change-batch';
import { mulberry32, type Rand } from '../../trainer/eval/prng';

const F = 6;

function copyOf(c: Catalog): Catalog {
  const s = c.snapshot();
  return new Catalog(s.items, s.factors, F);
}

/** Songs by id, each with its factors: a catalogue's content whatever its row order (deepEqual compares Maps unordered). */
function byId(s: { items: CatalogItem[]; factors: Float32Array }): Map<string, [CatalogItem, number[]]> {
  return new Map(s.items.map((it, i): [string, [CatalogItem, number[]]] => [it.id, [it, Array.from(s.factors.subarray(i * F, (i + 1) * F))]]));
}

function randomChange(r: Rand): CatalogChange {
  const id = `s${Math.floor(r() * 12)}`;
  const u = r();
  if (u < 0.4) {
    const item = { id, artist: 'a', title: r() < 0.05 ? 'bad\u0000title' : `t${Math.floor(r() * 50)}`, ...(r() < 0.5 ? { uri: `/m/${id}.mp3` } : {}) };
    const factors = Float32Array.from({ length: r() < 0.05 ? F - 1 : F }, () => 2 * r() - 1);
    return { op: 'add', item, factors };
  }
  if (u < 0.7) return { op: 'remove', id };
  const patch = r() < 0.5 ? { title: `new ${Math.floor(r() * 50)}` } : r() < 0.9 ? { uri: r() < 0.5 ? null : `/n/${id}.ogg` } : { uri: 'data:x' };
  return { op: 'meta', id, patch };
}

test('checkChangeBatch refuses exactly what applying one by one refuses; songsAfter is the result; replay from before or after the save agrees', () => {
  const r = mulberry32(42);
  let catalog = new Catalog([], new Float32Array(0), F);
  for (let round = 0; round < 200; round++) {
    const batch = Array.from({ length: 1 + Math.floor(r() * 8) }, () => randomChange(r));
    const reference = copyOf(catalog);
    const want = batch.map((c) => {
      try {
        applyCatalogChanges(reference, [c]);
        return null;
      } catch (err) {
        return (err as Error).constructor.name;
      }
    });
    const { accepted, outcomes } = checkChangeBatch(catalog, batch);
    assert.deepEqual(outcomes.map((e) => (e ? e.constructor.name : null)), want, `round ${round}: ${JSON.stringify(batch.map((c) => [c.op, 'id' in c ? c.id : c.item.id]))}`);
    assert.deepEqual(accepted, batch.filter((_, i) => want[i] === null));
    const before = catalog.snapshot();
    const saved = songsAfter(catalog, accepted);
    assert.deepEqual(catalog.snapshot(), before, 'checking and computing the saved songs change nothing');
    assert.deepEqual(saved, reference.snapshot(), `round ${round}: the saved songs`);
    // A reload during the save read the songs from before it, or from it: either way the same end.
    // (Onto the saved state the same songs, possibly in another order: a remove and re-add moves a song last.)
    const loadedAfter = new Catalog(saved.items, saved.factors, F);
    replayChanges(loadedAfter, accepted);
    assert.deepEqual(byId(loadedAfter.snapshot()), byId(saved), `round ${round}: replay onto the saved state`);
    replayChanges(catalog, accepted);
    assert.deepEqual(catalog.snapshot(), saved, `round ${round}: replay onto the state before`);
    if (round % 50 === 49) catalog = copyOf(catalog); // compact now and then, as a restart does
  }
});

test('checkChangeBatch names why each refused change was refused', () => {
  const catalog = new Catalog([{ id: 'a', artist: '', title: 'A' }], new Float32Array(F).fill(1), F);
  const { outcomes } = checkChangeBatch(catalog, [
    { op: 'add', item: { id: 'a', artist: '', title: '' }, factors: new Float32Array(F) },
    { op: 'remove', id: 'a' },
    { op: 'remove', id: 'a' },
    { op: 'meta', id: 'a', patch: { title: 'x' } },
    { op: 'add', item: { id: 'a', artist: '', title: '' }, factors: new Float32Array(F - 1) },
    { op: 'add', item: { id: 'a', artist: '', title: 'again' }, factors: new Float32Array(F) },
    { op: 'meta', id: 'a', patch: { uri: 'javascript:x' } },
    { op: 'drop', id: 'a' } as never,
  ]);
  const messages = outcomes.map((e) => e?.message ?? null);
  assert.match(messages[0]!, /duplicate song id "a": it is already in the catalogue/);
  assert.equal(messages[1], null);
  assert.match(messages[2]!, /unknown song id "a"/);
  assert.match(messages[3]!, /unknown song id "a"/);
  assert.match(messages[4]!, /factors must hold F = 6 values, got 5/);
  assert.equal(messages[5], null);
  assert.match(messages[6]!, /patch: uri scheme "javascript:" is not allowed/);
  assert.match(messages[7]!, /op must be 'add', 'remove' or 'meta' \(drop "a"\)/);
});
