/**
 * Micro-batching of CNN windows across all streams: windows queue up and go to ONNX Runtime together
 * (up to maxBatch, or whatever arrived within maxWaitMs of the oldest), because one run of 32 windows
 * costs far less than 32 runs of one (bench/README.md, onnx-infer).
 *
 * Memory is bounded: each stream may have at most maxPendingPerStream windows queued and the server
 * maxPending in all. A `drop` stream (realtime) then loses its oldest queued window, counted; a `block`
 * stream (a file sent faster than realtime) is told to stop reading its socket until the queue drains,
 * so nothing is dropped and nothing grows.
 */
import type { MelWindow } from './window-pipeline';

export interface BatcherOptions {
  /** Windows per ONNX Runtime run, 1..1024 (default 32). */
  maxBatch: number;
  /** Longest a window waits for others before its batch runs anyway (ms, default 2). */
  maxWaitMs: number;
  /** Queued windows per stream before dropping/blocking (default 8). */
  maxPendingPerStream: number;
  /** Queued windows in all (default 4096: 4096 × 130 × 128 × 4 B ≈ 272 MB at most). */
  maxPending: number;
  /**
   * A `drop` stream's window that waited longer than this (ms) is dropped, counted, when its batch would
   * start (default 1500): under CPU starvation a live listener is better served by fresh suggestions
   * than by ones seconds behind the music. `block` streams wait however long it takes.
   */
  maxQueueAgeMs: number;
}

export const BATCHER_DEFAULTS: BatcherOptions = { maxBatch: 32, maxWaitMs: 2, maxPendingPerStream: 8, maxPending: 4096, maxQueueAgeMs: 1500 };

/** What the batcher needs from a stream. */
export interface BatchClient {
  readonly overflow: 'drop' | 'block';
  onResult(window: MelWindow, factors: Float32Array, ticket: number): void;
  onError(window: MelWindow, err: Error, ticket: number): void;
  onDropped(window: MelWindow): void;
  /** `block` streams: stop (true) or resume (false) reading audio. */
  setBlocked(blocked: boolean): void;
}

/** Which stream (the batcher's id for it), track generation and frames a queued window is: the streaming trunk (./stream-trunk.ts) keeps state by it. */
export interface WindowKey {
  stream: number;
  ticket: number;
  /** First frame since the stream's last reset. */
  start: number;
  /** The end-of-stream tail window. */
  final: boolean;
}

/** Runs `batch` windows of `frames` frames; `keys` (one per window) let a stateful runner reuse a stream's earlier work. */
export type WindowRunner = (mel: Float32Array, batch: number, frames: number, keys?: readonly WindowKey[]) => Promise<Float32Array>;

/** Told when a stream's windows are cancelled (reset, model reload, close): a stateful runner forgets its state. */
export type StreamRelease = (stream: number) => void;

export interface BatchObserver {
  batch(size: number, seconds: number, waitedMs: number[]): void;
  dropped(): void;
}

interface Entry {
  client: BatchClient;
  window: MelWindow;
  /** The stream's track generation when queued: results for an older track are discarded by the stream. */
  ticket: number;
  queuedAt: number;
}

export class MicroBatcher {
  private queue: Entry[] = [];
  private readonly pending = new Map<BatchClient, number>();
  private readonly blocked = new Set<BatchClient>();
  private running = 0;
  private timer: NodeJS.Timeout | null = null;
  private idleWaiters: (() => void)[] = [];
  /** Stream ids for the runner's keys: one per client, never reused. */
  private readonly ids = new WeakMap<BatchClient, number>();
  private nextId = 1;

  constructor(
    private runner: WindowRunner,
    private outputs: number,
    readonly options: BatcherOptions = BATCHER_DEFAULTS,
    private readonly observer?: BatchObserver,
    private release?: StreamRelease,
  ) {}

  /** Hot reload: later batches run on the new model (batches in flight finish on the old one). */
  setRunner(runner: WindowRunner, outputs: number, release?: StreamRelease): void {
    this.runner = runner;
    this.outputs = outputs;
    this.release = release;
  }

