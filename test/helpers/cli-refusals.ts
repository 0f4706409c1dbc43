/**
 * The command lines' promise for a user's mistake: a non-zero exit with the expected status (2 usage,
 * 1 otherwise), the problem named on stderr, and never a stack trace.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs `node <cli> <args>` for each case and checks its exit status and stderr. */
export async function assertCliRefuses(cli: string, cases: ReadonlyArray<[args: string[], stderr: RegExp, code: number]>): Promise<void> {
  for (const [args, re, code] of cases) {
    await assert.rejects(run(process.execPath, [cli, ...args]), (e: { code: number; stderr: string }) => {
      assert.equal(e.code, code, `${args.join(' ')}: exit code`);
      assert.match(e.stderr, re);
      assert.doesNotMatch(e.stderr, /\n\s+at /, 'no stack trace');
      return true;
    });
  }
}
