/**
 * `npm run bench -- tag-models [--bundle DIR] [--world DIR] [--test-fraction 0.2] [--seed 1] [--json]`:
 * do the bundle's tag models mean what they say (issue 16)? The catalogue's factors come from a
 * bundle (item_factors.npy, items.tsv), the tags from its world's songs.tsv (style and moods, as
 * `earshot-train model` takes them). A seeded fraction of the songs is held out; tag models are fitted
 * on the rest twice:
 *   before  the code before issue 16: λ = 1 on raw factors, fitted on all training songs, its AUC the
 *           5-fold CV AUC of that fixed-λ fit;
 *   after   buildTagModels (trainer/export/tag-models.ts), what the bundle ships.
 * Every model is then evaluated by the engine's own reader (src/catalog/tags.ts) on the held-out songs:
 * per tag, the mean p of held-out songs with the tag minus that of songs without (the gap), the mean p
 * against the held-out base rate, and the held-out AUC against the AUC the model reports.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TagModel } from '../src/catalog/tags';
import { readNpy } from '../src/io/npy';
import type { BundleTagModel } from '../src/model/bundle-format';
import { rankMetrics, ROLE_IRRELEVANT, ROLE_RELEVANT } from '../trainer/eval/metrics';
import { mulberry32, sampleInPlace } from '../trainer/eval/prng';
import { buildTagModels } from '../trainer/export/tag-models';
import { fitLogistic } from '../trainer/tags/logistic';
import { tagCrossValidation } from '../trainer/tags/tag-cv';
import { readSongsTsv } from '../trainer/world/songs-tsv';
import { formatTable, hardwareLine, parseFlags } from './harness';

const USAGE = 'usage: npm run bench -- tag-models [--bundle DIR] [--world DIR] [--test-fraction 0.2] [--seed 1] [--json]';

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

const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;

export async function main(args: string[]): Promise<number> {
  let flags: Map<string, string | true>;
  try {
    flags = parseFlags(args, ['--bundle', '--world', '--test-fraction', '--seed'], ['--json']);
  } catch (err) {
    process.stderr.write(`bench tag-models: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const bundle = (flags.get('--bundle') as string) ?? '/work/run15/small-bundle';
  const world = (flags.get('--world') as string) ?? '/work/run15/worlds/small';
  const fraction = Number(flags.get('--test-fraction') ?? 0.2);
  const seed = Number(flags.get('--seed') ?? 1);
  if (!(fraction > 0 && fraction < 1) || !Number.isInteger(seed) || seed < 0) {
    process.stderr.write(`bench tag-models: --test-fraction must be in (0, 1) and --seed a non-negative integer\n${USAGE}\n`);
    return 2;
  }
  const npy = readNpy(path.join(bundle, 'item_factors.npy'));
  const [n, f] = npy.shape;
  const x = Float32Array.from(npy.data);
  const ids = fs.readFileSync(path.join(bundle, 'items.tsv'), 'utf8').split('\n').slice(1).filter(Boolean).map((l) => l.split('\t')[0]);
  const songTags = new Map(readSongsTsv(world).map((s) => [s.id, new Set([s.style, ...s.moods])]));
  const tagsOfRow = (i: number) => songTags.get(ids[i]) ?? new Set<string>();

  const order = Int32Array.from({ length: n }, (_, i) => i);
  sampleInPlace(mulberry32(seed), order, n);
  const nTest = Math.round(n * fraction);
  const test = order.slice(0, nTest).sort();
  const train = order.slice(nTest).sort();
  const xTrain = new Float32Array(train.length * f);
  train.forEach((i, r) => xTrain.set(x.subarray(i * f, (i + 1) * f), r * f));
  const trainIds = Array.from(train, (i) => ids[i]);

  // CPU seconds of this process (user + system): on a shared machine, wall time measures the neighbours.
  const cpuSeconds = (since: NodeJS.CpuUsage) => {
    const u = process.cpuUsage(since);
    return (u.user + u.system) / 1e6;
  };
  let t0 = process.cpuUsage();
  const after = await buildTagModels(xTrain, f, trainIds, (id) => [...(songTags.get(id) ?? [])], { threads: 1 });
  const afterSeconds = cpuSeconds(t0);
  const tags = after.models.map((m) => ({ tag: m.tag, items: Int32Array.from(trainIds.keys()).filter((r) => songTags.get(trainIds[r])?.has(m.tag)) }));
  t0 = process.cpuUsage();
  const before = legacyTagModels(xTrain, f, tags);
  const beforeSeconds = cpuSeconds(t0);

  const rowsBefore = heldOut(before, x, f, test, tagsOfRow);
  const rowsAfter = heldOut(after.models, x, f, test, tagsOfRow);
  const gap = (rows: HeldOutRow[]) => mean(rows.map((r) => r.meanWith - r.meanWithout));
  const aucError = (rows: HeldOutRow[]) => mean(rows.map((r) => Math.abs((r.reportedAuc ?? NaN) - r.heldOutAuc)));
  const summary = {
    songs: n, factors: f, train: train.length, test: test.length, seed, tags: after.models.length,
    factorRms: Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length),
    before: { meanGap: gap(rowsBefore), meanAbsAucError: aucError(rowsBefore), seconds: beforeSeconds },
    after: { meanGap: gap(rowsAfter), meanAbsAucError: aucError(rowsAfter), seconds: afterSeconds },
  };
  if (flags.has('--json')) {
    process.stdout.write(JSON.stringify({ ...summary, perTag: after.models.map((m, k) => ({ ...rowsAfter[k], lambda: m.lambda, before: rowsBefore[k] })) }) + '\n');
    return 0;
  }
  process.stdout.write(`${hardwareLine()}\n${bundle}: ${n} songs x ${f} factors (RMS ${summary.factorRms.toFixed(4)}), tags from ${world}/songs.tsv; fitted on ${train.length}, scored on ${test.length} held-out songs (seed ${seed})\n`);
  const cell = (v: number | null) => (v === null || !Number.isFinite(v) ? '-' : v.toFixed(3));
  process.stdout.write(formatTable(
    ['tag', 'base rate', 'λ', 'AUC reported', 'AUC held-out', 'mean p', 'p with', 'p without', 'before: p with', 'before: p without'],
    after.models.map((m, k) => {
      const [a, b] = [rowsAfter[k], rowsBefore[k]];
      return [m.tag, cell(a.baseRate), String(m.lambda), cell(a.reportedAuc), cell(a.heldOutAuc), cell(a.meanP), cell(a.meanWith), cell(a.meanWithout), cell(b.meanWith), cell(b.meanWithout)];
    }),
  ) + '\n');
  for (const [name, s] of [['before', summary.before], ['after', summary.after]] as const) {
    process.stdout.write(`${name}: mean gap (p with − p without) ${s.meanGap.toFixed(3)}, mean |reported − held-out AUC| ${s.meanAbsAucError.toFixed(3)}, fit ${s.seconds.toFixed(1)} CPU s\n`);
  }
  return 0;
}
