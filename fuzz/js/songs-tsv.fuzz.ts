/**
 * Fuzz target `songs-tsv`: a benchmark world's songs.tsv reader, parseSongsTsv (trainer/world/songs-tsv.ts).
 * Asserts: only EarshotError ERR_WORLD_FORMAT; every row has a non-empty id without path separators
 * (ids name files under the world's audio/), a non-empty style and a finite tempo > 0; and writing the
 * rows back the way world-files.ts writes them (tab-joined, lists comma-joined) and reading that again
 * gives the same rows, and the same text once more (write ∘ read is idempotent after one round).
 */
import { SONGS_TSV_HEADER } from '../../trainer/world/world-files';
import { parseSongsTsv, type SongRow } from '../../trainer/world/songs-tsv';
import { check, expectEarshotError, expectSame } from './harness';

function parse(text: string): SongRow[] | null {
  try {
    return parseSongsTsv(text, 'fuzz/songs.tsv');
  } catch (err) {
    expectEarshotError(err, ['ERR_WORLD_FORMAT']);
    return null;
  }
}

function write(rows: SongRow[]): string {
  const lines = [SONGS_TSV_HEADER.join('\t')];
  for (const s of rows) lines.push([s.id, s.artist, s.title, s.style, s.tempoBpm, s.key, s.mode, s.instruments.join(','), s.moods.join(',')].join('\t'));
  return lines.join('\n') + '\n';
}

const withoutLine = (rows: SongRow[]) => rows.map(({ line: _line, ...r }) => r);

export function fuzz(data: Buffer): void {
  const rows = parse(data.toString('utf8'));
  if (rows === null) return;
  check(rows.length > 0, 'no rows, no error');
  for (const r of rows) {
    check(r.id !== '' && !/[/\\]/.test(r.id) && r.id !== '.' && r.id !== '..', `id ${JSON.stringify(r.id)} accepted`);
    check(r.style !== '' && Number.isFinite(r.tempoBpm) && r.tempoBpm > 0, `line ${r.line}: style/tempo accepted`);
    check(Number.isInteger(r.line) && r.line >= 2, 'bad line number');
  }
  const text = write(rows);
  const again = parse(text);
  check(again !== null, () => `the written rows do not parse again:\n${text.slice(0, 400)}`);
  check(again.length === rows.length, 'the written rows parse to a different number of rows');
  const once = withoutLine(rows).map((r) => ({ ...r, instruments: r.instruments.filter((x) => x !== ''), moods: r.moods.filter((x) => x !== '') }));
  const twice = withoutLine(again).map((r) => ({ ...r, instruments: r.instruments.filter((x) => x !== ''), moods: r.moods.filter((x) => x !== '') }));
  expectSame(twice, once, 'read(write(rows)) differs from rows (empty list items aside)');
  expectSame(write(again), text, 'write(read(write(rows))) differs from write(rows)');
}
