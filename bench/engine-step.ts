/**
 * One run of the `engine` benchmark: start `earshot serve`, start the load generator (its own process),
 * sample both processes' CPU and RSS from /proc, scrape the server's /metrics when the measurement starts
 * and ends, stop everything, and judge the run against the realtime criterion.
 */
import * as path from 'node:path';
import type { LoadResult } from './engine-load-options';
import { cpuBetween, machineBusyPct, readMachine, Sampler, spawnNode, stopChild, type Child, type CpuFigures, type MachineSample, type ProcSample } from './engine-proc';
import { histogramQuantile, metricTotal, metricTotals, parsePrometheus, type MetricSample } from './engine-stats';

export interface StepOptions {
  streams: number;
  seconds: number;
  /** The server's CLI script (dist/src/cli/earshot.js) and the arguments after it. */
  serverScript: string;
  serverArgs: string[];
  /** Node's own flags for the server process (e.g. --cpu-prof), before the script. */
  serverNodeArgs: string[];
  /** Load-generator flags other than --url/--streams/--seconds (already rendered as argv). */
  loadArgs: string[];
  /** Worst case of the generator's schedule: open + warm-up + decode, s (for the step's time limit). */
  setupS: number;
  thresholdMs: number;
  lagLimitMs: number;
  /** Other processes' CPU during the measurement (% of one core) above which a non-pass is 'disturbed'. */
  othersLimitPct: number;
}

/**
 * pass: held in realtime. fail: not held. invalid: the generator fell behind its schedule, so the
 * latencies measure it. disturbed: not held while other processes used more than `othersLimitPct` % of a
 * core on average, or more than twice that in two or more seconds (this is a shared VM): says nothing
 * about the server, and the step is run again. error: the
 * run itself broke (server crash, no result).
 */
export type StepStatus = 'pass' | 'fail' | 'invalid' | 'disturbed' | 'error';

export interface ProcFigures {
  cpu: CpuFigures | null;
  max_core_pct: number;
  rss_mb_start: number | null;
  rss_mb_end: number | null;
  rss_mb_peak: number;
}

export interface StepResult {
  streams: number;
  status: StepStatus;
  /** Why the step is not a pass (empty when it is). */
  reasons: string[];
  load: LoadResult | null;
  server: ProcFigures & { startup_s: number; rss_mb_after_close: number | null; shutdown: string };
  loadgen: ProcFigures;
  /** During the measurement, % of one core: the whole machine busy, and what neither the server nor the
   *  generator used (other processes on the VM: a sign the figures were disturbed). */
  machine: { busy_core_pct: number | null; others_core_pct: number | null };
  /** Each second of the measurement, % of one core. */
  timeline: { server: number | null; loadgen: number | null; others: number | null; server_rss_mb: number | null }[];
  metrics: {
    windows_measured: number | null;
    dropped_measured: number | null;
    dropped_total: number | null;
    streams_peak: number | null;
    streams_after_close: number | null;
    /** ONNX Runtime time per batch, and how long a window waited for its batch (/metrics histograms). */
    inference_ms: { mean: number | null; p50: number | null; p99: number | null };
    queue_ms: { mean: number | null; p50: number | null; p99: number | null };
    batch_windows_mean: number | null;
    totals: Record<string, number>;
  } | null;
}

const WINDOWS = 'earshot_windows_total';
const DROPPED = 'earshot_windows_dropped_total';
const STREAMS = 'earshot_streams';
const INFERENCE = 'earshot_inference_seconds';
const QUEUE = 'earshot_queue_seconds';
const BATCH = 'earshot_batch_windows';

async function scrape(baseUrl: string): Promise<MetricSample[] | null> {
  try {
    const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
    return res.ok ? parsePrometheus(await res.text()) : null;
  } catch {
    return null;
  }
}

const mb = (s: ProcSample | null) => (s ? s.rssBytes / 2 ** 20 : null);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function waitFor<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

