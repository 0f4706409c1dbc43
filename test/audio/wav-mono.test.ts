/**
 * The one-pass decode + downmix (WavStreamDecoder { downmix }, src/audio/wav-mono.ts) against its
 * reference, the two steps it replaces: the interleaved parse (parseWav, itself tested against closed
 * forms in wav.test.ts) followed by downmixToMono. Bit-identical for every encoding, 1–6 channels,
 * random pushes (odd split points leave the samples at unaligned offsets and frames carried across
 * pushes), and a non-finite sample is reported at the same interleaved index.
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { downmixToMono } from '../../src/audio/downmix';
import { parseWav, WavStreamDecoder } from '../../src/audio/wav';
import { concatF32, makeWav, type Encoding } from '../helpers/wav-writer';

const ENCODINGS: Encoding[] = ['u8', 's16', 's24', 's32', 'f32', 'f64'];

/** Deterministic, well-spread numbers in [0, 1): the golden-ratio (Weyl) sequence from `seed`. */
function rng(seed: number): () => number {
  let x = (seed * 0.7548776662466927) % 1;
  return () => (x = (x + 0.6180339887498949) % 1);
}

/** Values the encoding represents exactly: its integer codes over the full range; floats in [-1, 1). */
function randomValues(encoding: Encoding, count: number, next: () => number): number[] {
  if (encoding === 'u8') return Array.from({ length: count }, () => Math.floor(next() * 256)); // unsigned codes
  const full: Record<Encoding, number> = { u8: 0, s16: 32768, s24: 8388608, s32: 2147483648, f32: 0, f64: 0 };
  return Array.from({ length: count }, () => {
    if (full[encoding] === 0) return next() * 2 - 1;
    return Math.floor(next() * 2 * full[encoding]) - full[encoding]; // -full .. full-1
  });
}

/** Pushes `bytes` in random pieces (each copied to offset 0 of its own buffer: its samples are as aligned as their stream position) of 1..maxPiece bytes into a downmixing decoder. */
function monoByPieces(bytes: Uint8Array, maxPiece: number, next: () => number): Float32Array {
  const dec = new WavStreamDecoder({ downmix: true });
  const parts: Float32Array[] = [];
  for (let o = 0; o < bytes.length; ) {
    const n = 1 + Math.floor(next() * maxPiece);
    parts.push(dec.push(bytes.slice(o, o + n))); // a fresh buffer per piece, as a pipe or socket delivers them
    o += n;
  }
  dec.end();
  return concatF32(parts);
}

describe('WavStreamDecoder { downmix }: one pass, the same floats as parse + downmixToMono', () => {
  for (const encoding of ENCODINGS) {
    for (const channels of [1, 2, 3, 6]) {
      test(`${encoding}, ${channels} channel(s)`, () => {
        const next = rng(channels * 101 + encoding.length);
        const frames = 9000; // more than one 4096-frame scratch piece on the general path
        // A 2-byte chunk before the data puts the samples at byte 54 (ffmpeg's pipe output has them at 98):
        // 2 bytes off a float's alignment, as every piece of such a stream is.
        const shifted = [false, true].map((shift) =>
          makeWav({
            encoding,
            channels,
            sampleRateHz: 44100,
            values: randomValues(encoding, frames * channels, next),
            ...(shift && { between: [{ id: 'pad ', body: new Uint8Array(2) }] }),
          }),
        );
        for (const wav of shifted) checkMono(wav, channels, frames, next);
      });
    }
  }

  function checkMono(wav: Uint8Array, channels: number, frames: number, next: () => number): void {
    const ref = parseWav(wav);
    const expected = downmixToMono(ref.interleaved, channels);
    const whole = new WavStreamDecoder({ downmix: true });
    const got = whole.push(wav);
    whole.end();
    assert.equal(got.length, frames);
    assert.deepEqual(got, expected);
    assert.equal(whole.framesDecoded, frames);
    // Small pieces: unaligned offsets and frames split across pushes; large: the aligned fast loops.
    assert.deepEqual(monoByPieces(wav, 7, next), expected);
    assert.deepEqual(monoByPieces(wav, 70000, next), expected);
  }

  test('stereo s16 extremes: -32768 and 32767 pairs are exact', () => {
    const values = [-32768, -32768, 32767, 32767, -32768, 32767, 1, 0, -1, 0];
    const wav = makeWav({ encoding: 's16', channels: 2, sampleRateHz: 8000, values });
    const dec = new WavStreamDecoder({ downmix: true });
    assert.deepEqual(Array.from(dec.push(wav)), [-1, 32767 / 32768, -0.5 / 32768, 0.5 / 32768, -0.5 / 32768]);
  });

  for (const [encoding, bad] of [['f32', NaN], ['f32', -Infinity], ['f64', 1e300]] as const) {
    test(`${encoding} ${bad} in a stereo frame is reported at its interleaved index, as without downmix`, () => {
      const values = Array.from({ length: 40 }, (_, i) => (i === 27 ? bad : 0.25));
      const wav = makeWav({ encoding, channels: 2, sampleRateHz: 8000, values });
      const message = (dec: WavStreamDecoder): string => {
        try {
          dec.push(wav.subarray(0, 61)); // a split inside the frames: the index counts across pushes
          dec.push(wav.subarray(61));
        } catch (err) {
          assert.equal((err as { code?: string }).code, 'ERR_NOT_FINITE');
          return (err as Error).message;
        }
        assert.fail('no error');
      };
      const ref = message(new WavStreamDecoder());
      assert.match(ref, /sample 27 /);
      assert.equal(message(new WavStreamDecoder({ downmix: true })), ref);
    });
  }
});
