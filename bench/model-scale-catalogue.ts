/**
 * The `model-scale` benchmark's input: a generated catalogue of N songs that costs no disk for audio.
 *   pool      P distinct recordings (a folder given with --pool, or a benchmark world rendered once);
 *   audio     song i is a HARD LINK to pool file i mod P (a symlink only when the two folders are on
 *             different file systems), in subfolders of 1,000: so the audio repeats every P songs, the
 *             feature and CNN costs are real, and the learned model is not meaningful;
 *   songs.tsv id, path (relative to audio/), artist, title, uri;
 *   plays.tsv Taste-Profile triplets (user<TAB>song<TAB>count, no header, grouped by user), shaped like
 *             the Taste Profile's ratios: 2.65 listeners per song, each with 10 + a Pareto(alpha 1.5)
 *             tail of distinct songs, capped at 4,400 (mean ≈ 47, as the Taste Profile's 48.4M plays /
 *             1.02M users), half drawn from a Zipf(0.9) popularity over all songs and half from the
 *             listener's taste cluster (a block of 200 consecutive songs); counts floor(Pareto(alpha
 *             1.6)), ~67 % ones.
 * Seeded: the same N, users and seed give the same files.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { audioFilesIn } from '../trainer/features/list-audio';
import { mulberry32 } from '../trainer/eval/prng';
import { MAX_COUNT, MIN_SONGS_PER_USER, sampleCdf, songIds, TASTE_PROFILE, zipfCdf } from './triplets-scale';

/** Listeners per song in the Taste Profile (1,019,318 / 384,546). */
export const USERS_PER_SONG = TASTE_PROFILE.users / TASTE_PROFILE.items;
/** Scale of the Pareto tail: 10 + ⌊20 × (Pareto(1.5) − 1)⌋, capped, has mean ≈ 47 (sampled). */
const TAIL_SCALE = 20;
/** The Taste Profile's most songs for one listener (and at most half the catalogue). */
const MAX_SONGS_PER_USER = 4400;
const CLUSTER_SONGS = 200;
const SONGS_PER_FOLDER = 1000;
/** Bytes of a rendered 30-s mono 16-bit 22,050 Hz WAV, for the pool's disk check. */
export const POOL_WAV_BYTES = 30 * 22050 * 2 + 44;

export interface Catalogue {
  dir: string;
  audio: string;
  songsFile: string;
  plays: string;
  songs: number;
  users: number;
  /** Lines of plays.tsv (distinct user-song pairs). */
  playLines: number;
  playsBytes: number;
  /** 'hard' normally; 'symbolic' when the pool is on another file system. */
  links: 'hard' | 'symbolic';
  seconds: number;
}

/** The pool's audio files in path order; ERR when there is none. */
export function poolFiles(dir: string): string[] {
  const files = audioFilesIn(dir).sort();
  if (files.length === 0) throw new Error(`--pool ${dir} holds no audio files (.wav .flac .mp3 .ogg .opus .m4a)`);
  return files;
}

/**
 * `<root>/pool-<P>/audio`: a benchmark world of P songs (the small preset's artists and styles,
 * seed 1; its listeners are not used, so only 1,000 are drawn) rendered once and reused after.
 */
export function ensurePool(root: string, songs: number, threads: number | undefined, log: (m: string) => void): string {
  const dir = path.join(root, `pool-${songs}`);
  if (fs.existsSync(path.join(dir, 'world.json'))) return path.join(dir, 'audio');
  const tmp = `${dir}.partial`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const args = ['world', '--preset', 'small', '--seed', '1', '--songs', String(songs), '--users', '1000', '--out', tmp, ...(threads ? ['--threads', String(threads)] : [])];
  log(`model-scale: rendering the pool once: earshot-train ${args.join(' ')} (≈ 5 clips/s on 2 cores)`);
  const r = spawnSync(process.execPath, [path.join(__dirname, '..', 'trainer', 'cli.js'), ...args], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 256 << 20, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`rendering the pool failed (exit ${r.status ?? r.signal}): ${(r.stderr ?? '').trim().split('\n').slice(-5).join('\n')}`);
  fs.renameSync(tmp, dir);
  return path.join(dir, 'audio');
}

/** Links song i's audio to pool file i mod P; returns which kind of link was made. */
function linkAudio(audio: string, ids: string[], pool: string[]): 'hard' | 'symbolic' {
  let links: 'hard' | 'symbolic' = 'hard';
  for (let i = 0; i < ids.length; i++) {
    const src = pool[i % pool.length];
    const folder = path.join(audio, String(Math.floor(i / SONGS_PER_FOLDER)));
    if (i % SONGS_PER_FOLDER === 0) fs.mkdirSync(folder, { recursive: true });
    const dst = path.join(folder, ids[i] + path.extname(src));
    if (links === 'hard') {
      try {
        fs.linkSync(src, dst);
        continue;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
        links = 'symbolic'; // another file system: symlinks cost no disk either
      }
    }
    fs.symlinkSync(src, dst);
  }
  return links;
}

