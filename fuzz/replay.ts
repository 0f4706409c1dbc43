/**
 * Replays inputs through a JavaScript fuzz target without the fuzzer, for a finding's crash file or a
 * whole corpus directory: `node dist/fuzz/replay.js <target> <file-or-dir>...`. Prints each input's
 * outcome; exits 1 if any input made the target throw (the exception is printed).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

type Target = { fuzz(data: Buffer): void | Promise<void> };

export function loadTarget(name: string): Target {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`bad target name ${JSON.stringify(name)}`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(__dirname, 'js', `${name}.fuzz.js`)) as Target;
}

export function inputFiles(p: string): string[] {
  if (!fs.statSync(p).isDirectory()) return [p];
  return fs
    .readdirSync(p)
    .filter((f) => !f.startsWith('.'))
    .sort()
    .map((f) => path.join(p, f));
}

async function main(argv: string[]): Promise<number> {
  const [name, ...paths] = argv;
  if (!name || paths.length === 0) {
    console.error('usage: node dist/fuzz/replay.js <target> <file-or-dir>...');
    return 2;
  }
  const target = loadTarget(name);
  let failed = 0;
  for (const file of paths.flatMap(inputFiles)) {
    try {
      await target.fuzz(fs.readFileSync(file));
      console.log(`ok      ${file}`);
    } catch (err) {
      failed++;
      console.log(`FINDING ${file}\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  }
  return failed > 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
