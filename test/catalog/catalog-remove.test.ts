// Catalog.remove / update and applyCatalogChanges against a reference written out here: an array of every
// row ever added (item, factors, live) searched by a float64 brute force over the live rows, over random
// add/remove/update sequences, with the exact search and with the IVF index (every list visited: exact;
// one list: approximate, never a removed row); YᵀY against its closed form over the live songs; the
// fold-in against a catalogue built fresh from the live songs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog, DuplicateIdError, UnknownIdError, type CatalogItem, type Hit, type Metric } from '../../src/catalog/catalog';
import { applyCatalogChanges, type CatalogChange } from '../../src/catalog/catalog-change';
import { foldInListener } from '../../src/catalog/fold-in';
import { mulberry32, type Rand } from '../../trainer/eval/prng';
import { isCode } from '../helpers/net-reference';

const F = 8;
const URIS = ['/music/a.mp3', 'file:///music/b.ogg', 'https://radio.example/c.mp3', '/music/d.flac'];

interface Row {
  item: CatalogItem;
  y: Float32Array;
  live: boolean;
}

/** The reference: every row in the order added; what the catalogue should hold. */
class Reference {
  readonly rows: Row[] = [];
  private next = 0;

  constructor(private readonly r: Rand) {}

  newItems(m: number): { items: CatalogItem[]; factors: Float32Array } {
    const gone = this.rows.filter((w) => !w.live && !this.rows.some((v) => v.live && v.item.id === w.item.id));
    const items = Array.from({ length: m }, (_, j): CatalogItem => {
      // Now and then an id that was removed comes back (once per batch).
      const id = j === 0 && gone.length > 0 && this.r() < 0.3 ? gone[Math.floor(this.r() * gone.length)].item.id : `song-${this.next++}`;
      const it: CatalogItem = { id, artist: `artist ${Math.floor(this.r() * 5)}`, title: `title ${this.next}` };
      if (this.r() < 0.5) it.uri = URIS[Math.floor(this.r() * URIS.length)];
      return it;
    });
    return { items, factors: Float32Array.from({ length: m * F }, () => 2 * this.r() - 1) };
  }

  added(items: CatalogItem[], factors: Float32Array): void {
    items.forEach((item, j) => this.rows.push({ item: { ...item }, y: factors.slice(j * F, (j + 1) * F), live: true }));
  }

  liveRows(): number[] {
    return this.rows.flatMap((w, i) => (w.live ? [i] : []));
  }

  rowOf(id: string): number {
    return this.rows.findIndex((w) => w.live && w.item.id === id);
  }

  /** Live rows by float64 score, descending, ties to the lower row; skip/accept as the catalogue's. */
  ranking(q: Float32Array, metric: Metric, skip?: ReadonlySet<number>, accept?: (i: number, s: number) => boolean): Hit[] {
    const norm = (x: Float32Array) => Math.sqrt(x.reduce((a, v) => a + v * v, 0));
    const qn = norm(q);
    const all: Hit[] = [];
    for (const i of this.liveRows()) {
      if (skip?.has(i)) continue;
      let s = 0;
      for (let t = 0; t < F; t++) s += q[t] * this.rows[i].y[t];
      if (metric === 'cosine') s = qn * norm(this.rows[i].y) > 0 ? s / (qn * norm(this.rows[i].y)) : 0;
      if (!accept || accept(i, s)) all.push({ index: i, score: s });
    }
    return all.sort((a, b) => b.score - a.score || a.index - b.index);
  }
}

const TOL = 1e-5;

