/**
 * earshot-player.js: the drop-in script. `EarshotPlayer.attach(audioOrVideoOrMic, options)` taps what a
 * page plays (or the microphone) and shows what it sounds like and what to play next:
 *  - mode 'server': PCM streams to an earshot engine (docs/protocol.md) through the client SDK;
 *  - mode 'browser': no server at all: log-mel in TypeScript + the bundle's CNN in onnxruntime-web.
 * Both emit the protocol's `window` / `final` events and render them in an optional panel.
 */
import { EarshotClient } from '../../../src/client/index';
import { TypedEmitter } from '../../../src/client/emitter';
import type { WindowEvent } from '../../../src/protocol';
import { ANALYSIS_RATE_HZ, AudioTap } from './audio-tap';
import { BrowserEngine, type AnalysisSettings, type BrowserStream, type BrowserTiming } from './browser-engine';
import { Panel } from './panel';

export type { WindowEvent };

// The script's own URL, known only while it first runs: onnxruntime-web's files are looked up beside it.
const SCRIPT_URL = (typeof document !== 'undefined' && (document.currentScript as HTMLScriptElement | null)?.src) || (typeof location !== 'undefined' ? location.href : '');

export interface AttachOptions extends AnalysisSettings {
  /** Default: 'server' when `server` is given, else 'browser'. */
  mode?: 'server' | 'browser';
  /** The engine, e.g. 'ws://127.0.0.1:8765' (server mode). */
  server?: string;
  /** A token when the engine requires one (sent as the subprotocol `bearer.<token>`). */
  token?: string;
  /** The model bundle's directory URL (browser mode), e.g. '/bundle/'. */
  bundleUrl?: string;
  /** Where onnxruntime-web's runtime files are served (browser mode). Default: `ort/` beside this script. */
  ortUrl?: string;
  /** An element to render tags and next-track suggestions into. */
  panel?: HTMLElement;
  /** AudioContext rate (Hz), server mode only (the server resamples any rate). Default 22,050. */
  contextRateHz?: number;
  /** Also hands every mono batch to this callback (meters, recorders, tests); it must not keep `samples`. */
  onPcm?: (samples: Float32Array, sampleRateHz: number) => void;
}

export interface SessionEvents {
  window: WindowEvent;
  final: WindowEvent;
  error: Error;
}

/** What one track source (a media element, or the microphone) is connected to. */
interface Sink {
  push(x: Float32Array): void;
  finalize(): Promise<WindowEvent>;
  /** A new track, named by its uri when the page plays one (never suggested while it plays). */
  reset(track?: string): void;
  close(): Promise<void>;
}

/**
 * What a media element plays, as a catalogue uri could name it: its URL (an http(s) or file URL), or
 * nothing for blob:/data: sources (a picked file, inline audio) that no catalogue can hold.
 */
function mediaTrack(el: HTMLMediaElement): string | undefined {
  const url = el.currentSrc || el.src;
  return /^(https?|file):/i.test(url) && url.length <= 2048 ? url : undefined;
}

export class EarshotSession extends TypedEmitter<SessionEvents> {
  /** Every window and final event since attach, oldest first. */
  readonly events: WindowEvent[] = [];
  /** Mono samples handed to the analysis (at the context's rate). */
  samplesSent = 0;
  private sink: Sink | null = null;
  private browserStream: BrowserStream | null = null;
  /** The current track has been finalized: the next 'play' starts a new one. */
  private done = false;
  private samplesThisTrack = 0;
  /** The playing track's name (options.track, else the media element's URL). */
  private track: string | undefined;
  private readonly unlisten: (() => void)[] = [];
  readonly panel: Panel | null;

  constructor(readonly mode: 'server' | 'browser', readonly tap: AudioTap, panel: HTMLElement | undefined, private readonly pcmHook?: AttachOptions['onPcm']) {
    super();
    this.panel = panel ? new Panel(panel) : null;
  }

  /** Browser mode's measured cost per window (null in server mode). */
  get timing(): BrowserTiming | null {
    return this.browserStream?.timing ?? null;
  }

