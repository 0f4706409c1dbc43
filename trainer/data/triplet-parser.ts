/**
 * The play-count line parser, bytes in, COO arrays out, with no I/O: `push()` any chunking of the input
 * (lines may span chunks, down to 1-byte chunks), then `end()`. triplets.ts feeds it from files, gzip
 * and streams; tests feed it bytes directly.
 *
 * Formats (LF or CRLF, final newline optional, a UTF-8 BOM skipped, blank lines skipped):
 *   'triplets'  user<TAB>item<TAB>count                  Echo Nest Taste Profile (train_triplets.txt)
 *               (no header: a first line whose count is a word, e.g. user<TAB>song<TAB>plays, is an
 *               ERR_TRIPLETS_FORMAT when data follows, and ERR_TRIPLETS_EMPTY when nothing does)
 *   'hetrec'    header `userID<TAB>artistID<TAB>weight`,  HetRec 2011 Last.fm (user_artists.dat)
 *               then userID<TAB>artistID<TAB>weight
 *   'columns'   a header naming the user, song and count columns in any order, tab-, comma- or
 *               semicolon-separated, extra columns ignored, CSV fields optionally "quoted" (plays-columns.ts)
 *   'auto'      one of the three, decided by the first line (plays-columns.ts detectPlaysFormat)
 *
 * Speed is the point (48.4M Taste Profile lines): fields are found, ids hashed (FNV-1a) and integer or
 * decimal counts accumulated in one pass over each byte, and no JS string is made for a valid line.
 * Anything unusual in a count (exponent, sign, > 15 digits) takes a slow path that builds the string.
 */
import { EarshotError } from '../../src/errors';
import { grownCoo, MAX_ROWS, resizedCoo, type Coo } from './coo';
import { FNV_OFFSET, FNV_PRIME, fnv1a, IdTable } from './id-table';
import { detectPlaysFormat, quotesFields, resolveColumns, separatorName, splitDelimited, type PlaysColumns } from './plays-columns';
import { countFromText, NOT_A_NUMBER, plainCount, POW10 } from './play-count';
import { fieldsOfLine, playsLineError, QUOTE_CHARS } from './plays-line-error';

export { MAX_ROWS, type Coo } from './coo';

export type TripletFormat = 'triplets' | 'hetrec' | 'columns' | 'auto';
/** The layout a file turned out to have ('auto' resolved). */
export type ResolvedTripletFormat = Exclude<TripletFormat, 'auto'>;
const FORMATS: readonly TripletFormat[] = ['triplets', 'hetrec', 'columns', 'auto'];

export const HETREC_HEADER = 'userID\tartistID\tweight';
/** Longest accepted line, bytes: the Taste Profile's are ~62; bounds the carry buffer on binary input. */
export const DEFAULT_MAX_LINE_BYTES = 65536;
/** A count column's name ("plays", "play_count"): what makes a first line look like a header. */
const HEADER_COUNT_RE = /^(?!(nan|inf|infinity)$)[A-Za-z][\w .-]{0,63}$/i;

const LF = 10;
const CR = 13;
const TAB = 9;
const QUOTE = 34;

export interface TripletParserOptions {
  format?: TripletFormat;
  /** Names the input in error messages (a file path). Default '<input>'. */
  name?: string;
  maxLineBytes?: number;
  /** Expected data rows, to size the COO arrays once instead of growing them. Optional. */
  expectedRows?: number;
}

export interface ParsedTriplets {
  /** The layout read: the format asked for, or for 'auto' the one the first line showed. */
  format: ResolvedTripletFormat;
  /** For 'columns': the separator ('\t', ',' or ';') and the header's names of the columns read; null otherwise. */
  columns: { separator: string; user: string; item: string; count: string } | null;
  users: IdTable;
  items: IdTable;
  /** Rows with a count of 0 are not in here (they only count in zeroCounts); duplicates not yet merged. */
  coo: Coo;
  /** Physical lines read, including a header and blank lines. */
  lines: number;
  /** Data rows, zero counts included. */
  rows: number;
  zeroCounts: number;
}

export class TripletParser {
  readonly users = new IdTable(1 << 14);
  readonly items = new IdTable(1 << 14);
  private coo: Coo;
  private format: TripletFormat;
  /** The header's layout, once a 'columns' (or 'auto' found to be one) first line has been read. */
  private columns: PlaysColumns | null = null;
  private readonly name: string;
  private readonly maxLine: number;
  private lines = 0;
  private rows = 0;
  private zeroCounts = 0;
  /**
   * 'triplets' line 1 whose count is not a number: a header, if no data row follows (then end() says
   * ERR_TRIPLETS_EMPTY, as for an empty file); its ERR_TRIPLETS_FORMAT is thrown at the first data row.
   */
  private headerLike: { error: EarshotError; quoted: string } | null = null;
  /** The unfinished last line of the previous chunk(s). */
  private carry = Buffer.alloc(256);
  private carryLen = 0;
  private started = false;

