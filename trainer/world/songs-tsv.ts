/**
 * Reads a world's songs.tsv (written by world-files.ts with the same column list): one row per song
 * with id, artist, title, style, tempo (BPM), key, mode, instruments and moods. Malformed files give
 * ERR_WORLD_FORMAT with the file and line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EarshotError } from '../../src/errors';
import { SONGS_TSV_HEADER } from './world-files';

/** The columns world-files.ts writes, in order: one definition for writer and reader. */
const SONGS_COLUMNS = SONGS_TSV_HEADER;

export interface SongRow {
  id: string;
  artist: string;
  title: string;
  style: string;
  tempoBpm: number;
  key: string;
  mode: string;
  instruments: string[];
  moods: string[];
  /** 1-based line in songs.tsv, for messages. */
  line: number;
}

function formatError(file: string, message: string): never {
  throw new EarshotError('ERR_WORLD_FORMAT', `${file}: ${message}`);
}

function list(field: string): string[] {
  return field === '' ? [] : field.split(',').map((s) => s.trim());
}

/** Parses songs.tsv text (header line required, exact column names and order; blank lines skipped). */
export function parseSongsTsv(text: string, file = 'songs.tsv'): SongRow[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = lines[0] ?? '';
  if (header !== SONGS_COLUMNS.join('\t')) {
    formatError(file, `line 1 must be the header "${SONGS_COLUMNS.join('\\t')}", got ${JSON.stringify(header.slice(0, 120))}`);
  }
  const rows: SongRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === '') continue;
    const f = lines[i].split('\t');
    const line = i + 1;
    if (f.length !== SONGS_COLUMNS.length) formatError(file, `line ${line}: expected ${SONGS_COLUMNS.length} tab-separated fields, got ${f.length}`);
    const [id, artist, title, style, tempo, key, mode, instruments, moods] = f;
    if (id === '' || style === '') formatError(file, `line ${line}: id and style must not be empty`);
    // The id names a file under audio/: no separators or dot-dot, so a world cannot point outside itself.
    if (/[/\\]/.test(id) || id === '.' || id === '..') formatError(file, `line ${line}: id ${JSON.stringify(id)} must not contain path separators`);
    const tempoBpm = Number(tempo);
    if (tempo.trim() === '' || !Number.isFinite(tempoBpm) || tempoBpm <= 0) formatError(file, `line ${line}: tempo_bpm must be a number > 0, got ${JSON.stringify(tempo)}`);
    rows.push({ id, artist, title, style, tempoBpm, key, mode, instruments: list(instruments), moods: list(moods), line });
  }
  if (rows.length === 0) formatError(file, 'no songs (header only)');
  return rows;
}

export function readSongsTsv(world: string): SongRow[] {
  const file = path.join(world, 'songs.tsv');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const hint = code === 'ENOENT' ? ' (is --world a benchmark world directory?)' : '';
    throw new EarshotError('ERR_IO', `cannot read "${file}": ${code ?? String(err)}${hint}`, { cause: err });
  }
  return parseSongsTsv(text, file);
}

