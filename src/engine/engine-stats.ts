/**
 * The engine's counters and latency histograms, rendered as Prometheus text by GET /metrics. Plain
 * numbers updated on the hot path (no allocation per observation).
 */

/** Cumulative histogram with fixed upper bounds (seconds), Prometheus-style. */
export class Histogram {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(v: number): void {
    this.sum += v;
    this.count++;
    for (let i = 0; i < this.bounds.length; i++) if (v <= this.bounds[i]) this.counts[i]++;
  }
}

/** 0.5 ms … 2.5 s: inference runs of a few ms, event latencies up to badly overloaded. */
export const LATENCY_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
export const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

export class EngineStats {
  windowsTotal = 0;
  windowsDropped = 0;
  inferenceErrors = 0;
  batches = 0;
  readonly inferenceSeconds = new Histogram(LATENCY_BUCKETS_S);
  /** Window complete (its last frame computed) → batch starts: the micro-batching wait. */
  readonly queueSeconds = new Histogram(LATENCY_BUCKETS_S);
  readonly batchSize = new Histogram(BATCH_SIZE_BUCKETS);
  /** Windows answered in the last few seconds, for a windows/s gauge without a scraper's rate(). */
  private readonly recent: { t: number; n: number }[] = [];

  batch(size: number, seconds: number, waitedMs: number[]): void {
    this.batches++;
    this.windowsTotal += size;
    this.inferenceSeconds.observe(seconds);
    this.batchSize.observe(size);
    for (const w of waitedMs) this.queueSeconds.observe(w / 1000);
    const now = performance.now();
    this.recent.push({ t: now, n: size });
    while (this.recent.length > 0 && now - this.recent[0].t > 10_000) this.recent.shift();
  }

  dropped(): void {
    this.windowsDropped++;
  }

  /** Windows per second over the last 10 s. */
  windowsPerSecond(): number {
    const now = performance.now();
    let n = 0;
    for (const r of this.recent) if (now - r.t <= 10_000) n += r.n;
    return n / 10;
  }
}
