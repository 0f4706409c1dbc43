// Removes and edits through the engine's group commit (src/server/catalog-commit.ts) into a user
// catalogue on disk: changes made in one turn share one save; a change the catalogue refuses fails alone
// (its batch is saved); each is answered after the save; the catalogue read back from disk, the one in
// memory, and one an engine opens afresh (a restart) all equal a reference list kept here in the order
// the changes were made.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UnknownIdError, DuplicateIdError, type CatalogItem } from '../../src/catalog/catalog';
import type { CatalogChange } from '../../src/catalog/catalog-change';
import { Engine } from '../../src/engine/engine';
import { loadBundle } from '../../src/model/bundle';
import { loadUserCatalog } from '../../src/model/user-catalog';
import { CatalogCommitter, engineBatchCommit } from '../../src/server/catalog-commit';
import { mulberry32 } from '../../trainer/eval/prng';
import { emptyUserCatalog } from '../helpers/empty-user-catalog';
import { bundleCopy } from '../helpers/engine-client';
import { repoRoot } from '../helpers/shared';
import { tempFiles } from '../helpers/temp-files';

const BUNDLE = path.join(repoRoot(), 'models', 'default');
const F = 50;
const tmp = tempFiles('catalog-change-commit');
const factorsOf = (seed: number): Float32Array => Float32Array.from({ length: F }, (_, i) => Math.sin(seed * 7 + i));

/** The reference: songs in catalogue order (a Map keeps insertion order; an edit keeps its place). */
type Songs = Map<string, { item: CatalogItem; y: Float32Array }>;

function assertHolds(got: { items: readonly CatalogItem[]; factors: Float32Array }, want: Songs, what: string): void {
  assert.deepEqual(got.items, [...want.values()].map((s) => s.item), `${what}: items`);
  assert.deepEqual(Array.from(got.factors), [...want.values()].flatMap((s) => Array.from(s.y)), `${what}: factors`);
}

