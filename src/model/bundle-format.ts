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
  /** Optional: the network split for streams (trunk + head graphs, ./stream-model.ts); absent in older bundles. */
  stream?: BundleStreamEntry;
}

/**
 * The streaming pair of model.onnx (trainer/export/onnx-stream.ts, docs/bundle.md "Streaming pair"):
 * the trunk runs once over a stream's mel, the head per window; exact for windows starting at a
 * multiple of strideFrames.
 */
export interface BundleStreamEntry {
  /** File names of the trunk and head graphs, in the bundle directory. */
  trunk: string;
  head: string;
  /** Hex SHA-256 of each file: a pair from another model.onnx must not load. */
  sha256: { trunk: string; head: string };
  /** S: frames per trunk step (Π pools); stream hops are multiples of it. */
  strideFrames: number;
  /** Trunk steps per window (the head's input length). */
  windowSteps: number;
  /** Frames of a window the trunk needs (a multiple of S, ≤ windowFrames). */
  feedFrames: number;
  /** Channels of a trunk step. */
  channels: number;
  /** Per conv layer: the trunk state's channels and steady-state length. */
  states: { channels: number; frames: number }[];
}
