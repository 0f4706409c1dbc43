/**
 * The training options both CNN backends (TorchNet, TfjsNet) take, their defaults and their checks,
 * so `--backend torch` and `--backend tfjs` accept and refuse the same values with the same messages.
 */
import { EarshotError } from '../../src/errors';

export type NetOptimizer = 'adam' | 'nesterov';

export interface TrainingOptions {
  /** Seed of the initial weights and the dropout masks: an integer in 0..2^32 − 1. Default 1. */
  seed?: number;
  /** 'adam' (default; betas 0.9, 0.999, eps 1e-8) or 'nesterov' (SGD, momentum 0.9, Nesterov). */
  optimizer?: NetOptimizer;
  /** Learning rate. Default 1e-3 for Adam, 1e-2 for Nesterov. */
  lr?: number;
  /** L2 penalty coefficient added to the gradient (weightDecay · w), default 0. */
  weightDecay?: number;
}

export const TRAINING_DEFAULTS = { seed: 1, optimizer: 'adam' as NetOptimizer, lrAdam: 1e-3, lrNesterov: 1e-2, weightDecay: 0 };

export function badArgument(message: string): never {
  throw new EarshotError('ERR_INVALID_ARGUMENT', message);
}

export function checkOptionsObject(o: unknown): void {
  if (typeof o !== 'object' || o === null) badArgument('options must be an object');
}

export function checkLearningRate(lr: unknown): asserts lr is number {
  if (typeof lr !== 'number' || !(lr > 0 && lr <= 1e6)) badArgument(`lr must be a number in (0, 1e6], got ${String(lr)}`);
}

/** Defaults filled in and each value checked, in this order (ERR_INVALID_ARGUMENT naming the first bad one). */
export function resolveTrainingOptions(o: TrainingOptions): Required<TrainingOptions> {
  checkOptionsObject(o);
  const seed = o.seed ?? TRAINING_DEFAULTS.seed;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) badArgument(`seed must be an integer in 0..4294967295, got ${String(seed)}`);
  const optimizer = o.optimizer ?? TRAINING_DEFAULTS.optimizer;
  if (optimizer !== 'adam' && optimizer !== 'nesterov') badArgument(`optimizer must be 'adam' or 'nesterov', got ${String(optimizer)}`);
  const lr = o.lr ?? (optimizer === 'adam' ? TRAINING_DEFAULTS.lrAdam : TRAINING_DEFAULTS.lrNesterov);
  checkLearningRate(lr);
  const weightDecay = o.weightDecay ?? TRAINING_DEFAULTS.weightDecay;
  if (typeof weightDecay !== 'number' || !(weightDecay >= 0 && weightDecay <= 1e6)) badArgument(`weightDecay must be a number in [0, 1e6], got ${String(weightDecay)}`);
  return { seed, optimizer, lr, weightDecay };
}
