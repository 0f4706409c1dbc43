/**
 * Weighted matrix factorisation for implicit feedback (Hu, Koren & Volinsky 2008), as used by
 * van den Oord et al. 2013 to get the song factors the CNN learns to predict:
 *   minimise  sum_{u,i} c_ui (p_ui - x_u.y_i)^2 + lambda (sum_u |x_u|^2 + sum_i |y_i|^2)
 * over ALL user-item pairs, by alternating least squares. Each half-iteration re-solves every user
 * (items fixed) then every item (users fixed) in native code (native/linalg/als_cg.h: conjugate gradient,
 * float32; als_solver.h: exact, double).
 */
import * as os from 'node:os';
import { nativeAddon } from '../../src/native/addon';
import { EarshotError } from '../../src/errors';
import { checkCsr, transpose, type Csr } from '../data/csr';
import { confidence, type ConfidenceOptions } from './confidence';
import { cudaStatus } from './cuda';
import { mulberry32 } from '../eval/prng';

export type AlsSolver = 'cg' | 'exact';
export type AlsDevice = 'cpu' | 'cuda';

export interface WmfOptions extends ConfidenceOptions {
  /** Latent dimensions F. Default 50 (the paper's). */
  factors?: number;
  /** ALS iterations (user sweep + item sweep). Default 15. */
  iterations?: number;
  /** L2 regularisation lambda. Default 1e-5 (the paper's). */
  lambda?: number;
  /** 'cg' (default, conjugate gradient warm-started, `cgSteps` per row) or 'exact' (Cholesky). */
  solver?: AlsSolver;
  cgSteps?: number;
  /** 'cpu' (default) or 'cuda' (GPU, conjugate gradient only; needs `npm run build:cuda`). */
  device?: AlsDevice;
  /** Worker threads. Default: all cores. */
  threads?: number;
  /** Seed of the initial factors (N(0, 0.01^2)). */
  seed?: number;
  /** Evaluate the full objective after every iteration (costs about one extra sweep). */
  computeLoss?: boolean;
  onIteration?: (it: IterationReport) => void;
}

export interface IterationReport {
  iteration: number; // 1-based
  seconds: number;
  loss: number | null;
}

export interface WmfModel {
  userFactors: Float32Array; // users x factors, row-major
  itemFactors: Float32Array; // items x factors
  factors: number;
  iterations: IterationReport[];
  options: Required<Omit<WmfOptions, 'onIteration'>>;
}

export const WMF_DEFAULTS = { factors: 50, iterations: 15, lambda: 1e-5, solver: 'cg' as AlsSolver, cgSteps: 3, seed: 1, computeLoss: false };

function intOption(name: string, v: number, lo: number, hi: number): number {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new EarshotError('ERR_INVALID_ARGUMENT', `${name} must be an integer in ${lo}..${hi}, got ${String(v)}`);
  return v;
}

/** Deterministic N(0, sd^2) initial factors: the project's seeded PRNG + Box-Muller. */
export function gaussianFactors(n: number, sd: number, seed: number): Float32Array {
  const uniform = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - uniform())) * sd; // 1 - u in (0, 1]: log stays finite
    const a = 2 * Math.PI * uniform();
    out[i] = r * Math.cos(a);
    if (i + 1 < n) out[i + 1] = r * Math.sin(a);
  }
  return out;
}

/**
 * The factors training starts from: the paper-style small random start N(0, 0.01^2), item factors (Y,
 * cols x f) from `seed`, user factors (X, rows x f) from seed + 1. Exported so that a peer
 * implementation can be started from exactly these (bench/wmf.ts --peer).
 */
export function initialFactors(rows: number, cols: number, f: number, seed: number): { X: Float32Array; Y: Float32Array } {
  return { Y: gaussianFactors(cols * f, 0.01, seed), X: gaussianFactors(rows * f, 0.01, (seed + 1) % 2 ** 32) };
}