/** The exact top k: same scores rank by rank, every row live and scored as the reference scores it, within the cut. */
function assertTop(got: Hit[], want: Hit[], k: number, what: string): void {
  assert.equal(got.length, Math.min(k, want.length), `${what}: count`);
  const score = new Map(want.map((h) => [h.index, h.score]));
  got.forEach((h, t) => {
    assert.ok(score.has(h.index), `${what}: row ${h.index} is removed, excluded or refused`);
    assert.ok(Math.abs(h.score - want[t].score) <= TOL, `${what}: rank ${t} score ${h.score} vs ${want[t].score}`);
    assert.ok(Math.abs(h.score - score.get(h.index)!) <= TOL, `${what}: row ${h.index} scored ${h.score}, reference ${score.get(h.index)}`);
    assert.ok(score.get(h.index)! >= want[got.length - 1].score - TOL, `${what}: row ${h.index} is not in the top ${k}`);
  });
}

/** Hits of an approximate search: live, not skipped, scored as the reference scores them, in order. */
function assertSound(got: Hit[], want: Hit[], k: number, what: string): void {
  assert.ok(got.length <= k, `${what}: at most k`);
  const score = new Map(want.map((h) => [h.index, h.score]));
  got.forEach((h, t) => {
    assert.ok(score.has(h.index), `${what}: row ${h.index} is removed or excluded`);
    assert.ok(Math.abs(h.score - score.get(h.index)!) <= TOL, `${what}: row ${h.index} score`);
    if (t > 0) assert.ok(got[t - 1].score >= h.score, `${what}: order at ${t}`);
  });
}

