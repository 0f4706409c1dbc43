/**
 * `earshot-train model --songs <tsv>`: what a service knows about its songs. Tab-separated, a header
 * line first (names without case, in any order); `id` is required, and the optional columns are
 *   path     the song's audio, relative to --audio or absolute; empty: found by file stem like
 *            songs without the column (audio-match.ts)
 *   artist, title   what a listener sees
 *   uri      what a player should open (a path or an http, https or file URL); empty: none
 *   tags     comma-separated labels (genre, mood, ...) for the bundle's tag models
 * Any other column is ignored. The file is the catalogue: songs it does not list are left out even
 * when --audio holds their files. Values are checked with the engine's own field rules
 * (src/catalog/item-fields.ts) so a bundle never holds an item the engine would refuse at load.
 * A bad header or line is ERR_SONGS_FORMAT naming file:line and what is wrong.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { CONTROL_CHARACTER, itemFieldProblem } from '../../src/catalog/item-fields';
import { EarshotError } from '../../src/errors';

/** The columns read; any others are ignored. */
export const SONGS_FILE_COLUMNS = ['id', 'path', 'artist', 'title', 'uri', 'tags'] as const;
type SongsColumn = (typeof SONGS_FILE_COLUMNS)[number];

export interface SongsFileRow {
  id: string;
  /** As written (relative or absolute); null when the column is absent or the field empty. */
  path: string | null;
  artist: string;
  title: string;
  /** '' when none. */
  uri: string;
  tags: string[];
  /** 1-based line in the file, for messages. */
  line: number;
}

export interface SongsFile {
  file: string;
  rows: SongsFileRow[];
  /** Hex SHA-256 of the file's bytes. */
  sha256: string;
}

function formatError(where: string, message: string): never {
  throw new EarshotError('ERR_SONGS_FORMAT', `${where}: ${message}`);
}

/** Where each known column is in a line (-1: absent), from the header. */
function readHeader(header: string, file: string): { at: Record<SongsColumn, number>; fields: number } {
  const names = header.split('\t').map((n) => n.trim().toLowerCase());
  const at = Object.fromEntries(SONGS_FILE_COLUMNS.map((c) => [c, names.indexOf(c)])) as Record<SongsColumn, number>;
  for (const c of SONGS_FILE_COLUMNS) {
    if (at[c] >= 0 && names.indexOf(c, at[c] + 1) >= 0) formatError(`${file}:1`, `the header has two "${c}" columns`);
  }
  if (at.id < 0) {
    const tabs = names.length === 1 && header.includes(',') ? ' (the songs file is tab-separated)' : '';
    formatError(`${file}:1`, `the header has no "id" column${tabs}; it names ${JSON.stringify(header.slice(0, 120))} (columns: ${SONGS_FILE_COLUMNS.join(', ')})`);
  }
  return { at, fields: names.length };
}

/** Comma-separated tags, trimmed, empty ones dropped, repeats kept once; a control character is an error. */
function tagsOf(field: string, where: string): string[] {
  const tags = [...new Set(field.split(',').map((t) => t.trim()).filter((t) => t !== ''))];
  for (const t of tags) if (CONTROL_CHARACTER.test(t)) formatError(where, `tag ${JSON.stringify(t)} contains a control character`);
  return tags;
}

/** Parses the songs file's text (a UTF-8 BOM skipped, LF or CRLF, blank lines skipped). */
export function parseSongsFile(text: string, file = 'songs.tsv'): SongsFileRow[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines[0] === undefined || lines[0].trim() === '') formatError(`${file}:1`, `the first line must be a header naming the columns (${SONGS_FILE_COLUMNS.join(', ')}; id required)`);
  const { at, fields } = readHeader(lines[0], file);
  const field = (f: string[], c: SongsColumn) => (at[c] >= 0 ? f[at[c]] : '');
  const rows: SongsFileRow[] = [];
  const lineOf = new Map<string, number>();
  for (let k = 1; k < lines.length; k++) {
    if (lines[k] === '') continue;
    const line = k + 1;
    const where = `${file}:${line}`;
    const f = lines[k].split('\t');
    if (f.length !== fields) formatError(where, `expected ${fields} tab-separated fields as in the header, got ${f.length}`);
    const id = field(f, 'id');
    const seen = lineOf.get(id);
    if (seen !== undefined) formatError(where, `the id ${JSON.stringify(id)} is already on line ${seen}`);
    const uri = field(f, 'uri');
    const problem = itemFieldProblem('id', id) ?? itemFieldProblem('artist', field(f, 'artist')) ?? itemFieldProblem('title', field(f, 'title')) ?? (uri === '' ? null : itemFieldProblem('uri', uri));
    if (problem) formatError(where, id === '' ? 'the id is empty' : `song ${JSON.stringify(id.slice(0, 80))}: ${problem}`);
    const p = field(f, 'path');
    if (CONTROL_CHARACTER.test(p)) formatError(where, `song ${JSON.stringify(id.slice(0, 80))}: path contains a control character`);
    lineOf.set(id, line);
    rows.push({ id, path: p === '' ? null : p, artist: field(f, 'artist'), title: field(f, 'title'), uri, tags: tagsOf(field(f, 'tags'), where), line });
  }
  if (rows.length === 0) formatError(file, 'no songs (a header only)');
  return rows;
}

/** Reads and parses `file`; ERR_IO when it cannot be read, ERR_SONGS_FORMAT when it is malformed. */
export function readSongsFile(file: string): SongsFile {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new EarshotError('ERR_IO', `cannot read the songs file "${file}": ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
  return { file, rows: parseSongsFile(bytes.toString('utf8'), file), sha256: crypto.createHash('sha256').update(bytes).digest('hex') };
}
