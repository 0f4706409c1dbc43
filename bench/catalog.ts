/**
 * `npm run bench -- catalog [--sizes 10000,100000,1000000] [--ann-size 1000000] [--batch 64]
 *  [--recall-queries 200] [--spread 0.5] [--threads N] [--json]`: the engine's catalogue search
 * (src/catalog/catalog.ts) on synthetic clustered song factors (test/helpers/clustered-factors.ts, F = 50).
 *
 *   exact    top-50 per query over every song: the JS reference (topKJs, float64) against the native
 *            kernel (float32 SIMD, one query and `--batch` queries per call), dot product and cosine
 *   ann      the IVF index at --ann-size songs: build seconds (k-means + assignment + calibration),
 *            ms per query, batched queries/s, nprobe, and recall@50 against the exact search on
 *            --recall-queries fresh queries (new songs of existing artists)
 *   fold-in  one listener (50 played songs) through the trainer's alsSweepAsync, which rebuilds YᵀY per
 *            call, and through foldInListener with the catalogue's cached YᵀY, at 2,000 songs and the largest size
 */
import * as os from 'node:os';
import { Catalog, type CatalogItem, type Metric } from '../src/catalog/catalog';
import { foldInListener } from '../src/catalog/fold-in';
import { inverseNorms, normalizeRows } from '../src/catalog/ivf';
import { topKJs } from '../src/catalog/topk-js';
import { nativeAddon } from '../src/native/addon';
import { foldInRows } from '../trainer/wmf/fold-in';
import { clusteredCatalog } from '../test/helpers/clustered-factors';
import { formatTable, hardwareLine, parseFlags, timeRuns, timeRunsAsync } from './harness';

const USAGE = 'usage: npm run bench -- catalog [--sizes 10000,100000,1000000] [--ann-size 1000000] [--batch 64] [--recall-queries 200] [--spread 0.5] [--threads N] [--json]';
const F = 50;
const K = 50;
const SEED = 20131205;
const QUICK = { minTotalS: 0.5, minRuns: 3 };

function items(n: number): CatalogItem[] {
  return Array.from({ length: n }, (_, i) => ({ id: `s${i}`, artist: '', title: '' }));
}

const ms = (s: number) => (s * 1e3).toFixed(s < 1e-3 ? 3 : 2);

