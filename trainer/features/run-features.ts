/**
 * `earshot-train features` as a function: list the clips, skip those already done, compute the rest on
 * a worker pool (one shard per clip, written atomically), then pack everything into the store.
 *
 * Resuming. A clip counts as done, and is skipped, when
 *   - its shard is in <out>/shards/ (complete, same id and source path, same shapes): a run that was
 *     interrupted (Ctrl-C, kill -9, power) loses only the clips in flight;
 *   - or <out> already holds a packed store (same format version and options) with a row for the same
 *     id and source path: a rerun with more clips computes only the new ones and copies the old rows.
 * The source file's contents are not compared: delete <out> to recompute after editing audio in place.
 * Failed clips are never skipped: every run retries them. One run per <out> at a time (a lock file
 * with the owner's pid; a lock left by a dead process is taken over).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EarshotError } from '../../src/errors';
import { writeFileAtomic } from '../../src/io/atomic-write';
import { runPool } from '../pool/worker-pool';
import { FEATURE_DELTA_WIDTH, FEATURE_N_MFCC, featureMelConfig } from './extract';
import type { FeatureJob, FeatureResult } from './feature-worker';
import { listAudio, uniqueClips, type AudioListing, type ClipSource } from './list-audio';
import { packStore, type PackEntry } from './pack';
import { readShardLayout, shardFileName, type ShardLayout } from './shard';
import { openFeatureStore, type FeatureStore } from './store';
import { FEATURES_FORMAT, FEATURES_VERSION, FILES, formatFailed, type FeatureManifest } from './store-format';

export interface FeaturesOptions {
  /**
   * A folder (searched recursively), a list file, or one audio file (list-audio.ts); or the clips
   * themselves, whose ids need not be file stems (the model pipeline's songs): ids unique and non-empty,
   * paths resolved against the working directory.
   */
  audio: string | readonly ClipSource[];
  out: string;
  /** Worker threads, 1..1024 (default: all cores). */
  threads?: number;
  /** Recorded in the manifest. */
  command?: string;
  onProgress?: (p: { done: number; total: number; failed: number; elapsedS: number }) => void;
  /**
   * Packing: 'safe' keeps every shard until the packed store is committed (the store twice on disk);
   * 'consume' deletes each shard once packed (the store once; a crash while packing recomputes the
   * packed clips); 'auto' (default) is 'safe' when the disk holds the packed store with 5 % to spare.
   */
  packing?: 'auto' | 'safe' | 'consume';
}

export interface FeaturesSummary {
  out: string;
  /** Clips named by --audio; clips now in the store; computed by this run; skipped (done before). */
  listed: number;
  clips: number;
  computed: number;
  skipped: number;
  skippedShards: number;
  skippedPacked: number;
  failed: number;
  totalFrames: number;
  audioSeconds: number;
  melBytes: number;
  mfccBytes: number;
  threads: number;
  computeS: number;
  /** Clips computed (or failed) per second of the compute phase. */
  clipsPerS: number;
  elapsedS: number;
  /** The packing used ('auto' resolved), 'none' when nothing was packed. */
  packing: 'safe' | 'consume' | 'none';
}

function takeLock(out: string): () => void {
  const lock = path.join(out, '.features.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new EarshotError('ERR_IO', `cannot create "${lock}": ${(err as NodeJS.ErrnoException).code ?? err}`, { cause: err });
    }
    const pid = Number(fs.readFileSync(lock, 'utf8'));
    let alive = false;
    try {
      alive = Number.isInteger(pid) && pid > 0 && pid !== process.pid && (process.kill(pid, 0), true);
    } catch (err) {
      alive = (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
    }
    if (alive) throw new EarshotError('ERR_INVALID_ARGUMENT', `another earshot-train features (pid ${pid}) is writing to "${out}"; wait for it or remove ${lock} if it is gone`);
    fs.rmSync(lock, { force: true }); // left by a process that was killed
  }
  throw new EarshotError('ERR_IO', `cannot take the lock "${lock}"`);
}

/** Valid shards by id; incomplete ones and leftovers of interrupted atomic writes are removed. */
function scanShards(dir: string, want: Map<string, string>, melBands: number, mfccWidth: number): Map<string, { file: string; layout: ShardLayout }> {
  const found = new Map<string, { file: string; layout: ShardLayout }>();
  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name);
    if (name.endsWith('.tmp')) {
      fs.rmSync(file, { force: true });
      continue;
    }
    if (!name.endsWith('.shard')) continue;
    const layout = readShardLayout(file);
    const ok = layout !== null && shardFileName(layout.id) === name && layout.melBands === melBands && layout.mfccWidth === mfccWidth;
    if (!ok) fs.rmSync(file, { force: true });
    else if (want.get(layout.id) === layout.path) found.set(layout.id, { file, layout });
  }
  return found;
}

