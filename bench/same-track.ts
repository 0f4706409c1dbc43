/**
 * `npm run bench -- same-track [--clips DIR] [--bundle DIR] [--k 10] [--json]`: how well "near-identical
 * factors" tells the playing track apart from other songs, to choose SAME_TRACK_COSINE
 * (src/catalog/same-track.ts) from measurements.
 *
 * Every clip is catalogued as POST /v1/catalog does it (the mean of its non-overlapping 3-s windows) and
 * streamed as a stream sees it (a window every 1 s, the running mean since the start). For each window
 * and each threshold T: is the playing track's catalogued vector at cosine ≥ T (excluded by the rule),
 * and how many other songs are (excluded wrongly), in two catalogues: the clips alone (a user catalogue)
 * and the clips plus the bundle's songs. "sticky" adds the stream's memory: the best row at ≥ T stays
 * excluded until the track changes. Cosines here are float64 brute force, independent of src/catalog.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadAudio } from '../src/audio/load';
import { SameTrackFilter, SameTrackMemory } from '../src/catalog/same-track';
import { Engine } from '../src/engine/engine';
import { REPO_ROOT } from './clip';
import { formatTable, parseFlagsOrUsage } from './harness';

const USAGE = 'usage: npm run bench -- same-track [--clips DIR] [--bundle DIR] [--k N] [--json]';
const THRESHOLDS = [0.95, 0.97, 0.98, 0.985, 0.99, 0.995, 0.998];

function unit(v: ArrayLike<number>): Float64Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  return Float64Array.from(v, (x) => x * inv);
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

interface Row {
  threshold: number;
  catalogue: 'clips' | 'clips+bundle';
  /** Windows whose playing track the rule excludes (plain: cosine ≥ T now; sticky: or remembered). */
  selfExcludedPlain: number;
  selfExcludedSticky: number;
  /** The same over windows from 10 s on. */
  selfExcludedLateSticky: number;
  /** Windows whose top-k suggestions hold the playing track, without and with the (sticky) rule. */
  selfSuggestedWithout: number;
  selfSuggestedWith: number;
  /** Other songs excluded per window (mean) and the most in one window. */
  othersExcludedMean: number;
  othersExcludedMax: number;
}

