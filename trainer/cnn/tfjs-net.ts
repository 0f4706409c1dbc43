/**
 * TfjsNet: the audio→factors CNN (net-config.ts) trained with TensorFlow.js, the optional second
 * backend (`--backend tfjs`) beside libtorch's TorchNet, whose public API it mirrors. loadTfjs() takes
 * the fastest stack installed: @tensorflow/tfjs-node-gpu (CUDA), @tensorflow/tfjs-node (libtensorflow
 * on the CPU), else the pure-JS @tensorflow/tfjs (correct, but orders of magnitude slower than libtorch:
 * fit for tests and tiny nets). All three are optionalDependencies; none is needed by the rest of earshot.
 *
 * Layouts: tensors are kept in TensorFlow's own layouts (conv1d kernels [kernel, in, out], dense kernels
 * [in, out], activations [batch, time, channels]); parameters()/setParameters() transpose to and from
 * net-config.ts's (PyTorch/ONNX) layouts, so weights move between the backends and the ONNX exporter.
 *
 * Forward (as conv_net.cc): per conv, conv1d(valid) + bias → ReLU → max-pool (floor); global pools over
 * time concatenated in config order (l2 = sqrt(Σ_t h²), with gradient 0 at an all-zero channel); per
 * dense, [dropout] → Linear → ReLU; [dropout] → linear output. Dropout (training only) is inverted
 * dropout with masks from the net's own mulberry32 stream, so runs with one seed repeat exactly.
 * Losses: 'mse' = mean_i Σ_f (ŷ − y)²; 'quadratic' = mean_i (ŷᵀA ŷ − 2 bᵀŷ).
 * weightDecay adds weightDecay · w to every gradient (biases too), as torch's optimizers do.
 *
 * Concurrency: as TorchNet, trainStep/evalLoss/predict run one at a time in call order; the synchronous
 * methods throw ERR_INVALID_STATE while one is pending. No checkpoints (saveCheckpoint throws): resumable
 * training needs the torch backend.
 */
import type * as TF from '@tensorflow/tfjs';
import { EarshotError } from '../../src/errors';
import { mulberry32, type Rand } from '../eval/prng';
import { checkBatch, checkInput, type CnnBatch, type CnnLoss } from './batch-check';
import { CallQueue } from './call-queue';
import { checkNetParameters, parameterShapes, validateNetConfig, type NetConfig, type NetParameter } from './net-config';
import { checkLearningRate, resolveTrainingOptions, type NetOptimizer, type TrainingOptions } from './training-options';

export type TfjsFlavour = 'tfjs-node-gpu' | 'tfjs-node' | 'tfjs';
export type TfjsOptimizer = NetOptimizer;

export interface TfjsStatus {
  available: boolean;
  flavour?: TfjsFlavour;
  /** tf.getBackend() once loaded: 'tensorflow' (tfjs-node, -gpu) or 'cpu' (pure JS). */
  backend?: string;
  /** Why each stack tried before (or instead of) the loaded one failed. */
  reason?: string;
}

const CANDIDATES: readonly [TfjsFlavour, string][] = [
  ['tfjs-node-gpu', '@tensorflow/tfjs-node-gpu'],
  ['tfjs-node', '@tensorflow/tfjs-node'],
  ['tfjs', '@tensorflow/tfjs'],
];

let loaded: { tf: typeof TF; flavour: TfjsFlavour } | null = null;
let failure: EarshotError | null = null;
const tried: string[] = [];

/** Loads TensorFlow.js once (and remembers a failure): the first of tfjs-node-gpu, tfjs-node, tfjs. Throws ERR_TFJS_UNAVAILABLE listing what was tried. */
export function loadTfjs(): { tf: typeof TF; flavour: TfjsFlavour } {
  if (loaded) return loaded;
  if (failure) throw failure;
  for (const [flavour, id] of CANDIDATES) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const tf = require(id) as typeof TF;
      loaded = { tf, flavour };
      return loaded;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      tried.push(`${id}: ${e.code === 'MODULE_NOT_FOUND' ? 'not installed' : String(e.message).split('\n')[0]}`);
    }
  }
  failure = new EarshotError('ERR_TFJS_UNAVAILABLE', `TensorFlow.js cannot be loaded (tried ${tried.join('; ')}); install one with \`npm install @tensorflow/tfjs\` (pure JS), @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu`);
  throw failure;
}

