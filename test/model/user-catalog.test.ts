// A user catalogue on disk (src/model/user-catalog.ts): created empty for a model, saved in revisions,
// read back as written, refused by another model (ERR_INVALID_ARGUMENT) and when damaged (ERR_MODEL_FORMAT).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadBundle, type Bundle } from '../../src/model/bundle';
import { initUserCatalog, loadUserCatalog, saveUserCatalog, USER_CATALOG_MANIFEST } from '../../src/model/user-catalog';
import { bundleCopy, DEFAULT_BUNDLE } from '../helpers/engine-client';
import { isCode } from '../helpers/net-reference';
import { otherModelBundle } from '../helpers/other-model';
import { tempFiles } from '../helpers/temp-files';

const tmp = tempFiles('user-catalog');
let bundle: Bundle;
let copy: Bundle;
let other: Bundle;

before(async () => {
  bundle = await loadBundle(DEFAULT_BUNDLE);
  copy = await loadBundle(bundleCopy());
  other = await loadBundle(otherModelBundle());
});

after(async () => {
  for (const b of [bundle, copy, other]) {
    await b.close();
    if (b !== bundle) fs.rmSync(b.dir, { recursive: true, force: true });
  }
});

test('init writes an empty catalogue tied to the model; saves are revisions read back as written', async () => {
  const dir = path.join(tmp.dir, 'mine');
  const m = initUserCatalog(dir, bundle);
  const sha = createHash('sha256').update(fs.readFileSync(path.join(DEFAULT_BUNDLE, 'model.onnx'))).digest('hex');
  assert.equal(m.model.sha256, sha);
  assert.equal(m.model.factors, 50);
  assert.equal(m.model.windowFrames, bundle.manifest.windowFrames);
  assert.deepEqual(m.model.mel, bundle.manifest.mel);
  assert.equal(m.model.bundle, 'default');
  assert.deepEqual(fs.readdirSync(dir).sort(), [USER_CATALOG_MANIFEST, 'item_factors.npy', 'items.tsv']);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, USER_CATALOG_MANIFEST), 'utf8')), m);

  const empty = loadUserCatalog(dir, bundle);
  assert.deepEqual([empty.items.length, empty.itemFactors.length], [0, 0]);
  assert.equal(loadUserCatalog(dir, copy).items.length, 0, 'the same model in another directory: accepted');

  const songs = [{ id: 'a', artist: 'Ana', title: 'One', uri: '/music/a.mp3' }, { id: 'b', artist: '', title: 'Two' }];
  const factors = Float32Array.from({ length: 100 }, (_, i) => Math.sin(i));
  const m1 = await saveUserCatalog(dir, loadUserCatalog(dir, bundle).manifest, songs, factors);
  assert.deepEqual([m1.revision, m1.items, m1.files], [1, 2, { itemFactors: 'item_factors.r1.npy', items: 'items.r1.tsv' }]);
  const back = loadUserCatalog(dir, bundle);
  assert.deepEqual(back.items, songs);
  assert.deepEqual(Array.from(back.itemFactors), Array.from(factors));
  const m2 = await saveUserCatalog(dir, m1, songs.slice(0, 1), factors.subarray(0, 50));
  assert.equal(m2.revision, 2);
  assert.deepEqual(fs.readdirSync(dir).sort(), [USER_CATALOG_MANIFEST, 'item_factors.npy', 'item_factors.r2.npy', 'items.r2.tsv', 'items.tsv'], 'revision 1 is gone');
  assert.deepEqual(loadUserCatalog(dir, bundle).items, songs.slice(0, 1));
});

test('init refuses a catalogue, a file and a non-empty directory, writing nothing', () => {
  const dir = path.join(tmp.dir, 'twice');
  initUserCatalog(dir, bundle);
  assert.throws(() => initUserCatalog(dir, bundle), isCode('ERR_INVALID_ARGUMENT', /is already a catalogue \(catalog\.json\)/));
  const file = tmp.write('a-file.txt', 'mine');
  assert.throws(() => initUserCatalog(file, bundle), isCode('ERR_INVALID_ARGUMENT', /exists and is not a directory/));
  const full = path.dirname(tmp.write('full/notes.txt', 'mine'));
  assert.throws(() => initUserCatalog(full, bundle), isCode('ERR_INVALID_ARGUMENT', /is not empty \(1 entries, e\.g\. notes\.txt\)/));
  assert.deepEqual(fs.readdirSync(full), ['notes.txt']);
});

test('another model refuses the catalogue, naming both models and what to do', () => {
  const dir = path.join(tmp.dir, 'for-default');
  initUserCatalog(dir, bundle);
  const want = createHash('sha256').update(fs.readFileSync(path.join(other.dir, 'model.onnx'))).digest('hex');
  assert.throws(
    () => loadUserCatalog(dir, other),
    isCode('ERR_INVALID_ARGUMENT', new RegExp(`was made for another model \\(bundle 'default', model\\.onnx sha256 [0-9a-f]{12}…, 50 factors\\) than bundle .* holds \\(sha256 ${want.slice(0, 12)}…, 50 factors\\).*earshot catalog init <new dir> --bundle`)),
  );
  assert.throws(() => loadUserCatalog(tmp.dir, bundle), isCode('ERR_INVALID_ARGUMENT', /is not a catalogue \(no catalog\.json\); create it with: earshot catalog init/));
});

test('a damaged catalogue is ERR_MODEL_FORMAT naming the file and the problem', () => {
  const dir = path.join(tmp.dir, 'damaged');
  const good = initUserCatalog(dir, bundle);
  const manifestFile = path.join(dir, USER_CATALOG_MANIFEST);
  const cases: [unknown, RegExp][] = [
    ['{', /catalog\.json is not JSON/],
    [{ ...good, format: 'earshot-bundle' }, /format is "earshot-bundle", expected "earshot-catalog"/],
    [{ ...good, version: 2 }, /format version 2 is not supported/],
    [{ ...good, model: { factors: 50 } }, /model must name the model's sha256/],
    [{ ...good, files: { itemFactors: '../../etc/passwd', items: 'items.tsv' } }, /files\.itemFactors must name a file inside the catalogue directory/],
    [{ ...good, files: { itemFactors: 'missing.npy', items: 'items.tsv' } }, /missing\.npy: /],
  ];
  for (const [content, message] of cases) {
    fs.writeFileSync(manifestFile, typeof content === 'string' ? content : JSON.stringify(content));
    assert.throws(() => loadUserCatalog(dir, bundle), isCode('ERR_MODEL_FORMAT', new RegExp(`^catalogue ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*${message.source}`)));
  }
  fs.writeFileSync(manifestFile, JSON.stringify(good));
  fs.writeFileSync(path.join(dir, 'items.tsv'), 'id\tartist\ttitle\nx\ty\n');
  assert.throws(() => loadUserCatalog(dir, bundle), isCode('ERR_MODEL_FORMAT', /items\.tsv line 2 is not id<TAB>artist<TAB>title/));
});