/** Appends text to a file descriptor in blocks, so that 12M plays never sit in memory at once. */
function blockWriter(fd: number): { add: (s: string) => void; flush: () => void } {
  let parts: string[] = [];
  const flush = () => {
    fs.writeSync(fd, parts.join(''));
    parts = [];
  };
  return { add: (s) => (parts.push(s) < 65536 ? undefined : flush()), flush };
}

function writeSongsFile(file: string, ids: string[], pool: string[]): void {
  const fd = fs.openSync(file, 'w');
  try {
    const w = blockWriter(fd);
    w.add('id\tpath\tartist\ttitle\turi\n');
    ids.forEach((id, i) => {
      const rel = `${Math.floor(i / SONGS_PER_FOLDER)}/${id}${path.extname(pool[i % pool.length])}`;
      w.add(`${id}\t${rel}\tArtist ${(i % 5000) + 1}\tSong ${i + 1} (pool ${(i % pool.length) + 1})\thttps://music.example/track/${id}\n`);
    });
    w.flush();
  } finally {
    fs.closeSync(fd);
  }
}

function hex32(rand: () => number): string {
  return Math.floor(rand() * 2 ** 32).toString(16).padStart(8, '0');
}

/** Writes plays.tsv; returns the lines written. */
function writePlays(file: string, ids: string[], users: number, seed: number): number {
  const rand = mulberry32(seed);
  const n = ids.length;
  const cdf = zipfCdf(n);
  const byRank = Int32Array.from({ length: n }, (_, k) => k);
  for (let k = n - 1; k > 0; k--) {
    const j = Math.floor(rand() * (k + 1));
    const t = byRank[k];
    byRank[k] = byRank[j];
    byRank[j] = t;
  }
  const clusters = Math.ceil(n / CLUSTER_SONGS);
  const most = Math.min(MAX_SONGS_PER_USER, Math.max(1, Math.floor(n / 2)));
  const fd = fs.openSync(file, 'w');
  let lines = 0;
  try {
    const w = blockWriter(fd);
    const chosen = new Set<number>();
    for (let u = 0; u < users; u++) {
      // the first 8 hex digits are a bijection of u, so the 40-char ids are unique
      const user = (Math.imul(u + 1, 0x9e3779b1) >>> 0).toString(16).padStart(8, '0') + hex32(rand) + hex32(rand) + hex32(rand) + hex32(rand);
      const want = Math.min(most, MIN_SONGS_PER_USER + Math.floor(TAIL_SCALE * ((1 - rand()) ** (-1 / 1.5) - 1)));
      const first = Math.floor(rand() * clusters) * CLUSTER_SONGS;
      const width = Math.min(CLUSTER_SONGS, n - first);
      chosen.clear();
      for (let tries = 0; chosen.size < want && tries < want * 50; tries++) {
        chosen.add(rand() < 0.5 ? byRank[sampleCdf(cdf, rand())] : first + Math.floor(rand() * width));
      }
      for (const s of chosen) w.add(`${user}\t${ids[s]}\t${Math.min(MAX_COUNT, Math.floor((1 - rand()) ** (-1 / 1.6)))}\n`);
      lines += chosen.size;
    }
    w.flush();
  } finally {
    fs.closeSync(fd);
  }
  return lines;
}

/** Builds the catalogue of `songs` songs in `dir` (emptied first: it is the benchmark's own folder). */
export function buildCatalogue(dir: string, songs: number, users: number, pool: string[], seed: number): Catalogue {
  const t0 = performance.now();
  fs.rmSync(dir, { recursive: true, force: true });
  const audio = path.join(dir, 'audio');
  fs.mkdirSync(audio, { recursive: true });
  const raw = songIds(songs);
  const ids = Array.from({ length: songs }, (_, k) => Buffer.from(raw.buffer, raw.byteOffset + k * 18, 18).toString('latin1'));
  const links = linkAudio(audio, ids, pool);
  const songsFile = path.join(dir, 'songs.tsv');
  writeSongsFile(songsFile, ids, pool);
  const plays = path.join(dir, 'plays.tsv');
  const playLines = writePlays(plays, ids, users, seed);
  return { dir, audio, songsFile, plays, songs, users, playLines, playsBytes: fs.statSync(plays).size, links, seconds: (performance.now() - t0) / 1e3 };
}
