/**
 * Whole-file writes that never leave a truncated file behind. A regular file is written to a
 * temporary name beside it and renamed into place, so a failed write (disk full, quota, file size
 * limit) leaves neither a half-written file nor a destroyed previous one; the temporary is removed on
 * failure. Devices and pipes (/dev/stdout, a FIFO) are written directly.
 */
import * as fs from 'node:fs';
import { EarshotError } from '../errors';

export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  let target = path;
  let direct = false;
  try {
    const st = fs.statSync(path);
    direct = !st.isFile();
    target = fs.realpathSync(path); // replace a symlink's target, not the link
  } catch {
    // does not exist yet (or unreadable): write a new file at `path`; errors surface below
  }
  const fail = (err: unknown): never => {
    throw new EarshotError('ERR_IO', `cannot write "${path}": ${(err as NodeJS.ErrnoException).code ?? err}`, { cause: err });
  };
  if (direct) {
    try {
      fs.writeFileSync(path, bytes);
    } catch (err) {
      fail(err);
    }
    return;
  }
  const tmp = `${target}.${process.pid}.${Date.now().toString(36)}.tmp`;
  try {
    fs.writeFileSync(tmp, bytes, { flag: 'wx' });
    fs.renameSync(tmp, target);
  } catch (err) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      // never created
    }
    fail(err);
  }
}
