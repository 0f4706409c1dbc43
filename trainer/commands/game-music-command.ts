/**
 * `earshot-train game-music --packages <dir> --out <dir>`: the default model's real-music source —
 * the music of extracted Debian game-music packages (trainer/sources/game-music-packages.ts) as
 * 30-s clips with a songs file of human labels (soundtrack, composer, album, genre), split into the
 * training songs (songs.tsv) and held-out tracks and soundtracks (held-out.tsv) for evaluation.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONTROL_CHARACTERS } from '../../src/catalog/item-fields';
import { EarshotError } from '../../src/errors';
import { checkOutputPath, intArg, positiveArg } from '../../src/cli/args';
import { defineCommand, type OptionValues } from '../../src/cli/dispatch';
import { GAME_MUSIC_PACKAGES } from '../sources/game-music-packages';
import { clipStartS, cutClip, scanGameMusic, splitTracks, type MusicTrack, type TrackSplit } from '../sources/game-music';
import { progressLine } from './progress-line';

export const GAME_MUSIC_USAGE = `usage: earshot-train game-music --packages <dir> --out <dir> [options]
  --packages DIR         extracted packages, one folder each: DIR/<package>/usr/share/... (apt-get download PKG;
                         dpkg -x PKG_*.deb DIR/PKG); the packages read: ${GAME_MUSIC_PACKAGES.map((p) => p.name).join(', ')}
  --out DIR              new folder: audio/<id>.flac (mono 22,050 Hz clips), songs.tsv (training songs),
                         held-out.tsv (tracks and soundtracks kept out of training), in the songs-file format
                         with extra columns soundtrack, album, genre, package, version, file, split
  --clip-seconds S       clip length (default 30)
  --train-seconds S      audio of each training song (default: --clip-seconds): more of every track for the
                         CNN to learn from (the middle of the track; the whole of a shorter one); held-out
                         clips stay --clip-seconds long
  --test-fraction F      share of each soundtrack's pieces held out (default 0.2)
  --hold-out-soundtracks N|PKG,PKG  whole soundtracks held out: N drawn by the seed (default 2), or named packages
  --seed S               the split (default 1)
  --json                 print a JSON summary`;

const OPTIONS = {
  packages: { type: 'string' }, out: { type: 'string' }, 'clip-seconds': { type: 'string' }, 'train-seconds': { type: 'string' }, 'test-fraction': { type: 'string' },
  'hold-out-soundtracks': { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' },
} as const;

export const GAME_MUSIC_COLUMNS = ['id', 'path', 'artist', 'title', 'tags', 'soundtrack', 'album', 'genre', 'package', 'version', 'file', 'split'] as const;

/** A TSV field: no tabs, line breaks or control characters (the songs file's field rules). */
function field(s: string): string {
  return s.replace(CONTROL_CHARACTERS, ' ').trim();
}

function songId(t: MusicTrack): string {
  return `gm-${t.soundtrack}-${t.piece.slice(t.piece.indexOf('/') + 1).replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
}

async function gameMusicCommand(v: OptionValues<typeof OPTIONS>): Promise<void> {
  if (!v.packages || !v.out) throw new EarshotError('ERR_INVALID_ARGUMENT', `--packages and --out are required\n${GAME_MUSIC_USAGE}`);
  checkOutputPath('--out', v.out, 'dir');
  if (fs.existsSync(v.out) && fs.readdirSync(v.out).length > 0) throw new EarshotError('ERR_INVALID_ARGUMENT', `--out ${v.out} is not empty`);
  const clipS = positiveArg('clip-seconds', v['clip-seconds'], 600) ?? 30;
  const trainS = positiveArg('train-seconds', v['train-seconds'], 3600) ?? clipS;
  const testFraction = positiveArg('test-fraction', v['test-fraction'], 0.9) ?? 0.2;
  const seed = intArg('seed', v.seed) ?? 1;
  const held = v['hold-out-soundtracks'];
  const holdOutSoundtracks = held === undefined ? 2 : /^\d+$/.test(held) ? Number(held) : held.split(',').map((s) => s.trim()).filter(Boolean);
  const progress = progressLine(process.stderr, 'game-music');
  const started = performance.now();
  const { tracks, missing } = await scanGameMusic(v.packages, (d, n) => progress(`probing ${d}/${n} files`));
  const split = splitTracks(tracks, { seed, testFraction, holdOutSoundtracks });
  fs.mkdirSync(path.join(v.out, 'audio'), { recursive: true });
  const rows: Record<TrackSplit | 'all', string[]> = { train: [], 'held-out-track': [], 'held-out-soundtrack': [], all: [] };
  const version = new Map(GAME_MUSIC_PACKAGES.map((p) => [p.name, p.version]));
  const ids = new Set<string>();
  for (const [i, t] of tracks.entries()) {
    let id = songId(t);
    for (let k = 2; ids.has(id); k++) id = `${songId(t)}-${k}`;
    ids.add(id);
    const rel = `audio/${id}.flac`;
    const s = split.get(t)!;
    const seconds = s === 'train' ? trainS : clipS;
    await cutClip(t.source, path.join(v.out, rel), clipStartS(t.durationS, seconds), seconds);
    const line = [id, rel, t.artist, t.title, t.genre, t.soundtrack, t.album, t.genre, t.package, version.get(t.package) ?? '', t.file, s].map(field).join('\t');
    rows[s].push(line);
    const el = (performance.now() - started) / 1e3;
    progress(`clips ${i + 1}/${tracks.length}  ${((i + 1) / el).toFixed(1)} clips/s  ${(((tracks.length - i - 1) * el) / (i + 1)).toFixed(0)} s left`);
  }
  progress(null);
  const header = GAME_MUSIC_COLUMNS.join('\t');
  fs.writeFileSync(path.join(v.out, 'songs.tsv'), [header, ...rows.train].join('\n') + '\n');
  fs.writeFileSync(path.join(v.out, 'held-out.tsv'), [header, ...rows['held-out-track'], ...rows['held-out-soundtrack']].join('\n') + '\n');
  const soundtracks = (s: TrackSplit) => [...new Set(tracks.filter((t) => split.get(t) === s).map((t) => t.soundtrack))].sort();
  const summary = {
    out: v.out, tracks: tracks.length, train: rows.train.length, heldOutTracks: rows['held-out-track'].length, heldOutSoundtrackTracks: rows['held-out-soundtrack'].length,
    heldOutSoundtracks: soundtracks('held-out-soundtrack'), trainSoundtracks: soundtracks('train'), missingPackages: missing, seconds: Number(((performance.now() - started) / 1e3).toFixed(1)),
  };
  if (v.json) process.stdout.write(JSON.stringify(summary) + '\n');
  else {
    process.stdout.write(`${v.out}: ${summary.tracks} tracks from ${summary.trainSoundtracks.length + summary.heldOutSoundtracks.length} soundtracks: ${summary.train} for training, ${summary.heldOutTracks} held-out tracks, ${summary.heldOutSoundtrackTracks} tracks of the held-out soundtracks ${summary.heldOutSoundtracks.join(', ')}\n`);
    if (missing.length) process.stdout.write(`not found under ${v.packages}: ${missing.join(', ')}\n`);
  }
}

export const GAME_MUSIC_COMMAND = defineCommand({ name: 'game-music', summary: 'real recordings for training: 30-s clips and human labels from Debian game-music packages', usage: GAME_MUSIC_USAGE, options: OPTIONS, run: gameMusicCommand });
