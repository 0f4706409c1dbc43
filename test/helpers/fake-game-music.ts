/**
 * A small extracted-package tree shaped like Debian's game-music packages (trainer/sources/
 * game-music-packages.ts), made by ffmpeg from lavfi sources, with one of each case the scanner must
 * tell apart: music in the package's music folder, a sound effect outside it, a jingle under 15 s, a
 * file under 0.5 MB, a tracker module (kept whatever its size), a `_fast` variant of a track, a
 * non-audio file, a rendered file of a tracker-only package, and a package that is not in the list.
 * FAKE_TRACKS is what a scan must find; the tests compare against it, not against the scanner.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const STK = '/usr/share/games/supertuxkart/data';
const WL = '/usr/share/games/widelands/data/music';
const PINGUS = '/usr/share/games/pingus/data/music';

/** The chirp of race1_fast.wav: phase 200 t + 25 t² cycles, i.e. 200 Hz rising by 50 Hz a second. */
export const CHIRP = { f0Hz: 200, slopeHzPerS: 50 };
/** Cycles of the chirp between t0 and t1 (seconds): the phase difference. */
export function chirpCycles(t0: number, t1: number): number {
  const phase = (t: number) => CHIRP.f0Hz * t + (CHIRP.slopeHzPerS / 2) * t * t;
  return phase(t1) - phase(t0);
}

export interface FakeTrack {
  package: string;
  file: string;
  durationS: number;
  title: string;
  artist: string;
  album: string;
  genre: string;
}

/** The tracks a scan must keep, by package then file. */
export const FAKE_TRACKS: readonly FakeTrack[] = [
  { package: 'pingus-data', file: `${PINGUS}/tune.mod`, durationS: 23.04, title: 'Pingus Tune', artist: '', album: '', genre: '' },
  // race1_fast (19 s) wins over race1 (17 s): one file per piece, the longest.
  { package: 'supertuxkart-data', file: `${STK}/music/menu.flac`, durationS: 20, title: 'Menu', artist: 'Cee Composer', album: 'Kart OST', genre: 'ambient' },
  { package: 'supertuxkart-data', file: `${STK}/music/race1_fast.wav`, durationS: 19, title: 'Race One (fast)', artist: 'Jo Artist', album: 'Kart OST', genre: 'chiptune' },
  { package: 'widelands-data', file: `${WL}/battle-1.wav`, durationS: 18, title: 'battle-1', artist: '', album: '', genre: '' },
  { package: 'widelands-data', file: `${WL}/harvest.wav`, durationS: 21, title: 'Harvest', artist: 'Wl Band', album: '', genre: 'folk' },
  { package: 'widelands-data', file: `${WL}/intro.wav`, durationS: 16, title: 'Intro', artist: 'Wl Band', album: '', genre: 'folk' },
];

/** Files present but not music (each for one reason). */
export const FAKE_REJECTS: readonly string[] = [
  `supertuxkart-data${STK}/music/race1.wav`, // a shorter version of race1_fast's piece
  `supertuxkart-data${STK}/music/jingle.wav`, // 10 s (1.8 MB): a jingle
  `supertuxkart-data${STK}/music/tiny.wav`, // 20 s at 8 kHz 8-bit: 160 kB, under 0.5 MB
  `supertuxkart-data${STK}/music/readme.txt`,
  `supertuxkart-data${STK}/sfx/explosion.wav`, // outside the music folder
  `pingus-data${PINGUS}/render.wav`, // pingus: tracker modules only
  'wesnoth-music/usr/share/games/wesnoth/data/core/music/battle.wav', // not a listed package
];

/**
 * A 4-channel ProTracker module (the "M.K." layout): one looped 64-byte sine sample, one pattern of
 * 64 rows with a note every 4 rows, played `orders` times; at the default speed 6 / 125 BPM a pattern
 * is 64 × 6 × 20 ms = 7.68 s, so 3 orders last 23.04 s. About 2 kB.
 */
