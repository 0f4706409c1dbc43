/**
 * `npm run bench -- fleet [--streams N] [--seconds S] [--adds-per-s R] [--add-seconds S] [--json]`: the
 * engine's load benchmark (bench/engine-load.ts, the same generator and figures) through HAProxy
 * (deploy/haproxy.cfg as shipped, ports rewritten by test/helpers/fleet.ts) against two `earshot serve`
 * replicas on this machine, in one run with:
 *   direct       the generator straight to replica e1;
 *   proxy → e1   through a second HAProxy with only e1 behind it: the same replica load as direct, so
 *                the difference in latency is the proxy hop, and its CPU is the hop's cost;
 *   proxy → e1+e2 through the shipped config: leastconn spreads the streams over both replicas.
 * Then, with Redis and two `earshot serve --redis` replicas, catalogue propagation: R adds a second for S
 * seconds written to the fleet's log, and each replica's own "log entry written → applied here" histogram
 * (docs/fleet.md), p50/p99 per replica (bench/fleet-propagation.ts).
 */
import * as path from 'node:path';
import { Fleet, HaProxy } from '../test/helpers/fleet';
import { freePort } from '../test/helpers/hosts';
import type { LoadResult } from './engine-load-options';
import { cpuBetween, readProc, spawnNode, stopChild, type ProcSample } from './engine-proc';
import { measurePropagation, type PropagationResult } from './fleet-propagation';
import { formatTable, hardwareLine, parseFlagsOrUsage } from './harness';

const USAGE = 'usage: npm run bench -- fleet [--streams 40] [--seconds 15] [--adds-per-s 100] [--add-seconds 10] [--skip-propagation] [--json]';

interface RunFigures {
  label: string;
  load: LoadResult | null;
  /** CPU during the generator's measurement, % of one core, by process. */
  cpu: Record<string, number | null>;
  problem: string | null;
}

const f1 = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : x.toFixed(1));

/** One run of the load generator against `url`, with the CPU of the `watch` processes over its measurement. */
async function loadRun(label: string, url: string, streams: number, seconds: number, watch: { name: string; pid: number }[]): Promise<RunFigures> {
  const marks: (ProcSample | null)[][] = [];
  let result: LoadResult | null = null;
  const load = spawnNode(path.join(__dirname, 'engine-load.js'), ['--url', url, '--streams', String(streams), '--seconds', String(seconds)], process.env, (msg) => {
    if (msg.type === 'measuring' || msg.type === 'measured') marks.push(watch.map((w) => readProc(w.pid)));
    if (msg.type === 'result') result = msg as unknown as LoadResult;
  });
  const limit = setTimeout(() => void stopChild(load, 2000), (seconds + 120) * 1000);
  const exit = await load.exited;
  clearTimeout(limit);
  const cpu: Record<string, number | null> = {};
  watch.forEach((w, i) => (cpu[w.name] = cpuBetween(marks[0]?.[i] ?? null, marks[1]?.[i] ?? null)?.corePct ?? null));
  return { label, load: result, cpu, problem: result ? null : `generator exited (${exit.code ?? exit.signal}) without a result: ${load.tail()}` };
}

function row(r: RunFigures): string[] {
  const l = r.load;
  return [
    r.label,
    l ? `${l.connected}/${l.streams}` : '—',
    f1(l?.latency_ms.p50),
    f1(l?.latency_ms.p99),
    f1(l?.latency_ms.max),
    l ? String(l.overdue) : '—',
    l ? String(l.dropped_reported) : '—',
    l ? String(Object.values(l.closes).reduce((a, b) => a + b, 0)) : '—',
    ...['e1', 'e2', 'haproxy'].map((k) => f1(r.cpu[k])),
  ];
}

export async function main(args: string[]): Promise<number> {
  const flags = parseFlagsOrUsage(args, ['--streams', '--seconds', '--adds-per-s', '--add-seconds'], ['--json', '--skip-propagation'], USAGE);
  if (!flags) return 2;
  const num = (k: string, d: number): number => (flags.has(k) ? Number(flags.get(k)) : d);
  const streams = num('--streams', 40);
  const seconds = num('--seconds', 15);
  const addsPerS = num('--adds-per-s', 100);
  const addSeconds = num('--add-seconds', 10);
  const out = (s: string): void => void process.stdout.write(`${s}\n`);
  out(hardwareLine());

  const runs: RunFigures[] = [];
  const fleet = await new Fleet({ replicas: 2, replicaArgs: () => ['--no-persist', '--max-streams', String(Math.max(1000, streams))] }).start();
  const single = await new HaProxy(await freePort(), await freePort(), [fleet.replicas[0].port]).start();
  try {
    await single.waitStatus('e1', 'UP', 15_000);
    const watch = (proxyPid: number | undefined): { name: string; pid: number }[] => [
      { name: 'e1', pid: fleet.replicas[0].proc.pid ?? -1 },
      { name: 'e2', pid: fleet.replicas[1].proc.pid ?? -1 },
      ...(proxyPid ? [{ name: 'haproxy', pid: proxyPid }] : []),
    ];
    runs.push(await loadRun('direct → e1', fleet.replicas[0].url, streams, seconds, watch(undefined)));
    runs.push(await loadRun('HAProxy → e1', single.url, streams, seconds, watch(single.proc.pid)));
    runs.push(await loadRun('HAProxy → e1 + e2', fleet.url, streams, seconds, watch(fleet.proxy?.proc.pid)));
  } finally {
    await single.stop();
    await fleet.stop();
  }
  out(`\n${streams} realtime streams of the real clips for ${seconds} s each (bench/engine-load.ts); CPU in % of one core over the measurement`);
  out(formatTable(['run', 'conn', 'p50 ms', 'p99 ms', 'max ms', 'overdue', 'dropped', 'closes', 'e1 %', 'e2 %', 'haproxy %'], runs.map(row)));
  for (const r of runs) if (r.problem) out(`${r.label}: ${r.problem}`);
  const [direct, hop] = runs;
  if (direct.load && hop.load) {
    out(`proxy hop: p50 ${f1(hop.load.latency_ms.p50 - direct.load.latency_ms.p50)} ms, p99 ${f1(hop.load.latency_ms.p99 - direct.load.latency_ms.p99)} ms added; haproxy ${f1(hop.cpu.haproxy)} % of a core for ${streams} streams`);
  }

  let propagation: PropagationResult | null = null;
  if (!flags.has('--skip-propagation')) {
    propagation = await measurePropagation({ addsPerS, seconds: addSeconds, replicas: 2 });
    out(`\ncatalogue propagation at ${addsPerS} adds/s for ${addSeconds} s (${propagation.adds} adds, ${propagation.failed} failed; writer ${f1(propagation.writeMs.p50)} ms p50 / ${f1(propagation.writeMs.p99)} ms p99 per add):`);
    out(formatTable(['replica', 'entries applied', 'p50 ms', 'p99 ms'], propagation.replicas.map((r) => [r.name, String(r.applied), f1(r.p50Ms), f1(r.p99Ms)])));
  }
  if (flags.has('--json')) out(JSON.stringify({ streams, seconds, runs, propagation }));
  return runs.every((r) => !r.problem) ? 0 : 1;
}
