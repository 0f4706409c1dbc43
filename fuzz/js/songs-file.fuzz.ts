/**
 * Fuzz target `songs-file`: the songs file of `earshot-train model --songs`, parseSongsFile
 * (trainer/pipeline/songs-file.ts), over the input's bytes decoded as UTF-8 (as readSongsFile does).
 * Asserts:
 *  - only EarshotError ERR_SONGS_FORMAT, naming `fuzz/songs.tsv:<line>: ` (or `fuzz/songs.tsv: ` for a
 *    file with a header and no songs);
 *  - the same rows, or an error at the same line, as a reference reading of the format's description
 *    (split at LF with the CR of CRLF dropped, fields at tabs, the header's names without case or
 *    surrounding space, the catalogue's field rules of src/catalog/item-fields.ts);
 *  - every row is one the catalogue accepts: a non-empty, unique id; artist, title and uri (when not
 *    empty) without a problem; a path that is null or non-empty without control characters; tags
 *    trimmed, non-empty, unique, without commas or control characters; line numbers increasing from 2;
 *  - the rows written back as a songs file (all six columns) read back as the same rows.
 */
import { CONTROL_CHARACTER, itemFieldProblem } from '../../src/catalog/item-fields';
import { parseSongsFile, SONGS_FILE_COLUMNS, type SongsFileRow } from '../../trainer/pipeline/songs-file';
import { check, expectEarshotError, expectSame, finding } from './harness';

const FILE = 'fuzz/songs.tsv';

/** The rows without their line numbers, or the line an error names (null: the file as a whole). */
type Outcome = { rows: SongsFileRow[] } | { line: number | null };

function parse(text: string): Outcome {
  try {
    return { rows: parseSongsFile(text, FILE) };
  } catch (err) {
    const e = expectEarshotError(err, ['ERR_SONGS_FORMAT']);
    if (e.message.startsWith(`${FILE}: `)) return { line: null };
    const m = /^fuzz\/songs\.tsv:(\d+): \S/.exec(e.message);
    if (!m) return finding(`ERR_SONGS_FORMAT does not name file:line: ${e.message}`);
    return { line: Number(m[1]) };
  }
}

/** The format as songs-file.ts describes it, read line by line with plain string operations. */
export function referenceParse(text: string): Outcome {
  const raw = (text.startsWith('\uFEFF') ? text.slice(1) : text).split('\n');
  const lines = raw.map((l, k) => (k < raw.length - 1 && l.endsWith('\r') ? l.slice(0, -1) : l));
  const names = lines[0].split('\t').map((n) => n.trim().toLowerCase());
  if (names.every((n) => n === '')) return { line: 1 }; // no header
  const at: Record<string, number> = {};
  for (const c of SONGS_FILE_COLUMNS) {
    const where = names.flatMap((n, i) => (n === c ? [i] : []));
    if (where.length > 1) return { line: 1 };
    at[c] = where.length === 1 ? where[0] : -1;
  }
  if (at.id < 0) return { line: 1 };
  const ok = (field: 'id' | 'artist' | 'title' | 'uri', v: string) => itemFieldProblem(field, v) === null;
  const rows: SongsFileRow[] = [];
  const ids = new Set<string>();
  for (let k = 1; k < lines.length; k++) {
    if (lines[k] === '') continue;
    const f = lines[k].split('\t');
    if (f.length !== names.length) return { line: k + 1 };
    const [id, path, artist, title, uri, tagText] = SONGS_FILE_COLUMNS.map((c) => (at[c] >= 0 ? f[at[c]] : ''));
    const tags = [...new Set(tagText.split(',').map((t) => t.trim()).filter((t) => t !== ''))];
    const valid = !ids.has(id) && ok('id', id) && ok('artist', artist) && ok('title', title) && (uri === '' || ok('uri', uri));
    if (!valid || CONTROL_CHARACTER.test(path) || tags.some((t) => CONTROL_CHARACTER.test(t))) return { line: k + 1 };
    ids.add(id);
    rows.push({ id, path: path === '' ? null : path, artist, title, uri, tags, line: k + 1 });
  }
  return rows.length > 0 ? { rows } : { line: null };
}

function checkRow(r: SongsFileRow, previousLine: number): void {
  const what = `line ${r.line} (song ${JSON.stringify(r.id.slice(0, 80))})`;
  check(Number.isInteger(r.line) && r.line > previousLine && r.line >= 2, `${what}: line number out of order`);
  for (const field of ['id', 'artist', 'title'] as const) check(itemFieldProblem(field, r[field]) === null, () => `${what}: ${itemFieldProblem(field, r[field])}`);
  check(r.uri === '' || itemFieldProblem('uri', r.uri) === null, () => `${what}: ${itemFieldProblem('uri', r.uri)}`);
  check(r.path === null || (r.path !== '' && !CONTROL_CHARACTER.test(r.path)), `${what}: path ${JSON.stringify(r.path)} accepted`);
  check(new Set(r.tags).size === r.tags.length, `${what}: a tag twice`);
  for (const t of r.tags) check(t !== '' && t === t.trim() && !t.includes(',') && !CONTROL_CHARACTER.test(t), `${what}: tag ${JSON.stringify(t)} accepted`);
}

/** A songs file holding `rows`, every column present. */
function write(rows: SongsFileRow[]): string {
  const lines = [SONGS_FILE_COLUMNS.join('\t')];
  for (const r of rows) lines.push([r.id, r.path ?? '', r.artist, r.title, r.uri, r.tags.join(',')].join('\t'));
  return lines.join('\n') + '\n';
}

const withoutLine = (rows: SongsFileRow[]) => rows.map(({ line: _line, ...r }) => r);

export function fuzz(data: Buffer): void {
  const text = data.toString('utf8');
  const got = parse(text);
  expectSame(got, referenceParse(text), 'parseSongsFile vs the reference reading');
  if (!('rows' in got)) return;
  check(new Set(got.rows.map((r) => r.id)).size === got.rows.length, 'an id twice');
  got.rows.forEach((r, k) => checkRow(r, k === 0 ? 0 : got.rows[k - 1].line));
  const again = parse(write(got.rows));
  check('rows' in again, () => `the rows written back do not parse: ${JSON.stringify(again)}`);
  expectSame(withoutLine(again.rows), withoutLine(got.rows), 'read(write(rows)) differs from rows');
}
