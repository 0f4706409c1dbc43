/**
 * Simulated listeners. Taste is defined over what a person hears — style, energy, valence
 * (happy/sad), acoustic vs electronic, instrument families — never over the generator's raw numbers.
 * On top come effects no audio model can recover: each song's power-law popularity (how often anyone
 * meets it), each artist's reputation, and per-(user, song) chance. A listener's library is a sample
 * without replacement with probability ∝ exp(utility) (the Gumbel top-k trick); play counts are
 * negative binomial around a per-user rate, higher for better-liked songs.
 */
import type { Artist, Song } from './catalog';
import { FAMILIES, type Family } from './instruments';
import { clamp, deriveSeed, gumbel, mulberry32, negativeBinomial, normal, uniform } from './random';
import { STYLES } from './styles';

export interface Listener {
  id: string;
  /** Log-utility added for each style (the favourites get a large bonus). */
  styleAffinity: number[];
  favoriteStyles: string[];
  /** Preferred energy and valence (0..1) and how strongly a distance from them costs (per unit²). */
  energyCenter: number;
  energyWeight: number;
  valenceCenter: number;
  valenceWeight: number;
  /** Utility per unit of acousticness above 0.5 (negative: prefers electronic sounds). */
  acousticWeight: number;
  /** Utility of a family being in the mix. */
  familyLikes: Record<Family, number>;
  /** How much popularity sways this listener (utility per unit of log popularity). */
  popularityWeight: number;
  /** Distinct songs in the library (10..500, capped at half the catalogue). */
  activity: number;
  /** Mean plays of a typical song in the library, and the negative-binomial dispersion. */
  meanPlays: number;
  dispersion: number;
}

/** Utility per unit of (log-)utility deviation: better-liked songs get e^0.6 ≈ 1.8x more plays per unit. */
const PLAYS_PER_UTILITY = 0.6;

export function drawListener(seed: number, index: number, songCount: number): Listener {
  const rand = mulberry32(deriveSeed(seed, 10, index));
  const favorites = new Set<number>();
  const nFav = 1 + Math.floor(rand() * 3);
  while (favorites.size < nFav) favorites.add(Math.floor(rand() * STYLES.length));
  const styleAffinity = STYLES.map((_, s) => normal(rand, 0, 0.7) + (favorites.has(s) ? normal(rand, 1.8, 0.5) : 0));
  const familyLikes = Object.fromEntries(FAMILIES.map((f) => [f, normal(rand, 0, 0.8)])) as Record<Family, number>;
  const activity = Math.round(clamp(Math.exp(normal(rand, Math.log(30), 0.8)), 10, Math.min(500, Math.floor(songCount / 2))));
  return {
    id: `U${String(index + 1).padStart(6, '0')}`,
    styleAffinity,
    favoriteStyles: [...favorites].sort((a, b) => a - b).map((s) => STYLES[s].name),
    energyCenter: rand(),
    energyWeight: uniform(rand, 2, 10),
    valenceCenter: rand(),
    valenceWeight: uniform(rand, 1, 6),
    acousticWeight: normal(rand, 0, 1.5),
    familyLikes,
    popularityWeight: uniform(rand, 0.4, 1),
    activity,
    meanPlays: Math.exp(normal(rand, Math.log(3), 0.6)),
    dispersion: uniform(rand, 0.5, 1.5),
  };
}

/** The part of a listener's utility that the audio carries (style, energy, valence, sound). */
export function audibleUtility(l: Listener, s: Song): number {
  let u = l.styleAffinity[s.style];
  u -= l.energyWeight * (s.energy - l.energyCenter) ** 2;
  u -= l.valenceWeight * (s.valence - l.valenceCenter) ** 2;
  u += l.acousticWeight * (s.acousticness - 0.5);
  for (const f of s.families) u += l.familyLikes[f];
  return u;
}

/** The full utility without the per-pair chance: audible part + popularity + artist reputation. */
export function utility(l: Listener, s: Song, artists: readonly Artist[]): number {
  return audibleUtility(l, s) + l.popularityWeight * Math.log(s.popularity) + artists[s.artist].reputation;
}

export interface Plays {
  /** Per listener: song indices (ascending) and their play counts. */
  songs: Int32Array[];
  counts: Int32Array[];
}

/**
 * Draws each listener's library and play counts. Cost: one utility per (listener, song) pair —
 * 187M for the paper-subset preset, a few seconds — and memory proportional to the plays.
 */
export function simulatePlays(seed: number, listeners: readonly Listener[], songs: readonly Song[], artists: readonly Artist[], onProgress?: (done: number) => void): Plays {
  const nSongs = songs.length;
  const base = new Float64Array(nSongs);
  const keys = new Float64Array(nSongs);
  const sorted = new Float64Array(nSongs);
  const out: Plays = { songs: [], counts: [] };
  listeners.forEach((l, ui) => {
    const rand = mulberry32(deriveSeed(seed, 11, ui));
    for (let i = 0; i < nSongs; i++) {
      base[i] = utility(l, songs[i], artists);
      keys[i] = base[i] + gumbel(rand);
    }
    // The k largest keys: threshold from a native numeric sort of a copy, then one ascending pass.
    const k = l.activity;
    sorted.set(keys);
    sorted.sort();
    const threshold = sorted[nSongs - k];
    const top = new Int32Array(k);
    let filled = 0;
    for (let i = 0; i < nSongs && filled < k; i++) if (keys[i] > threshold) top[filled++] = i;
    for (let i = 0; i < nSongs && filled < k; i++) if (keys[i] === threshold) top[filled++] = i;
    top.sort();
    let mean = 0;
    for (const i of top) mean += base[i];
    mean /= k;
    const counts = new Int32Array(k);
    for (let j = 0; j < k; j++) {
      const m = l.meanPlays * Math.exp(PLAYS_PER_UTILITY * clamp(base[top[j]] - mean, -4, 4));
      counts[j] = 1 + negativeBinomial(rand, m, l.dispersion);
    }
    out.songs.push(top);
    out.counts.push(counts);
    onProgress?.(ui + 1);
  });
  return out;
}
