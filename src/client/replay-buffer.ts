/**
 * The latest audio of a stream, kept so that a reconnect can replay it (browser-safe). A new connection
 * is a new stream on whichever server takes it (another replica behind a load balancer knows nothing of
 * the old one): without this it could predict nothing until a whole window (≈ 3 s) of fresh audio has
 * arrived, and a `finalize` pending at the drop would be answered over no audio at all. A fixed ring of
 * whole sample frames: one copy per sendPcm, no allocation after the first `begin`.
 */
/**
 * Replayed beyond one window (s): the server's resampler and the window's centred first frame need a
 * little audio before the window's own, so that exactly-one-window of replay still yields a window.
 */
const REPLAY_MARGIN_S = 0.5;
/** Longest replay (s): bounds the ring (60 s of 8-channel f32 at 192 kHz is 369 MB; at 44.1 kHz stereo, 21 MB). */
const MAX_REPLAY_S = 60;

/** Throws RangeError for a `replayS` option outside 0..MAX_REPLAY_S. */
export function checkReplayS(replayS: number | undefined): void {
  if (replayS !== undefined && !(replayS >= 0 && replayS <= MAX_REPLAY_S)) throw new RangeError(`replayS must be a number of seconds in 0..${MAX_REPLAY_S}, got ${replayS}`);
}

/** The ring's size: `replayS` seconds, or one window (the stream's `begin.window_s`) + REPLAY_MARGIN_S, at the stream's rate. */
export function replayBytes(replayS: number | undefined, begin: { window_s: number; sample_rate: number }, frameBytes: number): number {
  return Math.ceil((replayS ?? begin.window_s + REPLAY_MARGIN_S) * begin.sample_rate) * frameBytes;
}

export class ReplayBuffer {
  private readonly ring: Uint8Array;
  /** Next write position in `ring`. */
  private head = 0;
  /** Bytes held, ≤ ring.length. */
  private held = 0;
  /** Bytes pushed since the last clear: where sample frames start in the stream. */
  private total = 0;

  /** @param capacityBytes rounded down to whole sample frames of `frameBytes` (channels × bytes per sample) */
  constructor(capacityBytes: number, readonly frameBytes: number) {
    if (!(frameBytes >= 1) || !Number.isInteger(frameBytes)) throw new RangeError(`frameBytes must be a positive integer, got ${frameBytes}`);
    this.ring = new Uint8Array(Math.max(0, Math.floor(capacityBytes / frameBytes) * frameBytes));
  }

  get capacityBytes(): number {
    return this.ring.length;
  }
  /** Appends bytes as sent on the wire; the oldest are overwritten once the ring is full. */
  push(bytes: Uint8Array): void {
    const cap = this.ring.length;
    if (cap === 0 || bytes.byteLength === 0) return;
    // Only the last `cap` bytes can survive; a chunk that is not whole frames still lands in order
    // (the server joins split samples across frames the same way).
    const src = bytes.byteLength > cap ? bytes.subarray(bytes.byteLength - cap) : bytes;
    const first = Math.min(src.byteLength, cap - this.head);
    this.ring.set(src.subarray(0, first), this.head);
    if (first < src.byteLength) this.ring.set(src.subarray(first), 0);
    this.head = (this.head + src.byteLength) % cap;
    this.held = Math.min(cap, this.held + src.byteLength);
    this.total += bytes.byteLength;
  }

  /**
   * The bytes held, oldest first, starting on a sample-frame boundary (a wrapped ring may have cut the
   * oldest frame: its remaining bytes are skipped, so the replay never shifts the channels or samples).
   */
  contents(): Uint8Array {
    const cap = this.ring.length;
    const start = (this.head - this.held + cap) % cap;
    const out = new Uint8Array(this.held);
    const first = Math.min(this.held, cap - start);
    out.set(this.ring.subarray(start, start + first), 0);
    if (first < this.held) out.set(this.ring.subarray(0, this.held - first), first);
    // The oldest byte held is byte (total - held) of the stream; frames start at multiples of frameBytes.
    const skip = (this.frameBytes - ((this.total - this.held) % this.frameBytes)) % this.frameBytes;
    return out.subarray(Math.min(skip, out.length));
  }

  /** A new track (reset): the old audio must not be replayed into it. */
  clear(): void {
    this.head = 0;
    this.held = 0;
    this.total = 0;
  }
}
