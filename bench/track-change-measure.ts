/**
 * `track-change measure`: the shipped detector (TRACK_CHANGE_DEFAULTS) through the engine's real stream
 * path (Engine.createStream with segment=auto, audio pushed in 1-s chunks, overflow=block so no window
 * is dropped) on recordings it was not tuned on:
 *
 * - the shared clips (default ../shared/data/audio: 13 30-s excerpts of games whose packages the tuning
 *   never saw) in `--orders` seeded random orders, joined with random 0–2 s crossfades;
 * - with --music, whole tracks of the held-out packages (--holdout) in seeded playlists of 10 tracks:
 *   continuous music, for false changes (and the recall at real track transitions, fade-outs and all).
 */
import * as path from 'node:path';
import { ANALYSIS_RATE_HZ } from '../src/audio/load';
import { computeMel } from '../src/dsp/mel';
import { melOptionsFromConfig } from '../src/dsp/mel-options';
import { Engine } from '../src/engine/engine';
import { TrackChangeDetector } from '../src/engine/track-change-detector';
import { mulberry32 } from '../trainer/eval/prng';
import { formatTable, hardwareLine, parseFlags } from './harness';
import { buildPlaylist, decodeMusic, joinWithCrossfades, listMusic, shuffled, type TestStreamAudio } from './track-change-audio';
import { type CommonFlags, commonFlags, pct, say, splitMusic } from './track-change-flags';
import { addScores, type ChangeScore, errorQuantiles, falsePer5Min, recall, scoreChanges } from './track-change-score';

const REPO = path.resolve(__dirname, '..', '..');

/** Streams `audio` through a segment=auto engine stream; resolves with the track_change times (s). */
export async function streamChanges(engine: Engine, samples: Float32Array, hopS: number): Promise<number[]> {
  const changes: number[] = [];
  let unblocked: (() => void) | null = null;
  let blocked = false;
  const s = engine.createStream(
    { inputRateHz: ANALYSIS_RATE_HZ, hopS, k: 1, tags: 0, factors: false, overflow: 'block', segment: 'auto' },
    {
      event: () => undefined,
      trackChange: (e) => changes.push(e.t),
      error: (err) => {
        throw err;
      },
      blocked: (b) => {
        blocked = b;
        if (!b) unblocked?.();
      },
    },
  );
  try {
    for (let at = 0; at < samples.length; at += ANALYSIS_RATE_HZ) {
      s.push(samples.subarray(at, Math.min(samples.length, at + ANALYSIS_RATE_HZ)));
      if (blocked) await new Promise<void>((r) => (unblocked = r));
    }
    await s.finalize();
  } finally {
    engine.closeStream(s);
  }
  return changes;
}

interface SetResult {
  name: string;
  streams: number;
  score: ChangeScore;
}

async function measureSet(engine: Engine, name: string, streams: AsyncIterable<TestStreamAudio>, hopS: number, log: (l: string) => void): Promise<SetResult> {
  const scores: ChangeScore[] = [];
  for await (const a of streams) {
    const found = await streamChanges(engine, a.samples, hopS);
    const sc = scoreChanges(found, a.changes, a.samples.length / ANALYSIS_RATE_HZ);
    scores.push(sc);
    log(`  ${name} #${scores.length}: ${sc.hits}/${sc.truths} changes found, ${sc.falses} false${sc.missed.length ? `; missed at ${sc.missed.map((t) => t.toFixed(1)).join(', ')} s` : ''}${sc.falseAt.length ? `; false at ${sc.falseAt.map((t) => t.toFixed(1)).join(', ')} s` : ''} [${a.parts.join(' | ')}]`);
  }
  return { name, streams: scores.length, score: addScores(scores) };
}

/**
 * The detector's own cost: the first clip order's log-mel frames and window predictions (computed
 * beforehand) fed to a TrackChangeDetector as a stream feeds it (1-s pushes, a window a second), timed
 * over 5 passes; the median pass is reported as milliseconds of one core per second of audio.
 */
