/**
 * A play count's text -> its value, for the plays parser (triplet-parser.ts). Counts are stored as
 * float32 and must be finite and >= 0. The parser's byte loops read plain digits[.digits] themselves;
 * what they hand over here is either such a field already delimited (plainCount) or anything unusual:
 * a sign, an exponent, more than 15 digits, or a bad value (countFromText).
 */

/** The largest finite float32: counts are stored as Float32Array. */
const FLOAT32_MAX = 3.4028234663852886e38;
/** Exact powers of ten for the decimal fast path (mantissa < 1e15 and 10^k exact => one rounding). */
export const POW10: readonly number[] = Array.from({ length: 16 }, (_, k) => 10 ** k);
/** What the slow path accepts as a count: a non-negative decimal, optional exponent. */
const NUMBER_RE = /^\+?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** countFromText's reason for a field that is no number at all (a header's "plays" gives it). */
export const NOT_A_NUMBER = 'count is not a non-negative number';

/**
 * buf[c0, c1) as a count when it is 1..15 digits with at most one '.', else -1 (then countFromText
 * decides). One pass, no string: the shape of the triplets loop's inline count reading.
 */
export function plainCount(buf: Uint8Array, c0: number, c1: number): number {
  let v = 0;
  let digits = 0;
  let frac = -1; // digits after the '.', -1 = no '.'
  for (let k = c0; k < c1; k++) {
    const d = buf[k] - 48;
    if (d >= 0 && d <= 9) {
      v = v * 10 + d;
      digits++;
      if (frac >= 0) frac++;
    } else if (buf[k] === 46 && frac < 0) {
      frac = 0;
    } else {
      return -1;
    }
  }
  if (digits === 0 || digits > 15) return -1;
  return frac > 0 ? v / POW10[frac] : v;
}

/** The count a field's text holds, or the reason it holds none (the message's middle part). */
export function countFromText(text: string): number | string {
  if (text === '') return 'empty count';
  if (text[0] === '-' && NUMBER_RE.test(text.slice(1))) return 'count is negative';
  if (!NUMBER_RE.test(text)) return NOT_A_NUMBER;
  const v = Number(text);
  if (!(v <= FLOAT32_MAX)) return 'count does not fit in float32';
  return v;
}
