/**
 * The parameters a client chooses for its audio and its events: one table (STREAM_QUERY) with each one's
 * default and bounds, read from a stream's upgrade URL (parseStreamQuery), from an upload's URL
 * (parseUploadQuery: hop, k, tags), from `configure` messages (./messages.ts) and by `earshot analyze`.
 * A bad value is a ProtocolError that names the parameter and quotes the value (echoValue).
 */
import { ITEM_FIELD_LIMITS } from '../catalog/item-fields';
import { closingError, ProtocolError } from './errors';
import { PCM_ENCODINGS, type PcmEncoding } from './pcm';
import { echoValue } from './redact';

export const MEAN_MODES = ['track', 'sliding', 'decay'] as const;
export type MeanMode = (typeof MEAN_MODES)[number];
export const SEGMENT_MODES = ['off', 'auto'] as const;
export type SegmentMode = (typeof SEGMENT_MODES)[number];

export interface NumberParam {
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
  /** null: required. */
  readonly default: number | null;
}

export const STREAM_QUERY = {
  encoding: { choices: PCM_ENCODINGS, default: 'pcm_f32le' as PcmEncoding },
  /** Hz: telephone 8 kHz up to 192 kHz studio audio. */
  sample_rate: { min: 8000, max: 192000, integer: true, default: null },
  channels: { min: 1, max: 8, integer: true, default: 1 },
  /** Seconds between window events: one mel frame (23 ms) is too busy to be useful; 60 s is a generous upper end. An upload's default is one window instead (the engine's). */
  hop: { min: 0.1, max: 60, integer: false, default: 1.0 },
  /** Suggestions per event. */
  k: { min: 1, max: 100, integer: true, default: 10 },
  /** Tags per event (the most probable first). */
  tags: { min: 0, max: 1000, integer: true, default: 5 },
  /** Send the running factor vector in every window event. */
  factors: { default: false },
  /** When windows queue up: drop the oldest (realtime clients) or stop reading the socket (file clients). */
  overflow: { choices: ['drop', 'block'] as const, default: 'drop' as 'drop' | 'block' },
  /** Suggest only songs with a uri (a file or URL a player can open), as GET /v1/next?playable=1. */
  playable: { default: false },
  /** The playing track, by catalogue id or uri: never suggested. A hint: a name no song has excludes nothing (begin's `track` says). */
  track: { default: null as string | null },
  /**
   * How the events' factor vector averages the window predictions: every window since the track began
   * (the paper's clip prediction), the windows of the last mean_s seconds, or all with weights halving
   * every mean_s seconds (src/engine/factor-average.ts).
   */
  mean: { choices: MEAN_MODES, default: 'track' as MeanMode },
  /** Seconds: the sliding window's length or the decay's half-life (mean=sliding|decay). 1 s is about a window; 300 s bounds what a sliding mean keeps (≤ 3,000 windows at the smallest hop). */
  mean_s: { min: 1, max: 300, integer: false, default: 20 },
  /** auto: detect song changes in the stream (`track_change` events) and restart the average at each (src/engine/track-change-detector.ts). */
  segment: { choices: SEGMENT_MODES, default: 'off' as SegmentMode },
} as const satisfies Record<string, NumberParam | { readonly default: unknown; readonly choices?: readonly string[] }>;

/** The parameters a client may change later with a `configure` message (hop, k and tags also an upload). */
export type TunableParam = 'hop' | 'k' | 'tags' | 'mean_s';

/** True when `v` is a value of the parameter: a finite number in its bounds, whole where it must be. */
export function accepts(spec: NumberParam, v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && (!spec.integer || Number.isInteger(v)) && v >= spec.min && v <= spec.max;
}

/** "an integer in 1..100", for messages. */
export function rangeText(spec: NumberParam): string {
  return `${spec.integer ? 'an integer' : 'a number'} in ${spec.min}..${spec.max}`;
}

/** What a stream's upgrade URL asks for. */
export interface StreamParams {
  encoding: PcmEncoding;
  sampleRateHz: number;
  channels: number;
  hopS: number;
  k: number;
  factors: boolean;
  tags: number;
  overflow: 'drop' | 'block';
  playable: boolean;
  /** The playing track's catalogue id or uri, or null. */
  track: string | null;
  mean: MeanMode;
  meanS: number;
  segment: SegmentMode;
  /** Browsers cannot set headers: the token may come as a query parameter. */
  token: string | null;
}

/** Bad audio parameters close with 4415 (unsupported_audio), the others with 4400 (bad_request). */
function bad(message: string, code: 'bad_request' | 'unsupported_audio' = 'bad_request'): never {
  throw closingError(code, message);
}

function numberParam(q: URLSearchParams, name: 'sample_rate' | 'channels' | TunableParam): number {
  const spec: NumberParam = STREAM_QUERY[name];
  const code = name === 'sample_rate' || name === 'channels' ? 'unsupported_audio' : 'bad_request';
  const raw = q.get(name);
  if (raw === null || raw === '') {
    if (spec.default === null) bad(`query parameter ${name} is required`, code);
    return spec.default;
  }
  const v = Number(raw);
  if (!accepts(spec, v)) bad(`query parameter ${name}=${echoValue(raw)} must be ${rangeText(spec)}`, code);
  return v;
}

