/**
 * Songs -> their audio files, for `earshot-train model`:
 *   without --songs, every audio file under --audio (recursively, list-audio.ts) is a song whose id is
 *     its file name without the extension;
 *   with --songs, each listed song's `path` (relative to --audio, or absolute), or else the file under
 *     --audio whose stem is its id; songs the file does not list are not songs, whatever --audio holds.
 * Two files with one stem: the first in path order is used and the other is a 'duplicate-stem' problem
 * (never fatal: nothing says which one was meant; a songs file's `path` column settles it). A listed
 * song without a file is an 'audio-missing' problem: it keeps its metadata and gets no features.
 * Problems are listed in the report; the pipeline stops only when no song is left.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AUDIO_EXTENSIONS, audioFilesIn, compareIds, listAudio, uniqueClips, type DuplicateClip } from '../features/list-audio';
import type { SongsFile } from './songs-file';
import type { SongEntry, TrainingData } from './training-data';

export interface MatchedSongs {
  /** Sorted by id. */
  songs: SongEntry[];
  problems: TrainingData['problems'];
}

function duplicateProblem(d: DuplicateClip): TrainingData['problems'][number] {
  return { kind: 'duplicate-stem', id: d.id, path: d.dropped, message: `two audio files have the stem "${d.id}": using "${d.kept}", not "${d.dropped}" (a songs file's path column can choose)` };
}

/** Every audio file under `audioDir` as a song (id = stem, no metadata); ERR_INVALID_ARGUMENT when there is none. */
export function songsFromAudio(audioDir: string): MatchedSongs {
  const listing = listAudio(audioDir, { duplicates: 'first' });
  const songs = listing.clips.map((c): SongEntry => ({ id: c.id, audio: c.path, artist: '', title: '', uri: '', tags: [] }));
  return { songs, problems: listing.duplicates.map(duplicateProblem) };
}

/** The songs file's songs with the audio each one names or has under `audioDir` by its id. */
export function songsFromFile(songs: SongsFile, audioDir: string): MatchedSongs {
  const root = path.resolve(audioDir);
  const problems: TrainingData['problems'] = [];
  let stems: Map<string, string> | null = null; // listed only when a song needs it
  const duplicates = new Map<string, DuplicateClip[]>();
  const stemsIn = (): Map<string, string> => {
    if (stems) return stems;
    const listing = uniqueClips(audioFilesIn(root).map((p) => ({ id: path.parse(p).name, path: p })), { duplicates: 'first' });
    for (const d of listing.duplicates) (duplicates.get(d.id) ?? duplicates.set(d.id, []).get(d.id)!).push(d);
    return (stems = new Map(listing.clips.map((c) => [c.id, c.path])));
  };
  const entries = songs.rows.map((r): SongEntry => {
    const where = `${songs.file}:${r.line}: song ${JSON.stringify(r.id)}`;
    let audio: string | null;
    if (r.path !== null) {
      const abs = path.resolve(root, r.path);
      audio = fs.statSync(abs, { throwIfNoEntry: false })?.isFile() ? abs : null;
      if (audio === null) problems.push({ kind: 'audio-missing', id: r.id, path: abs, message: `${where}: no file "${abs}"` });
    } else {
      audio = stemsIn().get(r.id) ?? null;
      if (audio === null) problems.push({ kind: 'audio-missing', id: r.id, message: `${where}: no audio file ${r.id}.<${AUDIO_EXTENSIONS.map((e) => e.slice(1)).join('|')}> under "${root}"` });
      for (const d of duplicates.get(r.id) ?? []) problems.push(duplicateProblem(d));
    }
    return { id: r.id, audio, artist: r.artist, title: r.title, uri: r.uri, tags: r.tags };
  });
  return { songs: entries.sort((a, b) => compareIds(a.id, b.id)), problems };
}
