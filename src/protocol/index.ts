/**
 * Protocol v1 of the realtime engine (docs/protocol.md), typed once and shared by the server, the client
 * SDK and the tests. The codec here touches no socket: parseStreamQuery() reads the upgrade URL,
 * parseClientMessage() reads one JSON text frame; both return a value or a ProtocolError that names the
 * field, so every bad input is answered with an `error` event (or a close code), never a crash. Client
 * values are quoted in messages through echoValue() (./redact.ts): short, flat, never serialised whole.
 */
import { echoValue } from './redact';

export const PROTOCOL_VERSION = 1;
export const STREAM_PATH = '/v1/stream';

export type PcmEncoding = 'pcm_f32le' | 'pcm_s16le';
export const PCM_ENCODINGS: readonly PcmEncoding[] = ['pcm_f32le', 'pcm_s16le'];
/** Bytes per sample of each encoding. */
export const BYTES_PER_SAMPLE: Record<PcmEncoding, number> = { pcm_f32le: 4, pcm_s16le: 2 };

/** Accepted input rates (Hz): telephone 8 kHz up to 192 kHz studio audio. */
export const MIN_SAMPLE_RATE_HZ = 8000;
export const MAX_SAMPLE_RATE_HZ = 192000;
export const MAX_CHANNELS = 8;
/** Suggestions per event: 1..100 (default 10). */
export const MAX_K = 100;

/**
 * WebSocket close codes. 1000/1001/1008/1009/1011 are RFC 6455's; 4xxx are earshot's, modelled on HTTP
 * statuses (4400 bad request, 4401 unauthorized, 4408 timeout, 4415 unsupported media type).
 */
export const CLOSE = {
  normal: 1000,
  goingAway: 1001, // server shutdown
  policy: 1008, // limits: message rate, slow consumer, too many streams
  tooBig: 1009, // a frame over maxFrameBytes
  internal: 1011,
  badRequest: 4400, // a query parameter out of range
  unauthorized: 4401,
  idle: 4408, // no message for idleTimeoutS
  unsupportedAudio: 4415, // encoding, sample rate or channel count not supported
} as const;

/** Stable error codes of `error` events (docs/protocol.md lists when each is sent). */
export type ProtocolErrorCode =
  | 'bad_request' // a query parameter or message field is invalid
  | 'unsupported_audio' // encoding / sample_rate / channels out of range
  | 'invalid_json' // a text frame is not JSON
  | 'unknown_message' // a JSON message with an unknown `type`
  | 'bad_audio' // PCM samples that are NaN/Inf or far out of range; the frame is dropped
  | 'unauthorized'
  | 'too_many_streams'
  | 'frame_too_big'
  | 'rate_limited'
  | 'slow_consumer'
  | 'idle_timeout'
  | 'unknown_track' // configure.history / reset.track names an id not in the catalog (ignored, not fatal)
  | 'inference_failed'
  | 'shutting_down'
  | 'internal';

