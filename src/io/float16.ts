/**
 * IEEE 754 binary16 ("half", numpy '<f2') <-> binary32, bit-exact. The feature store keeps dB mel
 * spectrograms as half floats: 11 significant bits give a relative step of 2^-11, i.e. ≤ 0.03 dB at
 * ±60 dB and ≤ 0.06 dB up to ±128 dB, well under anything a listener or the CNN resolves.
 *
 * float32 -> float16 rounds to nearest, ties to even (as numpy's astype(float16) and IEEE require);
 * magnitudes ≥ 65,520 (the halfway point above the largest half, 65,504) become ±Inf, values below
 * 2^-25 become ±0, and the subnormal range (2^-24 .. 2^-14) is rounded on its fixed 2^-24 grid.
 * NaN keeps its sign and the top 10 bits of its payload (a payload that would vanish becomes 1, so a
 * NaN stays a NaN), as numpy does. float16 -> float32 is exact (every half is a float).
 *
 * The bulk functions work on raw bits through Uint32 views, so NaN payloads survive them exactly; the
 * scalar number functions go through JS doubles, where engines may canonicalise NaN payloads.
 */

/** float32 bit pattern (as an unsigned 32-bit integer) -> float16 bit pattern (0..0xffff). */
export function halfFromFloatBits(f: number): number {
  const sign = (f >>> 16) & 0x8000;
  const exp = (f >>> 23) & 0xff;
  const mant = f & 0x7fffff;
  if (exp === 0xff) {
    if (mant === 0) return sign | 0x7c00; // ±Inf
    const payload = mant >>> 13;
    return sign | 0x7c00 | (payload === 0 ? 1 : payload); // NaN stays NaN
  }
  // Half exponent field for a normal result: float exponent rebased from bias 127 to bias 15.
  const e = exp - 112;
  if (e >= 0x1f) return sign | 0x7c00; // ≥ 2^16: beyond rounding range, overflow to Inf
  if (e <= 0) {
    // Subnormal half (or zero): the value in units of 2^-24 is M · 2^(e - 14), M the 24-bit significand.
    // Below 2^-25 (e < -10) everything rounds to zero; e = -10 spans [2^-25, 2^-24): rounds to 0 or 1 unit.
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e; // 14..24
    const q = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    // A carry out of the 10-bit field lands on 0x400, the smallest normal: exactly right.
    return sign | (rem > half || (rem === half && (q & 1) === 1) ? q + 1 : q);
  }
  const q = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // Rounding up may carry into the exponent (…3ff + 1): the next binade, or 0x7c00 = Inf from 65,520 up.
  return sign | (rem > 0x1000 || (rem === 0x1000 && (q & 1) === 1) ? q + 1 : q);
}

/** float16 bit pattern -> float32 bit pattern (unsigned 32-bit), exact. */
export function floatBitsFromHalf(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0; // Inf, NaN with its payload
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0; // ±0
  // Subnormal half mant · 2^-24: normalise so the leading 1 becomes float32's implicit bit.
  let m = mant;
  let e = 113; // biased float exponent of 2^-14, the value of the 0x400 bit
  while ((m & 0x400) === 0) {
    m <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((m & 0x3ff) << 13)) >>> 0;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** A number, first rounded to float32 (Math.fround), -> float16 bits. */
export function toHalfBits(x: number): number {
  scratch[0] = x;
  return halfFromFloatBits(scratchBits[0]);
}

/** float16 bits -> the number it denotes. */
export function fromHalfBits(h: number): number {
  scratchBits[0] = floatBitsFromHalf(h);
  return scratch[0];
}

let decodeTable: Uint32Array | null = null;

/** All 65,536 conversions, built on first use (256 KiB): decoding is then one load per value. */
function table(): Uint32Array {
  if (!decodeTable) {
    decodeTable = new Uint32Array(65536);
    for (let h = 0; h < 65536; h++) decodeTable[h] = floatBitsFromHalf(h);
  }
  return decodeTable;
}

/**
 * float32 values -> little-endian float16 bytes (2 per value) into `out` (allocated when omitted),
 * byte order fixed regardless of the host, as .npy '<f2' stores them.
 */
export function encodeFloat16LE(src: Float32Array, out: Uint8Array = new Uint8Array(src.length * 2)): Uint8Array {
  if (out.length < src.length * 2) throw new RangeError(`float16 output holds ${out.length} bytes, needs ${src.length * 2}`);
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  if (LITTLE_ENDIAN_HOST && out.byteOffset % 2 === 0) {
    // Whole halves at once: about twice as fast as two byte stores.
    const halves = new Uint16Array(out.buffer, out.byteOffset, bits.length);
    for (let i = 0; i < bits.length; i++) halves[i] = halfFromFloatBits(bits[i]);
    return out;
  }
  for (let i = 0, o = 0; i < bits.length; i++, o += 2) {
    const h = halfFromFloatBits(bits[i]);
    out[o] = h & 0xff;
    out[o + 1] = h >>> 8;
  }
  return out;
}

/** Little-endian float16 bytes -> float32 values into `out` (allocated when omitted). */
export function decodeFloat16LE(bytes: Uint8Array, out: Float32Array = new Float32Array(bytes.length >>> 1)): Float32Array {
  const n = bytes.length >>> 1;
  if (out.length < n) throw new RangeError(`float32 output holds ${out.length} values, needs ${n}`);
  const t = table();
  const bits = new Uint32Array(out.buffer, out.byteOffset, n);
  if (LITTLE_ENDIAN_HOST && bytes.byteOffset % 2 === 0) {
    const halves = new Uint16Array(bytes.buffer, bytes.byteOffset, n);
    for (let i = 0; i < n; i++) bits[i] = t[halves[i]];
    return out;
  }
  for (let i = 0, o = 0; i < n; i++, o += 2) bits[i] = t[bytes[o] | (bytes[o + 1] << 8)];
  return out;
}
