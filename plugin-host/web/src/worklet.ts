/**
 * The AudioWorklet that taps the audio: runs on the browser's audio rendering thread, so it only
 * downmixes, trims and batches, and never allocates in the steady state (batches come back from the main
 * thread to be reused) or blocks. WebSocket does not exist in a worklet: batches go to the main thread
 * over port.postMessage, with their buffers transferred, not copied.
 *
 * Messages in: {type:'recycle', buffer} (a batch the main thread is done with), {type:'pause'} (the media
 * paused: the silence held back is not part of the track), {type:'flush', settleSamples} (end of the
 * track: once `settleSamples` of silence have followed — a media element reports 'ended' while its last
 * buffers may still be on their way through the graph — post what is batched and drop the trailing
 * silence). Out: {type:'pcm', buffer, length}, {type:'flushed'}.
 */

// The AudioWorkletGlobalScope's names (not in TypeScript's DOM lib).
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
  constructor(options?: unknown);
}
declare function registerProcessor(name: string, ctor: new (options: TapOptions) => AudioWorkletProcessor): void;

export interface TapOptions {
  processorOptions: {
    /** Samples per posted batch (≈ 50 ms at the context's rate). */
    batchSamples: number;
    /**
     * Leave out digital silence (exact zeros) at the start and end of a track: a media element's graph
     * renders zeros before playback begins and after it ends, which are not part of the audio. Zeros
     * inside the track are kept: a run of them is held back and sent once non-zero audio follows.
     */
    trimSilence: boolean;
  };
}

class EarshotTap extends AudioWorkletProcessor {
  private readonly batchSamples: number;
  private readonly trim: boolean;
  private batch: Float32Array;
  private fill = 0;
  private readonly free: ArrayBuffer[] = [];
  /** Zeros seen since the last non-zero sample of this track (samples), sent only if audio follows. */
  private heldZeros = 0;
  /** A non-zero sample has been seen since the last flush (the track has begun). */
  private started = false;

  constructor(options: TapOptions) {
    super(options);
    this.batchSamples = options.processorOptions.batchSamples;
    this.trim = options.processorOptions.trimSilence;
    this.batch = new Float32Array(this.batchSamples);
    this.port.onmessage = (ev: MessageEvent) => this.onMessage(ev.data as { type: string; buffer?: ArrayBuffer });
  }

  /** Samples of silence still to wait for before a requested flush (-1: none requested). */
  private flushAfter = -1;

  private onMessage(m: { type: string; buffer?: ArrayBuffer; settleSamples?: number }): void {
    if (m.type === 'recycle' && m.buffer && m.buffer.byteLength === this.batchSamples * 4) this.free.push(m.buffer);
    else if (m.type === 'pause') this.heldZeros = 0;
    else if (m.type === 'flush') {
      this.flushAfter = Math.max(0, m.settleSamples ?? 0);
      this.maybeFlush();
    }
  }

  private maybeFlush(): void {
    if (this.flushAfter < 0 || (this.trim && this.started && this.heldZeros < this.flushAfter)) return;
    this.flushAfter = -1;
    this.heldZeros = 0;
    this.started = false;
    if (this.fill > 0) this.post();
    this.port.postMessage({ type: 'flushed' });
  }

  private post(): void {
    const buffer = this.batch.buffer as ArrayBuffer;
    this.port.postMessage({ type: 'pcm', buffer, length: this.fill }, [buffer]);
    const next = this.free.pop();
    this.batch = next ? new Float32Array(next) : new Float32Array(this.batchSamples); // allocates only until the pool fills
    this.fill = 0;
  }

  private emit(v: number): void {
    this.batch[this.fill++] = v;
    if (this.fill === this.batchSamples) this.post();
  }

  process(inputs: Float32Array[][]): boolean {
    const channels = inputs[0];
    if (!channels || channels.length === 0) {
      // Nothing connected or nothing playing: one render quantum (128 frames) of silence.
      if (this.started) this.heldZeros += 128;
      this.maybeFlush();
      return true;
    }
    const n = channels[0].length;
    const c = channels.length;
    for (let i = 0; i < n; i++) {
      // Mono as librosa.to_mono and the engine do it: the mean of the channels.
      let v = channels[0][i];
      for (let ch = 1; ch < c; ch++) v += channels[ch][i];
      if (c > 1) v /= c;
      if (this.trim && v === 0) {
        if (this.started) this.heldZeros++;
        continue;
      }
      for (; this.heldZeros > 0; this.heldZeros--) this.emit(0);
      this.started = true;
      this.emit(v);
    }
    this.maybeFlush();
    return true;
  }
}

registerProcessor('earshot-tap', EarshotTap);
