// `earshot-train montage` on a small fake world (songs.tsv + WAVs written here): grid geometry worked
// out from the layout rules, tiles identical to rendering each clip alone, clear errors for a broken world.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { EarshotError } from '../../../src/errors';
import { spectrogramTile } from '../../../src/image/spectrogram';
import { pickPerStyle, renderMontage } from '../../../trainer/world/montage';
import { parseSongsTsv } from '../../../trainer/world/songs-tsv';
import { readPng } from '../../helpers/png-reader';
import { tone } from '../../helpers/tone';
import { makeWav } from '../../helpers/wav-writer';
import { distPath } from '../../helpers/shared';

const run = promisify(execFile);
const TRAIN_CLI = distPath('trainer', 'cli.js');
const SR = 22050;
const HEADER = 'id\tartist\ttitle\tstyle\ttempo_bpm\tkey\tmode\tinstruments\tmoods';

/** [id, style, tone Hz, seconds]; song s3 is a second "dub" song, s4 is shorter than the tile. */
const SONGS: Array<[string, string, number, number]> = [
  ['s1', 'dub', 110, 7],
  ['s2', 'synthpop', 880, 7],
  ['s3', 'dub', 220, 7],
  ['s4', 'chiptune', 1760, 0.5],
];

function makeWorld(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `earshot-montage-${name}-`));
  fs.mkdirSync(path.join(dir, 'audio'));
  const rows = SONGS.map(([id, style], i) => [id, `Artist ${i}`, `Song Number ${i}`, style, String(90 + 10 * i), 'C', 'major', 'bass,drums', 'calm'].join('\t'));
  fs.writeFileSync(path.join(dir, 'songs.tsv'), [HEADER, ...rows].join('\n') + '\n');
  for (const [id, , hz, seconds] of SONGS) {
    fs.writeFileSync(path.join(dir, 'audio', `${id}.wav`), makeWav({ encoding: 'f32', channels: 1, sampleRateHz: SR, values: tone(hz, SR, Math.round(seconds * SR)) }));
  }
  return dir;
}

/** The layout rules (margin 8 px, label line 9 px + 3 px gap, one column per hop) written out again. */
function expectedSize(tiles: number, columns: number, seconds: number, heightScale = 1): [number, number] {
  const cols = Math.min(columns, tiles);
  const rows = Math.ceil(tiles / cols);
  const tileW = 1 + Math.floor((seconds * SR) / 512);
  return [cols * tileW + 8 * (cols + 1), rows * (9 + 3 + 128 * heightScale) + 8 * (rows + 1)];
}

test('parseSongsTsv and pickPerStyle: first songs of each style in file order', () => {
  const text = [HEADER, 'a\tA\tT\tx\t100\tC\tmajor\t\t', 'b\tB\tT\ty\t120.5\tD\tminor\tsynth,bass\tdark', 'c\tC\tT\tx\t90\tE\tmajor\t\t', ''].join('\n');
  const songs = parseSongsTsv(text);
  assert.deepEqual(songs.map((s) => [s.id, s.tempoBpm, s.line]), [['a', 100, 2], ['b', 120.5, 3], ['c', 90, 4]]);
  assert.deepEqual(songs[1].instruments, ['synth', 'bass']);
  assert.deepEqual(pickPerStyle(songs, 1).map((s) => s.id), ['a', 'b']);
  assert.deepEqual(pickPerStyle(songs, 2).map((s) => s.id), ['a', 'c', 'b']);
  const bad: Array<[string, RegExp]> = [
    ['id\tartist\ttitle\n', /line 1 must be the header/],
    [`${HEADER}\na\tA\tT\tx\t100\n`, /line 2: expected 9 tab-separated fields, got 5/],
    [`${HEADER}\na\tA\tT\tx\tfast\tC\tmajor\t\t\n`, /line 2: tempo_bpm must be a number > 0, got "fast"/],
    [`${HEADER}\n../etc\tA\tT\tx\t100\tC\tmajor\t\t\n`, /must not contain path separators/],
    [`${HEADER}\n`, /no songs/],
  ];
  for (const [t, re] of bad) assert.throws(() => parseSongsTsv(t, 'w/songs.tsv'), (e: unknown) => e instanceof EarshotError && e.code === 'ERR_WORLD_FORMAT' && re.test(e.message) && e.message.startsWith('w/songs.tsv'));
});

