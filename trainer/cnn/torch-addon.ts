/**
 * The libtorch addon (native/torch/, built by `npm run build:torch` into
 * build-torch/Release/earshot_torch.node, or the file named by EARSHOT_TORCH_ADDON): its shape,
 * declared once for TypeScript, its loader, and its error mapping. Optional like the CUDA WMF backend:
 * torchStatus() says why it cannot be used instead of crashing, and the engine installs without it.
 */
import * as path from 'node:path';
import { EarshotError, type EarshotErrorCode } from '../../src/errors';
import { fromNativeError } from '../../src/native/errors';
import type { CnnLoss } from './batch-check';
import type { NetConfig, NetParameter } from './net-config';

export type TorchDevice = 'cpu' | 'cuda';
export type TorchOptimizer = 'adam' | 'nesterov';

/** Options as the addon takes them: every field present (defaults applied in torch-net.ts). */
export interface NativeTorchOptions {
  device: TorchDevice;
  threads: number;
  seed: number;
  optimizer: TorchOptimizer;
  lr: number;
  weightDecay: number;
}

/** native/torch/torch_net_binding.cc. At most one call at a time: others throw ERR_INVALID_STATE while `busy`. */
export interface NativeTorchNet {
  trainStep(loss: CnnLoss, x: Float32Array, batch: number, frames: number, y: Float32Array | null, a: Float32Array | null, b: Float32Array | null): Promise<number>;
  evalLoss(loss: CnnLoss, x: Float32Array, batch: number, frames: number, y: Float32Array | null, a: Float32Array | null, b: Float32Array | null): Promise<number>;
  predict(x: Float32Array, batch: number, frames: number): Promise<Float32Array>;
  parameters(): NetParameter[];
  setParameters(params: NetParameter[]): void;
  saveCheckpoint(): Uint8Array;
  loadCheckpoint(bytes: Uint8Array): void;
  setLearningRate(lr: number): void;
  dispose(): void;
  readonly steps: number;
  readonly busy: boolean;
}

export interface NativeTorchAddon {
  status(): { version: string; cuda: boolean; cudaDevices: number; cudaReason?: string };
  TorchNet: new (config: NetConfig, configJson: string, opts: NativeTorchOptions) => NativeTorchNet;
}

export function torchAddonPath(): string {
  // dist/trainer/cnn/torch-addon.js -> repository root is three levels up.
  return process.env.EARSHOT_TORCH_ADDON ?? path.resolve(__dirname, '..', '..', '..', 'build-torch', 'Release', 'earshot_torch.node');
}

let cached: NativeTorchAddon | undefined;
let loadError: EarshotError | undefined;

/** Loads the addon once (and remembers a failure). Throws ERR_TORCH_UNAVAILABLE with the reason. */
export function torchAddon(): NativeTorchAddon {
  if (cached) return cached;
  if (loadError) throw loadError;
  const file = torchAddonPath();
  // libgomp reads OMP_WAIT_POLICY once, when libtorch loads it. Its default lets idle OpenMP threads
  // spin for up to ~0.2 s after every parallel region: between training steps that burns the cores
  // the data pipeline and the event loop need.
  process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
  try {
    cached = require(file) as NativeTorchAddon;
    return cached;
  } catch (err) {
    loadError = new EarshotError(
      'ERR_TORCH_UNAVAILABLE',
      `the libtorch training addon could not be loaded from ${file} (${(err as Error).message.split('\n')[0]}); ` +
        'install libtorch (Debian: apt-get install libtorch-dev cmake) and run `npm run build:torch`',
      { cause: err },
    );
    throw loadError;
  }
}

export interface TorchStatus {
  available: boolean;
  /** Why the addon cannot be used (available false), or why CUDA cannot (cuda false). */
  reason?: string;
  /** libtorch's version, e.g. "1.13.0". */
  version?: string;
  cuda: boolean;
  cudaDevices: number;
  addon: string;
}

/** Whether the libtorch backend (and its GPU) can be used, and why not: never throws. */
export function torchStatus(): TorchStatus {
  const addon = torchAddonPath();
  try {
    const s = torchAddon().status();
    return { available: true, version: s.version, cuda: s.cuda, cudaDevices: s.cudaDevices, addon, ...(s.cuda ? {} : { reason: s.cudaReason }) };
  } catch (err) {
    return { available: false, reason: (err as Error).message, cuda: false, cudaDevices: 0, addon };
  }
}

const PREFIXED: readonly EarshotErrorCode[] = ['ERR_TORCH', 'ERR_CUDA_UNAVAILABLE', 'ERR_CHECKPOINT', 'ERR_INVALID_STATE', 'ERR_NOT_FINITE'];

/**
 * The addon's errors as EarshotErrors (src/native/errors.ts): a message starting "ERR_<CODE>: " with a
 * code of PREFIXED carries its code (ERR_TORCH: libtorch's own message); TypeError / RangeError are
 * argument errors; anything else is ERR_TORCH.
 */
export function mapTorchError(err: unknown): EarshotError {
  return fromNativeError(err, PREFIXED, 'ERR_TORCH');
}
