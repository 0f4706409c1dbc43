/**
 * TorchNet: the audio→factors CNN (net-config.ts) trained with libtorch, on the CPU or a CUDA GPU.
 * Arguments are checked here (net-config.ts, batch-check.ts); the addon (native/torch/) gets clean
 * arrays and sizes, copies them, and computes on libuv's thread pool so the event loop stays free.
 *
 * Concurrency: trainStep, evalLoss and predict are queued and run one at a time per net, in call
 * order (each reads its arrays when it starts: leave them unchanged until its promise settles). The
 * synchronous methods (parameters, setParameters, setLearningRate, saveCheckpoint, loadCheckpoint)
 * throw ERR_INVALID_STATE while any of those is pending: await them first.
 *
 * Determinism: on the CPU, the same seed, thread count and calls give bit-identical losses and weights
 * (initial weights and dropout masks come from the net's own generator, whose state checkpoints keep).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { EarshotError } from '../../src/errors';
import { writeFileAtomic } from '../../src/io/atomic-write';
import { checkBatch, checkInput, type CnnBatch, type CnnLoss } from './batch-check';
import { CallQueue } from './call-queue';
import { checkNetParameters, parameterShapes, validateNetConfig, type NetConfig, type NetParameter } from './net-config';
import { mapTorchError, torchAddon, type NativeTorchNet, type TorchDevice } from './torch-addon';
import { badArgument as bad, checkLearningRate, checkOptionsObject, resolveTrainingOptions, TRAINING_DEFAULTS, type TrainingOptions } from './training-options';

export { torchStatus, type TorchStatus } from './torch-addon';

export interface TorchNetOptions extends TrainingOptions {
  /** 'cpu' (default) or 'cuda': needs a CUDA libtorch build and a visible GPU, else ERR_CUDA_UNAVAILABLE. */
  device?: TorchDevice;
  /** libtorch (OpenMP) threads for this net's calls. Default: all cores (os.availableParallelism()). */
  threads?: number;
}

export const TORCH_NET_DEFAULTS = { device: 'cpu' as TorchDevice, ...TRAINING_DEFAULTS };

function resolveOptions(o: TorchNetOptions): Required<TorchNetOptions> {
  checkOptionsObject(o);
  const device = o.device ?? TORCH_NET_DEFAULTS.device;
  if (device !== 'cpu' && device !== 'cuda') bad(`device must be 'cpu' or 'cuda', got ${String(device)}`);
  const threads = o.threads ?? os.availableParallelism();
  if (!Number.isInteger(threads) || threads < 1 || threads > 1024) bad(`threads must be an integer in 1..1024, got ${String(threads)}`);
  return { device, threads, ...resolveTrainingOptions(o) };
}

export class TorchNet {
  readonly config: NetConfig;
  readonly options: Readonly<Required<TorchNetOptions>>;
  private native: NativeTorchNet | null;
  private readonly queue = new CallQueue('TorchNet');

  constructor(config: NetConfig, opts: TorchNetOptions = {}) {
    this.config = validateNetConfig(config);
    this.options = Object.freeze(resolveOptions(opts));
    const addon = torchAddon();
    try {
      // validateNetConfig returns its fields in a fixed order: the JSON identifies the architecture.
      this.native = new addon.TorchNet(this.config, JSON.stringify(this.config), { ...this.options });
    } catch (err) {
      throw mapTorchError(err);
    }
  }

  /** One optimizer step on the batch (dropout on); resolves to the batch's loss before the step. */
  trainStep(batch: CnnBatch, loss: CnnLoss): Promise<number> {
    return this.enqueue((net) => {
      const frames = checkBatch(this.config, batch, loss);
      return net.trainStep(loss, batch.x, batch.batch, frames, batch.y ?? null, batch.a ?? null, batch.b ?? null);
    });
  }

  /** The batch's loss in evaluation mode (no dropout, no gradient). */
  evalLoss(batch: CnnBatch, loss: CnnLoss): Promise<number> {
    return this.enqueue((net) => {
      const frames = checkBatch(this.config, batch, loss);
      return net.evalLoss(loss, batch.x, batch.batch, frames, batch.y ?? null, batch.a ?? null, batch.b ?? null);
    });
  }

  /** Factors for `batch` examples in evaluation mode: [batch, outputs], row-major. */
  predict(x: Float32Array, batch: number, frames?: number): Promise<Float32Array> {
    return this.enqueue((net) => net.predict(x, batch, checkInput(this.config, x, batch, frames)));
  }

  /** Copies of every parameter (names and shapes as net-config.ts's parameterShapes()), on the CPU. */
  parameters(): NetParameter[] {
    return this.call((net) => net.parameters());
  }

  /** Replaces every parameter (ERR_MODEL_PARAMS when one is missing, extra, misshapen or not finite). The optimizer state is kept. */
  setParameters(params: readonly NetParameter[]): void {
    const byName = checkNetParameters(this.config, params);
    const ordered = parameterShapes(this.config).map(({ name, shape }) => ({ name, shape, data: (byName.get(name) as NetParameter).data }));
    this.call((net) => net.setParameters(ordered));
  }

  setLearningRate(lr: number): void {
    checkLearningRate(lr);
    this.call((net) => net.setLearningRate(lr));
  }

  /** Optimizer steps taken (restored by loadCheckpoint). */
  get steps(): number {
    return this.call((net) => net.steps, true);
  }

  /**
   * Writes the weights, optimizer state, dropout generator state and step count to `path`, atomically
   * (a temporary file renamed into place: a crash never leaves a truncated checkpoint).
   */
  saveCheckpoint(path: string): void {
    const bytes = this.call((net) => net.saveCheckpoint());
    writeFileAtomic(path, bytes);
  }

  /**
   * Restores a checkpoint of this architecture and optimizer (ERR_CHECKPOINT otherwise; the net is
   * unchanged then). The next trainStep continues exactly as the saved run would have.
   */
  loadCheckpoint(path: string): void {
    this.call(() => undefined); // refuse before reading the file
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(path);
    } catch (err) {
      throw new EarshotError('ERR_IO', `cannot read checkpoint "${path}": ${(err as NodeJS.ErrnoException).code ?? err}`, { cause: err });
    }
    this.call((net) => net.loadCheckpoint(bytes));
  }

  /**
   * Frees the network (native memory, GPU memory) now rather than at garbage collection. A running
   * call finishes; queued ones reject with ERR_INVALID_STATE; later calls throw it.
   */
  dispose(): void {
    this.native?.dispose();
    this.native = null;
  }

  private live(): NativeTorchNet {
    if (!this.native) throw new EarshotError('ERR_INVALID_STATE', 'this TorchNet was disposed');
    return this.native;
  }

  private call<T>(fn: (net: NativeTorchNet) => T, evenIfPending = false): T {
    const net = this.live();
    if (!evenIfPending) this.queue.assertIdle();
    try {
      return fn(net);
    } catch (err) {
      throw mapTorchError(err);
    }
  }

  private enqueue<T>(op: (net: NativeTorchNet) => Promise<T>): Promise<T> {
    return this.queue.run(() => op(this.live())).catch((err: unknown) => {
      throw mapTorchError(err);
    });
  }
}
