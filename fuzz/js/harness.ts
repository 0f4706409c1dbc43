/**
 * Shared pieces of the JavaScript fuzz targets (fuzz/README.md): what counts as a finding, a
 * deterministic way to cut an input into pieces, and structural equality. A target's `fuzz(data)`
 * returns normally for every input the parser handles correctly (a value, or one of its documented
 * errors) and throws a FuzzFinding for anything else; the fuzzer (jazzer.js) reports any exception
 * as a crash, and test/fuzz/regressions.test.ts replays the seed corpora through the same functions.
 */
import { isDeepStrictEqual, inspect } from 'node:util';
import { EarshotError, type EarshotErrorCode } from '../../src/errors';
import { ProtocolError, type StreamErrorCode } from '../../src/protocol';

export class FuzzFinding extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FuzzFinding';
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}${'code' in err ? ` ${String((err as { code: unknown }).code)}` : ''}: ${err.message}\n${err.stack ?? ''}`;
  return inspect(err);
}

export function finding(message: string, cause?: unknown): never {
  throw new FuzzFinding(cause === undefined ? message : `${message}\n  caused by ${describe(cause)}`, { cause });
}

export function check(ok: boolean, message: string | (() => string)): asserts ok {
  if (!ok) finding(typeof message === 'string' ? message : message());
}

/** `err` if it is an EarshotError with one of `codes` and a message; otherwise a finding. */
export function expectEarshotError(err: unknown, codes: readonly EarshotErrorCode[]): EarshotError {
  if (err instanceof FuzzFinding) throw err;
  if (err instanceof EarshotError && codes.includes(err.code) && err.message.length > 0) return err;
  return finding(`unexpected exception (only EarshotError ${codes.join(' / ')} is documented)`, err);
}

/** `err` if it is a ProtocolError with one of `codes` and a message; otherwise a finding. */
export function expectProtocolError(err: unknown, codes: readonly StreamErrorCode[]): ProtocolError {
  if (err instanceof FuzzFinding) throw err;
  if (err instanceof ProtocolError && codes.includes(err.code) && err.message.length > 0) return err;
  return finding(`unexpected exception (only ProtocolError ${codes.join(' / ')} is documented)`, err);
}

/** Deep equality with Object.is on numbers (NaN equals NaN, 0 and -0 differ) and typed arrays by value. */
export function same(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(a, b);
}

export function expectSame(actual: unknown, expected: unknown, what: string): void {
  if (!same(actual, expected)) {
    const show = (v: unknown) => inspect(v, { depth: 4, maxArrayLength: 16, maxStringLength: 200, breakLength: 120 });
    finding(`${what}\n  got      ${show(actual)}\n  expected ${show(expected)}`);
  }
}

/** A small deterministic PRNG (mulberry32) seeded from the input, so a crash reproduces from its bytes alone. */
export function rng(data: Uint8Array): () => number {
  let h = 0x9e3779b9 ^ data.length;
  for (let i = 0; i < Math.min(data.length, 64); i++) h = Math.imul(h ^ data[i], 0x01000193);
  let s = h >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Cuts `data` into consecutive pieces of 0..maxPiece bytes (empty pieces included: a parser must
 * accept them), each a view at its own offset in the original buffer.
 */
export function pieces(data: Uint8Array, random: () => number, maxPiece = 17): Uint8Array[] {
  const out: Uint8Array[] = [];
  let p = 0;
  while (p < data.length) {
    const n = random() < 0.1 ? 0 : 1 + Math.floor(random() * maxPiece);
    out.push(data.subarray(p, p + n));
    p += n;
  }
  return out;
}

/** A fresh copy of `bytes` in its own ArrayBuffer at offset `pad` (0..7), to vary alignment. */
export function copyAt(bytes: Uint8Array, pad: number): Uint8Array {
  const buf = new Uint8Array(bytes.length + pad);
  buf.set(bytes, pad);
  return buf.subarray(pad);
}

/** A deep copy with -0 replaced by 0 (text formats cannot tell them apart: String(-0) is "0"). */
export function withoutNegativeZero<T>(v: T): T {
  if (Object.is(v, -0)) return 0 as T;
  if (Array.isArray(v)) return v.map(withoutNegativeZero) as T;
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    // defineProperty, not out[k] =: a JSON "__proto__" key is an own property, not the prototype
    for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: withoutNegativeZero(x), enumerable: true, writable: true, configurable: true });
    return out as T;
  }
  return v;
}
