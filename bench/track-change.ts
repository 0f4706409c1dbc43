/**
 * `npm run bench -- track-change tune|measure …`: tunes the stream track-change detector
 * (src/engine/track-change-detector.ts) on game music and measures it on recordings it was not tuned on.
 * The game music is not in git: point --music at extracted Debian game-music packages (one folder per
 * package). bench/README.md records the commands and figures.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Engine } from '../src/engine/engine';
import { BLOCK_FRAMES } from '../src/engine/track-change-blocks';
import { TRACK_CHANGE_DEFAULTS, type TrackChangeParams } from '../src/engine/track-change-detector';
import { mulberry32 } from '../trainer/eval/prng';
import { formatTable, hardwareLine, parseFlags } from './harness';
import { buildExcerptMixes, buildPlaylist, type MusicFile, planExcerptMixes, probeDurations, shuffled } from './track-change-audio';
import { type CommonFlags, commonFlags, pct, say, splitMusic } from './track-change-flags';
import { measure } from './track-change-measure';
import { runDetector } from './track-change-record';
import { errorQuantiles, falsePer5Min, recall } from './track-change-score';
import { fitWeights, type Picking, type RecordedStream, sweep } from './track-change-tune';

const USAGE = `usage: npm run bench -- track-change tune --music DIR [--holdout a,b] [--mixes 120] [--per-mix 8] [--seed 1] [--bundle DIR] [--hop 1] [--lambda 1] [--max-false 0.5] [--max-false-long 2] [--pattern usic] [--cues FILE] [--fit peaks|frames] [--json]
       npm run bench -- track-change measure [--clips DIR] [--orders 5] [--seed 1] [--music DIR [--holdout a,b]] [--bundle DIR] [--hop 1] [--json]`;

export async function main(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'tune') return tune(rest);
  if (sub === 'measure') return measure(rest);
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

async function tune(args: string[]): Promise<number> {
  const f = parseFlags(args, ['--music', '--holdout', '--mixes', '--per-mix', '--seed', '--bundle', '--hop', '--lambda', '--max-false', '--pattern', '--cues', '--fit', '--max-false-long'], ['--json']);
  const c = commonFlags(f);
  const music = f.get('--music');
  if (typeof music !== 'string') throw new Error(`--music DIR is required\n${USAGE}`);
  const lambda = Number(f.get('--lambda') ?? 1);
  const maxFalse = Number(f.get('--max-false') ?? 0.5);
  const maxFalseLong = Number(f.get('--max-false-long') ?? 2);
  const { tune: files } = splitMusic(path.resolve(music), c);
  const groups = [...new Set(files.map((x) => x.group))];
  say(c.json, `track-change tune: ${files.length} files of ${groups.length} packages (${groups.join(', ')}); held out: ${c.holdout.join(', ')}`);
  say(c.json, hardwareLine());
  // --cues FILE: recorded cues are saved there, and read back instead of recording again when it exists.
  const cuesFile = f.get('--cues');
  const cached = typeof cuesFile === 'string' && fs.existsSync(cuesFile);
  const rec = cached ? (JSON.parse(fs.readFileSync(cuesFile, 'utf8')) as Recording) : await record(files, c, Number(f.get('--mixes') ?? 120), Number(f.get('--per-mix') ?? 8));
  if (typeof cuesFile === 'string' && !cached) fs.writeFileSync(cuesFile, JSON.stringify(rec));
  const streams = rec.streams;
  const blockS = BLOCK_FRAMES * rec.frameS;
  const d = TRACK_CHANGE_DEFAULTS;
  const first = fitWeights(streams, lambda);
  // --fit peaks (default): refit on the local maxima of the first fit's score (what the peak picker compares).
  const fit = f.get('--fit') === 'frames' ? first : fitWeights(streams, lambda, first, Math.round(Math.max(d.behindS, d.aheadS) / blockS));
  say(c.json, `logistic fit on ${fit.rows} candidates (${fit.positives} within ±1.5 s of a change), λ ${lambda}: weights ${JSON.stringify(round3(fit.weights))}, intercept ${fit.intercept.toFixed(3)}, factorsMissing ${fit.factorsMissing.toFixed(3)}`);
  const thresholds = Array.from({ length: 25 }, (_, i) => -fit.intercept - 6 + i * 0.5);
  const pickings: Picking[] = [[2, 2, 15], [8, 4, 15], [8, 6, 15], [8, 8, 10], [8, 8, 15], [8, 8, 20], [12, 8, 15], [12, 8, 20], [8, 10, 15]].map(([behindS, aheadS, minGapS]) => ({ behindS, aheadS, minGapS }));
  const rows = sweep(streams, fit, thresholds, pickings, rec.frameS);
  const name = (p: Picking): string => `${p.behindS}/${p.aheadS}/${p.minGapS}`;
  // The table leaves out thresholds where the mixes lose more than half their changes.
  const table = rows.filter((r) => recall(r.mix) >= 0.5).map((r) => [name(r.picking), r.threshold.toFixed(2), pct(recall(r.mix)), falsePer5Min(r.mix).toFixed(2), pct(recall(r.playlist)), falsePer5Min(r.playlist).toFixed(2)]);
  say(c.json, formatTable(['behind/ahead/gap s', 'threshold', 'mix recall', 'mix false/5min', 'playlist recall', 'playlist false/5min'], table));
  const ok = rows.filter((r) => falsePer5Min(r.mix) <= maxFalse && falsePer5Min(r.playlist) <= maxFalseLong);
  const best = ok.sort((a, b) => recall(b.mix) - recall(a.mix) || a.picking.aheadS - b.picking.aheadS || a.threshold - b.threshold)[0];
  if (best) {
    const q = errorQuantiles(best.mix);
    say(c.json, `chosen (most mix recall with ≤ ${maxFalse} false changes per 5 min on the mixes, ≤ ${maxFalseLong} on the playlists): behind/ahead/gap ${name(best.picking)} s, threshold ${best.threshold.toFixed(2)}: mix recall ${pct(recall(best.mix))}, |error| median ${q.median.toFixed(2)} s, p90 ${q.p90.toFixed(2)} s; playlists ${pct(recall(best.playlist))}, ${falsePer5Min(best.playlist).toFixed(2)} false per 5 min`);
  }
  if (c.json) {
    const chosen = best ? { ...best.picking, threshold: best.threshold, mixRecall: recall(best.mix), mixFalsePer5Min: falsePer5Min(best.mix), playlistRecall: recall(best.playlist), playlistFalsePer5Min: falsePer5Min(best.playlist) } : null;
    process.stdout.write(JSON.stringify({ fit, chosen }) + '\n');
  }
  return 0;
}

interface Recording {
  /** Seconds per mel frame of the bundle the cues were recorded with. */
  frameS: number;
  streams: RecordedStream[];
}