/** A parameter with named values; absent or empty: the default. */
function choiceParam<N extends 'mean' | 'segment'>(q: URLSearchParams, name: N): (typeof STREAM_QUERY)[N]['default'] {
  const spec = STREAM_QUERY[name];
  const raw = q.get(name);
  if (raw === null || raw === '') return spec.default;
  if (!(spec.choices as readonly string[]).includes(raw)) bad(`query parameter ${name}=${echoValue(raw)} must be one of ${spec.choices.join(', ')}`);
  return raw as (typeof STREAM_QUERY)[N]['default'];
}

/** Why mean_s cannot go with a track mean (`where`: "query parameter" or "configure."). */
export function meanLengthMisplaced(where: string): string {
  return `${where}mean_s is the length of a sliding or decay mean; it needs mean=sliding or mean=decay (the track mean has no length)`;
}

function flagParam(q: URLSearchParams, name: 'factors' | 'playable'): boolean {
  const raw = q.get(name);
  if (raw === null || raw === '') return STREAM_QUERY[name].default;
  if (raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  return bad(`query parameter ${name}=${echoValue(raw)} must be true/false/1/0`);
}

/** Reads `/v1/stream?encoding=…&sample_rate=…&channels=…[&hop=…][&k=…][&factors=1][&tags=…][&overflow=…][&playable=1][&track=…][&mean=…][&mean_s=…][&segment=…][&token=…]`. */
export function parseStreamQuery(query: URLSearchParams): StreamParams {
  const encoding = query.get('encoding') ?? STREAM_QUERY.encoding.default;
  if (!(STREAM_QUERY.encoding.choices as readonly string[]).includes(encoding)) {
    bad(`encoding=${echoValue(encoding)} is not supported; use one of ${PCM_ENCODINGS.join(', ')}`, 'unsupported_audio');
  }
  const sampleRateHz = numberParam(query, 'sample_rate');
  const channels = numberParam(query, 'channels');
  const hopS = numberParam(query, 'hop');
  const k = numberParam(query, 'k');
  const tags = numberParam(query, 'tags');
  const overflow = query.get('overflow') ?? STREAM_QUERY.overflow.default;
  if (overflow !== 'drop' && overflow !== 'block') bad(`overflow=${echoValue(overflow)} must be "drop" or "block"`);
  const track = query.get('track') || STREAM_QUERY.track.default;
  // An id or a uri: the longer of the two limits (src/catalog/item-fields.ts).
  if (track !== null && track.length > ITEM_FIELD_LIMITS.uri) bad(`query parameter track is ${track.length} characters long; at most ${ITEM_FIELD_LIMITS.uri}`);
  const mean = choiceParam(query, 'mean');
  if (mean === 'track' && (query.get('mean_s') ?? '') !== '') bad(meanLengthMisplaced('query parameter '));
  const meanS = numberParam(query, 'mean_s');
  const segment = choiceParam(query, 'segment');
  return {
    encoding: encoding as PcmEncoding, sampleRateHz, channels, hopS, k, factors: flagParam(query, 'factors'), tags, overflow, playable: flagParam(query, 'playable'), track, mean, meanS, segment, token: query.get('token'),
  };
}

/** What an upload's URL (POST /v1/analyze, /v1/catalog) asks for; hop undefined: the engine's default (one window). */
export interface UploadParams {
  k: number;
  tags: number;
  hopS: number | undefined;
}

/** An upload's number: absent → undefined; any other value, the empty one (0) too, must be in the bounds. */
function uploadNumber(q: URLSearchParams, name: TunableParam): number | undefined {
  const raw = q.get(name);
  if (raw === null) return undefined;
  const spec: NumberParam = STREAM_QUERY[name];
  const v = Number(raw);
  if (!accepts(spec, v)) throw new ProtocolError('bad_request', `${name}=${echoValue(raw)} must be ${spec.integer ? 'an integer' : 'seconds'} in ${spec.min}..${spec.max}`);
  return v;
}

/** Stream parameters that mean nothing for a whole file (its answer is the mean of all its windows): refused by name, never ignored. */
const STREAM_ONLY: readonly string[] = ['mean', 'mean_s', 'segment'];

/** Reads `?k=&tags=&hop=` of an upload; a bad value is a ProtocolError bad_request (HTTP 400). */
export function parseUploadQuery(query: URLSearchParams): UploadParams {
  const streamOnly = STREAM_ONLY.find((name) => query.has(name));
  if (streamOnly) throw new ProtocolError('bad_request', `${streamOnly} applies to streams (/v1/stream); an upload's answer is the mean of all the file's windows`);
  const k = uploadNumber(query, 'k') ?? STREAM_QUERY.k.default;
  const tags = uploadNumber(query, 'tags') ?? STREAM_QUERY.tags.default;
  return { k, tags, hopS: uploadNumber(query, 'hop') };
}
