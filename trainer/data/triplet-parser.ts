/**
 * The play-count line parser, bytes in, COO arrays out, with no I/O: `push()` any chunking of the input
 * (lines may span chunks, down to 1-byte chunks), then `end()`. triplets.ts feeds it from files, gzip
 * and streams; tests feed it bytes directly.
 *
 * Formats (tab-separated, LF or CRLF, final newline optional, a UTF-8 BOM skipped, blank lines skipped):
 *   'triplets'  user<TAB>item<TAB>count                  Echo Nest Taste Profile (train_triplets.txt)
 *               (no header: a first line whose count is a word, e.g. user<TAB>song<TAB>plays, is an
 *               ERR_TRIPLETS_FORMAT when data follows, and ERR_TRIPLETS_EMPTY when nothing does)
 *   'hetrec'    header `userID<TAB>artistID<TAB>weight`,  HetRec 2011 Last.fm (user_artists.dat)
 *               then userID<TAB>artistID<TAB>weight
 *
 * Speed is the point (48.4M Taste Profile lines): fields are found, ids hashed (FNV-1a) and integer or
 * decimal counts accumulated in one pass over each byte, and no JS string is made for a valid line.
 * Anything unusual in a count (exponent, sign, > 15 digits) takes a slow path that builds the string.
 */
import { EarshotError } from '../../src/errors';
import { FNV_OFFSET, FNV_PRIME, IdTable } from './id-table';

export type TripletFormat = 'triplets' | 'hetrec';

export const HETREC_HEADER = 'userID\tartistID\tweight';
/** Longest accepted line, bytes: the Taste Profile's are ~62; bounds the carry buffer on binary input. */
export const DEFAULT_MAX_LINE_BYTES = 65536;
/** Rows are addressed by Int32 (CSR indptr), so at most 2^31 - 1. */
export const MAX_ROWS = 0x7fffffff;
/** The largest finite float32: counts are stored as Float32Array. */
const FLOAT32_MAX = 3.4028234663852886e38;
/** Exact powers of ten for the decimal fast path (mantissa < 1e15 and 10^k exact => one rounding). */
const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k);
/** What the slow path accepts as a count: a non-negative decimal, optional exponent. */
const NUMBER_RE = /^\+?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** A count column's name ("plays", "play_count"): what makes a first line look like a header. */
const HEADER_COUNT_RE = /^(?!(nan|inf|infinity)$)[A-Za-z][\w .-]{0,63}$/i;
/** Offending lines are quoted in messages up to this many characters. */
const QUOTE_CHARS = 80;

const LF = 10;
const CR = 13;
const TAB = 9;

export interface TripletParserOptions {
  format?: TripletFormat;
  /** Names the input in error messages (a file path). Default '<input>'. */
  name?: string;
  maxLineBytes?: number;
  /** Expected data rows, to size the COO arrays once instead of growing them. Optional. */
  expectedRows?: number;
}

/** Coordinate-format play counts: row j is (users[j], items[j], counts[j]); arrays hold >= length. */
export interface Coo {
  users: Int32Array;
  items: Int32Array;
  counts: Float32Array;
  length: number;
}

