// The one mapping of native errors to EarshotErrors (src/native/errors.ts), and the addon's side of
// it: codes in front of messages (native/napi/errors.h), disposed objects (native/napi/owning_wrap.h).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromNativeError } from '../../src/native/errors';
import { mapNativeError, nativeAddon } from '../../src/native/addon';
import { EarshotError, type EarshotErrorCode } from '../../src/errors';

function mapped(err: unknown): unknown {
  try {
    mapNativeError(err);
  } catch (e) {
    return e;
  }
  assert.fail('mapNativeError returned');
}

function isCode(err: unknown, code: EarshotErrorCode, message: string): void {
  assert.ok(err instanceof EarshotError, `expected EarshotError, got ${String(err)}`);
  assert.equal(err.code, code);
  assert.equal(err.message, message);
}

test('fromNativeError: an accepted "ERR_<CODE>: " prefix gives its code, TypeError / RangeError are argument errors, the rest the fallback', () => {
  const accepted: EarshotErrorCode[] = ['ERR_NOT_FINITE', 'ERR_CHECKPOINT'];
  isCode(fromNativeError(new RangeError('ERR_NOT_FINITE: x[3] is NaN'), accepted), 'ERR_NOT_FINITE', 'x[3] is NaN');
  isCode(fromNativeError(new Error('ERR_CHECKPOINT: damaged\nsecond line'), accepted, 'ERR_TORCH'), 'ERR_CHECKPOINT', 'damaged\nsecond line');
  isCode(fromNativeError(new RangeError('ERR_TORCH: not listed'), accepted), 'ERR_INVALID_ARGUMENT', 'ERR_TORCH: not listed');
  isCode(fromNativeError(new TypeError('x must be a Float32Array'), accepted), 'ERR_INVALID_ARGUMENT', 'x must be a Float32Array');
  isCode(fromNativeError(new Error('ERR_UNKNOWN: y'), accepted, 'ERR_TORCH'), 'ERR_TORCH', 'ERR_UNKNOWN: y');
  const plain = new Error('boom');
  assert.equal(fromNativeError(plain, accepted), plain, 'without a fallback an uncoded Error is left as it is');
  const own = new EarshotError('ERR_IO', 'disk');
  assert.equal(fromNativeError(own, accepted, 'ERR_TORCH'), own);
});

test('the addon: argument errors, non-finite input and disposed objects map to their codes', () => {
  const a = nativeAddon();
  isCode(mapped(catchOf(() => a.mfcc(new Float32Array(41), 4, 2))), 'ERR_INVALID_ARGUMENT', 'melDb length is not a multiple of nMels');
  isCode(mapped(catchOf(() => a.mfcc(new Float32Array(8), 4, 2.5))), 'ERR_INVALID_ARGUMENT', 'nMfcc must be an integer in 1..4096, got 2.5');
  const r = new a.Resampler(44100, 22050);
  isCode(mapped(catchOf(() => r.process(Float32Array.of(0, Infinity)))), 'ERR_NOT_FINITE', 'audio sample 1 is infinite; audio must be finite everywhere');
  r.dispose();
  isCode(mapped(catchOf(() => r.process(new Float32Array(4)))), 'ERR_INVALID_STATE', 'Resampler was disposed');
  const ivf = new a.IvfIndex(new Float32Array(4), 1, 4, new Int32Array(0), new Float32Array(0), new Float32Array(0));
  assert.equal(ivf.rows, 0);
  ivf.dispose();
  isCode(mapped(catchOf(() => ivf.rows)), 'ERR_INVALID_STATE', 'IvfIndex was disposed');
});

function catchOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  assert.fail('no error thrown');
}