export async function main(args: string[]): Promise<number> {
  let flags: Map<string, string | true>;
  try {
    flags = parseFlags(args, ['--sizes', '--ann-size', '--batch', '--recall-queries', '--spread', '--threads'], ['--json']);
  } catch (err) {
    process.stderr.write(`bench catalog: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const sizes = String(flags.get('--sizes') ?? '10000,100000,1000000').split(',').map(Number);
  const annSize = Number(flags.get('--ann-size') ?? 1_000_000);
  const batch = Number(flags.get('--batch') ?? 64);
  const recallQueries = Number(flags.get('--recall-queries') ?? 200);
  const spread = Number(flags.get('--spread') ?? 0.5);
  const threads = Number(flags.get('--threads') ?? os.availableParallelism());
  if ([...sizes, annSize, batch, recallQueries, threads].some((v) => !Number.isInteger(v) || v < 1) || !(spread > 0)) {
    process.stderr.write(`bench catalog: sizes, counts and threads must be positive integers, --spread a positive number\n${USAGE}\n`);
    return 2;
  }
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say(`bench catalog — ${hardwareLine()}, ${threads} threads, kernels ${nativeAddon().kernels()}, F ${F}, top ${K}, song spread ${spread}`);
  const result: Record<string, unknown> = { cpu: hardwareLine(), threads, f: F, k: K, spread, batch };

  // Exact search, JS against native.
  const rows: string[][] = [];
  const exact: Record<string, unknown>[] = [];
  for (const n of sizes) {
    const { factors, queries } = clusteredCatalog(n, batch, F, SEED, spread);
    const cat = new Catalog(items(n), factors, F, { annThreshold: Infinity, threads });
    const inv = inverseNorms(factors, n, F);
    const unit = normalizeRows(queries, batch, F);
    let qi = 0;
    const next = () => (qi = (qi + 1) % batch) * F;
    const r: Record<string, number> = { items: n };
    for (const metric of ['dot', 'cosine'] as Metric[]) {
      const jsQ = metric === 'cosine' ? unit : queries, scale = metric === 'cosine' ? inv : null;
      r[`js_${metric}_ms`] = timeRuns(() => { const o = next(); topKJs(factors, n, F, jsQ.subarray(o, o + F), K, scale); }, QUICK).medianS * 1e3;
      r[`native_${metric}_ms`] = timeRuns(() => { const o = next(); cat.topK(queries.subarray(o, o + F), K, { metric }); }, QUICK).medianS * 1e3;
      r[`batch_${metric}_qps`] = batch / timeRuns(() => cat.topKBatch(queries, batch, K, { metric }), QUICK).medianS;
    }
    r.native_dot_1thread_ms = timeRuns(() => { const o = next(); nativeAddon().catalogTopK(factors, n, F, queries.subarray(o, o + F), 1, K, null, 1); }, QUICK).medianS * 1e3;
    exact.push(r);
    rows.push([n.toLocaleString('en'), ms(r.js_dot_ms / 1e3), ms(r.native_dot_ms / 1e3), ms(r.native_dot_1thread_ms / 1e3), (r.js_dot_ms / r.native_dot_ms).toFixed(1),
      ms(r.js_cosine_ms / 1e3), ms(r.native_cosine_ms / 1e3), Math.round(r.batch_dot_qps).toLocaleString('en'), Math.round(r.batch_cosine_qps).toLocaleString('en')]);
  }
  say('\nexact top-50 (ms per query; batched: queries/s with ' + batch + ' queries per call)');
  say(formatTable(['items', 'JS dot', 'native dot', '1 thread', 'JS/native', 'JS cosine', 'native cosine', 'batch dot q/s', 'batch cos q/s'], rows));
  result.exact = exact;

  // The approximate index at --ann-size songs.
  {
    const { factors, queries } = clusteredCatalog(annSize, recallQueries, F, SEED + 1, spread);
    const t0 = process.hrtime.bigint();
    const cat = new Catalog(items(annSize), factors, F, { annThreshold: 1, threads });
    const ctorS = Number(process.hrtime.bigint() - t0) / 1e9;
    await cat.whenIndexed();
    const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
    const st = cat.annStatus;
    if (st.state !== 'ready') throw new Error(`index ${st.state}`);
    const ann: Record<string, unknown> = { items: annSize, lists: st.lists, nprobe: st.nprobe, calibrated_recall: st.calibratedRecall, build_s: st.buildSeconds, constructor_s: ctorS, ready_after_s: wallS };
    const arows: string[][] = [];
    for (const metric of ['dot', 'cosine'] as Metric[]) {
      const truth = cat.topKBatch(queries, recallQueries, K, { metric, exact: true });
      const approx = cat.topKBatch(queries, recallQueries, K, { metric });
      let found = 0;
      truth.forEach((t, j) => { const s = new Set(t.map((h) => h.index)); found += approx[j].filter((h) => s.has(h.index)).length; });
      const recall = found / (recallQueries * K);
      let qi = 0;
      const one = (exactScan: boolean) => () => { const o = (qi = (qi + 1) % recallQueries) * F; cat.topK(queries.subarray(o, o + F), K, { metric, exact: exactScan }); };
      const annMs = timeRuns(one(false), QUICK).medianS * 1e3;
      const exactMs = timeRuns(one(true), QUICK).medianS * 1e3;
      const qb = queries.subarray(0, Math.min(batch, recallQueries) * F);
      const annQps = qb.length / F / timeRuns(() => cat.topKBatch(qb, qb.length / F, K, { metric }), QUICK).medianS;
      Object.assign(ann, { [`${metric}_recall`]: recall, [`${metric}_ms`]: annMs, [`${metric}_exact_ms`]: exactMs, [`${metric}_batch_qps`]: annQps });
      arows.push([metric, `${st.nprobe[metric]} / ${st.lists}`, recall.toFixed(4), st.calibratedRecall[metric].toFixed(4), ms(annMs / 1e3), ms(exactMs / 1e3), (exactMs / annMs).toFixed(1), Math.round(annQps).toLocaleString('en')]);
    }
    say(`\nIVF index at ${annSize.toLocaleString('en')} items: build ${st.buildSeconds.toFixed(2)} s (k-means, assignment, calibration), constructor ${ctorS.toFixed(2)} s, ready ${wallS.toFixed(2)} s after it`);
    say(formatTable(['metric', 'nprobe', 'recall@50', 'calibration', 'ANN ms', 'exact ms', 'speed-up', 'ANN batch q/s'], arows));
    result.ann = ann;

    // Fold-in: YᵀY rebuilt per call (trainer's sweep) against the catalogue's cache.
    const frows: string[][] = [];
    const fold: Record<string, unknown>[] = [];
    for (const n of [2000, annSize]) {
      const c = n === annSize ? cat : new Catalog(items(n), factors.subarray(0, n * F), F, { annThreshold: Infinity, threads });
      const history = Array.from({ length: 50 }, (_, j) => ({ index: Math.floor(((j + 0.5) * n) / 50), plays: 1 + (j % 7) }));
      const row = { indptr: Int32Array.of(0, 50), indices: Int32Array.from(history, (h) => h.index), data: Float32Array.from(history, (h) => h.plays), rows: 1, cols: n };
      const g0 = process.hrtime.bigint();
      await c.gram();
      const gramMs = Number(process.hrtime.bigint() - g0) / 1e6;
      const sweepMs = (await timeRunsAsync(() => foldInRows(row, c.factors, { factors: F, threads: 1 }), QUICK)).medianS * 1e3;
      const cachedMs = (await timeRunsAsync(() => foldInListener(c, history), QUICK)).medianS * 1e3;
      fold.push({ items: n, gram_ms: gramMs, sweep_ms: sweepMs, cached_ms: cachedMs });
      frows.push([n.toLocaleString('en'), gramMs.toFixed(2), sweepMs.toFixed(3), cachedMs.toFixed(3)]);
    }
    say('\nfold-in of one listener (50 songs), ms');
    say(formatTable(['items', 'YᵀY once', 'alsSweepAsync (rebuilds YᵀY)', 'foldInListener (cached)'], frows));
    result.fold_in = fold;
  }
  if (flags.has('--json')) say(JSON.stringify(result));
  return 0;
}
