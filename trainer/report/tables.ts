/**
 * The report's tables beyond the main one (paper Tables 1 and 4, Sec. 5.1):
 *   Table 1  songs with the most extreme values of a few WMF factors (what a factor "means");
 *   Table 4  nearest neighbours (cosine) of some cold-start songs among the training songs, by their
 *            latent factors (folded in from plays) and by the factors the CNN predicted from audio;
 *   tags     10-fold cross-validated logistic regression to the most frequent style/mood tags, from
 *            WMF factors and from bag-of-words audio features, mean AUC.
 */
import type { SongEntry } from '../pipeline/training-data';
import { tagCrossValidation } from '../tags/tag-cv';

/** "artist — title (first tag)": a world's first tag is its style. */
export function songName(s: SongEntry | undefined, id: string): string {
  if (!s || (!s.artist && !s.title)) return id;
  return `${s.artist} — ${s.title}${s.tags.length ? ` (${s.tags[0]})` : ''}`;
}

/** Markdown: per factor, the `n` songs with the highest and the lowest value among `rows`. */
export function table1(factors: Float32Array, f: number, ids: readonly string[], rows: Int32Array, songs: ReadonlyMap<string, SongEntry>, show = [0, 1, 2], n = 4): string {
  const out = ['| factor | highest | lowest |', '|---|---|---|'];
  for (const k of show) {
    const sorted = Array.from(rows).sort((a, b) => factors[b * f + k] - factors[a * f + k]);
    const name = (i: number) => songName(songs.get(ids[i]), ids[i]);
    out.push(`| ${k + 1} | ${sorted.slice(0, n).map(name).join('<br>')} | ${sorted.slice(-n).reverse().map(name).join('<br>')} |`);
  }
  return out.join('\n');
}

function cosineNeighbours(q: Float32Array, pool: Float32Array, f: number, rows: Int32Array, n: number): number[] {
  let qn = 0;
  for (let k = 0; k < f; k++) qn += q[k] * q[k];
  const scored = Array.from(rows, (i) => {
    let dot = 0;
    let nn = 0;
    for (let k = 0; k < f; k++) {
      dot += q[k] * pool[i * f + k];
      nn += pool[i * f + k] ** 2;
    }
    return { i, s: dot / Math.sqrt(qn * nn || 1) };
  });
  return scored.sort((a, b) => b.s - a.s).slice(0, n).map((x) => x.i);
}

/** Markdown: for each query (a cold song: its latent and its predicted factors), the nearest training songs by each. */
export function table4(queries: { id: string; latent: Float32Array; predicted: Float32Array }[], catalog: Float32Array, f: number, ids: readonly string[], trainRows: Int32Array, songs: ReadonlyMap<string, SongEntry>, n = 4): string {
  const out = ['| query (cold-start) | nearest by latent factors | nearest by predicted factors |', '|---|---|---|'];
  const name = (i: number) => songName(songs.get(ids[i]), ids[i]);
  for (const q of queries) {
    out.push(`| ${songName(songs.get(q.id), q.id)} | ${cosineNeighbours(q.latent, catalog, f, trainRows, n).map(name).join('<br>')} | ${cosineNeighbours(q.predicted, catalog, f, trainRows, n).map(name).join('<br>')} |`);
  }
  return out.join('\n');
}

/** Mean 10-fold AUC over the `top` most frequent tags (a world's styles and moods) of the given songs, from features x (songs x d). */
export function tagAuc(x: Float32Array, d: number, ids: readonly string[], songs: ReadonlyMap<string, SongEntry>, top = 20): { meanAuc: number; tags: number } {
  const rowsOf = new Map<string, number[]>();
  ids.forEach((id, r) => {
    const s = songs.get(id);
    if (s) for (const t of s.tags) (rowsOf.get(t) ?? rowsOf.set(t, []).get(t)!).push(r);
  });
  const tags = [...rowsOf.entries()].filter(([, r]) => r.length >= 10 && r.length <= ids.length - 10).sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1)).slice(0, top).map(([tag, r]) => ({ tag, items: Int32Array.from(r) }));
  if (tags.length === 0) return { meanAuc: NaN, tags: 0 };
  const res = tagCrossValidation(x, d, tags, { folds: 10, lambda: 1 });
  return { meanAuc: res.meanAuc, tags: tags.length };
}
