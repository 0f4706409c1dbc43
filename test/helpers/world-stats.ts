/** Statistics the world tests check: per-window mel features, a nearest-centroid classifier, tail indices, ranks. */
import * as path from 'node:path';
import { decodeAudioFile } from '../../src/audio/decode';
import { computeMel } from '../../src/dsp/mel';

/** The paper's window: 130 frames at hop 512 / 22,050 Hz ≈ 3.0 s. */
const WINDOW_FRAMES = 130;

export interface ClipWindows {
  id: string;
  /** Per window: the band means less their average (spectral shape), then each band's std over time. */
  texture: Float64Array[];
  /** Per window: mean dB over all bands and frames (overall loudness). */
  loudness: number[];
}

export async function melWindowStats(worldDir: string, ids: readonly string[]): Promise<ClipWindows[]> {
  const out: ClipWindows[] = [];
  for (const id of ids) {
    const audio = await decodeAudioFile(path.join(worldDir, 'audio', `${id}.wav`));
    const mel = computeMel(audio.mono);
    const clip: ClipWindows = { id, texture: [], loudness: [] };
    const nb = mel.bands;
    for (let f0 = 0; f0 + WINDOW_FRAMES <= mel.frames; f0 += WINDOW_FRAMES) {
      const m = new Float64Array(nb);
      const sq = new Float64Array(nb);
      for (let f = f0; f < f0 + WINDOW_FRAMES; f++) {
        for (let b = 0; b < nb; b++) {
          const x = mel.data[f * nb + b];
          m[b] += x / WINDOW_FRAMES;
          sq[b] += (x * x) / WINDOW_FRAMES;
        }
      }
      const level = m.reduce((a, b) => a + b, 0) / nb;
      const t = new Float64Array(2 * nb);
      for (let b = 0; b < nb; b++) {
        t[b] = m[b] - level;
        t[nb + b] = Math.sqrt(Math.max(0, sq[b] - m[b] * m[b]));
      }
      clip.texture.push(t);
      clip.loudness.push(level);
    }
    out.push(clip);
  }
  return out;
}

/** Share of test windows whose nearest class centroid (Euclidean) is their own class. */
export function nearestCentroidAccuracy(clips: readonly ClipWindows[], classOf: Map<string, number>, isTrain: (id: string) => boolean, features: 'texture' | 'loudness'): number {
  const vec = (c: ClipWindows, w: number) => (features === 'loudness' ? Float64Array.of(c.loudness[w]) : c[features][w]);
  const dim = vec(clips[0], 0).length;
  const sums = new Map<number, { v: Float64Array; n: number }>();
  for (const c of clips) {
    if (!isTrain(c.id)) continue;
    const k = classOf.get(c.id)!;
    const s = sums.get(k) ?? { v: new Float64Array(dim), n: 0 };
    for (let w = 0; w < c.texture.length; w++) {
      const x = vec(c, w);
      for (let d = 0; d < dim; d++) s.v[d] += x[d];
      s.n++;
    }
    sums.set(k, s);
  }
  const centroids = [...sums.entries()].map(([k, s]) => ({ k, v: s.v.map((x) => x / s.n) }));
  let right = 0;
  let total = 0;
  for (const c of clips) {
    if (isTrain(c.id)) continue;
    for (let w = 0; w < c.texture.length; w++) {
      const x = vec(c, w);
      let best = -1;
      let bestD = Infinity;
      for (const { k, v } of centroids) {
        let d2 = 0;
        for (let d = 0; d < dim; d++) d2 += (x[d] - v[d]) ** 2;
        if (d2 < bestD) {
          bestD = d2;
          best = k;
        }
      }
      right += best === classOf.get(c.id) ? 1 : 0;
      total++;
    }
  }
  return right / total;
}

/** Hill's estimator of a Pareto tail index from the k largest values. */
export function hillTailIndex(values: readonly number[], k: number): number {
  const x = [...values].sort((a, b) => b - a);
  let s = 0;
  for (let i = 0; i < k; i++) s += Math.log(x[i] / x[k]);
  return k / s;
}

function ranks(a: readonly number[]): number[] {
  const order = a.map((_, i) => i).sort((i, j) => a[i] - a[j]);
  const r = new Array<number>(a.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && a[order[j + 1]] === a[order[i]]) j++;
    for (let k = i; k <= j; k++) r[order[k]] = (i + j) / 2;
    i = j + 1;
  }
  return r;
}

/** Spearman's rank correlation (Pearson on average ranks, so ties are handled). */
export function spearman(a: readonly number[], b: readonly number[]): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const n = a.length;
  const ma = ra.reduce((x, y) => x + y, 0) / n;
  const mb = rb.reduce((x, y) => x + y, 0) / n;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    num += (ra[i] - ma) * (rb[i] - mb);
    da += (ra[i] - ma) ** 2;
    db += (rb[i] - mb) ** 2;
  }
  return num / Math.sqrt(da * db);
}
