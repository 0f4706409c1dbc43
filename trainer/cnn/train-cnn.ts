/**
 * The CNN training loop (paper Sec. 4.2): random 3-s windows of training clips → predicted factors,
 * loss MSE (against the WMF factors, optionally L2-normalised) or WPE (the WMF objective itself, as
 * quadratic forms, trainer/cnn/wpe.ts); Adam or Nesterov momentum; after every epoch the validation
 * clips are predicted the paper's way (mean over consecutive windows) and scored; the best epoch's
 * weights are kept and training stops after `patience` epochs without improvement.
 *
 * Crash safety: with `checkpointDir`, every epoch ends by writing the net + optimizer
 * (`checkpoint.pt`), the best weights so far (`best.pt`) and `state.json` (reports, best epoch); a run
 * given the same directory resumes after the last finished epoch. Window sampling draws from a stream
 * per epoch (deriveSeed(seed, epoch)), so a resumed run sees the same windows an uninterrupted one would.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EarshotError } from '../../src/errors';
import { writeFileAtomic } from '../../src/io/atomic-write';
import type { FeatureStore } from '../features/store';
import { mulberry32, sampleInPlace } from '../eval/prng';
import { validationShare } from '../eval/splits';
import { deriveSeed } from '../world/random';
import type { NetConfig, NetParameter } from './net-config';
import { TfjsNet } from './tfjs-net';
import { TorchNet, type TorchNetOptions } from './torch-net';
import { clipWindows, inputStats, sampleWindows, WINDOW_FRAMES, type InputStats } from './windows';
import { wpeValue, type WpeForms } from './wpe';

export type CnnObjective = 'mse' | 'wpe';

/** The training backend: libtorch (default) or the optional TensorFlow.js one (trainer/cnn/tfjs-net.ts). */
export type CnnBackend = 'torch' | 'tfjs';
/** A trained net of either backend (the same public API). */
export type CnnNet = TorchNet | TfjsNet;

export interface CnnTargets {
  /** Feature-store ids of the songs with known factors (training + validation). */
  ids: readonly string[];
  /** ids × F WMF factors. */
  factors: Float32Array;
  /** WPE forms, row s for ids[s]; needed for the 'wpe' objective. */
  wpe?: WpeForms;
}

export interface CnnTrainOptions extends TorchNetOptions {
  config: NetConfig;
  objective: CnnObjective;
  /** MSE only: divide every target by its L2 norm (the paper's variant for cosine-style scores). */
  normalizeTargets?: boolean;
  batch?: number;
  /** Random windows drawn per training clip per epoch. */
  windowsPerClip?: number;
  maxEpochs?: number;
  patience?: number;
  /** Share of the songs kept out of training to choose the epoch (seeded). */
  validationFraction?: number;
  /** 'torch' (default) or 'tfjs' (no checkpointDir: its checkpoints are libtorch archives; device and threads are ignored). */
  backend?: CnnBackend;
  checkpointDir?: string;
  onEpoch?: (r: EpochReport) => void;
  onStep?: (step: number, steps: number, loss: number) => void;
}

export interface EpochReport {
  epoch: number;
  trainLoss: number;
  validationLoss: number;
  examples: number;
  seconds: number;
  best: boolean;
}

export interface TrainedCnn {
  net: CnnNet;
  stats: InputStats;
  epochs: EpochReport[];
  bestEpoch: number;
  trainIds: string[];
  validationIds: string[];
}

interface SavedState {
  format: 'earshot-cnn-training';
  version: 1;
  epochs: EpochReport[];
  bestEpoch: number;
  bestLoss: number;
  stats: { mean: number[]; std: number[] };
}

/** Clip-level predictions (mean over consecutive windows), ids × F, in batches of ≤ 256 windows. */
export async function predictClips(net: CnnNet, store: FeatureStore, ids: readonly string[], stats: InputStats, outputs: number): Promise<Float32Array> {
  const out = new Float32Array(ids.length * outputs);
  for (const [k, id] of ids.entries()) {
    const { x, windows } = clipWindows(store, id, stats);
    const size = WINDOW_FRAMES * store.melBands;
    const acc = new Float64Array(outputs);
    for (let w0 = 0; w0 < windows; w0 += 256) {
      const n = Math.min(256, windows - w0);
      const y = await net.predict(x.subarray(w0 * size, (w0 + n) * size), n, WINDOW_FRAMES);
      for (let i = 0; i < n * outputs; i++) acc[i % outputs] += y[i];
    }
    for (let f = 0; f < outputs; f++) out[k * outputs + f] = acc[f] / windows;
  }
  return out;
}