async function detectorCost(engine: Engine, samples: Float32Array, hopS: number): Promise<{ msPerAudioS: number; audioS: number }> {
  const m = engine.bundle.manifest;
  const frameS = m.mel.hopSamples / m.mel.sampleRateHz;
  const mel = computeMel(samples, melOptionsFromConfig(m.mel));
  const bands = m.mel.nMels;
  const hop = Math.max(1, Math.round(hopS / frameS));
  const windows: { start: number; f: Float32Array }[] = [];
  for (let st = 0; st + m.windowFrames <= mel.frames; st += hop) {
    windows.push({ start: st, f: await engine.bundle.model.predictWindows(mel.data.slice(st * bands, (st + m.windowFrames) * bands), 1, m.windowFrames) });
  }
  const perPush = Math.round(1 / frameS);
  const times: number[] = [];
  for (let pass = 0; pass < 5; pass++) {
    const t0 = performance.now();
    const det = new TrackChangeDetector(bands, frameS);
    let w = 0;
    for (let f = 0; f < mel.frames; f += perPush) {
      const to = Math.min(mel.frames, f + perPush);
      det.pushFrames(mel.data.subarray(f * bands, to * bands));
      for (; w < windows.length && windows[w].start + m.windowFrames <= to; w++) {
        const tEnd = (windows[w].start + m.windowFrames) * frameS;
        det.pushFactors(windows[w].start * frameS, tEnd, windows[w].f);
        det.advance(tEnd);
      }
    }
    det.advance(mel.frames * frameS, true);
    times.push(performance.now() - t0);
  }
  const audioS = mel.frames * frameS;
  return { msPerAudioS: times.sort((a, b) => a - b)[2] / audioS, audioS };
}

async function* clipOrders(dir: string, orders: number, seed: number): AsyncGenerator<TestStreamAudio> {
  const files = listMusic(dir, /./, 0);
  if (files.length < 2) throw new Error(`--clips ${dir}: fewer than 2 audio files`);
  const decoded = new Map<string, Float32Array>();
  for (const f of files) decoded.set(f.path, await decodeMusic(f.path));
  const rand = mulberry32(seed);
  for (let o = 0; o < orders; o++) {
    const order = shuffled(files, rand);
    const j = joinWithCrossfades(order.map((f) => decoded.get(f.path)!), rand, 2);
    yield { ...j, parts: order.map((f) => path.basename(f.path)) };
  }
}

async function* heldOutPlaylists(root: string, c: CommonFlags): AsyncGenerator<TestStreamAudio> {
  const { held } = splitMusic(root, c);
  const rand = mulberry32(c.seed + 1);
  const order = shuffled(held, rand);
  for (let at = 0; at < order.length; at += 10) yield buildPlaylist(order.slice(at, at + 10), rand, 2);
}

export async function measure(args: string[]): Promise<number> {
  const f = parseFlags(args, ['--clips', '--orders', '--seed', '--music', '--holdout', '--bundle', '--hop', '--pattern'], ['--json']);
  const c = commonFlags(f);
  const clips = path.resolve(String(f.get('--clips') ?? path.join(REPO, '..', 'shared', 'data', 'audio')));
  const orders = Number(f.get('--orders') ?? 5);
  const log = (l: string): void => say(c.json, l);
  log(`track-change measure: bundle ${c.bundle}, hop ${c.hopS} s, seed ${c.seed}`);
  log(hardwareLine());
  const engine = await Engine.open({ bundleDir: c.bundle });
  const results: SetResult[] = [];
  const started = Date.now();
  try {
    results.push(await measureSet(engine, `clips (${path.basename(clips)}, ${orders} orders)`, clipOrders(clips, orders, c.seed), c.hopS, log));
    for await (const first of clipOrders(clips, 1, c.seed)) {
      const cost = await detectorCost(engine, first.samples, c.hopS);
      log(`detector cost: ${cost.msPerAudioS.toFixed(3)} ms of one core per second of audio (${(cost.msPerAudioS / 10).toFixed(3)} % of a core per stream; median of 5 passes over ${cost.audioS.toFixed(0)} s)`);
    }
    const music = f.get('--music');
    if (typeof music === 'string') results.push(await measureSet(engine, `held-out playlists (${c.holdout.join(', ')})`, heldOutPlaylists(path.resolve(music), c), c.hopS, log));
  } finally {
    await engine.close();
  }
  const rows = results.map((r) => {
    const q = errorQuantiles(r.score);
    return [r.name, String(r.streams), (r.score.durationS / 60).toFixed(1), String(r.score.truths), pct(recall(r.score)), String(r.score.falses), falsePer5Min(r.score).toFixed(2), q.median.toFixed(2), q.p90.toFixed(2)];
  });
  log(formatTable(['recordings', 'streams', 'minutes', 'changes', 'found ±3 s', 'false', 'false/5 min', '|err| median s', '|err| p90 s'], rows));
  log(`(${((Date.now() - started) / 1000).toFixed(0)} s)`);
  if (c.json) {
    const out = results.map((r) => ({ name: r.name, streams: r.streams, minutes: r.score.durationS / 60, changes: r.score.truths, recall: recall(r.score), falses: r.score.falses, falsePer5Min: falsePer5Min(r.score), error: errorQuantiles(r.score) }));
    process.stdout.write(JSON.stringify({ hopS: c.hopS, bundle: c.bundle, results: out }) + '\n');
  }
  return 0;
}