export class ProtocolError extends Error {
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
    /** Close the stream with this code after the error event (undefined: the stream goes on). */
    readonly closeCode?: number,
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/** What a stream's upgrade URL asks for. */
export interface StreamParams {
  encoding: PcmEncoding;
  sampleRateHz: number;
  channels: number;
  /** Seconds between window events (rounded to whole mel frames). */
  hopS: number;
  k: number;
  /** Send the running factor vector in every window event. */
  factors: boolean;
  /** Tags per event (the most probable first). */
  tags: number;
  /** When windows queue up: drop the oldest (realtime clients) or stop reading the socket (file clients). */
  overflow: 'drop' | 'block';
  /** Browsers cannot set headers: the token may come as a query parameter. */
  token: string | null;
}

export const STREAM_DEFAULTS = { hopS: 1.0, k: 10, tags: 5 } as const;
/** Hop bounds (s): one mel frame (23 ms) is too busy to be useful; 60 s is a generous upper end. */
export const MIN_HOP_S = 0.1;
export const MAX_HOP_S = 60;

function bad(message: string, closeCode: number = CLOSE.badRequest): never {
  throw new ProtocolError(closeCode === CLOSE.unsupportedAudio ? 'unsupported_audio' : 'bad_request', message, closeCode);
}

function numberParam(q: URLSearchParams, name: string, fallback: number | null, min: number, max: number, integer: boolean, closeCode?: number): number {
  const raw = q.get(name);
  if (raw === null || raw === '') {
    if (fallback === null) bad(`query parameter ${name} is required`, closeCode);
    return fallback;
  }
  const v = Number(raw);
  if (!Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min || v > max) {
    bad(`query parameter ${name}=${echoValue(raw)} must be ${integer ? 'an integer' : 'a number'} in ${min}..${max}`, closeCode);
  }
  return v;
}

function flagParam(q: URLSearchParams, name: string): boolean {
  const raw = q.get(name);
  if (raw === null || raw === '' || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  return bad(`query parameter ${name}=${echoValue(raw)} must be true/false/1/0`);
}

/** Reads `/v1/stream?encoding=…&sample_rate=…&channels=…[&hop=…][&k=…][&factors=1][&tags=…][&overflow=…][&token=…]`. */
export function parseStreamQuery(query: URLSearchParams): StreamParams {
  const encoding = query.get('encoding') ?? 'pcm_f32le';
  if (!(PCM_ENCODINGS as readonly string[]).includes(encoding)) {
    bad(`encoding=${echoValue(encoding)} is not supported; use one of ${PCM_ENCODINGS.join(', ')}`, CLOSE.unsupportedAudio);
  }
  const sampleRateHz = numberParam(query, 'sample_rate', null, MIN_SAMPLE_RATE_HZ, MAX_SAMPLE_RATE_HZ, true, CLOSE.unsupportedAudio);
  const channels = numberParam(query, 'channels', 1, 1, MAX_CHANNELS, true, CLOSE.unsupportedAudio);
  const hopS = numberParam(query, 'hop', STREAM_DEFAULTS.hopS, MIN_HOP_S, MAX_HOP_S, false);
  const k = numberParam(query, 'k', STREAM_DEFAULTS.k, 1, MAX_K, true);
  const tags = numberParam(query, 'tags', STREAM_DEFAULTS.tags, 0, 1000, true);
  const overflow = query.get('overflow') ?? 'drop';
  if (overflow !== 'drop' && overflow !== 'block') bad(`overflow=${echoValue(overflow)} must be "drop" or "block"`);
  return { encoding: encoding as PcmEncoding, sampleRateHz, channels, hopS, k, factors: flagParam(query, 'factors'), tags, overflow, token: query.get('token') };
}

// ---- client → server (JSON text frames; audio goes in binary frames) ----

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
  /** The listener's history: suggestions are then scored x_uᵀ y_i with x_u folded in from it, blended with the audio. */
  history?: HistoryEntry[];
}
export interface ResetMessage {
  type: 'reset';
  /** The catalogue id of the track that starts now, excluded from suggestions. */
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

function optionalNumber(m: Record<string, unknown>, name: string, min: number, max: number, integer: boolean): number | undefined {
  const v = m[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min || v > max) {
    field(`${m.type}.${name} must be ${integer ? 'an integer' : 'a number'} in ${min}..${max}, got ${echoValue(v)}`);
  }
  return v;
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
      return {
        type: 'configure',
        hop: optionalNumber(o, 'hop', MIN_HOP_S, MAX_HOP_S, false),
        k: optionalNumber(o, 'k', 1, MAX_K, true),
        tags: optionalNumber(o, 'tags', 0, 1000, true),
        factors: o.factors as boolean | undefined,
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

// ---- server → client ----

export interface Suggestion {
  id: string;
  title: string;
  artist: string;
  score: number;
  uri?: string;
}
export interface TagScore {
  tag: string;
  p: number;
}
export interface BeginEvent {
  type: 'begin';
  protocol: typeof PROTOCOL_VERSION;
  id: string;
  model: string;
  factors: number;
  items: number;
  window_s: number;
  hop_s: number;
  sample_rate: number;
  encoding: PcmEncoding;
  channels: number;
  k: number;
}
export interface WindowEvent {
  type: 'window' | 'final';
  /** Window number since the last reset, from 0. */
  seq: number;
  /** Seconds of audio since the last reset: the first frame's centre and the last sample the window depends on. */
  t_start: number;
  t_end: number;
  /** Windows in the running mean (the ones since the last reset that were not dropped). */
  windows: number;
  /** Windows dropped by backpressure since the stream began. */
  dropped: number;
  suggestions: Suggestion[];
  tags: TagScore[];
  factors?: number[];
}
export interface ConfiguredEvent {
  type: 'configured';
  hop_s: number;
  k: number;
  tags: number;
  factors: boolean;
  /** History entries used for fold-in (ids found in the catalogue). */
  history: number;
}
export interface ResetEvent {
  type: 'reset';
  track: string | null;
}
export interface KeepaliveEvent {
  type: 'keepalive';
  /** Server time (ms since the Unix epoch). */
  t: number;
}
export interface ReloadEvent {
  type: 'reload';
  model: string;
  factors: number;
  items: number;
}
export interface ErrorEvent {
  type: 'error';
  code: ProtocolErrorCode;
  message: string;
  retryable: boolean;
}
export type ServerEvent = BeginEvent | WindowEvent | ConfiguredEvent | ResetEvent | KeepaliveEvent | ReloadEvent | ErrorEvent;
