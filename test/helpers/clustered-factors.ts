/**
 * A synthetic catalogue shaped like WMF song factors, for the catalogue's tests and bench/catalog.ts:
 * 50 "genres" (standard normal centres), artists around a genre (σ 0.6), songs around an artist (σ
 * `songSpread`), each song scaled by a log-normal popularity (e^{0.4 z}: WMF norms grow with plays, 3x
 * between the 10th and 90th percentile in models/default). Queries are new songs of existing artists,
 * drawn the same way: what the network predicts for an unseen song. Seeded, deterministic.
 */
import { mulberry32, type Rand } from '../../trainer/eval/prng';

export interface ClusteredCatalog {
  factors: Float32Array;
  queries: Float32Array;
}

function gauss(r: Rand): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** n songs and nq queries of f factors; one artist per `songsPerArtist` songs. */
export function clusteredCatalog(n: number, nq: number, f: number, seed: number, songSpread = 0.5, songsPerArtist = 500): ClusteredCatalog {
  const r = mulberry32(seed);
  const genres = Array.from({ length: 50 }, () => Float32Array.from({ length: f }, () => gauss(r)));
  const artists = Array.from({ length: Math.max(1, Math.round(n / songsPerArtist)) }, () => {
    const g = genres[Math.floor(r() * genres.length)];
    return g.map((v) => v + 0.6 * gauss(r));
  });
  const song = (out: Float32Array, o: number) => {
    const a = artists[Math.floor(r() * artists.length)];
    const s = Math.exp(0.4 * gauss(r));
    for (let t = 0; t < f; t++) out[o + t] = s * (a[t] + songSpread * gauss(r));
  };
  const factors = new Float32Array(n * f);
  for (let i = 0; i < n; i++) song(factors, i * f);
  const queries = new Float32Array(nq * f);
  for (let j = 0; j < nq; j++) song(queries, j * f);
  return { factors, queries };
}
