// The CUDA ALS backend (trainer/wmf/cuda.ts, native/cuda/als_cuda.cu → build-cuda/libearshot_cuda.so):
// the shared ALS backend conformance suite (als-backend-conformance.ts) where a GPU is usable — else
// it skips visibly with the reason, and EARSHOT_REQUIRE_CUDA=1 fails instead — then what only this
// backend has: agreement with the CPU solver, and the error that says why CUDA cannot be used.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nativeAddon } from '../../../src/native/addon';
import type { EarshotError } from '../../../src/errors';
import { transpose } from '../../../trainer/data/csr';
import { cudaLibraryPath, cudaStatus } from '../../../trainer/wmf/cuda';
import { trainWmf } from '../../../trainer/wmf/train';
import { cudaOrSkip } from '../../helpers/cuda';
import { uniformPlays } from '../../helpers/random-plays';
import { alsBackendConformance } from './als-backend-conformance';

const F = 6;
const LAMBDA = 0.1;

alsBackendConformance({
  name: 'cuda',
  availableOrSkip: cudaOrSkip,
  train: { device: 'cuda' },
  halfIteration: async (plays, conf, X, Y, f, lambda) => {
    // The library runs whole iterations (users, then items); X after it is the users' half, which read only the Y given.
    const byItem = transpose({ ...plays, data: conf });
    const gpu = new (nativeAddon().CudaAls)(cudaLibraryPath(), plays.indptr, plays.indices, conf, byItem.indptr, byItem.indices, byItem.data, f, lambda, f, X, Y);
    try {
      gpu.iterate();
      X.set(gpu.download().userFactors);
    } finally {
      gpu.dispose();
    }
  },
  // Float32 conjugate gradient (as the CPU's) with YᵀY summed with atomics in no fixed order.
  solveTolerance: 1e-3,
  lossSlack: 1e-6,
  reproducible: 1e-4,
});

test('device cuda: trains on the GPU when one is usable, else says exactly why (ERR_CUDA_UNAVAILABLE)', async () => {
  const plays = uniformPlays(40, 30, 0.2, 29);
  const status = cudaStatus();
  if (!status.available) {
    await assert.rejects(trainWmf(plays, { factors: F, device: 'cuda' }), (e: EarshotError) => e.code === 'ERR_CUDA_UNAVAILABLE' && e.message.includes(status.reason));
    await assert.rejects(trainWmf(plays, { device: 'cuda', solver: 'exact' }), /conjugate-gradient solver only/);
    return;
  }
  // GPU present: same start as the CPU CG, objective within 1e-5 relative after 5 iterations.
  const opts = { factors: F, lambda: LAMBDA, alpha: 2, eps: 1, iterations: 5, computeLoss: true };
  const cpu = await trainWmf(plays, { ...opts, device: 'cpu' });
  const gpu = await trainWmf(plays, { ...opts, device: 'cuda' });
  const lc = cpu.iterations.at(-1)!.loss!, lg = gpu.iterations.at(-1)!.loss!;
  assert.ok(Math.abs(lc - lg) <= 1e-5 * lc, `cpu ${lc} vs gpu ${lg} (${status.device})`);
});
