/**
 * Skipping visibly when the optional libtorch addon (npm run build:torch) is absent. CI builds it and
 * sets EARSHOT_REQUIRE_TORCH=1, which turns the skip into a failure.
 */
import type { TestContext } from 'node:test';
import { torchStatus } from '../../trainer/cnn/torch-addon';
import { availableOrSkip } from './optional-backend';

/** True when the addon loads; otherwise marks the test skipped (failed under EARSHOT_REQUIRE_TORCH=1). */
export function torchOrSkip(t: TestContext): boolean {
  return availableOrSkip(t, 'libtorch addon', torchStatus(), 'EARSHOT_REQUIRE_TORCH');
}