export async function main(args: string[]): Promise<number> {
  const flags = parseFlagsOrUsage(args, ['--clips', '--bundle', '--k'], ['--json'], USAGE);
  if (!flags) return 2;
  const clipsDir = String(flags.get('--clips') ?? path.resolve(REPO_ROOT, '..', 'shared', 'data', 'audio'));
  const bundleDir = String(flags.get('--bundle') ?? path.join(REPO_ROOT, 'models', 'default'));
  const k = Number(flags.get('--k') ?? 10);
  const files = fs.readdirSync(clipsDir).filter((f) => /\.(wav|ogg|mp3|opus|flac|m4a)$/i.test(f)).sort();
  if (files.length < 2) {
    process.stderr.write(`need at least two clips in ${clipsDir}\n`);
    return 1;
  }
  const engine = await Engine.open({ bundleDir, inferenceThread: 'main' });
  const rate = engine.bundle.manifest.mel.sampleRateHz;
  const f = engine.factors;
  const catalogued: Float64Array[] = [];
  /** Per clip, per window: the unit running mean and the window's end (s). */
  const streams: { mean: Float64Array; tEndS: number }[][] = [];
  try {
    for (const file of files) {
      const audio = await loadAudio(path.join(clipsDir, file), { sampleRateHz: rate });
      catalogued.push(unit((await engine.analyze(audio.samples, rate)).factors));
      const pipeline = engine.createPipeline(rate, 1.0);
      const windows = pipeline.push(audio.samples);
      pipeline.dispose();
      const sum = new Float64Array(f);
      const run: { mean: Float64Array; tEndS: number }[] = [];
      for (const w of windows) {
        const y = await engine.bundle.model.predictWindows(w.mel, 1, w.frames);
        for (let j = 0; j < f; j++) sum[j] += y[j];
        run.push({ mean: unit(Float32Array.from(sum, (s) => s / (run.length + 1))), tEndS: w.tEndS });
      }
      streams.push(run);
    }
  } finally {
    await engine.close();
  }
  const bundleRows: Float64Array[] = [];
  const y = engine.bundle.itemFactors;
  for (let i = 0; i < engine.bundle.items.length; i++) bundleRows.push(unit(y.subarray(i * f, (i + 1) * f)));

  const rows: Row[] = [];
  for (const catalogue of ['clips', 'clips+bundle'] as const) {
    const items = catalogue === 'clips' ? catalogued : [...catalogued, ...bundleRows];
    // Cosines of every window to every item, once for all thresholds.
    const cosines = streams.map((run) => run.map((w) => items.map((it) => dot(w.mean, it))));
    for (const threshold of THRESHOLDS) {
      let windows = 0, late = 0, plain = 0, sticky = 0, lateSticky = 0, without = 0, withRule = 0, othersSum = 0, othersMax = 0;
      streams.forEach((run, self) => {
        // The engine's own rule (src/catalog/same-track.ts), offered every item best first as a search does.
        const memory = new SameTrackMemory();
        run.forEach((w, n) => {
          const c = cosines[self][n];
          const order = c.map((_, i) => i).sort((a, b) => c[b] - c[a] || a - b);
          const filter = new SameTrackFilter(memory, threshold);
          const kept = new Set(order.filter((i) => filter.accept(i, c[i])));
          filter.remember();
          const excluded = (i: number): boolean => !kept.has(i);
          windows++;
          if (c[self] >= threshold) plain++;
          if (excluded(self)) sticky++;
          if (w.tEndS >= 10) {
            late++;
            if (excluded(self)) lateSticky++;
          }
          if (order.slice(0, k).includes(self)) without++;
          if (order.filter((i) => !excluded(i)).slice(0, k).includes(self)) withRule++;
          let others = 0;
          for (let i = 0; i < items.length; i++) if (i !== self && excluded(i)) others++;
          othersSum += others;
          othersMax = Math.max(othersMax, others);
        });
      });
      rows.push({
        threshold, catalogue,
        selfExcludedPlain: plain / windows, selfExcludedSticky: sticky / windows, selfExcludedLateSticky: lateSticky / late,
        selfSuggestedWithout: without / windows, selfSuggestedWith: withRule / windows,
        othersExcludedMean: othersSum / windows, othersExcludedMax: othersMax,
      });
    }
  }
  // The distributions behind the table: same track vs different tracks (clips only), all windows.
  const same: number[] = [], other: number[] = [];
  streams.forEach((run, self) => run.forEach((w) => catalogued.forEach((c, i) => (i === self ? same : other).push(dot(w.mean, c)))));
  const q = (a: number[], p: number): number => [...a].sort((u, v) => u - v)[Math.min(a.length - 1, Math.floor(p * a.length))];
  const summary = {
    clips: files.length, windows: same.length, bundle: path.basename(bundleDir), bundleSongs: bundleRows.length, k,
    sameTrack: { min: q(same, 0), p10: q(same, 0.1), median: q(same, 0.5) },
    otherTracks: { median: q(other, 0.5), p99: q(other, 0.99), max: q(other, 1) },
  };
  if (flags.has('--json')) {
    process.stdout.write(JSON.stringify({ ...summary, rows }) + '\n');
    return 0;
  }
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  process.stdout.write(
    `${files.length} clips from ${clipsDir}, ${same.length} stream windows (1-s hop), bundle ${summary.bundle} (${bundleRows.length} songs), k = ${k}\n` +
      `cosine of the running mean to its own catalogued vector: min ${summary.sameTrack.min.toFixed(4)}, p10 ${summary.sameTrack.p10.toFixed(4)}, median ${summary.sameTrack.median.toFixed(4)}\n` +
      `cosine to another clip's catalogued vector: median ${summary.otherTracks.median.toFixed(4)}, p99 ${summary.otherTracks.p99.toFixed(4)}, max ${summary.otherTracks.max.toFixed(4)}\n\n` +
      formatTable(
        ['catalogue', 'T', 'self excluded', 'sticky', 'sticky ≥10 s', `self in top-${k}`, 'with rule', 'others excl./window', 'max'],
        rows.map((r) => [r.catalogue, String(r.threshold), pct(r.selfExcludedPlain), pct(r.selfExcludedSticky), pct(r.selfExcludedLateSticky), pct(r.selfSuggestedWithout), pct(r.selfSuggestedWith), r.othersExcludedMean.toFixed(2), String(r.othersExcludedMax)]),
      ) +
      '\n',
  );
  return 0;
}
