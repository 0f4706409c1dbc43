/**
 * The one validation of a catalogue item's fields (id, artist, title, uri), shared by every path that
 * adds songs: POST /v1/catalog, `earshot catalog add`, Catalog.add, the bundle loader and the TSV writer
 * (the trainer's bundles and the server's saved catalogue). A value is accepted as it is and then stored
 * and returned byte for byte, or rejected with a message naming the field and the offending character;
 * never rewritten (items.tsv could not hold a tab or a newline, so a rewrite would change a field
 * silently between the answer and the next load).
 *
 * Rules: every field a string without control characters (C0 U+0000-U+001F, DEL U+007F, C1
 * U+0080-U+009F) or unpaired surrogates (UTF-8 cannot carry them); id non-empty, at most 256 characters;
 * artist and title at most 1024; uri at most 2048, non-empty, no leading or trailing whitespace, and a
 * path (absolute or relative; C:\… too) or an http, https or file URL; any other scheme (javascript:,
 * data:, vbscript:, …) is refused by name. Lengths and positions count characters (code points).
 */
import { EarshotError } from '../errors';

export type ItemField = 'id' | 'artist' | 'title' | 'uri';

export const ITEM_FIELD_LIMITS: Readonly<Record<ItemField, number>> = { id: 256, artist: 1024, title: 1024, uri: 2048 };

/** URL schemes a uri may have (lower case; matched case-insensitively). */
export const URI_SCHEMES: readonly string[] = ['http', 'https', 'file'];

/** One control character (C0, DEL, C1); with the g flag, for callers that clean derived text. */
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]+/g;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** A URL scheme at the start (RFC 3986: a letter, then letters, digits, + . -), then ':'. */
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;

export interface CatalogItemFields {
  id: string;
  artist: string;
  title: string;
  uri?: string;
}

function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

function uPlus(c: number): string {
  return `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069: the Unicode bidirectional formatting characters. */
const BIDI_CONTROL = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

function uriProblem(v: string): string | null {
  if (v.length === 0) return 'uri is empty (leave it out when there is none)';
  if (/^\s|\s$/.test(v)) return 'uri starts or ends with whitespace';
  // A browser or player reads "//host/x" as a URL on another host, not as a path.
  if (/^[\\/]{2}/.test(v)) return 'uri starts with two slashes (a network path on another host); write a full http(s):// URL or a local path';
  const m = SCHEME.exec(v);
  if (!m || m[1].length === 1) return null; // a path; one letter before ':' is a Windows drive (C:\music)
  const scheme = m[1].toLowerCase();
  if (!URI_SCHEMES.includes(scheme)) {
    return `uri scheme "${scheme.length > 32 ? `${scheme.slice(0, 32)}…` : scheme}:" is not allowed (use a path or an ${URI_SCHEMES.join(', ').replace(/, ([^,]*)$/, ' or $1')} URL)`;
  }
  try {
    new URL(v);
  } catch {
    return `uri is not a valid ${scheme} URL`;
  }
  return null;
}

/** What is wrong with one field's value (a message that starts with the field's name), or null. */
export function itemFieldProblem(field: ItemField, value: unknown): string | null {
  if (typeof value !== 'string' || (field === 'id' && value.length === 0)) return `${field} must be a ${field === 'id' ? 'non-empty ' : ''}string`;
  const max = ITEM_FIELD_LIMITS[field];
  if (value.length > max) {
    const n = codePoints(value);
    if (n > max) return `${field} is ${n} characters long; at most ${max}`;
  }
  const c = CONTROL_CHARACTER.exec(value);
  if (c) return `${field} contains a control character (${uPlus(value.charCodeAt(c.index))} at position ${codePoints(value.slice(0, c.index))})`;
  const s = LONE_SURROGATE.exec(value);
  if (s) return `${field} contains an unpaired surrogate (${uPlus(value.charCodeAt(s.index))} at position ${codePoints(value.slice(0, s.index))})`;
  // Direction overrides make an id or a path display as something else ("mp3.exe" shown as "exe.3pm");
  // artist and title keep them (mixed Arabic/Hebrew and Latin titles use them legitimately).
  const b = field === 'id' || field === 'uri' ? BIDI_CONTROL.exec(value) : null;
  if (b) return `${field} contains a text-direction control character (${uPlus(value.charCodeAt(b.index))} at position ${codePoints(value.slice(0, b.index))})`;
  return field === 'uri' ? uriProblem(value) : null;
}

/** The first problem of an item's fields (uri only when given), or null. */
export function itemFieldsProblem(item: { id: unknown; artist: unknown; title: unknown; uri?: unknown }): string | null {
  for (const field of ['id', 'artist', 'title', 'uri'] as const) {
    if (field === 'uri' && item.uri === undefined) continue;
    const p = itemFieldProblem(field, item[field]);
    if (p) return p;
  }
  return null;
}

/** Throws ERR_INVALID_ARGUMENT `${prefix}${problem}` when a field is not acceptable. */
export function checkItemFields(item: { id: unknown; artist: unknown; title: unknown; uri?: unknown }, prefix = ''): asserts item is CatalogItemFields {
  const p = itemFieldsProblem(item);
  if (p) throw new EarshotError('ERR_INVALID_ARGUMENT', prefix + p);
}
