/**
 * `npm run bench -- tag-models [--bundle DIR] [--world DIR] [--plays FILE] [--held-out random|cold-start]
 *  [--test-fraction 0.2] [--seed 1] [--threads N] [--json]`:
 * do the bundle's tag models mean what they say (issue 16)? The catalogue's factors come from a
 * bundle (item_factors.npy, items.tsv), the tags from its world's songs.tsv (style and moods, as
 * `earshot-train model` takes them). A bundle written with `--holdout cold-start --no-refit` holds two
 * kinds of factors: WMF factors for the songs with training plays and the CNN's predictions from audio
 * for its cold-start songs (itemColdStartHoldout of the plays, fraction 0.2, seed 1: `--plays FILE`
 * names the plays file to recover them). Held out:
 *   random      (default) a seeded `--test-fraction` of the songs, the cold-start songs left out of
 *               both sides when `--plays` is given: like-for-like, WMF factors on both sides;
 *   cold-start  the cold-start songs (needs `--plays`), fitted on the others: factors predicted from
 *               audio, as the engine's are.
 * Tag models are fitted on the training songs twice:
 *   before  the code before issue 16: λ = 1 on raw factors, fitted on all training songs, its AUC the
 *           5-fold CV AUC of that fixed-λ fit;
 *   after   buildTagModels (trainer/export/tag-models.ts), what the bundle ships.
 * Every model is then evaluated by the engine's own reader (src/catalog/tags.ts) on the held-out songs:
 * per tag, the mean p of held-out songs with the tag minus that of songs without (the gap), the mean p
 * against the base rates of the training and the held-out songs, and the held-out AUC against the AUC
 * the model reports.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TagModel } from '../src/catalog/tags';
import { readNpy } from '../src/io/npy';
import type { BundleTagModel } from '../src/model/bundle-format';
import { rankMetrics, ROLE_IRRELEVANT, ROLE_RELEVANT } from '../trainer/eval/metrics';
import { loadInteractions } from '../trainer/data/interactions';
import { mulberry32, sampleInPlace } from '../trainer/eval/prng';
import { itemColdStartHoldout } from '../trainer/eval/splits';
import { buildTagModels } from '../trainer/export/tag-models';
import { fitLogistic } from '../trainer/tags/logistic';
import { tagCrossValidation } from '../trainer/tags/tag-cv';
import { readSongsTsv } from '../trainer/world/songs-tsv';
import { formatTable, hardwareLine, parseFlags } from './harness';

const USAGE = 'usage: npm run bench -- tag-models [--bundle DIR] [--world DIR] [--plays FILE] [--held-out random|cold-start] [--test-fraction 0.2] [--seed 1] [--threads N] [--json]';

interface HeldOutRow {
  tag: string;
  reportedAuc: number | null;
  heldOutAuc: number;
  meanWith: number;
  meanWithout: number;
  meanP: number;
  baseRate: number;
}

/** The pre-issue-16 builder, kept here only as the benchmark's "before" row: λ = 1 on raw factors. */
function legacyTagModels(x: Float32Array, f: number, tags: { tag: string; items: Int32Array }[]): BundleTagModel[] {
  const n = x.length / f;
  const cv = tagCrossValidation(x, f, tags, { folds: 5, lambda: 1 });
  const all = Int32Array.from({ length: n }, (_, i) => i);
  return tags.map((t, k) => {
    const y = new Uint8Array(n);
    for (const i of t.items) y[i] = 1;
    const m = fitLogistic(x, f, y, all, 1);
    return { tag: t.tag, weights: Array.from(m.w.subarray(0, f)), intercept: m.w[f], auc: cv.perTag[k].auc };
  });
}

/** Per tag, the engine's probabilities on the held-out songs against their true tags. */
function heldOut(models: readonly BundleTagModel[], x: Float32Array, f: number, test: Int32Array, tagsOf: (i: number) => ReadonlySet<string>): HeldOutRow[] {
  const reader = new TagModel(models);
  const p = models.map(() => new Float64Array(test.length));
  test.forEach((i, r) => {
    for (const t of reader.predict(x.subarray(i * f, (i + 1) * f), models.length)) p[reader.tags.indexOf(t.tag)][r] = t.p;
  });
  return models.map((m, k) => {
    const has = Uint8Array.from(test, (i) => (tagsOf(i).has(m.tag) ? 1 : 0));
    const roles = Uint8Array.from(has, (h) => (h ? ROLE_RELEVANT : ROLE_IRRELEVANT));
    const positives = has.reduce((s, h) => s + h, 0);
    let [sumWith, sumWithout] = [0, 0];
    has.forEach((h, r) => (h ? (sumWith += p[k][r]) : (sumWithout += p[k][r])));
    return {
      tag: m.tag, reportedAuc: m.auc, heldOutAuc: rankMetrics(p[k], test, roles, test.length, 1).auc,
      meanWith: sumWith / positives, meanWithout: sumWithout / (test.length - positives),
      meanP: (sumWith + sumWithout) / test.length, baseRate: positives / test.length,
    };
  });
}

