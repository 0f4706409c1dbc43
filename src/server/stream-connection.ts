/**
 * One WebSocket ↔ one EngineStream: Protocol v1 on the wire (src/protocol/). Binary frames are PCM,
 * text frames are JSON messages; every bad input gets an `error` event and, where the stream cannot go
 * on, a close code (./wire-errors.ts). Limits: message rate (token bucket), idle timeout, slow consumers.
 */
import type { WebSocket } from 'ws';
import type { Engine } from '../engine/engine';
import type { EngineStream } from '../engine/engine-stream';
import { PcmDecoder } from '../engine/pcm-decoder';
import { CLOSE } from '../protocol/close-codes';
import { closingError, ProtocolError } from '../protocol/errors';
import type { ErrorEvent, ServerEvent } from '../protocol/events';
import { parseClientMessage } from '../protocol/messages';
import type { StreamParams } from '../protocol/query';
import { echoValue } from '../protocol/redact';
import { PROTOCOL_VERSION } from '../protocol/version';
import type { ServerCounters } from './metrics';
import type { ServerLimits } from './server-options';
import { streamError, windowError } from './wire-errors';

let nextId = 1;

export class StreamConnection {
  readonly id: string;
  private readonly decoder: PcmDecoder;
  private readonly stream: EngineStream;
  private tokens: number;
  private lastRefill = performance.now();
  private idleTimer: NodeJS.Timeout | null = null;
  /** performance.now() of the last message: the idle timer checks it when it fires instead of being re-armed per message. */
  private lastMessageAt = this.lastRefill;
  private closing = false;
  private cleaned = false;
  /** Messages are handled one at a time: configure (fold-in) is async and must not be overtaken by audio. */
  private chain: Promise<void> = Promise.resolve();
  /** Messages on `chain` not yet handled: while there are none, audio is handled at once, without a promise per frame. */
  private chained = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly engine: Engine,
    params: StreamParams,
    private readonly limits: ServerLimits,
    private readonly counters: ServerCounters,
    private readonly onClosed: (c: StreamConnection) => void,
  ) {
    this.id = `s${Date.now().toString(36)}-${(nextId++).toString(36)}`;
    this.decoder = new PcmDecoder(params.encoding, params.channels);
    this.tokens = 2 * limits.maxMessagesPerSecond;
    this.stream = engine.createStream(
      {
        inputRateHz: params.sampleRateHz, hopS: params.hopS, k: params.k, tags: params.tags, factors: params.factors, overflow: params.overflow, playable: params.playable,
        mean: params.mean, meanS: params.meanS, segment: params.segment,
      },
      {
        event: (e) => this.send(e),
        trackChange: (e) => this.send(e),
        error: (err) => this.sendError(windowError(err)),
        blocked: (b) => (b ? ws.pause() : ws.resume()),
      },
    );
    // The URL's track is a hint (a player names the file it plays): a name no song has excludes nothing; begin says what matched.
    const track = params.track !== null && this.stream.setTrack(params.track) ? this.trackId(params.track) : null;
    this.send({
      type: 'begin', protocol: PROTOCOL_VERSION, id: this.id, model: engine.modelName, factors: engine.factors, items: engine.recommender.catalog.size,
      window_s: round(this.stream.windowS), hop_s: round(this.stream.hopS), sample_rate: params.sampleRateHz, encoding: params.encoding, channels: params.channels, k: params.k,
      playable: params.playable, track, mean: params.mean, mean_s: params.meanS, segment: params.segment,
    });
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on('close', () => this.cleanup());
    // ws reports protocol violations (e.g. a frame over maxPayload → it closes with 1009) here; the close follows.
    ws.on('error', () => undefined);
    this.armIdle();
  }

  private onMessage(data: Buffer | Buffer[] | ArrayBuffer, isBinary: boolean): void {
    if (this.closing) return;
    if (!this.takeToken()) {
      this.fail(closingError('rate_limited', `more than ${this.limits.maxMessagesPerSecond} messages per second (burst ${2 * this.limits.maxMessagesPerSecond}); send larger frames`));
      return;
    }
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    // The usual case, ~50 audio frames a second per stream with nothing queued before them: handled now.
    if (isBinary && this.chained === 0) {
      try {
        this.onAudio(buf);
      } catch (err) {
        this.fail(err);
      }
      return;
    }
    this.chained++;
    this.chain = this.chain
      .then(() => (isBinary ? this.onAudio(buf) : this.onText(buf.toString('utf8'))))
      .catch((err) => this.fail(err))
      .then(() => {
        this.chained--;
      });
  }

  /** Throws what fail() answers: a bad frame (ERR_AUDIO_SAMPLE, ERR_STREAM_FINALIZED) is refused alone, the stream goes on. */
  private onAudio(buf: Buffer): void {
    if (this.closing) return;
    // A view into the decoder's buffer: the pipeline copies it (resampler or mel) before push returns.
    const mono = this.decoder.decodeView(buf);
    if (mono.length > 0) this.stream.push(mono);
  }

  /** Throws what fail() answers: a bad message (ProtocolError) is refused alone, the stream goes on. */
  private async onText(text: string): Promise<void> {
    if (this.closing) return;
    const m = parseClientMessage(text);
    switch (m.type) {
      case 'configure': {
        const r = await this.stream.configure(m);
        if (r.unknown.length > 0) this.sendError(new ProtocolError('unknown_track', `history ids not in the catalogue (ignored): ${r.unknown.slice(0, 10).map(echoValue).join(', ')}${r.unknown.length > 10 ? ` and ${r.unknown.length - 10} more` : ''}`));
        this.send(r.event);
        return;
      }
      case 'reset': {
        this.decoder.reset();
        const r = this.stream.reset(m.track);
        if (!r.known) this.sendError(new ProtocolError('unknown_track', `track ${echoValue(m.track)} is not in the catalogue; nothing is excluded`));
        this.send(r.event);
        return;
      }
      case 'finalize':
        this.send(await this.stream.finalize());
        return;
      case 'keepalive':
        this.send({ type: 'keepalive', t: Date.now() });
        return;
      case 'close':
        await this.shutdown(CLOSE.normal, 'client asked to close');
        return;
    }
  }

  /** The catalogue id a track name (an id or a uri) refers to: the first of its rows. */
  private trackId(ref: string): string {
    return this.engine.recommender.catalog.item(this.engine.recommender.trackRows(ref)[0]).id;
  }

  /** Graceful end (client `close` or server shutdown): finalise, send the final event, close. */
  async shutdown(code: number, reason: string): Promise<void> {
    if (this.closing) return;
    if (!this.stream.finalized) this.send(await this.stream.finalize());
    this.close(code, reason);
  }

  /** The model was reloaded: tell the client (its running mean restarted). */
  reloaded(): void {
    this.send({ type: 'reload', model: this.engine.modelName, factors: this.engine.factors, items: this.engine.recommender.catalog.size });
  }

  private send(e: ServerEvent): void {
    if (this.closing || this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > this.limits.maxBufferedBytes) {
      this.counters.slowConsumersTotal++;
      this.close(CLOSE.policy, 'slow consumer');
      return;
    }
    this.ws.send(JSON.stringify(e));
  }

  private sendError(err: ProtocolError): void {
    const e: ErrorEvent = { type: 'error', code: err.code, message: err.message, retryable: err.retryable };
    this.counters.errorsTotal++;
    this.send(e);
    if (err.closeCode !== undefined) this.close(err.closeCode, err.code);
  }

  private fail(err: unknown): void {
    this.sendError(streamError(err));
  }

  private takeToken(): boolean {
    const now = performance.now();
    this.lastMessageAt = now;
    const rate = this.limits.maxMessagesPerSecond;
    this.tokens = Math.min(2 * rate, this.tokens + ((now - this.lastRefill) / 1000) * rate);
    this.lastRefill = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /**
   * Closes the stream once no message came for idleTimeoutS. One timer per stream, not re-armed per message
   * (that costs a timer-list insert ~50 times a second): when it fires early it waits out the rest.
   */
  private armIdle(delayMs = this.limits.idleTimeoutS * 1000): void {
    this.idleTimer = setTimeout(() => {
      const rest = this.limits.idleTimeoutS * 1000 - (performance.now() - this.lastMessageAt);
      if (rest > 0) this.armIdle(rest);
      else this.sendError(closingError('idle_timeout', `no message for ${this.limits.idleTimeoutS} s`, true));
    }, delayMs);
    this.idleTimer.unref();
  }

  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    // Close reasons are limited to 123 bytes by RFC 6455.
    this.ws.close(code, reason.slice(0, 120));
    // A peer that never answers the close handshake must not hold the slot.
    setTimeout(() => this.ws.terminate(), 5000).unref();
    this.cleanup();
  }

  private cleanup(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.closing = true;
    this.engine.closeStream(this.stream);
    this.onClosed(this);
  }
}

function round(s: number): number {
  return Math.round(s * 1e6) / 1e6;
}
