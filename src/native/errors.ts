/**
 * Errors of the native addons as EarshotErrors: one mapping for earshot_native (src/native/addon.ts)
 * and earshot_torch (trainer/cnn/torch-addon.ts). Both throw the way native/napi/errors.h maps C++
 * failures: TypeError for a value of the wrong type, RangeError for a wrong size or range, Error for
 * the rest; a message may start with an EarshotError code, "ERR_<CODE>: message".
 */
import { EarshotError, type EarshotErrorCode } from '../errors';

const CODED = /^(ERR_[A-Z_]+): ([\s\S]*)$/;

/**
 * `err` as an EarshotError. A message "ERR_<CODE>: rest" whose code is one of `accepted` gets that
 * code and the rest as its message (a code the caller does not list is not trusted); otherwise a
 * TypeError or RangeError is ERR_INVALID_ARGUMENT, and anything else gets `fallback`, or is returned
 * as it is when there is none. An EarshotError is returned unchanged.
 */
export function fromNativeError(err: unknown, accepted: readonly EarshotErrorCode[], fallback: EarshotErrorCode): EarshotError;
export function fromNativeError(err: unknown, accepted: readonly EarshotErrorCode[]): unknown;
export function fromNativeError(err: unknown, accepted: readonly EarshotErrorCode[], fallback?: EarshotErrorCode): unknown {
  if (err instanceof EarshotError) return err;
  const e = err as Error;
  const msg = e?.message ?? String(err);
  const coded = CODED.exec(msg);
  if (coded && (accepted as readonly string[]).includes(coded[1])) return new EarshotError(coded[1] as EarshotErrorCode, coded[2], { cause: err });
  if (e instanceof RangeError || e instanceof TypeError) return new EarshotError('ERR_INVALID_ARGUMENT', msg, { cause: err });
  return fallback ? new EarshotError(fallback, msg, { cause: err }) : err;
}