  private idOf(client: BatchClient): number {
    let id = this.ids.get(client);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(client, id);
    }
    return id;
  }

  get queued(): number {
    return this.queue.length;
  }

  pendingFor(client: BatchClient): number {
    return this.pending.get(client) ?? 0;
  }

  submit(client: BatchClient, window: MelWindow, ticket: number): void {
    const mine = this.pendingFor(client);
    if (client.overflow === 'drop' && mine >= this.options.maxPendingPerStream) this.dropOldest((e) => e.client === client);
    if (this.queue.length >= this.options.maxPending) this.dropOldest(() => true);
    this.queue.push({ client, window, ticket, queuedAt: performance.now() });
    this.pending.set(client, this.pendingFor(client) + 1);
    if (client.overflow === 'block' && this.pendingFor(client) >= this.options.maxPendingPerStream && !this.blocked.has(client)) {
      this.blocked.add(client);
      client.setBlocked(true);
    }
    this.schedule();
  }

  /** Forgets a stream's queued windows (reset, close) and the runner's state for it; they are not counted as dropped. */
  cancel(client: BatchClient): void {
    const id = this.ids.get(client);
    if (id !== undefined) this.release?.(id);
    if (!this.pending.has(client)) return;
    this.queue = this.queue.filter((e) => e.client !== client);
    this.pending.delete(client);
    this.unblock(client);
    this.settleIfIdle();
  }

  /** Resolves when nothing is queued or running (graceful shutdown). */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private dropOldest(match: (e: Entry) => boolean): void {
    const i = this.queue.findIndex(match);
    if (i < 0) return;
    const [e] = this.queue.splice(i, 1);
    this.decrement(e.client);
    this.observer?.dropped();
    e.client.onDropped(e.window);
  }

  /** Drops `drop` streams' windows older than maxQueueAgeMs (the queue is in arrival order). */
  private dropStale(): void {
    const limit = performance.now() - this.options.maxQueueAgeMs;
    if (this.queue[0].queuedAt >= limit) return;
    const keep: Entry[] = [];
    for (const e of this.queue) {
      if (e.queuedAt < limit && e.client.overflow === 'drop') {
        this.decrement(e.client);
        this.observer?.dropped();
        e.client.onDropped(e.window);
      } else keep.push(e);
    }
    this.queue = keep;
  }

  private decrement(client: BatchClient): void {
    const n = this.pendingFor(client) - 1;
    if (n <= 0) this.pending.delete(client);
    else this.pending.set(client, n);
    if (n < this.options.maxPendingPerStream / 2) this.unblock(client);
  }

  private unblock(client: BatchClient): void {
    if (this.blocked.delete(client)) client.setBlocked(false);
  }

  private schedule(): void {
    if (this.running > 0 || this.queue.length === 0) return;
    if (this.queue.length >= this.options.maxBatch) {
      this.clearTimer();
      setImmediate(() => this.runNext());
      return;
    }
    if (this.timer) return;
    const waited = performance.now() - this.queue[0].queuedAt;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.runNext();
    }, Math.max(0, this.options.maxWaitMs - waited));
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private runNext(): void {
    if (this.running > 0 || this.queue.length === 0) return;
    this.dropStale();
    if (this.queue.length === 0) return this.settleIfIdle();
    // One run needs windows of one length: take the oldest and those of its length behind it.
    const frames = this.queue[0].window.frames;
    const batch: Entry[] = [];
    const rest: Entry[] = [];
    for (const e of this.queue) {
      if (batch.length < this.options.maxBatch && e.window.frames === frames) batch.push(e);
      else rest.push(e);
    }
    this.queue = rest;
    const bands = batch[0].window.mel.length / frames;
    const mel = new Float32Array(batch.length * frames * bands);
    batch.forEach((e, i) => mel.set(e.window.mel, i * frames * bands));
    const keys = batch.map((e): WindowKey => ({ stream: this.idOf(e.client), ticket: e.ticket, start: e.window.start, final: e.window.final }));
    const outputs = this.outputs;
    const started = performance.now();
    this.running++;
    this.runner(mel, batch.length, frames, keys).then(
      (out) => {
        this.observer?.batch(batch.length, (performance.now() - started) / 1000, batch.map((e) => started - e.queuedAt));
        batch.forEach((e, i) => {
          this.decrement(e.client);
          e.client.onResult(e.window, out.slice(i * outputs, (i + 1) * outputs), e.ticket);
        });
      },
      (err: Error) => {
        batch.forEach((e) => {
          this.decrement(e.client);
          e.client.onError(e.window, err, e.ticket);
        });
      },
    ).finally(() => {
      this.running--;
      this.schedule();
      this.settleIfIdle();
    });
  }

  private settleIfIdle(): void {
    if (this.queue.length > 0 || this.running > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