export async function runStep(o: StepOptions): Promise<StepResult> {
  const reasons: string[] = [];
  const t0 = Date.now();
  let listening: (url: string) => void = () => {};
  const listeningP = new Promise<string>((r) => (listening = r));
  const serverArgs = [...o.serverArgs, '--max-streams', String(Math.max(1000, o.streams))];
  const server = spawnNode(o.serverScript, serverArgs, { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' }, (msg) => {
    if (msg.type === 'listening' && typeof msg.url === 'string') listening(msg.url);
  }, o.serverNodeArgs);
  let load: Child | null = null;
  const empty: ProcFigures = { cpu: null, max_core_pct: 0, rss_mb_start: null, rss_mb_end: null, rss_mb_peak: 0 };
  const result: StepResult = {
    streams: o.streams,
    status: 'error',
    reasons,
    load: null,
    server: { ...empty, startup_s: 0, rss_mb_after_close: null, shutdown: '' },
    loadgen: { ...empty },
    machine: { busy_core_pct: null, others_core_pct: null },
    timeline: [],
    metrics: null,
  };
  try {
    const url = await waitFor(
      Promise.race([listeningP, server.exited.then((e) => Promise.reject(new Error(`server exited (code ${e.code}, signal ${e.signal}) before listening:\n${server.tail()}`)))]),
      120_000,
      'server start',
    );
    result.server.startup_s = (Date.now() - t0) / 1000;
    const marks: { tMs: number; server: ProcSample | null; load: ProcSample | null; machine: MachineSample | null; metrics: Promise<MetricSample[] | null> }[] = [];
    const got: { result: LoadResult | null } = { result: null };
    let sampler: Sampler | null = null;
    load = spawnNode(path.join(__dirname, 'engine-load.js'), ['--url', url, '--streams', String(o.streams), '--seconds', String(o.seconds), ...o.loadArgs], process.env, (msg) => {
      if ((msg.type === 'measuring' || msg.type === 'measured') && sampler) {
        marks.push({ tMs: Date.now(), server: sampler.read(0), load: sampler.read(1), machine: readMachine(), metrics: scrape(url) });
      }
      if (msg.type === 'result') got.result = msg as unknown as LoadResult;
    });
    sampler = new Sampler([server.pid, load.pid]);

    // The generator ends on its own; the server must outlive it.
    const limitMs = (o.setupS + o.seconds + 120) * 1000;
    const first = await waitFor(
      Promise.race([load.exited.then((e) => ({ who: 'load' as const, ...e })), server.exited.then((e) => ({ who: 'server' as const, ...e }))]),
      limitMs,
      'load generator',
    ).catch((err: Error) => ({ who: 'timeout' as const, code: null, signal: null, message: err.message }));
    sampler.stop();
    const loadResult = got.result;
    if (first.who === 'server') {
      reasons.push(`server exited during the run (code ${first.code}, signal ${first.signal}): ${server.tail()}`);
    } else if (first.who === 'timeout') {
      reasons.push(`load generator did not finish in time; server stderr: ${server.tail()}`);
    } else if (!loadResult) {
      reasons.push(`load generator exited (code ${first.code}) without a result: ${load.tail()}`);
    }
    result.load = loadResult;

    const [start, end] = marks;
    const fig = (i: number, a: ProcSample | null | undefined, b: ProcSample | null | undefined): ProcFigures => ({
      cpu: cpuBetween(a ?? null, b ?? null),
      max_core_pct: sampler!.maxCorePct[i],
      rss_mb_start: mb(a ?? null),
      rss_mb_end: mb(b ?? null),
      rss_mb_peak: sampler!.peakRssBytes[i] / 2 ** 20,
    });
    result.server = { ...result.server, ...fig(0, start?.server, end?.server) };
    result.loadgen = fig(1, start?.load, end?.load);
    // Per second of the measurement: what the server, the generator and everything else used.
    result.timeline = sampler.ticks
      .filter((t) => start && end && t.tMs - 500 >= start.tMs && t.tMs - 500 < end.tMs)
      .map((t) => ({
        server: t.corePct[0],
        loadgen: t.corePct[1],
        others: t.busyPct === null ? null : Math.max(0, t.busyPct - (t.corePct[0] ?? 0) - (t.corePct[1] ?? 0)),
        server_rss_mb: t.rssBytes[0] === null ? null : t.rssBytes[0] / 2 ** 20,
      }));
    const busy = machineBusyPct(start?.machine ?? null, end?.machine ?? null);
    const ours = (result.server.cpu?.corePct ?? 0) + (result.loadgen.cpu?.corePct ?? 0);
    result.machine = { busy_core_pct: busy, others_core_pct: busy === null ? null : Math.max(0, busy - ours) };

    if (!server.hasExited()) {
      const m0 = (await start?.metrics) ?? null;
      const m1 = (await end?.metrics) ?? null;
      await sleep(1000); // the generator's sockets are gone: the server should be back to zero streams
      const m2 = await scrape(url);
      result.server.rss_mb_after_close = mb(sampler.read(0));
      const diff = (name: string) => {
        const a = m0 ? metricTotal(m0, name) : null;
        const b = m1 ? metricTotal(m1, name) : null;
        return a !== null && b !== null ? b - a : null;
      };
      /** mean / p50 / p99 of a histogram over the measurement, scaled (s → ms). */
      const hist = (name: string, scale: number) => {
        const count = diff(`${name}_count`);
        const sum = diff(`${name}_sum`);
        const q = (p: number) => {
          const v = m0 && m1 ? histogramQuantile(m0, m1, name, p) : null;
          return v === null ? null : v * scale;
        };
        return { mean: count && sum !== null ? (sum / count) * scale : null, p50: q(0.5), p99: q(0.99) };
      };
      result.metrics = {
        windows_measured: diff(WINDOWS),
        dropped_measured: diff(DROPPED),
        dropped_total: m2 ? metricTotal(m2, DROPPED) : m1 ? metricTotal(m1, DROPPED) : null,
        streams_peak: m1 ? metricTotal(m1, STREAMS) : null,
        streams_after_close: m2 ? metricTotal(m2, STREAMS) : null,
        inference_ms: hist(INFERENCE, 1000),
        queue_ms: hist(QUEUE, 1000),
        batch_windows_mean: hist(BATCH, 1).mean,
        totals: m2 ? metricTotals(m2) : m1 ? metricTotals(m1) : {},
      };
      if (!m1) reasons.push('could not read /metrics at the end of the measurement');
    }
  } catch (err) {
    reasons.push((err as Error).message);
  } finally {
    if (load && !load.hasExited()) await stopChild(load, 2000);
    const s = await stopChild(server, 15_000);
    const how = `exit code ${s.code}${s.signal ? `, signal ${s.signal}` : ''}`;
    result.server.shutdown = s.exitedBefore ? `had already exited (${how})` : s.killed ? `did not exit within 15 s of SIGTERM (killed)` : `${how} ${s.ms} ms after SIGTERM`;
  }
  judge(result, o);
  return result;
}

