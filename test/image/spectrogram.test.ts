// Spectrogram images: the colormap against matplotlib's table, the bitmap font, and the tile's axes
// checked with analytic signals (a sine lights the mel band whose Slaney centre is its frequency,
// computed here from the formula, not from the library), then `earshot spectrogram` end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { EarshotError } from '../../src/errors';
import { CELL_WIDTH, drawText, fontCharacters, glyphMask, textWidth } from '../../src/image/bitmap-font';
import { magma, magmaTable } from '../../src/image/colormap';
import { spectrogramImage, spectrogramTile } from '../../src/image/spectrogram';
import { readPng } from '../helpers/png-reader';
import { tone } from '../helpers/tone';
import { makeWav } from '../helpers/wav-writer';
import { assertCliRefuses } from '../helpers/cli-refusals';
import { distPath } from '../helpers/shared';

const run = promisify(execFile);
const CLI = distPath('src', 'cli', 'earshot.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-spec-img-'));
const SR = 22050;

test('magma matches matplotlib _magma_data within 3/255 and brightens monotonically', () => {
  // Entries [index, r, g, b] copied from matplotlib lib/matplotlib/_cm_listed.py, none of them control points.
  const ref: Array<[number, number, number, number]> = [
    [0, 0.001462, 0.000466, 0.013866], [8, 0.013708, 0.011771, 0.068667], [100, 0.537755, 0.156894, 0.506551],
    [128, 0.716387, 0.214982, 0.47529], [200, 0.992785, 0.594891, 0.410283], [255, 0.987053, 0.991438, 0.749504],
  ];
  for (const [i, r, g, b] of ref) {
    const got = magma(i / 255);
    [r, g, b].forEach((v, c) => assert.ok(Math.abs(got[c] - 255 * v) <= 3, `entry ${i} channel ${c}: ${got[c]} vs ${255 * v}`));
  }
  const t = magmaTable(256);
  for (let k = 1; k < 256; k++) assert.ok(t[3 * k] + t[3 * k + 1] + t[3 * k + 2] >= t[3 * k - 3] + t[3 * k - 2] + t[3 * k - 1], `darker at ${k}`);
  assert.deepEqual(magma(-1), magma(0));
  assert.deepEqual(magma(NaN), magma(0));
  assert.deepEqual(magma(2), magma(1));
});

test('the font draws every printable ASCII character and clips at the image edges', () => {
  const chars = new Set(fontCharacters());
  for (let c = 32; c <= 126; c++) assert.ok(chars.has(String.fromCharCode(c)), `no glyph for ${JSON.stringify(String.fromCharCode(c))}`);
  for (const ch of chars) {
    assert.equal(glyphMask(ch).length, 40);
    if (ch !== ' ') assert.ok(glyphMask(ch).some((v) => v === 1), `glyph ${JSON.stringify(ch)} is blank`);
    // Only descenders reach below the baseline (row 7).
    assert.equal(glyphMask(ch).subarray(35).some((v) => v === 1), 'gjpqy'.includes(ch), `glyph ${JSON.stringify(ch)} descender row`);
  }
  // Glyphs that must differ to be readable.
  for (const [a, b] of [['0', 'O'], ['1', 'l'], ['-', '\u2014'], ['5', 'S'], ['8', 'B'], ['g', '9'], ['q', 'g']]) assert.notDeepEqual(glyphMask(a), glyphMask(b), `${a} vs ${b}`);
  assert.deepEqual(glyphMask('é'), glyphMask('e'));
  assert.deepEqual(glyphMask('\u2603'), glyphMask('?'));

  const w = 20, h = 18, scale = 2;
  const img = new Uint8Array(w * h * 3);
  const end = drawText(img, w, 1, 0, 'A', [255, 0, 0], scale);
  assert.equal(end, 1 + CELL_WIDTH * scale);
  const mask = glyphMask('A');
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const gx = Math.floor((x - 1) / scale), gy = Math.floor(y / scale);
      const ink = x >= 1 && gx < 5 && gy < 8 && mask[gy * 5 + gx] === 1;
      assert.deepEqual([...img.subarray(3 * (y * w + x), 3 * (y * w + x) + 3)], ink ? [255, 0, 0] : [0, 0, 0], `pixel ${x},${y}`);
    }
  }
  const clipped = new Uint8Array(w * h * 3);
  drawText(clipped, w, -7, -3, 'WWWWWWWW', [9, 9, 9], 3); // runs off every edge
  assert.ok(clipped.some((v) => v === 9));
  assert.equal(textWidth('ab\u2014c', 2), 4 * CELL_WIDTH * 2);
  assert.throws(() => drawText(new Uint8Array(10), 3, 0, 0, 'x', [0, 0, 0]), (e: unknown) => e instanceof EarshotError && e.code === 'ERR_INVALID_ARGUMENT');
});

