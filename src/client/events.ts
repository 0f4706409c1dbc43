/** The client's events and errors (browser-safe: types and one Error class). */
import type { StreamErrorCode } from '../protocol/errors';
import type { BeginEvent, ConfiguredEvent, KeepaliveEvent, ReloadEvent, ResetEvent, ServerEvent, TrackChangeEvent, WindowEvent } from '../protocol/events';

/** Errors the client itself detects (the server's codes are StreamErrorCode). */
export type ClientErrorCode = 'connect_failed' | 'connect_timeout' | 'connection_lost' | 'not_open' | 'closed' | 'bad_server_message';

export interface StreamError {
  type: 'error';
  code: StreamErrorCode | ClientErrorCode;
  message: string;
  retryable: boolean;
  /** server: an `error` event the server sent; client: found by the client. */
  source: 'server' | 'client';
}

export interface ReconnectInfo {
  /** 1 for the first attempt after a drop. */
  attempt: number;
  delayMs: number;
  /** The close code that caused it (1006: the connection was lost without a close frame). */
  code: number;
  reason: string;
}

export interface CloseInfo {
  code: number;
  reason: string;
  /** The last error event before the close, if any (e.g. the server's `unauthorized`). */
  error?: StreamError;
}

export interface ClientEvents {
  begin: BeginEvent;
  window: WindowEvent;
  final: WindowEvent;
  configured: ConfiguredEvent;
  reset: ResetEvent;
  keepalive: KeepaliveEvent;
  reload: ReloadEvent;
  /** segment=auto: the server detected a new song (at `t` s of audio since the last reset). */
  track_change: TrackChangeEvent;
  error: StreamError;
  reconnect: ReconnectInfo;
  /** The stream is over for good (closed by close(), a final close code, or reconnects given up). */
  close: CloseInfo;
  /** Every event the server sent, including types this SDK version does not know. */
  message: ServerEvent;
}

export class EarshotClientError extends Error {
  constructor(
    readonly code: StreamError['code'],
    message: string,
    /** The WebSocket close code, when a close caused it. */
    readonly closeCode?: number,
    /** The cause alone (ECONNREFUSED, the server's error message…), without the URL, for callers that word their own message. */
    readonly detail: string = message,
  ) {
    super(message);
    this.name = 'EarshotClientError';
  }
}
