/**
 * What the pipeline could not use, in words: songs with plays but no audio, users whose plays were all
 * on such songs, audio that did not decode, and the problems the input builders met (duplicate stems,
 * songs-file lines...). Never fatal on its own; listed in the log, the report and the --json summary
 * (the first few), and whole in <work>/left-out.json.
 * Fatal only when no song has both plays and audio: then the error says which side is empty, or shows
 * ids of both sides so the mismatch is visible.
 */
import { EarshotError } from '../../src/errors';
import { writeFileAtomic } from '../../src/io/atomic-write';
import type { TrainingData } from './training-data';

export interface LeftOut {
  /** Songs with plays and no features (no audio, or audio that did not decode), the plays file's order. */
  playsWithoutAudio: string[];
  /** Users whose every play was on such a song. */
  droppedUsers: number;
  undecodable: { id: string; path: string; error: string }[];
  problems: TrainingData['problems'];
}

/** Ids shown in a message: the first few, and how many more. */
function firstOf(ids: readonly string[], n = 3): string {
  const shown = ids.slice(0, n).map((id) => `'${id}'`).join(', ');
  return ids.length > n ? `${shown} and ${ids.length - n} more` : shown;
}

/** Songs with plays and no audio file at all (those whose audio did not decode are counted apart). */
export function songsWithoutAudio(l: LeftOut): string[] {
  const undecodable = new Set(l.undecodable.map((u) => u.id));
  return l.playsWithoutAudio.filter((id) => !undecodable.has(id));
}

/** One line per kind of thing left out (none when everything was used). */
export function describeLeftOut(l: LeftOut): string[] {
  const noAudio = songsWithoutAudio(l);
  const lines: string[] = [];
  if (noAudio.length) lines.push(`- ${noAudio.length} songs with plays have no audio and were left out: ${firstOf(noAudio)}.`);
  if (l.undecodable.length) lines.push(`- ${l.undecodable.length} audio files could not be decoded and were left out: ${l.undecodable.slice(0, 3).map((u) => `${u.path} (${u.error})`).join('; ')}${l.undecodable.length > 3 ? '; ...' : ''}.`);
  if (l.droppedUsers) lines.push(`- ${l.droppedUsers} users played only songs that were left out.`);
  const kinds = new Map<string, TrainingData['problems']>();
  for (const p of l.problems) (kinds.get(p.kind) ?? kinds.set(p.kind, []).get(p.kind)!).push(p);
  for (const [kind, ps] of kinds) lines.push(`- ${ps.length} input problems (${kind}): ${ps.slice(0, 3).map((p) => p.message).join('; ')}${ps.length > 3 ? '; ...' : ''}.`);
  return lines;
}

/** The whole lists, as JSON (the log, the report and --json show the first few). */
export function writeLeftOut(file: string, l: LeftOut): void {
  const json = { songsWithoutAudio: songsWithoutAudio(l), undecodable: l.undecodable, droppedUsers: l.droppedUsers, problems: l.problems };
  writeFileAtomic(file, Buffer.from(JSON.stringify(json, null, 1) + '\n'));
}

export type IntersectionFailure =
  | { reason: 'no-audio' }
  | { reason: 'disjoint'; plays: readonly string[]; audio: readonly string[]; undecodable: number };

/** The error for "no song has both plays and audio", saying why. */
export function noIntersection(data: TrainingData, f: IntersectionFailure): EarshotError {
  const head = `no song has both plays and audio, nothing to train on: the intersection of ${data.plays.path} and the audio is empty`;
  if (f.reason === 'no-audio') return new EarshotError('ERR_INVALID_ARGUMENT', `${head} (no audio file was found for any of the ${data.songs.length} songs)`);
  const decoded = f.undecodable ? `; ${f.undecodable} of the ${f.audio.length} audio files could not be decoded` : '';
  return new EarshotError('ERR_INVALID_ARGUMENT', `${head}: the plays name ${f.plays.length} songs (${firstOf(f.plays)}), the audio ${f.audio.length} (${firstOf(f.audio)})${decoded}. Song ids must match: audio files named <id>.<ext>, or a songs file with id and path columns`);
}
