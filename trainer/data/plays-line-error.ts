/**
 * ERR_TRIPLETS_FORMAT for one line of a plays file: `name:line: reason: "the line"`, the line quoted as
 * JSON and cut to QUOTE_CHARS characters, so a binary or enormous line still gives a readable message.
 */
import { EarshotError } from '../../src/errors';

/** Offending lines are quoted in messages up to this many characters. */
export const QUOTE_CHARS = 80;

const LF = 10;
const CR = 13;

/**
 * The error for the line starting at buf[lineStart] (ending at lineEnd, or at its LF when lineEnd < 0),
 * and its quoted text (for messages that mention the line elsewhere).
 */
export function playsLineError(name: string, line: number, reason: string, buf: Buffer, lineStart: number, lineEnd = -1): { error: EarshotError; quoted: string } {
  let e = lineEnd >= 0 ? lineEnd : buf.indexOf(LF, lineStart);
  if (e < 0) e = buf.length;
  if (e > lineStart && buf[e - 1] === CR) e--;
  const cut = Math.min(e, lineStart + QUOTE_CHARS * 4); // bytes; the quote is cut again in characters
  let text = buf.toString('utf8', lineStart, cut);
  if (text.length > QUOTE_CHARS || cut < e) text = `${text.slice(0, QUOTE_CHARS)}…`;
  const quoted = JSON.stringify(text);
  return { error: new EarshotError('ERR_TRIPLETS_FORMAT', `${name}:${line}: ${reason}: ${quoted}`), quoted };
}

/** How many `separator`-separated fields the line at buf[lineStart] has (to its LF or CRLF). */
export function fieldsOfLine(buf: Buffer, lineStart: number, separator: number): number {
  let e = buf.indexOf(LF, lineStart);
  if (e < 0) e = buf.length;
  if (e > lineStart && buf[e - 1] === CR) e--;
  let fields = 1;
  for (let k = lineStart; k < e; k++) if (buf[k] === separator) fields++;
  return fields;
}
