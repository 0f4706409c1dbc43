/**
 * EarshotClient: one Protocol v1 stream (src/protocol/) over a WebSocket, for browsers and Node.
 * It uses only the injected or the global WebSocket constructor, so this file is safe in a browser bundle;
 * src/client/node.ts injects the `ws` package.
 *
 * Life cycle: connect() resolves on the server's `begin`, or rejects (no retry: a wrong URL or token
 * should fail at once). After that, an abnormal close (anything but 1000/4400/4401/4415) reconnects
 * with backoff and, on the new `begin`, puts the stream's state back (./stream-restore.ts) and sends any
 * finalize still unanswered again, so no `final` is lost to a drop. Audio given while disconnected is not
 * sent (bytesDropped) but kept for that replay; file streamers wait in drain() until the stream is open.
 */
import { CLOSE } from '../protocol/close-codes';
import type { BeginEvent, ServerEvent, WindowEvent } from '../protocol/events';
import { parseClientMessage, type ClientMessage } from '../protocol/messages';
import { BYTES_PER_SAMPLE } from '../protocol/pcm';
import { backoffDelayMs, resolveReconnect, type ResolvedReconnect } from './backoff';
import { checkReplayS } from './replay-buffer';
import { StreamRestore, type ConfigureFields } from './stream-restore';
import { TypedEmitter } from './emitter';
import { EarshotClientError, type ClientEvents, type CloseInfo, type StreamError } from './events';
import { toWireBytes } from './pcm';
import { authHandshake, buildStreamUrl, CLIENT_DEFAULTS, WS_OPEN, type AuthMode, type StreamOptions, type WebSocketConstructor, type WebSocketLike } from './options';

export { EarshotClientError, type ClientErrorCode, type ClientEvents, type CloseInfo, type ReconnectInfo, type StreamError } from './events';

export type ClientState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closing' | 'closed';

export interface ClientStats {
  bytesSent: number;
  /** PCM bytes given to sendPcm while no stream was open. */
  bytesDropped: number;
  /** Successful reconnects. */
  reconnects: number;
  /** PCM bytes sent again to a new connection after a reconnect (the latest audio, see replayS). */
  bytesReplayed: number;
}

/** How often drain() looks at bufferedAmount: WebSocket has no drain event in browsers. */
const DRAIN_POLL_MS = 4;
const CLOSE_TIMEOUT_MS = 5000; // ms: a close handshake the server never answers is abandoned after this

