/**
 * The options of the model pipeline (model-pipeline.ts) and what its stages share once the data is
 * read: the feature store, the play matrix restricted to songs with audio, and the songs.
 */
import type { CnnObjective } from '../cnn/train-cnn';
import type { Interactions } from '../data/interactions';
import type { FeatureStore } from '../features/store';
import type { CnnSettings, RowName } from '../report/experiment';
import type { SongEntry } from './training-data';

export interface HoldoutOptions {
  /** Share of the songs held out of WMF entirely, in (0, 1). */
  testFraction: number;
  /** Rows of the evaluation, in the report's order (random, bow-*, cnn-mse/cnn-wpe, upper-bound). */
  rows: RowName[];
  /** Bag-of-words dictionary size (default 4000). */
  k?: number;
  /** The report's title, and the HetRec tag experiment's result when it ran (experiment --hetrec). */
  title: string;
  hetrec?: { meanAuc: number; artists: number; tags: number; factors: number };
}

export interface ModelPipelineOptions {
  /** Stage folders (stage-cache.ts). */
  work: string;
  /** The feature store (default <work>/features). */
  featuresDir?: string;
  /** The bundle to write (replaced atomically); none: the pipeline stops after the evaluation. */
  out?: string;
  /** Also copy the report (report.md, report.json, figures) here. */
  reportDir?: string;
  /** The cold-start evaluation; absent: none. */
  holdout?: HoldoutOptions;
  /** true: WMF and the CNN again on all songs for the bundle; false: bundle the holdout run's best CNN and factors. */
  refit: boolean;
  /** WMF factors F (default 50) and ALS iterations (default 15). */
  factors: number;
  iterations?: number;
  seed: number;
  /** The refit CNN's objective. */
  objective: CnnObjective;
  cnn: CnnSettings;
  /** Feature extraction workers (default: all cores). */
  threads?: number;
  /** Recorded in the bundle's manifest and the report. */
  command: string;
  /** One line per stage and per notable event. */
  log?: (line: string) => void;
  /** A running stage's progress (a terminal's status line): `done` of `total` units in `elapsedS` s. */
  progress?: (p: StageProgress) => void;
}

export interface StageProgress {
  stage: string;
  done: number;
  total: number;
  /** What is counted: clips, iterations, steps (of the current epoch). */
  unit: string;
  elapsedS: number;
}

/** What every stage after the features reads. */
export interface PipelineData {
  store: FeatureStore;
  featuresHash: string;
  /** Plays on songs with features (play-matrix.ts). */
  plays: Interactions;
  /** Keys the stages that read the plays: the plays file's hash, its format and the songs kept. */
  playsHash: string;
  songs: ReadonlyMap<string, SongEntry>;
  /** Songs with features and no plays, sorted: the catalogue's cold-start songs, placed by the CNN. */
  unplayed: string[];
}

/** The CNN options that change what a CNN stage computes (threads do not; the device may, slightly). */
export function cnnKey(cnn: CnnSettings): Record<string, unknown> {
  return { config: cnn.config, maxEpochs: cnn.maxEpochs, patience: cnn.patience, windowsPerClip: cnn.windowsPerClip, batch: cnn.batch, lr: cnn.lr, backend: cnn.backend ?? 'torch', device: cnn.device ?? 'cpu' };
}
