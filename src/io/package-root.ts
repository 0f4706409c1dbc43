/** Finding earshot's own files (models/, plugin-host/) from compiled code, whatever the working directory. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The nearest ancestor of `from` holding package.json: the package root, from the sources and from dist/. */
export function packageRoot(from: string = __dirname): string {
  let dir = from;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
  return dir;
}