export function resolveWmfOptions(o: WmfOptions): Required<Omit<WmfOptions, 'onIteration'>> {
  const solver = o.solver ?? WMF_DEFAULTS.solver;
  if (o.device !== undefined && o.device !== 'cpu' && o.device !== 'cuda') throw new EarshotError('ERR_INVALID_ARGUMENT', `device must be 'cpu' or 'cuda', got ${String(o.device)}`);
  if (o.device === 'cuda' && solver === 'exact') throw new EarshotError('ERR_INVALID_ARGUMENT', "the CUDA backend implements the conjugate-gradient solver only; use solver 'cg' or device 'cpu'");
  if (solver !== 'cg' && solver !== 'exact') throw new EarshotError('ERR_INVALID_ARGUMENT', `solver must be 'cg' or 'exact', got ${String(solver)}`);
  const lambda = o.lambda ?? WMF_DEFAULTS.lambda;
  if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new EarshotError('ERR_INVALID_ARGUMENT', `lambda must be a finite number >= 0, got ${lambda}`);
  return {
    factors: intOption('factors', o.factors ?? WMF_DEFAULTS.factors, 1, 1024),
    iterations: intOption('iterations', o.iterations ?? WMF_DEFAULTS.iterations, 0, 100000),
    lambda,
    solver,
    cgSteps: intOption('cgSteps', o.cgSteps ?? WMF_DEFAULTS.cgSteps, 1, 1024),
    threads: intOption('threads', o.threads ?? os.availableParallelism(), 1, 1024),
    seed: intOption('seed', o.seed ?? WMF_DEFAULTS.seed, 0, 2 ** 32 - 1),
    computeLoss: o.computeLoss ?? WMF_DEFAULTS.computeLoss,
    device: o.device ?? 'cpu',
    mode: o.mode ?? 'log',
    alpha: o.alpha ?? 2,
    eps: o.eps ?? 1e-6,
  };
}

/** Trains user and item factors from a users x items play-count matrix. */
export async function trainWmf(plays: Csr, o: WmfOptions = {}): Promise<WmfModel> {
  const opt = resolveWmfOptions(o);
  checkCsr(plays, 'play counts');
  const byUser = plays;
  const byItem = transpose(plays);
  const cu = confidence(byUser.data, opt);
  const ci = confidence(byItem.data, opt);
  const f = opt.factors;
  const { X, Y } = initialFactors(byUser.rows, byUser.cols, f, opt.seed);
  const addon = nativeAddon();
  const iterations: IterationReport[] = [];
  // One loop for both backends: `step` runs one ALS iteration, `factors` gives the current X and Y.
  const run = async (step: () => Promise<void> | void, factors: () => { X: Float32Array; Y: Float32Array }) => {
    for (let it = 1; it <= opt.iterations; it++) {
      const t0 = process.hrtime.bigint();
      await step();
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      let loss: number | null = null;
      if (opt.computeLoss) {
        const cur = factors();
        loss = addon.alsLoss(byUser.indptr, byUser.indices, cu, cur.X, cur.Y, f, opt.lambda, opt.threads);
      }
      const report = { iteration: it, seconds, loss };
      iterations.push(report);
      o.onIteration?.(report);
    }
    const fin = factors();
    return { userFactors: fin.X, itemFactors: fin.Y, factors: f, iterations, options: opt };
  };
  if (opt.device === 'cuda') {
    const status = cudaStatus();
    if (!status.available) throw new EarshotError('ERR_CUDA_UNAVAILABLE', `CUDA is not usable (${status.library}): ${status.reason}`);
    const gpu = new addon.CudaAls(status.library, byUser.indptr, byUser.indices, cu, byItem.indptr, byItem.indices, ci, f, opt.lambda, opt.cgSteps, X, Y);
    try {
      return await run(() => gpu.iterate(), () => {
        const d = gpu.download(); // the factors live on the GPU between iterations
        return { X: d.userFactors, Y: d.itemFactors };
      });
    } finally {
      gpu.dispose();
    }
  }
  return run(async () => {
    await addon.alsSweepAsync(byUser.indptr, byUser.indices, cu, X, Y, f, opt.lambda, opt.solver, opt.cgSteps, opt.threads);
    await addon.alsSweepAsync(byItem.indptr, byItem.indices, ci, Y, X, f, opt.lambda, opt.solver, opt.cgSteps, opt.threads);
  }, () => ({ X, Y }));
}

/** The objective for given factors (the same quantity IterationReport.loss reports). */
export function wmfLoss(plays: Csr, userFactors: Float32Array, itemFactors: Float32Array, o: WmfOptions = {}): number {
  const opt = resolveWmfOptions(o);
  return nativeAddon().alsLoss(plays.indptr, plays.indices, confidence(plays.data, opt), userFactors, itemFactors, opt.factors, opt.lambda, opt.threads);
}
