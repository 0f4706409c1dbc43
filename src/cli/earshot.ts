#!/usr/bin/env node
/** `earshot`: the engine's command line (analysis now; `serve` and the client arrive with the engine). */
import { runCli } from './dispatch';
import { melCommand, MEL_USAGE } from './mel-command';
import { spectrogramCommand, SPECTROGRAM_USAGE } from './spectrogram-command';

runCli(
  'earshot',
  {
    mel: { run: melCommand, usage: MEL_USAGE, summary: 'log-mel / MFCC features of an audio file as .npy' },
    spectrogram: { run: spectrogramCommand, usage: SPECTROGRAM_USAGE, summary: 'log-mel spectrogram of an audio file as a PNG image' },
  },
  process.argv.slice(2),
).then((code) => {
  process.exitCode = code;
});
