/** A bare `ws` client for the engine's protocol tests: collects events, waits for them by type. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import WebSocket from 'ws';
import type { ServerEvent } from '../../src/protocol';
import { encodeWavPcm16 } from '../../src/audio/wav-encode';
import { loadBundle, type Bundle } from '../../src/model/bundle';
import { repoRoot } from './shared';

/** The event type whose `type` can be T (WindowEvent covers both 'window' and 'final'). */
type EventOf<T extends ServerEvent['type']> = ServerEvent extends infer E ? (E extends { type: infer U } ? (T extends U ? E : never) : never) : never;

export class TestStream {
  readonly events: ServerEvent[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];
  private consumed = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) throw new Error('the server sent a binary frame');
      this.events.push(JSON.parse(data.toString()) as ServerEvent);
      this.wake();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => {
      this.wake();
      resolve({ code, reason: reason.toString() });
    }));
    ws.on('error', () => undefined);
  }

  static open(base: string, query: string, options: { headers?: Record<string, string>; protocols?: string[] } = {}): Promise<TestStream> {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/v1/stream?${query}`, options.protocols ?? [], { headers: options.headers });
    const s = new TestStream(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(s));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** The next event of `type` after those already returned (events of other types are skipped over, not lost from `events`). */
  async next<T extends ServerEvent['type']>(type: T, timeoutMs = 15000): Promise<EventOf<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.consumed < this.events.length) {
        const e = this.events[this.consumed++];
        if (e.type === type) return e as EventOf<T>;
      }
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`stream closed before a ${type} event; events: ${JSON.stringify(this.events.map((e) => e.type))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${type} event within ${timeoutMs} ms; events: ${JSON.stringify(this.events.map((e) => e.type))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Sends float32 mono in chunks of `chunk` samples (binary frames). */
  sendF32(x: Float32Array, chunk = 4410): void {
    for (let i = 0; i < x.length; i += chunk) {
      const part = x.slice(i, i + chunk);
      this.ws.send(Buffer.from(part.buffer));
    }
  }

  close(): void {
    this.ws.close();
  }
}

/** Deterministic test music: chords of decaying partials with a kick-like thump every 0.5 s, plus quiet noise. */
export function testAudio(seconds: number, seed = 1, rateHz = 22050): Float32Array {
  const n = Math.round(seconds * rateHz);
  const x = new Float32Array(n);
  let s = seed;
  const rnd = (): number => (s = (s * 48271) % 2147483647) / 2147483647;
  const notes = [220, 277.18, 329.63, 440, 554.37, 659.26].map((f) => f * (0.8 + 0.4 * rnd()));
  for (let i = 0; i < n; i++) {
    const t = i / rateHz;
    const beat = t % 0.5;
    let v = 0.4 * Math.exp(-beat * 30) * Math.sin(2 * Math.PI * 60 * beat);
    const chord = Math.floor(t / 2) % 3;
    for (let k = 0; k < 3; k++) v += 0.12 * Math.sin(2 * Math.PI * notes[(chord + k * 2) % notes.length] * t) * (0.6 + 0.4 * Math.cos(2 * Math.PI * 0.25 * t));
    x[i] = v + 0.02 * (rnd() * 2 - 1);
  }
  return x;
}

/**
 * An upload: mono 16-bit WAV of `samples` at `rateHz` (the product's own encoder); `declaredDataBytes`
 * overwrites the data chunk's size, to lie about the length.
 */
export function uploadWav(rateHz: number, samples: ArrayLike<number>, declaredDataBytes?: number): Buffer {
  const b = encodeWavPcm16(Float32Array.from(samples), rateHz);
  if (declaredDataBytes !== undefined) {
    b.writeUInt32LE(Math.min(0xffffffff, 36 + declaredDataBytes), 4);
    b.writeUInt32LE(declaredDataBytes, 40);
  }
  return b;
}

/** A private copy of the default bundle (tests that grow the catalogue must not write to models/default). */
export function bundleCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-bundle-'));
  fs.cpSync(path.join(repoRoot(), 'models', 'default'), dir, { recursive: true });
  return dir;
}

export const DEFAULT_BUNDLE = path.join(repoRoot(), 'models', 'default');

/** The songs a bundle directory holds, as the loader reads them: the reference for catalogue sizes, so that
 *  tests follow whatever models/default ships instead of hard-coding its size or ids. */
export async function bundleItems(dir: string = DEFAULT_BUNDLE): Promise<Bundle['items']> {
  const bundle = await loadBundle(dir);
  try {
    return bundle.items;
  } finally {
    await bundle.close();
  }
}
