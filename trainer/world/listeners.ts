/**
 * Simulated listeners. Taste is defined over what a person hears — style, energy, valence
 * (happy/sad), tempo, acoustic vs electronic, instrument families — never over the generator's raw numbers.
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
  /**
   * Preferred tempo (BPM) and the cost per octave² of distance from it: people have a preferred pace
   * (a runner's, a DJ's set) across styles. Tempo is heard in the rhythm over seconds, not in the
   * spectrum of a single frame.
   */
  tempoCenterBpm: number;
  tempoWeight: number;
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
    // Drawn last so that adding them kept every earlier draw of the stream.
    tempoCenterBpm: 2 ** uniform(rand, Math.log2(75), Math.log2(175)),
    tempoWeight: uniform(rand, 2, 12),
  };
}

/**
 * The songs' side of the utility in flat arrays, so one listener's utilities over the whole catalogue
 * are a tight loop (the paper-subset preset needs 187M of them).
 */
export class UtilityTable {
  private readonly style: Int32Array;
  private readonly energy: Float64Array;
  private readonly valence: Float64Array;
  private readonly acoustic: Float64Array;
  private readonly log2Tempo: Float64Array;
  private readonly logPopularity: Float64Array;
  private readonly reputation: Float64Array;
  /** Family indices of song i: families[familyStart[i] .. familyStart[i + 1]). */
  private readonly familyStart: Int32Array;
  private readonly families: Int32Array;

  constructor(songs: readonly Song[], artists: readonly Artist[]) {
    const n = songs.length;
    this.style = Int32Array.from(songs, (s) => s.style);
    this.energy = Float64Array.from(songs, (s) => s.energy);
    this.valence = Float64Array.from(songs, (s) => s.valence);
    this.acoustic = Float64Array.from(songs, (s) => s.acousticness - 0.5);
    this.log2Tempo = Float64Array.from(songs, (s) => Math.log2(s.tempoBpm));
    this.logPopularity = Float64Array.from(songs, (s) => Math.log(s.popularity));
    this.reputation = Float64Array.from(songs, (s) => artists[s.artist].reputation);
    this.familyStart = new Int32Array(n + 1);
    const fams: number[] = [];
    songs.forEach((s, i) => {
      for (const f of s.families) fams.push(FAMILIES.indexOf(f));
      this.familyStart[i + 1] = fams.length;
    });
    this.families = Int32Array.from(fams);
  }

  /**
   * out[i] = u(listener, song i) = styleAffinity[style] − energyWeight·(energy − energyCenter)²
   * − valenceWeight·(valence − valenceCenter)² − tempoWeight·log2(tempo / tempoCenter)²
   * + acousticWeight·(acousticness − 0.5) + Σ familyLikes
   * + popularityWeight·ln(popularity) + reputation(artist). The audible part comes first.
   */
  fill(l: Listener, out: Float64Array): void {
    const likes = Float64Array.from(FAMILIES, (f) => l.familyLikes[f]);
    const log2Center = Math.log2(l.tempoCenterBpm);
    for (let i = 0; i < this.style.length; i++) {
      let u = l.styleAffinity[this.style[i]];
      u -= l.energyWeight * (this.energy[i] - l.energyCenter) ** 2;
      u -= l.valenceWeight * (this.valence[i] - l.valenceCenter) ** 2;
      u -= l.tempoWeight * (this.log2Tempo[i] - log2Center) ** 2;
      u += l.acousticWeight * this.acoustic[i];
      for (let k = this.familyStart[i]; k < this.familyStart[i + 1]; k++) u += likes[this.families[k]];
      out[i] = u + l.popularityWeight * this.logPopularity[i] + this.reputation[i];
    }
  }
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
  const scratch = new Float64Array(nSongs);
  const out: Plays = { songs: [], counts: [] };
  const table = new UtilityTable(songs, artists);
  listeners.forEach((l, ui) => {
    const rand = mulberry32(deriveSeed(seed, 11, ui));
    table.fill(l, base);
    for (let i = 0; i < nSongs; i++) keys[i] = base[i] + gumbel(rand);
    // The k largest keys: the k-th largest by selection on a copy, then one ascending pass.
    const k = l.activity;
    scratch.set(keys);
    const threshold = kthSmallest(scratch, nSongs - k);
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

/** The value that would sit at index k of `a` sorted ascending (Hoare's quickselect; reorders `a`). */
export function kthSmallest(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}
