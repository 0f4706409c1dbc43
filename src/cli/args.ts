/** Number arguments of `earshot` and `earshot-train` commands: one parser, one error wording. */
import { EarshotError } from '../errors';

export function numArg(name: string, v: string | undefined, lo = -Infinity, hi = Infinity): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) throw new EarshotError('ERR_INVALID_ARGUMENT', `--${name} must be a number, got '${v}'`);
  if (x < lo || x > hi) throw new EarshotError('ERR_INVALID_ARGUMENT', `--${name} must be in ${lo}..${hi}, got '${v}'`);
  return x;
}

export function intArg(name: string, v: string | undefined, lo = -Infinity, hi = Infinity): number | undefined {
  const x = numArg(name, v);
  if (x !== undefined && !Number.isInteger(x)) throw new EarshotError('ERR_INVALID_ARGUMENT', `--${name} must be an integer, got '${v}'`);
  if (x !== undefined && (x < lo || x > hi)) throw new EarshotError('ERR_INVALID_ARGUMENT', `--${name} must be an integer in ${lo}..${hi}, got '${v}'`);
  return x;
}
