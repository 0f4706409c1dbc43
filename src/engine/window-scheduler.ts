/**
 * Which 3-s windows of a stream's mel frames the CNN sees, decided by frame counts alone so that the
 * live engine and offline `earshot analyze` cut exactly the same windows from the same audio.
 *
 * Windows of W frames start every H frames (frame k·H) as soon as a whole window has arrived. At the end
 * of the audio (finalize) one more window, aligned to the last frame, covers any tail the regular
 * windows missed; audio shorter than one window is one window of all its frames (the network pools over
 * time, so any length ≥ its minimum is valid). With H = W these are the paper's consecutive
 * non-overlapping windows plus the tail.
 */
export interface WindowSpan {
  /** First frame (absolute, since the last reset). */
  start: number;
  /** Frames in the window (W, or fewer for a short clip). */
  frames: number;
}

export class WindowScheduler {
  /** Start of the next regular window (frames). */
  private nextStart = 0;
  /** Start of the last regular window issued (-1: none yet). */
  private lastStart = -1;

  constructor(
    readonly windowFrames: number,
    private hop: number,
    /** The network's minimum input length (frames): shorter audio yields no window at all. */
    readonly minFrames: number,
  ) {}

  get hopFrames(): number {
    return this.hop;
  }

  /** A new hop applies from the next window: it starts `hopFrames` after the last one issued. */
  setHopFrames(hopFrames: number): void {
    this.hop = hopFrames;
    if (this.lastStart >= 0) this.nextStart = this.lastStart + hopFrames;
  }

  /** Regular windows completed now that `totalFrames` frames exist. */
  ready(totalFrames: number): WindowSpan[] {
    const out: WindowSpan[] = [];
    while (this.nextStart + this.windowFrames <= totalFrames) {
      out.push({ start: this.nextStart, frames: this.windowFrames });
      this.lastStart = this.nextStart;
      this.nextStart += this.hop;
    }
    return out;
  }

  /** The end-of-audio window, if the regular ones left frames uncovered (call ready() first). */
  finish(totalFrames: number): WindowSpan | null {
    if (this.lastStart < 0) return totalFrames >= this.minFrames ? { start: 0, frames: Math.min(totalFrames, this.windowFrames) } : null;
    return this.lastStart + this.windowFrames < totalFrames ? { start: totalFrames - this.windowFrames, frames: this.windowFrames } : null;
  }

  /** First frame still needed by a future regular window: frames before it can be forgotten. */
  get neededFrom(): number {
    return this.nextStart;
  }

  reset(): void {
    this.nextStart = 0;
    this.lastStart = -1;
  }
}

/**
 * A frames × bands buffer addressed by absolute frame index, trimmed from the front. Trimming only moves
 * a start offset; the live frames are moved to the front when an append would run past the end, so a
 * stream that pushes 20 ms at a time copies its ~3 s of live frames once per ~3 s, not on every push.
 */
export class FrameBuffer {
  private data: Float32Array;
  /** Absolute index of the first live frame, and its position (frames) in data. */
  private base = 0;
  private start = 0;
  private count = 0;
  /** Frames reserve() made room for and commit() may still append. */
  private reserved = 0;

  constructor(
    readonly bands: number,
    initialFrames = 256,
  ) {
    this.data = new Float32Array(initialFrames * bands);
  }

  get totalFrames(): number {
    return this.base + this.count;
  }

  append(frames: Float32Array): void {
    const n = frames.length / this.bands;
    if (n === 0) return;
    const at = this.reserve(n); // first: it may replace this.data
    this.data.set(frames, at);
    this.commit(n);
  }

  /**
   * Room for up to `frames` more frames after the last, for a producer that writes them in place
   * (MelStream.pushInto: no array per push): returns the element offset in `storage` to write at. Then
   * commit(n) appends the n ≤ frames written. `storage` may be replaced by the next reserve or append.
   */
  reserve(frames: number): number {
    const b = this.bands;
    if ((this.start + this.count + frames) * b > this.data.length) {
      if ((this.count + frames) * b <= this.data.length / 2) {
        this.data.copyWithin(0, this.start * b, (this.start + this.count) * b);
      } else {
        const grown = new Float32Array(Math.max((this.count + frames) * b * 2, this.data.length));
        grown.set(this.data.subarray(this.start * b, (this.start + this.count) * b));
        this.data = grown;
      }
      this.start = 0;
    }
    this.reserved = frames;
    return (this.start + this.count) * b;
  }

  /** The frames × bands storage reserve() points into. */
  get storage(): Float32Array {
    return this.data;
  }

  /** Appends the `frames` frames written at reserve()'s offset. */
  commit(frames: number): void {
    if (!(frames >= 0 && frames <= this.reserved)) throw new RangeError(`commit(${frames}): only ${this.reserved} frames were reserved`);
    this.reserved = 0;
    this.count += frames;
  }

  /** A copy of frames [start, start + frames): into `into` (exactly frames × bands long) when given, else a new array. */
  copy(start: number, frames: number, into?: Float32Array): Float32Array {
    const from = start - this.base;
    if (from < 0 || from + frames > this.count) throw new RangeError(`frames ${start}..${start + frames} are not buffered (have ${this.base}..${this.totalFrames})`);
    const at = (this.start + from) * this.bands;
    if (!into) return this.data.slice(at, at + frames * this.bands);
    if (into.length !== frames * this.bands) throw new RangeError(`copy into ${into.length} values: frames ${start}..${start + frames} are ${frames * this.bands}`);
    into.set(this.data.subarray(at, at + frames * this.bands));
    return into;
  }

  /** Forgets frames before `index`. */
  trimBefore(index: number): void {
    const drop = Math.min(Math.max(0, index - this.base), this.count);
    this.base += drop;
    this.start += drop;
    this.count -= drop;
  }

  reset(): void {
    this.base = 0;
    this.start = 0;
    this.count = 0;
    this.reserved = 0;
  }
}
