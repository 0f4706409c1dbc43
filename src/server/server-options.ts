/** The server's options and limits, each with its documented default (docs/protocol.md, "Limits"). */
import type { AudioInputLimits } from '../audio/input-limits';
import type { AnalysisPoolOptions } from '../engine/analysis-pool';
import type { BatcherOptions } from '../engine/micro-batcher';
import type { FleetOptions } from '../fleet/fleet-replica';
import type { FactorModelOptions } from '../model/onnx-factor-model';
import type { OriginPolicyOptions } from './origin-policy';

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
  /**
   * A connection that has not completed its request headers — a plain request or a WebSocket upgrade
   * (the handshake is one request) — within this many seconds of connecting, or of its previous
   * answer, is closed; one that sends nothing at all too. Default 30 s.
   */
  headersTimeoutS: number;
  /** A request (headers and body: an upload) must arrive whole within this many seconds. Default 300 s. */
  requestTimeoutS: number;
  /** An idle HTTP keep-alive connection is closed after this many seconds. Default 5 s. */
  keepAliveTimeoutS: number;
}

export const LIMIT_DEFAULTS: ServerLimits = {
  maxStreams: 1000,
  maxFrameBytes: 1 << 20,
  maxMessagesPerSecond: 200,
  maxBufferedBytes: 4 << 20,
  idleTimeoutS: 60,
  maxUploadBytes: 64 << 20,
  maxUploadDurationS: 1800,
  headersTimeoutS: 30,
  requestTimeoutS: 300,
  keepAliveTimeoutS: 5,
};

export interface ServerOptions {
  bundleDir: string;
  /** A user catalogue to suggest from instead of the bundle's songs (EngineOptions.catalogDir). */
  catalogDir?: string;
  /** Default 127.0.0.1 (listen on all interfaces only when asked). */
  host?: string;
  /** Default 8765; 0 picks a free port. */
  port?: number;
  /** When non-empty, every request except GET /healthz needs one of these tokens. */
  tokens?: string[];
  /** Which web pages may use the server besides its own and loopback pages (docs/security.md). */
  origins?: OriginPolicyOptions;
  limits?: Partial<ServerLimits>;
  batcher?: Partial<BatcherOptions>;
  model?: FactorModelOptions;
  /** Where stream windows run through the CNN (EngineOptions.inferenceThread): 'worker' (default) or 'main'. */
  inferenceThread?: 'worker' | 'main';
  /** How stream windows run through the CNN (EngineOptions.cnnPath): 'stream' (the bundle's streaming pair; default when it has one) or 'window'. */
  cnnPath?: 'stream' | 'window';
  /** Analysis worker threads, queue length and time limit for uploads (ANALYSIS_POOL_DEFAULTS). */
  analysis?: Partial<AnalysisPoolOptions>;
  /** Bounds on uploaded audio besides its duration (limits.maxUploadDurationS): rate, channels, bytes per second. */
  inputLimits?: Partial<Omit<AudioInputLimits, 'maxDurationS'>>;
  /** Persist catalogue additions to the bundle directory, or the user catalogue (default true). */
  persistCatalog?: boolean;
  /**
   * Join a fleet (serve --redis URL --fleet NAME, docs/fleet.md): the catalogue and the model come from
   * Redis and every change goes through its log; not with catalogDir.
   */
  fleet?: FleetOptions;
  /** One line per notable event (connections refused, reloads); default none. */
  log?: (line: string) => void;
}
