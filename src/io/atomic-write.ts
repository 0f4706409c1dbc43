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

/**
 * writeFileAtomic for a file that must survive a crash or power loss once this resolves: the
 * temporary is flushed to disk (fsync) before it is renamed into place, off the event loop (libuv's
 * thread pool), so a server answering while it waits keeps serving. Make the renames themselves
 * durable with syncDirectory once every file of a save is in place.
 */
export async function writeFileAtomicDurable(file: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 8)}.tmp`;
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(tmp, 'wx');
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.promises.rename(tmp, file);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await fs.promises.unlink(tmp).catch(() => undefined); // never created, or already renamed
    throw new EarshotError('ERR_IO', `cannot write "${file}": ${(err as NodeJS.ErrnoException).code ?? err}`, { cause: err });
  }
}

/** Flushes a directory's entries (the renames into it) to disk; a filesystem that cannot (EINVAL, EISDIR) is left as it is. */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(dir, 'r');
    await handle.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM') throw new EarshotError('ERR_IO', `cannot sync directory "${dir}": ${code ?? err}`, { cause: err });
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