export class EarshotClient extends TypedEmitter<ClientEvents> {
  /** The stream URL (without the token, unless auth is `query`). */
  readonly url: string;
  readonly stats: ClientStats = { bytesSent: 0, bytesDropped: 0, reconnects: 0, bytesReplayed: 0 };
  private readonly opts: StreamOptions;
  private readonly WS: WebSocketConstructor;
  private readonly auth: AuthMode;
  private readonly reconnectOpts: ResolvedReconnect | null;
  private readonly frameBytes: number;
  private socket: WebSocketLike | null = null;
  private _state: ClientState = 'idle';
  private _begin: BeginEvent | null = null;
  private everOpened = false;
  private attempt = 0;
  private lastError: StreamError | undefined;
  /** What a reconnect puts back: configure, reset, the latest audio (./stream-restore.ts). */
  private readonly restore: StreamRestore;
  private pendingFinals: { resolve: (w: WindowEvent) => void; reject: (e: Error) => void }[] = [];
  private connectWaiter: { resolve: (b: BeginEvent) => void; reject: (e: Error) => void } | null = null;
  private closeWaiters: (() => void)[] = [];
  private keepaliveTimer: ReturnType<typeof setInterval> | null = null;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(url: string, options: StreamOptions) {
    super();
    const WS = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WS) throw new TypeError('no WebSocket implementation: pass options.WebSocket, or use the Node entry (earshot/client/node), which uses the ws package');
    this.WS = WS;
    this.opts = options;
    this.auth = options.auth ?? 'subprotocol';
    this.url = buildStreamUrl(url, options, this.auth).url; // throws ProtocolError for what the server would refuse
    this.reconnectOpts = options.reconnect === false ? null : resolveReconnect(options.reconnect);
    checkReplayS(options.replayS);
    const encoding = options.encoding ?? CLIENT_DEFAULTS.encoding;
    this.frameBytes = BYTES_PER_SAMPLE[encoding] * (options.channels ?? CLIENT_DEFAULTS.channels);
    this.restore = new StreamRestore(options.replayS, this.frameBytes);
  }

  get state(): ClientState {
    return this._state;
  }
  /** The current connection's `begin` event (model, factors, hop…), null before the first. */
  get begin(): BeginEvent | null {
    return this._begin;
  }
  /** Bytes queued in the socket and not yet sent (0 while disconnected). */
  get bufferedAmount(): number {
    return this.socket?.bufferedAmount ?? 0;
  }

  /** Opens the stream; resolves with the server's `begin`. Rejects with EarshotClientError (connect_failed / connect_timeout). */
  connect(): Promise<BeginEvent> {
    if (this._state !== 'idle') return Promise.reject(new EarshotClientError('not_open', `connect() called in state ${this._state}`));
    this._state = 'connecting';
    const p = new Promise<BeginEvent>((resolve, reject) => (this.connectWaiter = { resolve, reject }));
    this.openSocket();
    return p;
  }

  /**
   * Sends interleaved PCM. Float32Array / Int16Array are converted when they do not match the stream's
   * encoding; ArrayBuffer / Uint8Array are sent as raw bytes. Returns false (and counts bytesDropped)
   * when no stream is open. Large buffers go out in frames of at most maxFrameBytes.
   */
  sendPcm(pcm: Float32Array | Int16Array | ArrayBuffer | Uint8Array): boolean {
    const bytes = toWireBytes(pcm, this.opts.encoding ?? CLIENT_DEFAULTS.encoding);
    this.restore.audio(bytes);
    const ws = this.socket;
    if (this._state !== 'open' || !ws || ws.readyState !== WS_OPEN) {
      this.stats.bytesDropped += bytes.byteLength;
      return false;
    }
    this.sendFrames(ws, bytes);
    this.stats.bytesSent += bytes.byteLength;
    return true;
  }

  /** Binary frames of at most maxFrameBytes, split on sample-frame boundaries. */
  private sendFrames(ws: WebSocketLike, bytes: Uint8Array): void {
    const maxFrame = this.opts.maxFrameBytes ?? CLIENT_DEFAULTS.maxFrameBytes;
    const step = Math.max(this.frameBytes, Math.floor(maxFrame / this.frameBytes) * this.frameBytes);
    for (let off = 0; off < bytes.byteLength; off += step) ws.send(bytes.subarray(off, Math.min(bytes.byteLength, off + step)));
  }

  /**
   * Resolves when the stream is open and bufferedAmount <= highWaterMarkBytes: a file streamer awaits this
   * between sends so memory stays bounded (and, with overflow=block, so it goes at the server's pace).
   * Rejects once the client is closed for good, or with `signal`'s reason when it is aborted.
   */
  async drain(highWaterMarkBytes = this.opts.highWaterMarkBytes ?? CLIENT_DEFAULTS.highWaterMarkBytes, signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      if (this._state === 'closed' || this._state === 'closing' || this._state === 'idle') throw new EarshotClientError('closed', `drain(): the stream is ${this._state}`);
      if (this._state === 'open' && this.bufferedAmount <= highWaterMarkBytes) return;
      await new Promise((r) => setTimeout(r, DRAIN_POLL_MS));
    }
  }

  /** Changes hop / k / tags / factors / playable / mean / mean_s / segment / history; remembered (merged) and replayed after a reconnect. */
  configure(fields: ConfigureFields): void {
    const msg = checked({ type: 'configure', ...fields });
    this.restore.configured(fields);
    this.sendJson(msg);
  }

  /** Starts a new track: clears the running mean; `track` (a catalogue id) is excluded from suggestions. */
  reset(track?: string): void {
    const msg = checked(track === undefined ? { type: 'reset' } : { type: 'reset', track });
    this.restore.resetTo(track);
    this.sendJson(msg);
  }

  /**
   * Flushes the last window: resolves with the server's `final` event. A connection that drops first
   * (or is reconnecting when this is called) does not lose it: after the reconnect the track's latest
   * audio is replayed and the finalize sent again, and the new stream's `final` answers it (its average
   * covers what that stream heard: the replayed window and anything after). Rejects (connection_lost)
   * only when the client closes for good first.
   */
  finalize(): Promise<WindowEvent> {
    if (this._state !== 'open' && this._state !== 'reconnecting') return Promise.reject(new EarshotClientError('not_open', `finalize(): the stream is ${this._state}`));
    const p = new Promise<WindowEvent>((resolve, reject) => this.pendingFinals.push({ resolve, reject }));
    this.restore.finalized();
    this.sendJson({ type: 'finalize' });
    return p;
  }

  /** Ends the stream (close message, then close 1000); no reconnect follows. Resolves once closed. */
  close(): Promise<void> {
    if (this._state === 'closed') return Promise.resolve();
    const done = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    if (this._state === 'closing') return done;
    this._state = 'closing';
    this.clearTimers();
    const ws = this.socket;
    if (!ws) {
      this.finish(CLOSE.normal, 'closed by the client');
      return done;
    }
    if (ws.readyState === WS_OPEN) this.sendJson({ type: 'close' });
    const fallback = setTimeout(() => this.onSocketClose(ws, CLOSE.normal, 'close handshake timed out', undefined), CLOSE_TIMEOUT_MS);
    this.closeWaiters.push(() => clearTimeout(fallback));
    ws.close(CLOSE.normal);
    return done;
  }

  // ---- socket life cycle ----

  private openSocket(): void {
    const { protocols, headers } = authHandshake(this.opts.token, this.auth);
    let ws: WebSocketLike;
    try {
      const browser = typeof globalThis.WebSocket === 'function' && this.WS === (globalThis.WebSocket as unknown);
      if (browser) {
        // Only the arguments a browser defines: Chromium turns an undefined `protocols` followed by a third
        // argument into the literal subprotocol "undefined", which the engine refuses.
        ws = protocols ? new this.WS(this.url, protocols) : new this.WS(this.url);
      } else {
        // perMessageDeflate (ws): PCM hardly compresses, and deflate would cost both ends CPU per frame.
        ws = new this.WS(this.url, protocols ?? [], { headers, perMessageDeflate: false });
      }
    } catch (err) {
      // e.g. a browser refusing the URL synchronously: treat as a failed attempt.
      queueMicrotask(() => this.onSocketClose(null, 1006, '', (err as Error).message));
      return;
    }
    this.socket = ws;
    ws.binaryType = 'arraybuffer';
    let transportError: string | undefined;
    const timeout = setTimeout(() => {
      this.onSocketClose(ws, 1006, '', `no begin event within ${this.opts.connectTimeoutMs ?? CLIENT_DEFAULTS.connectTimeoutMs} ms`, true);
    }, this.opts.connectTimeoutMs ?? CLIENT_DEFAULTS.connectTimeoutMs);
    ws.onerror = (ev: { error?: { code?: string; message?: string }; message?: string }) => {
      // ws puts the cause (ECONNREFUSED…) on ev.error; browsers give no detail at all.
      transportError = ev?.error?.code ?? ev?.error?.message ?? ev?.message ?? 'connection error';
    };
    ws.onmessage = (ev: { data: unknown }) => {
      if (ws !== this.socket) return;
      if (this.handleMessage(ev.data)) clearTimeout(timeout);
    };
    ws.onclose = (ev: { code: number; reason: string }) => {
      clearTimeout(timeout);
      this.onSocketClose(ws, ev.code, String(ev.reason ?? ''), transportError);
    };
  }

  /** Returns true when the message was `begin`. */
  private handleMessage(data: unknown): boolean {
    if (typeof data !== 'string') return false; // the server sends no binary frames in v1
    let ev: ServerEvent;
    try {
      ev = JSON.parse(data) as ServerEvent;
      if (!ev || typeof ev !== 'object' || typeof ev.type !== 'string') throw new Error('no "type" field');
    } catch (err) {
      this.emit('error', { type: 'error', code: 'bad_server_message', message: `unreadable server message: ${(err as Error).message}`, retryable: false, source: 'client' });
      return false;
    }
    let wasBegin = false;
    switch (ev.type) {
      case 'begin':
        wasBegin = true;
        this.onBegin(ev);
        break;
      case 'window':
        this.emit('window', ev);
        break;
      case 'final':
        this.pendingFinals.shift()?.resolve(ev);
        this.emit('final', ev);
        break;
      case 'configured':
        this.emit('configured', ev);
        break;
      case 'reset':
        this.emit('reset', ev);
        break;
      case 'keepalive':
        this.emit('keepalive', ev);
        break;
      case 'reload':
        this.emit('reload', ev);
        break;
      case 'track_change':
        this.emit('track_change', ev);
        break;
      case 'error':
        this.lastError = { ...ev, source: 'server' };
        this.emit('error', this.lastError);
        break;
    }
    this.emit('message', ev);
    return wasBegin;
  }

  private onBegin(ev: BeginEvent): void {
    const reconnected = this.everOpened;
    this.restore.opened(ev);
    this._begin = ev;
    this._state = 'open';
    this.everOpened = true;
    this.attempt = 0;
    this.lastError = undefined;
    if (reconnected) {
      this.stats.reconnects++;
      // The server's new stream starts from defaults: put back what the listener had set.
      this.replayTrack();
    }
    const keepaliveMs = this.opts.keepaliveMs ?? CLIENT_DEFAULTS.keepaliveMs;
    if (keepaliveMs > 0 && !this.keepaliveTimer) this.keepaliveTimer = setInterval(() => this.sendJson({ type: 'keepalive' }), keepaliveMs);
    this.connectWaiter?.resolve(ev);
    this.connectWaiter = null;
    this.emit('begin', ev);
  }

  /** After a reconnect: configure and reset, the track's latest audio, then the finalizes still owed. */
  private replayTrack(): void {
    const ws = this.socket;
    if (!ws) return;
    const plan = this.restore.plan(this.pendingFinals.length);
    for (const msg of plan.before) this.sendJson(msg);
    if (plan.audio) {
      this.sendFrames(ws, plan.audio);
      this.stats.bytesReplayed += plan.audio.byteLength;
    }
    for (let i = 0; i < plan.finalizes; i++) this.sendJson({ type: 'finalize' });
  }

  private onSocketClose(ws: WebSocketLike | null, code: number, reason: string, transportError: string | undefined, timedOut = false): void {
    if (ws !== this.socket) return; // a socket already given up on (timeout, close fallback)
    this.socket = null;
    if (ws) {
      // Detach, keeping a no-op error handler: `ws` throws on an 'error' event nobody listens to.
      ws.onmessage = ws.onclose = ws.onopen = null;
      ws.onerror = () => {};
      if (timedOut || this._state === 'closing') {
        // A socket that did not answer in time: `ws` can drop it at once (terminate); browsers only close.
        try {
          const t = (ws as { terminate?: () => void }).terminate;
          if (t) t.call(ws);
          else ws.close();
        } catch {
          /* already closed */
        }
      }
    }
    this.stopKeepalive();
    const wasOpen = this._state === 'open';

    if (this._state === 'closing') return this.finish(code, reason);
    const detail = transportError ?? `closed with code ${code}${reason ? ` (${reason})` : ''}`;
    if (!this.everOpened) {
      const why = this.lastError ? this.lastError.message : detail;
      const error = new EarshotClientError(timedOut ? 'connect_timeout' : this.lastError ? this.lastError.code : 'connect_failed', `cannot open a stream at ${this.url}: ${why}`, code, why);
      this.connectWaiter?.reject(error);
      this.connectWaiter = null;
      return this.finish(code, reason);
    }
    const noRetry = this.opts.noReconnectCodes ?? CLIENT_DEFAULTS.noReconnectCodes;
    const r = this.reconnectOpts;
    if (!r || noRetry.includes(code) || this.attempt >= r.maxAttempts) {
      if (wasOpen || this.attempt > 0) {
        const why = !r || noRetry.includes(code) ? detail : `${detail}; gave up after ${this.attempt} reconnect attempts`;
        this.lastError ??= { type: 'error', code: 'connection_lost', message: `stream closed: ${why}`, retryable: false, source: 'client' };
      }
      return this.finish(code, reason);
    }
    this.attempt++;
    const delayMs = backoffDelayMs(this.attempt, r);
    this._state = 'reconnecting';
    this.emit('reconnect', { attempt: this.attempt, delayMs, code, reason: reason || detail });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this._state === 'reconnecting') this.openSocket();
    }, delayMs);
  }

  private finish(code: number, reason: string): void {
    this._state = 'closed';
    this.clearTimers();
    // Finals still owed are lost only now, when no reconnect will follow.
    for (const f of this.pendingFinals.splice(0)) f.reject(new EarshotClientError('connection_lost', `the connection closed (${code}${reason ? ` ${reason}` : ''}) before the final event`, code));
    this.connectWaiter?.reject(new EarshotClientError('closed', `the client was closed before the stream opened (${code})`, code));
    this.connectWaiter = null;
    const info: CloseInfo = { code, reason };
    if (this.lastError) info.error = this.lastError;
    for (const resolve of this.closeWaiters.splice(0)) resolve();
    this.emit('close', info);
  }

  private sendJson(msg: ClientMessage): void {
    const ws = this.socket;
    // configure/reset sent while reconnecting are not lost: they are in restore* and replayed on begin.
    if (ws && ws.readyState === WS_OPEN && (this._state === 'open' || this._state === 'closing')) ws.send(JSON.stringify(msg));
  }

  private stopKeepalive(): void {
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = null;
  }

  private clearTimers(): void {
    this.stopKeepalive();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }
}

/** Opens a stream and resolves once the server's `begin` has arrived. */
export async function connectStream(url: string, options: StreamOptions): Promise<EarshotClient> {
  const client = new EarshotClient(url, options);
  await client.connect();
  return client;
}

/** Validates a client message with the server's own parser, so a bad field throws here, not on the server. */
function checked<T extends ClientMessage>(msg: T): T {
  parseClientMessage(JSON.stringify(msg));
  return msg;
}
