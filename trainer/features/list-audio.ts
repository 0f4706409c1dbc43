/**
 * `--audio` -> the clips to process, sorted by id (the file name without its extension):
 *   a directory: every .wav/.flac/.mp3/.ogg/.opus/.m4a file in it and its subdirectories (recursive,
 *     following neither hidden entries nor symlinked directories, so a catalogue laid out in
 *     subfolders, as FMA's 000/000002.mp3, works as is);
 *   a text file: one path per line, relative to the list file's folder (absolute paths as they are);
 *     blank lines and lines starting with '#' are skipped; listed files need not exist (a missing one
 *     is a failed clip, not a usage error);
 *   an audio file: that one clip.
 * Two clips with the same id are a usage error (the store is keyed by id), or, where the caller asks
 * for it (the model pipeline's matching of songs to files by stem), the first in path order is kept
 * and the others are reported. The same path listed twice counts once.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EarshotError } from '../../src/errors';

export const AUDIO_EXTENSIONS = ['.wav', '.flac', '.mp3', '.ogg', '.opus', '.m4a'] as const;

export interface ClipSource {
  id: string;
  /** Absolute path. */
  path: string;
}

/** Two files with one id where the first was kept (listAudio with duplicates: 'first'). */
export interface DuplicateClip {
  id: string;
  kept: string;
  dropped: string;
}

export interface AudioListing {
  /** What --audio was; 'clips' when the caller gave the clips themselves (runFeatures). */
  kind: 'directory' | 'list' | 'file' | 'clips';
  /** Sorted by id, ids unique. */
  clips: ClipSource[];
  /** Files left out because another one had their id (always empty with duplicates: 'error'). */
  duplicates: DuplicateClip[];
}

export interface ListAudioOptions {
  /** Two files with one id: 'error' (default) throws ERR_INVALID_ARGUMENT; 'first' keeps the first in path order. */
  duplicates?: 'error' | 'first';
}

function isAudio(name: string): boolean {
  return (AUDIO_EXTENSIONS as readonly string[]).includes(path.extname(name).toLowerCase());
}

function usage(message: string): never {
  throw new EarshotError('ERR_INVALID_ARGUMENT', message);
}

function walk(dir: string, out: string[]): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    throw new EarshotError('ERR_IO', `cannot list "${dir}": ${(err as NodeJS.ErrnoException).code ?? err}`, { cause: err });
  }
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if ((e.isFile() || e.isSymbolicLink()) && isAudio(e.name)) out.push(p);
  }
}

/** Absolute paths of the audio files in `dir` and its subfolders (hidden entries skipped); ERR_IO when unreadable. */
export function audioFilesIn(dir: string): string[] {
  const paths: string[] = [];
  walk(path.resolve(dir), paths);
  return paths;
}

function readList(file: string): string[] {
  const base = path.dirname(file);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new EarshotError('ERR_IO', `cannot read the list "${file}": ${(err as NodeJS.ErrnoException).code ?? err}`, { cause: err });
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => path.resolve(base, l));
}

/**
 * `clips` sorted by id (code-unit order, as the feature store keeps them) with one clip per id: see
 * ListAudioOptions for two paths with one id; the same path twice is kept once.
 */
export function uniqueClips(clips: readonly ClipSource[], o: ListAudioOptions & { idsAre?: string } = {}): Pick<AudioListing, 'clips' | 'duplicates'> {
  const byPath = [...clips].sort((a, b) => compareIds(a.path, b.path));
  const byId = new Map<string, string>();
  const duplicates: DuplicateClip[] = [];
  for (const { id, path: p } of byPath) {
    const prev = byId.get(id);
    if (prev === undefined) byId.set(id, p);
    else if (prev === p) continue;
    else if (o.duplicates === 'first') duplicates.push({ id, kept: prev, dropped: p });
    else usage(`two clips have the id "${id}": "${prev}" and "${p}" (${o.idsAre ?? 'ids are file names without extension'} and must be unique)`);
  }
  return { clips: [...byId].map(([id, p]) => ({ id, path: p })).sort((a, b) => compareIds(a.id, b.id)), duplicates };
}

/** Code-unit order, the order of the feature store's ids (and of the songs in TrainingData). */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function listAudio(source: string, o: ListAudioOptions = {}): AudioListing {
  let st: fs.Stats;
  try {
    st = fs.statSync(source);
  } catch {
    usage(`--audio "${source}" does not exist (give a folder of audio files or a text file listing them)`);
  }
  let kind: AudioListing['kind'];
  let paths: string[];
  const abs = path.resolve(source);
  if (st.isDirectory()) {
    kind = 'directory';
    paths = audioFilesIn(abs);
    if (paths.length === 0) usage(`no audio files (${AUDIO_EXTENSIONS.join(' ')}) in "${source}" or its subfolders`);
  } else if (isAudio(abs)) {
    kind = 'file';
    paths = [abs];
  } else {
    kind = 'list';
    paths = readList(abs);
    if (paths.length === 0) usage(`the list "${source}" names no files (one path per line, relative to the list's folder)`);
  }
  return { kind, ...uniqueClips(paths.map((p) => ({ id: path.parse(p).name, path: p })), o) };
}
