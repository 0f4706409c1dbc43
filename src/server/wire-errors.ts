/**
 * The server's one translation of failures into wire errors (docs/errors.md, "Library codes on the
 * wire"): the engine and the catalogue throw EarshotError, the protocol's parsers ProtocolError, and
 * anything else is a bug; here each becomes a stream's `error` event (and close code) or an HTTP answer
 * `{"error":{code,message}}` with its status. Server-side messages lose their absolute paths (scrubPaths).
 */
import { EarshotError } from '../errors';
import { closingError, ProtocolError, WIRE_ERRORS, type HttpErrorCode } from '../protocol/errors';
import { scrubPaths } from '../protocol/redact';

/** An HTTP error answer; its status is its code's (WIRE_ERRORS). */
export class HttpError extends Error {
  readonly status: number;
  constructor(
    readonly code: HttpErrorCode,
    message: string,
    /** Extra response headers (Retry-After on 503). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = WIRE_ERRORS[code].http;
  }
}

function messageOf(err: unknown): string {
  return scrubPaths((err as Error)?.message ?? String(err));
}

/**
 * A running stream's failure as its error event: the protocol's errors as they are, the engine's
 * refusals of one frame (the stream goes on), anything else `internal` (retryable; the stream closes).
 */
export function streamError(err: unknown): ProtocolError {
  if (err instanceof ProtocolError) return err;
  if (err instanceof EarshotError && err.code === 'ERR_AUDIO_SAMPLE') return new ProtocolError('bad_audio', err.message);
  if (err instanceof EarshotError && err.code === 'ERR_STREAM_FINALIZED') return new ProtocolError('bad_request', err.message);
  return closingError('internal', `internal error: ${messageOf(err)}`, true);
}

/** A window the model could not predict: left out of the running mean, the stream goes on. */
export function windowError(err: Error): ProtocolError {
  return new ProtocolError('inference_failed', `inference failed for a window (it is not in the mean): ${scrubPaths(err.message)}`, undefined, true);
}

/** A failure while a stream is accepted (auth, limits, its URL): the refusal, closing; not retryable unless it says so. */
export function refusalError(err: unknown): ProtocolError {
  return err instanceof ProtocolError ? err : closingError('internal', scrubPaths(String(err)));
}

/** An upload's failure as the HTTP answer a client can act on; `retryAfterS` is asked only where waiting helps. */
export function uploadError(err: unknown, retryAfterS: () => number): unknown {
  if (!(err instanceof EarshotError)) return err;
  switch (err.code) {
    case 'ERR_BUSY':
      return new HttpError('busy', err.message, { 'retry-after': String(retryAfterS()) });
    case 'ERR_TIMEOUT':
      return new HttpError('timeout', err.message, { 'retry-after': String(retryAfterS()) });
    case 'ERR_AUDIO_TOO_LONG':
      return new HttpError('too_long', err.message);
    case 'ERR_INFERENCE_FAILED':
      return err;
    default:
      return new HttpError('bad_audio', `cannot decode the audio: ${scrubPaths(err.message)} [${err.code}]`);
  }
}

export interface HttpAnswer {
  status: number;
  code: string;
  message: string;
  headers: Record<string, string>;
  /** Not the client's doing: worth a line in the server's log. */
  unexpected: boolean;
}

/**
 * Any failure of an HTTP request as its answer: HttpError as it is; a ProtocolError (a bad query
 * parameter) with its code's status; an EarshotError under its own ERR_* code (400 for
 * ERR_INVALID_ARGUMENT, 500 otherwise); anything else 500 `internal`.
 */
export function httpAnswer(err: unknown): HttpAnswer {
  if (err instanceof HttpError) return { status: err.status, code: err.code, message: err.message, headers: err.headers, unexpected: false };
  const protocolStatus = err instanceof ProtocolError ? (WIRE_ERRORS[err.code] as { http?: number }).http : undefined;
  if (err instanceof ProtocolError && protocolStatus !== undefined) return { status: protocolStatus, code: err.code, message: err.message, headers: {}, unexpected: false };
  if (err instanceof EarshotError && err.code === 'ERR_FLEET_UNAVAILABLE') return { status: 503, code: 'fleet_unavailable', message: scrubPaths(err.message), headers: { 'retry-after': '1' }, unexpected: false };
  if (err instanceof EarshotError && err.code === 'ERR_INVALID_ARGUMENT') return { status: 400, code: err.code, message: scrubPaths(err.message), headers: {}, unexpected: false };
  if (err instanceof EarshotError) return { status: 500, code: err.code, message: scrubPaths(err.message), headers: {}, unexpected: true };
  return { status: 500, code: 'internal', message: messageOf(err), headers: {}, unexpected: true };
}
