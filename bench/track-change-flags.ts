/** Flags and helpers shared by `track-change tune` and `track-change measure`. */
import * as path from 'node:path';
import { listMusic, type MusicFile } from './track-change-audio';

const REPO = path.resolve(__dirname, '..', '..');
/** Packages kept out of tuning by default (their full tracks measure false changes on continuous music). */
export const DEFAULT_HOLDOUT = ['lincity-ng-data', 'marsshooter-data', 'openclonk-data', 'xmoto-data'];

export interface CommonFlags {
  bundle: string;
  hopS: number;
  seed: number;
  json: boolean;
  holdout: string[];
  pattern: RegExp;
}

export function commonFlags(f: Map<string, string | true>): CommonFlags {
  const num = (k: string, d: number): number => {
    const v = f.get(k);
    const n = v === undefined ? d : Number(v);
    if (!Number.isFinite(n)) throw new Error(`${k} must be a number, got ${String(v)}`);
    return n;
  };
  const holdout = f.get('--holdout');
  return {
    bundle: path.resolve(String(f.get('--bundle') ?? path.join(REPO, 'models', 'default'))),
    hopS: num('--hop', 1),
    seed: num('--seed', 1),
    json: f.get('--json') === true,
    holdout: typeof holdout === 'string' ? holdout.split(',').filter(Boolean) : DEFAULT_HOLDOUT,
    pattern: new RegExp(String(f.get('--pattern') ?? 'usic')),
  };
}

/** Game-music files of `root` by package: those in `holdout` and the rest. */
export function splitMusic(root: string, c: CommonFlags): { tune: MusicFile[]; held: MusicFile[] } {
  const all = listMusic(root, c.pattern, 500_000);
  if (all.length === 0) throw new Error(`no music files (> 500 kB, path matching ${c.pattern}) under ${root}`);
  return { tune: all.filter((f) => !c.holdout.includes(f.group)), held: all.filter((f) => c.holdout.includes(f.group)) };
}

/** A progress or table line: on stdout, or on stderr when stdout is the --json result. */
export function say(json: boolean, line: string): void {
  (json ? process.stderr : process.stdout).write(`${line}\n`);
}

/** 0.923 → "92.3 %". */
export function pct(x: number): string {
  return Number.isNaN(x) ? '–' : `${(100 * x).toFixed(1)} %`;
}
