/**
 * Main-thread side of the tap: an AudioContext at the analysis rate, the source node (a media element or
 * a microphone stream), the worklet (./worklet.ts, inlined into the bundle as text by
 * scripts/build-web.mjs), and the batches it posts, handed to `onPcm` as mono Float32Array.
 */
declare const __EARSHOT_WORKLET_SOURCE__: string;

/** The model's rate (Hz): with a context at this rate Chromium resamples the source once, band-limited. */
export const ANALYSIS_RATE_HZ = 22050;
/** Samples per batch posted by the worklet: ≈ 50 ms, small against the 1-s hop, few messages. */
const BATCH_S = 0.05;

export type TapSource = HTMLMediaElement | MediaStream;

export interface TapOptions {
  /** AudioContext rate (Hz). Default 22,050: what the model hears (playback through it is band-limited to 11 kHz). */
  contextRateHz?: number;
  onPcm: (samples: Float32Array) => void;
}

export class AudioTap {
  readonly context: AudioContext;
  readonly sampleRateHz: number;
  private node: AudioWorkletNode | null = null;
  private source: AudioNode | null = null;
  private flushWaiters: (() => void)[] = [];
  private closed = false;

  /** Creates the AudioContext synchronously (so that a click handler's user activation covers it). */
  constructor(private readonly input: TapSource, private readonly opts: TapOptions) {
    this.context = new AudioContext({ sampleRate: opts.contextRateHz ?? ANALYSIS_RATE_HZ, latencyHint: 'playback' });
    this.sampleRateHz = this.context.sampleRate;
  }

  async start(): Promise<void> {
    const ctx = this.context;
    const url = URL.createObjectURL(new Blob([__EARSHOT_WORKLET_SOURCE__], { type: 'text/javascript' }));
    try {
      await ctx.audioWorklet.addModule(url);
    } finally {
      URL.revokeObjectURL(url);
    }
    const isElement = typeof HTMLMediaElement !== 'undefined' && this.input instanceof HTMLMediaElement;
    const node = new AudioWorkletNode(ctx, 'earshot-tap', {
      numberOfInputs: 1,
      numberOfOutputs: 1,
      outputChannelCount: [1],
      processorOptions: { batchSamples: Math.round(BATCH_S * this.sampleRateHz), trimSilence: isElement },
    });
    node.port.onmessage = (ev: MessageEvent) => this.onMessage(ev.data as { type: string; buffer?: ArrayBuffer; length?: number });
    if (isElement) {
      const el = this.input as HTMLMediaElement;
      // A media element can be routed through one MediaElementAudioSourceNode, once: it then plays only
      // through this graph, so the source also goes to the speakers.
      const src = ctx.createMediaElementSource(el);
      src.connect(ctx.destination);
      this.source = src;
    } else {
      // A microphone is not played back (feedback).
      this.source = ctx.createMediaStreamSource(this.input as MediaStream);
    }
    this.source.connect(node);
    // The worklet's output is silent; connecting it keeps the node pulled by the render graph in every browser.
    const mute = ctx.createGain();
    mute.gain.value = 0;
    node.connect(mute).connect(ctx.destination);
    this.node = node;
    if (ctx.state !== 'running') await ctx.resume().catch(() => undefined);
  }

  /** The media paused: zeros held back since the last sound are not part of the track. */
  pause(): void {
    this.node?.port.postMessage({ type: 'pause' });
  }

  /**
   * End of a track: resolves once every batch before this point has been handed to onPcm. `settleS`:
   * seconds of silence to wait for first (a media element's last buffers may still be in the graph when
   * it reports 'ended'); after `timeoutMs` the flush happens anyway.
   */
  flush(settleS = 0, timeoutMs = 2000): Promise<void> {
    const node = this.node;
    if (!node) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.flushWaiters.push(resolve));
    node.port.postMessage({ type: 'flush', settleSamples: Math.round(settleS * this.sampleRateHz) });
    const timer = setTimeout(() => node.port.postMessage({ type: 'flush', settleSamples: 0 }), timeoutMs);
    return done.finally(() => clearTimeout(timer));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.source?.disconnect();
    this.node?.disconnect();
    if (!(this.input instanceof HTMLMediaElement)) for (const t of (this.input as MediaStream).getTracks()) t.stop();
    await this.context.close().catch(() => undefined);
    for (const w of this.flushWaiters.splice(0)) w();
  }

  private onMessage(m: { type: string; buffer?: ArrayBuffer; length?: number }): void {
    if (m.type === 'pcm' && m.buffer) {
      try {
        this.opts.onPcm(new Float32Array(m.buffer, 0, m.length));
      } finally {
        // onPcm has copied the samples (WebSocket.send and MelStreamJs.push both copy): reuse the buffer.
        this.node?.port.postMessage({ type: 'recycle', buffer: m.buffer }, [m.buffer]);
      }
    } else if (m.type === 'flushed') {
      for (const w of this.flushWaiters.splice(0)) w();
    }
  }
}
