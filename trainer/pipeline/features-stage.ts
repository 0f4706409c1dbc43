/**
 * The pipeline's features stage: log-mel and MFCC of every song with audio, in one feature store
 * (`<work>/features`, or the folder given), incremental by id: runFeatures skips clips already in the
 * store or in its shards, so an interrupted run loses only the clips in flight. When the store already
 * holds every song (same id and path, same mel front end) or recorded its file as undecodable, it is
 * used as it is and the stage counts as reused: no clip is listed, retried or repacked.
 *
 * The stage's hash, which keys every stage downstream, is taken over what the store holds for these
 * songs (id, source path, frames, seconds) and its mel options, not over the audio files themselves:
 * edit a file in place and delete the store to have it recomputed (as for earshot-train features).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { featureMelConfig } from '../features/extract';
import type { ClipSource } from '../features/list-audio';
import { runFeatures } from '../features/run-features';
import { openFeatureStore, type FeatureStore } from '../features/store';
import { FILES, parseFailed } from '../features/store-format';
import { digestOf } from './stage-cache';

export interface FeaturesStage {
  store: FeatureStore;
  hash: string;
  reused: boolean;
  /** Clips computed by this run (0 when reused). */
  computed: number;
  seconds: number;
  /** Songs whose audio could not be decoded, with the decoder's reason. */
  undecodable: { id: string; path: string; error: string }[];
}

export interface FeaturesStageOptions {
  threads?: number;
  command?: string;
  onProgress?: (p: { done: number; total: number; elapsedS: number }) => void;
}

function readFailures(dir: string): Map<string, string> {
  const file = path.join(dir, FILES.failed);
  if (!fs.existsSync(file)) return new Map();
  return new Map(parseFailed(fs.readFileSync(file, 'utf8'), file).map((r) => [r.path, r.error]));
}

/** The store in `dir` when it already covers every clip (held, or failed before); else null. */
function completeStore(dir: string, clips: readonly ClipSource[]): FeatureStore | null {
  if (!fs.existsSync(path.join(dir, FILES.manifest))) return null;
  const store = openFeatureStore(dir);
  const failed = readFailures(dir);
  const sameMel = JSON.stringify(store.manifest.mel.options) === JSON.stringify(featureMelConfig());
  if (sameMel && clips.every((c) => (store.has(c.id) ? store.clip(c.id).path === c.path : failed.has(c.path)))) return store;
  store.close();
  return null;
}

/** Features of `clips` (every song with audio, sorted by id) in the store at `dir`. */
export async function featuresStage(dir: string, clips: readonly ClipSource[], o: FeaturesStageOptions = {}): Promise<FeaturesStage> {
  const t0 = performance.now();
  let store = completeStore(dir, clips);
  const reused = store !== null;
  let computed = 0;
  if (!store) {
    const summary = await runFeatures({ audio: clips, out: dir, threads: o.threads, command: o.command, onProgress: o.onProgress });
    computed = summary.computed;
    store = openFeatureStore(dir);
  }
  const failed = readFailures(dir);
  const undecodable = clips.filter((c) => !store!.has(c.id)).map((c) => ({ id: c.id, path: c.path, error: failed.get(c.path) ?? 'not in the feature store' }));
  const rows = clips.filter((c) => store!.has(c.id)).map((c) => {
    const r = store!.clip(c.id);
    return `${r.id}\t${r.path}\t${r.frames}\t${r.seconds}`;
  });
  const hash = digestOf(JSON.stringify(store.manifest.mel.options), rows);
  return { store, hash, reused, computed, seconds: (performance.now() - t0) / 1e3, undecodable };
}