/** Which TensorFlow.js stack would train; never throws. */
export function tfjsStatus(): TfjsStatus {
  try {
    const { tf, flavour } = loadTfjs();
    return { available: true, flavour, backend: tf.getBackend(), ...(tried.length > 0 ? { reason: tried.join('; ') } : {}) };
  } catch (err) {
    return { available: false, reason: (err as Error).message };
  }
}

export type TfjsNetOptions = TrainingOptions;

/** net-config layout → TensorFlow layout: conv [out, in, k] → [k, in, out]; dense [out, in] → [in, out]. */
function toTfLayout(data: Float32Array, shape: number[]): { data: Float32Array; shape: number[] } {
  if (shape.length === 3) {
    const [o, c, k] = shape;
    const t = new Float32Array(data.length);
    for (let a = 0; a < o; a++) for (let b = 0; b < c; b++) for (let j = 0; j < k; j++) t[(j * c + b) * o + a] = data[(a * c + b) * k + j];
    return { data: t, shape: [k, c, o] };
  }
  if (shape.length === 2) {
    const [o, i] = shape;
    const t = new Float32Array(data.length);
    for (let a = 0; a < o; a++) for (let b = 0; b < i; b++) t[b * o + a] = data[a * i + b];
    return { data: t, shape: [i, o] };
  }
  return { data: Float32Array.from(data), shape: [...shape] };
}

/** The inverse of toTfLayout, given the net-config shape. */
function fromTfLayout(t: Float32Array, shape: number[]): Float32Array {
  const out = new Float32Array(t.length);
  if (shape.length === 3) {
    const [o, c, k] = shape;
    for (let a = 0; a < o; a++) for (let b = 0; b < c; b++) for (let j = 0; j < k; j++) out[(a * c + b) * k + j] = t[(j * c + b) * o + a];
  } else if (shape.length === 2) {
    const [o, i] = shape;
    for (let a = 0; a < o; a++) for (let b = 0; b < i; b++) out[a * i + b] = t[b * o + a];
  } else out.set(t);
  return out;
}

export class TfjsNet {
  readonly config: NetConfig;
  readonly options: Readonly<Required<TfjsNetOptions>>;
  readonly flavour: TfjsFlavour;
  private readonly tf: typeof TF;
  private readonly shapes: { name: string; shape: number[] }[];
  private vars: Map<string, TF.Variable> | null;
  private optimizer: TF.Optimizer;
  private readonly rand: Rand;
  private step = 0;
  private readonly queue = new CallQueue('TfjsNet');

  constructor(config: NetConfig, opts: TfjsNetOptions = {}) {
    this.config = validateNetConfig(config);
    this.options = Object.freeze(resolveTrainingOptions(opts));
    const { tf, flavour } = loadTfjs();
    this.tf = tf;
    this.flavour = flavour;
    this.shapes = parameterShapes(this.config);
    this.rand = mulberry32(this.options.seed);
    // PyTorch's default Conv1d/Linear initialisation: weights and biases uniform in ±1/sqrt(fan_in).
    const init: NetParameter[] = [];
    for (let i = 0; i < this.shapes.length; i += 2) {
      const w = this.shapes[i];
      const b = this.shapes[i + 1];
      const size = w.shape.reduce((x, y) => x * y, 1);
      const bound = 1 / Math.sqrt(size / w.shape[0]);
      const u = (n: number): Float32Array => Float32Array.from({ length: n }, () => (this.rand() * 2 - 1) * bound);
      init.push({ name: w.name, shape: w.shape, data: u(size) }, { name: b.name, shape: b.shape, data: u(b.shape[0]) });
    }
    this.vars = new Map(
      init.map((p) => {
        const t = toTfLayout(p.data, p.shape);
        return [p.name, tf.variable(tf.tensor(t.data, t.shape, 'float32'), true, undefined, 'float32')];
      }),
    );
    this.optimizer = this.makeOptimizer();
  }

