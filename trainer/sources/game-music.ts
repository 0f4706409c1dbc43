/**
 * Real recordings for training: the music files of extracted Debian game-music packages
 * (game-music-packages.ts), each probed for its length and its own tags (title, artist/composer,
 * album, genre), split into training tracks and held-out tracks and soundtracks, and cut to 30-s
 * clips (the paper's 7digital previews were 30 s) by ffmpeg. The labels recorded here are human
 * ones — which soundtrack, which composer, the file's genre tag — never anything measured from the
 * audio, so listeners simulated from them (label-listeners.ts) say nothing the CNN could cheat on.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { findFfmpeg } from '../../src/audio/ffmpeg';
import { EarshotError } from '../../src/errors';
import { mulberry32, sampleInPlace } from '../eval/prng';
import { GAME_MUSIC_PACKAGES, MIN_RENDERED_BYTES, MUSIC_EXTENSIONS, pieceKey, soundtrackOf, TRACKER_EXTENSIONS } from './game-music-packages';

const run = promisify(execFile);

/** Shorter than this (seconds) is a jingle (a level-won fanfare), not a track. */
export const MIN_TRACK_S = 15;

export interface MusicTrack {
  package: string;
  soundtrack: string;
  /** Path inside the extracted package (as installed, from its root). */
  file: string;
  /** Absolute path of the extracted file. */
  source: string;
  piece: string;
  durationS: number;
  title: string;
  artist: string;
  album: string;
  genre: string;
}

export type TrackSplit = 'train' | 'held-out-track' | 'held-out-soundtrack';

function walk(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile()) out.push(p);
  }
  return out;
}

function ffprobePath(): string {
  const ffmpeg = findFfmpeg();
  if (!ffmpeg) throw new EarshotError('ERR_TOOL_MISSING', 'ffmpeg is needed to read and cut the game music: install it (apt-get install ffmpeg) or set EARSHOT_FFMPEG');
  const probe = path.join(path.dirname(ffmpeg), 'ffprobe');
  return fs.existsSync(probe) ? probe : 'ffprobe';
}

/** A tag value by any of `names` (tags are case-insensitive and may sit on the container or the stream). */
function tagOf(tags: Record<string, string>, ...names: string[]): string {
  for (const n of names) {
    const hit = Object.keys(tags).find((k) => k.toLowerCase() === n);
    if (hit && tags[hit].trim()) return tags[hit].replace(/\s+/g, ' ').trim();
  }
  return '';
}

async function probe(ffprobe: string, file: string): Promise<{ durationS: number; tags: Record<string, string> } | null> {
  try {
    const { stdout } = await run(ffprobe, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file], { maxBuffer: 16 << 20 });
    const j = JSON.parse(stdout) as { format?: { duration?: string; tags?: Record<string, string> }; streams?: { tags?: Record<string, string> }[] };
    const durationS = Number(j.format?.duration);
    return Number.isFinite(durationS) ? { durationS, tags: { ...(j.streams?.[0]?.tags ?? {}), ...(j.format?.tags ?? {}) } } : null;
  } catch {
    return null; // not decodable: not a track
  }
}

/** Every music track of the packages extracted under `root/<package>/` (missing packages listed in `missing`). */
export async function scanGameMusic(root: string, onFile?: (done: number, total: number) => void): Promise<{ tracks: MusicTrack[]; missing: string[] }> {
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new EarshotError('ERR_INVALID_ARGUMENT', `--packages ${root} is not a folder of extracted packages (dpkg -x PKG.deb DIR/PKG)`);
  const ffprobe = ffprobePath();
  const candidates: { pkg: string; file: string; source: string }[] = [];
  const missing: string[] = [];
  for (const p of GAME_MUSIC_PACKAGES) {
    const dir = path.join(root, p.name);
    if (!fs.existsSync(dir)) {
      missing.push(p.name);
      continue;
    }
    for (const source of walk(dir).sort()) {
      const file = '/' + path.relative(dir, source).split(path.sep).join('/');
      if (!MUSIC_EXTENSIONS.test(file) || !p.music.test(file)) continue;
      if (!TRACKER_EXTENSIONS.test(file) && fs.statSync(source).size < MIN_RENDERED_BYTES) continue;
      candidates.push({ pkg: p.name, file, source });
    }
  }
  if (candidates.length === 0) throw new EarshotError('ERR_INVALID_ARGUMENT', `no game music under ${root}: expected extracted packages such as ${root}/${GAME_MUSIC_PACKAGES[0].name}/usr/share/games/...`);
  const tracks: MusicTrack[] = [];
  for (const [i, c] of candidates.entries()) {
    const info = await probe(ffprobe, c.source);
    onFile?.(i + 1, candidates.length);
    if (!info || info.durationS < MIN_TRACK_S) continue;
    const t = info.tags;
    tracks.push({
      package: c.pkg, soundtrack: soundtrackOf(c.pkg), file: c.file, source: c.source, piece: pieceKey(c.pkg, c.file), durationS: info.durationS,
      title: tagOf(t, 'title') || path.basename(c.file).replace(/\.[^.]+$/, ''),
      artist: tagOf(t, 'composer', 'artist', 'album_artist', 'album artist'), album: tagOf(t, 'album'), genre: tagOf(t, 'genre').toLowerCase(),
    });
  }
  // One file per piece: the longest rendering (a module and its .ogg, a race track and its fast remix).
  const byPiece = new Map<string, MusicTrack>();
  for (const t of tracks) if (!byPiece.has(t.piece) || byPiece.get(t.piece)!.durationS < t.durationS) byPiece.set(t.piece, t);
  return { tracks: [...byPiece.values()], missing };
}