  /** End of the track now (the microphone's 'stop'): the last window, then the `final` event. */
  async finalize(): Promise<WindowEvent> {
    await this.tap.flush();
    return this.finishTrack();
  }

  /** Stops listening: closes the stream and the AudioContext (a media element then plays no more sound through it). */
  async detach(): Promise<void> {
    for (const u of this.unlisten.splice(0)) u();
    await this.tap.close();
    await this.sink?.close();
  }

  /** @internal */
  async connect(sink: Sink, browserStream: BrowserStream | null): Promise<void> {
    this.sink = sink;
    this.browserStream = browserStream;
  }

  /** A new track: the analysis starts over (nothing to do when no audio has arrived since the last start and the name is the same). */
  private newTrack(track: string | undefined = this.track): void {
    if (this.sink && (this.samplesThisTrack > 0 || track !== this.track)) this.sink.reset(track);
    this.track = track;
    this.samplesThisTrack = 0;
    this.done = false;
  }

  /** @internal The name of the first track (attach). */
  setTrack(track: string | undefined): void {
    this.track = track;
  }

  /** @internal */
  onPcm(x: Float32Array): void {
    if (!this.sink) return;
    if (this.done) this.newTrack(); // audio after the end of a track
    this.samplesThisTrack += x.length;
    this.samplesSent += x.length;
    this.sink.push(x);
    this.pcmHook?.(x, this.tap.sampleRateHz);
  }

  /** @internal */
  report(err: Error): void {
    this.emit('error', err);
  }

  /** @internal */
  deliver(e: WindowEvent): void {
    this.events.push(e);
    this.panel?.render(e, this.mode);
    this.emit(e.type, e);
  }

  /** @internal Follows a media element: pause drops held silence, ended finalizes the track. */
  follow(el: HTMLMediaElement): void {
    const on = (name: string, f: () => void) => {
      el.addEventListener(name, f);
      this.unlisten.push(() => el.removeEventListener(name, f));
    };
    on('play', () => void this.tap.context.resume());
    on('pause', () => {
      if (!el.ended) this.tap.pause();
    });
    // A new src (another file picked mid-track): the track changes without an end.
    on('emptied', () => void this.tap.flush().then(() => this.newTrack(mediaTrack(el))));
    on('ended', () => {
      // 0.25 s of silence after 'ended': the element's last buffers have left the graph.
      void this.tap.flush(0.25).then(() => this.finishTrack()).catch((err: Error) => this.emit('error', err));
    });
  }

  private async finishTrack(): Promise<WindowEvent> {
    if (!this.sink) throw new Error('not connected');
    this.done = true;
    return this.sink.finalize();
  }
}

/**
 * Taps `source` — an <audio>/<video> element (it keeps playing, now through Web Audio), a MediaStream,
 * or 'mic' (asks for the microphone) — and resolves once audio flows to the analysis. Call it from a
 * user gesture (a click) so that the browser lets the AudioContext run.
 */
