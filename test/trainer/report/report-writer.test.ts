// The experiment report (trainer/report/report-writer.ts) on hand-made experiment results: Figure 1
// is an extra, so a catalogue too small for t-SNE (3 cold-start songs) still gets its report.md and
// report.json, with the reason the figure is missing; songs without tags get no figure and no tag
// section (nothing to colour or predict), and the input notes become their own section.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fromTriples } from '../../../trainer/data/interactions';
import { mulberry32 } from '../../../trainer/eval/prng';
import { itemColdStartHoldout } from '../../../trainer/eval/splits';
import type { SongEntry } from '../../../trainer/pipeline/training-data';
import type { ExperimentResult } from '../../../trainer/report/experiment';
import { writeReport } from '../../../trainer/report/report-writer';
import { trainWmf } from '../../../trainer/wmf/train';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-report-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Random plays of `songs` songs, a cold-start split, WMF, and random "CNN" predictions for the held-out songs. */
async function result(songs: number): Promise<ExperimentResult> {
  const rand = mulberry32(songs);
  const u: string[] = [];
  const i: string[] = [];
  const c: number[] = [];
  for (let user = 0; user < 60; user++) {
    for (let s = 0; s < songs; s++) {
      if (rand() < 0.3) {
        u.push(`u${user}`);
        i.push(`s${String(s).padStart(2, '0')}`);
        c.push(1 + Math.floor(rand() * 5));
      }
    }
  }
  const data = fromTriples(u, i, c);
  const split = itemColdStartHoldout(data.byUser, { fraction: 0.2, seed: 1 });
  const wmf = await trainWmf(split.train, { factors: 4, iterations: 3, threads: 1 });
  const cold = new Set(split.items);
  const trainItems = Int32Array.from(data.items.keys()).filter((k) => !cold.has(k));
  const pred = Float32Array.from({ length: split.items.length * 4 }, () => rand() - 0.5);
  return {
    context: { data, split, wmf, trainItems, coldItems: split.items },
    rows: [{ name: 'cnn-mse', map: 0.5, auc: 0.6, users: 60, trainSeconds: 1 }],
    predictions: new Map([['cnn-mse', pred]]), cnn: new Map(),
  };
}

function songsOf(r: ExperimentResult, tags: (k: number) => string[]): Map<string, SongEntry> {
  return new Map(r.context.data.items.map((id, k) => [id, { id, audio: null, artist: `Artist ${k}`, title: `Title ${k}`, uri: '', tags: tags(k) }]));
}

test('too few cold-start songs for t-SNE: the report is written and says why Figure 1 is not', async () => {
  const r = await result(15);
  assert.equal(r.context.coldItems.length, 3);
  const dir = path.join(tmp, 'tiny');
  writeReport(dir, r, { title: 'tiny', command: 'test', missing: [], totalSeconds: 1, songs: songsOf(r, (k) => [k % 2 ? 'rock' : 'jazz']), inputs: ['- 2 songs with plays have no audio and were left out.'] });
  const md = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
  assert.match(md, /## Input\n\n- 2 songs with plays have no audio and were left out\.\n/);
  assert.match(md, /## Figure 1\n\nNot drawn for the 3 cold-start songs: .*needs at least 4 points/);
  assert.ok(!fs.existsSync(path.join(dir, 'figure1-tsne.png')));
  assert.match(md, /## Table 1/);
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')).coldSongs, 3);
});

test('enough cold-start songs: Figure 1 is drawn, coloured by each song\'s first tag; no tags: no figure, no tag section', async () => {
  const r = await result(40);
  const dir = path.join(tmp, 'tagged');
  writeReport(dir, r, { title: 'tagged', command: 'test', missing: [], totalSeconds: 1, songs: songsOf(r, (k) => [k % 2 ? 'rock' : 'jazz', 'calm']) });
  const md = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
  assert.match(md, /!\[Figure 1\]\(figure1-tsne\.png\)/);
  assert.ok(fs.statSync(path.join(dir, 'figure1-tsne.png')).size > 1000);
  assert.match(md, /\| Artist \d+ — Title \d+ \((rock|jazz)\)/, 'songs named by artist, title and first tag');
  assert.doesNotMatch(md, /## Input/);

  const plain = path.join(tmp, 'untagged');
  writeReport(plain, r, { title: 'untagged', command: 'test', missing: [], totalSeconds: 1, songs: songsOf(r, () => []) });
  const md2 = fs.readFileSync(path.join(plain, 'report.md'), 'utf8');
  assert.doesNotMatch(md2, /Figure 1|Tag prediction/);
  assert.match(md2, /Artist \d+ — Title \d+(<br>| \|)/, 'no tag in parentheses');
  assert.equal(JSON.parse(fs.readFileSync(path.join(plain, 'report.json'), 'utf8')).tags, undefined);
});
