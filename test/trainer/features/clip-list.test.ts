/**
 * runFeatures given the clips themselves (the model pipeline's songs), ids that are not file stems
 * (a URI, a path with '/', '..', 250 characters, two ids on one file): every stored row equals
 * extractClip of its path (mel as its float16, MFCC exactly), shards of such ids never leave the store's
 * folder and are resumed like any other, a longer list computes only the new clip; bad lists are
 * refused. listAudio's duplicate stems: an error by default, the first in path order with 'first'.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { EarshotError } from '../../../src/errors';
import { fromHalfBits, toHalfBits } from '../../../src/io/float16';
import { extractClip } from '../../../trainer/features/extract';
import { listAudio, type ClipSource } from '../../../trainer/features/list-audio';
import { runFeatures } from '../../../trainer/features/run-features';
import { encodeShard, shardFileName } from '../../../trainer/features/shard';
import { openFeatureStore } from '../../../trainer/features/store';
import { tempFiles } from '../../helpers/temp-files';
import { makeWav } from '../../helpers/wav-writer';

const { dir: tmp, write } = tempFiles('clip-list');

/** `seconds` of a sine at `hz`, 22,050 Hz mono 16-bit. */
function tone(name: string, hz: number, seconds: number): string {
  const n = Math.round(22050 * seconds);
  const values = Array.from({ length: n }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / 22050)));
  return write(name, Buffer.from(makeWav({ encoding: 's16', channels: 1, sampleRateHz: 22050, values })));
}

const a = tone('music/a.wav', 220, 1.5);
const b = tone('music/sub/b.wav', 330, 1);
const c = tone('music/c.wav', 495, 1.2);
const LONG_ID = 'x'.repeat(250);
const CLIPS: ClipSource[] = [
  { id: 'spotify:track:4uLU6hMCjMI75M1A2tKUQC', path: a },
  { id: 'label/catalogue/0001', path: b },
  { id: '../escape', path: c },
  { id: LONG_ID, path: a },
  { id: 'plain-id', path: b },
];

const isInvalid = (pattern: RegExp) => (err: unknown) => err instanceof EarshotError && err.code === 'ERR_INVALID_ARGUMENT' && pattern.test(err.message);

describe('runFeatures with an explicit clip list', () => {
  test('rows keyed by the given ids equal extractClip of their paths; nothing is written outside the store', async () => {
    const out = path.join(tmp, 'store');
    const s = await runFeatures({ audio: CLIPS, out, threads: 2 });
    assert.deepEqual([s.listed, s.clips, s.computed, s.failed], [5, 5, 5, 0]);
    const store = openFeatureStore(out);
    try {
      assert.deepEqual([...store.ids], CLIPS.map((k) => k.id).sort());
      assert.deepEqual(store.manifest.audio, { source: '', kind: 'clips' });
      for (const { id, path: p } of CLIPS) {
        const want = await extractClip(p);
        assert.equal(store.clip(id).path, p, id);
        assert.deepEqual(store.melOf(id), want.mel.map((v) => fromHalfBits(toHalfBits(v))), id);
        assert.deepEqual(store.mfccOf(id), want.mfcc, id);
      }
    } finally {
      store.close();
    }
    // '../escape' would have left out/escape.shard, 'label/catalogue/0001' failed to write into a missing folder
    assert.deepEqual(fs.readdirSync(out).sort(), ['failed.tsv', 'features.json', 'index.tsv', 'mel.npy', 'mfcc.npy']);
  });

  test('shards of any id are resumed; a longer list computes only the new clip', async () => {
    const out = path.join(tmp, 'resumed');
    const shards = path.join(out, 'shards');
    fs.mkdirSync(shards, { recursive: true });
    for (const k of [CLIPS[1], CLIPS[2], CLIPS[3]]) {
      const name = shardFileName(k.id);
      assert.ok(!name.includes('/') && Buffer.byteLength(name) <= 255 && !name.startsWith('.'), name);
      fs.writeFileSync(path.join(shards, name), encodeShard(k.id, k.path, await extractClip(k.path)));
    }
    const first = await runFeatures({ audio: CLIPS.slice(0, 4), out, threads: 2 });
    assert.deepEqual([first.computed, first.skippedShards, first.clips], [1, 3, 4]);
    const more = await runFeatures({ audio: CLIPS, out, threads: 2 });
    assert.deepEqual([more.computed, more.skippedPacked, more.clips], [1, 4, 5]);
    const fresh = openFeatureStore(path.join(tmp, 'store'));
    const resumed = openFeatureStore(out);
    try {
      for (const { id } of CLIPS) assert.deepEqual(resumed.melOf(id), fresh.melOf(id), id);
    } finally {
      fresh.close();
      resumed.close();
    }
  });

  test('refuses an empty list, an entry without id or path, and one id on two files', async () => {
    const out = path.join(tmp, 'refused');
    await assert.rejects(runFeatures({ audio: [], out }), isInvalid(/the clip list is empty/));
    await assert.rejects(runFeatures({ audio: [{ id: '', path: a }], out }), isInvalid(/clips\[0\] must have a non-empty string id and path/));
    await assert.rejects(runFeatures({ audio: [{ id: 'k', path: a }, { id: 'k', path: '' }], out }), isInvalid(/clips\[1\] must have/));
    await assert.rejects(runFeatures({ audio: [{ id: 'k', path: b }, { id: 'k', path: a }], out }), isInvalid(new RegExp(`two clips have the id "k": "${a}" and "${b}" \\(clip ids and must be unique\\)`)));
    const same = await runFeatures({ audio: [{ id: 'k', path: a }, { id: 'k', path: a }], out: path.join(tmp, 'same'), threads: 1 });
    assert.equal(same.clips, 1, 'the same file listed twice under one id is one clip');
  });
});