export function protrackerModule(title: string, orders: number): Buffer {
  const name = Buffer.alloc(20);
  name.write(title);
  const sampleBytes = 64;
  const headers = Array.from({ length: 31 }, (_, s) => {
    const h = Buffer.alloc(30);
    if (s === 0) {
      h.write('sine');
      h.writeUInt16BE(sampleBytes / 2, 22); // length in words
      h[25] = 64; // volume
      h.writeUInt16BE(sampleBytes / 2, 28); // loop the whole sample
    } else h.writeUInt16BE(1, 28); // unused sample: loop length 1 word, as trackers write it
    return h;
  });
  const order = Buffer.alloc(130);
  order[0] = orders;
  order[1] = 127;
  const pattern = Buffer.alloc(64 * 4 * 4);
  for (let row = 0; row < 64; row += 4) {
    const period = [428, 381, 339, 320][(row / 4) % 4]; // C-2, D-2, E-2, F-2
    const o = row * 16; // channel 0 of the row
    pattern[o] = (period >> 8) & 0x0f; // sample 1: high nibble 0
    pattern[o + 1] = period & 0xff;
    pattern[o + 2] = 1 << 4; // sample 1: low nibble
  }
  const sample = Buffer.alloc(sampleBytes);
  for (let i = 0; i < sampleBytes; i++) sample.writeInt8(Math.round(100 * Math.sin((2 * Math.PI * i) / sampleBytes)), i);
  return Buffer.concat([name, ...headers, order, Buffer.from('M.K.'), pattern, sample]);
}

async function ffmpeg(dest: string, source: string, output: string[], tags: Record<string, string> = {}): Promise<void> {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const meta = Object.entries(tags).flatMap(([k, v]) => ['-metadata', `${k}=${v}`]);
  await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', source, ...output, ...meta, dest]);
}

const sine = (hz: number, s: number, rate = 22050) => `sine=frequency=${hz}:sample_rate=${rate}:duration=${s}`;
const MONO_22K = ['-ac', '1', '-ar', '22050', '-c:a', 'pcm_s16le'];

/** Writes the tree under `root` (one folder per package, as `dpkg -x PKG.deb root/PKG` makes). */
export async function buildFakeGameMusic(root: string): Promise<void> {
  const at = (rel: string) => path.join(root, rel);
  const kart = { album: 'Kart OST', genre: 'Chiptune' };
  const wl = { artist: 'Wl Band', genre: 'Folk' };
  await Promise.all([
    ffmpeg(at(`supertuxkart-data${STK}/music/race1.wav`), sine(330, 17), MONO_22K, { title: 'Race One', artist: 'Jo Artist', ...kart }),
    ffmpeg(at(`supertuxkart-data${STK}/music/race1_fast.wav`), `aevalsrc=sin(2*PI*(${CHIRP.f0Hz}*t+${CHIRP.slopeHzPerS / 2}*t*t)):s=22050:d=19`, MONO_22K, { title: 'Race One (fast)', artist: 'Jo Artist', ...kart }),
    // FLAC keeps a composer tag (WAV's INFO chunk does not); white noise keeps it over 0.5 MB.
    ffmpeg(at(`supertuxkart-data${STK}/music/menu.flac`), 'anoisesrc=sample_rate=22050:duration=20:seed=1', ['-ac', '1', '-c:a', 'flac'], { title: 'Menu', artist: 'Jo Artist', composer: 'Cee Composer', album: 'Kart OST', genre: 'Ambient' }),
    ffmpeg(at(`supertuxkart-data${STK}/music/jingle.wav`), sine(523, 10, 44100), ['-ac', '2', '-c:a', 'pcm_s16le']),
    ffmpeg(at(`supertuxkart-data${STK}/music/tiny.wav`), sine(440, 20, 8000), ['-ac', '1', '-c:a', 'pcm_u8']),
    ffmpeg(at(`supertuxkart-data${STK}/sfx/explosion.wav`), sine(100, 20), MONO_22K),
    ffmpeg(at(`widelands-data${WL}/intro.wav`), sine(262, 16), MONO_22K, { title: 'Intro', ...wl }),
    ffmpeg(at(`widelands-data${WL}/battle-1.wav`), sine(294, 18), MONO_22K),
    ffmpeg(at(`widelands-data${WL}/harvest.wav`), sine(349, 21), MONO_22K, { title: 'Harvest', ...wl }),
    ffmpeg(at(`pingus-data${PINGUS}/render.wav`), sine(392, 16), MONO_22K),
    ffmpeg(at('wesnoth-music/usr/share/games/wesnoth/data/core/music/battle.wav'), sine(440, 16), MONO_22K),
  ]);
  fs.writeFileSync(at(`supertuxkart-data${STK}/music/readme.txt`), 'not music\n'.repeat(60_000));
  fs.writeFileSync(at(`pingus-data${PINGUS}/tune.mod`), protrackerModule('Pingus Tune', 3));
}
