/**
 * The report of an experiment run: report.md (the paper's Table 2 layout: mAP@500 and AUC per model,
 * training times, the machine, the command) and report.json (the same numbers, per-epoch curves),
 * plus Figure 1 (t-SNE of the cold-start songs' predicted factors, coloured by style: a song's first
 * tag) when songs have tags. Rows never computed are listed with the reason, never silently dropped.
 * The figure is an extra: when it cannot be drawn (too few songs for t-SNE) the report says why and
 * is written all the same.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from '../../src/io/atomic-write';
import { writePng } from '../../src/io/png';
import type { ExperimentResult, RowName } from './experiment';
import { scatterPng } from './scatter-png';
import { tsne } from './tsne';
import { table1, table4, tagAuc } from './tables';
import type { SongEntry } from '../pipeline/training-data';

export const ROW_TITLES: Record<RowName, string> = {
  random: 'random',
  'bow-linear': 'linear regression (MFCC bag-of-words, PCA)',
  'bow-mlr': 'metric learning to rank (MLR, McFee et al.; k-NN factors, MFCC bag-of-words, PCA)',
  'bow-mlp': 'multilayer perceptron (MFCC bag-of-words, PCA)',
  'cnn-mse': 'CNN, MSE objective',
  'cnn-wpe': 'CNN, WPE objective',
  'upper-bound': 'upper bound (latent factors from the test plays)',
};

export interface ReportMeta {
  title: string;
  command: string;
  missing: { row: string; reason: string }[];
  /** Songs by id (artist, title, tags): enables Figure 1 (when there are tags), Tables 1 and 4 and the tag experiment. */
  songs?: ReadonlyMap<string, SongEntry>;
  /** Markdown lines about the input (songs left out and why), written as their own section when given. */
  inputs?: string[];
  /** Bag-of-words PCA features of the training songs (trainItems order), for the tag experiment. */
  bow?: { x: Float32Array; m: number };
  /** The tag experiment on real Last.fm HetRec artist factors (trainer/tags/hetrec-experiment.ts). */
  hetrec?: { meanAuc: number; artists: number; tags: number; factors: number };
  totalSeconds: number;
}

