// earshot-train model through the CLI on a small generated world handed over as a user would (the
// plays file and the audio folder, songs matched by file stem, plus a songs file with uris): the --json
// summary is the last line of stdout (stages, counts, evaluation {random, cnn, upper_bound}), progress
// goes to stderr one line per stage, the bundle loads with each song's uri, a rerun reuses every stage,
// and the argument mistakes are refused before any work, a user's folder at --out never replaced.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { loadBundle } from '../../../src/model/bundle';
import { torchStatus } from '../../../trainer/cnn/torch-addon';
import { generateWorld } from '../../../trainer/world/generate';
import { readSongsTsv } from '../../../trainer/world/songs-tsv';
import { assertCliRefuses } from '../../helpers/cli-refusals';
import { distPath } from '../../helpers/shared';
import { torchOrSkip } from '../../helpers/torch';

const run = promisify(execFile);
const CLI = distPath('trainer', 'cli.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-model-cli-'));
const world = path.join(tmp, 'world');
const songsFile = path.join(tmp, 'songs.tsv');
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

before(async () => {
  if (!torchStatus().available) return;
  await generateWorld({ songs: 40, users: 200, seed: 7, out: world, clipSeconds: 5, threads: 2 });
  const rows = readSongsTsv(world);
  // A songs file in its own column order, with an extra column to ignore and a uri per song.
  fs.writeFileSync(songsFile, ['title\tid\turi\tartist\tnotes\ttags', ...rows.map((r) => `${r.title}\t${r.id}\thttps://music.example/${r.id}.ogg\t${r.artist}\tx\t${[r.style, ...r.moods].join(',')}`)].join('\n') + '\n');
});

const QUICK = ['--cnn', 'small', '--cnn-epochs', '1', '--windows-per-clip', '2', '--factors', '8', '--threads', '2'];