test('renderMontage: one labelled tile per style, each identical to the clip rendered alone', async () => {
  const world = makeWorld('grid');
  const { image, layout, tiles } = await renderMontage(world, { seconds: 6, columns: 2 });
  assert.deepEqual(tiles.map((t) => t.song.id), ['s1', 's2', 's4']);
  assert.deepEqual([image.width, image.height], expectedSize(3, 2, 6));
  assert.deepEqual([layout.rows, layout.columns], [2, 2]);
  assert.equal(tiles[0].label, 'dub \u2014 Artist 0 \u2014 Song Number 0 \u2014 90 BPM');
  assert.equal(tiles[2].durationS, 0.5);
  const tileW = 1 + Math.floor((6 * SR) / 512);
  for (const [i, t] of tiles.entries()) {
    const x0 = 8 + (i % 2) * (tileW + 8), y0 = 8 + Math.floor(i / 2) * (9 + 3 + 128 + 8);
    const samples = tone(SONGS.find((s) => s[0] === t.song.id)![2], SR, Math.round(Math.min(6, t.durationS) * SR));
    const alone = spectrogramTile(samples);
    for (let y = 0; y < alone.height; y++) {
      const got = image.rgb.subarray(3 * ((y0 + 12 + y) * image.width + x0), 3 * ((y0 + 12 + y) * image.width + x0 + alone.width));
      assert.ok(Buffer.from(got).equals(Buffer.from(alone.rgb.subarray(3 * y * alone.width, 3 * (y + 1) * alone.width))), `tile ${t.song.id} row ${y}`);
    }
    // Some label ink (not background white) in the 9 px line above the tile.
    let ink = 0;
    for (let y = y0; y < y0 + 9; y++) for (let x = x0; x < x0 + tileW; x++) if (image.rgb[3 * (y * image.width + x)] !== 255) ink++;
    assert.ok(ink > 50, `label of ${t.song.id}: ${ink} ink pixels`);
  }
  const two = await renderMontage(world, { seconds: 1.5, columns: 3, perStyle: 2, heightScale: 2 });
  assert.deepEqual(two.tiles.map((t) => t.song.id), ['s1', 's3', 's2', 's4']);
  assert.deepEqual([two.image.width, two.image.height], expectedSize(4, 3, 1.5, 2));
  const wide = await renderMontage(world, { seconds: 1, columns: 8 }); // more columns than tiles: one row
  assert.deepEqual([wide.image.width, wide.image.height], expectedSize(3, 3, 1));
});

test('renderMontage fails clearly on a broken world', async () => {
  const world = makeWorld('broken');
  fs.unlinkSync(path.join(world, 'audio', 's2.wav'));
  await assert.rejects(renderMontage(world), (e: unknown) => {
    assert.ok(e instanceof EarshotError && e.code === 'ERR_IO');
    assert.match(e.message, /no audio for song "s2" \(songs.tsv line 3\): neither .*s2\.wav nor .*s2\.flac exists/);
    return true;
  });
  await assert.rejects(renderMontage(path.join(world, 'nope')), /cannot read ".*nope.songs\.tsv": ENOENT \(is --world a benchmark world directory\?\)/);
  fs.writeFileSync(path.join(world, 'songs.tsv'), 'id,artist,title\n');
  await assert.rejects(renderMontage(world), (e: unknown) => e instanceof EarshotError && e.code === 'ERR_WORLD_FORMAT' && /line 1 must be the header/.test(e.message));
  await assert.rejects(renderMontage(world, { columns: 0 }), /columns must be an integer in 1\.\.64/);
});

test('earshot-train montage writes the PNG and reports a missing clip in one line', async () => {
  const world = makeWorld('cli');
  const out = path.join(world, 'montage.png');
  const { stdout } = await run(process.execPath, [TRAIN_CLI, 'montage', '--world', world, '--out', out, '--seconds', '1', '--columns', '1', '--json']);
  const summary = JSON.parse(stdout.trim());
  const png = readPng(fs.readFileSync(out));
  assert.deepEqual([png.width, png.height], expectedSize(3, 1, 1));
  assert.deepEqual([summary.width, summary.height, summary.rows, summary.columns], [png.width, png.height, 3, 1]);
  assert.deepEqual(summary.tiles.map((t: { id: string }) => t.id), ['s1', 's2', 's4']);

  fs.unlinkSync(path.join(world, 'audio', 's4.wav'));
  const out2 = path.join(world, 'missing.png');
  await assert.rejects(run(process.execPath, [TRAIN_CLI, 'montage', '--world', world, '--out', out2]), (e: { code: number; stderr: string }) => {
    assert.equal(e.code, 1);
    assert.match(e.stderr, /^earshot-train montage: no audio for song "s4" .*\[ERR_IO\]\n$/);
    return true;
  });
  assert.ok(!fs.existsSync(out2));
  await assert.rejects(run(process.execPath, [TRAIN_CLI, 'montage', '--out', out2]), (e: { code: number; stderr: string }) => e.code === 2 && /--world <dir> is required/.test(e.stderr));
});