/** Records the cues of seeded excerpt mixes and of playlists of the whole tracks of `files`. */
async function record(files: MusicFile[], c: CommonFlags, mixes: number, perMix: number): Promise<Recording> {
  const durations = await probeDurations(files);
  const rand = mulberry32(c.seed);
  const engine = await Engine.open({ bundleDir: c.bundle, inferenceThread: 'main' });
  const m = engine.bundle.manifest;
  const frameS = m.mel.hopSamples / m.mel.sampleRateHz;
  // Never accept a change while recording: every candidate's left side is the full LEFT_S.
  const recordParams: TrackChangeParams = { ...TRACK_CHANGE_DEFAULTS, threshold: Infinity };
  const streams: RecordedStream[] = [];
  const started = Date.now();
  try {
    const plans = planExcerptMixes(files, durations, rand, mixes, perMix, 30);
    for (let at = 0; at < plans.length; at += 20) {
      for (const mix of await buildExcerptMixes(plans.slice(at, at + 20), 30, rand, 2)) {
        const r = await runDetector(engine, mix.samples, 22050, recordParams, c.hopS, true);
        streams.push({ kind: 'mix', cues: r.cues, truth: mix.changes, durationS: r.durationS });
      }
      say(c.json, `  recorded ${Math.min(at + 20, plans.length)}/${plans.length} excerpt mixes (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
    // Whole tracks (≥ 60 s) in playlists of 10: continuous music with real intros and endings.
    const long = shuffled(files.filter((x) => (durations.get(x.path) ?? 0) >= 60), rand);
    for (let at = 0; at < long.length; at += 10) {
      const pl = await buildPlaylist(long.slice(at, at + 10), rand, 2);
      const r = await runDetector(engine, pl.samples, 22050, recordParams, c.hopS, true);
      streams.push({ kind: 'playlist', cues: r.cues, truth: pl.changes, durationS: r.durationS });
      say(c.json, `  recorded playlist ${at / 10 + 1}/${Math.ceil(long.length / 10)} (${(r.durationS / 60).toFixed(1)} min)`);
    }
  } finally {
    await engine.close();
  }
  return { frameS, streams };
}

function round3(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v * 1000) / 1000]));
}
