#!/usr/bin/env node
/** `earshot`: the engine's command line (engine, analysis, client). */
import { analyzeCommand, ANALYZE_USAGE } from './analyze-command';
import { catalogCommand, CATALOG_USAGE } from './catalog-command';
import { main } from './dispatch';
import { MEL_COMMAND } from './mel-command';
import { SERVE_COMMAND } from './serve-command';
import { SPECTROGRAM_COMMAND } from './spectrogram-command';
import { streamCommand, STREAM_USAGE } from './stream-command';

main({
  tool: 'earshot',
  commands: [
    SERVE_COMMAND,
    { name: 'analyze', run: analyzeCommand, usage: ANALYZE_USAGE, summary: 'a file\'s predicted factors, suggestions and tags (offline, as a stream would get them)' },
    { name: 'catalog', run: catalogCommand, usage: CATALOG_USAGE, summary: 'add audio files to a running engine\'s catalogue; ask it for the next track (radio automation)' },
    MEL_COMMAND,
    SPECTROGRAM_COMMAND,
    { name: 'stream', run: streamCommand, usage: STREAM_USAGE, summary: 'stream audio to a running engine; print tags and suggestions per window' },
  ],
});