  /** One optimizer step on the batch (dropout on); resolves to the batch's loss before the step. ERR_NOT_FINITE (step refused) when the loss is NaN/Inf. */
  trainStep(batch: CnnBatch, loss: CnnLoss): Promise<number> {
    return this.enqueue(async (vars) => {
      const frames = checkBatch(this.config, batch, loss);
      const tf = this.tf;
      const list = [...vars.values()];
      const wd = this.options.weightDecay;
      const { value, grads } = tf.variableGrads(() => {
        const l = this.lossOf(this.forward(batch.x, batch.batch, frames, true), batch, loss);
        if (wd === 0) return l;
        // ½·wd·Σw² adds wd·w to each gradient; subtracted back out of the reported value below.
        const penalty = tf.mul(0.5 * wd, tf.addN(list.map((v) => tf.sum(tf.square(v)))));
        return tf.add(l, penalty) as TF.Scalar;
      }, list);
      try {
        let v = (await value.data())[0];
        if (wd !== 0) v -= 0.5 * wd * tf.tidy(() => tf.addN(list.map((w) => tf.sum(tf.square(w))))).dataSync()[0];
        if (!Number.isFinite(v)) {
          throw new EarshotError('ERR_NOT_FINITE', `the loss is ${v} at step ${this.step + 1}; the weights were left unchanged (lower the learning rate, or check the targets' scale)`);
        }
        this.optimizer.applyGradients(grads);
        this.step++;
        return v;
      } finally {
        value.dispose();
        tf.dispose(Object.values(grads));
      }
    });
  }

  /** The batch's loss in evaluation mode (no dropout, no gradient). */
  evalLoss(batch: CnnBatch, loss: CnnLoss): Promise<number> {
    return this.enqueue(async () => {
      const frames = checkBatch(this.config, batch, loss);
      const t = this.tf.tidy(() => this.lossOf(this.forward(batch.x, batch.batch, frames, false), batch, loss));
      try {
        return (await t.data())[0];
      } finally {
        t.dispose();
      }
    });
  }

  /** Factors for `batch` examples in evaluation mode: [batch, outputs], row-major. */
  predict(x: Float32Array, batch: number, frames?: number): Promise<Float32Array> {
    return this.enqueue(async () => {
      const f = checkInput(this.config, x, batch, frames);
      const t = this.tf.tidy(() => this.forward(x, batch, f, false));
      try {
        return Float32Array.from(await t.data());
      } finally {
        t.dispose();
      }
    });
  }

  /** Copies of every parameter, with net-config.ts's names, shapes and (PyTorch) layouts. */
  parameters(): NetParameter[] {
    const vars = this.sync();
    return this.shapes.map(({ name, shape }) => ({ name, shape: [...shape], data: fromTfLayout((vars.get(name) as TF.Variable).dataSync() as Float32Array, shape) }));
  }

  /** Replaces every parameter (ERR_MODEL_PARAMS when one is missing, extra, misshapen or not finite). The optimizer state is kept. */
  setParameters(params: readonly NetParameter[]): void {
    const byName = checkNetParameters(this.config, params);
    const vars = this.sync();
    for (const { name, shape } of this.shapes) {
      const t = toTfLayout((byName.get(name) as NetParameter).data, shape);
      this.tf.tidy(() => (vars.get(name) as TF.Variable).assign(this.tf.tensor(t.data, t.shape, 'float32')));
    }
  }

  setLearningRate(lr: number): void {
    checkLearningRate(lr);
    this.sync();
    const opt = this.optimizer as TF.Optimizer & { learningRate: number; setLearningRate?: (lr: number) => void };
    // MomentumOptimizer caches −lr in a tensor (setLearningRate updates it); Adam reads learningRate each step.
    if (typeof opt.setLearningRate === 'function') opt.setLearningRate(lr);
    else opt.learningRate = lr;
  }

  /** Optimizer steps taken. */
  get steps(): number {
    return this.step;
  }

  /** Not supported by this backend: resumable training (train-cnn's checkpointDir) needs the torch backend. */
  saveCheckpoint(_path: string): never {
    throw new EarshotError('ERR_INVALID_STATE', 'training checkpoints need the torch backend (--backend torch); the tfjs backend keeps only parameters() / setParameters()');
  }

  loadCheckpoint(path: string): never {
    return this.saveCheckpoint(path);
  }

  /** Frees the variables and optimizer state now. A running call finishes; later calls throw ERR_INVALID_STATE. */
  dispose(): void {
    if (!this.vars) return;
    const vars = this.vars;
    this.vars = null;
    // Let a running call finish with its tensors before freeing them.
    void this.queue.settled().then(() => {
      this.optimizer.dispose();
      this.tf.dispose([...vars.values()]);
    });
  }

  private makeOptimizer(): TF.Optimizer {
    const { optimizer, lr } = this.options;
    return optimizer === 'adam' ? this.tf.train.adam(lr, 0.9, 0.999, 1e-8) : this.tf.train.momentum(lr, 0.9, true);
  }

