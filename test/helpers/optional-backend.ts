/**
 * Skipping visibly when an optional backend (the libtorch addon, TensorFlow.js, the CUDA ALS library)
 * cannot run here. CI that has one sets its EARSHOT_REQUIRE_* variable, which turns the skip into a failure.
 */
import * as assert from 'node:assert/strict';
import type { TestContext } from 'node:test';

/**
 * True when `status.available`; otherwise marks the test skipped with the reason (a failure instead when
 * the environment variable `requireVar` is '1').
 */
export function availableOrSkip(t: TestContext, what: string, status: { available: boolean; reason?: string }, requireVar?: string): boolean {
  if (status.available) return true;
  if (requireVar !== undefined && process.env[requireVar] === '1') assert.fail(`${what} unavailable and ${requireVar}=1: ${status.reason}`);
  t.skip(`${what} unavailable (${status.reason})`);
  return false;
}
