#!/usr/bin/env node
/** `earshot`: the engine's command line (engine, analysis, client). */
import { analyzeCommand, ANALYZE_USAGE } from './analyze-command';
import { catalogCommand, CATALOG_USAGE } from './catalog-command';
import { runCli } from './dispatch';
import { melCommand, MEL_USAGE } from './mel-command';
import { serveCommand, SERVE_USAGE } from './serve-command';
import { spectrogramCommand, SPECTROGRAM_USAGE } from './spectrogram-command';
import { streamCommand, STREAM_USAGE } from './stream-command';

runCli(
  'earshot',
  {
    serve: { run: serveCommand, usage: SERVE_USAGE, summary: 'the realtime engine: WebSocket streams and the HTTP API (docs/protocol.md)' },
    analyze: { run: analyzeCommand, usage: ANALYZE_USAGE, summary: 'a file\'s predicted factors, suggestions and tags (offline, as a stream would get them)' },
    catalog: { run: catalogCommand, usage: CATALOG_USAGE, summary: 'add audio files to a running engine\'s catalogue; ask it for the next track (radio automation)' },
    mel: { run: melCommand, usage: MEL_USAGE, summary: 'log-mel / MFCC features of an audio file as .npy' },
    spectrogram: { run: spectrogramCommand, usage: SPECTROGRAM_USAGE, summary: 'log-mel spectrogram of an audio file as a PNG image' },
    stream: { run: streamCommand, usage: STREAM_USAGE, summary: 'stream audio to a running engine; print tags and suggestions per window' },
  },
  process.argv.slice(2),
).then((code) => {
  process.exitCode = code;
});
