// Group commit of catalogue adds (src/server/catalog-commit.ts): adds waiting when a save starts share
// that one save; each add is answered only after the save that holds it; a failing save fails every add
// of its batch with its error and loses nothing saved before (on disk and in memory). Checked with a
// recording commit (the batches, the order of events) and with the engine's real durable save into a
// user catalogue read back from disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Engine } from '../../src/engine/engine';
import { loadUserCatalog } from '../../src/model/user-catalog';
import { changeId, type CatalogChange } from '../../src/catalog/catalog-change';
import { CatalogCommitter, engineBatchCommit } from '../../src/server/catalog-commit';
import { emptyUserCatalog } from '../helpers/empty-user-catalog';
import { repoRoot } from '../helpers/shared';
import { tempFiles } from '../helpers/temp-files';

const BUNDLE = path.join(repoRoot(), 'models', 'default');
const tmp = tempFiles('catalog-commit');
const song = (id: string): { id: string; artist: string; title: string } => ({ id, artist: 'a', title: id });
const factorsOf = (seed: number, f = 50): Float32Array => Float32Array.from({ length: f }, (_, i) => Math.sin(seed * 7 + i));
const add = (id: string, factors: Float32Array): CatalogChange => ({ op: 'add', item: song(id), factors });

test('adds arriving during a save form the next batch; each add resolves after its own save', async () => {
  const events: string[] = [];
  let release!: () => void;
  const firstHeld = new Promise<void>((r) => (release = r));
  const batches: string[][] = [];
  const committer = new CatalogCommitter(async (batch: readonly CatalogChange[]) => {
    batches.push(batch.map((a) => String(changeId(a))));
    events.push(`save ${batch.map((a) => String(changeId(a))).join(',')} start`);
    if (batches.length === 1) await firstHeld;
    events.push(`save ${batch.map((a) => String(changeId(a))).join(',')} done`);
  });
  const track = (id: string): Promise<void> => committer.write(add(id, factorsOf(1))).then(() => void events.push(`answered ${id}`));
  const a = track('a');
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r)); // the first save is under way (held)
  const rest = ['b', 'c', 'd'].map(track);
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(events, ['save a start'], 'nothing answered while the save holding it runs');
  release();
  await Promise.all([a, ...rest]);
  assert.deepEqual(batches, [['a'], ['b', 'c', 'd']], 'one save for the three that waited');
  const at = (e: string): number => events.indexOf(e);
  assert.ok(at('answered a') > at('save a done'), events.join('; '));
  for (const id of ['b', 'c', 'd']) assert.ok(at(`answered ${id}`) > at('save b,c,d done'), events.join('; '));
  assert.equal(events.length, 8);
  assert.deepEqual(committer.stats, { commits: 2, changes: 4, failed: 0, largestBatch: 3 });
});

test('adds made in one turn share one save; maxBatch splits a larger wave', async () => {
  const sizes: number[] = [];
  const committer = new CatalogCommitter(async (batch) => void sizes.push(batch.length), 4);
  await Promise.all(Array.from({ length: 10 }, (_, i) => committer.write(add(`s${i}`, factorsOf(i)))));
  assert.deepEqual(sizes, [4, 4, 2]);
  assert.throws(() => new CatalogCommitter(async () => undefined, 0), /maxBatch must be an integer >= 1, got 0/);
});

test('the engine\'s save: concurrent adds → one durable revision; a failing save fails its whole batch and keeps what was saved', async () => {
  const dir = path.join(tmp.dir, 'library');
  await emptyUserCatalog(dir, BUNDLE);
  const engine = await Engine.open({ bundleDir: BUNDLE, catalogDir: dir, inferenceThread: 'main' });
  try {
    const committer = new CatalogCommitter(engineBatchCommit(() => engine.recommender, true));
    const first = ['one', 'two', 'three'];
    await Promise.all(first.map((id, i) => committer.write(add(id, factorsOf(i)))));
    assert.equal(committer.stats.commits, 1, 'three adds in one turn: one save');
    const saved = loadUserCatalog(dir, engine.bundle);
    assert.equal(saved.manifest.revision, 1, 'one revision written');
    assert.deepEqual(saved.items.map((r) => r.id), first);
    first.forEach((_, i) => assert.deepEqual(Array.from(saved.itemFactors.subarray(i * 50, (i + 1) * 50)), Array.from(factorsOf(i))));
    assert.equal(engine.recommender.catalog.size, 3);

    // Revision 2's factor file cannot be put in place (a directory holds its name): the save fails.
    const blocker = path.join(dir, 'item_factors.r2.npy');
    fs.mkdirSync(blocker);
    const results = await Promise.allSettled(['four', 'five'].map((id, i) => committer.write(add(id, factorsOf(10 + i)))));
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      const err = (r as PromiseRejectedResult).reason as Error & { code?: string };
      assert.equal(err.code, 'ERR_IO');
      assert.match(err.message, /cannot write ".*item_factors\.r2\.npy": EISDIR/);
    }
    assert.equal(engine.recommender.catalog.size, 3, 'the failed batch never joined the catalogue in memory');
    const after = loadUserCatalog(dir, engine.bundle);
    assert.equal(after.manifest.revision, 1);
    assert.deepEqual(after.items.map((r) => r.id), first, 'what was saved is still there');
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary left behind');

    fs.rmdirSync(blocker);
    await committer.write(add('four', factorsOf(10)));
    assert.deepEqual(loadUserCatalog(dir, engine.bundle).items.map((r) => r.id), [...first, 'four'], 'the next save works and holds everything');
    assert.deepEqual(committer.stats, { commits: 3, changes: 4, failed: 2, largestBatch: 3 });
  } finally {
    await engine.close();
  }
});
