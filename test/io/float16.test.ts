/**
 * float16 (src/io/float16.ts) and .npy '<f2': every half bit pattern round-trips, known values and
 * ties-to-even cases, and random floats against an independent oracle (exponent arithmetic and exact
 * double scaling, no bit manipulation) that also bounds the error by half an ulp.
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeFloat16LE, encodeFloat16LE, floatBitsFromHalf, fromHalfBits, halfFromFloatBits, toHalfBits } from '../../src/io/float16';
import { encodeNpy, readNpy } from '../../src/io/npy';
import { mulberry32 } from '../../trainer/eval/prng';

const isHalfNaN = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;

/**
 * The float16 value nearest to x (ties to even), computed by arithmetic only: the binade exponent e of
 * |x| found with Math.log2 and corrected by exact power-of-two comparisons, the spacing of halves
 * there (2^(max(e, -14) - 10); -14 is the fixed subnormal spacing's binade), and the rounding of
 * |x| / spacing, which is exact in double precision because x is a float32 and spacing a power of two.
 */
function oracle(x: number): { value: number; ulp: number } {
  const sign = x < 0 || Object.is(x, -0) ? -1 : 1;
  const a = Math.abs(x);
  if (a === 0) return { value: sign * 0, ulp: 2 ** -24 };
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  if (2 ** (e + 1) <= a) e++;
  const ulp = 2 ** (Math.max(e, -14) - 10);
  if (a >= 65520) return { value: sign * Infinity, ulp }; // halfway between 65504 and the next (absent) step
  const q = a / ulp;
  let r = Math.floor(q);
  const frac = q - r;
  if (frac > 0.5 || (frac === 0.5 && r % 2 === 1)) r++;
  return { value: sign * r * ulp, ulp };
}

