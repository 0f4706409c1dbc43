/**
 * What a stream asks for, and the one place those options are checked: the upgrade URL is built here
 * and validated with the server's own parser (parseStreamQuery), so the SDK refuses exactly what the
 * server would refuse, before any socket is opened.
 */
import { CLOSE } from '../protocol/close-codes';
import type { PcmEncoding } from '../protocol/pcm';
import type { MeanMode, SegmentMode } from '../protocol/query';
import { parseStreamQuery, STREAM_QUERY, type StreamParams } from '../protocol/query';
import { BEARER_SUBPROTOCOL_PREFIX, STREAM_PATH, SUBPROTOCOL } from '../protocol/version';
import type { ReconnectOptions } from './backoff';

/**
 * The part of the WHATWG WebSocket interface the client uses; the browser's WebSocket and the `ws`
 * package both provide it. Handlers take `any` because the two libraries type their events differently.
 */
export interface WebSocketLike {
  readonly readyState: number;
  readonly bufferedAmount: number;
  binaryType: string;
  onopen: ((ev: any) => void) | null;
  onmessage: ((ev: any) => void) | null;
  onclose: ((ev: any) => void) | null;
  onerror: ((ev: any) => void) | null;
  send(data: string | ArrayBufferView | ArrayBuffer): void;
  close(code?: number, reason?: string): void;
}

/** `new WebSocket(url, protocols, options)`; browsers ignore the third argument, `ws` reads headers from it. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[], options?: any) => WebSocketLike;

/** WebSocket readyState OPEN (the constant is not on every constructor in every runtime). */
export const WS_OPEN = 1;

/**
 * How the token reaches the server. Browsers cannot set headers, so their default is the subprotocol
 * `earshot.v1, bearer.<token>` (the token must then be an HTTP token: letters, digits, `-._~+`…); Node's
 * default is the Authorization header. `query` puts it in the URL, which servers and proxies may log.
 */
export type AuthMode = 'header' | 'subprotocol' | 'query';

export interface StreamOptions {
  /** Wire format of sendPcm's bytes. Default pcm_f32le. */
  encoding?: PcmEncoding;
  /** Sample rate of the PCM sent (Hz), 8,000..192,000. */
  sampleRateHz: number;
  /** Interleaved channels, 1..8. Default 1. */
  channels?: number;
  /** Seconds between window events (server default 1.0). */
  hopS?: number;
  /** Suggestions per event (server default 10). */
  k?: number;
  /** Tags per event (server default 5). */
  tags?: number;
  /** Ask for the factor vector in every window event. */
  factors?: boolean;
  /** drop (realtime sources; default) or block (files: the server stops reading instead of dropping windows). */
  overflow?: 'drop' | 'block';
  /** Suggest only songs with a uri (a file or URL a player can open). */
  playable?: boolean;
  /** The playing track's catalogue id or uri (e.g. the file's absolute path): never suggested. A name no song has excludes nothing. */
  track?: string;
  /** How window predictions are averaged: track (server default), sliding or decay. */
  mean?: MeanMode;
  /** Sliding length or decay half-life (s, server default 20); only with mean sliding or decay. */
  meanS?: number;
  /** auto: the server detects song changes (`track_change` events) and restarts the average at each. */
  segment?: SegmentMode;
  token?: string;
  auth?: AuthMode;
  /** WebSocket implementation; default globalThis.WebSocket (the Node entry, src/client/node.ts, injects `ws`). */
  WebSocket?: WebSocketConstructor;
  /**
   * Seconds of the latest audio kept and sent again to the new stream after a reconnect, so it can
   * predict (and answer a pending finalize) at once. Default: one window (begin.window_s) + 0.5 s; 0: none.
   */
  replayS?: number;
  /** Reconnect after an abnormal close; false: never. */
  reconnect?: ReconnectOptions | false;
  /** Close codes after which the client never reconnects. Default 1000, 4400, 4401, 4415. */
  noReconnectCodes?: readonly number[];
  /** Interval of keepalive messages (ms); 0 disables them. Default 15,000. */
  keepaliveMs?: number;
  /** How long a connection may take to deliver `begin` (ms). Default 10,000. */
  connectTimeoutMs?: number;
  /** drain() waits until the socket's unsent bytes are at most this. Default 1 MiB. */
  highWaterMarkBytes?: number;
  /** Largest binary frame sent (bytes); bigger sendPcm calls are split on sample-frame boundaries. Default 1 MiB (the server's limit). */
  maxFrameBytes?: number;
}

export const CLIENT_DEFAULTS = {
  encoding: STREAM_QUERY.encoding.default,
  channels: STREAM_QUERY.channels.default,
  keepaliveMs: 15_000,
  connectTimeoutMs: 10_000,
  highWaterMarkBytes: 1 << 20,
  maxFrameBytes: 1 << 20,
  noReconnectCodes: [CLOSE.normal, CLOSE.badRequest, CLOSE.unauthorized, CLOSE.unsupportedAudio] as readonly number[],
};

/**
 * The stream's upgrade URL. `base` may be the server's root (`ws://host:8765`, or http(s)://, mapped to
 * ws(s)://) or the full stream path. The token is added only in `query` auth mode. Throws the protocol's
 * ProtocolError (code bad_request / unsupported_audio) for options the server would refuse.
 */
export function buildStreamUrl(base: string, o: StreamOptions, auth: AuthMode): { url: string; params: StreamParams } {
  let u: URL;
  try {
    u = new URL(base);
  } catch {
    throw new TypeError(`not a URL: ${JSON.stringify(base)} (expected ws://host:port)`);
  }
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new TypeError(`${base}: the server URL must be ws://, wss://, http:// or https://`);
  if (u.pathname === '' || u.pathname === '/') u.pathname = STREAM_PATH;
  const q = u.searchParams;
  q.set('encoding', o.encoding ?? CLIENT_DEFAULTS.encoding);
  q.set('sample_rate', String(o.sampleRateHz));
  q.set('channels', String(o.channels ?? CLIENT_DEFAULTS.channels));
  if (o.hopS !== undefined) q.set('hop', String(o.hopS));
  if (o.k !== undefined) q.set('k', String(o.k));
  if (o.tags !== undefined) q.set('tags', String(o.tags));
  if (o.factors !== undefined) q.set('factors', o.factors ? '1' : '0');
  if (o.overflow !== undefined) q.set('overflow', o.overflow);
  if (o.playable !== undefined) q.set('playable', o.playable ? '1' : '0');
  if (o.track !== undefined) q.set('track', o.track);
  if (o.mean !== undefined) q.set('mean', o.mean);
  if (o.meanS !== undefined) q.set('mean_s', String(o.meanS));
  if (o.segment !== undefined) q.set('segment', o.segment);
  if (auth === 'query' && o.token) q.set('token', o.token);
  const params = parseStreamQuery(q);
  return { url: u.toString(), params };
}

/** Subprotocols and headers that carry the token in the chosen mode. */
export function authHandshake(token: string | undefined, auth: AuthMode): { protocols: string[] | undefined; headers: Record<string, string> } {
  if (!token) return { protocols: undefined, headers: {} };
  if (auth === 'subprotocol') return { protocols: [SUBPROTOCOL, `${BEARER_SUBPROTOCOL_PREFIX}${token}`], headers: {} };
  if (auth === 'header') return { protocols: undefined, headers: { Authorization: `Bearer ${token}` } };
  return { protocols: undefined, headers: {} };
}
