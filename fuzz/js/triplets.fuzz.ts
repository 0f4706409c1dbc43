/**
 * Fuzz target `triplets`: the Taste-Profile play-count parser, TripletParser (trainer/data/triplet-parser.ts).
 * (triplets-stream.fuzz.ts runs the same checks through readTriplets.) The first byte selects the format
 * (bit 0: triplets / hetrec) and maxLineBytes (32 + bits 1-6); the rest is the file. Asserts: only EarshotError ERR_TRIPLETS_FORMAT / ERR_TRIPLETS_EMPTY; the outcome does
 * not depend on how the bytes are chunked; and it equals a plain line-by-line reference parser (split on
 * LF, fields on TAB, Number() for the count, a header-like line 1 as documented in triplet-parser.ts):
 * the same rows, ids, float32 counts, zero counts and line count, or an error of the same code at the
 * same line.
 */
import { HETREC_HEADER, TripletParser, type ParsedTriplets, type TripletFormat } from '../../trainer/data/triplet-parser';
import { expectEarshotError, expectSame, pieces, rng } from './harness';

const CODES = ['ERR_TRIPLETS_FORMAT', 'ERR_TRIPLETS_EMPTY'] as const;
const NUMBER_RE = /^\+?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const FLOAT32_MAX = 3.4028234663852886e38;
/** triplet-parser.ts: a 'triplets' line 1 whose count looks like a column name may be a header. */
const HEADER_COUNT_RE = /^(?!(nan|inf|infinity)$)[A-Za-z][\w .-]{0,63}$/i;

/** What a parse gives, in a form two parsers can be compared by. */
type Outcome = { rows: number; zeroCounts: number; lines: number; triplets: [string, string, number][] } | { code: string; line: number | null };

export function summarise(p: ParsedTriplets): Outcome {
  const users = p.users.ids();
  const items = p.items.ids();
  const triplets: [string, string, number][] = [];
  for (let j = 0; j < p.coo.length; j++) triplets.push([users[p.coo.users[j]], items[p.coo.items[j]], p.coo.counts[j]]);
  return { rows: p.rows, zeroCounts: p.zeroCounts, lines: p.lines, triplets };
}

export function failed(err: unknown): Outcome {
  const e = expectEarshotError(err, CODES);
  const m = /^[^:]*:(\d+): /.exec(e.message);
  return { code: e.code, line: e.code === 'ERR_TRIPLETS_FORMAT' && m ? Number(m[1]) : null };
}

function parseChunks(chunks: Uint8Array[], format: TripletFormat, maxLineBytes: number): Outcome {
  try {
    const p = new TripletParser({ format, maxLineBytes });
    for (const c of chunks) p.push(c);
    return summarise(p.end());
  } catch (err) {
    return failed(err);
  }
}

const utf8 = (b: Uint8Array) => Buffer.from(b).toString('utf8');

/** The format described in triplet-parser.ts, one line at a time. */
export function referenceParse(d: Uint8Array, format: TripletFormat, maxLine: number): Outcome {
  if (d.length === 0) return { code: 'ERR_TRIPLETS_EMPTY', line: null };
  let p = d[0] === 0xef && d[1] === 0xbb && d[2] === 0xbf ? 3 : 0;
  const lines: Uint8Array[] = [];
  if (p === d.length) lines.push(new Uint8Array(0));
  while (p < d.length) {
    let nl = d.indexOf(10, p);
    if (nl < 0) nl = d.length;
    lines.push(d.subarray(p, nl));
    p = nl + 1;
  }
  const err = (line: number): Outcome => ({ code: 'ERR_TRIPLETS_FORMAT', line });
  let first = 0;
  if (format === 'hetrec') {
    const h = lines[0];
    const text = utf8(h.length > 0 && h[h.length - 1] === 13 ? h.subarray(0, h.length - 1) : h);
    if (text !== HETREC_HEADER) return err(1);
    first = 1;
  }
  const triplets: [string, string, number][] = [];
  let rows = 0;
  let zeroCounts = 0;
  // A header-like line 1 (see HEADER_COUNT_RE) is no row; the first later data row makes it the error
  // (a later bad line reports itself first), and without data rows the input is empty.
  let headerLike = false;
  for (let i = first; i < lines.length; i++) {
    const line = i + 1;
    let l = lines[i];
    if (l.length > 0 && l[l.length - 1] === 13) l = l.subarray(0, l.length - 1); // the CR of CRLF
    if (l.length === 0) continue;
    const t1 = l.indexOf(9);
    if (t1 <= 0) return err(line); // no tab, or an empty user id
    const t2 = l.indexOf(9, t1 + 1);
    if (t2 < 0 || t2 === t1 + 1) return err(line); // no second tab, or an empty item id
    const text = Buffer.from(l.subarray(t2 + 1)).toString('latin1');
    if (!NUMBER_RE.test(text)) {
      if (format === 'triplets' && line === 1 && HEADER_COUNT_RE.test(text) && l.length <= maxLine) {
        headerLike = true;
        continue;
      }
      return err(line); // a third tab, a sign, a CR, anything else
    }
    const v = Number(text);
    if (!(v <= FLOAT32_MAX)) return err(line);
    if (l.length > maxLine) return err(line);
    if (headerLike) return err(1);
    rows++;
    if (v === 0) zeroCounts++;
    else triplets.push([utf8(l.subarray(0, t1)), utf8(l.subarray(t1 + 1, t2)), Math.fround(v)]);
  }
  if (rows === 0) return { code: 'ERR_TRIPLETS_EMPTY', line: null };
  return { rows, zeroCounts, lines: lines.length, triplets };
}

/** The selector byte's settings (shared with triplets-stream.fuzz.ts). */
export function settings(selector: number): { format: TripletFormat; maxLine: number } {
  return { format: selector & 1 ? 'hetrec' : 'triplets', maxLine: 32 + ((selector >> 1) & 63) };
}

export function fuzz(data: Buffer): void {
  if (data.length === 0) return;
  const { format, maxLine } = settings(data[0]);
  const body = data.subarray(1);
  const random = rng(data);
  const ref = referenceParse(body, format, maxLine);
  const whole = parseChunks([body], format, maxLine);
  expectSame(whole, ref, `TripletParser (one chunk) vs the reference parser, format ${format}, maxLineBytes ${maxLine}`);
  const chunked = parseChunks(pieces(body, random, 1 + Math.floor(random() * 40)), format, maxLine);
  expectSame(chunked, whole, 'TripletParser: random chunks vs one chunk');
}