/** Slaney mel scale (librosa hz_to_mel, htk=False): linear below 1 kHz, logarithmic above. */
function hzToMel(f: number): number {
  return f < 1000 ? f / (200 / 3) : 15 + (27 * Math.log(f / 1000)) / Math.log(6.4);
}
function melToHz(m: number): number {
  return m < 15 ? (200 / 3) * m : 1000 * Math.exp(((m - 15) * Math.log(6.4)) / 27);
}
/** Centre frequency of mel band k of n between 0 Hz and Nyquist: the (k+1)-th of n+2 equally spaced mel points. */
function bandCentreHz(k: number, n = 128, fmax = SR / 2): number {
  return melToHz(((k + 1) * hzToMel(fmax)) / (n + 1));
}

/** Index of the image row with the largest sum of R+G+B over columns [from, to). */
function brightestRow(img: { width: number; height: number; rgb: Uint8Array }, from: number, to: number): number {
  let best = -1, bestSum = -1;
  for (let y = 0; y < img.height; y++) {
    let s = 0;
    for (let x = from; x < to; x++) s += img.rgb[3 * (y * img.width + x)] + img.rgb[3 * (y * img.width + x) + 1] + img.rgb[3 * (y * img.width + x) + 2];
    if (s > bestSum) [best, bestSum] = [y, s];
  }
  return best;
}

test('a sine at a mel band centre lights that band: low frequencies at the bottom', () => {
  for (const band of [12, 30, 50, 80, 110, 125]) {
    const f = bandCentreHz(band);
    const tile = spectrogramTile(tone(f, SR, SR)); // 1 s
    assert.equal(tile.width, 1 + Math.floor(SR / 512));
    assert.equal(tile.height, 128);
    const row = brightestRow(tile, 3, tile.width - 3); // away from the zero-padded edges
    assert.equal(row, 127 - band, `${f.toFixed(1)} Hz: brightest row ${row} (band ${127 - row}), expected band ${band}`);
  }
  const tall = spectrogramTile(tone(bandCentreHz(40), SR, SR), { pixelsPerBand: 3, pixelsPerFrame: 2 });
  assert.equal(tall.height, 384);
  assert.equal(tall.width, 2 * (1 + Math.floor(SR / 512)));
  assert.equal(Math.floor(brightestRow(tall, 6, tall.width - 6) / 3), 127 - 40);
});

test('time runs left to right; silence is dark, not the brightest colour', () => {
  const x = new Float32Array(2 * SR);
  x.set(tone(1000, SR, SR), SR); // silent first second, sine second
  const tile = spectrogramTile(x);
  const colours = (x0: number, x1: number): Set<string> => {
    const seen = new Set<string>();
    for (let y = 0; y < tile.height; y++) for (let x = x0; x < x1; x++) seen.add(tile.rgb.subarray(3 * (y * tile.width + x), 3 * (y * tile.width + x) + 3).join(','));
    return seen;
  };
  const w = tile.width;
  // The first ~0.45 s hold only silence (every window ends before the sine starts): all darkest.
  assert.deepEqual([...colours(0, 20)], [magma(0).join(',')]);
  // The loudest bin is in the sine half and gets the brightest colour.
  assert.ok(colours(w - 20, w - 3).has(magma(1).join(',')));
  const dark = magma(0);
  const silent = spectrogramTile(new Float32Array(SR));
  for (let i = 0; i < silent.rgb.length; i += 3) assert.deepEqual([silent.rgb[i], silent.rgb[i + 1], silent.rgb[i + 2]], dark);
});

