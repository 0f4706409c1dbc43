#!/usr/bin/env node
/** `earshot`: the engine's command line (engine, analysis, client). */
import { ANALYZE_COMMAND } from './analyze-command';
import { catalogCommand, CATALOG_USAGE } from './catalog-command';
import { main } from './dispatch';
import { FLEET_COMMAND } from './fleet-command';
import { MEL_COMMAND } from './mel-command';
import { SERVE_COMMAND } from './serve-command';
import { SPECTROGRAM_COMMAND } from './spectrogram-command';
import { STREAM_COMMAND } from './stream-command';

main({
  tool: 'earshot',
  commands: [
    SERVE_COMMAND,
    ANALYZE_COMMAND,
    { name: 'catalog', run: catalogCommand, usage: CATALOG_USAGE, summary: 'make a catalogue of your own songs (init), add audio files to a running engine\'s catalogue, ask it for the next track (radio automation)' },
    MEL_COMMAND,
    SPECTROGRAM_COMMAND,
    STREAM_COMMAND,
    FLEET_COMMAND,
  ],
});
