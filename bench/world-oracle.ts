/**
 * `npm run bench -- world-oracle [--preset small] [--songs N --users M] [--seed S] [--factors 50] [--json]`:
 * how much of a benchmark world's taste an audio model could ever recover. Draws the world's
 * catalogue and plays (no audio: seconds), holds out 20% of the songs (item cold start, as in the
 * paper), trains WMF on the rest, and scores the held-out songs with item factors from:
 *   random         seeded uniform scores;
 *   style only     ridge regression from the song's style (one-hot) to its WMF factors: what a perfect
 *                  genre classifier could reach;
 *   audible traits ridge from everything listeners' taste is defined over (style, energy, energy²,
 *                  valence, valence², log2 tempo and its square, acousticness, instrument families):
 *                  a perfect audio model that stays linear in those traits;
 *   upper bound    the held-out songs' factors folded in from their own test plays (the paper's row).
 * Popularity, artist reputation and per-pair chance are invisible in audio, so the gap between the
 * last two rows is the part of taste no audio model can reach.
 */
import { fromTriples } from '../trainer/data/interactions';
import { transpose } from '../trainer/data/csr';
import { evaluate, randomBaseline, type EvaluationResult } from '../trainer/eval/evaluate';
import { itemColdStartHoldout } from '../trainer/eval/splits';
import { fitRidge, predictRidge } from '../trainer/models/ridge';
import { foldInRows } from '../trainer/wmf/fold-in';
import { trainWmf } from '../trainer/wmf/train';
import type { Song } from '../trainer/world/catalog';
import { drawWorld } from '../trainer/world/generate';
import { FAMILIES } from '../trainer/world/instruments';
import { PRESETS } from '../trainer/world/presets';
import { STYLES } from '../trainer/world/styles';
import { formatTable, hardwareLine, parseFlags } from './harness';

const USAGE = 'usage: npm run bench -- world-oracle [--preset tiny|small|paper-subset] [--songs N --users M] [--seed S] [--factors F] [--json]';

function features(s: Song, withTraits: boolean): number[] {
  const f: number[] = STYLES.map((_, k) => (s.style === k ? 1 : 0));
  if (!withTraits) return f;
  // Taste is quadratic in energy, valence and log tempo (listeners.ts): their squares keep it linear.
  const octaves = Math.log2(s.tempoBpm / 120);
  f.push(s.energy, s.energy ** 2, s.valence, s.valence ** 2, octaves, octaves ** 2, s.acousticness);
  for (const fam of FAMILIES) f.push(s.families.includes(fam) ? 1 : 0);
  return f;
}

export async function main(args: string[]): Promise<number> {
  let flags: Map<string, string | true>;
  try {
    flags = parseFlags(args, ['--preset', '--songs', '--users', '--seed', '--factors'], ['--json']);
  } catch (err) {
    process.stderr.write(`bench world-oracle: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const preset = PRESETS[(flags.get('--preset') as string) ?? 'small'];
  if (!preset) {
    process.stderr.write(`bench world-oracle: unknown preset\n${USAGE}\n`);
    return 2;
  }
  const songs = Number(flags.get('--songs') ?? preset.songs);
  const users = Number(flags.get('--users') ?? preset.users);
  const seed = Number(flags.get('--seed') ?? 1);
  const factors = Number(flags.get('--factors') ?? 50);
  const t0 = performance.now();
  const w = drawWorld(seed, songs, users);
  const u: string[] = [];
  const it: string[] = [];
  const c: number[] = [];
  w.plays.songs.forEach((list, ui) => list.forEach((si, j) => {
    u.push(w.listeners[ui].id);
    it.push(w.catalog.songs[si].id);
    c.push(w.plays.counts[ui][j]);
  }));
  const data = fromTriples(u, it, c);
  const split = itemColdStartHoldout(data.byUser, { fraction: 0.2, seed: 1 });
  const model = await trainWmf(split.train, { factors, iterations: 15 });
  const byId = new Map(w.catalog.songs.map((s) => [s.id, s]));
  const itemSongs = data.items.map((id) => byId.get(id)!);
  const held = new Set(split.items);
  const warmRows = itemSongs.map((_, i) => i).filter((i) => !held.has(i));
  const base = { train: split.train, test: split.test, userFactors: model.userFactors, factors, candidates: split.items };

  const rows: [string, EvaluationResult][] = [['random', randomBaseline({ train: split.train, test: split.test, candidates: split.items, seed: 1 })]];
  for (const [name, traits] of [['style only (ridge)', false], ['audible traits (ridge)', true]] as const) {
    const x = itemSongs.flatMap((s) => features(s, traits));
    const d = x.length / itemSongs.length;
    const ridge = fitRidge(x, model.itemFactors, itemSongs.length, d, factors, 1, warmRows);
    const pred = predictRidge(ridge, x, itemSongs.length);
    const v = Float32Array.from(model.itemFactors);
    for (const i of split.items) v.set(pred.subarray(i * factors, (i + 1) * factors), i * factors);
    rows.push([name, evaluate({ ...base, itemFactors: v })]);
  }
  const ub = await foldInRows(transpose(split.test), model.userFactors, { factors });
  rows.push(['upper bound (fold-in)', evaluate({ ...base, itemFactors: ub })]);
  const seconds = (performance.now() - t0) / 1e3;
  if (flags.has('--json')) {
    process.stdout.write(JSON.stringify({ songs, users, seed, factors, coldSongs: split.items.length, seconds, rows: rows.map(([name, r]) => ({ name, map: r.map, auc: r.auc, users: r.users })) }) + '\n');
  } else {
    process.stdout.write(`${hardwareLine()}\nworld ${songs} songs x ${users} users (seed ${seed}), ${split.items.length} cold-start songs, WMF F=${factors}, ${seconds.toFixed(1)} s\n`);
    process.stdout.write(formatTable(['item factors for cold songs', 'mAP@500', 'AUC'], rows.map(([n, r]) => [n, r.map.toFixed(4), r.auc.toFixed(4)])) + '\n');
  }
  return 0;
}
