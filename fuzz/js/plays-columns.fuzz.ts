/**
 * Fuzz target `plays-columns`: plays files with a header and format detection, TripletParser
 * (trainer/data/triplet-parser.ts) with format 'columns' (a TSV, CSV or semicolon file whose header
 * names the user, song and count columns, trainer/data/plays-columns.ts) or 'auto' (the HetRec header,
 * a columns header, else Taste-Profile triplets, decided by the first line). The first byte selects the
 * format (bit 0: columns / auto) and maxLineBytes (32 + bits 1-6); the rest is the file. Asserts:
 *  - only EarshotError ERR_TRIPLETS_FORMAT naming `fuzz/plays.csv:<line>: `, ERR_TRIPLETS_EMPTY naming
 *    `fuzz/plays.csv: ` or ERR_TRIPLETS_TOO_LARGE;
 *  - the outcome does not depend on how the bytes are chunked (the parser is push-based);
 *  - it equals a slow reference read from the format's description: lines split at LF, fields by
 *    String.split or (comma, semicolon) an RFC 4180 state machine, column names looked up in the
 *    documented lists, Number() for counts, and for 'auto' the first line deciding the layout (HetRec
 *    and triplets read by triplets.fuzz.ts's reference): the same layout, column names, rows, ids,
 *    float32 counts, zero counts and line count, or an error of the same code at the same line.
 */
import { COUNT_COLUMN_NAMES, ITEM_COLUMN_NAMES, USER_COLUMN_NAMES } from '../../trainer/data/plays-columns';
import { HETREC_HEADER, TripletParser, type ParsedTriplets } from '../../trainer/data/triplet-parser';
import { check, expectEarshotError, expectSame, finding, pieces, rng } from './harness';
import { referenceParse as tripletsReference, summarise } from './triplets.fuzz';

const NAME = 'fuzz/plays.csv';
const CODES = ['ERR_TRIPLETS_FORMAT', 'ERR_TRIPLETS_EMPTY', 'ERR_TRIPLETS_TOO_LARGE'] as const;
const NUMBER_RE = /^\+?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const FLOAT32_MAX = 3.4028234663852886e38;

type Format = 'columns' | 'auto';
type Columns = { separator: string; user: string; item: string; count: string };
type Parsed = { format: ParsedTriplets['format']; columns: Columns | null; rows: number; zeroCounts: number; lines: number; triplets: [string, string, number][] };
/** What a parse gives, in a form two parsers can be compared by. */
type Outcome = Parsed | { code: string; line: number | null };

function failed(err: unknown): Outcome {
  const e = expectEarshotError(err, CODES);
  if (e.code !== 'ERR_TRIPLETS_FORMAT') {
    check(e.message.startsWith(`${NAME}: `), () => `${e.code} does not name the input: ${e.message}`);
    return { code: e.code, line: null };
  }
  const m = /^fuzz\/plays\.csv:(\d+): \S/.exec(e.message);
  if (!m) return finding(`ERR_TRIPLETS_FORMAT does not name file:line: ${e.message}`);
  return { code: e.code, line: Number(m[1]) };
}

function parseChunks(chunks: Uint8Array[], format: Format, maxLineBytes: number): Outcome {
  try {
    const p = new TripletParser({ format, maxLineBytes, name: NAME });
    for (const c of chunks) p.push(c);
    const r = p.end();
    return { format: r.format, columns: r.columns, ...summarise(r) };
  } catch (err) {
    return failed(err);
  }
}

// ---- the reference: the format as plays-columns.ts describes it, one line at a time ----

const utf8 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');

/** The lines after a UTF-8 BOM, split at LF, each without the CR of a CRLF (a last line without LF ends as if it had one). */
function linesOf(d: Uint8Array): Uint8Array[] {
  const start = d[0] === 0xef && d[1] === 0xbb && d[2] === 0xbf ? 3 : 0;
  const lines: Uint8Array[] = [];
  let from = start;
  for (let k = start; k <= d.length; k++) {
    if (k < d.length && d[k] !== 10) continue;
    if (k === d.length && from === d.length && lines.length > 0) break; // the file ended with LF
    const l = d.subarray(from, k);
    lines.push(l.length > 0 && l[l.length - 1] === 13 ? l.subarray(0, l.length - 1) : l);
    from = k + 1;
  }
  return lines;
}

/**
 * A line's fields: split at `sep`, and in comma- or semicolon-separated files a field that starts with a
 * quote runs to its closing quote ("" inside is one quote), which must end the field; null when a quote
 * does not close or text follows it.
 */
