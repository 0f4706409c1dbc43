/**
 * WAV decoding of every supported variant against closed-form sample values, and streaming
 * equivalence: any split of the bytes must decode to exactly what the whole-buffer parse gives.
 * Malformed input is covered in wav-errors.test.ts.
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseWav, WavStreamDecoder } from '../../src/audio/wav';
import {
  closedFormValues,
  concatBytes,
  concatF32,
  encodeValues,
  expectedSample,
  makeWav,
  type Encoding,
  type WavSpec,
} from '../helpers/wav-writer';

const ENCODINGS: Encoding[] = ['u8', 's16', 's24', 's32', 'f32', 'f64'];

function assertDecodes(spec: WavSpec): void {
  const out = parseWav(makeWav(spec));
  assert.equal(out.sampleRateHz, spec.sampleRateHz);
  assert.equal(out.channels, spec.channels);
  assert.equal(out.frames, spec.values.length / spec.channels);
  const expected = Float32Array.from(spec.values, (v) => expectedSample(spec.encoding, v));
  assert.deepEqual(out.interleaved, expected);
}

describe('parseWav: every encoding x layout', () => {
  for (const encoding of ENCODINGS) {
    for (const channels of [1, 2, 3]) {
      for (const extensible of [false, true]) {
        const name = `${encoding}, ${channels} ch${extensible ? ', WAVE_FORMAT_EXTENSIBLE' : ''}`;
        test(name, () => {
          const values = closedFormValues(encoding, 37 * channels);
          assertDecodes({ encoding, channels, sampleRateHz: 44100, values, extensible });
        });
      }
    }
  }

  test('RF64 with the data size in ds64', () => {
    const values = closedFormValues('s16', 40);
    const wav = makeWav({ encoding: 's16', channels: 2, sampleRateHz: 48000, values, rf64: true });
    const out = parseWav(wav);
    assert.equal(out.format.container, 'RF64');
    assert.equal(out.format.dataBytes, 80);
    assert.deepEqual(out.interleaved, Float32Array.from(values, (v) => expectedSample('s16', v)));
  });

  test('extremes of the spec: 256 channels, 1 Hz and 768 kHz', () => {
    assertDecodes({ encoding: 'f32', channels: 256, sampleRateHz: 22050, values: closedFormValues('f32', 256 * 3) });
    assertDecodes({ encoding: 's16', channels: 1, sampleRateHz: 1, values: closedFormValues('s16', 5) });
    assertDecodes({ encoding: 's24', channels: 2, sampleRateHz: 768000, values: closedFormValues('s24', 10) });
  });
});

describe('parseWav: hand-computed bytes (independent of the test writer)', () => {
  test('int24 little-endian extremes', () => {
    const data = [0, 0, 0x80, 0xff, 0xff, 0x7f, 0, 0, 0, 0xff, 0xff, 0xff, 0, 0, 0x40, 0, 0, 0xc0];
    const wav = makeWav({ encoding: 's24', channels: 1, sampleRateHz: 8000, values: [0, 0, 0, 0, 0, 0] });
    wav.set(data, wav.length - data.length); // 18 data bytes: even, so no pad byte follows
    assert.deepEqual(Array.from(parseWav(wav).interleaved), [-1, 8388607 / 8388608, 0, -1 / 8388608, 0.5, -0.5]);
  });

  test('uint8: 0 -> -1, 128 -> 0, 255 -> 127/128', () => {
    const wav = makeWav({ encoding: 'u8', channels: 1, sampleRateHz: 8000, values: [0, 128, 255, 64] });
    assert.deepEqual(Array.from(parseWav(wav).interleaved), [-1, 0, 127 / 128, -0.5]);
  });

  test('int16 and int32 at -full scale are exactly -1', () => {
    const s16 = makeWav({ encoding: 's16', channels: 1, sampleRateHz: 8000, values: [-32768, 16384] });
    assert.deepEqual(Array.from(parseWav(s16).interleaved), [-1, 0.5]);
    const s32 = makeWav({ encoding: 's32', channels: 1, sampleRateHz: 8000, values: [-(2 ** 31), 2 ** 30] });
    assert.deepEqual(Array.from(parseWav(s32).interleaved), [-1, 0.5]);
  });
});

describe('parseWav: chunk layout', () => {
  const values = closedFormValues('s16', 12);
  const expected = Float32Array.from(values, (v) => expectedSample('s16', v));
  const odd = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 37) & 0xff);

  test('skips unknown chunks, including odd-sized ones with their pad byte', () => {
    const wav = makeWav({
      encoding: 's16',
      channels: 2,
      sampleRateHz: 44100,
      values,
      before: [{ id: 'JUNK', body: odd(3) }, { id: 'bext', body: odd(0) }],
      between: [{ id: 'LIST', body: odd(27) }, { id: 'fact', body: odd(4) }],
      after: [{ id: 'id3 ', body: odd(9) }],
    });
    assert.deepEqual(parseWav(wav).interleaved, expected);
  });

  test('data size 0xFFFFFFFF and 0 mean "until end of stream" (ffmpeg pipe output)', () => {
    for (const declaredDataBytes of [0xffffffff, 0]) {
      const out = parseWav(makeWav({ encoding: 's16', channels: 2, sampleRateHz: 44100, values, declaredDataBytes }));
      assert.equal(out.format.dataBytes, null);
      assert.deepEqual(out.interleaved, expected);
    }
  });

  test('bytes after a declared data chunk are not samples', () => {
    const wav = makeWav({ encoding: 's16', channels: 2, sampleRateHz: 44100, values });
    const withTail = concatBytes([wav, encodeValues('s16', [1, 2, 3, 4, 5])]);
    assert.deepEqual(parseWav(withTail).interleaved, expected);
  });

  test('a declared data size that is not a whole number of frames drops the partial frame', () => {
    const wav = makeWav({ encoding: 's16', channels: 2, sampleRateHz: 44100, values, declaredDataBytes: 22 });
    assert.deepEqual(parseWav(wav).interleaved, expected.subarray(0, 10));
  });
});

/** A file exercising every header path: odd chunks before and after fmt, extensible, 24-bit, 3 ch. */
function complexWav(): Uint8Array {
  return makeWav({
    encoding: 's24',
    channels: 3,
    sampleRateHz: 96000,
    values: closedFormValues('s24', 3 * 11),
    extensible: true,
    before: [{ id: 'JUNK', body: new Uint8Array(5) }],
    between: [{ id: 'LIST', body: new Uint8Array(7).fill(65) }],
  });
}

