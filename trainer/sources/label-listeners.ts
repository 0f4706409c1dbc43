/**
 * Listeners simulated from human labels alone: for a catalogue that has audio and metadata but no
 * plays (the default model's game music), a listener's taste is one to three labels — a soundtrack,
 * a composer, an album, a genre — picked the way people find music (through a song they met, whose
 * soundtrack or composer they then follow), and the library is drawn from the songs carrying those
 * labels plus some exploration. Nothing is measured from the audio: the factors WMF learns from
 * these plays encode only what the labels say, so a CNN that predicts them has learnt to hear it.
 */
import { EarshotError } from '../../src/errors';
import { mulberry32, type Rand } from '../eval/prng';
import { normal } from '../world/random';

export interface LabelledSong {
  id: string;
  /** "facet:value" labels, e.g. "soundtrack:supertuxkart", "artist:Max Freeman". */
  labels: readonly string[];
}

export interface LabelListenerOptions {
  users: number;
  seed: number;
  /** How often each facet becomes a taste (relative; facets a song lacks are skipped). */
  facetWeights?: Readonly<Record<string, number>>;
  /** Median distinct songs per listener (default 12; log-normal, 3..60). */
  librarySize?: number;
  /** Share of a library found outside the listener's tastes (default 0.15). */
  exploration?: number;
}

/** Soundtracks and composers are what people follow in game music; albums and genre tags less so. */
export const DEFAULT_FACET_WEIGHTS: Readonly<Record<string, number>> = { soundtrack: 0.5, artist: 0.25, album: 0.15, genre: 0.1 };
/** Share of a library found outside the listener's tastes (radio, friends, chance). */
export const DEFAULT_EXPLORATION = 0.15;
/** Library sizes: log-normal around 12 distinct songs, 3..60. */
export const DEFAULT_LIBRARY_SIZE = 12;

/** Popularity-weighted sampler over a subset (cumulative weights, binary search). */
function sampler(rand: Rand, rows: readonly number[], popularity: Float64Array): () => number {
  const cum = new Float64Array(rows.length);
  let s = 0;
  rows.forEach((r, i) => (cum[i] = s += popularity[r]));
  return () => {
    const u = rand() * s;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return rows[lo];
  };
}

/** Play-count triplets (user, song, count), users in order, each user's songs in catalogue order. */
export function simulateLabelListeners(songs: readonly LabelledSong[], o: LabelListenerOptions): [string, string, number][] {
  if (songs.length < 2) throw new EarshotError('ERR_INVALID_ARGUMENT', `listeners need at least 2 songs, got ${songs.length}`);
  if (!Number.isInteger(o.users) || o.users < 1) throw new EarshotError('ERR_INVALID_ARGUMENT', `users must be a positive integer, got ${o.users}`);
  const weights = o.facetWeights ?? DEFAULT_FACET_WEIGHTS;
  const exploration = o.exploration ?? DEFAULT_EXPLORATION;
  const librarySize = o.librarySize ?? DEFAULT_LIBRARY_SIZE;
  if (!(exploration >= 0 && exploration <= 1)) throw new EarshotError('ERR_INVALID_ARGUMENT', `exploration must be in 0..1, got ${exploration}`);
  if (!(librarySize >= 1 && librarySize <= 60)) throw new EarshotError('ERR_INVALID_ARGUMENT', `librarySize must be in 1..60 songs, got ${librarySize}`);
  const rand = mulberry32(o.seed);
  // Power-law popularity over a seeded order: some tracks are everyone's favourite.
  const order = songs.map((_, i) => ({ i, k: rand() })).sort((a, b) => a.k - b.k);
  const popularity = new Float64Array(songs.length);
  order.forEach(({ i }, rank) => (popularity[i] = (rank + 1) ** -0.8));
  const rowsOf = new Map<string, number[]>();
  songs.forEach((s, r) => {
    for (const l of new Set(s.labels)) (rowsOf.get(l) ?? rowsOf.set(l, []).get(l)!).push(r);
  });
  const anySong = sampler(rand, songs.map((_, i) => i), popularity);
  const out: [string, string, number][] = [];
  const width = String(o.users).length;
  for (let u = 0; u < o.users; u++) {
    const tastes = new Set<string>();
    const nTastes = rand() < 0.5 ? 1 : rand() < 0.7 ? 2 : 3;
    for (let t = 0; t < nTastes; t++) {
      const met = songs[anySong()];
      const facets = met.labels.filter((l) => (weights[l.slice(0, l.indexOf(':'))] ?? 0) > 0);
      if (facets.length === 0) continue;
      const total = facets.reduce((s, l) => s + weights[l.slice(0, l.indexOf(':'))], 0);
      let pick = rand() * total;
      const label = facets.find((l) => (pick -= weights[l.slice(0, l.indexOf(':'))]) < 0) ?? facets[facets.length - 1];
      tastes.add(label);
    }
    const pool = [...new Set([...tastes].flatMap((l) => rowsOf.get(l) ?? []))];
    const fromPool = pool.length > 0 ? sampler(rand, pool, popularity) : anySong;
    const size = Math.min(songs.length, Math.max(3, Math.min(60, Math.round(librarySize * Math.exp(normal(rand, 0, 0.6))))));
    const counts = new Map<number, number>();
    for (let tries = 0; counts.size < size && tries < size * 20; tries++) {
      const r = rand() < exploration ? anySong() : fromPool();
      if (counts.has(r)) continue;
      const matches = songs[r].labels.filter((l) => tastes.has(l)).length;
      // Geometric play counts, mean ≈ 3 plays, doubled for a song that matches two tastes.
      counts.set(r, (1 + Math.floor(-Math.log(1 - rand()) * 2)) * (matches > 1 ? 2 : 1));
    }
    const user = `GM${String(u + 1).padStart(width, '0')}`;
    for (const r of [...counts.keys()].sort((a, b) => a - b)) out.push([user, songs[r].id, counts.get(r)!]);
  }
  return out;
}
