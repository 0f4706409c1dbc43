/**
 * Streams that behave like live listeners for the fleet tests: the SDK (src/client/node) paced in real
 * time with test music, and `earshot stream --jsonl` as a child process; both keep every event with the
 * time it arrived, so a test can ask "the first window after the kill, how many ms later".
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EarshotClient } from '../../src/client/node';
import type { StreamOptions } from '../../src/client/options';
import { pumpAudio } from '../../src/client/pump';
import { encodeWavPcm16 } from '../../src/audio/wav-encode';
import type { ServerEvent } from '../../src/protocol';
import { testAudio } from './engine-client';
import { earshotCli, sleep, type Proc } from './hosts';

export const RATE_HZ = 22050;
/** 50 ms per frame, as `earshot stream` sends live audio. */
const CHUNK_SAMPLES = Math.round(0.05 * RATE_HZ);

/** Something that happened on a stream, stamped with performance.now() (ms). */
export interface Stamped {
  ev: ServerEvent | { type: 'reconnect' };
  at: number;
}

/** Waits until `events` holds one matching `pred` (polled every 10 ms); returns it. */
export async function waitEvent(events: readonly Stamped[], pred: (s: Stamped) => boolean, what: string, timeoutMs: number): Promise<Stamped> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const hit = events.find(pred);
    if (hit) return hit;
    if (performance.now() > deadline) assert.fail(`no ${what} within ${timeoutMs} ms; events: ${events.map((e) => e.ev.type).join(' ')}`);
    await sleep(10);
  }
}

/** Test music looped for ever, in 1-s pieces (the pump cuts them into 50-ms frames). */
async function* music(seed: number): AsyncGenerator<Float32Array> {
  const clip = testAudio(20, seed, RATE_HZ);
  for (;;) for (let off = 0; off < clip.length; off += RATE_HZ) yield clip.subarray(off, off + RATE_HZ);
}

/** An SDK stream fed live (real-time paced) test music until stopPump(). */
export class LiveSdk {
  readonly events: Stamped[] = [];
  readonly client: EarshotClient;
  private readonly abort = new AbortController();
  private pumping: Promise<unknown> = Promise.resolve();

  constructor(url: string, options: Partial<StreamOptions> = {}) {
    this.client = new EarshotClient(url, { sampleRateHz: RATE_HZ, ...options });
    this.client.on('message', (ev) => this.events.push({ ev, at: performance.now() }));
    this.client.on('reconnect', () => this.events.push({ ev: { type: 'reconnect' }, at: performance.now() }));
  }

  async connect(): Promise<this> {
    await this.client.connect();
    return this;
  }

  startPump(seed: number): void {
    this.pumping = pumpAudio(this.client, music(seed), { sampleRateHz: RATE_HZ, realtime: true, chunkSamples: CHUNK_SAMPLES, signal: this.abort.signal }).catch(() => 0);
  }

  async stopPump(): Promise<void> {
    this.abort.abort();
    await this.pumping;
  }

  /** The first event of `type` that arrived after `t0` (performance.now() ms). */
  after(type: string, t0: number, timeoutMs: number): Promise<Stamped> {
    return waitEvent(this.events, (s) => s.ev.type === type && s.at > t0, `${type} after t0`, timeoutMs);
  }

  async close(): Promise<void> {
    await this.stopPump();
    await this.client.close();
  }
}

/** `earshot stream FILE --server URL --jsonl ARGS` in real time; its JSON lines carry a wall-clock `ts`. */
export class LiveCli {
  readonly proc: Proc;
  constructor(wav: string, url: string, args: readonly string[]) {
    this.proc = earshotCli('earshot-stream', ['stream', wav, '--server', url, '--jsonl', ...args]);
  }
  /** The first event of `type` whose wall-clock ts is after `wallMs` (Date.now() ms); returns it and its ts (ms). */
  async after(type: string, wallMs: number, timeoutMs: number): Promise<[Record<string, unknown>, number]> {
    const match = (l: string): boolean => {
      if (!l.startsWith('{')) return false;
      const e = JSON.parse(l) as { type: string; ts: string };
      return e.type === type && Date.parse(e.ts) > wallMs;
    };
    const [line] = await this.proc.waitFor(match, `${type} after ${new Date(wallMs).toISOString()}`, timeoutMs);
    const ev = JSON.parse(line) as Record<string, unknown>;
    return [ev, Date.parse(ev.ts as string)];
  }
}

/** A mono 16-bit WAV of `seconds` of test music in `dir` (for `earshot stream`). */
export function musicWav(dir: string, seconds: number, seed = 3): string {
  const p = path.join(dir, `music-${seconds}s-${seed}.wav`);
  fs.writeFileSync(p, encodeWavPcm16(testAudio(seconds, seed, RATE_HZ), RATE_HZ));
  return p;
}