test('dB mapping: top and top − rangeDb are the end colours, linear in between', () => {
  const data = Float32Array.from([0, -20, -40, -80, -120, NaN]); // 1 frame x 6 bands
  const img = spectrogramImage({ data, frames: 1, bands: 6, frameStepS: 512 / SR }, { rangeDb: 80 });
  const px = (band: number): number[] => [...img.rgb.subarray(3 * (5 - band), 3 * (5 - band) + 3)];
  assert.deepEqual(px(0), magma(1));
  assert.deepEqual(px(3), magma(0));
  assert.deepEqual(px(4), magma(0));
  assert.deepEqual(px(5), magma(0));
  for (const [band, t] of [[1, 0.75], [2, 0.5]] as const) px(band).forEach((v, c) => assert.ok(Math.abs(v - magma(t)[c]) <= 1, `band ${band}`));
  const fixed = spectrogramImage({ data, frames: 1, bands: 6, frameStepS: 1 }, { topDb: 20, rangeDb: 40 });
  assert.deepEqual([...fixed.rgb.subarray(3 * 5, 3 * 6)], magma(0.5)); // band 0 (0 dB) is the bottom row
  assert.throws(() => spectrogramImage({ data, frames: 2, bands: 6, frameStepS: 1 }), /frames x bands/);
  assert.throws(() => spectrogramImage({ data, frames: 1, bands: 6, frameStepS: 1 }, { pixelsPerBand: 0 }), /pixelsPerBand/);
});

test('earshot spectrogram writes a PNG of the requested span', async () => {
  const wav = path.join(tmp, 'tone.wav');
  // 44.1 kHz stereo: the command resamples to 22,050 Hz mono like every analysis path.
  const n = 3 * 44100;
  const left = tone(bandCentreHz(70), 44100, n);
  const values = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) values[2 * i] = values[2 * i + 1] = 0.5 * left[i];
  fs.writeFileSync(wav, makeWav({ encoding: 'f32', channels: 2, sampleRateHz: 44100, values }));
  const out = path.join(tmp, 'tone.png');
  const { stdout } = await run(process.execPath, [CLI, 'spectrogram', wav, '--out', out, '--offset', '0.5', '--seconds', '2', '--height-scale', '2', '--json']);
  const summary = JSON.parse(stdout.trim());
  const png = readPng(fs.readFileSync(out));
  const frames = 1 + Math.floor((2 * SR) / 512);
  assert.deepEqual([png.width, png.height, summary.width, summary.height, summary.frames], [frames, 256, frames, 256, frames]);
  assert.equal(summary.durationS, 2);
  assert.equal(Math.floor(brightestRow(png, 3, png.width - 3) / 2), 127 - 70);

  const whole = path.join(tmp, 'whole.png');
  const text = (await run(process.execPath, [CLI, 'spectrogram', wav, '--out', whole])).stdout;
  assert.match(text, /whole\.png: 130 x 128 px/);
  assert.equal(readPng(fs.readFileSync(whole)).width, 1 + Math.floor((3 * SR) / 512));
});

test('earshot spectrogram reports bad input in one line with a code, never a stack', async () => {
  const wav = path.join(tmp, 'short.wav');
  fs.writeFileSync(wav, makeWav({ encoding: 's16', channels: 1, sampleRateHz: SR, values: new Array(SR).fill(1000) }));
  const out = path.join(tmp, 'bad.png');
  const cases: Array<[string[], RegExp, number]> = [
    [['spectrogram', wav], /--out <file.png> is required/, 2],
    [['spectrogram', wav, '--out', out, '--offset', '5'], /offset 5 s is at or past the end .*1\.00 s long.*\[ERR_INVALID_ARGUMENT\]/, 2],
    [['spectrogram', wav, '--out', out, '--seconds', '0'], /--seconds must be a number > 0, got '0'/, 2],
    [['spectrogram', wav, '--out', out, '--height-scale', '1.5'], /--height-scale must be an integer in 1\.\.64/, 2],
    [['spectrogram', path.join(tmp, 'missing.wav'), '--out', out], /missing\.wav.*\[ERR_IO\]/, 1],
  ];
  await assertCliRefuses(CLI, cases);
  assert.ok(!fs.existsSync(out), 'no output written on failure');
});
