/**
 * Generates a benchmark world into a directory: the catalogue and listeners are drawn in this thread
 * (seconds), the audio is rendered by a worker pool straight to disk (never the whole catalogue in
 * memory), and the tables are written last. Everything is built under `<out>.partial-<pid>` and renamed
 * into place at the end, so an interrupted run never leaves something that looks like a finished world.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findFfmpeg } from '../../src/audio/ffmpeg';
import { EarshotError } from '../../src/errors';
import { writeFileAtomic } from '../../src/io/atomic-write';
import { drawCatalog, type Catalog } from './catalog';
import { drawListener, simulatePlays, type Listener, type Plays } from './listeners';
import { artistCountFor } from './presets';
import type { AudioFormat, RenderJob } from './render-job';
import { renderAll } from './render-pool';
import { STYLES } from './styles';
import { WORLD_RATE_HZ } from './synth/patches';
import { playsTsv, songsTsv, truthJson, worldJson } from './world-files';

export interface WorldOptions {
  songs: number;
  users: number;
  seed: number;
  out: string;
  preset?: string;
  audioFormat?: AudioFormat;
  clipSeconds?: number;
  threads?: number;
  /** Phase and count callbacks for a progress line. */
  onProgress?: (phase: 'listeners' | 'audio', done: number, total: number) => void;
}

export interface WorldSummary {
  out: string;
  songs: number;
  artists: number;
  users: number;
  plays: number;
  playCountTotal: number;
  audioFormat: AudioFormat;
  clipSeconds: number;
  audioBytes: number;
  timings: { drawS: number; audioS: number; totalS: number };
}

export interface WorldData {
  catalog: Catalog;
  listeners: Listener[];
  plays: Plays;
}

/** The catalogue, listeners and plays of a world: cheap, pure, deterministic (no audio). */
export function drawWorld(seed: number, songs: number, users: number, onListeners?: (done: number) => void): WorldData {
  const catalog = drawCatalog(seed, songs, artistCountFor(songs, STYLES.length));
  const listeners = Array.from({ length: users }, (_, i) => drawListener(seed, i, songs));
  const plays = simulatePlays(seed, listeners, catalog.songs, catalog.artists, onListeners);
  return { catalog, listeners, plays };
}

function checkOptions(o: WorldOptions): void {
  const int = (name: string, v: number, lo: number, hi: number) => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new EarshotError('ERR_INVALID_ARGUMENT', `${name} must be an integer in ${lo}..${hi}, got ${v}`);
  };
  int('songs', o.songs, 20, 1_000_000);
  int('users', o.users, 1, 10_000_000);
  int('seed', o.seed, 0, 0xffffffff);
  if (o.threads !== undefined) int('threads', o.threads, 1, 1024);
  const clip = o.clipSeconds ?? 30;
  if (!(clip >= 3 && clip <= 600)) throw new EarshotError('ERR_INVALID_ARGUMENT', `clip length must be 3..600 s, got ${clip}`);
  if (o.audioFormat !== undefined && o.audioFormat !== 'wav' && o.audioFormat !== 'flac') throw new EarshotError('ERR_INVALID_ARGUMENT', `audio format must be wav or flac, got '${o.audioFormat}'`);
  if (fs.existsSync(o.out) && (!fs.statSync(o.out).isDirectory() || fs.readdirSync(o.out).length > 0)) {
    throw new EarshotError('ERR_INVALID_ARGUMENT', `output "${o.out}" exists and is not an empty directory; choose a new path (a world is never written over another)`);
  }
}

export async function generateWorld(o: WorldOptions): Promise<WorldSummary> {
  checkOptions(o);
  const format: AudioFormat = o.audioFormat ?? 'wav';
  const ffmpegPath = format === 'flac' ? findFfmpeg() : undefined;
  if (format === 'flac' && !ffmpegPath) throw new EarshotError('ERR_TOOL_MISSING', 'FLAC output needs ffmpeg on PATH (or $EARSHOT_FFMPEG); use --audio-format wav');
  const clipSeconds = o.clipSeconds ?? 30;
  const threads = o.threads ?? os.availableParallelism();
  const t0 = performance.now();

  const step = Math.max(1, Math.floor(o.users / 100));
  const { catalog, listeners, plays } = drawWorld(o.seed, o.songs, o.users, (d) => {
    if (d % step === 0 || d === o.users) o.onProgress?.('listeners', d, o.users);
  });
  const t2 = performance.now();

  const partial = `${path.resolve(o.out)}.partial-${process.pid}`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(path.join(partial, 'audio'), { recursive: true });
  try {
    const jobs: RenderJob[] = catalog.songs.map((song) => ({
      song, artist: catalog.artists[song.artist], clipSeconds, format, ffmpegPath: ffmpegPath ?? undefined,
      path: path.join(partial, 'audio', `${song.id}.${format}`),
    }));
    await renderAll(jobs, threads, (d) => o.onProgress?.('audio', d, jobs.length));
    const t3 = performance.now();
    const playCount = plays.songs.reduce((n, s) => n + s.length, 0);
    writeFileAtomic(path.join(partial, 'songs.tsv'), Buffer.from(songsTsv(catalog)));
    writeFileAtomic(path.join(partial, 'plays.tsv'), Buffer.from(playsTsv(listeners, catalog, plays)));
    writeFileAtomic(path.join(partial, 'truth.json'), Buffer.from(truthJson(catalog, listeners, plays, clipSeconds)));
    writeFileAtomic(path.join(partial, 'world.json'), Buffer.from(worldJson({ preset: o.preset ?? null, seed: o.seed, songs: o.songs, users: o.users, artists: catalog.artists.length, plays: playCount, audioFormat: format, clipSeconds, sampleRateHz: WORLD_RATE_HZ })));
    let audioBytes = 0;
    for (const j of jobs) audioBytes += fs.statSync(j.path).size;
    if (fs.existsSync(o.out)) fs.rmdirSync(o.out); // empty, checked above
    fs.renameSync(partial, o.out);
    const t4 = performance.now();
    return {
      out: o.out, songs: o.songs, artists: catalog.artists.length, users: o.users, plays: playCount,
      playCountTotal: plays.counts.reduce((n, c) => n + c.reduce((a, b) => a + b, 0), 0),
      audioFormat: format, clipSeconds, audioBytes,
      timings: { drawS: (t2 - t0) / 1e3, audioS: (t3 - t2) / 1e3, totalS: (t4 - t0) / 1e3 },
    };
  } catch (err) {
    fs.rmSync(partial, { recursive: true, force: true });
    throw err;
  }
}
