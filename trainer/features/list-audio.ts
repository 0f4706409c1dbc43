/**
 * `--audio` -> the clips to process, sorted by id (the file name without its extension):
 *   a directory: every .wav/.flac/.mp3/.ogg/.opus/.m4a file in it and its subdirectories (recursive,
 *     following neither hidden entries nor symlinked directories, so a catalogue laid out in
 *     subfolders, as FMA's 000/000002.mp3, works as is);
 *   a text file: one path per line, relative to the list file's folder (absolute paths as they are);
 *     blank lines and lines starting with '#' are skipped; listed files need not exist (a missing one
 *     is a failed clip, not a usage error);
 *   an audio file: that one clip.
 * Two clips with the same id are a usage error: the store is keyed by id.
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

export interface AudioListing {
  kind: 'directory' | 'list' | 'file';
  clips: ClipSource[];
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

export function listAudio(source: string): AudioListing {
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
    paths = [];
    walk(abs, paths);
    if (paths.length === 0) usage(`no audio files (${AUDIO_EXTENSIONS.join(' ')}) in "${source}" or its subfolders`);
  } else if (isAudio(abs)) {
    kind = 'file';
    paths = [abs];
  } else {
    kind = 'list';
    paths = readList(abs);
    if (paths.length === 0) usage(`the list "${source}" names no files (one path per line, relative to the list's folder)`);
  }
  const byId = new Map<string, string>();
  for (const p of paths) {
    const id = path.parse(p).name;
    const prev = byId.get(id);
    if (prev !== undefined && prev !== p) usage(`two clips have the id "${id}": "${prev}" and "${p}" (ids are file names without extension and must be unique)`);
    byId.set(id, p);
  }
  const clips = [...byId].map(([id, p]) => ({ id, path: p })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { kind, clips };
}
