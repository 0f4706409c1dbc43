/** Server → client: the JSON events of a stream (docs/protocol.md shows each). */
import type { StreamErrorCode } from './errors';
import type { PcmEncoding } from './pcm';
import type { MeanMode, SegmentMode } from './query';
import type { PROTOCOL_VERSION } from './version';

export interface Suggestion {
  id: string;
  title: string;
  artist: string;
  score: number;
  uri?: string;
}
export interface TagScore {
  tag: string;
  p: number;
}
export interface BeginEvent {
  type: 'begin';
  protocol: typeof PROTOCOL_VERSION;
  id: string;
  model: string;
  factors: number;
  items: number;
  window_s: number;
  hop_s: number;
  sample_rate: number;
  encoding: PcmEncoding;
  channels: number;
  k: number;
  /** Only songs with a uri are suggested (the URL's `playable`). */
  playable: boolean;
  /** The catalogue id of the playing track named by the URL's `track` (excluded from suggestions); null when none was named or it matched no song. */
  track: string | null;
  /** How the events' factor vector averages the windows, the sliding length or decay half-life (s), song-change detection. */
  mean: MeanMode;
  mean_s: number;
  segment: SegmentMode;
}
export interface WindowEvent {
  type: 'window' | 'final';
  /** Window number since the last reset, from 0. */
  seq: number;
  /** Seconds of audio since the last reset: the first frame's centre and the last sample the window depends on. */
  t_start: number;
  t_end: number;
  /** Windows in the average (mean=track: those since the last reset or track change that were not dropped; sliding: those of the last mean_s seconds; decay: all since the last reset or change). */
  windows: number;
  /** Windows dropped by backpressure since the stream began. */
  dropped: number;
  suggestions: Suggestion[];
  tags: TagScore[];
  factors?: number[];
}
export interface ConfiguredEvent {
  type: 'configured';
  hop_s: number;
  k: number;
  tags: number;
  factors: boolean;
  /** Only songs with a uri are suggested. */
  playable: boolean;
  mean: MeanMode;
  mean_s: number;
  segment: SegmentMode;
  /** History entries used for fold-in (ids found in the catalogue). */
  history: number;
}
/**
 * segment=auto: the music changed (a new song) at `t`, seconds of audio since the last reset, estimated;
 * sent when detected, some seconds later. The average restarts with the windows from t on.
 */
export interface TrackChangeEvent {
  type: 'track_change';
  t: number;
}
export interface ResetEvent {
  type: 'reset';
  track: string | null;
}
export interface KeepaliveEvent {
  type: 'keepalive';
  /** Server time (ms since the Unix epoch). */
  t: number;
}
export interface ReloadEvent {
  type: 'reload';
  model: string;
  factors: number;
  items: number;
}
export interface ErrorEvent {
  type: 'error';
  code: StreamErrorCode;
  message: string;
  retryable: boolean;
}
export type ServerEvent = BeginEvent | WindowEvent | ConfiguredEvent | ResetEvent | KeepaliveEvent | ReloadEvent | ErrorEvent | TrackChangeEvent;