/** The previous store in `out`, if it is complete and computed with the same options; else null. */
function previousStore(out: string, manifest: Pick<FeatureManifest, 'mel' | 'mfcc'>): FeatureStore | null {
  if (!fs.existsSync(path.join(out, FILES.manifest))) return null;
  let store: FeatureStore;
  try {
    store = openFeatureStore(out);
  } catch (err) {
    if (err instanceof EarshotError && err.code === 'ERR_FEATURE_STORE') return null; // rebuilt from scratch
    throw err;
  }
  const m = store.manifest;
  const same = JSON.stringify(m.mel.options) === JSON.stringify(manifest.mel.options) && m.mfcc.nMfcc === manifest.mfcc.nMfcc && m.mfcc.deltaWidth === manifest.mfcc.deltaWidth;
  if (same) return store;
  store.close();
  return null;
}

/** A store whose rows are kept: new run record, no failures (none were attempted). */
function rewriteManifest(out: string, prev: FeatureManifest, fields: Omit<FeatureManifest, 'clips' | 'totalFrames' | 'failures'>): FeatureManifest {
  const { format, version, mel, mfcc, ...rest } = fields;
  const m: FeatureManifest = { format, version, clips: prev.clips, totalFrames: prev.totalFrames, failures: 0, mel: { ...mel, shape: prev.mel.shape }, mfcc: { ...mfcc, shape: prev.mfcc.shape }, ...rest };
  writeFileAtomic(path.join(out, FILES.failed), Buffer.from(formatFailed([])));
  writeFileAtomic(path.join(out, FILES.manifest), Buffer.from(JSON.stringify(m, null, 2) + '\n'));
  return m;
}

/** The clips to compute, sorted by id: listed from a path, or the caller's own list checked. */
function clipListing(audio: FeaturesOptions['audio']): AudioListing {
  if (typeof audio === 'string') return listAudio(audio);
  audio.forEach((c, k) => {
    if (typeof c?.id !== 'string' || c.id === '' || typeof c.path !== 'string' || c.path === '') {
      throw new EarshotError('ERR_INVALID_ARGUMENT', `clips[${k}] must have a non-empty string id and path, got ${JSON.stringify(c)}`);
    }
  });
  if (audio.length === 0) throw new EarshotError('ERR_INVALID_ARGUMENT', 'the clip list is empty');
  return { kind: 'clips', ...uniqueClips(audio.map((c) => ({ id: c.id, path: path.resolve(c.path) })), { idsAre: 'clip ids' }) };
}

/** 'safe' when the file system under `out` holds the packed arrays with 5 % to spare, else 'consume'. */
function choosePacking(mode: 'auto' | 'safe' | 'consume', out: string, entries: readonly PackEntry[]): 'safe' | 'consume' {
  if (mode !== 'auto') return mode;
  const shard = entries.find((e) => e.source.kind === 'shard');
  if (!shard || shard.source.kind !== 'shard') return 'safe'; // no shard to delete early
  // Every packed row is written anew (a previous store's rows too), at the shards' bytes per frame.
  const bytesPerFrame = (shard.source.layout.melBytes + shard.source.layout.mfccBytes) / Math.max(1, shard.frames);
  const packedBytes = entries.reduce((n, e) => n + e.frames * bytesPerFrame, 0);
  const { bavail, bsize } = fs.statfsSync(out);
  return bavail * bsize >= packedBytes * 1.05 ? 'safe' : 'consume';
}