  constructor(o: TripletParserOptions = {}) {
    this.format = o.format ?? 'triplets';
    if (!FORMATS.includes(this.format)) {
      throw new EarshotError('ERR_INVALID_ARGUMENT', `format must be one of ${FORMATS.map((f) => `'${f}'`).join(', ')}, got ${JSON.stringify(o.format)}`);
    }
    this.name = o.name ?? '<input>';
    this.maxLine = o.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    if (!Number.isInteger(this.maxLine) || this.maxLine < 1) {
      throw new EarshotError('ERR_INVALID_ARGUMENT', `maxLineBytes must be a positive integer, got ${o.maxLineBytes}`);
    }
    this.coo = resizedCoo(null, Math.max(1024, o.expectedRows ?? 0));
  }

  /** Sizes the COO arrays for about `rows` data rows (a hint: they still grow past it). */
  reserve(rows: number): void {
    if (Math.min(MAX_ROWS, Math.ceil(rows)) > this.coo.users.length) this.coo = resizedCoo(this.coo, rows);
  }

  /** Parses every complete line in `chunk`; keeps the unfinished tail for the next call. */
  push(chunk: Uint8Array): void {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let p = 0;
    if (this.carryLen > 0) {
      const nl = buf.indexOf(LF);
      if (nl < 0) return this.appendCarry(buf, 0, buf.length);
      this.appendCarry(buf, 0, nl + 1);
      this.parseLines(this.carry, 0, this.carryLen);
      this.carryLen = 0;
      p = nl + 1;
    }
    const last = buf.lastIndexOf(LF);
    if (last >= p) {
      this.parseLines(buf, p, last + 1);
      p = last + 1;
    }
    if (p < buf.length) this.appendCarry(buf, p, buf.length);
  }

  /** Parses a final line without a newline; the result, or ERR_TRIPLETS_EMPTY when no data row was seen. */
  end(): ParsedTriplets {
    if (this.carryLen > 0) {
      this.appendCarry(Buffer.of(LF), 0, 1);
      this.parseLines(this.carry, 0, this.carryLen);
      this.carryLen = 0;
    }
    if (this.rows === 0) {
      const header = this.headerLike ? `; line 1 is not a play count, a header?: ${this.headerLike.quoted}` : '';
      throw new EarshotError('ERR_TRIPLETS_EMPTY', `${this.name}: no data rows (${this.lines} lines read${header})`);
    }
    const c = this.columns;
    const columns = c && { separator: String.fromCharCode(c.separator), ...c.names };
    const format = this.format === 'auto' ? 'triplets' : this.format; // 'auto' stays only when no line was read
    return { format, columns, users: this.users, items: this.items, coo: this.coo, lines: this.lines, rows: this.rows, zeroCounts: this.zeroCounts };
  }

  private appendCarry(buf: Buffer, start: number, end: number): void {
    const need = this.carryLen + end - start;
    // + 2 leaves room for the CRLF of a line that is exactly maxLine bytes long, + 3 more for the UTF-8
    // BOM that the first line still carries (else the limit depended on the chunking, found by fuzzing)
    if (need > this.maxLine + (this.started ? 2 : 5)) {
      const [q, qs, qe] = this.carryLen > 0 ? [this.carry, 0, this.carryLen] : [buf, start, end];
      this.fail(this.lines + 1, `line longer than ${this.maxLine} bytes`, q, qs, Math.min(qe, qs + QUOTE_CHARS * 4));
    }
    if (need > this.carry.length) {
      const next = Buffer.alloc(Math.max(need, this.carry.length * 2));
      this.carry.copy(next, 0, 0, this.carryLen);
      this.carry = next;
    }
    buf.copy(this.carry, this.carryLen, start, end);
    this.carryLen = need;
  }