export async function attach(source: HTMLMediaElement | MediaStream | 'mic', options: AttachOptions = {}): Promise<EarshotSession> {
  const mode = options.mode ?? (options.server ? 'server' : 'browser');
  if (mode === 'server' && !options.server) throw new TypeError("server mode needs options.server, e.g. 'ws://127.0.0.1:8765'");
  if (mode === 'browser' && !options.bundleUrl) throw new TypeError("browser mode needs options.bundleUrl (the model bundle's directory)");
  if (mode === 'browser' && options.contextRateHz !== undefined && options.contextRateHz !== ANALYSIS_RATE_HZ) {
    throw new TypeError(`browser mode analyses ${ANALYSIS_RATE_HZ} Hz audio: leave contextRateHz unset`);
  }
  const input = source === 'mic'
    ? await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: 1 } })
    : source;
  let session: EarshotSession | null = null;
  const tap = new AudioTap(input, { contextRateHz: options.contextRateHz, onPcm: (x) => session?.onPcm(x) });
  session = new EarshotSession(mode, tap, options.panel, options.onPcm);
  const s = session;
  const track = options.track ?? (input instanceof HTMLMediaElement ? mediaTrack(input) : undefined);
  s.setTrack(track);
  try {
    if (mode === 'server') {
      const client = new EarshotClient(options.server as string, {
        sampleRateHz: tap.sampleRateHz, channels: 1, encoding: 'pcm_f32le', factors: true, token: options.token,
        hopS: options.hopS, k: options.k, tags: options.tags, playable: options.playable, track,
      });
      client.on('window', (e) => s.deliver(e));
      client.on('final', (e) => s.deliver(e));
      // A media URL the catalogue does not hold is not a problem: the page names what it plays on the off chance.
      client.on('error', (e) => e.code !== 'unknown_track' && s.report(new Error(`${e.code}: ${e.message}`)));
      await client.connect();
      await s.connect({ push: (x) => void client.sendPcm(x), finalize: () => client.finalize(), reset: (t) => client.reset(t), close: () => client.close() }, null);
    } else {
      const engine = await browserEngine(options);
      const stream = engine.stream({ ...options, track }, (e) => s.deliver(e));
      await s.connect({ push: (x) => stream.push(x), finalize: () => stream.finalize(), reset: (t) => stream.reset(t), close: async () => undefined }, stream);
    }
    if (input instanceof HTMLMediaElement) s.follow(input);
    await tap.start();
  } catch (err) {
    await tap.close();
    throw err;
  }
  return s;
}

const engines = new Map<string, Promise<BrowserEngine>>();

function browserEngine(o: AttachOptions): Promise<BrowserEngine> {
  const bundleUrl = new URL(o.bundleUrl as string, location.href).href;
  const ortUrl = new URL(o.ortUrl ?? 'ort/', SCRIPT_URL).href;
  const key = `${bundleUrl} ${ortUrl}`;
  let e = engines.get(key);
  if (!e) {
    e = BrowserEngine.load({ bundleUrl, ortUrl });
    e.catch(() => engines.delete(key));
    engines.set(key, e);
  }
  return e;
}

export interface ClipAnalysis {
  factors: number[];
  windows: number;
  durationS: number;
  suggestions: WindowEvent['suggestions'];
  tags: WindowEvent['tags'];
  timing: BrowserTiming;
  /** Every window event and the final one, in order: the file's timeline as a stream of it sees it. */
  events: WindowEvent[];
}

/**
 * Browser mode on a whole file, no playback: decodes it at 22,050 Hz (decodeAudioData), averages the
 * channels, and analyses it as `earshot analyze --hop hopS` would.
 */
export async function analyze(audio: string | Blob | ArrayBuffer, options: AttachOptions = {}): Promise<ClipAnalysis> {
  if (!options.bundleUrl) throw new TypeError("analyze() needs options.bundleUrl (the model bundle's directory)");
  const bytes = typeof audio === 'string' ? await (await fetch(audio)).arrayBuffer() : audio instanceof Blob ? await audio.arrayBuffer() : audio;
  const decoded = await new OfflineAudioContext(1, 1, ANALYSIS_RATE_HZ).decodeAudioData(bytes.slice(0));
  const x = new Float32Array(decoded.length);
  for (let c = 0; c < decoded.numberOfChannels; c++) {
    const ch = decoded.getChannelData(c);
    for (let i = 0; i < x.length; i++) x[i] += ch[i] / decoded.numberOfChannels;
  }
  const engine = await browserEngine(options);
  const events: WindowEvent[] = [];
  const stream = engine.stream(options, (e) => events.push(e));
  stream.push(x);
  const fin = await stream.finalize();
  if (options.panel) new Panel(options.panel).render(fin, 'browser');
  return { factors: fin.factors ?? [], windows: fin.windows, durationS: x.length / ANALYSIS_RATE_HZ, suggestions: fin.suggestions, tags: fin.tags, timing: stream.timing, events };
}
