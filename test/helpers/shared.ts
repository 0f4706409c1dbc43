/**
 * Locating data that lives outside the repo (../shared: reference outputs, audio clips) and
 * skipping visibly when it is absent. CI that must have the data sets EARSHOT_REQUIRE_SHARED=1
 * so a missing directory fails instead of silently skipping.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import { packageRoot } from '../../src/io/package-root';

/** The repo root (works from dist/ too). */
export function repoRoot(): string {
  return packageRoot(__dirname);
}

export function sharedPath(rel: string): string {
  return path.resolve(repoRoot(), '..', 'shared', rel);
}

/**
 * The absolute path of `rel` under ../shared, or null after marking the test skipped when it is
 * absent (a failure instead when EARSHOT_REQUIRE_SHARED=1).
 */
export function sharedOrSkip(t: TestContext, rel: string): string | null {
  const p = sharedPath(rel);
  if (fs.existsSync(p)) return p;
  if (process.env.EARSHOT_REQUIRE_SHARED === '1') assert.fail(`${p} absent and EARSHOT_REQUIRE_SHARED=1`);
  t.skip(`${p} absent`);
  return null;
}

/** A path in the compiled tree (dist/), e.g. distPath('src', 'cli', 'earshot.js'), from any test folder. */
export function distPath(...parts: string[]): string {
  return path.resolve(repoRoot(), 'dist', ...parts);
}