  /** [batch, outputs]; call inside tidy (or variableGrads). */
  private forward(x: Float32Array, batch: number, frames: number, training: boolean): TF.Tensor2D {
    const tf = this.tf;
    const v = this.vars as Map<string, TF.Variable>;
    const get = (name: string): TF.Tensor => v.get(name) as TF.Variable;
    let h: TF.Tensor2D;
    if (this.config.input.kind === 'mel') {
      const bands = this.config.input.bands;
      // [batch, frames, bands] is already TensorFlow's NWC layout: bands are the channels.
      let s = tf.tensor3d(x, [batch, frames, bands]);
      this.config.conv.forEach((layer, i) => {
        s = tf.relu(tf.add(tf.conv1d(s, get(`conv${i}.weight`) as TF.Tensor3D, 1, 'valid'), get(`conv${i}.bias`))) as TF.Tensor3D;
        if (layer.pool > 1) {
          const [n, t, c] = s.shape;
          // As a 4-D [batch, 1, time, channels] image: a 1 × pool window with stride pool (floor).
          s = tf.reshape(tf.maxPool(tf.reshape(s, [n, 1, t, c]) as TF.Tensor4D, [1, layer.pool], [1, layer.pool], 'valid'), [n, Math.floor(t / layer.pool), c]);
        }
      });
      const pooled = this.config.globalPool.map((kind): TF.Tensor2D => {
        if (kind === 'mean') return tf.mean(s, 1);
        if (kind === 'max') return tf.max(s, 1);
        // 1e-30 (float32-normal) keeps the gradient finite at an all-zero channel: there it is
        // 2h · ½/sqrt(1e-30) = 0 since h = 0; the value is off by at most 1e-15.
        return tf.sqrt(tf.add(tf.sum(tf.square(s), 1), 1e-30)) as TF.Tensor2D;
      });
      h = pooled.length === 1 ? pooled[0] : tf.concat(pooled, 1);
    } else {
      h = tf.tensor2d(x, [batch, this.config.input.features]);
    }
    const drop = training && this.config.dropout > 0;
    this.config.dense.forEach((_, j) => {
      if (drop) h = this.dropout(h);
      h = tf.relu(tf.add(tf.matMul(h, get(`dense${j}.weight`) as TF.Tensor2D), get(`dense${j}.bias`))) as TF.Tensor2D;
    });
    if (drop) h = this.dropout(h);
    return tf.add(tf.matMul(h, get('out.weight') as TF.Tensor2D), get('out.bias'));
  }

  /** Inverted dropout: keep with probability 1 − p, scaled by 1/(1 − p); mask from the net's stream. */
  private dropout(h: TF.Tensor2D): TF.Tensor2D {
    const keep = 1 - this.config.dropout;
    const mask = new Float32Array(h.size);
    for (let i = 0; i < mask.length; i++) mask[i] = this.rand() < keep ? 1 / keep : 0;
    return this.tf.mul(h, this.tf.tensor2d(mask, h.shape));
  }

  private lossOf(yhat: TF.Tensor2D, batch: CnnBatch, loss: CnnLoss): TF.Scalar {
    const tf = this.tf;
    const [n, f] = yhat.shape;
    if (loss === 'mse') return tf.mean(tf.sum(tf.square(tf.sub(yhat, tf.tensor2d(batch.y as Float32Array, [n, f]))), 1));
    // ŷᵢᵀAᵢ as one batched [1, F] × [F, F] product, then (ŷᵀA − 2b)·ŷ summed over F.
    const yA = tf.reshape(tf.matMul(tf.reshape(yhat, [n, 1, f]), tf.tensor3d(batch.a as Float32Array, [n, f, f])), [n, f]);
    return tf.mean(tf.sum(tf.mul(tf.sub(yA, tf.mul(2, tf.tensor2d(batch.b as Float32Array, [n, f]))), yhat), 1));
  }

  private live(): Map<string, TF.Variable> {
    if (!this.vars) throw new EarshotError('ERR_INVALID_STATE', 'this TfjsNet was disposed');
    return this.vars;
  }

  private sync(): Map<string, TF.Variable> {
    const vars = this.live();
    this.queue.assertIdle();
    return vars;
  }

  private enqueue<T>(op: (vars: Map<string, TF.Variable>) => Promise<T>): Promise<T> {
    return this.queue.run(() => op(this.live()));
  }
}