function fieldsOf(text: string, sep: string): string[] | null {
  if (sep === '\t') return text.split('\t');
  const fields: string[] = [];
  let field = '';
  let state: 'start' | 'plain' | 'quoted' | 'closed' = 'start';
  for (const ch of text) {
    if (state === 'quoted') {
      if (ch === '"') state = 'closed';
      else field += ch;
    } else if (state === 'closed' && ch === '"') {
      field += '"';
      state = 'quoted';
    } else if (ch === sep) {
      fields.push(field);
      field = '';
      state = 'start';
    } else if (state === 'closed') {
      return null; // text after a closing quote
    } else if (state === 'start' && ch === '"') {
      state = 'quoted';
    } else {
      field += ch;
      state = 'plain';
    }
  }
  if (state === 'quoted') return null;
  fields.push(field);
  return fields;
}

/** A column name as compared: no case, spaces, '_', '-' or '.'. */
const comparable = (name: string) => [...name.toLowerCase()].filter((ch) => !/[\s_.-]/.test(ch)).join('');

interface Layout {
  sep: string;
  fields: number;
  at: { user: number; item: number; count: number };
  columns: Columns;
}

/** The header's layout, or null when it is not a columns header. */
function layoutOf(header: string): Layout | null {
  const sep = ['\t', ',', ';'].find((s) => header.includes(s));
  if (sep === undefined) return null;
  const names = fieldsOf(header, sep)?.map((n) => n.trim());
  if (!names) return null;
  const keys = names.map(comparable);
  /** The first listed name that a column has; null when none does or that column is there twice. */
  const column = (wanted: readonly string[]): number | null => {
    const hits = wanted.map((w) => keys.flatMap((k, i) => (k === comparable(w) ? [i] : []))).find((h) => h.length > 0);
    return hits?.length === 1 ? hits[0] : null;
  };
  const [user, item, count] = [column(USER_COLUMN_NAMES), column(ITEM_COLUMN_NAMES), column(COUNT_COLUMN_NAMES)];
  if (user === null || item === null || count === null) return null;
  return { sep, fields: names.length, at: { user, item, count }, columns: { separator: sep, user: names[user], item: names[item], count: names[count] } };
}

function columnsReference(lines: Uint8Array[], maxLine: number): Outcome {
  const err = (line: number): Outcome => ({ code: 'ERR_TRIPLETS_FORMAT', line });
  const layout = layoutOf(utf8(lines[0]));
  if (layout === null || lines[0].length > maxLine) return err(1);
  const triplets: [string, string, number][] = [];
  let rows = 0;
  let zeroCounts = 0;
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].length > maxLine) return err(i + 1);
    if (lines[i].length === 0) continue;
    const f = fieldsOf(utf8(lines[i]), layout.sep);
    if (f === null || f.length !== layout.fields) return err(i + 1);
    const [user, item, count] = [f[layout.at.user], f[layout.at.item], f[layout.at.count]];
    const v = NUMBER_RE.test(count) ? Number(count) : NaN;
    if (user === '' || item === '' || !(v <= FLOAT32_MAX)) return err(i + 1);
    rows++;
    if (v === 0) zeroCounts++;
    else triplets.push([user, item, Math.fround(v)]);
  }
  if (rows === 0) return { code: 'ERR_TRIPLETS_EMPTY', line: null };
  return { format: 'columns', columns: layout.columns, rows, zeroCounts, lines: lines.length, triplets };
}

export function referenceParse(d: Uint8Array, format: Format, maxLine: number): Outcome {
  if (d.length === 0) return { code: 'ERR_TRIPLETS_EMPTY', line: null };
  const lines = linesOf(d);
  if (format === 'columns') return columnsReference(lines, maxLine);
  const first = utf8(lines[0]);
  if (first !== HETREC_HEADER && layoutOf(first) !== null) return columnsReference(lines, maxLine);
  const resolved = first === HETREC_HEADER ? 'hetrec' : 'triplets';
  const r = tripletsReference(d, resolved, maxLine);
  return 'code' in r ? r : { format: resolved, columns: null, ...r };
}

export function fuzz(data: Buffer): void {
  if (data.length === 0) return;
  const format: Format = data[0] & 1 ? 'auto' : 'columns';
  const maxLine = 32 + ((data[0] >> 1) & 63);
  const body = data.subarray(1);
  const random = rng(data);
  const whole = parseChunks([body], format, maxLine);
  expectSame(whole, referenceParse(body, format, maxLine), `TripletParser (one chunk) vs the reference parser, format ${format}, maxLineBytes ${maxLine}`);
  const chunked = parseChunks(pieces(body, random, 1 + Math.floor(random() * 40)), format, maxLine);
  expectSame(chunked, whole, 'TripletParser: random chunks vs one chunk');
}
