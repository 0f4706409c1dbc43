/**
 * Gives freed native memory back to the OS after streams close. Each stream's mel/resampler buffers
 * (≈ 70 KB native, plus WebSocket and PCM buffers) are freed when it closes, but glibc keeps freed
 * blocks in its per-thread arenas: measured on the 2-core VM, three bursts of 1,000 streams left RSS at
 * 546 MB with none open (start: 110 MB), and malloc_trim(0) brought it to 121 MB
 * (docs/security.md, "Memory after bursts"). The trim walks the arenas (a few ms for hundreds of MB),
 * so it runs once closes pause (`delayMs`) after enough have closed to matter, or every `maxWaitMs` under churn.
 * Closed streams' PCM and mel arrays are JavaScript garbage that V8 collects only under allocation
 * pressure — which a server that has gone quiet no longer has — so when few streams remain the trim
 * first runs one full collection (a pause of a few ms on a quiet server, never under load).
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { nativeAddon } from '../native/addon';

let gcFn: (() => void) | null | undefined;

/** How long after a full collection the trim waits for V8's concurrent ArrayBuffer sweeper (ms). */
const SWEEP_WAIT_MS = 300;

/**
 * V8's full collection, without starting node with --expose-gc (the flag can be set at run time; the
 * function then exists in new contexts). Null if this V8 refuses.
 */
function fullGc(): (() => void) | null {
  if (gcFn !== undefined) return gcFn;
  try {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  } catch {
    gcFn = null;
  }
  return gcFn;
}

export interface MemoryTrimOptions {
  /** Closed streams since the last trim before another is worth it. Default 64. */
  minClosed: number;
  /** Trim this long after the last close (a burst has ended). Default 2,000 ms. */
  delayMs: number;
  /** Under steady churn (closes never pause), trim at the latest this long after the first pending close. Default 10,000 ms. */
  maxWaitMs: number;
  /** With at most this many live streams the trim first runs a full garbage collection. Default 32. */
  quietStreams: number;
}

export const MEMORY_TRIM_DEFAULTS: Readonly<MemoryTrimOptions> = Object.freeze({ minClosed: 64, delayMs: 2000, maxWaitMs: 10_000, quietStreams: 32 });

export class MemoryTrimmer {
  private closed = 0;
  /** Closes since the last trim that ran a full collection (a busy server's trim does not). */
  private closedSinceGc = 0;
  private timer: NodeJS.Timeout | null = null;
  private firstPendingMs = 0;
  /** Trims done, and the time they took (ms), for /metrics. */
  trims = 0;
  trimMs = 0;

  constructor(
    private readonly liveStreams: () => number,
    private readonly o: MemoryTrimOptions = MEMORY_TRIM_DEFAULTS,
  ) {}

  /** A stream closed: (re)schedules a trim for when the closes pause, bounded by maxWaitMs. */
  noteClosed(): void {
    this.closed++;
    this.closedSinceGc++;
    // Also when the server has just gone quiet after a trim under load: now the garbage can go too.
    const quietNow = this.liveStreams() <= this.o.quietStreams && this.closedSinceGc >= this.o.minClosed;
    if (this.closed < this.o.minClosed && !quietNow) return;
    const now = performance.now();
    if (!this.timer) this.firstPendingMs = now;
    else clearTimeout(this.timer);
    const at = Math.min(now + this.o.delayMs, this.firstPendingMs + this.o.maxWaitMs);
    this.timer = setTimeout(() => this.trim(), Math.max(0, at - now));
    this.timer.unref();
  }

  /** Collects (when quiet) and gives free pages back; also called by tests. */
  trim(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.closed = 0;
    if (this.liveStreams() <= this.o.quietStreams) {
      const t0 = performance.now();
      fullGc()?.();
      this.trimMs += performance.now() - t0;
      this.closedSinceGc = 0;
      // V8 frees dead ArrayBuffers' memory on a background thread after the collection: give it a moment.
      this.timer = setTimeout(() => this.release(), SWEEP_WAIT_MS);
      this.timer.unref();
    } else {
      this.release();
    }
  }

  private release(): void {
    this.timer = null;
    const t0 = performance.now();
    nativeAddon().trimMemory();
    this.trims++;
    this.trimMs += performance.now() - t0;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
