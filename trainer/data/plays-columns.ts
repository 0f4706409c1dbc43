/**
 * The first line of a plays file in the 'columns' format (a TSV or CSV export with a header naming its
 * columns), and 'auto' detection of the format from that line. The byte parser (triplet-parser.ts)
 * reads the data lines; this file only decides which fields hold the user, the song and the count.
 *
 * A header is recognised by its column names, compared without case, spaces, '_', '-' or '.'
 * ("Play Count" = play_count = playcount). Each role takes the first name of its list that a column
 * has, so `user_id,track_id,artist_id,plays` reads the track, not the artist; any other column is
 * ignored. The separator is a tab when the header has one, else a comma, else a semicolon.
 *
 * In comma- and semicolon-separated files fields may be quoted as in RFC 4180 ("a,b" and
 * "say ""hi"""), on one line: a quoted field that would run on to the next line is a format error (no
 * play log needs line breaks in its ids). Tab-separated fields are taken literally, as in the Taste
 * Profile and the IANA text/tab-separated-values type (a field cannot hold a tab, so nothing is quoted).
 */

/** Accepted names per role, most specific first; the first one present wins. */
export const USER_COLUMN_NAMES = ['user', 'user_id', 'username', 'uid', 'listener', 'listener_id'] as const;
export const ITEM_COLUMN_NAMES = ['song', 'song_id', 'track', 'track_id', 'item', 'item_id', 'recording', 'recording_id', 'artist', 'artist_id'] as const;
export const COUNT_COLUMN_NAMES = ['count', 'plays', 'play_count', 'playcount', 'listens', 'listen_count', 'weight', 'n'] as const;

export const TAB = 9;
const COMMA = 44;
const SEMICOLON = 59;
const QUOTE = '"';

/** Where the three fields are in each line, as read from a header. */
export interface PlaysColumns {
  /** Byte value of the separator: tab, ',' or ';'. */
  separator: number;
  /** Fields per line (the header's): a data line with another count is a format error. */
  fields: number;
  /** 0-based field index of each role. */
  user: number;
  item: number;
  count: number;
  /** The header's names of those three columns, as written (for reports). */
  names: { user: string; item: string; count: string };
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/[\s_.-]/g, '');
}

/** The separator a header line uses, or null for a line with a single column. */
function separatorOf(line: string): number | null {
  if (line.includes('\t')) return TAB;
  if (line.includes(',')) return COMMA;
  if (line.includes(';')) return SEMICOLON;
  return null;
}

/** A separator for messages: "tab", "','". */
export function separatorName(separator: number): string {
  return separator === TAB ? 'tab' : `'${String.fromCharCode(separator)}'`;
}

/** Whether fields may be "quoted": in comma- and semicolon-separated files, not tab-separated ones. */
export function quotesFields(separator: number): boolean {
  return separator !== TAB;
}

/**
 * The fields of one line split at `separator` (with RFC 4180 quotes undone where quotesFields), or a
 * string saying what is wrong (an unterminated quote, text after a closing quote). For the header and
 * for the rare data line whose fields are quoted; plain lines never come here.
 */
export function splitDelimited(line: string, separator: number): string[] | string {
  const sep = String.fromCharCode(separator);
  if (!quotesFields(separator)) return line.split(sep);
  const fields: string[] = [];
  let k = 0;
  for (;;) {
    if (line[k] !== QUOTE) {
      const e = line.indexOf(sep, k);
      fields.push(line.slice(k, e < 0 ? line.length : e));
      if (e < 0) return fields;
      k = e + 1;
      continue;
    }
    let value = '';
    let q = k + 1;
    for (;;) {
      const close = line.indexOf(QUOTE, q);
      if (close < 0) return `field ${fields.length + 1} opens a quote that does not close on this line`;
      value += line.slice(q, close);
      if (line[close + 1] === QUOTE) {
        value += QUOTE; // "" inside quotes is one "
        q = close + 2;
        continue;
      }
      k = close + 1;
      break;
    }
    fields.push(value);
    if (k === line.length) return fields;
    if (line[k] !== sep) return `field ${fields.length} has text after its closing quote`;
    k++;
  }
}

/** The column layout a header line names, or a string saying why it is not one. */
export function resolveColumns(header: string): PlaysColumns | string {
  const separator = separatorOf(header);
  if (separator === null) return 'the header has one column; it must name the user, song and count columns, separated by tabs or commas';
  const split = splitDelimited(header, separator);
  if (typeof split === 'string') return `the header's ${split}`;
  const names = split.map((n) => n.trim());
  const keys = names.map(normalise);
  const pick = (role: string, wanted: readonly string[]): number | string => {
    for (const w of wanted) {
      const at = keys.indexOf(normalise(w));
      if (at < 0) continue;
      if (keys.indexOf(keys[at], at + 1) >= 0) return `the header has two ${JSON.stringify(names[at])} columns`;
      return at;
    }
    return `the header names no ${role} column (one of ${wanted.join(', ')})`;
  };
  const user = pick('user', USER_COLUMN_NAMES);
  if (typeof user === 'string') return user;
  const item = pick('song', ITEM_COLUMN_NAMES);
  if (typeof item === 'string') return item;
  const count = pick('count', COUNT_COLUMN_NAMES);
  if (typeof count === 'string') return count;
  return { separator, fields: names.length, user, item, count, names: { user: names[user], item: names[item], count: names[count] } };
}

/**
 * The format a plays file's first line (BOM removed, no line ending) says it has: the HetRec header,
 * a header naming user/song/count columns, or else Taste-Profile triplets (whose own checks then say
 * what is wrong with the line, if anything).
 */
export function detectPlaysFormat(firstLine: string, hetrecHeader: string): 'triplets' | 'hetrec' | 'columns' {
  if (firstLine === hetrecHeader) return 'hetrec';
  return typeof resolveColumns(firstLine) === 'string' ? 'triplets' : 'columns';
}
