/**
 * Figures for the `engine` benchmark: a fixed-resolution latency histogram (bounded memory however many
 * chunks are sent), the summary it reports, and the Prometheus-text reader for the server's /metrics.
 * No sockets or processes here.
 */

/** p50/p90/p99/max (ms) of a set of durations, with the count they were taken over. */
export interface LatencySummary {
  n: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * Durations in ms, counted in bins of `resolutionMs` from 0 to `rangeMs` (values past the range land in
 * the last bin, the exact maximum is kept apart). Quantiles are the upper edge of the bin that holds them,
 * so they are never understated by more than the resolution.
 */
export class Histogram {
  private readonly bins: Uint32Array;
  private n = 0;
  private sum = 0;
  private maxMs = 0;

  constructor(
    private readonly resolutionMs = 0.1,
    rangeMs = 60_000,
  ) {
    this.bins = new Uint32Array(Math.ceil(rangeMs / resolutionMs) + 1);
  }

  add(ms: number): void {
    const v = ms > 0 ? ms : 0;
    const i = Math.min(this.bins.length - 1, Math.floor(v / this.resolutionMs));
    this.bins[i]++;
    this.n++;
    this.sum += v;
    if (v > this.maxMs) this.maxMs = v;
  }

  get count(): number {
    return this.n;
  }

  /** The q-quantile (0..1), ms; 0 when empty. */
  quantile(q: number): number {
    if (this.n === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.n));
    let seen = 0;
    for (let i = 0; i < this.bins.length; i++) {
      seen += this.bins[i];
      if (seen >= rank) return Math.min(this.maxMs, (i + 1) * this.resolutionMs);
    }
    return this.maxMs;
  }

  summary(): LatencySummary {
    return {
      n: this.n,
      mean: this.n ? this.sum / this.n : 0,
      p50: this.quantile(0.5),
      p90: this.quantile(0.9),
      p99: this.quantile(0.99),
      max: this.maxMs,
    };
  }
}

/** One sample of a Prometheus text exposition: metric name, its labels as written, value. */
export interface MetricSample {
  name: string;
  labels: string;
  value: number;
}

/**
 * Reads the text format (`name{labels} value [timestamp]`, `#` comments) keeping only names that start
 * with `prefix`. Lenient by design: a line it cannot read is skipped, never fatal to a benchmark run.
 */
export function parsePrometheus(text: string, prefix = 'earshot_'): MetricSample[] {
  const out: MetricSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith(prefix)) continue;
    const m = /^([A-Za-z_:][A-Za-z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    if (Number.isNaN(value) && m[3] !== 'NaN') continue;
    out.push({ name: m[1], labels: m[2] ?? '', value });
  }
  return out;
}

/** Sum over every label set of the series named exactly `name`; null when the server has no such series. */
export function metricTotal(samples: MetricSample[], name: string): number | null {
  let found = false;
  let sum = 0;
  for (const s of samples) {
    if (s.name === name) {
      found = true;
      sum += s.value;
    }
  }
  return found ? sum : null;
}

/** Every series name → its total over labels, histogram buckets left out (for the JSON dump). */
export function metricTotals(samples: MetricSample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) {
    if (s.name.endsWith('_bucket')) continue;
    out[s.name] = (out[s.name] ?? 0) + s.value;
  }
  return out;
}

/**
 * A quantile of a Prometheus histogram between two scrapes (`<name>_bucket{le=...}` counts at `before`
 * and `after`), interpolated linearly inside the bucket as Prometheus' histogram_quantile does. Buckets
 * are summed over any other labels. Null when the histogram is absent or saw nothing in between.
 */
export function histogramQuantile(before: MetricSample[], after: MetricSample[], name: string, q: number): number | null {
  const buckets = (samples: MetricSample[]) => {
    const byLe = new Map<number, number>();
    for (const s of samples) {
      if (s.name !== `${name}_bucket`) continue;
      const le = /le="([^"]+)"/.exec(s.labels);
      if (!le) continue;
      const bound = le[1] === '+Inf' ? Infinity : Number(le[1]);
      byLe.set(bound, (byLe.get(bound) ?? 0) + s.value);
    }
    return byLe;
  };
  const b0 = buckets(before);
  const b1 = buckets(after);
  const bounds = [...b1.keys()].sort((a, b) => a - b);
  if (bounds.length === 0) return null;
  const counts = bounds.map((le) => (b1.get(le) ?? 0) - (b0.get(le) ?? 0));
  const total = counts[counts.length - 1];
  if (!(total > 0)) return null;
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (let i = 0; i < bounds.length; i++) {
    if (counts[i] >= rank) {
      if (bounds[i] === Infinity) return prevBound;
      const inBucket = counts[i] - prevCount;
      return inBucket > 0 ? prevBound + ((bounds[i] - prevBound) * (rank - prevCount)) / inBucket : bounds[i];
    }
    prevBound = bounds[i];
    prevCount = counts[i];
  }
  return prevBound;
}
