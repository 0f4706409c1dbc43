// `earshot mel` end to end: a WAV on disk -> .npy on disk, compared with librosa's output for the
// same samples (the fixture input written as a float WAV at 22,050 Hz, so no resampling is involved).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { readNpy } from '../../src/io/npy';
import { loadInput, loadTransposed, maxAbsDiff } from '../helpers/librosa-fixtures';
import { makeWav } from '../helpers/wav-writer';
import { assertCliRefuses } from '../helpers/cli-refusals';
import { distPath } from '../helpers/shared';

const run = promisify(execFile);
const CLI = distPath('src', 'cli', 'earshot.js');

/** IEEE-float mono WAV of the exact fixture samples (the tests' WAV writer). */
function floatWav(samples: Float32Array, rate: number): Uint8Array {
  return makeWav({ encoding: 'f32', channels: 1, sampleRateHz: rate, values: samples });
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-cli-'));

test('earshot mel writes the librosa dB mel spectrogram as a frames x 128 float32 .npy', async () => {
  const wav = path.join(tmp, 'elvish.wav');
  fs.writeFileSync(wav, floatWav(loadInput('elvish'), 22050));
  const out = path.join(tmp, 'elvish-mel.npy');
  const { stdout } = await run(process.execPath, [CLI, 'mel', wav, '--out', out, '--json']);
  const summary = JSON.parse(stdout.trim().split('\n').pop()!);
  const ref = loadTransposed('elvish/mel_db.npy');
  assert.equal(summary.frames, ref.rows);
  assert.equal(summary.columns, 128);
  const got = readNpy(out);
  assert.deepEqual(got.shape, [ref.rows, 128]);
  assert.equal(got.fortranOrder, false);
  assert.ok(got.data instanceof Float32Array);
  assert.ok(maxAbsDiff(got.data, ref.data) <= 0.01, `dB error ${maxAbsDiff(got.data, ref.data)}`);
});

test('earshot mel --mfcc writes [mfcc, delta, delta2] = 39 columns matching librosa', async () => {
  const wav = path.join(tmp, 'beast.wav');
  fs.writeFileSync(wav, floatWav(loadInput('beast'), 22050));
  const out = path.join(tmp, 'beast-mfcc.npy');
  await run(process.execPath, [CLI, 'mel', wav, '--out', out, '--mfcc']);
  const got = readNpy(out);
  const m = loadTransposed('beast/mfcc.npy'), d1 = loadTransposed('beast/delta.npy'), d2 = loadTransposed('beast/delta2.npy');
  assert.deepEqual(got.shape, [m.rows, 39]);
  let err = 0;
  for (let f = 0; f < m.rows; f++) {
    for (let k = 0; k < 13; k++) {
      err = Math.max(err, Math.abs(got.data[f * 39 + k] - m.data[f * 13 + k]));
      err = Math.max(err, Math.abs(got.data[f * 39 + 13 + k] - d1.data[f * 13 + k]));
      err = Math.max(err, Math.abs(got.data[f * 39 + 26 + k] - d2.data[f * 13 + k]));
    }
  }
  assert.ok(err <= 1e-3, `mfcc/delta error ${err}`);
});

test('earshot mel reports bad input in one line with a code and a non-zero exit, never a stack', async () => {
  const notAudio = path.join(tmp, 'notes.wav');
  fs.writeFileSync(notAudio, 'this is a text file, not audio\n');
  const cases: Array<[string[], RegExp, number]> = [
    [['mel', notAudio, '--out', path.join(tmp, 'x.npy')], /\[ERR_(AUDIO_FORMAT|DECODER_FAILED)\]/, 1],
    [['mel', path.join(tmp, 'missing.wav'), '--out', path.join(tmp, 'x.npy')], /missing\.wav.*\[ERR_IO\]/, 1],
    [['mel', notAudio], /--out <file.npy> is required/, 2],
    [['mel', notAudio, '--out', 'x.npy', '--n-fft', 'big'], /--n-fft must be a number/, 2],
    [['frobnicate'], /unknown command 'frobnicate'/, 2],
  ];
  await assertCliRefuses(CLI, cases);
  assert.ok(!fs.existsSync(path.join(tmp, 'x.npy')), 'no output written on failure');
});
