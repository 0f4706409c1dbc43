/**
 * Trains a network on fixed feature vectors (the bag-of-words MLP baseline, paper Sec. 4.1: one
 * hidden layer of 1,000 ReLU units): inputs standardised per feature, MSE against the WMF factors,
 * Adam, minibatches, a seeded validation share for early stopping, the best epoch's weights kept.
 */
import { EarshotError } from '../../src/errors';
import { mulberry32, sampleInPlace } from '../eval/prng';
import type { NetConfig, NetParameter } from '../cnn/net-config';
import { TorchNet } from '../cnn/torch-net';
import { standardize, type InputStats } from '../cnn/windows';
import { gatherRows } from '../data/gather-rows';
import { validationShare } from '../eval/splits';

export interface VectorNetOptions {
  hidden?: number[];
  dropout?: number;
  batch?: number;
  maxEpochs?: number;
  patience?: number;
  lr?: number;
  seed?: number;
  threads?: number;
  validationFraction?: number;
  /**
   * How inputs are scaled: 'feature' standardises each column; 'global' (default) centres each column
   * and divides all by one RMS, so PCA coordinates keep their relative variances and the low-variance
   * tail does not weigh as much as the leading components.
   */
  inputScaling?: 'feature' | 'global';
  /** L2 penalty added to every weight's gradient (weightDecay · w) at each Adam step; default 0. */
  weightDecay?: number;
}

export interface TrainedVectorNet {
  net: TorchNet;
  config: NetConfig;
  stats: InputStats;
  bestEpoch: number;
  validationLoss: number;
}

/** x: n x d features, y: n x f targets (row-major). */
export async function trainVectorNet(x: Float32Array, y: Float32Array, n: number, d: number, f: number, o: VectorNetOptions = {}): Promise<TrainedVectorNet> {
  if (x.length !== n * d || y.length !== n * f) throw new EarshotError('ERR_INVALID_ARGUMENT', `vector net: X holds ${x.length} values, Y ${y.length}; expected ${n}x${d} and ${n}x${f}`);
  const mean = new Float32Array(d);
  const std = new Float32Array(d);
  for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) mean[a] += x[i * d + a] / n;
  for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) std[a] += (x[i * d + a] - mean[a]) ** 2 / n;
  const scaling = o.inputScaling ?? 'global';
  if (scaling !== 'global' && scaling !== 'feature') throw new EarshotError('ERR_INVALID_ARGUMENT', `vector net: inputScaling must be 'global' or 'feature', got ${String(scaling)}`);
  if (scaling === 'global') {
    const rmsAll = Math.max(1e-6, Math.sqrt(std.reduce((acc, v) => acc + v, 0) / d));
    std.fill(rmsAll);
  } else for (let a = 0; a < d; a++) std[a] = Math.max(1e-6, Math.sqrt(std[a]));
  const stats = { mean, std };
  const xs = Float32Array.from(x);
  standardize(xs, stats);
  // Unit-RMS targets (WMF factors are ~1e-2); the output layer is scaled back at the end.
  let sq = 0;
  for (let i = 0; i < y.length; i++) sq += y[i] * y[i];
  const scale = Math.sqrt(sq / y.length) || 1;
  const ys = y.map((v) => v / scale);

  const seed = o.seed ?? 1;
  const { validation: val, rest: train } = validationShare(n, o.validationFraction ?? 0.1, mulberry32(seed));
  const config: NetConfig = { input: { kind: 'vector', features: d }, conv: [], globalPool: [], dense: o.hidden ?? [1000], dropout: o.dropout ?? 0.5, outputs: f };
  const net = new TorchNet(config, { seed, threads: o.threads, lr: o.lr ?? 1e-3, weightDecay: o.weightDecay });
  const batch = Math.min(o.batch ?? 64, train.length);
  const xVal = gatherRows(xs, d, val);
  const yVal = gatherRows(ys, f, val);
  let best: NetParameter[] = net.parameters();
  let bestLoss = Infinity;
  let bestEpoch = 0;
  // Small data sets give few steps per epoch: allow many epochs, stop on validation.
  const maxEpochs = o.maxEpochs ?? 2000;
  const patience = o.patience ?? 50;
  for (let epoch = 1; epoch <= maxEpochs && epoch - bestEpoch <= patience; epoch++) {
    sampleInPlace(mulberry32(seed + epoch), train, train.length);
    for (let s = 0; s + batch <= train.length; s += batch) {
      const rows = train.subarray(s, s + batch);
      await net.trainStep({ x: gatherRows(xs, d, rows), batch, y: gatherRows(ys, f, rows) }, 'mse');
    }
    const loss = await net.evalLoss({ x: xVal, batch: val.length, y: yVal }, 'mse');
    if (loss < bestLoss) {
      bestLoss = loss;
      bestEpoch = epoch;
      best = net.parameters();
    }
  }
  net.setParameters(best.map((p) => (p.name === 'out.weight' || p.name === 'out.bias' ? { ...p, data: p.data.map((v) => v * scale) } : p)));
  return { net, config, stats, bestEpoch, validationLoss: bestLoss * scale * scale };
}

/** Predictions of a trained vector net for raw (unstandardised) rows. */
export async function predictVectorNet(t: TrainedVectorNet, x: Float32Array, n: number): Promise<Float32Array> {
  const xs = Float32Array.from(x);
  standardize(xs, t.stats);
  return t.net.predict(xs, n);
}
