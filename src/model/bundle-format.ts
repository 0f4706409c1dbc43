/** The model bundle's manifest (docs/bundle.md), shared by the trainer's writer and the engine's reader. */
import type { NativeMelConfig } from '../native/addon';

export const BUNDLE_FORMAT = 'earshot-bundle';
export const BUNDLE_VERSION = 1;
/** items.tsv's header; the uri column is optional (the engine adds it when a track comes with a location). */
export const ITEMS_HEADER = 'id\tartist\ttitle';
export const ITEMS_HEADER_URI = 'id\tartist\ttitle\turi';

/** Logistic regression from a factor vector to one tag: p = σ(w·x + intercept). */
export interface BundleTagModel {
  tag: string;
  weights: number[];
  intercept: number;
  /** Cross-validated AUC when trained (NaN-free number or null). */
  auc: number | null;
}

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  version: number;
  /** F: factors per song and per prediction. */
  factors: number;
  /** Frames per CNN window (130 ≈ 3 s) and the mel front end the model was trained on. */
  windowFrames: number;
  mel: NativeMelConfig;
  objective: string;
  /** The network's NetConfig (trainer/cnn/net-config.ts), for reference. */
  net: unknown;
  items: number;
  tags: string[];
  /**
   * What the model was trained on; `inputs` (hex SHA-256 of the plays file, the songs file, the audio
   * listing: trainer/pipeline/training-data.ts) in bundles of `earshot-train model` and `experiment`.
   */
  training: { playsSha256: string; source: string; songs: number; users: number; inputs?: { plays: string; songs?: string; audio: string } };
  metrics: Record<string, unknown>;
  command: string;
  /** Times the engine has saved a grown catalogue (POST /v1/catalog); absent in a trainer's bundle. */
  catalogRevision?: number;
  files: { model: string; itemFactors: string; items: string; tags: string | null };
}
