/**
 * Client → server: the JSON text frames of a stream (audio goes in binary frames). parseClientMessage()
 * reads one frame into a typed message or throws a ProtocolError that names the field, so a bad message
 * is answered with an `error` event and the stream goes on.
 */
import { ProtocolError } from './errors';
import { accepts, type MeanMode, meanLengthMisplaced, rangeText, type SegmentMode, STREAM_QUERY, type TunableParam } from './query';
import { echoValue } from './redact';

/** A listening history entry for fold-in: a catalogue id and its play count (default 1). */
export interface HistoryEntry {
  id: string;
  plays?: number;
}

export interface ConfigureMessage {
  type: 'configure';
  hop?: number;
  k?: number;
  tags?: number;
  factors?: boolean;
  /** Only songs with a uri (STREAM_QUERY.playable). */
  playable?: boolean;
  /** How window predictions are averaged (STREAM_QUERY.mean); a change restarts the average. */
  mean?: MeanMode;
  /** Sliding length or decay half-life, seconds (STREAM_QUERY.mean_s). */
  mean_s?: number;
  /** Song-change detection (STREAM_QUERY.segment). */
  segment?: SegmentMode;
  /** The listener's history: suggestions are then scored x_uᵀ y_i with x_u folded in from it, blended with the audio. */
  history?: HistoryEntry[];
}
export interface ResetMessage {
  type: 'reset';
  /** The catalogue id (or uri) of the track that starts now, excluded from suggestions. */
  track?: string;
}
export interface FinalizeMessage {
  type: 'finalize';
}
export interface KeepaliveMessage {
  type: 'keepalive';
}
export interface CloseMessage {
  type: 'close';
}
export type ClientMessage = ConfigureMessage | ResetMessage | FinalizeMessage | KeepaliveMessage | CloseMessage;

/** Most history entries a configure may carry. */
export const MAX_HISTORY = 10_000;

function field(message: string): never {
  throw new ProtocolError('bad_request', message);
}

/** A configure field with the bounds of its query parameter (./query.ts). */
function optionalNumber(m: Record<string, unknown>, name: TunableParam): number | undefined {
  const v = m[name];
  if (v === undefined) return undefined;
  if (!accepts(STREAM_QUERY[name], v)) field(`${m.type}.${name} must be ${rangeText(STREAM_QUERY[name])}, got ${echoValue(v)}`);
  return v;
}

/** A configure field with named values (STREAM_QUERY's choices). */
function optionalChoice<N extends 'mean' | 'segment'>(m: Record<string, unknown>, name: N): (typeof STREAM_QUERY)[N]['default'] | undefined {
  const v = m[name];
  if (v === undefined) return undefined;
  const choices = STREAM_QUERY[name].choices as readonly string[];
  if (typeof v !== 'string' || !choices.includes(v)) field(`${m.type}.${name} must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, got ${echoValue(v)}`);
  return v as (typeof STREAM_QUERY)[N]['default'];
}

function parseHistory(v: unknown): HistoryEntry[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) field('configure.history must be an array of {id, plays} or ids');
  if (v.length > MAX_HISTORY) field(`configure.history holds ${v.length} entries; at most ${MAX_HISTORY}`);
  return v.map((e, i) => {
    if (typeof e === 'string' && e.length > 0) return { id: e, plays: 1 };
    const o = e as Record<string, unknown>;
    if (!o || typeof o !== 'object' || typeof o.id !== 'string' || o.id.length === 0) field(`configure.history[${i}] must be an id string or {id, plays}`);
    const plays = o.plays ?? 1;
    if (typeof plays !== 'number' || !Number.isFinite(plays) || plays <= 0) field(`configure.history[${i}].plays must be a positive number, got ${echoValue(o.plays)}`);
    return { id: o.id, plays };
  });
}

/** Parses one text frame. Throws ProtocolError invalid_json / unknown_message / bad_request. */
export function parseClientMessage(text: string): ClientMessage {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch (err) {
    throw new ProtocolError('invalid_json', `text frame is not JSON: ${(err as Error).message}`);
  }
  if (!m || typeof m !== 'object' || Array.isArray(m)) throw new ProtocolError('bad_request', 'a message must be a JSON object with a "type"');
  const o = m as Record<string, unknown>;
  switch (o.type) {
    case 'configure': {
      if (o.factors !== undefined && typeof o.factors !== 'boolean') field('configure.factors must be true or false');
      if (o.playable !== undefined && typeof o.playable !== 'boolean') field(`configure.playable must be true or false, got ${echoValue(o.playable)}`);
      const mean = optionalChoice(o, 'mean');
      if (mean === 'track' && o.mean_s !== undefined) field(meanLengthMisplaced('configure.'));
      return {
        type: 'configure',
        hop: optionalNumber(o, 'hop'),
        k: optionalNumber(o, 'k'),
        tags: optionalNumber(o, 'tags'),
        factors: o.factors as boolean | undefined,
        playable: o.playable as boolean | undefined,
        mean,
        mean_s: optionalNumber(o, 'mean_s'),
        segment: optionalChoice(o, 'segment'),
        history: parseHistory(o.history),
      };
    }
    case 'reset':
      if (o.track !== undefined && (typeof o.track !== 'string' || o.track.length === 0)) field('reset.track must be a non-empty catalogue id');
      return { type: 'reset', track: o.track as string | undefined };
    case 'finalize':
    case 'keepalive':
    case 'close':
      return { type: o.type };
    default:
      throw new ProtocolError('unknown_message', `unknown message type ${echoValue(o.type)}; expected configure, reset, finalize, keepalive or close`);
  }
}
