// Sample decoding (src/audio/wav-samples.ts) at every byte alignment: the typed-array fast paths
// (aligned s16 and f32) and the byte-by-byte paths give what Buffer's own little-endian readers give
// (readInt16LE / 32768, readFloatLE), and a non-finite float is reported at its index either way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSamples } from '../../src/audio/wav-samples';

/** Deterministic bytes (xorshift32): every bit pattern of a sample is possible. */
function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

test('s16 and f32 at offsets 0..3 of a buffer equal Buffer.readInt16LE / readFloatLE', () => {
  const count = 5000;
  for (let shift = 0; shift < 4; shift++) {
    const s16 = bytes(count * 2 + 8, 7 + shift);
    const out = new Float32Array(count + 3);
    decodeSamples('s16', s16, shift, count, out, 3, 0);
    for (let i = 0; i < count; i++) assert.equal(out[3 + i], Math.fround(s16.readInt16LE(shift + 2 * i) / 32768), `s16 shift ${shift} sample ${i}`);

    const f32 = Buffer.alloc(count * 4 + 8);
    for (let i = 0; i < count; i++) f32.writeFloatLE(Math.sin(i * 0.37) * (i % 7), shift + 4 * i);
    decodeSamples('f32', f32, shift, count, out, 1, 0);
    for (let i = 0; i < count; i++) assert.equal(out[1 + i], f32.readFloatLE(shift + 4 * i), `f32 shift ${shift} sample ${i}`);

    f32.writeFloatLE(NaN, shift + 4 * 1234);
    assert.throws(() => decodeSamples('f32', f32, shift, count, out, 0, 100), { code: 'ERR_NOT_FINITE', message: /WAV sample 1334 \(interleaved index.*\) is NaN/ });
    f32.writeFloatLE(-Infinity, shift + 4 * 17);
    assert.throws(() => decodeSamples('f32', f32, shift, count, out, 0, 0), { code: 'ERR_NOT_FINITE', message: /WAV sample 17 .* is -Infinity/ });
  }
});
