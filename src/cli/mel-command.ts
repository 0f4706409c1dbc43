/**
 * `earshot mel <audio> --out <file.npy> [--mfcc] [--json]`: log-mel (or MFCC+Δ+ΔΔ) of one file as a
 * float32 .npy (frames x bands, C order) that numpy reads directly.
 */
import { loadAudio } from '../audio/load';
import { computeMel } from '../dsp/mel';
import { resolveMelOptions, type LogCompression, type MelOptions } from '../dsp/mel-options';
import { mfccWithDeltas } from '../dsp/mfcc';
import { EarshotError } from '../errors';
import { writeNpy } from '../io/npy';
import { choiceArg, numArg } from './args';
import { defineCommand, type CommandInput, type OptionValues } from './dispatch';

export const MEL_USAGE = `usage: earshot mel <audio> --out <file.npy> [options]
  Writes the log-mel spectrogram (frames x bands, float32, C order) of a WAV/FLAC/MP3/OGG/Opus/M4A file.
  --out <file.npy>     output path (required)
  --mfcc               write MFCC + delta + delta-delta instead (frames x 39 with --n-mfcc 13)
  --n-mfcc <n>         MFCC coefficients (default 13)
  --sr <Hz>            analysis sample rate (default 22050); audio is resampled to it
  --n-fft <samples>    window / FFT length, power of two (default 1024)
  --hop <samples>      hop length (default 512)
  --n-mels <n>         mel bands (default 128)
  --fmin <Hz>          lowest mel edge (default 0)
  --fmax <Hz>          highest mel edge (default sr/2)
  --htk                HTK mel scale instead of Slaney's
  --no-norm            triangles peak at 1 instead of Slaney's area normalisation
  --no-center          frames start at sample 0 (librosa center=False)
  --log <db|log1p|power>  compression (default db: 10 log10(max(S, 1e-10)))
  --top-db <dB>        with --log db: clip below the spectrogram's maximum minus this
  --log1p-scale <C>    with --log log1p: log(1 + C S) (default 1)
  --json               print a JSON summary instead of text`;

const MEL_OPTIONS = {
  out: { type: 'string' }, mfcc: { type: 'boolean' }, 'n-mfcc': { type: 'string' }, json: { type: 'boolean' },
  sr: { type: 'string' }, 'n-fft': { type: 'string' }, hop: { type: 'string' }, 'n-mels': { type: 'string' },
  fmin: { type: 'string' }, fmax: { type: 'string' }, htk: { type: 'boolean' }, 'no-norm': { type: 'boolean' },
  'no-center': { type: 'boolean' }, log: { type: 'string' }, 'top-db': { type: 'string' }, 'log1p-scale': { type: 'string' },
} as const;

async function melCommand(values: OptionValues<typeof MEL_OPTIONS>, { positionals }: CommandInput): Promise<void> {
  if (positionals.length !== 1) throw new EarshotError('ERR_INVALID_ARGUMENT', `expected exactly one audio file, got ${positionals.length}\n${MEL_USAGE}`);
  if (!values.out) throw new EarshotError('ERR_INVALID_ARGUMENT', `--out <file.npy> is required\n${MEL_USAGE}`);
  const logKind = choiceArg('log', values.log, ['db', 'log1p', 'power']) ?? 'db';
  let log: LogCompression;
  if (logKind === 'db') log = { kind: 'db', topDb: numArg('top-db', values['top-db']) ?? null };
  else if (logKind === 'log1p') log = { kind: 'log1p', scale: numArg('log1p-scale', values['log1p-scale']) };
  else log = { kind: 'power' };
  if (values.mfcc && logKind !== 'db') throw new EarshotError('ERR_INVALID_ARGUMENT', '--mfcc needs the dB mel spectrogram (--log db)');
  const sampleRateHz = numArg('sr', values.sr) ?? 22050;
  const mel: MelOptions = {
    sampleRateHz, nFft: numArg('n-fft', values['n-fft']), hopSamples: numArg('hop', values.hop), nMels: numArg('n-mels', values['n-mels']),
    fminHz: numArg('fmin', values.fmin), fmaxHz: numArg('fmax', values.fmax), melScale: values.htk ? 'htk' : 'slaney',
    melNorm: values['no-norm'] ? 'none' : 'slaney', center: !values['no-center'], log,
  };

  resolveMelOptions(mel); // a bad option is a usage error now, not after decoding and resampling the whole file
  const t0 = process.hrtime.bigint();
  const audio = await loadAudio(positionals[0], { sampleRateHz });
  const spec = computeMel(audio.samples, mel);
  let data = spec.data;
  let cols = spec.bands;
  if (values.mfcc) {
    const m = mfccWithDeltas(spec, numArg('n-mfcc', values['n-mfcc']) ?? 13);
    data = m.data;
    cols = m.width;
  }
  writeNpy(values.out, data, [spec.frames, cols]);
  const elapsedS = Number(process.hrtime.bigint() - t0) / 1e9;
  const summary = {
    input: positionals[0], out: values.out, kind: values.mfcc ? 'mfcc+delta+delta2' : `mel-${logKind}`,
    frames: spec.frames, columns: cols, durationS: audio.durationS, sourceRateHz: audio.sourceRateHz,
    sourceChannels: audio.sourceChannels, sampleRateHz, frameStepS: spec.frameStepS, elapsedS,
  };
  if (values.json) process.stdout.write(JSON.stringify(summary) + '\n');
  else {
    process.stdout.write(
      `${summary.out}: ${spec.frames} frames x ${cols} (${summary.kind}) from ${audio.durationS.toFixed(2)} s of audio ` +
        `(${audio.sourceRateHz} Hz, ${audio.sourceChannels} ch -> ${sampleRateHz} Hz mono) in ${elapsedS.toFixed(3)} s\n`,
    );
  }
}

export const MEL_COMMAND = defineCommand({ name: 'mel', summary: 'log-mel / MFCC features of an audio file as .npy', usage: MEL_USAGE, options: MEL_OPTIONS, positionals: true, run: melCommand });