test('removes and edits: one save per turn, refusals alone, and disk, memory and a restart agree', { timeout: 60_000 }, async () => {
  const dir = path.join(tmp.dir, 'library');
  await emptyUserCatalog(dir, BUNDLE);
  const want: Songs = new Map();
  let engine = await Engine.open({ bundleDir: BUNDLE, catalogDir: dir, inferenceThread: 'main' });
  try {
    const committer = new CatalogCommitter(engineBatchCommit(() => engine.recommender, true));
    const ids = ['a', 'b', 'c', 'd', 'e'];
    await Promise.all(ids.map((id, i) => committer.write({ op: 'add', item: { id, artist: 'x', title: id, uri: `/m/${id}.mp3` }, factors: factorsOf(i) })));
    ids.forEach((id, i) => want.set(id, { item: { id, artist: 'x', title: id, uri: `/m/${id}.mp3` }, y: factorsOf(i) }));

    const turn: CatalogChange[] = [
      { op: 'remove', id: 'a' },
      { op: 'meta', id: 'b', patch: { title: 'B side', uri: null } },
      { op: 'remove', id: 'zz' }, // refused: unknown
      { op: 'add', item: { id: 'c', artist: '', title: '' }, factors: factorsOf(9) }, // refused: duplicate
      { op: 'meta', id: 'd', patch: { uri: 'javascript:alert(1)' } }, // refused: a field rule
      { op: 'add', item: { id: 'a', artist: 'y', title: 'A again' }, factors: factorsOf(20) }, // back, last
      { op: 'meta', id: 'e', patch: { artist: 'Zed' } },
      { op: 'remove', id: 'c' },
    ];
    const commitsBefore = committer.stats.commits;
    const events: string[] = [];
    const settled = await Promise.allSettled(turn.map((c, i) => committer.write(c).then(() => void events.push(`ok ${i}`))));
    assert.equal(committer.stats.commits, commitsBefore + 1, 'one save for the whole turn');
    const reason = (i: number): unknown => (settled[i] as PromiseRejectedResult).reason;
    assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'fulfilled', 'rejected', 'rejected', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    assert.ok(reason(2) instanceof UnknownIdError);
    assert.ok(reason(3) instanceof DuplicateIdError);
    assert.match((reason(4) as Error).message, /patch: uri scheme "javascript:" is not allowed/);
    assert.deepEqual(events, ['ok 0', 'ok 1', 'ok 5', 'ok 6', 'ok 7'], 'answered in order, after the save');
    want.delete('a');
    want.set('b', { item: { id: 'b', artist: 'x', title: 'B side' }, y: want.get('b')!.y });
    want.set('a', { item: { id: 'a', artist: 'y', title: 'A again' }, y: factorsOf(20) });
    want.set('e', { item: { id: 'e', artist: 'Zed', title: 'e', uri: '/m/e.mp3' }, y: want.get('e')!.y });
    want.delete('c');

    // Random turns: the reference applies each change that the catalogue (as it is) accepts.
    const r = mulberry32(3);
    for (let t = 0; t < 12; t++) {
      const changes: CatalogChange[] = Array.from({ length: 1 + Math.floor(r() * 6) }, (_, j) => {
        const id = `s${Math.floor(r() * 8)}`;
        const u = r();
        if (u < 0.45) return { op: 'add', item: { id, artist: 'r', title: `t${t}.${j}` }, factors: factorsOf(100 + t * 10 + j) };
        if (u < 0.75) return { op: 'remove', id };
        return { op: 'meta', id, patch: { title: `edited ${t}.${j}` } };
      });
      const results = await Promise.allSettled(changes.map((c) => committer.write(c)));
      changes.forEach((c, j) => {
        const id = c.op === 'add' ? c.item.id : c.id;
        const expectOk = c.op === 'add' ? !want.has(id) : want.has(id);
        assert.equal(results[j].status, expectOk ? 'fulfilled' : 'rejected', `turn ${t} change ${j} (${c.op} ${id})`);
        if (!expectOk) return;
        if (c.op === 'add') want.set(id, { item: c.item, y: c.factors });
        else if (c.op === 'remove') want.delete(id);
        else want.set(id, { item: { ...want.get(id)!.item, ...c.patch } as CatalogItem, y: want.get(id)!.y });
      });
    }
    assertHolds(engine.recommender.catalog.snapshot(), want, 'in memory');
    const saved = loadUserCatalog(dir, engine.bundle);
    assertHolds({ items: saved.items, factors: saved.itemFactors }, want, 'on disk');
    assert.equal(saved.manifest.items, want.size);
  } finally {
    await engine.close();
  }
  engine = await Engine.open({ bundleDir: BUNDLE, catalogDir: dir, inferenceThread: 'main' });
  try {
    assertHolds(engine.recommender.catalog.snapshot(), want, 'after a restart');
    assert.equal(engine.recommender.catalog.rows, want.size, 'a restart leaves no removed rows');
  } finally {
    await engine.close();
  }
});

test('an engine serving its bundle saves removes and edits into the bundle (a private copy): loadBundle reads them back', { timeout: 60_000 }, async () => {
  const dir = bundleCopy();
  try {
    const engine = await Engine.open({ bundleDir: dir, inferenceThread: 'main' });
    let want: CatalogItem[];
    try {
      const committer = new CatalogCommitter(engineBatchCommit(() => engine.recommender, true));
      const items = engine.recommender.catalog.snapshot().items;
      const [gone, edited] = [items[3].id, items[7].id];
      await Promise.all([committer.write({ op: 'remove', id: gone }), committer.write({ op: 'meta', id: edited, patch: { title: 'Renamed', uri: '/music/renamed.ogg' } })]);
      assert.equal(committer.stats.commits, 1);
      want = items.filter((it) => it.id !== gone).map((it) => (it.id === edited ? { ...it, title: 'Renamed', uri: '/music/renamed.ogg' } : it));
      assert.deepEqual(engine.recommender.catalog.snapshot().items, want);
    } finally {
      await engine.close();
    }
    const bundle = await loadBundle(dir);
    try {
      assert.deepEqual(bundle.items, want);
      assert.equal(bundle.manifest.items, want.length);
    } finally {
      await bundle.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
