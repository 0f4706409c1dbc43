/**
 * `earshot-train neighbours`: the refusals of bad invocations, and on the 13 real clips of
 * ../shared/data/audio the figures equal neighbourShare and meanPairwiseCosine recomputed here from the
 * factors `earshot analyze --json` prints for the same clips (the engine's own analyze path), labelled by
 * file name and, through --songs and --label, by a column. No model-quality threshold is asserted: the
 * figures are what the bundled model makes of the clips.
 */
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { meanPairwiseCosine, neighbourShare } from '../../../trainer/eval/neighbours';
import { assertCliRefuses } from '../../helpers/cli-refusals';
import { distPath, sharedOrSkip } from '../../helpers/shared';
import { tempFiles } from '../../helpers/temp-files';

const run = promisify(execFile);
const CLI = distPath('trainer', 'cli.js');
const EARSHOT = distPath('src', 'cli', 'earshot.js');
const { dir: tmp, write } = tempFiles('neighbours-cmd');

/** `earshot analyze --json` factors of each file, three processes at a time. */
async function analyzedFactors(files: readonly string[]): Promise<Float32Array[]> {
  const out: Float32Array[] = new Array(files.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < files.length; i = next++) {
      const { stdout } = await run(process.execPath, [EARSHOT, 'analyze', files[i], '--json'], { maxBuffer: 16 << 20 });
      out[i] = Float32Array.from(JSON.parse(stdout).factors as number[]);
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  return out;
}

test('neighbours: bad invocations exit with the CLI mapping, naming the problem', async () => {
  const one = path.dirname(write('one/only-clip.wav', Buffer.alloc(0)));
  const noPath = write('no-path.tsv', 'id\tsoundtrack\na\tx\nb\ty\n');
  const noLabel = write('no-label.tsv', 'id\tpath\tsoundtrack\na\ta.wav\tx\nb\tb.wav\t\n');
  await assertCliRefuses(CLI, [
    [['neighbours'], /--audio is required \[ERR_INVALID_ARGUMENT\]|--audio is required\nusage/, 2],
    [['neighbours', '--audio', tmp, '--label', 'genre'], /--label needs --songs \[ERR_INVALID_ARGUMENT\]/, 2],
    [['neighbours', '--audio', path.join(tmp, 'nope')], /--audio .*nope is not a folder \[ERR_INVALID_ARGUMENT\]/, 2],
    [['neighbours', '--audio', tmp, '--k', '0'], /k/, 2],
    [['neighbours', '--audio', one], /neighbours need at least 2 clips, got 1 \[ERR_INVALID_ARGUMENT\]/, 2],
    [['neighbours', '--audio', tmp, '--songs', noPath], /no-path\.tsv:1: the header has no path column .*\[ERR_SONGS_FORMAT\]/, 1],
    [['neighbours', '--audio', tmp, '--songs', noLabel], /no-label\.tsv: song b has no soundtrack \[ERR_SONGS_FORMAT\]/, 1],
    [['neighbours', '--audio', tmp, '--songs', noLabel, '--label', 'style'], /no-label\.tsv:1: the header has no style column/, 1],
  ]);
});

test('neighbours on the shared clips: the figures recomputed from `earshot analyze` factors', async (t) => {
  const dir = sharedOrSkip(t, 'data/audio');
  if (!dir) return;
  const names = fs.readdirSync(dir).filter((f) => /\.(wav|flac|mp3|ogg|opus)$/.test(f)).sort();
  assert.equal(names.length, 13);
  // A songs file over 5 of them with a column of its own (styles from the clips' README).
  const styled: [string, string][] = [['wesnoth-battle.ogg', 'orchestral'], ['ufoai-battlescape01.flac', 'orchestral'], ['nexuiz-brokenlight.ogg', 'electronic'], ['singularity-awakening.ogg', 'electronic'], ['warzone2100-track17.opus', 'electronic']];
  const songs = write('styled.tsv', ['id\tpath\tstyle', ...styled.map(([f, s], i) => `c${i}\t${f}\t${s}`)].join('\n') + '\n');
  const [byName, bySongs, factors] = await Promise.all([
    run(process.execPath, [CLI, 'neighbours', '--audio', dir, '--k', '3', '--json']),
    run(process.execPath, [CLI, 'neighbours', '--audio', dir, '--songs', songs, '--label', 'Style', '--k', '2', '--json']),
    analyzedFactors(names.map((f) => path.join(dir, f))),
  ]);

  const r = JSON.parse(byName.stdout);
  const labels = names.map((f) => f.slice(0, f.indexOf('-')));
  assert.deepEqual([r.clips, r.labels, r.k], [13, new Set(labels).size, 3]);
  assert.deepEqual(r.model, neighbourShare(factors, labels, names.map((f) => f.replace(/\.[^.]+$/, '')), 3));
  assert.equal(r.meanPairwiseCosine, meanPairwiseCosine(factors));
  // The MFCC reference shares the model's chance (same labels and tracks) and is a share in [0, 1].
  assert.equal(r.mfccReference.chance, r.model.chance);
  assert.deepEqual([r.mfccReference.clips, r.mfccReference.clipsWithPeers], [r.model.clips, r.model.clipsWithPeers]);
  assert.ok(r.mfccReference.share >= 0 && r.mfccReference.share <= 1);

  const s = JSON.parse(bySongs.stdout);
  const sub = styled.map(([f]) => factors[names.indexOf(f)]);
  assert.deepEqual([s.clips, s.labels, s.k], [5, 2, 2]);
  assert.deepEqual(s.model, neighbourShare(sub, styled.map(([, st]) => st), styled.map((_, i) => `c${i}`), 2));
  assert.equal(s.meanPairwiseCosine, meanPairwiseCosine(sub));
});