  /** Parses the complete lines in buf[p, end); buf[end - 1] is LF, so every scan below stops by then. */
  private parseLines(buf: Buffer, p: number, end: number): void {
    if (!this.started) p = this.start(buf, p);
    if (this.columns) return this.parseColumnLines(buf, p, end);
    const users = this.users;
    const items = this.items;
    let line = this.lines;
    while (p < end) {
      const lineStart = p;
      line++;
      let c = buf[p];
      if (c === LF || (c === CR && buf[p + 1] === LF)) {
        p += c === LF ? 1 : 2; // blank line
        continue;
      }
      // user id: hash while looking for its tab
      let hu = FNV_OFFSET;
      while (c !== TAB && c !== LF) {
        hu = Math.imul(hu ^ c, FNV_PRIME);
        c = buf[++p];
      }
      const u1 = p;
      if (c !== TAB) this.badFields(buf, lineStart, line);
      if (u1 === lineStart) this.fail(line, 'empty user id', buf, lineStart);
      // item id
      const i0 = ++p;
      c = buf[p];
      let hi = FNV_OFFSET;
      while (c !== TAB && c !== LF) {
        hi = Math.imul(hi ^ c, FNV_PRIME);
        c = buf[++p];
      }
      const i1 = p;
      if (c !== TAB) this.badFields(buf, lineStart, line);
      if (i1 === i0) this.fail(line, 'empty item id', buf, lineStart);
      // count: digits with at most one '.', accumulated as an integer mantissa
      const c0 = ++p;
      c = buf[p];
      let c1 = -1;
      let v = 0;
      let digits = 0;
      let frac = -1; // digits after the '.', -1 = no '.'
      let plain = true;
      while (c !== LF) {
        const d = c - 48;
        if (d >= 0 && d <= 9) {
          v = v * 10 + d;
          digits++;
          if (frac >= 0) frac++;
        } else if (c === 46 && frac < 0) {
          frac = 0;
        } else if (c === CR && buf[p + 1] === LF) {
          c1 = p;
        } else {
          plain = false;
        }
        c = buf[++p];
      }
      if (c1 < 0) c1 = p;
      if (!plain || digits === 0 || digits > 15) v = this.slowCount(buf.toString('latin1', c0, c1), buf, lineStart, line);
      else if (frac > 0) v /= POW10[frac];
      if (c1 - lineStart > this.maxLine) this.fail(line, `line longer than ${this.maxLine} bytes`, buf, lineStart);
      p++; // past LF
      if (this.headerLike) {
        if (line === 1) continue; // the header-like line itself: no row
        throw this.headerLike.error; // data follows: line 1 was a bad line after all
      }

      this.addRow(users.intern(buf, lineStart, u1, hu), items.intern(buf, i0, i1, hi), v);
    }
    this.lines = line;
  }

  /**
   * parseLines for 'columns': fields at the header's positions, split at its separator, every field
   * hashed as it is scanned (the id fields' hashes are kept). A line with a quoted field (CSV) is
   * re-read as a string (quotedLine): exports quote only the odd id, so the fast path stays the rule.
   */
  private parseColumnLines(buf: Buffer, p: number, end: number): void {
    const { separator, fields, user: uf, item: itf, count: cf } = this.columns!;
    const quote = quotesFields(separator) ? QUOTE : -1; // a byte never equals -1: tab-separated fields are literal
    for (let line = this.lines + 1; p < end; line++) {
      this.lines = line;
      const lineStart = p;
      let c = 0;
      let f = 0;
      let f0 = p;
      let h = FNV_OFFSET;
      let u0 = 0, u1 = 0, hu = 0, i0 = 0, i1 = 0, hi = 0, c0 = 0, c1 = 0;
      let quoted = false;
      for (;;) {
        c = buf[p];
        const eol = c === LF || (c === CR && buf[p + 1] === LF);
        if (c === separator || eol) {
          if (f === uf) (u0 = f0), (u1 = p), (hu = h);
          else if (f === itf) (i0 = f0), (i1 = p), (hi = h);
          else if (f === cf) (c0 = f0), (c1 = p);
          f++;
          if (eol) break;
          f0 = p + 1;
          h = FNV_OFFSET;
        } else {
          if (c === quote && p === f0) quoted = true;
          h = Math.imul(h ^ c, FNV_PRIME);
        }
        p++;
      }
      if (p - lineStart > this.maxLine) this.fail(line, `line longer than ${this.maxLine} bytes`, buf, lineStart);
      const lineEnd = p;
      p += c === LF ? 1 : 2; // past LF or CRLF
      if (lineEnd === lineStart) continue; // a blank line
      if (quoted) {
        this.quotedLine(buf, lineStart, lineEnd, line);
        continue;
      }
      if (f !== fields) this.badColumnCount(f, buf, lineStart, line);
      if (u1 === u0) this.fail(line, 'empty user id', buf, lineStart);
      if (i1 === i0) this.fail(line, 'empty item id', buf, lineStart);
      let v = plainCount(buf, c0, c1);
      if (v < 0) v = this.slowCount(buf.toString('latin1', c0, c1), buf, lineStart, line);
      this.addRow(this.users.intern(buf, u0, u1, hu), this.items.intern(buf, i0, i1, hi), v);
    }
  }