/** Mean of the finite values: a tag with no held-out song carrying it has no gap and no AUC. */
function mean(v: number[]): number {
  const ok = v.filter(Number.isFinite);
  return ok.reduce((s, x) => s + x, 0) / ok.length;
}

export async function main(args: string[]): Promise<number> {
  let flags: Map<string, string | true>;
  try {
    flags = parseFlags(args, ['--bundle', '--world', '--plays', '--held-out', '--test-fraction', '--seed', '--threads'], ['--json']);
  } catch (err) {
    process.stderr.write(`bench tag-models: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const bundle = (flags.get('--bundle') as string) ?? '/work/run15/small-bundle';
  const world = (flags.get('--world') as string) ?? '/work/run15/worlds/small';
  const fraction = Number(flags.get('--test-fraction') ?? 0.2);
  const seed = Number(flags.get('--seed') ?? 1);
  const threads = Number(flags.get('--threads') ?? os.availableParallelism());
  if (!(fraction > 0 && fraction < 1) || !Number.isInteger(seed) || seed < 0 || !Number.isInteger(threads) || threads < 1) {
    process.stderr.write(`bench tag-models: --test-fraction must be in (0, 1), --seed a non-negative integer, --threads a positive integer\n${USAGE}\n`);
    return 2;
  }
  const npy = readNpy(path.join(bundle, 'item_factors.npy'));
  const [n, f] = npy.shape;
  const x = Float32Array.from(npy.data);
  const ids = fs.readFileSync(path.join(bundle, 'items.tsv'), 'utf8').split('\n').slice(1).filter(Boolean).map((l) => l.split('\t')[0]);
  const songTags = new Map(readSongsTsv(world).map((s) => [s.id, new Set([s.style, ...s.moods])]));
  const tagsOfRow = (i: number) => songTags.get(ids[i]) ?? new Set<string>();

  const plays = flags.get('--plays') as string | undefined;
  const heldOutKind = (flags.get('--held-out') as string | undefined) ?? 'random';
  if ((heldOutKind !== 'random' && heldOutKind !== 'cold-start') || (heldOutKind === 'cold-start' && !plays)) {
    process.stderr.write(`bench tag-models: --held-out is random or cold-start (which needs --plays)\n${USAGE}\n`);
    return 2;
  }
  // 0: training, 1: held out, 2: left out (a cold-start song in a random split).
  const side = new Uint8Array(n);
  if (plays) {
    const data = await loadInteractions(plays);
    const row = new Map(ids.map((id, i) => [id, i]));
    for (const item of itemColdStartHoldout(data.byUser, { fraction: 0.2, seed: 1 }).items) {
      const i = row.get(data.items[item]);
      if (i !== undefined) side[i] = heldOutKind === 'cold-start' ? 1 : 2;
    }
  }
  if (heldOutKind === 'random') {
    const order = Int32Array.from(side.keys()).filter((i) => side[i] === 0);
    sampleInPlace(mulberry32(seed), order, order.length);
    order.subarray(0, Math.round(order.length * fraction)).forEach((i) => (side[i] = 1));
  }
  const test = Int32Array.from(side.keys()).filter((i) => side[i] === 1);
  const train = Int32Array.from(side.keys()).filter((i) => side[i] === 0);
  const xTrain = new Float32Array(train.length * f);
  train.forEach((i, r) => xTrain.set(x.subarray(i * f, (i + 1) * f), r * f));
  const trainIds = Array.from(train, (i) => ids[i]);

  // CPU seconds of the whole process, worker threads included (user + system): on a shared machine,
  // wall time also measures the neighbours. Both are reported.
  const cpuSeconds = (since: NodeJS.CpuUsage) => {
    const u = process.cpuUsage(since);
    return (u.user + u.system) / 1e6;
  };
  let t0 = process.cpuUsage();
  let w0 = performance.now();
  const after = await buildTagModels(xTrain, f, trainIds, (id) => [...(songTags.get(id) ?? [])], { threads });
  const afterSeconds = cpuSeconds(t0);
  const afterWall = (performance.now() - w0) / 1e3;
  const tags = after.models.map((m) => ({ tag: m.tag, items: Int32Array.from(trainIds.keys()).filter((r) => songTags.get(trainIds[r])?.has(m.tag)) }));
  t0 = process.cpuUsage();
  w0 = performance.now();
  const before = legacyTagModels(xTrain, f, tags);
  const beforeSeconds = cpuSeconds(t0);
  const beforeWall = (performance.now() - w0) / 1e3;

  const rowsBefore = heldOut(before, x, f, test, tagsOfRow);
  const rowsAfter = heldOut(after.models, x, f, test, tagsOfRow);
  const gap = (rows: HeldOutRow[]) => mean(rows.map((r) => r.meanWith - r.meanWithout));
  const aucErrors = (rows: HeldOutRow[]) => rows.map((r) => Math.abs((r.reportedAuc ?? NaN) - r.heldOutAuc)).filter(Number.isFinite);
  // Calibration: the mean p over the held-out songs against the training songs' base rate.
  const calibration = (rows: HeldOutRow[], rates: number[]) => mean(rows.map((r, k) => Math.abs(r.meanP - rates[k])));
  const trainRates = after.models.map((m) => m.baseRate);
  const quality = (rows: HeldOutRow[]) => ({
    meanGap: gap(rows), meanAbsAucError: mean(aucErrors(rows)), maxAbsAucError: Math.max(...aucErrors(rows)), meanAbsCalibration: calibration(rows, trainRates),
  });
  const summary = {
    songs: n, factors: f, train: train.length, test: test.length, heldOut: heldOutKind === 'cold-start' ? 'the cold-start songs (CNN factors)' : plays ? 'random, cold-start songs left out' : 'random', seed, tags: after.models.length,
    factorRms: Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length),
    scoredTags: rowsAfter.filter((r) => Number.isFinite(r.heldOutAuc)).length,
    before: { ...quality(rowsBefore), cpuSeconds: beforeSeconds, wallSeconds: beforeWall, threads: 1 },
    after: { ...quality(rowsAfter), cpuSeconds: afterSeconds, wallSeconds: afterWall, threads },
  };
  if (flags.has('--json')) {
    process.stdout.write(JSON.stringify({ ...summary, perTag: after.models.map((m, k) => ({ ...rowsAfter[k], lambda: m.lambda, trainBaseRate: m.baseRate, before: rowsBefore[k] })) }) + '\n');
    return 0;
  }
  process.stdout.write(`${hardwareLine()}\n${bundle}: ${n} songs x ${f} factors (RMS ${summary.factorRms.toFixed(4)}), tags from ${world}/songs.tsv; fitted on ${train.length}, scored on ${test.length} held-out songs (${summary.heldOut}, seed ${seed})\n`);
  const cell = (v: number | null) => (v === null || !Number.isFinite(v) ? '-' : v.toFixed(3));
  process.stdout.write(formatTable(
    ['tag', 'rate (train)', 'rate (held-out)', 'λ', 'AUC reported', 'AUC held-out', 'mean p', 'p with', 'p without', 'before: p with', 'before: p without'],
    after.models.map((m, k) => {
      const [a, b] = [rowsAfter[k], rowsBefore[k]];
      return [m.tag, cell(m.baseRate), cell(a.baseRate), String(m.lambda), cell(a.reportedAuc), cell(a.heldOutAuc), cell(a.meanP), cell(a.meanWith), cell(a.meanWithout), cell(b.meanWith), cell(b.meanWithout)];
    }),
  ) + '\n');
  process.stdout.write(`means over the ${summary.scoredTags} tags that held-out songs carry\n`);
  for (const [name, s] of [['before', summary.before], ['after', summary.after]] as const) {
    process.stdout.write(`${name}: mean gap (p with − p without) ${s.meanGap.toFixed(3)}, |reported − held-out AUC| mean ${s.meanAbsAucError.toFixed(3)} max ${s.maxAbsAucError.toFixed(3)}, |mean p − training rate| ${s.meanAbsCalibration.toFixed(3)}, fit ${s.cpuSeconds.toFixed(1)} CPU s, ${s.wallSeconds.toFixed(1)} s wall (${s.threads} thread${s.threads > 1 ? 's' : ''})\n`);
  }
  return 0;
}
