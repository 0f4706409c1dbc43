/** GET /metrics: the engine's state in the Prometheus text exposition format (version 0.0.4). */
import type { Histogram } from '../engine/engine-stats';
import type { Engine } from '../engine/engine';
import type { FleetView } from '../fleet/fleet-status';

function histogram(name: string, help: string, h: Histogram): string[] {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
  h.bounds.forEach((b, i) => lines.push(`${name}_bucket{le="${b}"} ${h.counts[i]}`));
  lines.push(`${name}_bucket{le="+Inf"} ${h.count}`, `${name}_sum ${h.sum}`, `${name}_count ${h.count}`);
  return lines;
}

function scalar(name: string, type: 'counter' | 'gauge', help: string, value: number): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`];
}

export interface ServerCounters {
  connectionsTotal: number;
  refusedTotal: number;
  slowConsumersTotal: number;
  errorsTotal: number;
  /** HTTP requests by `route status` (route: the matched path, or "other"). */
  http: Map<string, number>;
}

const ROUTES = new Set(['/healthz', '/metrics', '/v1/analyze', '/v1/catalog', '/v1/next', '/v1/admin/reload']);

/** Counts one answered HTTP request (unknown paths pooled, so a scanner cannot grow the label set). */
export function countRequest(c: ServerCounters, path: string, status: number): void {
  const key = `${ROUTES.has(path) ? path : 'other'} ${status}`;
  c.http.set(key, (c.http.get(key) ?? 0) + 1);
}

function httpRequests(c: ServerCounters): string[] {
  const lines = ['# HELP earshot_http_requests_total HTTP requests answered, by route and status.', '# TYPE earshot_http_requests_total counter'];
  for (const [key, n] of [...c.http].sort()) {
    const [route, status] = key.split(' ');
    lines.push(`earshot_http_requests_total{route="${route}",status="${status}"} ${n}`);
  }
  return lines;
}

/** A fleet replica's gauges (serve --redis; docs/fleet.md): where it stands in the log, its Redis link, its bundle. */
function fleetMetrics(view: FleetView): string[] {
  const f = view.status();
  return [
    ...scalar('earshot_fleet_applied_seq', 'gauge', 'Sequence number of the last fleet log entry applied here.', f.applied_seq),
    ...scalar('earshot_fleet_lag_entries', 'gauge', 'Fleet log entries not yet applied here (NaN: unknown, Redis unreachable or the log behind this replica).', f.lag_entries ?? NaN),
    ...scalar('earshot_fleet_caught_up', 'gauge', '1 when every log entry is applied here.', f.caught_up ? 1 : 0),
    ...scalar('earshot_fleet_redis_connected', 'gauge', '1 while both connections to the fleet\'s Redis are up.', f.redis === 'connected' ? 1 : 0),
    ...scalar('earshot_fleet_entries_applied_total', 'counter', 'Fleet log entries applied since start.', f.entries_read),
    ...scalar('earshot_fleet_apply_errors_total', 'counter', 'Fleet log entries that could not be applied.', f.apply_errors),
    ...scalar('earshot_fleet_snapshots_written_total', 'counter', 'Fleet snapshots this replica wrote.', f.snapshots_written),
    ...scalar('earshot_fleet_resyncs_total', 'counter', 'Reloads of the snapshot after trimmed entries were missed.', f.resyncs),
    '# HELP earshot_fleet_bundle_info The bundle revision served (SHA-256): 1 for it.',
    '# TYPE earshot_fleet_bundle_info gauge',
    `earshot_fleet_bundle_info{fleet="${f.name}",revision="${f.bundle_revision}"} 1`,
    ...histogram('earshot_fleet_propagation_seconds', 'Log entry written (Redis clock) to applied here (this clock).', view.propagationSeconds),
  ];
}

export function renderMetrics(engine: Engine, c: ServerCounters, fleet?: FleetView): string {
  const s = engine.stats;
  const mem = process.memoryUsage();
  return [
    ...scalar('earshot_streams', 'gauge', 'Open WebSocket streams.', engine.streams.size),
    ...scalar('earshot_connections_total', 'counter', 'Streams accepted since start.', c.connectionsTotal),
    ...scalar('earshot_connections_refused_total', 'counter', 'Stream upgrades refused (auth, limits, bad parameters).', c.refusedTotal),
    ...scalar('earshot_slow_consumers_total', 'counter', 'Streams closed because the client did not read its events.', c.slowConsumersTotal),
    ...scalar('earshot_error_events_total', 'counter', 'Error events sent.', c.errorsTotal),
    ...scalar('earshot_windows_total', 'counter', 'Windows the CNN predicted.', s.windowsTotal),
    ...scalar('earshot_windows_per_second', 'gauge', 'Windows predicted per second over the last 10 s.', s.windowsPerSecond()),
    ...scalar('earshot_windows_dropped_total', 'counter', 'Windows dropped by backpressure (the oldest queued of a stream).', s.windowsDropped),
    ...scalar('earshot_windows_queued', 'gauge', 'Windows waiting for a batch.', engine.batcher.queued),
    ...scalar('earshot_inference_errors_total', 'counter', 'Batches ONNX Runtime failed on.', s.inferenceErrors),
    ...histogram('earshot_inference_seconds', 'ONNX Runtime time per batch.', s.inferenceSeconds),
    ...histogram('earshot_queue_seconds', 'Time a window waited for its batch.', s.queueSeconds),
    ...histogram('earshot_batch_windows', 'Windows per batch.', s.batchSize),
    ...httpRequests(c),
    ...scalar('earshot_catalog_items', 'gauge', 'Songs in the catalogue.', engine.recommender.catalog.size),
    ...scalar('earshot_model_generation', 'gauge', 'Bundle loads since start (1 + reloads).', engine.generation),
    '# HELP earshot_cnn_path How stream windows run through the CNN (serve --cnn-path): 1 for the path in use.',
    '# TYPE earshot_cnn_path gauge',
    ...(['stream', 'window'] as const).map((p) => `earshot_cnn_path{path="${p}"} ${engine.cnnPath === p ? 1 : 0}`),
    ...(fleet ? fleetMetrics(fleet) : []),
    ...scalar('process_resident_memory_bytes', 'gauge', 'Resident set size.', mem.rss),
  ].join('\n') + '\n';
}
