/**
 * The client SDK's browser-safe entry: nothing here imports Node modules or `ws`; the global
 * WebSocket is used unless options.WebSocket is given. Node programs import src/client/node.ts.
 */
export { EarshotClient, EarshotClientError, connectStream, type ClientEvents, type ClientErrorCode, type ClientState, type ClientStats, type CloseInfo, type ReconnectInfo, type StreamError } from './client';
export { buildStreamUrl, CLIENT_DEFAULTS, type AuthMode, type StreamOptions, type WebSocketConstructor, type WebSocketLike } from './options';
export { backoffDelayMs, RECONNECT_DEFAULTS, type ReconnectOptions } from './backoff';
export { TypedEmitter, type Listener } from './emitter';
export { CLOSE, STREAM_PATH, PROTOCOL_VERSION, ProtocolError, type BeginEvent, type WindowEvent, type ConfiguredEvent, type ResetEvent, type ReloadEvent, type KeepaliveEvent, type ErrorEvent, type TrackChangeEvent, type ServerEvent, type ClientMessage, type HistoryEntry, type PcmEncoding, type Suggestion, type TagScore, type MeanMode, type SegmentMode } from '../protocol';
