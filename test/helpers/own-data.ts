/**
 * A service's own data, made from real recordings: the 13 clips of ../shared/data/audio (test material:
 * never trained on for a shipped model) cut by ffmpeg into segments in their own codecs (Vorbis, MP3,
 * FLAC, Opus, WAV), with listeners made up from the clips' human labels only (the source soundtrack and
 * the style column of the clips' README), never from audio. Laid out as a user would bring it:
 *   <dir>/music/<source>/<id>.<ext>   the audio, in subfolders
 *   <dir>/plays.tsv                   Taste-Profile triplets: user<TAB>song<TAB>count, no header
 *   <dir>/songs.tsv                   id  path  artist  title  uri  tags  (+ an ignored extra column)
 * Deliberate gaps, as real data has them: `unplayed` songs have audio but no plays (cold start: the
 * CNN must place them), `ghosts` have plays but no audio (counted, never fatal).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { mulberry32, randomInt } from '../../trainer/eval/prng';
import { hostsOrSkip } from './hosts';
import { sharedOrSkip } from './shared';

const run = promisify(execFile);

/** Each clip's labels, from ../shared/data/audio/README.md: the soundtrack it comes from and its style words. */
export const CLIP_LABELS: Readonly<Record<string, { source: string; styles: string[] }>> = {
  'wesnoth-battle.ogg': { source: 'wesnoth', styles: ['orchestral'] },
  'wesnoth-elvish-theme.wav': { source: 'wesnoth', styles: ['orchestral', 'folk'] },
  'nexuiz-beast-of-insanity.ogg': { source: 'nexuiz', styles: ['electronic', 'industrial'] },
  'nexuiz-brokenlight.ogg': { source: 'nexuiz', styles: ['electronic'] },
  'singularity-aberrations.ogg': { source: 'singularity', styles: ['electronic', 'ambient'] },
  'singularity-awakening.ogg': { source: 'singularity', styles: ['electronic', 'ambient'] },
  'hyperrogue-mountain.ogg': { source: 'hyperrogue', styles: ['ambient'] },
  'megaglest-indian.ogg': { source: 'megaglest', styles: ['world', 'orchestral'] },
  'megaglest-jadeflange.ogg': { source: 'megaglest', styles: ['world', 'electronic'] },
  'fretsonfire-armygeddon.ogg': { source: 'fretsonfire', styles: ['metal', 'rock'] },
  'asc-machine-wars.mp3': { source: 'asc', styles: ['rock', 'orchestral'] },
  'warzone2100-track17.opus': { source: 'warzone2100', styles: ['electronic', 'ambient'] },
  'ufoai-battlescape01.flac': { source: 'ufoai', styles: ['orchestral', 'electronic'] },
};

export interface OwnSong {
  id: string;
  /** Path relative to <dir>/music. */
  path: string;
  source: string;
  styles: string[];
  uri: string;
  artist: string;
  title: string;
}

export interface OwnData {
  dir: string;
  music: string;
  plays: string;
  songs: string;
  /** Every song with audio. */
  catalogue: OwnSong[];
  /** Songs with audio and no plays. */
  unplayed: string[];
  /** Ids with plays and no audio. */
  ghosts: string[];
  users: number;
}

export interface OwnDataOptions {
  /** Segments per clip (default 3) of `segmentS` seconds each (default 8), starting every 10 s. */
  segments?: number;
  segmentS?: number;
  users?: number;
  seed?: number;
}

/**
 * Builds the data set under `dir`, or returns null after skipping the test when ../shared or ffmpeg is
 * absent (failures instead under EARSHOT_REQUIRE_SHARED / EARSHOT_REQUIRE_HOSTS).
 */
export async function makeOwnData(t: TestContext, dir: string, o: OwnDataOptions = {}): Promise<OwnData | null> {
  const clips = sharedOrSkip(t, 'data/audio');
  if (!clips || !hostsOrSkip(t, 'ffmpeg')) return null;
  const segments = o.segments ?? 3;
  const segmentS = o.segmentS ?? 8;
  const users = o.users ?? 80;
  const rand = mulberry32(o.seed ?? 7);
  const music = path.join(dir, 'music');
  const catalogue: OwnSong[] = [];
  for (const [file, labels] of Object.entries(CLIP_LABELS)) {
    const ext = path.extname(file);
    const stem = path.basename(file, ext);
    fs.mkdirSync(path.join(music, labels.source), { recursive: true });
    const cuts: Promise<unknown>[] = [];
    for (let k = 0; k < segments; k++) {
      const id = `${stem}-${k + 1}`;
      const rel = path.join(labels.source, `${id}${ext}`);
      // Re-encoded in the clip's own container and codec (ffmpeg's default for the extension).
      cuts.push(run('ffmpeg', ['-v', 'error', '-y', '-ss', String(10 * k), '-t', String(segmentS), '-i', path.join(clips, file), '-vn', path.join(music, rel)]));
      catalogue.push({ id, path: rel, source: labels.source, styles: labels.styles, uri: `https://music.example/${labels.source}/${id}${ext}`, artist: labels.source, title: `${stem} (part ${k + 1})` });
    }
    await Promise.all(cuts);
  }
  // Two songs nobody has played (the last segment of two clips) and three ids nobody has audio for.
  const unplayed = [catalogue[segments - 1].id, catalogue[catalogue.length - 1].id];
  const ghosts = ['ghost-1', 'ghost-2', 'ghost-3'];
  const playable = catalogue.filter((s) => !unplayed.includes(s.id));
  const styles = [...new Set(playable.flatMap((s) => s.styles))].sort();
  const lines: string[] = [];
  for (let u = 0; u < users; u++) {
    // Each listener loves one style and one soundtrack, and now and then plays anything.
    const style = styles[randomInt(rand, styles.length)];
    const source = playable[randomInt(rand, playable.length)].source;
    const counts = new Map<string, number>();
    for (const s of playable) {
      const liked = s.styles.includes(style) || s.source === source;
      if (rand() < (liked ? 0.7 : 0.04)) counts.set(s.id, 1 + randomInt(rand, liked ? 30 : 3));
    }
    if (rand() < 0.3) counts.set(ghosts[randomInt(rand, ghosts.length)], 1 + randomInt(rand, 5));
    for (const [id, c] of counts) lines.push(`listener${String(u).padStart(3, '0')}\t${id}\t${c}`);
  }
  const plays = path.join(dir, 'plays.tsv');
  fs.writeFileSync(plays, lines.join('\n') + '\n');
  const songs = path.join(dir, 'songs.tsv');
  const header = 'id\tpath\tartist\ttitle\turi\ttags\tbpm_guess';
  fs.writeFileSync(songs, [header, ...catalogue.map((s) => [s.id, s.path, s.artist, s.title, s.uri, s.styles.join(','), '120'].join('\t'))].join('\n') + '\n');
  return { dir, music, plays, songs, catalogue, unplayed, ghosts, users };
}
