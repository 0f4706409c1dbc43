/**
 * `earshot-train listeners --songs <tsv> --out <plays.tsv>`: play counts for a catalogue that has
 * labels but no listeners, simulated from the labels alone (trainer/sources/label-listeners.ts), as
 * Taste-Profile triplets `earshot-train model --plays` reads.
 */
import { EarshotError } from '../../src/errors';
import { checkOutputPath, intArg, numArg } from '../../src/cli/args';
import { defineCommand, type OptionValues } from '../../src/cli/dispatch';
import { readSongColumns } from '../sources/song-columns';
import { DEFAULT_EXPLORATION, DEFAULT_FACET_WEIGHTS, DEFAULT_LIBRARY_SIZE, simulateLabelListeners, type LabelledSong } from '../sources/label-listeners';
import { writeFileAtomic } from '../../src/io/atomic-write';

export const LISTENERS_USAGE = `usage: earshot-train listeners --songs <tsv> --out <plays.tsv> [options]
  --songs FILE     songs file (TSV with a header): an id column and the label columns
  --by COLS        label columns and how often each becomes a listener's taste, COL[=weight],...
                   (default ${Object.entries(DEFAULT_FACET_WEIGHTS).map(([k, w]) => `${k}=${w}`).join(',')}, those of them
                   the file has; empty fields are no label)
  --users N        listeners (default 3000)
  --library N      median distinct songs per listener (default ${DEFAULT_LIBRARY_SIZE}; log-normal, 3..60)
  --explore F      share of a library found outside the listener's tastes (default ${DEFAULT_EXPLORATION})
  --seed S         default 1
  --out FILE       user<TAB>song<TAB>count lines
  --json           print a JSON summary`;

const OPTIONS = { songs: { type: 'string' }, by: { type: 'string' }, users: { type: 'string' }, library: { type: 'string' }, explore: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } } as const;

/** "soundtrack=0.5,artist" → {soundtrack: 0.5, artist: 1}. */
function parseBy(by: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of by.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [name, w] = part.split('=');
    const weight = w === undefined ? 1 : Number(w);
    if (!/^[A-Za-z_][\w-]*$/.test(name) || !(weight > 0) || !Number.isFinite(weight)) throw new EarshotError('ERR_INVALID_ARGUMENT', `--by: "${part}" is not COLUMN or COLUMN=weight with a weight > 0`);
    out[name.toLowerCase()] = weight;
  }
  if (Object.keys(out).length === 0) throw new EarshotError('ERR_INVALID_ARGUMENT', '--by names no column');
  return out;
}

/** The songs and their labels: "column:value" for every non-empty label field. */
export function readLabelledSongs(file: string, columns: readonly string[], o: { someColumns?: boolean } = {}): LabelledSong[] {
  // someColumns: the default --by names every facet it knows; a file needs only one of them.
  return readSongColumns(file, columns, o).map((r) => ({ id: r.id, labels: Object.entries(r.values).filter(([, v]) => v).map(([c, v]) => `${c}:${v}`) }));
}

async function listenersCommand(v: OptionValues<typeof OPTIONS>): Promise<void> {
  if (!v.songs || !v.out) throw new EarshotError('ERR_INVALID_ARGUMENT', `--songs and --out are required\n${LISTENERS_USAGE}`);
  const weights = v.by === undefined ? { ...DEFAULT_FACET_WEIGHTS } : parseBy(v.by);
  const users = intArg('users', v.users, 1, 10_000_000) ?? 3000;
  const seed = intArg('seed', v.seed, 0, 2 ** 32 - 1) ?? 1;
  const librarySize = intArg('library', v.library, 1, 60);
  const exploration = numArg('explore', v.explore, 0, 1);
  checkOutputPath('--out', v.out, 'file');
  const songs = readLabelledSongs(v.songs, Object.keys(weights), { someColumns: v.by === undefined });
  const triplets = simulateLabelListeners(songs, { users, seed, facetWeights: weights, librarySize, exploration });
  writeFileAtomic(v.out, Buffer.from(triplets.map((t) => t.join('\t') + '\n').join(''), 'utf8'));
  const played = new Set(triplets.map((t) => t[1])).size;
  const summary = { out: v.out, users, songs: songs.length, played, plays: triplets.length, playCounts: triplets.reduce((s, t) => s + t[2], 0) };
  process.stdout.write(v.json ? JSON.stringify(summary) + '\n' : `${v.out}: ${users} listeners, ${summary.plays} (user, song) pairs over ${played} of ${songs.length} songs\n`);
}

export const LISTENERS_COMMAND = defineCommand({ name: 'listeners', summary: 'simulate listeners of a labelled catalogue from its labels alone', usage: LISTENERS_USAGE, options: OPTIONS, run: listenersCommand });