/**
 * Held in realtime: every stream connected and stayed open without errors, nothing dropped or overdue,
 * p99 latency under the threshold. A generator that fell behind its schedule (send lag p99 at or above
 * the limit) makes the step *invalid*: the latencies would then measure the generator.
 */
function judge(r: StepResult, o: StepOptions): void {
  const reasons = r.reasons;
  const l = r.load;
  if (reasons.length > 0 || !l) {
    r.status = 'error';
    return;
  }
  if (l.not_connected > 0) reasons.push(`${l.not_connected} of ${l.streams} streams never got 'begin'`);
  const closes = Object.entries(l.closes);
  if (closes.length) reasons.push(`streams closed by the server: ${closes.map(([c, n]) => `${n}× code ${c}`).join(', ')}`);
  const errors = Object.entries(l.errors);
  if (errors.length) reasons.push(`errors: ${errors.map(([c, n]) => `${n}× ${c}`).join(', ')}`);
  const dropped = r.metrics?.dropped_total ?? l.dropped_reported;
  if (dropped > 0 || l.dropped_reported > 0) reasons.push(`dropped windows: ${dropped} (/metrics), ${l.dropped_reported} (events)`);
  if (l.overdue > 0) reasons.push(`${l.overdue} windows overdue by > ${o.thresholdMs} ms at the end`);
  if (l.windows === 0) reasons.push('no window events in the measurement');
  if (!(l.latency_ms.p99 < o.thresholdMs)) reasons.push(`latency p99 ${l.latency_ms.p99.toFixed(1)} ms >= ${o.thresholdMs} ms`);
  const lagBad = !(l.send_lag_ms.p99 < o.lagLimitMs);
  if (lagBad) reasons.push(`load generator fell behind: send lag p99 ${l.send_lag_ms.p99.toFixed(1)} ms >= ${o.lagLimitMs} ms (measurement invalid)`);
  // Other work on the VM comes in bursts (test suites, compilers): a mean over the run can hide a few
  // seconds at 100 % of a core, which is enough to break a step, so busy seconds count on their own.
  const others = r.machine.others_core_pct;
  const busySeconds = r.timeline.filter((t) => t.others !== null && t.others > 2 * o.othersLimitPct).length;
  const disturbed = reasons.length > 0 && ((others !== null && others > o.othersLimitPct) || busySeconds >= 2);
  if (disturbed) {
    reasons.push(
      `other processes used ${others?.toFixed(0)} % of a core on average (limit ${o.othersLimitPct} %), more than ${2 * o.othersLimitPct} % in ${busySeconds} of ${r.timeline.length} seconds`,
    );
  }
  r.status = disturbed ? 'disturbed' : lagBad ? 'invalid' : reasons.length ? 'fail' : 'pass';
}
