/** The server's options and limits, each with its documented default (docs/protocol.md, "Limits"). */
import type { BatcherOptions } from '../engine/micro-batcher';
import type { FactorModelOptions } from '../model/onnx-factor-model';

export interface ServerLimits {
  /** Concurrent streams; the next one is refused (error too_many_streams, close 1008). Default 1000. */
  maxStreams: number;
  /** Largest WebSocket message (bytes); larger closes the stream with 1009. Default 1 MiB (≈ 5.9 s of 44.1 kHz stereo s16). */
  maxFrameBytes: number;
  /** Messages per second per stream (token bucket, burst twice that); over it: rate_limited, close 1008. Default 200. */
  maxMessagesPerSecond: number;
  /** Unsent bytes queued to one client before it counts as a slow consumer (close 1008). Default 4 MiB. */
  maxBufferedBytes: number;
  /** A stream with no message for this long is closed (4408). Default 60 s. */
  idleTimeoutS: number;
  /** Largest upload to POST /v1/analyze and /v1/catalog (bytes). Default 64 MiB. */
  maxUploadBytes: number;
  /** Longest audio an upload may decode to (s). Default 1800. */
  maxUploadDurationS: number;
}

export const LIMIT_DEFAULTS: ServerLimits = {
  maxStreams: 1000,
  maxFrameBytes: 1 << 20,
  maxMessagesPerSecond: 200,
  maxBufferedBytes: 4 << 20,
  idleTimeoutS: 60,
  maxUploadBytes: 64 << 20,
  maxUploadDurationS: 1800,
};

export interface ServerOptions {
  bundleDir: string;
  /** Default 127.0.0.1 (listen on all interfaces only when asked). */
  host?: string;
  /** Default 8765; 0 picks a free port. */
  port?: number;
  /** When non-empty, every request except GET /healthz needs one of these tokens. */
  tokens?: string[];
  limits?: Partial<ServerLimits>;
  batcher?: Partial<BatcherOptions>;
  model?: FactorModelOptions;
  /** Where stream windows run through the CNN (EngineOptions.inferenceThread): 'worker' (default) or 'main'. */
  inferenceThread?: 'worker' | 'main';
  /** Persist catalogue additions to the bundle directory (default true). */
  persistCatalog?: boolean;
  /** One line per notable event (connections refused, reloads); default none. */
  log?: (line: string) => void;
}
