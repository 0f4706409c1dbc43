/**
 * Option values of the `earshot` and `earshot-train` commands (and `earshot serve`'s server options):
 * numbers, integers, choices, comma-separated lists and output locations, checked in one place with one
 * wording, `--<name> must be <what>, got '<value>'` (ERR_INVALID_ARGUMENT, exit 2), so every command
 * refuses a bad value the same way before doing any work.
 *
 * It lives in src/cli/ because both command lines are built on src/cli/dispatch.ts: the trainer's
 * commands import it from here, while nothing in src/ ever imports trainer/ code.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EarshotError } from '../errors';

function invalid(name: string, what: string, v: string): EarshotError {
  return new EarshotError('ERR_INVALID_ARGUMENT', `--${name} must be ${what}, got '${v}'`);
}

/** " in 1..64", " >= 0", " > 0", " <= 10" or "" (no bounds): what a bound check says. */
function rangeText(lo: number, hi: number, loExclusive: boolean): string {
  if (lo > -Infinity && hi < Infinity && !loExclusive) return ` in ${lo}..${hi}`;
  const parts = [];
  if (lo > -Infinity) parts.push(`${loExclusive ? '>' : '>='} ${lo}`);
  if (hi < Infinity) parts.push(`<= ${hi}`);
  return parts.length ? ` ${parts.join(' and ')}` : '';
}

interface NumberCheck {
  lo: number;
  hi: number;
  /** The lower bound itself is refused (a duration or a range that may be small but not 0). */
  loExclusive?: boolean;
  integer?: boolean;
}

function parseNumber(name: string, v: string | undefined, c: NumberCheck): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  const inRange = x <= c.hi && (c.loExclusive ? x > c.lo : x >= c.lo);
  if (v.trim() === '' || !Number.isFinite(x) || !inRange || (c.integer && !Number.isInteger(x))) {
    throw invalid(name, `${c.integer ? 'an integer' : 'a number'}${rangeText(c.lo, c.hi, !!c.loExclusive)}`, v);
  }
  return x;
}

/** A number option in lo..hi (inclusive), or undefined when absent. */
export function numArg(name: string, v: string | undefined, lo = -Infinity, hi = Infinity): number | undefined {
  return parseNumber(name, v, { lo, hi });
}

/** A number option > 0 (and <= hi), or undefined when absent. */
export function positiveArg(name: string, v: string | undefined, hi = Infinity): number | undefined {
  return parseNumber(name, v, { lo: 0, hi, loExclusive: true });
}

/** An integer option in lo..hi (inclusive), or undefined when absent. */
export function intArg(name: string, v: string | undefined, lo = -Infinity, hi = Infinity): number | undefined {
  return parseNumber(name, v, { lo, hi, integer: true });
}

/** "a", "a or b", "a, b or c". */
function choiceText(choices: readonly string[]): string {
  return choices.length < 2 ? choices.join('') : `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}`;
}

/** One of `choices`, or undefined when absent. */
export function choiceArg<T extends string>(name: string, v: string | undefined, choices: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (!(choices as readonly string[]).includes(v)) throw invalid(name, choiceText(choices), v);
  return v as T;
}

/** A repeatable and/or comma-separated option: its trimmed, non-empty items (none when absent). */
export function listArg(v: string | readonly string[] | undefined): string[] {
  return (typeof v === 'string' ? [v] : (v ?? [])).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);
}

/** A comma-separated selection from `choices` (at least one), or undefined when absent. */
export function choicesArg<T extends string>(name: string, v: string | undefined, choices: readonly T[]): T[] | undefined {
  if (v === undefined) return undefined;
  const items = listArg(v);
  if (items.length === 0) throw invalid(name, `a comma-separated list of ${choiceText(choices)}`, v);
  for (const item of items) if (!(choices as readonly string[]).includes(item)) throw invalid(name, `a comma-separated list of ${choiceText(choices)}`, item);
  return items as T[];
}

/**
 * Checks an output location before any work is done, so a long run never ends in ENOTDIR/EISDIR:
 * kind 'dir': `target` is a directory or does not exist (with `empty`, an existing one must be empty);
 * kind 'file': `target` is not a directory. Either way, when it does not exist, its nearest existing
 * ancestor must be a writable directory (the missing folders are created later). Failures are one line
 * naming the flag and the path: ERR_IO (exit 1); a non-empty directory where an empty one is needed
 * stays ERR_INVALID_ARGUMENT (as the writers themselves say it).
 */
export function checkOutputPath(flag: string, target: string, kind: 'dir' | 'file', options: { empty?: boolean } = {}): void {
  const abs = path.resolve(target);
  const stat = (p: string): fs.Stats | null => {
    try {
      return fs.statSync(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') return null; // a file on the way: found below
      throw new EarshotError('ERR_IO', `${flag} ${target}: cannot check it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
    }
  };
  const writable = (p: string): boolean => {
    try {
      fs.accessSync(p, fs.constants.W_OK | fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  const st = stat(abs);
  if (st) {
    if (kind === 'dir' && !st.isDirectory()) throw new EarshotError('ERR_IO', `${flag} ${target} exists and is not a directory; give a directory (it is created when missing)`);
    if (kind === 'file' && st.isDirectory()) throw new EarshotError('ERR_IO', `${flag} ${target} is a directory; give a file name`);
    if (kind === 'dir' && options.empty && fs.readdirSync(abs).length > 0) {
      throw new EarshotError('ERR_INVALID_ARGUMENT', `${flag} ${target} exists and is not empty; choose another ${flag}`);
    }
    if (!writable(kind === 'dir' ? abs : path.dirname(abs))) throw new EarshotError('ERR_IO', `${flag} ${target} is not writable`);
    return;
  }
  let up = path.dirname(abs);
  let upStat = stat(up);
  while (!upStat && path.dirname(up) !== up) {
    up = path.dirname(up);
    upStat = stat(up);
  }
  if (!upStat || !upStat.isDirectory()) throw new EarshotError('ERR_IO', `${flag} ${target} cannot be created: ${up} is not a directory`);
  if (!writable(up)) throw new EarshotError('ERR_IO', `${flag} ${target} cannot be created: ${up} is not writable`);
}