/** Lookups (ids, uris, counts, items) against the reference. */
function assertLookups(cat: Catalog, ref: Reference, what: string): void {
  const live = ref.liveRows();
  assert.equal(cat.size, live.length, `${what}: size`);
  assert.equal(cat.rows, ref.rows.length, `${what}: rows`);
  assert.equal(cat.playableCount, live.filter((i) => ref.rows[i].item.uri !== undefined).length, `${what}: playableCount`);
  ref.rows.forEach((w, i) => {
    assert.equal(cat.isLive(i), w.live, `${what}: isLive(${i})`);
    if (w.live) {
      assert.equal(cat.indexOf(w.item.id), i, `${what}: indexOf ${w.item.id}`);
      assert.deepEqual(cat.item(i), w.item, `${what}: item(${i})`);
      assert.deepEqual(cat.rowsOf(w.item.id), [i], `${what}: rowsOf id`);
    } else {
      assert.equal(cat.indexOf(w.item.id), ref.rowOf(w.item.id), `${what}: indexOf removed ${w.item.id}`);
      assert.throws(() => cat.item(i), isCode('ERR_INVALID_ARGUMENT', /row \d+ was removed/));
    }
  });
  for (const uri of URIS) {
    const key = uri.replace(/^file:\/\//, '');
    const want = live.filter((i) => ref.rows[i].item.uri !== undefined && ref.rows[i].item.uri!.replace(/^file:\/\//, '') === key);
    assert.deepEqual([...cat.rowsOf(uri)].sort((a, b) => a - b), want, `${what}: rowsOf(${uri})`);
  }
  const snap = cat.snapshot();
  assert.deepEqual(snap.items, live.map((i) => ref.rows[i].item), `${what}: snapshot items`);
  assert.deepEqual(snap.factors, Float32Array.from(live.flatMap((i) => Array.from(ref.rows[i].y))), `${what}: snapshot factors`);
}

/** One random step: add (sometimes an id that was removed), remove (sometimes an absent id) or update. */
function step(cat: Catalog, ref: Reference, r: Rand): void {
  const live = ref.liveRows();
  const u = r();
  if (u < 0.35 || live.length < 5) {
    const { items, factors } = ref.newItems(1 + Math.floor(r() * 3));
    assert.equal(cat.add(items, factors), ref.rows.length, 'add returns the first new row');
    ref.added(items, factors);
  } else if (u < 0.7) {
    if (r() < 0.1) {
      assert.equal(cat.remove('never-added'), false);
      return;
    }
    const i = live[Math.floor(r() * live.length)];
    assert.equal(cat.remove(ref.rows[i].item.id), true);
    ref.rows[i].live = false;
  } else {
    const i = live[Math.floor(r() * live.length)];
    const w = ref.rows[i];
    const patch: { artist?: string; title?: string; uri?: string | null } = {};
    if (r() < 0.5) patch.artist = `new artist ${Math.floor(r() * 100)}`;
    if (r() < 0.5) patch.title = `new title ${Math.floor(r() * 100)}`;
    if (r() < 0.5) patch.uri = r() < 0.3 ? null : URIS[Math.floor(r() * URIS.length)];
    const next: CatalogItem = { id: w.item.id, artist: patch.artist ?? w.item.artist, title: patch.title ?? w.item.title };
    const uri = patch.uri === undefined ? w.item.uri : (patch.uri ?? undefined);
    if (uri !== undefined) next.uri = uri;
    assert.deepEqual(cat.update(w.item.id, patch), next);
    w.item = next;
  }
}

/** Searches of every kind against the reference: topK and topKBatch, both metrics, exclude and accept. */
function assertSearches(cat: Catalog, ref: Reference, r: Rand, exact: boolean, what: string): void {
  const nq = 3;
  const queries = Float32Array.from({ length: nq * F }, () => 2 * r() - 1);
  const q0 = queries.subarray(0, F);
  // A removed song's own factors as the query: it would rank first if it were still there.
  const deadRows = ref.rows.flatMap((w, i) => (w.live ? [] : [i]));
  const probe = deadRows.length > 0 ? ref.rows[deadRows[Math.floor(r() * deadRows.length)]].y : q0;
  const check = exact ? assertTop : assertSound;
  for (const metric of ['dot', 'cosine'] as const) {
    for (const k of [1, 10, 40]) {
      check(cat.topK(probe, k, { metric }), ref.ranking(probe, metric), k, `${what} ${metric} k=${k} removed song's factors`);
      const skip = new Set(Array.from({ length: 8 }, () => Math.floor(r() * (ref.rows.length + 4))));
      const accept = (i: number) => {
        assert.ok(cat.isLive(i), `${what}: accept called on removed row ${i}`);
        return i % 3 !== 0;
      };
      check(cat.topK(q0, k, { metric, exclude: skip, accept }), ref.ranking(q0, metric, skip, accept), k, `${what} ${metric} k=${k} exclude+accept`);
      const batch = cat.topKBatch(queries, nq, k, { metric, exclude: skip });
      batch.forEach((hits, j) => check(hits, ref.ranking(queries.subarray(j * F, (j + 1) * F), metric, skip), k, `${what} ${metric} k=${k} batch ${j}`));
    }
  }
}

async function randomRun(seed: number, steps: number, options: ConstructorParameters<typeof Catalog>[3], exact: boolean): Promise<void> {
  const r = mulberry32(seed);
  const ref = new Reference(r);
  const start = ref.newItems(150);
  const cat = new Catalog(start.items, start.factors, F, options);
  ref.added(start.items, start.factors);
  for (let s = 0; s < steps; s++) {
    step(cat, ref, r);
    if (s % 25 === 24) {
      await cat.whenIndexed();
      assertLookups(cat, ref, `seed ${seed} step ${s}`);
      assertSearches(cat, ref, r, exact, `seed ${seed} step ${s}`);
    }
  }
  if (options?.annThreshold !== undefined) assert.equal(cat.annStatus.state, 'ready', 'the index was built and used');
}

test('random add/remove/update sequences: lookups and exact searches equal the reference', async () => {
  for (const seed of [1, 2, 3]) await randomRun(seed, 300, {}, true);
});

test('with the IVF index visiting every list, searches stay exact through removes; with one list no removed row shows', async () => {
  await randomRun(4, 300, { annThreshold: 200, ann: { lists: 12, nprobe: 1_000 } }, true);
  await randomRun(5, 300, { annThreshold: 200, ann: { lists: 12, nprobe: 1 } }, false);
});

test('most songs removed: searches widen until they have k live songs, and return every live one when fewer', () => {
  const r = mulberry32(6);
  const ref = new Reference(r);
  const { items, factors } = ref.newItems(2000);
  const cat = new Catalog(items, factors, F);
  ref.added(items, factors);
  for (let i = 0; i < 2000; i++) {
    if (i % 97 === 0) continue;
    cat.remove(items[i].id);
    ref.rows[i].live = false;
  }
  const q = Float32Array.from({ length: F }, () => 2 * r() - 1);
  for (const k of [5, 21, 50]) assertTop(cat.topK(q, k, { metric: 'cosine' }), ref.ranking(q, 'cosine'), k, `k=${k}`);
  for (const it of items) cat.remove(it.id);
  assert.equal(cat.size, 0);
  assert.deepEqual(cat.topK(q, 5), []);
  assert.deepEqual(cat.snapshot(), { items: [], factors: new Float32Array(0) });
});

test('YᵀY and the fold-in see only live songs (cached before and after removes and adds)', async () => {
  const r = mulberry32(7);
  const ref = new Reference(r);
  const { items, factors } = ref.newItems(300);
  const cat = new Catalog(items, factors, F);
  ref.added(items, factors);
  const closedForm = (): Float64Array => {
    const g = new Float64Array(F * F);
    for (const i of ref.liveRows()) for (let a = 0; a < F; a++) for (let b = 0; b < F; b++) g[a * F + b] += ref.rows[i].y[a] * ref.rows[i].y[b];
    return g;
  };
  const assertGram = async (what: string) => {
    const got = await cat.gram();
    const want = closedForm();
    want.forEach((v, j) => assert.ok(Math.abs(got[j] - v) <= 1e-9 * Math.max(1, Math.abs(v)), `${what}: YᵀY[${j}] ${got[j]} vs ${v}`));
  };
  await assertGram('before');
  for (let s = 0; s < 60; s++) step(cat, ref, r);
  await assertGram('after steps');
  for (let s = 0; s < 60; s++) step(cat, ref, r);
  const pending = cat.gram(); // removed while the incremental sum is under way
  for (const i of ref.liveRows().slice(0, 5)) {
    cat.remove(ref.rows[i].item.id);
    ref.rows[i].live = false;
  }
  await pending;
  await assertGram('removed during a computation');
  const live = ref.liveRows();
  const history = live.filter((_, j) => j % 11 === 0).map((index, j) => ({ index, plays: 1 + j }));
  const fresh = new Catalog(live.map((i) => ref.rows[i].item), Float32Array.from(live.flatMap((i) => Array.from(ref.rows[i].y))), F);
  const x = await foldInListener(cat, history);
  const y = await foldInListener(fresh, history.map((h) => ({ index: live.indexOf(h.index), plays: h.plays })));
  x.forEach((v, j) => assert.ok(Math.abs(v - y[j]) <= 1e-4 * Math.max(1, Math.abs(y[j])), `fold-in factor ${j}: ${v} vs ${y[j]}`));
});

test('update: fields the item rules refuse, unknown ids and other keys are refused and change nothing', () => {
  const cat = new Catalog([{ id: 'a', artist: 'A', title: 'T', uri: '/m/a.mp3' }], new Float32Array(F).fill(1), F);
  const before = { ...cat.item(0) };
  assert.throws(() => cat.update('nope', { title: 'x' }), (e: unknown) => e instanceof UnknownIdError && e.id === 'nope' && /unknown song id "nope"/.test(e.message));
  assert.throws(() => cat.update('a', { title: 'bad\u0007' }), isCode('ERR_INVALID_ARGUMENT', /title contains a control character/));
  assert.throws(() => cat.update('a', { uri: 'javascript:alert(1)' }), isCode('ERR_INVALID_ARGUMENT', /uri scheme "javascript:" is not allowed/));
  assert.throws(() => cat.update('a', { uri: '' }), isCode('ERR_INVALID_ARGUMENT', /uri is empty/));
  assert.throws(() => cat.update('a', { artist: 5 as unknown as string }), isCode('ERR_INVALID_ARGUMENT', /artist must be a string/));
  assert.throws(() => cat.update('a', { id: 'b' } as never), isCode('ERR_INVALID_ARGUMENT', /patch\.id cannot be changed/));
  assert.throws(() => cat.update('a', null as never), isCode('ERR_INVALID_ARGUMENT', /patch must be an object/));
  assert.deepEqual(cat.item(0), before);
  assert.deepEqual(cat.rowsOf('file:///m/a.mp3'), [0]);
  assert.deepEqual(cat.update('a', { uri: null }), { id: 'a', artist: 'A', title: 'T' });
  assert.equal(cat.playableCount, 0);
  assert.deepEqual(cat.rowsOf('/m/a.mp3'), []);
  assert.deepEqual(cat.update('a', {}), { id: 'a', artist: 'A', title: 'T' });
});

test('applyCatalogChanges applies in order, and names the change that failed (those before it stay applied)', () => {
  const y = (v: number) => new Float32Array(F).fill(v);
  const cat = new Catalog([], new Float32Array(0), F);
  const changes: CatalogChange[] = [
    { op: 'add', item: { id: 'a', artist: 'A', title: 'T' }, factors: y(1) },
    { op: 'meta', id: 'a', patch: { title: 'T2', uri: '/m/a.mp3' } },
    { op: 'remove', id: 'a' },
    { op: 'add', item: { id: 'a', artist: 'A again', title: 'T3' }, factors: y(2) },
  ];
  applyCatalogChanges(cat, changes);
  assert.equal(cat.size, 1);
  assert.equal(cat.indexOf('a'), 1);
  assert.deepEqual(cat.item(1), { id: 'a', artist: 'A again', title: 'T3' });
  assert.deepEqual(cat.vector(1), y(2));
  assert.equal(cat.playableCount, 0);

  const failing = (list: unknown[], err: (e: unknown) => boolean) => assert.throws(() => applyCatalogChanges(cat, list as CatalogChange[]), err);
  failing([{ op: 'add', item: { id: 'b', artist: '', title: '' }, factors: y(3) }, { op: 'remove', id: 'zz' }, { op: 'remove', id: 'b' }],
    (e) => e instanceof UnknownIdError && /^change 1 \(remove "zz"\): unknown song id "zz"$/.test(e.message));
  assert.equal(cat.indexOf('b'), 2, 'the change before the failing one stays applied, the one after is not applied');
  failing([{ op: 'add', item: { id: 'b', artist: '', title: '' }, factors: y(3) }], (e) => e instanceof DuplicateIdError && /^change 0 \(add "b"\): duplicate song id "b"/.test(e.message));
  failing([{ op: 'meta', id: 'zz', patch: {} }], (e) => e instanceof UnknownIdError && /^change 0 \(meta "zz"\)/.test(e.message));
  failing([{ op: 'meta', id: 'b', patch: { title: '\n' } }], isCode('ERR_INVALID_ARGUMENT', /^change 0 \(meta "b"\): patch: title contains a control character/));
  failing([{ op: 'add', item: { id: 'c', artist: '', title: '' }, factors: new Float32Array([NaN, 0, 0, 0, 0, 0, 0, 0]) }], isCode('ERR_INVALID_ARGUMENT', /^change 0 \(add "c"\): factors/));
  failing([{ op: 'rename', id: 'b' }], isCode('ERR_INVALID_ARGUMENT', /^change 0 \(rename "b"\): op must be 'add', 'remove' or 'meta'/));
  failing([null], isCode('ERR_INVALID_ARGUMENT', /^change 0 \(change\): a change must be an object, got null/));
  assert.throws(() => applyCatalogChanges(cat, 'x' as never), isCode('ERR_INVALID_ARGUMENT', /changes must be an array/));
  assert.equal(cat.size, 2);
});