test('model --json: the summary is the last line of stdout; the bundle serves uris; a rerun reuses every stage', async (t) => {
  if (!torchOrSkip(t)) return;
  const out = path.join(tmp, 'bundle');
  const args = [CLI, 'model', '--plays', path.join(world, 'plays.tsv'), '--audio', path.join(world, 'audio'), '--songs', songsFile, '--out', out, '--holdout', 'cold-start', '--json', ...QUICK];
  const env = { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' };
  const first = await run(process.execPath, args, { env });
  const lines = first.stdout.trimEnd().split('\n');
  const s = JSON.parse(lines[lines.length - 1]);
  assert.equal(s.bundle, out);
  assert.equal(s.work, `${out}.work`);
  assert.deepEqual(s.stages.map((x: { name: string }) => x.name), ['features', 'plays', 'holdout', 'wmf', 'cnn', 'tags', 'bundle']);
  assert.ok(s.stages.every((x: { reused: boolean }) => !x.reused));
  assert.equal(s.counts.songs, 40);
  assert.equal(s.counts.catalogue, 40);
  assert.equal(s.counts.playsWithoutAudio, 0);
  assert.deepEqual(s.leftOut, { file: path.join(`${out}.work`, 'left-out.json'), songsWithoutAudio: [], undecodable: [], droppedUsers: 0, problems: [] });
  assert.deepEqual(JSON.parse(fs.readFileSync(s.leftOut.file, 'utf8')).songsWithoutAudio, []);
  assert.deepEqual(Object.keys(s.evaluation), ['random', 'cnn', 'upper_bound']);
  for (const row of Object.values(s.evaluation) as { auc: number; map500: number }[]) assert.ok(row.auc >= 0 && row.auc <= 1 && row.map500 >= 0 && row.map500 <= 1);
  assert.ok(s.evaluation.upper_bound.auc > s.evaluation.random.auc, 'the upper bound beats random');
  // Not a terminal: one line per stage on stderr, no status-line rewrites.
  for (const stage of ['features', 'plays', 'holdout', 'wmf', 'cnn', 'tags', 'bundle']) assert.match(first.stderr, new RegExp(`^model: ${stage}: `, 'm'));
  assert.doesNotMatch(first.stderr, /\r/);
  assert.ok(fs.existsSync(path.join(out, 'report.md')), 'the evaluation report travels with the bundle');

  const b = await loadBundle(out);
  try {
    assert.equal(b.items.length, 40);
    for (const item of b.items) assert.equal(item.uri, `https://music.example/${item.id}.ogg`);
    assert.match(b.manifest.command, /^earshot-train model --plays /);
    assert.match(b.manifest.training.inputs?.songs ?? '', /^[0-9a-f]{64}$/);
    assert.ok(b.tags.length > 0);
  } finally {
    await b.close();
  }

  const again = await run(process.execPath, args, { env });
  const s2 = JSON.parse(again.stdout.trimEnd().split('\n').at(-1)!);
  assert.deepEqual(Object.fromEntries(s2.stages.map((x: { name: string; reused: boolean }) => [x.name, x.reused])), { features: true, plays: false, holdout: true, wmf: true, cnn: true, tags: true, bundle: false });
  assert.deepEqual(s2.evaluation, s.evaluation);
});

test('model without --json: a human summary on stdout; --no-refit bundles the holdout run', async (t) => {
  if (!torchOrSkip(t)) return;
  const out = path.join(tmp, 'bundle-no-refit');
  const { stdout } = await run(process.execPath, [CLI, 'model', '--plays', path.join(world, 'plays.tsv'), '--audio', path.join(world, 'audio'), '--out', out, '--work', path.join(tmp, 'work'), '--holdout', 'cold-start', '--no-refit', ...QUICK]);
  assert.match(stdout, /^bundle: .*bundle-no-refit \(40 songs: 40 with plays, 0 placed from their audio alone; \d+ users, \d+ plays\)$/m);
  assert.match(stdout, /^cnn-mse +mAP@500 0\.\d{5} {2}AUC 0\.\d{4}$/m);
  assert.match(stdout, /^report: .*report\.md$/m);
  const b = await loadBundle(out);
  try {
    assert.equal(b.items.length, 40);
    assert.ok(b.items.every((i) => !i.uri), 'no songs file: no uri');
    assert.ok(b.manifest.metrics.coldStart, 'the evaluation in the manifest');
  } finally {
    await b.close();
  }
  assert.ok(!fs.readdirSync(tmp).some((f) => f.startsWith('bundle-no-refit.work')), '--work was used instead of <out>.work');
});

test('model refuses bad arguments before any work', async () => {
  const plays = path.join(tmp, 'p.tsv');
  fs.writeFileSync(plays, 'u1\ts1\t3\n');
  const mine = path.join(tmp, 'my-music');
  fs.mkdirSync(mine, { recursive: true });
  fs.writeFileSync(path.join(mine, 'keep.txt'), 'mine');
  const base = ['model', '--plays', plays, '--audio', tmp];
  await assertCliRefuses(CLI, [
    [['model', '--plays', plays, '--out', tmp], /--plays, --audio and --out are required/, 2],
    [[...base, '--out', path.join(tmp, 'o'), '--format', 'xml'], /--format must be auto, triplets, columns or hetrec, got 'xml'/, 2],
    [[...base, '--out', path.join(tmp, 'o'), '--holdout', 'random'], /--holdout must be cold-start, got 'random'/, 2],
    [[...base, '--out', path.join(tmp, 'o'), '--no-refit'], /--no-refit needs --holdout cold-start/, 2],
    [[...base, '--out', path.join(tmp, 'o'), '--baselines'], /--baselines needs --holdout cold-start/, 2],
    [[...base, '--out', path.join(tmp, 'o'), '--holdout', 'cold-start', '--test-fraction', '1'], /--test-fraction must be a number > 0 and <= 0\.9, got '1'/, 2],
    [[...base, '--out', path.join(tmp, 'o'), '--objective', 'mae'], /--objective must be mse or wpe, got 'mae'/, 2],
    [[...base, '--out', path.join(tmp, 'o'), '--cnn', 'huge'], /--cnn must be paper, compact or small, got 'huge'/, 2],
    [[...base, '--out', mine], /--out .*my-music exists and is not a model bundle; choose another --out/, 2],
    [[...base, '--out', plays], /--out .*p\.tsv exists and is not a directory/, 1],
    [[...base, '--out', path.join(tmp, 'o'), '--work', path.join(tmp, 'o', 'work')], /--work .* is inside --out .*, which is replaced by the new bundle/, 2],
  ]);
  assert.equal(fs.readFileSync(path.join(mine, 'keep.txt'), 'utf8'), 'mine', "the user's folder is untouched");
  assert.ok(!fs.existsSync(path.join(tmp, 'o')));
});
