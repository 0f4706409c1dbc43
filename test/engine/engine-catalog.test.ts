// The engine over a user catalogue (EngineOptions.catalogDir, src/model/catalog-source.ts): its songs and
// no others, additions saved to the catalogue folder and read back by a reload, and a reload to another
// model refused (the catalogue's factors belong to the first) while the engine goes on as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Engine } from '../../src/engine/engine';
import { loadBundle } from '../../src/model/bundle';
import { initUserCatalog } from '../../src/model/user-catalog';
import { DEFAULT_BUNDLE, testAudio } from '../helpers/engine-client';
import { isCode } from '../helpers/net-reference';
import { otherModelBundle } from '../helpers/other-model';
import { tempFiles } from '../helpers/temp-files';

const tmp = tempFiles('engine-catalog');

test('an engine on a user catalogue: only its songs; saved songs come back on reload; another model is refused', { timeout: 60_000 }, async () => {
  const dir = path.join(tmp.dir, 'library');
  const b = await loadBundle(DEFAULT_BUNDLE);
  initUserCatalog(dir, b);
  await b.close();
  const engine = await Engine.open({ bundleDir: DEFAULT_BUNDLE, catalogDir: dir, inferenceThread: 'main' });
  const other = otherModelBundle();
  try {
    assert.equal(engine.recommender.songs.kind, 'user');
    assert.equal(engine.recommender.catalog.size, 0, 'none of the bundle\'s 2,000 songs');
    // Two songs by their audio, saved as the server's POST /v1/catalog saves them.
    const rec = engine.recommender;
    for (const [id, seed] of [['one', 3], ['two', 4]] as const) {
      const r = await engine.analyze(testAudio(5, seed), 22050);
      assert.equal(r.suggestions.length, id === 'one' ? 0 : 1, 'an empty catalogue suggests nothing; then the one song');
      rec.catalog.add([{ id, artist: 'me', title: id, uri: `/music/${id}.wav` }], r.factors);
      await rec.songs.save(Array.from({ length: rec.catalog.size }, (_, i) => rec.catalog.item(i)), rec.catalog.factors);
    }
    const before = Array.from(rec.catalog.factors);
    await engine.reload();
    assert.notEqual(engine.recommender, rec, 'a new recommender');
    assert.deepEqual(Array.from({ length: 2 }, (_, i) => engine.recommender.catalog.item(i).id), ['one', 'two']);
    assert.deepEqual(Array.from(engine.recommender.catalog.factors), before, 'read back from the folder as saved');

    await assert.rejects(engine.reload(other), isCode('ERR_INVALID_ARGUMENT', /was made for another model/));
    assert.equal(engine.bundle.dir, DEFAULT_BUNDLE, 'still the first model');
    assert.equal(engine.recommender.catalog.size, 2);
    const r = await engine.analyze(testAudio(5, 3), 22050, { k: 5 });
    assert.equal(r.sameTrack?.id, 'one', 'the same audio is taken for the song made from it');
    assert.deepEqual(r.suggestions.map((s) => s.id), ['two']);
  } finally {
    await engine.close();
    fs.rmSync(other, { recursive: true, force: true });
  }
});
