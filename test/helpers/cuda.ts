/**
 * Skipping visibly when the CUDA ALS library (npm run build:cuda → build-cuda/libearshot_cuda.so, or
 * EARSHOT_CUDA_LIB) cannot run: not built, no driver, no GPU. A CI runner with a GPU sets
 * EARSHOT_REQUIRE_CUDA=1, which turns the skip into a failure.
 */
import type { TestContext } from 'node:test';
import { cudaStatus } from '../../trainer/wmf/cuda';
import { availableOrSkip } from './optional-backend';

/** True when GPU 0 is usable through the library; otherwise marks the test skipped (failed under EARSHOT_REQUIRE_CUDA=1). */
export function cudaOrSkip(t: TestContext): boolean {
  return availableOrSkip(t, 'CUDA ALS', cudaStatus(), 'EARSHOT_REQUIRE_CUDA'); // the reason names the library path
}