/**
 * Which tracks train and which are held out: `holdOutSoundtracks` whole packages (drawn by the seed
 * among packages with at least 6 pieces, unless named), then `testFraction` of every other package's
 * pieces (at least one where a package has 3 or more).
 */
export function splitTracks(tracks: readonly MusicTrack[], o: { seed: number; testFraction: number; holdOutSoundtracks: number | string[] }): Map<MusicTrack, TrackSplit> {
  const rand = mulberry32(o.seed);
  const byPkg = new Map<string, MusicTrack[]>();
  for (const t of tracks) (byPkg.get(t.package) ?? byPkg.set(t.package, []).get(t.package)!).push(t);
  const pkgs = [...byPkg.keys()].sort();
  // Pieces, not files, are what is counted and drawn: versions of one piece (pieceKey) stay together.
  const piecesOf = (p: string) => new Set(byPkg.get(p)!.map((t) => t.piece)).size;
  let heldPkgs: string[];
  if (Array.isArray(o.holdOutSoundtracks)) {
    for (const p of o.holdOutSoundtracks) if (!byPkg.has(p)) throw new EarshotError('ERR_INVALID_ARGUMENT', `--hold-out-soundtracks: no music found for package ${p} (found: ${pkgs.join(', ')})`);
    heldPkgs = o.holdOutSoundtracks;
  } else {
    const eligible = Int32Array.from(pkgs.map((p, i) => (piecesOf(p) >= 6 ? i : -1)).filter((i) => i >= 0));
    const k = Math.min(o.holdOutSoundtracks, eligible.length);
    sampleInPlace(rand, eligible, k);
    heldPkgs = Array.from(eligible.subarray(0, k), (i) => pkgs[i]);
  }
  const split = new Map<MusicTrack, TrackSplit>();
  for (const p of pkgs) {
    const list = byPkg.get(p)!.slice().sort((a, b) => (a.file < b.file ? -1 : 1));
    if (heldPkgs.includes(p)) {
      for (const t of list) split.set(t, 'held-out-soundtrack');
      continue;
    }
    const pieces = [...new Set(list.map((t) => t.piece))];
    const n = pieces.length >= 3 ? Math.max(1, Math.round(pieces.length * o.testFraction)) : 0;
    const order = Int32Array.from(pieces.keys());
    sampleInPlace(rand, order, n);
    const held = new Set(Array.from(order.subarray(0, n), (i) => pieces[i]));
    for (const t of list) split.set(t, held.has(t.piece) ? 'held-out-track' : 'train');
  }
  return split;
}

/** Where a 30-s clip starts: 30 % into the track (past intros), never running off its end (seconds). */
export function clipStartS(durationS: number, clipS: number): number {
  return Math.max(0, Math.min(durationS * 0.3, durationS - clipS));
}

/** Cuts [start, start + seconds) of `source` to a mono 22,050-Hz FLAC at `dest` (the analysis rate: 1/4 the bytes). */
export async function cutClip(source: string, dest: string, startS: number, seconds: number): Promise<void> {
  const ffmpeg = findFfmpeg();
  if (!ffmpeg) throw new EarshotError('ERR_TOOL_MISSING', 'ffmpeg is needed to cut the clips: install it (apt-get install ffmpeg) or set EARSHOT_FFMPEG');
  // -ss after -i: decoded up to the start (exact for tracker modules, which cannot seek).
  await run(ffmpeg, ['-v', 'error', '-y', '-i', source, '-ss', startS.toFixed(3), '-t', String(seconds), '-ac', '1', '-ar', '22050', '-c:a', 'flac', dest], { maxBuffer: 16 << 20 });
}
