/**
 * The load generator's options (with their defaults and flags, which bench/engine.ts passes through)
 * and the result line it prints: the contract between bench/engine-load.ts and bench/engine.ts.
 */
import { PCM_ENCODINGS, type PcmEncoding } from '../src/protocol';
import { DEFAULT_CLIP_DIR } from './engine-clips';
import type { LatencySummary } from './engine-stats';
import { parseFlags } from './harness';

export interface LoadOptions {
  url: string;
  streams: number;
  seconds: number;
  warmupS: number;
  openMs: number;
  encoding: PcmEncoding;
  sampleRateHz: number;
  channels: number;
  chunkMs: number;
  tickMs: number;
  hopS: number;
  k: number;
  overdueMs: number;
  seed: number;
  clipDir: string;
}

export const LOAD_DEFAULTS: Omit<LoadOptions, 'url' | 'streams'> = {
  seconds: 20,
  warmupS: 3,
  openMs: 1000,
  encoding: 'pcm_s16le',
  sampleRateHz: 22050,
  channels: 1,
  chunkMs: 20,
  tickMs: 5,
  hopS: 1.0,
  k: 10,
  overdueMs: 50,
  seed: 2013,
  clipDir: DEFAULT_CLIP_DIR,
};

/** The flags that map onto LoadOptions, shared with bench/engine.ts, which passes them through. */
export const LOAD_FLAGS: Record<string, keyof LoadOptions> = {
  '--url': 'url',
  '--streams': 'streams',
  '--seconds': 'seconds',
  '--warmup': 'warmupS',
  '--open-ms': 'openMs',
  '--encoding': 'encoding',
  '--rate': 'sampleRateHz',
  '--channels': 'channels',
  '--chunk-ms': 'chunkMs',
  '--tick-ms': 'tickMs',
  '--hop': 'hopS',
  '--k': 'k',
  '--overdue-ms': 'overdueMs',
  '--seed': 'seed',
  '--clips': 'clipDir',
};

/** What the generator prints as its last stdout line (`type: "result"`). */
export interface LoadResult {
  type: 'result';
  streams: number;
  connected: number;
  /** Streams never answered with `begin` (refused, failed handshake, or too slow). */
  not_connected: number;
  /** Closes the generator did not ask for, by close code. */
  closes: Record<string, number>;
  /** `error` events by code, and socket errors as `socket: message`. */
  errors: Record<string, number>;
  first_errors: string[];
  measure_s: number;
  windows: number;
  windows_per_s: number;
  /** connected / hop_s: what a server keeping up delivers. */
  expected_windows_per_s: number;
  latency_ms: LatencySummary;
  after_chunk_ms: LatencySummary;
  overdue: number;
  /** Window events whose t_end lay in the future when they arrived (a t_end convention mismatch). */
  early_events: number;
  seq_gaps: number;
  /** Sum over streams of the last `dropped` each reported. */
  dropped_reported: number;
  send_lag_ms: LatencySummary;
  /** How late the shared timer fired (ms past its interval): the generator's own event-loop stalls. */
  tick_late_ms: LatencySummary;
  /** Each second of the measurement: window events received, worst latency and worst send lag (ms). */
  per_second: { windows: number[]; latency_max_ms: number[]; send_lag_max_ms: number[] };
  connect_ms: LatencySummary;
  /** Audio seconds sent per stream per second during the measurement: 1.0 is realtime. */
  audio_xrt: number;
  max_buffered_bytes: number;
  clips: string;
  clip_decode_s: number;
  hop_s: number | null;
  window_s: number | null;
}

export function parseLoadOptions(args: string[]): LoadOptions {
  const flags = parseFlags(args, Object.keys(LOAD_FLAGS), []);
  const o: Record<string, unknown> = { ...LOAD_DEFAULTS };
  for (const [flag, value] of flags) {
    const key = LOAD_FLAGS[flag];
    o[key] = key === 'url' || key === 'encoding' || key === 'clipDir' ? value : Number(value);
  }
  const opts = o as unknown as LoadOptions;
  if (!opts.url) throw new Error('--url is required');
  if (!(PCM_ENCODINGS as readonly string[]).includes(opts.encoding)) throw new Error(`--encoding must be one of ${PCM_ENCODINGS.join(', ')}`);
  for (const key of ['streams', 'seconds', 'sampleRateHz', 'channels', 'chunkMs', 'tickMs', 'hopS', 'k'] as const) {
    if (!(opts[key] > 0)) throw new Error(`${key} must be > 0, got ${opts[key]}`);
  }
  return opts;
}
