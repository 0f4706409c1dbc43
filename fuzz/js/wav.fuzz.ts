/**
 * Fuzz target `wav`: the streaming RIFF/RF64 reader (src/audio/wav.ts).
 * Asserts, for every input:
 *  - only EarshotError ERR_AUDIO_FORMAT / ERR_AUDIO_TRUNCATED / ERR_AUDIO_EMPTY / ERR_NOT_FINITE is thrown;
 *  - pushing the bytes in random pieces (empty ones too) gives the same samples or the same error code
 *    as pushing them at once, and every push returns whole frames;
 *  - on success, an independent whole-buffer chunk walk finds the same data chunk: the frame count is
 *    the data bytes / blockAlign (declared size, or up to the end of the input when the size is
 *    0 / 0xFFFFFFFF / taken from ds64), and every sample equals the reference decode of its bytes.
 */
import { parseWav, WavStreamDecoder } from '../../src/audio/wav';
import { parseFmtChunk, type FmtFields } from '../../src/audio/wav-format';
import { EarshotError } from '../../src/errors';
import { check, expectEarshotError, expectSame, pieces, rng } from './harness';

const CODES = ['ERR_AUDIO_FORMAT', 'ERR_AUDIO_TRUNCATED', 'ERR_AUDIO_EMPTY', 'ERR_NOT_FINITE'] as const;

type Outcome = { samples: Float32Array; channels: number; dataBytes: number | null; blockAlign: number } | { code: string };

function decodeWhole(data: Uint8Array): Outcome {
  try {
    const w = parseWav(data);
    check(w.frames * w.channels === w.interleaved.length && Number.isInteger(w.frames), 'parseWav: frames x channels != samples');
    return { samples: w.interleaved, channels: w.channels, dataBytes: w.format.dataBytes, blockAlign: w.format.blockAlign };
  } catch (err) {
    return { code: expectEarshotError(err, CODES).code };
  }
}

function decodePieces(data: Uint8Array, random: () => number): Outcome {
  const dec = new WavStreamDecoder();
  const parts: Float32Array[] = [];
  let total = 0;
  try {
    for (const p of pieces(data, random, 1 + Math.floor(random() * 64))) {
      const out = dec.push(p);
      const f = dec.format;
      check(out.length === 0 || (f !== null && out.length % f.channels === 0), 'push() returned a partial frame');
      parts.push(out);
      total += out.length;
    }
    dec.end();
  } catch (err) {
    return { code: expectEarshotError(err, CODES).code };
  }
  const f = dec.format!;
  const samples = new Float32Array(total);
  let o = 0;
  for (const p of parts) {
    samples.set(p, o);
    o += p.length;
  }
  check(dec.framesDecoded * f.channels === total, 'framesDecoded disagrees with the samples returned');
  return { samples, channels: f.channels, dataBytes: f.dataBytes, blockAlign: f.blockAlign };
}

const ascii = (d: Uint8Array, at: number) => String.fromCharCode(d[at], d[at + 1], d[at + 2], d[at + 3]);

/** Where the data chunk's bytes start and how many of them are audio, by a plain whole-buffer walk. */
function referenceData(d: Uint8Array): { fmt: FmtFields; start: number; bytes: number; declared: number | null } {
  const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const rf64 = ascii(d, 0) !== 'RIFF';
  let p = 12;
  let fmt: FmtFields | null = null;
  let ds64: number | null = null;
  for (;;) {
    check(p + 8 <= d.length, 'reference walk: no data chunk, but the decoder succeeded');
    const id = ascii(d, p);
    const size = view.getUint32(p + 4, true);
    const body = p + 8;
    if (id === 'data') {
      check(fmt !== null, 'reference walk: data before fmt, but the decoder succeeded');
      let declared: number | null = size;
      if (rf64 && size === 0xffffffff && ds64 !== null) declared = ds64;
      else if (size === 0xffffffff || size === 0) declared = null;
      const bytes = declared === null ? d.length - body : declared;
      return { fmt: fmt!, start: body, bytes, declared };
    }
    check(body + size <= d.length, `reference walk: chunk "${id}" runs past the end, but the decoder succeeded`);
    if (id === 'fmt ') fmt = parseFmtChunk(d.subarray(body, body + size));
    // ds64: u64 riffSize at 0, u64 dataSize at 8 (EBU Tech 3306); a RIFF file's ds64 is skipped.
    if (id === 'ds64' && rf64) {
      check(size >= 16, `an RF64 ds64 chunk of ${size} bytes (shorter than its two u64 sizes) was accepted`);
      ds64 = view.getUint32(body + 8, true) + view.getUint32(body + 12, true) * 2 ** 32;
    }
    p = body + size + (size % 2);
  }
}

function referenceSample(view: DataView, encoding: FmtFields['encoding'], at: number): number {
  switch (encoding) {
    case 'u8':
      return (view.getUint8(at) - 128) / 128;
    case 's16':
      return view.getInt16(at, true) / 32768;
    case 's24':
      return ((view.getUint8(at) << 8) | (view.getUint8(at + 1) << 16) | (view.getInt8(at + 2) << 24)) / 2147483648;
    case 's32':
      return view.getInt32(at, true) / 2147483648;
    case 'f32':
      return view.getFloat32(at, true);
    case 'f64':
      return Math.fround(view.getFloat64(at, true));
  }
}

export function fuzz(data: Buffer): void {
  const whole = decodeWhole(data);
  const chunked = decodePieces(data, rng(data));
  if ('code' in whole || 'code' in chunked) {
    expectSame('code' in chunked ? chunked.code : 'success', 'code' in whole ? whole.code : 'success', 'pieces vs whole buffer: different outcome');
    return;
  }
  expectSame(chunked, whole, 'pieces vs whole buffer: different samples or format');

  const ref = referenceData(data);
  const ba = ref.fmt.blockAlign;
  expectSame(whole.blockAlign, ba, 'blockAlign differs from the fmt chunk');
  expectSame(whole.dataBytes, ref.declared, 'format.dataBytes differs from the data chunk header (or ds64)');
  const frames = whole.samples.length / whole.channels;
  expectSame(frames, Math.floor(ref.bytes / ba), 'frame count != data bytes / blockAlign');
  if (ref.declared === null) check(ref.bytes % ba === 0, 'a data chunk that runs to the end with a partial frame was accepted');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const bps = ba / ref.fmt.channels;
  for (let i = 0; i < whole.samples.length; i++) {
    const want = Math.fround(referenceSample(view, ref.fmt.encoding, ref.start + i * bps));
    if (!Object.is(whole.samples[i], want)) expectSame(whole.samples[i], want, `sample ${i} differs from the reference decode`);
    // Integer PCM lies in [-1, 1): (2^31 − 1) / 2^31 rounds to exactly 1 in float32, so s32 may reach 1.
    if (ref.fmt.encoding !== 'f32' && ref.fmt.encoding !== 'f64') check(want >= -1 && (want < 1 || (ref.fmt.encoding === 's32' && want === 1)), `integer sample ${i} (${want}) outside [-1, 1)`);
  }
}

/** For the regression test: the error a single input gives (or null). */
export function wavError(data: Uint8Array): EarshotError | null {
  try {
    parseWav(data);
    return null;
  } catch (err) {
    return expectEarshotError(err, CODES);
  }
}