function machine(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model.trim() ?? 'CPU'} (${cpus.length} logical cores), node ${process.version}`;
}

export function writeReport(dir: string, r: ExperimentResult, meta: ReportMeta): void {
  fs.mkdirSync(dir, { recursive: true });
  const { data, split } = r.context;
  const lines = [
    `# ${meta.title}`,
    '',
    `${data.users.length} users, ${data.items.length} songs, ${data.nnz} (user, song) plays; ${split.items.length} songs held out entirely (item cold start), ranked for every user with test plays. WMF F = ${r.context.wmf.factors}.`,
    '',
    '| model | mAP@500 | AUC | training |',
    '|---|---|---|---|',
    ...r.rows.map((row) => `| ${ROW_TITLES[row.name]} | ${row.map.toFixed(5)} | ${row.auc.toFixed(4)} | ${row.trainSeconds ? `${row.trainSeconds.toFixed(0)} s` : '—'} |`),
    ...meta.missing.map((m) => `| ${m.row} | — | — | not run: ${m.reason} |`),
    '',
    `Machine: ${machine()}. Whole run ${(meta.totalSeconds / 60).toFixed(1)} min.`,
    '',
    `Command: \`${meta.command}\``,
    '',
  ];
  if (meta.inputs?.length) lines.push('## Input', '', ...meta.inputs, '');
  const best = [...r.rows].filter((x) => x.name.startsWith('cnn')).sort((a, b) => b.map - a.map)[0];
  const styles = meta.songs && [...meta.songs.values()].some((s) => s.tags.length > 0) ? meta.songs : undefined;
  if (best && styles) {
    const pred = r.predictions.get(best.name)!;
    const ids = Array.from(split.items, (i) => data.items[i]);
    const styleOf = (id: string) => styles.get(id)?.tags[0] ?? '?';
    lines.push('## Figure 1', '');
    try {
      const styleNames = [...new Set(ids.map(styleOf))].sort();
      const labels = Int32Array.from(ids, (id) => styleNames.indexOf(styleOf(id)));
      const { embedding } = tsne(pred, r.context.wmf.factors, { metric: 'cosine', perplexity: Math.min(30, Math.floor((ids.length - 1) / 3)), seed: 1 });
      const img = scatterPng(embedding, labels, styleNames, { title: `t-SNE of ${ROW_TITLES[best.name]} predictions, cold-start songs` });
      writePng(path.join(dir, 'figure1-tsne.png'), img.width, img.height, img.rgb);
      lines.push(`t-SNE (cosine) of the factors the best CNN (${best.name}) predicts for the ${ids.length} cold-start songs from their audio alone, coloured by style:`, '', '![Figure 1](figure1-tsne.png)', '');
    } catch (err) {
      lines.push(`Not drawn for the ${ids.length} cold-start songs: ${(err as Error).message}`, '');
    }
  }
  const extra: Record<string, unknown> = {};
  if (meta.songs) {
    const { wmf, trainItems, coldItems } = r.context;
    const f = wmf.factors;
    lines.push('## Table 1: songs at the extremes of WMF factors 1–3', '', table1(wmf.itemFactors, f, data.items, trainItems, meta.songs), '');
    const latent = r.predictions.get('upper-bound');
    const predicted = best ? r.predictions.get(best.name) : undefined;
    if (latent && predicted) {
      // One query per style, the first cold-start song of each of the first five styles met.
      const seen = new Set<string>();
      const queries: { id: string; latent: Float32Array; predicted: Float32Array }[] = [];
      coldItems.forEach((item, k) => {
        const st = meta.songs!.get(data.items[item])?.tags[0] ?? '?';
        if (seen.has(st) || queries.length >= 5) return;
        seen.add(st);
        queries.push({ id: data.items[item], latent: latent.subarray(k * f, (k + 1) * f), predicted: predicted.subarray(k * f, (k + 1) * f) });
      });
      lines.push('## Table 4: nearest training songs (cosine) of cold-start songs', '', `By the query's latent factors (folded in from its plays) and by the factors ${best!.name} predicted from its audio.`, '', table4(queries, wmf.itemFactors, f, data.items, trainItems, meta.songs), '');
    }
    const trainIds = Array.from(trainItems, (i) => data.items[i]);
    const wmfX = new Float32Array(trainItems.length * f);
    trainItems.forEach((i, k) => wmfX.set(wmf.itemFactors.subarray(i * f, (i + 1) * f), k * f));
    const fromFactors = tagAuc(wmfX, f, trainIds, meta.songs);
    // Newton's logistic regression costs O(n·d²) per step: the audio side uses the leading principal
    // components of the bag-of-words features, as many as there are factors (the same capacity).
    const bowDims = meta.bow ? Math.min(meta.bow.m, f) : 0;
    const fromAudio = meta.bow ? tagAuc(leadingColumns(meta.bow.x, meta.bow.m, trainItems.length, bowDims), bowDims, trainIds, meta.songs) : null;
    if (fromFactors.tags > 0) extra.tags = { fromFactors, fromAudio };
    if (fromFactors.tags > 0) lines.push('## Tag prediction (Sec. 5.1)', '', `10-fold cross-validated logistic regression to the ${fromFactors.tags} most frequent style and mood tags of the ${trainIds.length} training songs, mean AUC:`, '', '| features | mean AUC |', '|---|---|', `| WMF latent factors (F = ${f}) | ${fromFactors.meanAuc.toFixed(4)} |`, fromAudio ? `| bag-of-words audio features (first ${bowDims} principal components) | ${fromAudio.meanAuc.toFixed(4)} |` : '| bag-of-words audio features | not computed (no bow row) |', '');
    if (meta.hetrec) lines.push(`On real data, Last.fm HetRec: WMF factors (F = ${meta.hetrec.factors}) of ${meta.hetrec.artists} tagged artists → the ${meta.hetrec.tags} tags on the most artists, 10-fold mean AUC **${meta.hetrec.meanAuc.toFixed(4)}** (the paper: 0.867 for latent factors on its data).`, '');
  }
  writeFileAtomic(path.join(dir, 'report.md'), Buffer.from(lines.join('\n')));
  if (meta.hetrec) extra.hetrecTags = meta.hetrec;
  const json = { ...extra, title: meta.title, command: meta.command, machine: machine(), users: data.users.length, songs: data.items.length, plays: data.nnz, coldSongs: split.items.length, factors: r.context.wmf.factors, rows: r.rows, missing: meta.missing, totalSeconds: meta.totalSeconds };
  writeFileAtomic(path.join(dir, 'report.json'), Buffer.from(JSON.stringify(json, null, 1) + '\n'));
}

/** The first `cols` columns of the first `rows` rows of a row-major matrix with `width` columns. */
function leadingColumns(x: Float32Array, width: number, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) out.set(x.subarray(r * width, r * width + cols), r * cols);
  return out;
}
