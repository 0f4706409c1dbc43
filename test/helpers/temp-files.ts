/**
 * A test file's scratch folder: created under the OS temp dir, removed when the process exits, with a
 * writer that puts a named file in it (folders created as needed) and returns its path.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface TempFiles {
  dir: string;
  /** Writes `content` to dir/name (name may hold subfolders); returns the absolute path. */
  write(name: string, content: string | Buffer): string;
}

export function tempFiles(prefix: string): TempFiles {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `earshot-${prefix}-`));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    write(name, content) {
      const p = path.join(dir, name);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, content);
      return p;
    },
  };
}
