/**
 * Named columns of a songs file (TSV, a header line, an `id` column): what `earshot-train listeners`
 * reads as labels and `earshot-train neighbours` as paths and labels. Only the columns asked for are
 * read; other songs-file rules (trainer/pipeline/songs-file.ts) are the model pipeline's.
 */
import * as fs from 'node:fs';
import { EarshotError } from '../../src/errors';

export interface SongColumns {
  id: string;
  /** Trimmed value per column read ('' when empty). */
  values: Record<string, string>;
}

/**
 * @param columns the columns to read (lower case); with `someColumns`, those of them the header has
 *   (at least one) — else every one must be there
 */
export function readSongColumns(file: string, columns: readonly string[], o: { someColumns?: boolean } = {}): SongColumns[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new EarshotError('ERR_IO', `--songs ${file}: ${(err as Error).message}`, { cause: err });
  }
  const lines = text.split('\n').filter((l, i, a) => l.length > 0 || i < a.length - 1);
  const header = (lines[0] ?? '').split('\t').map((h) => h.trim().toLowerCase());
  const idCol = header.indexOf('id');
  if (idCol < 0) throw new EarshotError('ERR_SONGS_FORMAT', `${file}:1: the header has no id column`);
  const wanted = o.someColumns && columns.some((c) => header.includes(c)) ? columns.filter((c) => header.includes(c)) : columns;
  const cols = wanted.map((c) => {
    const i = header.indexOf(c);
    if (i < 0) throw new EarshotError('ERR_SONGS_FORMAT', `${file}:1: the header has no ${c} column (it has ${header.join(', ')})`);
    return { c, i };
  });
  const seen = new Set<string>();
  return lines.slice(1).map((line, k) => {
    const f = line.split('\t');
    const id = (f[idCol] ?? '').trim();
    if (!id) throw new EarshotError('ERR_SONGS_FORMAT', `${file}:${k + 2}: empty id`);
    if (seen.has(id)) throw new EarshotError('ERR_SONGS_FORMAT', `${file}:${k + 2}: id ${id} appears twice`);
    seen.add(id);
    return { id, values: Object.fromEntries(cols.map(({ c, i }) => [c, (f[i] ?? '').trim()])) };
  });
}