function decodeInPieces(bytes: Uint8Array, cuts: number[]): Float32Array {
  const dec = new WavStreamDecoder();
  const out: Float32Array[] = [];
  let prev = 0;
  for (const cut of [...cuts, bytes.length]) {
    const piece = dec.push(bytes.subarray(prev, cut));
    if (dec.format) assert.equal(piece.length % dec.format.channels, 0, 'only whole frames are returned');
    out.push(piece);
    prev = cut;
  }
  dec.end();
  return concatF32(out);
}

describe('WavStreamDecoder: streaming equals whole-buffer parse', () => {
  const cases: [string, Uint8Array][] = [
    ['extensible s24 3 ch with odd chunks', complexWav()],
    ['f64 stereo until-EOF data', makeWav({ encoding: 'f64', channels: 2, sampleRateHz: 8000, values: closedFormValues('f64', 14), declaredDataBytes: 0xffffffff })],
    ['RF64 u8 mono', makeWav({ encoding: 'u8', channels: 1, sampleRateHz: 8000, values: closedFormValues('u8', 9), rf64: true })],
  ];
  for (const [name, bytes] of cases) {
    test(`${name}: split at every byte`, () => {
      const whole = parseWav(bytes).interleaved;
      for (let k = 0; k <= bytes.length; k++) assert.deepEqual(decodeInPieces(bytes, [k]), whole, `split at ${k}`);
    });

    test(`${name}: one byte at a time`, () => {
      const cuts = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
      assert.deepEqual(decodeInPieces(bytes, cuts), parseWav(bytes).interleaved);
    });
  }

  test('random chunkings (seeded)', () => {
    const bytes = complexWav();
    const whole = parseWav(bytes).interleaved;
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let trial = 0; trial < 200; trial++) {
      const cuts = Array.from({ length: 1 + rand(8) }, () => rand(bytes.length + 1)).sort((a, b) => a - b);
      assert.deepEqual(decodeInPieces(bytes, cuts), whole, `cuts ${cuts}`);
    }
  });

  test('format is null until the data chunk header, then describes the stream', () => {
    const bytes = complexWav();
    const dataAt = bytes.length - 3 * 3 * 11 - 1; // data bytes are the tail, then 1 pad byte (99 is odd)
    const dec = new WavStreamDecoder();
    dec.push(bytes.subarray(0, dataAt - 1));
    assert.equal(dec.format, null);
    dec.push(bytes.subarray(dataAt - 1, dataAt));
    assert.deepEqual(dec.format, {
      container: 'RIFF',
      sampleRateHz: 96000,
      channels: 3,
      encoding: 's24',
      bitsPerSample: 24,
      blockAlign: 9,
      dataBytes: 99,
    });
    dec.push(bytes.subarray(dataAt));
    dec.end();
    assert.equal(dec.framesDecoded, 11);
  });
});
