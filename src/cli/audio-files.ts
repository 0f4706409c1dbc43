/**
 * Which files a library import takes: the files named on the command line, and the audio files
 * (by extension) under the directories named, in a stable order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EarshotError } from '../errors';

/** What a directory walk picks up (a file named explicitly is sent whatever its extension). */
export const AUDIO_EXTENSIONS = new Set(['.wav', '.flac', '.mp3', '.ogg', '.opus', '.m4a']);

/** Files named on the command line as given; directories walked recursively (sorted, hidden entries skipped). */
export function collectAudioFiles(inputs: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    const entries = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => !e.name.startsWith('.')).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if ((e.isFile() || e.isSymbolicLink()) && AUDIO_EXTENSIONS.has(path.extname(e.name).toLowerCase())) out.push(p);
    }
  };
  for (const input of inputs) {
    let st: fs.Stats;
    try {
      st = fs.statSync(input);
    } catch (err) {
      throw new EarshotError('ERR_IO', `cannot read ${input}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
    }
    // A file named explicitly is taken whatever its extension: the engine (ffmpeg) decides.
    if (st.isDirectory()) walk(input);
    else out.push(input);
  }
  return out.map((p) => path.resolve(p));
}