export async function runFeatures(o: FeaturesOptions): Promise<FeaturesSummary> {
  const t0 = performance.now();
  const threads = o.threads ?? os.availableParallelism();
  if (!Number.isInteger(threads) || threads < 1 || threads > 1024) throw new EarshotError('ERR_INVALID_ARGUMENT', `threads must be an integer in 1..1024, got ${threads}`);
  const listing = clipListing(o.audio);
  const out = path.resolve(o.out);
  if (fs.existsSync(out) && !fs.statSync(out).isDirectory()) throw new EarshotError('ERR_INVALID_ARGUMENT', `--out "${o.out}" exists and is not a directory`);
  const shardDir = path.join(out, FILES.shards);
  fs.mkdirSync(shardDir, { recursive: true });
  const unlock = takeLock(out);
  let old: FeatureStore | null = null;
  try {
    const mel = featureMelConfig();
    const mfccWidth = 3 * FEATURE_N_MFCC;
    const base: Omit<FeatureManifest, 'clips' | 'totalFrames' | 'failures'> = {
      format: FEATURES_FORMAT, version: FEATURES_VERSION,
      mel: { file: FILES.mel, dtype: '<f2', shape: [0, mel.nMels], options: mel, frameStepS: mel.hopSamples / mel.sampleRateHz },
      mfcc: { file: FILES.mfcc, dtype: '<f4', shape: [0, mfccWidth], nMfcc: FEATURE_N_MFCC, deltaWidth: FEATURE_DELTA_WIDTH, layout: `mfcc[0..${FEATURE_N_MFCC}) | delta | delta2` },
      computed: 0, reused: 0,
      audio: { source: typeof o.audio === 'string' ? path.resolve(o.audio) : '', kind: listing.kind },
      command: o.command ?? '', createdAt: '',
    };
    const want = new Map(listing.clips.map((c) => [c.id, c.path]));
    const shards = scanShards(shardDir, want, mel.nMels, mfccWidth);
    old = previousStore(out, base);
    const packed = new Map<string, { startFrame: number; frames: number; seconds: number }>();
    for (const id of old?.ids ?? []) {
      const r = old!.clip(id);
      if (want.get(id) === r.path && !shards.has(id)) packed.set(id, r);
    }
    const jobs: FeatureJob[] = listing.clips
      .filter((c) => !shards.has(c.id) && !packed.has(c.id))
      .map((c) => ({ id: c.id, path: c.path, shardPath: path.join(shardDir, shardFileName(c.id)) }));

    const results = new Map<string, FeatureResult>();
    const failures: { path: string; error: string }[] = [];
    const t1 = performance.now();
    const progress = () => o.onProgress?.({ done: results.size + failures.length, total: jobs.length, failed: failures.length, elapsedS: (performance.now() - t1) / 1e3 });
    await runPool<FeatureJob, FeatureResult>({
      workerPath: path.join(__dirname, 'feature-worker.js'),
      jobs, threads,
      onResult: (i, r) => {
        results.set(jobs[i].id, r);
        progress();
      },
      onJobError: (i, message) => {
        failures.push({ path: jobs[i].path, error: message });
        progress();
      },
    });
    const computeS = (performance.now() - t1) / 1e3;
    failures.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

    const entries: PackEntry[] = [];
    let computed = 0;
    for (const c of listing.clips) {
      const p = packed.get(c.id);
      if (p) {
        entries.push({ id: c.id, path: c.path, frames: p.frames, seconds: p.seconds, source: { kind: 'store', store: old!, startFrame: p.startFrame } });
        continue;
      }
      const file = path.join(shardDir, shardFileName(c.id));
      const layout = shards.get(c.id)?.layout ?? (results.has(c.id) ? readShardLayout(file) : null);
      if (!layout) {
        if (results.has(c.id)) failures.push({ path: c.path, error: 'its shard vanished or is incomplete after it was written' });
        continue;
      }
      entries.push({ id: c.id, path: c.path, frames: layout.frames, seconds: layout.seconds, source: { kind: 'shard', file, layout } });
      if (results.has(c.id)) computed++;
    }
    if (entries.length === 0) {
      writeFileAtomic(path.join(out, FILES.failed), Buffer.from(formatFailed(failures)));
      fs.rmSync(shardDir, { recursive: true, force: true }); // nothing in it was listed
      const first = failures[0];
      throw new EarshotError('ERR_ALL_CLIPS_FAILED', `all ${listing.clips.length} clips failed (first: ${first ? `${first.path}: ${first.error}` : 'none'}); see ${path.join(out, FILES.failed)}`);
    }
    const fields = { ...base, computed, reused: entries.length - computed, createdAt: new Date().toISOString() };
    // Nothing new and nothing dropped: the packed arrays stand as they are; only the run's record changes.
    const unchanged = old !== null && jobs.length === 0 && shards.size === 0 && entries.length === old.ids.length;
    const packing = unchanged ? 'none' : choosePacking(o.packing ?? 'auto', out, entries);
    const manifest = unchanged ? rewriteManifest(out, old!.manifest, fields) : packStore(out, entries, failures, fields, { consumeShards: packing === 'consume' });
    fs.rmSync(shardDir, { recursive: true, force: true });
    const size = (f: string) => fs.statSync(path.join(out, f)).size;
    const audioSeconds = entries.reduce((s, e) => s + e.seconds, 0);
    return {
      out, listed: listing.clips.length, clips: manifest.clips, computed,
      skipped: shards.size + packed.size, skippedShards: shards.size, skippedPacked: packed.size, failed: failures.length,
      totalFrames: manifest.totalFrames, audioSeconds, melBytes: size(FILES.mel), mfccBytes: size(FILES.mfcc),
      threads, computeS, clipsPerS: jobs.length > 0 ? jobs.length / computeS : 0, elapsedS: (performance.now() - t0) / 1e3, packing,
    };
  } finally {
    old?.close();
    unlock();
  }
}
