/**
 * A generated benchmark world (trainer/world/) -> TrainingData, for `earshot-train experiment --world`:
 * its songs.tsv is just songs with extra columns (tags = style then moods; no uri: a world's clips are
 * not meant to be played elsewhere), its audio is audio/<id>.wav, its plays plays.tsv (triplets).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compareIds } from '../features/list-audio';
import { readSongsTsv } from '../world/songs-tsv';
import { audioListingSha256, fileSha256 } from './input-hashes';
import type { SongEntry, TrainingData } from './training-data';

export function worldTrainingData(worldDir: string): TrainingData {
  const rows = readSongsTsv(worldDir); // ERR_IO / ERR_WORLD_FORMAT naming the file
  const songsPath = path.join(worldDir, 'songs.tsv');
  const problems: TrainingData['problems'] = [];
  const songs = rows
    .map((r): SongEntry => {
      const wav = path.resolve(worldDir, 'audio', `${r.id}.wav`);
      const audio = fs.statSync(wav, { throwIfNoEntry: false })?.isFile() ? wav : null;
      if (audio === null) problems.push({ kind: 'audio-missing', id: r.id, path: wav, message: `${songsPath}:${r.line}: song ${JSON.stringify(r.id)}: no file "${wav}"` });
      return { id: r.id, audio, artist: r.artist, title: r.title, uri: '', tags: [r.style, ...r.moods] };
    })
    .sort((a, b) => compareIds(a.id, b.id));
  const playsPath = path.resolve(worldDir, 'plays.tsv');
  return {
    source: worldDir,
    plays: { path: playsPath, format: 'triplets' },
    songs,
    inputHashes: { plays: fileSha256(playsPath), songs: fileSha256(songsPath), audio: audioListingSha256(songs) },
    problems,
  };
}
