/**
 * What the server may say back to a client about values and errors: a client-sent value is echoed as a
 * short, flat description (never serialised whole: a 900 KB string or a 5,000-deep array in an error
 * message costs bandwidth, or the call stack), and a server-side error message loses the absolute paths
 * it may hold (a bundle's directory, a file that could not be opened), keeping their base names.
 */

/** Characters of a client-sent string quoted in a message; longer ones are cut, with an ellipsis and their length. */
export const ECHO_MAX_CHARS = 64;

/**
 * A client-sent value for an error message, without recursion: strings quoted (JSON escapes, so control
 * characters show as \u…) and cut to ECHO_MAX_CHARS characters; numbers, booleans, null and undefined as
 * themselves; arrays and objects by kind only.
 */
export function echoValue(v: unknown): string {
  if (typeof v === 'string') {
    if (v.length <= ECHO_MAX_CHARS) return JSON.stringify(v);
    let cut = v.slice(0, ECHO_MAX_CHARS);
    if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1); // not half a surrogate pair
    return `${JSON.stringify(`${cut}…`)} (${v.length} characters)`;
  }
  if (v === null || v === undefined || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `an array (${v.length} element${v.length === 1 ? '' : 's'})`;
  return `a${typeof v === 'object' ? 'n object' : ` ${typeof v}`}`;
}

/**
 * An absolute path: POSIX (/a/b) or Windows (C:\a\b, C:/a/b), not inside a word, a URL or a relative
 * path (the character before it is none of letters, digits, . _ ~ - : / \), running up to whitespace,
 * a quote, a bracket or one of , ; : | < > (so "bundle /srv/m: bad" gives "/srv/m").
 */
const ABSOLUTE_PATH = /(?<![\w.~:/\\-])(?:[A-Za-z]:[\\/]|\/)[^\s'"`()[\]{}<>|,;:]+/g;

/** Replaces every absolute path in a message with its base name ("/srv/models/default/" → "default"). */
export function scrubPaths(message: string): string {
  return message.replace(ABSOLUTE_PATH, (p) => {
    const trail = /[.]+$/.exec(p)?.[0] ?? ''; // a sentence's full stop is not part of the path
    const parts = p.slice(0, p.length - trail.length).split(/[\\/]+/).filter((s) => s.length > 0 && !/^[A-Za-z]:$/.test(s));
    return (parts.at(-1) ?? '') + trail;
  });
}
