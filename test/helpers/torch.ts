/**
 * Skipping visibly when the optional libtorch addon (npm run build:torch) is absent. CI builds it and
 * sets EARSHOT_REQUIRE_TORCH=1, which turns the skip into a failure.
 */
import * as assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { torchStatus } from '../../trainer/cnn/torch-addon';

/** True when the addon loads; otherwise marks the test skipped (failed under EARSHOT_REQUIRE_TORCH=1). */
export function torchOrSkip(t: TestContext): boolean {
  const s = torchStatus();
  if (s.available) return true;
  if (process.env.EARSHOT_REQUIRE_TORCH === '1') assert.fail(`libtorch addon unavailable and EARSHOT_REQUIRE_TORCH=1: ${s.reason}`);
  t.skip(`libtorch addon unavailable (${s.reason})`);
  return false;
}