describe('float16 <-> float32', () => {
  test('all 65,536 half bit patterns survive half -> float -> half exactly (bit level and bulk, NaN payloads included)', () => {
    for (let h = 0; h < 65536; h++) {
      const f = floatBitsFromHalf(h);
      assert.equal(halfFromFloatBits(f), h, `0x${h.toString(16)}`);
    }
    const bytes = new Uint8Array(131072);
    for (let h = 0; h < 65536; h++) {
      bytes[2 * h] = h & 0xff;
      bytes[2 * h + 1] = h >>> 8;
    }
    assert.deepEqual(encodeFloat16LE(decodeFloat16LE(bytes)), bytes);
  });

  test('the number API round-trips every non-NaN half; NaNs stay NaN (their payload may be canonicalised)', () => {
    for (let h = 0; h < 65536; h++) {
      const back = toHalfBits(fromHalfBits(h));
      if (isHalfNaN(h)) assert.ok(isHalfNaN(back) && Number.isNaN(fromHalfBits(h)), `0x${h.toString(16)}`);
      else assert.equal(back, h, `0x${h.toString(16)}`);
    }
  });

  test('known values', () => {
    const cases: [number, number][] = [
      [1, 0x3c00], [-2, 0xc000], [0.1, 0x2e66], [65504, 0x7bff], [65519.99, 0x7bff], [65520, 0x7c00], [1e6, 0x7c00], [-65520, 0xfc00],
      [Infinity, 0x7c00], [-Infinity, 0xfc00], [0, 0x0000], [-0, 0x8000],
      [2 ** -14, 0x0400], [2 ** -24, 0x0001], [-(2 ** -24), 0x8001], [1e-8, 0x0000], [2 ** -26, 0x0000],
    ];
    for (const [x, h] of cases) assert.equal(toHalfBits(x), h, `${x} -> 0x${h.toString(16)}`);
    assert.equal(fromHalfBits(0x7bff), 65504);
    assert.equal(fromHalfBits(0x0001), 2 ** -24);
    assert.equal(fromHalfBits(0x03ff), 1023 * 2 ** -24, 'largest subnormal');
  });

  test('ties go to even, in normals, subnormals and across binade and overflow boundaries', () => {
    const ties: [number, number][] = [
      [1 + 2 ** -11, 0x3c00], // halfway 1 .. 1+2^-10: down to even 0x3c00
      [1 + 3 * 2 ** -11, 0x3c02], // halfway 0x3c01 .. 0x3c02: up to even
      [2049, 0x6800], // halves step by 2 in [2048, 4096): 2049 -> 2048
      [2051, 0x6802], // 2051 -> 2052
      [2 ** -25, 0x0000], // halfway 0 .. 2^-24: to 0
      [3 * 2 ** -25, 0x0002], // halfway 1 .. 2 subnormal units: to 2
      [5 * 2 ** -25, 0x0002], // halfway 2 .. 3: to 2
      [1023.5 * 2 ** -24, 0x0400], // halfway largest subnormal .. smallest normal: carries into the exponent
      [2047.5 * 2 ** -14 * 2 ** -10, 0x0800], // 0x07ff.5: up into the next binade
      [65520, 0x7c00], // halfway 65504 .. 65536: 0x7bff is odd, rounds up to Inf
    ];
    for (const [x, h] of ties) assert.equal(toHalfBits(x), h, `${x} -> 0x${h.toString(16)}`);
    // Just either side of a tie is not a tie.
    assert.equal(toHalfBits(Math.fround(1 + 2 ** -11 + 2 ** -23)), 0x3c01);
    assert.equal(toHalfBits(Math.fround(2 ** -25 + 2 ** -40)), 0x0001);
  });

  test('NaN keeps its sign and the top of its payload, and never becomes Inf', () => {
    assert.equal(halfFromFloatBits(0x7fc00000), 0x7e00);
    assert.equal(halfFromFloatBits(0xffc00000), 0xfe00);
    assert.equal(halfFromFloatBits(0x7f800001), 0x7c01, 'a payload only in the dropped 13 bits stays a NaN');
    assert.equal(halfFromFloatBits(0x7fa00000), 0x7d00, 'signalling NaN payload kept');
  });

  test('random floats: equal to the oracle, error <= half an ulp', () => {
    const rand = mulberry32(20240611);
    const bits = new Uint32Array(1);
    const f = new Float32Array(bits.buffer);
    let checked = 0;
    for (let i = 0; i < 400_000; i++) {
      // Half the draws over every float32 pattern, half inside half's range (exponents 2^-27 .. 2^17).
      bits[0] = i % 2 === 0 ? Math.floor(rand() * 2 ** 32) : ((rand() < 0.5 ? 0x80000000 : 0) | ((100 + Math.floor(rand() * 45)) << 23) | Math.floor(rand() * 2 ** 23)) >>> 0;
      const x = f[0];
      if (Number.isNaN(x)) continue;
      assert.equal(x, Math.fround(x));
      const got = fromHalfBits(toHalfBits(x));
      const want = oracle(x);
      assert.ok(Object.is(got, want.value), `x = ${x} (0x${bits[0].toString(16)}): got ${got}, oracle ${want.value}`);
      if (Number.isFinite(got)) assert.ok(Math.abs(got - x) <= want.ulp / 2, `x = ${x}: error ${Math.abs(got - x)} > half ulp ${want.ulp / 2}`);
      else assert.ok(Math.abs(x) >= 65520);
      checked++;
    }
    assert.ok(checked > 390_000);
  });

  test('bulk encode writes little-endian bytes; decode checks its output size', () => {
    assert.deepEqual([...encodeFloat16LE(Float32Array.from([1, -2]))], [0x00, 0x3c, 0x00, 0xc0]);
    assert.throws(() => decodeFloat16LE(new Uint8Array(8), new Float32Array(3)), RangeError);
    assert.throws(() => encodeFloat16LE(new Float32Array(3), new Uint8Array(5)), RangeError);
  });
});

describe(".npy '<f2'", () => {
  test('bytes equal numpy.save of astype(float16); read back widened to float32', () => {
    // python3 -c "import numpy as np, io; b = io.BytesIO(); np.save(b, np.array([1, -2, 65504, 2**-24, 0.1, 70000],
    //   np.float32).astype('<f2').reshape(2, 3)); print(b.getvalue())"   (numpy 2.4.6): 140 bytes
    const src = Float32Array.from([1, -2, 65504, 2 ** -24, 0.1, 70000]);
    const bytes = encodeNpy(src, [2, 3], { descr: '<f2' });
    assert.equal(bytes.length, 140);
    assert.equal(bytes.subarray(10, 128).toString('latin1'), "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3), }" + ' '.repeat(58) + '\n');
    assert.equal(bytes.subarray(128).toString('hex'), '003c00c0ff7b0100662e007c');
    const back = readNpy(bytes);
    assert.equal(back.descr, '<f2');
    assert.deepEqual(back.shape, [2, 3]);
    assert.ok(back.data instanceof Float32Array);
    assert.deepEqual([...back.data], [1, -2, 65504, 2 ** -24, fromHalfBits(0x2e66), Infinity]);
  });

  test("'<f2' is only written from a Float32Array", () => {
    assert.throws(() => encodeNpy(new Float64Array(2), [2], { descr: '<f2' }), /cannot be written from a Float64Array/);
  });
});
