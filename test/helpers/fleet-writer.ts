/**
 * Catalogue adds written straight into a fleet's log, for tests and benchmarks that need thousands of
 * them (10,000 adds; 100 adds/s): a member of the fleet in this process (src/fleet/fleet-replica.ts, the
 * very writer `POST /v1/catalog` calls once its upload is analysed) with an in-memory catalogue and no
 * server. Only the analysis is skipped — 10,000 uploads would cost minutes of CPU — the log entries, their
 * durability and their application on the replicas are the real ones.
 */
import { Catalog } from '../../src/catalog/catalog';
import { FleetReplica } from '../../src/fleet/fleet-replica';
import { loadBundle } from '../../src/model/bundle';
import { DEFAULT_BUNDLE } from './engine-client';

export interface FleetWriter {
  /** F: factors per song in the fleet's model. */
  dims: number;
  /** Resolves once the add is in Redis (AOF, fsynced) and applied by this writer. */
  add(id: string, factors: Float32Array): Promise<void>;
  close(): Promise<void>;
}

/** Seeded factors near an existing song's (a row of the bundle plus small noise): songs of the model's own space. */
export function songFactors(base: Float32Array, dims: number, i: number): Float32Array {
  const rows = base.length / dims;
  const row = i % rows;
  const out = base.slice(row * dims, row * dims + dims);
  let s = (i * 2654435761) >>> 0;
  for (let d = 0; d < dims; d++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[d] += 0.01 * (s / 2 ** 32 - 0.5);
  }
  return out;
}

export async function joinAsWriter(redisUrl: string, name: string): Promise<FleetWriter & { bundleFactors: Float32Array }> {
  const replica = await FleetReplica.join({ redis: redisUrl, name }, DEFAULT_BUNDLE, () => {});
  const bundle = await loadBundle(replica.bundleDir);
  const dims = bundle.itemFactors.length / Math.max(1, bundle.items.length);
  const catalog = new Catalog(bundle.items, bundle.itemFactors, dims, { annThreshold: Infinity });
  const bundleFactors = bundle.itemFactors;
  await bundle.close();
  replica.attach({ catalog: () => catalog, reload: async () => undefined });
  return {
    dims,
    bundleFactors,
    add: (id, factors) => replica.write({ op: 'add', item: { id, artist: 'Writer', title: id }, factors }),
    close: () => replica.close(),
  };
}
