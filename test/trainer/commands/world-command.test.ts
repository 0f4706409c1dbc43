// earshot-train world end to end through the CLI: a small world in WAV and in FLAC (through ffmpeg,
// lossless: the decoded FLAC must equal the WAV sample for sample), the JSON summary, and the errors a
// user meets (unknown preset, an existing non-empty output, out-of-range numbers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { decodeAudioFile } from '../../../src/audio/decode';
import { findFfmpeg } from '../../../src/audio/ffmpeg';
import { distPath } from '../../helpers/shared';

const run = promisify(execFile);
const CLI = distPath('trainer', 'cli.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-world-cli-'));
const args = ['world', '--songs', '24', '--users', '40', '--clip-seconds', '4', '--seed', '11', '--threads', '2', '--json'];

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('world --json writes the world and summarises it', async () => {
  const out = path.join(tmp, 'wav');
  const { stdout, stderr } = await run(process.execPath, [CLI, ...args, '--out', out]);
  const s = JSON.parse(stdout.trim());
  assert.equal(s.songs, 24);
  assert.equal(s.users, 40);
  assert.equal(s.audioFormat, 'wav');
  assert.match(stderr, /world: audio 24\/24 clips/, 'progress on stderr');
  const lines = fs.readFileSync(path.join(out, 'plays.tsv'), 'utf8').trimEnd().split('\n');
  assert.equal(lines.length, s.plays);
  for (const l of lines) assert.match(l, /^U\d{6}\tSO\d{6}\t[1-9]\d*$/);
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'world.json'), 'utf8'));
  assert.equal(manifest.seed, 11);
  assert.equal(manifest.sampleRateHz, 22050);
  const clips = fs.readdirSync(path.join(out, 'audio')).sort();
  assert.equal(clips.length, 24);
  const d = await decodeAudioFile(path.join(out, 'audio', clips[0]));
  assert.equal(d.mono.length, 4 * 22050);
  assert.ok(!fs.readdirSync(tmp).some((n) => n.includes('.partial-')), 'no partial directory left');
});

test('--audio-format flac is lossless: decoded FLAC equals the WAV world sample for sample', async (t) => {
  if (!findFfmpeg()) {
    t.skip('ffmpeg not on PATH: FLAC output not tested');
    return;
  }
  const wavDir = path.join(tmp, 'wav');
  if (!fs.existsSync(wavDir)) await run(process.execPath, [CLI, ...args, '--out', wavDir]);
  const out = path.join(tmp, 'flac');
  await run(process.execPath, [CLI, ...args, '--out', out, '--audio-format', 'flac']);
  for (const f of ['songs.tsv', 'plays.tsv', 'truth.json']) assert.ok(fs.readFileSync(path.join(out, f)).equals(fs.readFileSync(path.join(wavDir, f))), `${f} identical`);
  for (const id of ['SO000001', 'SO000013', 'SO000024']) {
    const a = await decodeAudioFile(path.join(wavDir, 'audio', `${id}.wav`));
    const b = await decodeAudioFile(path.join(out, 'audio', `${id}.flac`));
    assert.equal(b.sampleRateHz, 22050);
    assert.deepEqual(b.mono, a.mono, `${id}: FLAC decodes to the WAV's samples`);
  }
});

test('bad arguments are refused with the problem named (exit 2), and nothing is written', async () => {
  const fails = async (extra: string[], pattern: RegExp) => {
    const err = await run(process.execPath, [CLI, 'world', ...extra]).then(() => null, (e: { code: number; stderr: string }) => e);
    assert.ok(err, `${extra.join(' ')} should fail`);
    assert.equal(err.code, 2, err.stderr);
    assert.match(err.stderr, pattern);
  };
  await fails(['--preset', 'huge', '--out', path.join(tmp, 'x')], /--preset must be tiny, small or paper-subset, got 'huge'/);
  await fails(['--songs', '24', '--out', path.join(tmp, 'x')], /give --preset, or both --songs and --users/);
  await fails(['--songs', '5', '--users', '3', '--out', path.join(tmp, 'x')], /songs must be an integer in 20\.\./);
  await fails(['--preset', 'tiny', '--seed', '4294967296', '--out', path.join(tmp, 'x')], /seed must be an integer in 0\.\.4294967295/);
  await fails(['--preset', 'tiny', '--audio-format', 'mp3', '--out', path.join(tmp, 'x')], /--audio-format must be wav or flac, got 'mp3'/);
  fs.mkdirSync(path.join(tmp, 'full'));
  fs.writeFileSync(path.join(tmp, 'full', 'keep.txt'), 'mine');
  await fails(['--preset', 'tiny', '--out', path.join(tmp, 'full')], /exists and is not an empty directory/);
  assert.equal(fs.readFileSync(path.join(tmp, 'full', 'keep.txt'), 'utf8'), 'mine');
  assert.ok(!fs.existsSync(path.join(tmp, 'x')));
});