function rms(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s / x.length) || 1;
}

function normalizedRows(x: Float32Array, f: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < x.length / f; r++) {
    let n = 0;
    for (let k = 0; k < f; k++) n += x[r * f + k] ** 2;
    const s = n > 0 ? 1 / Math.sqrt(n) : 0;
    for (let k = 0; k < f; k++) out[r * f + k] = x[r * f + k] * s;
  }
  return out;
}

export async function trainCnn(store: FeatureStore, targets: CnnTargets, o: CnnTrainOptions): Promise<TrainedCnn> {
  const f = o.config.outputs;
  const n = targets.ids.length;
  if (targets.factors.length !== n * f) throw new EarshotError('ERR_INVALID_ARGUMENT', `targets hold ${targets.factors.length} values, expected ${n} songs x ${f} factors`);
  if (o.objective === 'wpe' && (!targets.wpe || targets.wpe.factors !== f || targets.wpe.b.length !== n * f)) throw new EarshotError('ERR_INVALID_ARGUMENT', `the 'wpe' objective needs WPE forms for the ${n} songs with ${f} factors`);
  for (const id of targets.ids) if (store.frames(id) < WINDOW_FRAMES) throw new EarshotError('ERR_INVALID_ARGUMENT', `clip ${id} has ${store.frames(id)} frames, fewer than one ${WINDOW_FRAMES}-frame window`);
  const batch = o.batch ?? 32;
  const perClip = o.windowsPerClip ?? 4;
  const maxEpochs = o.maxEpochs ?? 40;
  const patience = o.patience ?? 5;
  const seed = o.seed ?? 1;
  const yRaw = o.objective === 'mse' && o.normalizeTargets ? normalizedRows(targets.factors, f) : targets.factors;
  // WMF factors are small (RMS ~1e-2 with the paper's λ): the net learns z = y / scale (unit RMS) and
  // its output layer is multiplied by `scale` at the end, so the returned net predicts factors.
  const scale = rms(yRaw);
  const y = yRaw.map((v) => v / scale);

  // Seeded split of the songs into training and validation rows.
  const share = validationShare(n, o.validationFraction ?? 0.1, mulberry32(deriveSeed(seed, 1)));
  const valRows = Array.from(share.validation).sort((a, b) => a - b);
  const trainRows = Array.from(share.rest).sort((a, b) => a - b);
  const trainIds = trainRows.map((r) => targets.ids[r]);
  const validationIds = valRows.map((r) => targets.ids[r]);

  const backend = o.backend ?? 'torch';
  if (backend !== 'torch' && backend !== 'tfjs') throw new EarshotError('ERR_INVALID_ARGUMENT', `backend must be 'torch' or 'tfjs', got ${String(backend)}`);
  if (backend === 'tfjs' && o.checkpointDir) throw new EarshotError('ERR_INVALID_ARGUMENT', 'checkpointDir (resumable training) needs the torch backend; the tfjs backend has no checkpoints');
  const net: CnnNet = backend === 'tfjs' ? new TfjsNet(o.config, { seed: o.seed, optimizer: o.optimizer, lr: o.lr, weightDecay: o.weightDecay }) : new TorchNet(o.config, o);
  const dir = o.checkpointDir;
  let state: SavedState | null = null;
  if (dir && fs.existsSync(path.join(dir, 'state.json'))) {
    state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as SavedState;
    if (state.format !== 'earshot-cnn-training') throw new EarshotError('ERR_CHECKPOINT', `${dir}/state.json is not an earshot CNN training state`);
    net.loadCheckpoint(path.join(dir, 'checkpoint.pt'));
  }
  const stats: InputStats = state ? { mean: Float32Array.from(state.stats.mean), std: Float32Array.from(state.stats.std) } : inputStats(store, trainIds);
  const epochs: EpochReport[] = state ? state.epochs : [];
  let bestEpoch = state ? state.bestEpoch : 0;
  let bestLoss = state ? state.bestLoss : Infinity;
  // Without a checkpoint directory the best weights are kept in memory.
  let bestParams: NetParameter[] | null = null;

  const bands = store.melBands;
  const xBuf = new Float32Array(batch * WINDOW_FRAMES * bands);
  const yBuf = new Float32Array(batch * f);
  const aBuf = new Float32Array(batch * f * f);
  const bBuf = new Float32Array(batch * f);
  for (let epoch = epochs.length + 1; epoch <= maxEpochs && epoch - bestEpoch <= patience; epoch++) {
    const t0 = performance.now();
    const rand = mulberry32(deriveSeed(seed, 100, epoch));
    // Each training clip perClip times, shuffled: every clip is seen equally often per epoch.
    const queue = Int32Array.from({ length: trainRows.length * perClip }, (_, k) => trainRows[k % trainRows.length]);
    sampleInPlace(rand, queue, queue.length);
    const steps = Math.floor(queue.length / batch);
    let lossSum = 0;
    for (let s = 0; s < steps; s++) {
      const rows = queue.subarray(s * batch, (s + 1) * batch);
      sampleWindows(store, Array.from(rows, (r) => targets.ids[r]), rand, stats, xBuf);
      let loss: number;
      if (o.objective === 'mse') {
        rows.forEach((r, k) => yBuf.set(y.subarray(r * f, (r + 1) * f), k * f));
        loss = await net.trainStep({ x: xBuf, batch, frames: WINDOW_FRAMES, y: yBuf }, 'mse');
      } else {
        const w = targets.wpe!;
        rows.forEach((r, k) => {
          aBuf.set(w.a.subarray(r * f * f, (r + 1) * f * f), k * f * f);
          for (let q = 0; q < f; q++) bBuf[k * f + q] = w.b[r * f + q] / scale;
        });
        loss = await net.trainStep({ x: xBuf, batch, frames: WINDOW_FRAMES, a: aBuf, b: bBuf }, 'quadratic');
      }
      lossSum += loss;
      o.onStep?.(s + 1, steps, loss);
    }
    const pred = await predictClips(net, store, validationIds, stats, f);
    let valLoss = 0;
    valRows.forEach((r, k) => {
      const p = pred.subarray(k * f, (k + 1) * f);
      if (o.objective === 'wpe') valLoss += wpeValue(targets.wpe!, r, p.map((v) => v * scale));
      else for (let q = 0; q < f; q++) valLoss += (p[q] - y[r * f + q]) ** 2;
    });
    // Reported in the targets' own units (the MSE above compares z = y / scale).
    valLoss /= valRows.length;
    if (o.objective === 'mse') valLoss *= scale * scale;
    const best = valLoss < bestLoss;
    if (best) {
      bestLoss = valLoss;
      bestEpoch = epoch;
    }
    const report: EpochReport = { epoch, trainLoss: lossSum / Math.max(1, steps), validationLoss: valLoss, examples: steps * batch, seconds: (performance.now() - t0) / 1e3, best };
    epochs.push(report);
    if (dir) {
      fs.mkdirSync(dir, { recursive: true });
      if (best) net.saveCheckpoint(path.join(dir, 'best.pt'));
      net.saveCheckpoint(path.join(dir, 'checkpoint.pt'));
      const saved: SavedState = { format: 'earshot-cnn-training', version: 1, epochs, bestEpoch, bestLoss, stats: { mean: Array.from(stats.mean), std: Array.from(stats.std) } };
      writeFileAtomic(path.join(dir, 'state.json'), Buffer.from(JSON.stringify(saved, null, 1)));
    } else if (best) {
      bestParams = net.parameters();
    }
    o.onEpoch?.(report);
  }
  if (dir && bestEpoch > 0) net.loadCheckpoint(path.join(dir, 'best.pt'));
  else if (bestParams) net.setParameters(bestParams);
  net.setParameters(net.parameters().map((p) => (p.name === 'out.weight' || p.name === 'out.bias' ? { ...p, data: p.data.map((v) => v * scale) } : p)));
  return { net, stats, epochs, bestEpoch, trainIds, validationIds };
}

