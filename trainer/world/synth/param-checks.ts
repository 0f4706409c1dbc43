/**
 * The range checks of every synthesis parameter set (drum kits, tone patches, effects): one wording,
 * "<object>.<field> must be a number in lo..hi, got v", thrown as ERR_INVALID_ARGUMENT before a note
 * is rendered, so a bad preset names its field instead of producing NaN audio.
 */
import { EarshotError } from '../../../src/errors';

export function fail(message: string): never {
  throw new EarshotError('ERR_INVALID_ARGUMENT', message);
}

/** `v` is a number in lo..hi (hi excluded with `openHi`); `label` names it in the message. */
export function checkNumber(v: number, label: string, lo: number, hi: number, openHi = false): void {
  if (typeof v !== 'number' || !(v >= lo && (openHi ? v < hi : v <= hi))) {
    fail(`${label} must be a number in ${lo}..${hi}${openHi ? ' (exclusive)' : ''}, got ${String(v)}`);
  }
}

/** Inclusive bounds [lo, hi] per numeric field of T. */
export type RangeTable<T> = { readonly [K in keyof T]?: readonly [number, number] };

/**
 * Every field of `table` checked in `obj`, in the table's order, labelled `<prefix>.<field>`.
 * With `optional`, an undefined field is allowed (the renderer uses its default).
 */
export function checkRanges<T extends object>(obj: T, prefix: string, table: RangeTable<T>, options: { optional?: boolean } = {}): void {
  for (const key of Object.keys(table) as (keyof T & string)[]) {
    const v = obj[key] as unknown;
    if (v === undefined && options.optional) continue;
    const [lo, hi] = table[key]!;
    checkNumber(v as number, `${prefix}.${key}`, lo, hi);
  }
}
