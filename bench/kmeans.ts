/**
 * `npm run bench -- kmeans [--n 200000] [--d 60] [--k 4000] [--iterations 10] [--greedy L]
 *  [--assign-rows 1000000] [--pca-d 4000] [--pca-songs 10000] [--skip-pca] [--threads N] [--json]`:
 * the bag-of-words baseline's native stages at the paper's sizes (van den Oord et al. 2013, Sec. 4.1).
 *
 *   fit      fitKmeans on n frames of d values, k codewords, `iterations` Lloyd updates with tol 0 (so
 *            exactly that many, plus the final assignment); k-means++ seeding (greedy with L draws per
 *            step when --greedy L) timed apart.
 *   assign   assignKmeans of --assign-rows frames against the fitted codebook: frames per second.
 *   pca      --pca-songs codeword histograms of --pca-d codewords: the d x d scatter matrix, then the
 *            symmetric eigendecomposition with the 95 % rule's eigenvectors, then with all d of them.
 *
 * Frames are synthetic, seeded: a mixture of 300 Gaussian "timbres" whose spread falls with the
 * coefficient index like MFCCs do (σ_t = 12 / (1 + t/4)), plus unit noise. Songs are 1,292 frames (30 s at
 * hop 512) drawn from 1..4 of 200 "styles", each style a Zipf(1) preference over a random permutation of
 * the codewords, so the histograms have a long-tailed spectrum like real ones.
 */
import * as os from 'node:os';
import { assignKmeans, fitKmeans } from '../trainer/bow/kmeans';
import { fitPca } from '../trainer/bow/pca';
import { symmetricEigen } from '../trainer/bow/sym-eigen';
import { nativeAddon } from '../src/native/addon';
import { mulberry32, type Rand } from '../trainer/eval/prng';
import { hardwareLine, parseFlags } from './harness';

const USAGE =
  'usage: npm run bench -- kmeans [--n 200000] [--d 60] [--k 4000] [--iterations 10] [--greedy L] [--assign-rows 1000000] [--pca-d 4000] [--pca-songs 10000] [--skip-pca] [--threads N] [--json]';
const SEED = 20131205;

function gauss(r: Rand): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

function frames(n: number, d: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  const timbres = Array.from({ length: 300 }, () => Float32Array.from({ length: d }, (_, t) => (gauss(r) * 12) / (1 + t / 4)));
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = timbres[Math.floor(r() * timbres.length)];
    for (let t = 0; t < d; t++) x[i * d + t] = c[t] + gauss(r);
  }
  return x;
}

function histograms(songs: number, k: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  const styles = 200;
  // Zipf(1) over ranks: cumulative weights, ranks mapped to codewords by a per-style permutation.
  const cum = new Float64Array(k);
  for (let i = 0; i < k; i++) cum[i] = (i ? cum[i - 1] : 0) + 1 / (i + 1);
  const perms = Array.from({ length: styles }, () => {
    const p = Int32Array.from({ length: k }, (_, i) => i);
    for (let i = k - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [p[i], p[j]] = [p[j], p[i]]; }
    return p;
  });
  const x = new Float32Array(songs * k);
  for (let s = 0; s < songs; s++) {
    const mine = Array.from({ length: 1 + Math.floor(r() * 4) }, () => perms[Math.floor(r() * styles)]);
    for (let f = 0; f < 1292; f++) {
      const u = r() * cum[k - 1];
      let lo = 0, hi = k - 1;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (cum[mid] < u) lo = mid + 1; else hi = mid; }
      x[s * k + mine[Math.floor(r() * mine.length)][lo]] += 1;
    }
  }
  return x;
}

const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

