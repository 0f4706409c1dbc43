/**
 * Replacing a whole output folder (a model bundle) so that a reader, or the user after a failure, sees
 * either the old folder or the new one, never a mix and never nothing:
 *   1. the new contents are written into `<dir>.partial-<pid>` beside it;
 *   2. the old folder, if any, is renamed aside to `<dir>.old-<pid>`;
 *   3. the new one is renamed to `<dir>`; then the old one is deleted.
 * A failure in 1 removes the partial folder and leaves the old one untouched; a failure in 3 renames
 * the old one back. A process killed between 2 and 3 leaves `<dir>.old-<pid>`: the next write to the
 * same `<dir>` puts it back first (when `<dir>` is missing) and deletes leftovers of dead processes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EarshotError } from '../../src/errors';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** Puts back an old folder a killed writer left aside, and deletes partial folders of dead writers. */
function recoverLeftovers(final: string): void {
  const parent = path.dirname(final);
  const base = path.basename(final);
  if (!fs.existsSync(parent)) return;
  for (const name of fs.readdirSync(parent)) {
    const m = /^(.*)\.(partial|old)-(\d+)$/.exec(name);
    if (!m || m[1] !== base) continue;
    const pid = Number(m[3]);
    if (pid === process.pid || isAlive(pid)) continue;
    const leftover = path.join(parent, name);
    if (m[2] === 'old' && !fs.existsSync(final)) fs.renameSync(leftover, final);
    else fs.rmSync(leftover, { recursive: true, force: true });
  }
}

/** Fills a new folder with `fill(tmpDir)` and swaps it in for `dir` (see the file comment). */
export function replaceDir<T>(dir: string, fill: (tmpDir: string) => T): T {
  const final = path.resolve(dir);
  if (fs.existsSync(final) && !fs.statSync(final).isDirectory()) throw new EarshotError('ERR_INVALID_ARGUMENT', `"${dir}" exists and is not a directory`);
  recoverLeftovers(final);
  const tmp = `${final}.partial-${process.pid}`;
  const old = `${final}.old-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  let result: T;
  try {
    result = fill(tmp);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const hadOld = fs.existsSync(final);
  try {
    if (hadOld) fs.renameSync(final, old);
    fs.renameSync(tmp, final);
  } catch (err) {
    if (hadOld && fs.existsSync(old) && !fs.existsSync(final)) fs.renameSync(old, final);
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new EarshotError('ERR_IO', `cannot move the new folder into place at "${dir}": ${(err as NodeJS.ErrnoException).code ?? err}`, { cause: err });
  }
  fs.rmSync(old, { recursive: true, force: true });
  return result;
}