  /** A 'columns' line with "quoted" fields: split as a string (plays-columns.ts), then the same checks. */
  private quotedLine(buf: Buffer, lineStart: number, lineEnd: number, line: number): void {
    const c = this.columns!;
    const split = splitDelimited(buf.toString('utf8', lineStart, lineEnd), c.separator);
    if (typeof split === 'string') this.fail(line, split, buf, lineStart);
    if (split.length !== c.fields) this.badColumnCount(split.length, buf, lineStart, line);
    const [user, item] = [Buffer.from(split[c.user]), Buffer.from(split[c.item])];
    if (user.length === 0) this.fail(line, 'empty user id', buf, lineStart);
    if (item.length === 0) this.fail(line, 'empty item id', buf, lineStart);
    const v = this.slowCount(split[c.count], buf, lineStart, line);
    this.addRow(this.users.intern(user, 0, user.length, fnv1a(user, 0, user.length)), this.items.intern(item, 0, item.length, fnv1a(item, 0, item.length)), v);
  }

  /** One data row: its ids registered, its count stored unless 0. */
  private addRow(u: number, i: number, v: number): void {
    this.rows++;
    if (v === 0) {
      this.zeroCounts++; // p_ui = 0 whether stored or not: the row only registers its ids
      return;
    }
    if (this.coo.length === this.coo.users.length) this.coo = grownCoo(this.coo, this.name);
    const coo = this.coo;
    const j = coo.length++;
    coo.users[j] = u;
    coo.items[j] = i;
    coo.counts[j] = v;
  }

  /**
   * Skips a UTF-8 BOM; resolves 'auto' from the first line; for 'hetrec' and 'columns' reads and
   * consumes the header line. Returns where data starts. buf holds the whole first line (its LF too).
   */
  private start(buf: Buffer, p: number): number {
    this.started = true;
    if (buf[p] === 0xef && buf[p + 1] === 0xbb && buf[p + 2] === 0xbf) p += 3;
    if (this.format === 'triplets') return p;
    const nl = buf.indexOf(LF, p);
    const lineEnd = nl > p && buf[nl - 1] === CR ? nl - 1 : nl;
    const text = buf.toString('utf8', p, lineEnd);
    if (this.format === 'auto') this.format = detectPlaysFormat(text, HETREC_HEADER);
    if (this.format === 'triplets') return p;
    this.lines = 1;
    // A header obeys the line limit like any line: only appendCarry applied it here, so an overlong
    // header passed when it arrived in one chunk and failed in pieces (found by fuzzing, plays-columns)
    if (lineEnd - p > this.maxLine) this.fail(1, `line longer than ${this.maxLine} bytes`, buf, p);
    if (this.format === 'hetrec') {
      if (text !== HETREC_HEADER) this.fail(1, `expected the HetRec header ${JSON.stringify(HETREC_HEADER)} (format 'hetrec')`, buf, p);
      return nl + 1;
    }
    const columns = resolveColumns(text);
    if (typeof columns === 'string') this.fail(1, `${columns} (format 'columns')`, buf, p);
    this.columns = columns;
    return nl + 1;
  }

  /**
   * Counts that are not plain digits[.digits]: signs, exponents, long numbers, and every bad case.
   * `text` is the count field; buf[lineStart...] is its line, quoted in errors.
   */
  private slowCount(text: string, buf: Buffer, lineStart: number, line: number): number {
    if (!this.columns && text.includes('\t')) this.badFields(buf, lineStart, line); // triplets: the count runs to the line's end
    const v = countFromText(text);
    if (typeof v === 'number') return v;
    if (v === NOT_A_NUMBER && line === 1 && this.format === 'triplets' && this.rows === 0 && HEADER_COUNT_RE.test(text)) {
      // Perhaps a header ("user<TAB>song<TAB>plays"): decided by what follows (see headerLike).
      this.headerLike = playsLineError(this.name, line, v, buf, lineStart);
      return NaN;
    }
    return this.fail(line, v, buf, lineStart);
  }

  private badFields(buf: Buffer, lineStart: number, line: number): never {
    return this.fail(line, `expected 3 tab-separated fields (user, item, count), got ${fieldsOfLine(buf, lineStart, TAB)}`, buf, lineStart);
  }

  private badColumnCount(fields: number, buf: Buffer, lineStart: number, line: number): never {
    const c = this.columns!;
    return this.fail(line, `expected ${c.fields} ${separatorName(c.separator)}-separated fields as in the header, got ${fields}`, buf, lineStart);
  }

  /** ERR_TRIPLETS_FORMAT naming input, 1-based line, reason and the line itself (quoted, truncated). */
  private fail(line: number, reason: string, buf: Buffer, lineStart: number, lineEnd = -1): never {
    this.lines = line;
    throw playsLineError(this.name, line, reason, buf, lineStart, lineEnd).error;
  }
}
