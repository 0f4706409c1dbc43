// The data mistakes a user of earshot-train model meets, through the CLI: a plays file with a bad line
// names file:line (exit 1), plays that name none of the songs with audio say the intersection is empty
// and show both sides (exit 2, a usage error: the ids of --plays and --audio do not match), both told
// before any feature is extracted; plays whose only songs with audio do not decode say so after the
// features. Nothing is written to --out in any of them.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { encodeWavPcm16 } from '../../../src/audio/wav-encode';
import { testAudio } from '../../helpers/engine-client';
import { distPath } from '../../helpers/shared';

const run = promisify(execFile);
const CLI = distPath('trainer', 'cli.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-model-errors-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A music folder of three 4-s songs, s1..s3. */
const music = path.join(tmp, 'music');
fs.mkdirSync(music);
for (const k of [1, 2, 3]) fs.writeFileSync(path.join(music, `s${k}.wav`), encodeWavPcm16(testAudio(4, k), 22050));

/** Runs `model` expecting it to fail; returns its exit code and stderr, checking nothing was written beside --out but its work folder. */
async function modelFails(name: string, plays: string, audio = music): Promise<{ code: number; stderr: string; work: string }> {
  const out = path.join(tmp, `${name}-bundle`);
  const err = await run(process.execPath, [CLI, 'model', '--plays', plays, '--audio', audio, '--out', out, '--threads', '1']).then(
    () => assert.fail(`${name}: model succeeded`),
    (e: { code: number; stderr: string }) => e,
  );
  assert.ok(!fs.existsSync(out), `${name}: nothing at --out`);
  assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.startsWith(`${name}-bundle`)), [`${name}-bundle.work`].filter((w) => fs.existsSync(path.join(tmp, w))), `${name}: no partial bundle beside --out`);
  return { code: err.code, stderr: err.stderr, work: `${out}.work` };
}

test('a bad line in the plays file: file:line and the line, exit 1, before any feature is extracted', async () => {
  const plays = path.join(tmp, 'bad-plays.tsv');
  fs.writeFileSync(plays, 'u1\ts1\t3\nu1\ts2\t1\nu2\ts2\tmany\nu2\ts3\t2\n');
  const { code, stderr, work } = await modelFails('bad-line', plays);
  assert.equal(code, 1);
  assert.match(stderr, /^earshot-train model: .*bad-plays\.tsv:3: count is not a non-negative number: "u2\\ts2\\tmany" \[ERR_TRIPLETS_FORMAT\]$/m);
  assert.doesNotMatch(stderr, /features:/, 'the plays are read before the audio');
  assert.ok(!fs.existsSync(path.join(work, 'features')), 'no feature store was started');
});

test('plays and audio with no song in common: the empty intersection named with both sides, exit 2, before any feature is extracted', async () => {
  const plays = path.join(tmp, 'other-plays.tsv');
  fs.writeFileSync(plays, 'u1\tSOAAA\t3\nu2\tSOBBB\t1\n');
  const { code, stderr, work } = await modelFails('disjoint', plays);
  assert.equal(code, 2);
  assert.match(stderr, /no song has both plays and audio, nothing to train on: the intersection of .*other-plays\.tsv and the audio is empty: the plays name 2 songs \('SOAAA', 'SOBBB'\), the audio 3 \('s1', 's2', 's3'\)\. Song ids must match: audio files named <id>\.<ext>, or a songs file with id and path columns \[ERR_INVALID_ARGUMENT\]/);
  assert.doesNotMatch(stderr, /features:/);
  assert.ok(!fs.existsSync(path.join(work, 'features')));
});

test('plays whose songs with audio all fail to decode: the empty intersection says so once the features are tried, exit 2', async () => {
  const audio = path.join(tmp, 'broken-music');
  fs.mkdirSync(audio);
  fs.writeFileSync(path.join(audio, 's1.wav'), 'RIFF this is not audio');
  fs.copyFileSync(path.join(music, 's2.wav'), path.join(audio, 's2.wav'));
  const plays = path.join(tmp, 'broken-plays.tsv');
  fs.writeFileSync(plays, 'u1\ts1\t3\nu2\ts1\t1\nu2\ts9\t4\n');
  const { code, stderr } = await modelFails('undecodable', plays, audio);
  assert.equal(code, 2);
  assert.match(stderr, /^model: features: 1 clips computed, 1 songs with features/m);
  assert.match(stderr, /the plays name 2 songs \('s1', 's9'\), the audio 2 \('s1', 's2'\); 1 of the 2 audio files could not be decoded\./);
});