describe('listAudio: two files with one stem', () => {
  const dir = path.join(tmp, 'dupes');
  const first = write('dupes/a/x.wav', 'never decoded');
  const second = write('dupes/b/x.flac', 'never decoded');
  const other = write('dupes/c.mp3', 'never decoded');

  test('an error naming both files by default', () => {
    assert.throws(() => listAudio(dir), isInvalid(new RegExp(`two clips have the id "x": "${first}" and "${second}" \\(ids are file names without extension and must be unique\\)`)));
  });

  test("'first' keeps the first in path order and reports the rest", () => {
    const l = listAudio(dir, { duplicates: 'first' });
    assert.deepEqual(l.clips, [{ id: 'c', path: other }, { id: 'x', path: first }]);
    assert.deepEqual(l.duplicates, [{ id: 'x', kept: first, dropped: second }]);
    assert.equal(l.kind, 'directory');
  });
});

describe('packing the store', () => {
  test("'consume' (each shard deleted once packed: the store once on disk) writes byte for byte the store 'safe' writes; 'auto' is 'safe' on a roomy disk", async () => {
    const safe = path.join(tmp, 'pack-safe');
    const consume = path.join(tmp, 'pack-consume');
    const auto = path.join(tmp, 'pack-auto');
    const s1 = await runFeatures({ audio: CLIPS, out: safe, threads: 2, packing: 'safe' });
    const s2 = await runFeatures({ audio: CLIPS, out: consume, threads: 2, packing: 'consume' });
    const s3 = await runFeatures({ audio: CLIPS, out: auto, threads: 2 });
    assert.deepEqual([s1.packing, s2.packing, s3.packing], ['safe', 'consume', 'safe']);
    for (const f of ['mel.npy', 'mfcc.npy', 'index.tsv', 'failed.tsv']) {
      assert.ok(fs.readFileSync(path.join(consume, f)).equals(fs.readFileSync(path.join(safe, f))), f);
    }
    assert.ok(!fs.existsSync(path.join(consume, 'shards')));
    // A longer list extends the consumed store like any other: only the new clip is computed.
    const more = await runFeatures({ audio: [...CLIPS, { id: 'extra', path: c }], out: consume, threads: 2, packing: 'consume' });
    assert.deepEqual([more.clips, more.computed, more.skippedPacked], [6, 1, 5]);
  });
});
