#!/usr/bin/env node
/** `earshot-train`: the trainer's command line (a bundle from your own plays and audio, benchmark worlds, features, WMF, the paper's experiment). */
import { main } from '../src/cli/dispatch';
import { EVAL_COMMAND } from './commands/eval-command';
import { EXPERIMENT_COMMAND } from './commands/experiment-command';
import { EXPORT_PARQUET_COMMAND } from './commands/export-parquet-command';
import { GAME_MUSIC_COMMAND } from './commands/game-music-command';
import { IMPORT_SPARK_COMMAND } from './commands/import-spark-command';
import { LISTENERS_COMMAND } from './commands/listeners-command';
import { NEIGHBOURS_COMMAND } from './commands/neighbours-command';
import { FEATURES_COMMAND } from './commands/features-command';
import { MODEL_COMMAND } from './commands/model-command';
import { MONTAGE_COMMAND } from './commands/montage-command';
import { STREAM_PAIR_COMMAND } from './commands/stream-pair-command';
import { TAGS_COMMAND } from './commands/tags-command';
import { WMF_COMMAND } from './commands/wmf-command';
import { WORLD_COMMAND } from './commands/world-command';

main({
  tool: 'earshot-train',
  commands: [MODEL_COMMAND, WMF_COMMAND, WORLD_COMMAND, TAGS_COMMAND, GAME_MUSIC_COMMAND, LISTENERS_COMMAND, NEIGHBOURS_COMMAND, FEATURES_COMMAND, EXPERIMENT_COMMAND, EVAL_COMMAND, MONTAGE_COMMAND, STREAM_PAIR_COMMAND, EXPORT_PARQUET_COMMAND, IMPORT_SPARK_COMMAND],
  renamed: { bench: 'experiment' },
});
