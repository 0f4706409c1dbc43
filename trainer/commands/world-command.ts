/**
 * `earshot-train world --preset tiny|small|paper-subset [--songs N --users M] --seed S --out <dir>`:
 * generates a benchmark world (trainer/world/generate.ts) with a progress line and a summary.
 */
import { EarshotError } from '../../src/errors';
import { generateWorld } from '../world/generate';
import { PRESETS } from '../world/presets';
import type { AudioFormat } from '../world/render-job';
import { checkOutputPath, choiceArg, intArg, numArg } from '../../src/cli/args';
import { defineCommand, type OptionValues } from '../../src/cli/dispatch';
import { progressLine } from './progress-line';

export const WORLD_USAGE = `usage: earshot-train world --preset tiny|small|paper-subset --out <dir> [options]
  --preset P             tiny (200 songs, 500 users), small (2,000 / 20,000), paper-subset (9,330 / 20,000)
  --songs N --users M    override the preset's sizes (or give both without a preset)
  --seed S               world seed, 0..4294967295 (default 1): same seed + sizes = same bytes
  --audio-format wav|flac  16-bit PCM WAV (default) or FLAC through ffmpeg
  --clip-seconds S       clip length (default 30)
  --threads N            render workers (default: all cores)
  --json                 print a JSON summary`;

const WORLD_OPTIONS = {
  preset: { type: 'string' }, songs: { type: 'string' }, users: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' },
  'audio-format': { type: 'string' }, 'clip-seconds': { type: 'string' }, threads: { type: 'string' }, json: { type: 'boolean' },
} as const;

async function worldCommand(v: OptionValues<typeof WORLD_OPTIONS>): Promise<void> {
  if (!v.out) throw new EarshotError('ERR_INVALID_ARGUMENT', `--out is required\n${WORLD_USAGE}`);
  const presetName = choiceArg('preset', v.preset, Object.keys(PRESETS));
  const preset = presetName === undefined ? undefined : PRESETS[presetName];
  const songs = intArg('songs', v.songs) ?? preset?.songs;
  const users = intArg('users', v.users) ?? preset?.users;
  if (songs === undefined || users === undefined) throw new EarshotError('ERR_INVALID_ARGUMENT', `give --preset, or both --songs and --users\n${WORLD_USAGE}`);
  checkOutputPath('--out', v.out, 'dir'); // (generateWorld also wants it empty, and says so)
  const progress = progressLine(process.stderr, 'world');
  const started = performance.now();
  const summary = await generateWorld({
    songs, users, out: v.out, preset: presetName, seed: intArg('seed', v.seed) ?? 1, threads: intArg('threads', v.threads),
    audioFormat: choiceArg<AudioFormat>('audio-format', v['audio-format'], ['wav', 'flac']), clipSeconds: numArg('clip-seconds', v['clip-seconds']),
    onProgress: (phase, done, total) => {
      const s = (performance.now() - started) / 1e3;
      progress(phase === 'listeners' ? `listeners ${done}/${total}` : `audio ${done}/${total} clips  ${(done / s).toFixed(1)} clips/s`);
    },
  });
  progress(null);
  if (v.json) process.stdout.write(JSON.stringify(summary) + '\n');
  else {
    const mb = (summary.audioBytes / 2 ** 20).toFixed(0);
    process.stdout.write(`${summary.out}: ${summary.songs} songs by ${summary.artists} artists, ${summary.users} listeners, ${summary.plays} plays; audio ${mb} MiB (${summary.audioFormat}); ${summary.timings.totalS.toFixed(1)} s (audio ${summary.timings.audioS.toFixed(1)} s)\n`);
  }
}

export const WORLD_COMMAND = defineCommand({ name: 'world', summary: 'generate a benchmark world: synthesized songs, simulated listeners, known truth', usage: WORLD_USAGE, options: WORLD_OPTIONS, run: worldCommand });
