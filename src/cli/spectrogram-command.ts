/**
 * `earshot spectrogram <audio> --out <file.png>`: a picture of the log-mel spectrogram the models see
 * (128 bands, dB, librosa defaults), for eyeballing inputs and for docs.
 */
import { EarshotError } from '../errors';
import { readClip, spectrogramTile } from '../image/spectrogram';
import { writePng } from '../io/png';
import { intArg, numArg, positiveArg } from './args';
import { defineCommand, type CommandInput, type OptionValues } from './dispatch';

export const SPECTROGRAM_USAGE = `usage: earshot spectrogram <audio> --out <file.png> [options]
  Draws the log-mel spectrogram (128 bands, nFft 1024, hop 512 at 22,050 Hz, dB) of a WAV/FLAC/MP3/OGG/
  Opus/M4A file as a PNG: time left to right (1 px per 23.2 ms hop), low frequencies at the bottom,
  magma colours over the loudest 80 dB.
  --out <file.png>      output path (required)
  --seconds <s>         length to draw (default: to the end of the file, at most 3600 s)
  --offset <s>          start time in seconds (default 0)
  --height-scale <n>    pixels per mel band, integer 1..64 (default 1: 128 px tall)
  --width-scale <n>     pixels per frame, integer 1..64 (default 1)
  --range-db <dB>       dynamic range below the loudest value (default 80)
  --json                print a JSON summary instead of text`;

const SPECTROGRAM_OPTIONS = {
  out: { type: 'string' }, seconds: { type: 'string' }, offset: { type: 'string' }, 'height-scale': { type: 'string' },
  'width-scale': { type: 'string' }, 'range-db': { type: 'string' }, json: { type: 'boolean' },
} as const;

async function spectrogramCommand(values: OptionValues<typeof SPECTROGRAM_OPTIONS>, { positionals }: CommandInput): Promise<void> {
  if (positionals.length !== 1) throw new EarshotError('ERR_INVALID_ARGUMENT', `expected exactly one audio file, got ${positionals.length}\n${SPECTROGRAM_USAGE}`);
  if (!values.out) throw new EarshotError('ERR_INVALID_ARGUMENT', `--out <file.png> is required\n${SPECTROGRAM_USAGE}`);
  const seconds = positiveArg('seconds', values.seconds) ?? null;
  const offsetS = numArg('offset', values.offset, 0) ?? 0;
  const pixelsPerBand = intArg('height-scale', values['height-scale'], 1, 64);
  const pixelsPerFrame = intArg('width-scale', values['width-scale'], 1, 64);
  const rangeDb = positiveArg('range-db', values['range-db']);

  const t0 = process.hrtime.bigint();
  const clip = await readClip(positionals[0], { offsetS, seconds });
  const tile = spectrogramTile(clip.samples, { pixelsPerBand, pixelsPerFrame, rangeDb });
  writePng(values.out, tile.width, tile.height, tile.rgb);
  const elapsedS = Number(process.hrtime.bigint() - t0) / 1e9;
  const summary = {
    input: positionals[0], out: values.out, width: tile.width, height: tile.height, frames: tile.frames, bands: tile.bands,
    offsetS, durationS: clip.durationS, frameStepS: tile.frameStepS, elapsedS,
  };
  if (values.json) process.stdout.write(JSON.stringify(summary) + '\n');
  else {
    process.stdout.write(
      `${summary.out}: ${tile.width} x ${tile.height} px (${tile.frames} frames x ${tile.bands} mel bands) from ` +
        `${clip.durationS.toFixed(2)} s at ${offsetS} s in ${elapsedS.toFixed(3)} s\n`,
    );
  }
}

export const SPECTROGRAM_COMMAND = defineCommand({ name: 'spectrogram', summary: 'log-mel spectrogram of an audio file as a PNG image', usage: SPECTROGRAM_USAGE, options: SPECTROGRAM_OPTIONS, positionals: true, run: spectrogramCommand });
