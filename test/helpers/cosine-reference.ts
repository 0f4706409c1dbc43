/**
 * Brute-force references for the catalogue's suggestions: the cosine of a query to every song in
 * float64, and the filtered top-k a stream or /v1/next must answer (exclusions, playable songs, the
 * playing track by its factors), written from the rules' description, not from src/catalog's code.
 */
import assert from 'node:assert/strict';
import { SAME_TRACK_COSINE } from '../../src/catalog/same-track';
import type { WindowEvent } from '../../src/protocol';

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

/** What the event check needs of a catalogue (the engine's Catalog has it). */
export interface ReferenceCatalogue {
  factors: Float32Array;
  dims: number;
  item(index: number): { id: string; uri?: string };
}

/**
 * A track's window and final events (in order, with their factors) against the brute force: each one's k
 * suggestions are the best songs by cosine to its own factors that are not `named` rows, not at cosine ≥
 * SAME_TRACK_COSINE, not remembered from an earlier event of the track (the best row at ≥ the threshold
 * of each event), and with a uri where `playable(event)`. Scores to 1e-5. An event with a cosine within
 * float32 rounding of the threshold could go either way and is left out (returned: how many were).
 */
export function checkEvents(cat: ReferenceCatalogue, events: readonly WindowEvent[], k: number, o: { named?: ReadonlySet<number>; playable?: (e: WindowEvent) => boolean } = {}): number {
  const remembered = new Set<number>();
  let undecided = 0;
  for (const e of events) {
    assert.ok(e.factors, `${e.type} ${e.seq} carries its factors`);
    const ranking = cosineRanking(cat.factors, cat.dims, e.factors).filter((h) => !o.named?.has(h.index));
    const playable = o.playable?.(e) ? (i: number) => cat.item(i).uri !== undefined : undefined;
    const want = filteredTopK(cat.factors, cat.dims, e.factors, k, { exclude: o.named, remembered, playable });
    if (ranking.some((h) => Math.abs(h.score - SAME_TRACK_COSINE) < 2e-6)) undecided++;
    else {
      assert.deepEqual(e.suggestions.map((s) => s.id), want.map((h) => cat.item(h.index).id), `${e.type} ${e.seq} at ${e.t_end} s`);
      e.suggestions.forEach((s, j) => assert.ok(Math.abs(s.score - want[j].score) < 1e-5, `${e.type} ${e.seq} score ${j}`));
    }
    if (ranking[0].score >= SAME_TRACK_COSINE) remembered.add(ranking[0].index);
  }
  return undecided;
}
