/** Argument parsing, output checks and progress output shared by earshot-train's commands. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EarshotError } from '../../src/errors';

export { numArg, intArg } from '../../src/cli/args';

/**
 * A progress line on a terminal (rewritten in place), or one line per update when piped (logs).
 * Call with null to finish the line.
 */
export function progressLine(stream: NodeJS.WriteStream, label: string): (text: string | null) => void {
  let open = false;
  return (text) => {
    if (text === null) {
      if (open && stream.isTTY) stream.write('\n');
      open = false;
      return;
    }
    if (stream.isTTY) stream.write(`\r\x1b[2K${label}: ${text}`);
    else stream.write(`${label}: ${text}\n`);
    open = true;
  };
}

/**
 * Checks an output location before any work is done, so a long run never ends in ENOTDIR/EISDIR:
 * kind 'dir': `target` is a directory or does not exist (with `empty`, an existing one must be empty);
 * kind 'file': `target` is not a directory. Either way, when it does not exist, its nearest existing
 * ancestor must be a writable directory (the missing folders are created later). Failures are one line
 * naming the flag and the path: ERR_IO (exit 1); a non-empty directory where an empty one is needed
 * stays ERR_INVALID_ARGUMENT (as the writers themselves say it).
 */
export function checkOutputPath(flag: string, target: string, kind: 'dir' | 'file', options: { empty?: boolean } = {}): void {
  const abs = path.resolve(target);
  const stat = (p: string): fs.Stats | null => {
    try {
      return fs.statSync(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') return null; // a file on the way: found below
      throw new EarshotError('ERR_IO', `${flag} ${target}: cannot check it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
    }
  };
  const writable = (p: string): boolean => {
    try {
      fs.accessSync(p, fs.constants.W_OK | fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  const st = stat(abs);
  if (st) {
    if (kind === 'dir' && !st.isDirectory()) throw new EarshotError('ERR_IO', `${flag} ${target} exists and is not a directory; give a directory (it is created when missing)`);
    if (kind === 'file' && st.isDirectory()) throw new EarshotError('ERR_IO', `${flag} ${target} is a directory; give a file name`);
    if (kind === 'dir' && options.empty && fs.readdirSync(abs).length > 0) {
      throw new EarshotError('ERR_INVALID_ARGUMENT', `${flag} ${target} exists and is not empty; choose another ${flag}`);
    }
    if (!writable(kind === 'dir' ? abs : path.dirname(abs))) throw new EarshotError('ERR_IO', `${flag} ${target} is not writable`);
    return;
  }
  let up = path.dirname(abs);
  let upStat = stat(up);
  while (!upStat && path.dirname(up) !== up) {
    up = path.dirname(up);
    upStat = stat(up);
  }
  if (!upStat || !upStat.isDirectory()) throw new EarshotError('ERR_IO', `${flag} ${target} cannot be created: ${up} is not a directory`);
  if (!writable(up)) throw new EarshotError('ERR_IO', `${flag} ${target} cannot be created: ${up} is not writable`);
}
