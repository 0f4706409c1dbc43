/**
 * Brute-force references for the catalogue's suggestions: the cosine of a query to every song in
 * float64, and the filtered top-k a stream or /v1/next must answer (exclusions, playable songs, the
 * playing track by its factors), written from the rules' description, not from src/catalog's code.
 */
import { SAME_TRACK_COSINE } from '../../src/catalog/same-track';

export interface RefHit {
  index: number;
  score: number;
}

/** Every row of `factors` (n x f) by cosine to `query`, best first (ties to the lower row); 0 for a zero vector. */
export function cosineRanking(factors: Float32Array, f: number, query: ArrayLike<number>): RefHit[] {
  const n = factors.length / f;
  let qq = 0;
  for (let j = 0; j < f; j++) qq += query[j] * query[j];
  const out: RefHit[] = [];
  for (let i = 0; i < n; i++) {
    let d = 0, yy = 0;
    for (let j = 0; j < f; j++) {
      const y = factors[i * f + j];
      d += query[j] * y;
      yy += y * y;
    }
    out.push({ index: i, score: qq > 0 && yy > 0 ? d / Math.sqrt(qq * yy) : 0 });
  }
  return out.sort((a, b) => b.score - a.score || a.index - b.index);
}

/**
 * The k suggestions for `query`: the best songs by cosine that are not excluded, not taken for the
 * playing track (cosine ≥ SAME_TRACK_COSINE, or in `remembered`), and, when `playable`, have a uri.
 */
export function filteredTopK(
  factors: Float32Array,
  f: number,
  query: ArrayLike<number>,
  k: number,
  o: { exclude?: ReadonlySet<number>; remembered?: ReadonlySet<number>; playable?: (index: number) => boolean } = {},
): RefHit[] {
  return cosineRanking(factors, f, query)
    .filter((h) => !o.exclude?.has(h.index) && !o.remembered?.has(h.index) && h.score < SAME_TRACK_COSINE && (o.playable?.(h.index) ?? true))
    .slice(0, k);
}