export interface ParsedTriplets {
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
  private readonly format: TripletFormat;
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
    if (this.format !== 'triplets' && this.format !== 'hetrec') {
      throw new EarshotError('ERR_INVALID_ARGUMENT', `format must be 'triplets' or 'hetrec', got ${JSON.stringify(o.format)}`);
    }
    this.name = o.name ?? '<input>';
    this.maxLine = o.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    if (!Number.isInteger(this.maxLine) || this.maxLine < 1) {
      throw new EarshotError('ERR_INVALID_ARGUMENT', `maxLineBytes must be a positive integer, got ${o.maxLineBytes}`);
    }
    const cap = Math.min(MAX_ROWS, Math.max(1024, Math.ceil(o.expectedRows ?? 0)));
    this.coo = { users: new Int32Array(cap), items: new Int32Array(cap), counts: new Float32Array(cap), length: 0 };
  }

  /** Sizes the COO arrays for about `rows` data rows (a hint: they still grow past it). */
  reserve(rows: number): void {
    const cap = Math.min(MAX_ROWS, Math.ceil(rows));
    if (!(cap > this.coo.users.length)) return;
    const old = this.coo;
    this.coo = { users: new Int32Array(cap), items: new Int32Array(cap), counts: new Float32Array(cap), length: old.length };
    this.coo.users.set(old.users.subarray(0, old.length));
    this.coo.items.set(old.items.subarray(0, old.length));
    this.coo.counts.set(old.counts.subarray(0, old.length));
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
    return { users: this.users, items: this.items, coo: this.coo, lines: this.lines, rows: this.rows, zeroCounts: this.zeroCounts };
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
      if (!plain || digits === 0 || digits > 15) v = this.slowCount(buf, c0, c1, lineStart, line);
      else if (frac > 0) v /= POW10[frac];
      if (c1 - lineStart > this.maxLine) this.fail(line, `line longer than ${this.maxLine} bytes`, buf, lineStart);
      p++; // past LF
      if (this.headerLike) {
        if (line === 1) continue; // the header-like line itself: no row
        throw this.headerLike.error; // data follows: line 1 was a bad line after all
      }

      const u = users.intern(buf, lineStart, u1, hu);
      const i = items.intern(buf, i0, i1, hi);
      this.rows++;
      if (v === 0) {
        this.zeroCounts++; // p_ui = 0 whether stored or not: the row only registers its ids
        continue;
      }
      const coo = this.coo;
      if (coo.length === coo.users.length) this.growCoo();
      const j = this.coo.length++;
      this.coo.users[j] = u;
      this.coo.items[j] = i;
      this.coo.counts[j] = v;
    }
    this.lines = line;
  }

  /** Skips a UTF-8 BOM, and for 'hetrec' checks and consumes the header line; returns where data starts. */
  private start(buf: Buffer, p: number): number {
    this.started = true;
    if (buf[p] === 0xef && buf[p + 1] === 0xbb && buf[p + 2] === 0xbf) p += 3;
    if (this.format !== 'hetrec') return p;
    const nl = buf.indexOf(LF, p);
    const text = buf.toString('utf8', p, nl > p && buf[nl - 1] === CR ? nl - 1 : nl);
    this.lines = 1;
    if (text !== HETREC_HEADER) {
      this.fail(1, `expected the HetRec header ${JSON.stringify(HETREC_HEADER)} (format 'hetrec')`, buf, p);
    }
    return nl + 1;
  }

  /** Counts that are not plain digits[.digits]: signs, exponents, long numbers, and every bad case. */
  private slowCount(buf: Buffer, c0: number, c1: number, lineStart: number, line: number): number {
    const text = buf.toString('latin1', c0, c1);
    if (text.includes('\t')) this.badFields(buf, lineStart, line);
    if (text === '') this.fail(line, 'empty count', buf, lineStart);
    if (text[0] === '-' && NUMBER_RE.test(text.slice(1))) this.fail(line, 'count is negative', buf, lineStart);
    if (!NUMBER_RE.test(text)) {
      if (line === 1 && this.format === 'triplets' && this.rows === 0 && HEADER_COUNT_RE.test(text)) {
        // Perhaps a header ("user<TAB>song<TAB>plays"): decided by what follows (see headerLike).
        this.headerLike = this.formatError(line, 'count is not a non-negative number', buf, lineStart);
        return NaN;
      }
      this.fail(line, 'count is not a non-negative number', buf, lineStart);
    }
    const v = Number(text);
    if (!(v <= FLOAT32_MAX)) this.fail(line, 'count does not fit in float32', buf, lineStart);
    return v;
  }

  private growCoo(): void {
    const old = this.coo;
    if (old.length >= MAX_ROWS) {
      throw new EarshotError('ERR_TRIPLETS_TOO_LARGE', `${this.name}: more than ${MAX_ROWS} non-zero rows (CSR offsets are Int32)`);
    }
    // 1.5x: at 48M rows a doubling would strand up to 48M x 12 bytes of unused capacity
    const cap = Math.min(MAX_ROWS, Math.ceil(old.users.length * 1.5));
    const next: Coo = { users: new Int32Array(cap), items: new Int32Array(cap), counts: new Float32Array(cap), length: old.length };
    next.users.set(old.users);
    next.items.set(old.items);
    next.counts.set(old.counts);
    this.coo = next;
  }

  private badFields(buf: Buffer, lineStart: number, line: number): never {
    let e = buf.indexOf(LF, lineStart);
    if (e < 0) e = buf.length;
    if (e > lineStart && buf[e - 1] === CR) e--;
    let fields = 1;
    for (let k = lineStart; k < e; k++) if (buf[k] === TAB) fields++;
    return this.fail(line, `expected 3 tab-separated fields (user, item, count), got ${fields}`, buf, lineStart);
  }

  /** ERR_TRIPLETS_FORMAT naming input, 1-based line, reason and the line itself (quoted, truncated). */
  private fail(line: number, reason: string, buf: Buffer, lineStart: number, lineEnd = -1): never {
    this.lines = line;
    throw this.formatError(line, reason, buf, lineStart, lineEnd).error;
  }

  private formatError(line: number, reason: string, buf: Buffer, lineStart: number, lineEnd = -1): { error: EarshotError; quoted: string } {
    let e = lineEnd >= 0 ? lineEnd : buf.indexOf(LF, lineStart);
    if (e < 0) e = buf.length;
    if (e > lineStart && buf[e - 1] === CR) e--;
    const cut = Math.min(e, lineStart + QUOTE_CHARS * 4); // bytes; the quote is cut again in characters
    let text = buf.toString('utf8', lineStart, cut);
    if (text.length > QUOTE_CHARS || cut < e) text = `${text.slice(0, QUOTE_CHARS)}…`;
    const quoted = JSON.stringify(text);
    return { error: new EarshotError('ERR_TRIPLETS_FORMAT', `${this.name}:${line}: ${reason}: ${quoted}`), quoted };
  }
}
