/**
 * Catalogue propagation in a fleet (part of `npm run bench -- fleet`): Redis (deploy/redis.conf) and N
 * `earshot serve --redis` replicas; a writer in this process (test/helpers/fleet-writer.ts: the log
 * writer POST /v1/catalog uses, without the upload's analysis) adds songs at a steady rate, and each
 * replica's own histogram earshot_fleet_propagation_seconds (log entry written, Redis's clock → applied
 * there; one machine, one clock) gives p50/p99 of "added → visible on that replica".
 */
import { Fleet, type Replica } from '../test/helpers/fleet';
import { joinAsWriter, songFactors } from '../test/helpers/fleet-writer';
import { histogramQuantile, parsePrometheus, type MetricSample } from './engine-stats';

export interface PropagationResult {
  adds: number;
  failed: number;
  /** The writer's own wait per add (Redis append with fsync + applied by the writer), ms. */
  writeMs: { p50: number | null; p99: number | null };
  replicas: { name: string; applied: number; p50Ms: number | null; p99Ms: number | null }[];
}

const HISTOGRAM = 'earshot_fleet_propagation_seconds';

async function scrape(r: Replica): Promise<MetricSample[]> {
  const res = await fetch(`${r.url}/metrics`, { signal: AbortSignal.timeout(5000) });
  return parsePrometheus(await res.text());
}

function quantile(sorted: number[], q: number): number | null {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : null;
}

export async function measurePropagation(o: { addsPerS: number; seconds: number; replicas: number }): Promise<PropagationResult> {
  const name = `bench-${process.pid}`;
  const fleet = await new Fleet({ replicas: o.replicas, redis: true, replicaArgs: (_, redis) => ['--redis', redis!, '--fleet', name] }).start();
  try {
    const writer = await joinAsWriter(fleet.redis!.url, name);
    const before = await Promise.all(fleet.replicas.map(scrape));
    const total = Math.round(o.addsPerS * o.seconds);
    const waits: number[] = [];
    let failed = 0;
    const pending: Promise<void>[] = [];
    const t0 = performance.now();
    // Open loop: add i starts at t0 + i/rate whatever the earlier ones are doing (a closed loop would
    // slow down with the system and hide its latency).
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / o.addsPerS;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const start = performance.now();
      pending.push(writer.add(`bench-${i}`, songFactors(writer.bundleFactors, writer.dims, i)).then(
        () => void waits.push(performance.now() - start),
        () => void failed++,
      ));
    }
    await Promise.all(pending);
    await writer.close();
    // Every replica has applied everything (its histogram then holds every entry).
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const h = await Promise.all(fleet.replicas.map((r) => r.healthz()));
      if (h.every((x) => x.body.fleet?.caught_up === true)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const after = await Promise.all(fleet.replicas.map(scrape));
    waits.sort((a, b) => a - b);
    return {
      adds: total,
      failed,
      writeMs: { p50: quantile(waits, 0.5), p99: quantile(waits, 0.99) },
      replicas: fleet.replicas.map((r, i) => {
        const count = (s: MetricSample[]): number => s.find((m) => m.name === `${HISTOGRAM}_count`)?.value ?? 0;
        const q = (p: number): number | null => {
          const v = histogramQuantile(before[i], after[i], HISTOGRAM, p);
          return v === null ? null : v * 1000;
        };
        return { name: r.name, applied: count(after[i]) - count(before[i]), p50Ms: q(0.5), p99Ms: q(0.99) };
      }),
    };
  } finally {
    await fleet.stop();
  }
}
