/**
 * `earshot-train features --audio <dir|list.txt> --out <dir> [--threads N] [--json]`: the training
 * set's log-mel spectrograms and MFCCs in one feature store (trainer/features/, docs/features.md),
 * computed in parallel with a progress line, resumable after an interruption.
 */
import { EarshotError } from '../../src/errors';
import { runFeatures } from '../features/run-features';
import { checkOutputPath, intArg } from '../../src/cli/args';
import { progressLine } from './progress-line';
import { defineCommand, type CommandInput, type OptionValues } from '../../src/cli/dispatch';

export const FEATURES_USAGE = `usage: earshot-train features --audio <dir|list.txt> --out <dir> [options]
  Decodes every clip and stores its log-mel spectrogram (128 bands, 1024/512 at 22,050 Hz, dB, float16:
  mel.npy) and MFCC + delta + delta-delta (13 x 3 = 39 values, float32: mfcc.npy), with index.tsv,
  failed.tsv and features.json. Rerunning with the same --out resumes: finished clips are skipped.
  --audio <dir>        every .wav .flac .mp3 .ogg .opus .m4a file in it and its subfolders; id = file name without extension
  --audio <list.txt>   or one path per line (relative to the list file's folder; # comments)
  --out <dir>          the feature store (created; an existing store there is extended)
  --threads N          worker threads (default: all cores)
  --json               print a JSON summary`;

/** Progress text at most this often (ms): a piped log gets a line per update. */
const PROGRESS_EVERY_MS = 500;

const FEATURES_OPTIONS = {
  audio: { type: 'string' }, out: { type: 'string' }, threads: { type: 'string' }, json: { type: 'boolean' },
} as const;

async function featuresCommand(v: OptionValues<typeof FEATURES_OPTIONS>, { argv }: CommandInput): Promise<void> {
  if (!v.audio) throw new EarshotError('ERR_INVALID_ARGUMENT', `--audio is required (a folder of clips or a list file)\n${FEATURES_USAGE}`);
  if (!v.out) throw new EarshotError('ERR_INVALID_ARGUMENT', `--out is required\n${FEATURES_USAGE}`);
  checkOutputPath('--out', v.out, 'dir');
  const progress = progressLine(process.stderr, 'features');
  let last = 0;
  const summary = await runFeatures({
    audio: v.audio,
    out: v.out,
    threads: intArg('threads', v.threads),
    command: ['earshot-train', 'features', ...argv].join(' '),
    onProgress: ({ done, total, failed, elapsedS }) => {
      const now = performance.now();
      if (done < total && now - last < PROGRESS_EVERY_MS) return;
      last = now;
      const rate = done / Math.max(elapsedS, 1e-9);
      const eta = rate > 0 ? (total - done) / rate : Infinity;
      progress(`${done}/${total} clips  ${rate.toFixed(1)} clips/s  ETA ${Number.isFinite(eta) ? `${eta.toFixed(0)} s` : '?'}${failed ? `  ${failed} failed` : ''}`);
    },
  });
  progress(null);
  if (v.json) {
    process.stdout.write(JSON.stringify(summary) + '\n');
    return;
  }
  const mib = (b: number) => (b / 2 ** 20).toFixed(1);
  const failed = summary.failed > 0 ? `, ${summary.failed} FAILED (see ${summary.out}/failed.tsv)` : '';
  process.stdout.write(
    `${summary.out}: ${summary.clips} clips (${summary.computed} computed, ${summary.skipped} already done${failed}), ` +
      `${summary.totalFrames} frames, ${summary.audioSeconds.toFixed(0)} s of audio; mel.npy ${mib(summary.melBytes)} MiB, mfcc.npy ${mib(summary.mfccBytes)} MiB; ` +
      `${summary.elapsedS.toFixed(1)} s (${summary.clipsPerS.toFixed(1)} clips/s on ${summary.threads} thread${summary.threads === 1 ? '' : 's'})\n`,
  );
}

export const FEATURES_COMMAND = defineCommand({ name: 'features', summary: 'log-mel (float16) and MFCC features of every clip, packed for training, resumable', usage: FEATURES_USAGE, options: FEATURES_OPTIONS, run: featuresCommand });
