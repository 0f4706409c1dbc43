/**
 * Malformed WAV input: every rejection carries the right EarshotError code and a message that
 * names the offending value, and errors surface as early as the bytes allow.
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EarshotError, type EarshotErrorCode } from '../../src/errors';
import { parseWav, WavStreamDecoder } from '../../src/audio/wav';
import { closedFormValues, makeWav, type WavSpec } from '../helpers/wav-writer';

function throwsCode(fn: () => unknown, code: EarshotErrorCode, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof EarshotError, `expected EarshotError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

const base: WavSpec = { encoding: 's16', channels: 2, sampleRateHz: 44100, values: closedFormValues('s16', 8) };
const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('not a WAV', () => {
  test('Ogg bytes: ERR_AUDIO_FORMAT naming the first bytes, thrown on the first push', () => {
    const dec = new WavStreamDecoder();
    throwsCode(() => dec.push(ascii('OggS\0\x02\0\0\0\0\0\0\0\0')), 'ERR_AUDIO_FORMAT', /4f 67 67 53.*"OggS.*looks like ogg/);
  });

  test('RIFX (big-endian), RIFF AVI, ID3 MP3 and a short text', () => {
    throwsCode(() => parseWav(ascii('RIFX\0\0\0\0WAVEfmt ')), 'ERR_AUDIO_FORMAT', /RIFX/);
    throwsCode(() => parseWav(ascii('RIFF\0\0\0\0AVI LIST')), 'ERR_AUDIO_FORMAT', /AVI/);
    throwsCode(() => parseWav(ascii('ID3\x04\0\0\0\0\0\0\0\0')), 'ERR_AUDIO_FORMAT', /looks like mp3/);
    throwsCode(() => parseWav(ascii('hi')), 'ERR_AUDIO_FORMAT', /68 69/);
  });

  test('zero bytes: ERR_AUDIO_EMPTY', () => {
    throwsCode(() => parseWav(new Uint8Array(0)), 'ERR_AUDIO_EMPTY');
  });
});

describe('truncated', () => {
  test('every strict prefix of a file (header or data) is ERR_AUDIO_TRUNCATED', () => {
    const wav = makeWav({ ...base, between: [{ id: 'LIST', body: new Uint8Array(3) }] });
    for (let k = 1; k < wav.length; k++) throwsCode(() => parseWav(wav.subarray(0, k)), 'ERR_AUDIO_TRUNCATED');
  });

  test('data shorter than declared names bytes expected and got', () => {
    const wav = makeWav(base);
    throwsCode(() => parseWav(wav.subarray(0, wav.length - 10)), 'ERR_AUDIO_TRUNCATED', /declares 16 bytes.*after 6 bytes/);
    const dec = new WavStreamDecoder();
    assert.equal(dec.push(wav.subarray(0, wav.length - 10)).length, 2); // the one whole frame came out first
    throwsCode(() => dec.end(), 'ERR_AUDIO_TRUNCATED');
  });

  test('RF64 whose ds64 promises more data than present', () => {
    const wav = makeWav({ ...base, rf64: true, declaredDataBytes: 1000 });
    throwsCode(() => parseWav(wav), 'ERR_AUDIO_TRUNCATED', /1000/);
  });

  test('until-EOF data ending mid-frame', () => {
    const wav = makeWav({ ...base, declaredDataBytes: 0xffffffff });
    throwsCode(() => parseWav(wav.subarray(0, wav.length - 1)), 'ERR_AUDIO_TRUNCATED', /mid-frame: 3 trailing bytes of a 4-byte frame/);
  });
});

describe('empty data', () => {
  test('data chunk of 0 frames: ERR_AUDIO_EMPTY', () => {
    throwsCode(() => parseWav(makeWav({ ...base, values: [] })), 'ERR_AUDIO_EMPTY');
    throwsCode(() => parseWav(makeWav({ ...base, values: [], declaredDataBytes: 0xffffffff })), 'ERR_AUDIO_EMPTY');
  });
});

describe('non-finite samples', () => {
  test('NaN in float32 names the sample index', () => {
    const values = [0.1, 0.2, 0.3, 0.4, 0.5, NaN, 0.7, 0.8];
    throwsCode(() => parseWav(makeWav({ ...base, encoding: 'f32', values })), 'ERR_NOT_FINITE', /sample 5 .*NaN/);
  });

  test('Inf in float64 and a float64 that overflows float32', () => {
    const inf = [0, 0, -Infinity, 0];
    throwsCode(() => parseWav(makeWav({ ...base, encoding: 'f64', values: inf })), 'ERR_NOT_FINITE', /sample 2 .*-Infinity/);
    const big = [0, 1e300, 0, 0];
    throwsCode(() => parseWav(makeWav({ ...base, encoding: 'f64', values: big })), 'ERR_NOT_FINITE', /sample 1 .*overflows/);
  });

  test('index counts across streaming pushes', () => {
    const values = Array.from({ length: 40 }, (_, i) => (i === 33 ? Infinity : 0));
    const wav = makeWav({ ...base, encoding: 'f32', values });
    const dec = new WavStreamDecoder();
    dec.push(wav.subarray(0, 70));
    throwsCode(() => dec.push(wav.subarray(70)), 'ERR_NOT_FINITE', /sample 33 /);
    throwsCode(() => dec.push(new Uint8Array(4)), 'ERR_NOT_FINITE'); // a failed decoder stays failed
  });
});

describe('invalid fmt', () => {
  const cases: [string, Partial<WavSpec>, RegExp][] = [
    ['sample rate 0', { fmt: { sampleRateHz: 0 } }, /sample rate of 0 Hz/],
    ['sample rate 768001', { fmt: { sampleRateHz: 768001 } }, /768001 Hz/],
    ['sample rate 2^32-1', { fmt: { sampleRateHz: 0xffffffff } }, /4294967295 Hz/],
    ['0 channels', { fmt: { channels: 0 } }, /0 channels/],
    ['257 channels', { fmt: { channels: 257 } }, /257 channels/],
    ['65535 channels', { fmt: { channels: 65535 } }, /65535 channels/],
    ['MP3-in-WAV tag', { fmt: { formatTag: 0x55 } }, /MPEG Layer III.*ffmpeg/],
    ['mu-law tag', { fmt: { formatTag: 7 } }, /mu-law/],
    ['block align mismatch', { fmt: { blockAlign: 6 } }, /block align is 6/],
    ['12-bit float', { encoding: 'f32', fmt: { bitsPerSample: 12 } }, /float WAV with 12 bits/],
    ['40-bit PCM', { fmt: { bitsPerSample: 40 } }, /40 bits/],
    ['extensible with a foreign GUID', { extensible: true, guidTail: new Array(14).fill(1) }, /GUID/],
  ];
  for (const [name, patch, message] of cases) {
    test(`${name}: ERR_AUDIO_FORMAT`, () => throwsCode(() => parseWav(makeWav({ ...base, ...patch })), 'ERR_AUDIO_FORMAT', message));
  }

  test('data before fmt, duplicate fmt, a huge fmt chunk', () => {
    const wav = makeWav(base);
    const fmtChunk = wav.subarray(12, 12 + 24);
    const noFmt = new Uint8Array([...wav.subarray(0, 12), ...wav.subarray(36)]);
    throwsCode(() => parseWav(noFmt), 'ERR_AUDIO_FORMAT', /before the fmt/);
    const twoFmt = new Uint8Array([...wav.subarray(0, 36), ...fmtChunk, ...wav.subarray(36)]);
    throwsCode(() => parseWav(twoFmt), 'ERR_AUDIO_FORMAT', /two fmt/);
    const huge = Uint8Array.from(wav.subarray(0, 24));
    new DataView(huge.buffer).setUint32(16, 50_000_000, true);
    throwsCode(() => new WavStreamDecoder().push(huge), 'ERR_AUDIO_FORMAT', /50000000 bytes/);
  });

  test('fmt shorter than 16 bytes', () => {
    const wav = Uint8Array.from([...ascii('RIFF'), 0, 0, 0, 0, ...ascii('WAVEfmt '), 4, 0, 0, 0, 1, 0, 1, 0]);
    throwsCode(() => parseWav(wav), 'ERR_AUDIO_FORMAT', /4 bytes/);
  });
});
