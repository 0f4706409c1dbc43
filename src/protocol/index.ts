/**
 * Protocol v1 of the realtime engine (docs/protocol.md), typed once and shared by the server, the engine,
 * the client SDK and the tests; browser-safe, it touches no socket. Each concern has its file: the query
 * parameters (./query.ts), client messages (./messages.ts), server events (./events.ts), error codes
 * (./errors.ts), close codes, PCM encodings, version and paths, and how client values are quoted (./redact.ts).
 */
export { PROTOCOL_VERSION, STREAM_PATH, SUBPROTOCOL, BEARER_SUBPROTOCOL_PREFIX } from './version';
export { CLOSE } from './close-codes';
export { BYTES_PER_SAMPLE, PCM_ENCODINGS, type PcmEncoding } from './pcm';
export { WIRE_ERRORS, ProtocolError, closingError, type StreamErrorCode, type ClosingErrorCode, type HttpErrorCode } from './errors';
export { STREAM_QUERY, MEAN_MODES, SEGMENT_MODES, accepts, rangeText, parseStreamQuery, parseUploadQuery, type MeanMode, type NumberParam, type SegmentMode, type StreamParams, type TunableParam, type UploadParams } from './query';
export { MAX_HISTORY, parseClientMessage, type ClientMessage, type CloseMessage, type ConfigureMessage, type FinalizeMessage, type HistoryEntry, type KeepaliveMessage, type ResetMessage } from './messages';
export type { BeginEvent, ConfiguredEvent, ErrorEvent, KeepaliveEvent, ReloadEvent, ResetEvent, ServerEvent, Suggestion, TagScore, TrackChangeEvent, WindowEvent } from './events';
export { ECHO_MAX_CHARS, echoValue, scrubPaths } from './redact';
