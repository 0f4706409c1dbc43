/**
 * Fuzz target `pcm-decoder`: the stream's binary-frame decoder (src/engine/pcm-decoder.ts). The first
 * byte picks the encoding and channel count, the rest is cut into binary messages at random offsets
 * (so both the aligned typed-array path and the DataView path run). Asserts: only EarshotError
 * ERR_AUDIO_SAMPLE (the server answers it with a bad_audio event and keeps the stream), and a refused
 * message leaves no trace; every output equals a
 * plain DataView reference decode of carry + message (channels averaged); accepted float samples are
 * finite and within ±MAX_F32_MAGNITUDE; the carry is always shorter than one sample frame.
 */
import { MAX_F32_MAGNITUDE, PcmDecoder } from '../../src/engine/pcm-decoder';
import type { PcmEncoding } from '../../src/protocol';
import { check, copyAt, expectEarshotError, expectSame, pieces, rng } from './harness';

export function fuzz(data: Buffer): void {
  if (data.length === 0) return;
  const encoding: PcmEncoding = data[0] & 1 ? 'pcm_s16le' : 'pcm_f32le';
  const channels = 1 + ((data[0] >> 1) & 7);
  const bps = encoding === 'pcm_s16le' ? 2 : 4;
  const frameBytes = bps * channels;
  const dec = new PcmDecoder(encoding, channels);
  const random = rng(data);
  let carry = new Uint8Array(0);
  for (const piece of pieces(data.subarray(1), random, 1 + Math.floor(random() * 48))) {
    const msg = copyAt(piece, Math.floor(random() * 4));
    const bytes = new Uint8Array(carry.length + msg.length);
    bytes.set(carry, 0);
    bytes.set(msg, carry.length);
    const frames = Math.floor(bytes.length / frameBytes);
    const view = new DataView(bytes.buffer);
    const want = new Float32Array(frames);
    let bad = false;
    for (let f = 0; f < frames; f++) {
      let s = 0;
      for (let c = 0; c < channels; c++) {
        const at = (f * channels + c) * bps;
        const x = bps === 2 ? view.getInt16(at, true) : view.getFloat32(at, true);
        if (bps === 4 && !(Math.abs(x) <= MAX_F32_MAGNITUDE)) bad = true;
        s += x;
      }
      want[f] = bps === 2 ? (s * (1 / channels)) / 32768 : s * (1 / channels);
    }
    let got: Float32Array | null = null;
    try {
      got = dec.decode(msg);
    } catch (err) {
      expectEarshotError(err, ['ERR_AUDIO_SAMPLE']);
    }
    if (bad) {
      check(got === null, 'a message with a non-finite or out-of-range float sample was accepted');
      check(dec.pendingBytes === carry.length, 'a refused message changed the carried bytes');
      continue;
    }
    check(got !== null, 'a message of valid samples was refused');
    expectSame(got, want, 'decoded frames differ from the reference decode');
    carry = bytes.slice(frames * frameBytes);
    check(dec.pendingBytes === carry.length && carry.length < frameBytes, 'carry is not the incomplete frame');
  }
}
