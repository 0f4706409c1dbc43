/**
 * Fuzz target `protocol-message`: parseClientMessage (src/protocol/messages.ts), one JSON text frame of
 * a stream. Asserts: only ProtocolError invalid_json / bad_request / unknown_message, never with a close
 * code (a bad message is answered, the stream goes on); a parsed message has only documented fields
 * in their documented ranges; and parse(JSON.stringify(parse(text))) equals parse(text).
 */
import { MAX_HISTORY, MEAN_MODES, parseClientMessage, SEGMENT_MODES, STREAM_QUERY, type ClientMessage, type NumberParam } from '../../src/protocol';
import { check, expectProtocolError, expectSame, withoutNegativeZero } from './harness';

function inRange(v: number | undefined, { min, max, integer }: NumberParam): boolean {
  return v === undefined || (Number.isFinite(v) && v >= min && v <= max && (!integer || Number.isInteger(v)));
}

function checkMessage(m: ClientMessage): void {
  switch (m.type) {
    case 'configure':
      check(inRange(m.hop, STREAM_QUERY.hop) && inRange(m.k, STREAM_QUERY.k) && inRange(m.tags, STREAM_QUERY.tags), 'configure: a number out of range was accepted');
      check(m.factors === undefined || typeof m.factors === 'boolean', 'configure.factors is not a boolean');
      check(m.playable === undefined || typeof m.playable === 'boolean', 'configure.playable is not a boolean');
      check(m.mean === undefined || MEAN_MODES.includes(m.mean), 'configure.mean is not a mean');
      check(inRange(m.mean_s, STREAM_QUERY.mean_s) && !(m.mean === 'track' && m.mean_s !== undefined), 'configure.mean_s out of range or with a track mean');
      check(m.segment === undefined || SEGMENT_MODES.includes(m.segment), 'configure.segment is not off/auto');
      if (m.history !== undefined) {
        check(Array.isArray(m.history) && m.history.length <= MAX_HISTORY, 'configure.history too long');
        for (const h of m.history) {
          check(typeof h.id === 'string' && h.id.length > 0, 'history entry without an id');
          check(typeof h.plays === 'number' && Number.isFinite(h.plays) && h.plays > 0, 'history entry with bad plays');
        }
      }
      break;
    case 'reset':
      check(m.track === undefined || (typeof m.track === 'string' && m.track.length > 0), 'reset.track is not a non-empty string');
      break;
    case 'finalize':
    case 'keepalive':
    case 'close':
      check(Object.keys(m).length === 1, `${m.type} carries more than its type`);
      break;
    default:
      check(false, `unknown type ${JSON.stringify((m as { type: unknown }).type)} accepted`);
  }
}

function parse(text: string): ClientMessage | null {
  try {
    return parseClientMessage(text);
  } catch (err) {
    const e = expectProtocolError(err, ['invalid_json', 'bad_request', 'unknown_message']);
    check(e.closeCode === undefined, `a bad message closes the stream (close code ${e.closeCode})`);
    return null;
  }
}

export function fuzz(data: Buffer): void {
  const m = parse(data.toString('utf8'));
  if (m === null) return;
  checkMessage(m);
  const again = parse(JSON.stringify(m));
  expectSame(again, withoutNegativeZero(m), 'parse(JSON.stringify(message)) differs from the message');
}
