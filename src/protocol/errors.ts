/**
 * The wire's error codes, WebSocket and HTTP together, each listed once: a stream's `error` event
 * (`{"type":"error","code","message","retryable"}`) and an HTTP answer (`{"error":{"code","message"}}`)
 * use the same names. docs/errors.md says when each is sent and which library ERR_* code becomes which.
 */
import { CLOSE } from './close-codes';

interface WireErrorSpec {
  /**
   * Sent as a stream's `error` event. `close`: the close code that follows when the error ends the
   * stream (bad_request closes only when it is about the upgrade URL; a bad message field does not).
   */
  readonly stream?: { readonly close?: number };
  /** Sent over HTTP with this status. */
  readonly http?: number;
}

export const WIRE_ERRORS = {
  bad_request: { stream: { close: CLOSE.badRequest }, http: 400 }, // a query parameter or message field is invalid
  unsupported_audio: { stream: { close: CLOSE.unsupportedAudio } }, // encoding / sample_rate / channels out of range
  invalid_json: { stream: {} }, // a text frame is not JSON
  unknown_message: { stream: {} }, // a JSON message with an unknown `type`
  bad_audio: { stream: {}, http: 415 }, // stream: samples NaN/Inf or far out of range, the frame dropped; HTTP: an upload that cannot be decoded
  unauthorized: { stream: { close: CLOSE.unauthorized }, http: 401 },
  too_many_streams: { stream: { close: CLOSE.policy } },
  frame_too_big: { stream: { close: CLOSE.tooBig } }, // closed by the WebSocket layer itself, without an event
  rate_limited: { stream: { close: CLOSE.policy } },
  slow_consumer: { stream: { close: CLOSE.policy } }, // close only: an event could not be read
  idle_timeout: { stream: { close: CLOSE.idle } },
  unknown_track: { stream: {}, http: 404 }, // an id not in the catalogue (a stream ignores it and goes on)
  inference_failed: { stream: {} },
  shutting_down: { stream: { close: CLOSE.goingAway }, http: 503 },
  internal: { stream: { close: CLOSE.internal }, http: 500 },
  not_found: { http: 404 }, // no such route
  forbidden_origin: { http: 403 }, // a page from an origin the server does not allow (docs/security.md)
  forbidden_host: { http: 403 }, // a Host that is not a loopback name on a loopback bind (DNS rebinding)
  duplicate_id: { http: 409 },
  empty_catalog: { http: 404 },
  nothing_playable: { http: 404 },
  too_large: { http: 413 }, // an upload over maxUploadBytes
  too_long: { http: 413 }, // an upload over maxUploadDurationS of audio
  too_short: { http: 422 }, // an upload shorter than the model's minimum
  body_timeout: { http: 408 }, // an upload that stopped arriving
  busy: { http: 503 }, // every analysis worker busy and the queue full (Retry-After)
  timeout: { http: 503 }, // an analysis past its time limit (Retry-After)
  fleet_unavailable: { http: 503 }, // serve --redis: a catalogue write or rollout while the fleet's Redis is unreachable (Retry-After; docs/fleet.md)
} as const satisfies Record<string, WireErrorSpec>;

type Specs = typeof WIRE_ERRORS;
/** Codes of a stream's `error` events. */
export type StreamErrorCode = { [C in keyof Specs]: Specs[C] extends { stream: object } ? C : never }[keyof Specs];
/** Codes that end a stream, each with its close code. */
export type ClosingErrorCode = { [C in keyof Specs]: Specs[C] extends { stream: { close: number } } ? C : never }[keyof Specs];
/** Codes of HTTP error answers, each with its status. */
export type HttpErrorCode = { [C in keyof Specs]: Specs[C] extends { http: number } ? C : never }[keyof Specs];

export class ProtocolError extends Error {
  constructor(
    readonly code: StreamErrorCode,
    message: string,
    /** Close the stream with this code after the error event (undefined: the stream goes on). */
    readonly closeCode?: number,
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/** An error that ends the stream: its error event is followed by the code's close code. */
export function closingError(code: ClosingErrorCode, message: string, retryable = false): ProtocolError {
  return new ProtocolError(code, message, WIRE_ERRORS[code].stream.close, retryable);
}