export async function main(args: string[]): Promise<number> {
  let flags: Map<string, string | true>;
  try {
    flags = parseFlags(args, ['--n', '--d', '--k', '--iterations', '--greedy', '--assign-rows', '--pca-d', '--pca-songs', '--threads'], ['--json', '--skip-pca']);
  } catch (err) {
    process.stderr.write(`bench kmeans: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const int = (key: string, dflt: number): number => {
    const v = Number(flags.get(key) ?? dflt);
    return Number.isInteger(v) && v > 0 ? v : NaN;
  };
  const [n, d, k, iterations, greedy, assignRows, pcaD, pcaSongs, threads] = [
    int('--n', 200_000), int('--d', 60), int('--k', 4000), int('--iterations', 10), int('--greedy', 1),
    int('--assign-rows', 1_000_000), int('--pca-d', 4000), int('--pca-songs', 10_000), int('--threads', os.availableParallelism()),
  ];
  if ([n, d, k, iterations, greedy, assignRows, pcaD, pcaSongs, threads].some(Number.isNaN)) {
    process.stderr.write(`bench kmeans: every numeric flag must be a positive integer\n${USAGE}\n`);
    return 2;
  }
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say(`bench kmeans — ${hardwareLine()}, ${threads} threads, kernels ${nativeAddon().kernels()}`);

  const x = frames(Math.max(n, assignRows), d, SEED);
  const t0 = process.hrtime.bigint();
  const model = await fitKmeans(x.subarray(0, n * d), n, d, { k, iterations, tol: 0, seed: 1, initCandidates: greedy, sample: n, threads });
  const fitS = seconds(t0);
  const passes = model.inertia.length; // assignment steps: the seeds' plus one per update
  say(`fit: k ${k}, d ${d}, n ${n.toLocaleString('en')}, ${model.iterations} iterations: ${fitS.toFixed(2)} s ` +
    `(k-means++${greedy > 1 ? ` greedy ${greedy}` : ''} ${model.initSeconds.toFixed(2)} s, Lloyd ${model.lloydSeconds.toFixed(2)} s = ` +
    `${(model.lloydSeconds / passes).toFixed(3)} s per assignment pass x ${passes})`);
  say(`  inertia ${model.inertia[0].toExponential(4)} -> ${model.inertia[passes - 1].toExponential(4)}, empty clusters re-seeded ${model.relocated}`);

  const a0 = process.hrtime.bigint();
  await assignKmeans(x.subarray(0, assignRows * d), assignRows, d, model.centroids, { threads });
  const assignS = seconds(a0);
  const framesPerS = assignRows / assignS;
  say(`assign: ${assignRows.toLocaleString('en')} frames in ${assignS.toFixed(2)} s = ${Math.round(framesPerS).toLocaleString('en')} frames/s ` +
    `(${((2 * assignRows * k * (d + 1)) / assignS / 1e9).toFixed(1)} GFLOP/s as a GEMM)`);

  const result: Record<string, unknown> = {
    n, d, k, iterations: model.iterations, threads, greedy,
    fit_s: fitS, init_s: model.initSeconds, lloyd_s: model.lloydSeconds, assign_pass_s: model.lloydSeconds / passes,
    assign_rows: assignRows, assign_frames_per_s: framesPerS, cpu: hardwareLine(),
  };
  if (!flags.has('--skip-pca')) {
    const h = histograms(pcaSongs, pcaD, SEED + 1);
    const p0 = process.hrtime.bigint();
    const pca = await fitPca(h, pcaSongs, pcaD, { varianceKept: 0.95, method: 'covariance', threads });
    const pcaS = seconds(p0);
    const c0 = process.hrtime.bigint();
    const mean = new Float64Array(pcaD);
    const scatter = await nativeAddon().crossProductAsync(h, pcaSongs, pcaD, mean, false, threads);
    const crossS = seconds(c0);
    const e0 = process.hrtime.bigint();
    const all = await symmetricEigen(scatter, pcaD, { threads });
    const eigS = seconds(e0);
    say(`pca: ${pcaSongs.toLocaleString('en')} songs x ${pcaD} codewords: fitPca ${pcaS.toFixed(2)} s, keeps ${pca.count} components for 95 %`);
    say(`  scatter matrix (${pcaD} x ${pcaD}, float64) ${crossS.toFixed(2)} s; eigendecomposition with all ${all.count} eigenvectors ${eigS.toFixed(2)} s`);
    Object.assign(result, { pca_songs: pcaSongs, pca_d: pcaD, pca_fit_s: pcaS, pca_components: pca.count, scatter_s: crossS, eigen_all_s: eigS, eigen_fit_s: pcaS - crossS });
  }
  if (flags.has('--json')) say(JSON.stringify(result));
  return 0;
}
