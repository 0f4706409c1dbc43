/**
 * `earshot-train model --plays --audio [--songs] [--format]` -> TrainingData: a service's own plays
 * file (any layout the plays parser reads, trainer/data/triplet-parser.ts), its music folder, and
 * optionally its songs file (songs-file.ts), matched by audio-match.ts. The plays file is only hashed
 * here; the pipeline parses it, so a bad line is reported (file:line) by its first stage.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EarshotError } from '../../src/errors';
import { songsFromAudio, songsFromFile } from './audio-match';
import { audioListingSha256, fileSha256 } from './input-hashes';
import { readSongsFile } from './songs-file';
import type { PlaysFormat, TrainingData } from './training-data';

export interface UserDataOptions {
  /** The plays file (plain or .gz). */
  plays: string;
  /** Default 'auto' (the first line tells). */
  format?: PlaysFormat;
  /** The folder holding the audio (searched recursively). */
  audio: string;
  /** The songs file, if any. */
  songs?: string;
}

function invalid(message: string): never {
  throw new EarshotError('ERR_INVALID_ARGUMENT', message);
}

export async function userTrainingData(o: UserDataOptions): Promise<TrainingData> {
  const format = o.format ?? 'auto';
  if (!['auto', 'triplets', 'columns', 'hetrec'].includes(format)) invalid(`format must be auto, triplets, columns or hetrec, got ${JSON.stringify(format)}`);
  const plays = fs.statSync(o.plays, { throwIfNoEntry: false });
  if (!plays?.isFile()) invalid(`--plays "${o.plays}" ${plays ? 'is not a file' : 'does not exist'}`);
  const audio = fs.statSync(o.audio, { throwIfNoEntry: false });
  if (!audio?.isDirectory()) invalid(`--audio "${o.audio}" ${audio ? 'is not a folder' : 'does not exist'} (give the folder that holds the songs' audio files)`);
  const songsFile = o.songs === undefined ? null : readSongsFile(o.songs);
  const matched = songsFile ? songsFromFile(songsFile, o.audio) : songsFromAudio(o.audio);
  return {
    source: o.plays,
    plays: { path: path.resolve(o.plays), format },
    songs: matched.songs,
    inputHashes: { plays: fileSha256(o.plays), ...(songsFile && { songs: songsFile.sha256 }), audio: audioListingSha256(matched.songs) },
    problems: matched.problems,
  };
}
