/**
 * `npm run bench -- engine [--streams N] [--seconds S] [--json] [--find-max]`: the realtime engine under
 * load. Starts `earshot serve` (OMP_WAIT_POLICY=PASSIVE) and, as a separate process, the load generator
 * (bench/engine-load.ts), which opens N streams on 127.0.0.1 and plays the real clips into them in
 * realtime; reports event latency (audio time of a window's end → event received) p50/p90/p99/max,
 * windows/s, the server's and the generator's CPU and RSS, dropped windows (/metrics) and the
 * generator's send lag.
 *
 * --find-max runs steps of 100, 200, 400, 600, … streams (each a fresh server, --seconds long) until
 * one is not held in realtime, then bisects down to --resolution streams. Held = every stream connected,
 * no close/error, 0 dropped, 0 overdue, p99 latency < --threshold-ms (50), send lag p99 < --lag-limit-ms
 * (20; else the step is invalid: the generator, not the server, was the limit).
 *
 * --baseline "<server args>" measures a second server in the same session, right after the first, with
 * these arguments added to --server-args (e.g. "--cnn-path window": the whole-window CNN against the
 * streaming trunk), and prints both and their ratios: max held streams and p99 latency at the largest
 * stream count both ran (--find-max), or p99 and server CPU at --streams.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from './clip';
import { LOAD_DEFAULTS } from './engine-load-options';
import { waitQuiet } from './engine-proc';
import { runStep, type StepOptions, type StepResult } from './engine-step';
import { formatTable, hardwareLine, parseFlags } from './harness';

const USAGE = `usage: npm run bench -- engine [--streams N] [--seconds S] [--json] [--find-max]
    [--rate 22050] [--channels 1] [--encoding pcm_s16le|pcm_f32le] [--chunk-ms 20] [--hop 1] [--k 10]
    [--warmup 3] [--open-ms 1000] [--tick-ms 5] [--seed N] [--clips DIR]
    [--threshold-ms 50] [--lag-limit-ms 20] [--max-limit 4000] [--resolution 25] [--others-limit 25] [--retries 3]
    [--bundle models/default] [--server dist/src/cli/earshot.js] [--server-args "..."] [--server-node-args "..."]
    [--baseline "<server args>"]`;

/** Flags handed to the load generator as they are. */
const PASSED_TO_LOAD = ['--rate', '--channels', '--encoding', '--chunk-ms', '--hop', '--k', '--warmup', '--open-ms', '--tick-ms', '--seed', '--clips'];
const OWN = ['--streams', '--seconds', '--threshold-ms', '--lag-limit-ms', '--max-limit', '--resolution', '--others-limit', '--retries', '--bundle', '--server', '--server-args', '--server-node-args', '--baseline'];

const f1 = (x: number | null | undefined) => (x === null || x === undefined ? '—' : x.toFixed(1));
const f0 = (x: number | null | undefined) => (x === null || x === undefined ? '—' : x.toFixed(0));

function stepRow(r: StepResult): string[] {
  const l = r.load;
  return [
    String(r.streams),
    l ? String(l.connected) : '—',
    l ? `${f1(l.windows_per_s)}/${f1(l.expected_windows_per_s)}` : '—',
    f1(l?.latency_ms.p50),
    f1(l?.latency_ms.p99),
    f1(l?.latency_ms.max),
    l ? String(l.overdue) : '—',
    r.metrics?.dropped_total !== null && r.metrics?.dropped_total !== undefined ? String(r.metrics.dropped_total) : l ? String(l.dropped_reported) : '—',
    f1(l?.send_lag_ms.p99),
    f0(r.server.cpu?.corePct),
    f0(r.loadgen.cpu?.corePct),
    f0(r.machine.others_core_pct),
    f0(r.server.rss_mb_peak),
    f1(r.metrics?.inference_ms.mean),
    r.status.toUpperCase(),
  ];
}

const STEP_HEADER = ['streams', 'conn', 'win/s got/exp', 'p50 ms', 'p99 ms', 'max ms', 'overdue', 'dropped', 'lag p99', 'srv %core', 'gen %core', 'other %core', 'srv RSS MB', 'infer ms', 'status'];

function describe(r: StepResult, o: StepOptions): string {
  const l = r.load;
  const s = r.server;
  const lines = [`streams ${r.streams}: ${r.status.toUpperCase()}${r.reasons.length ? ` — ${r.reasons.join('; ')}` : ''}`];
  if (l) {
    lines.push(
      `  connected            ${l.connected} / ${l.streams} (handshake → begin p50 ${f1(l.connect_ms.p50)} ms, max ${f1(l.connect_ms.max)} ms)`,
      `  windows/s            ${f1(l.windows_per_s)} received (expected ${f1(l.expected_windows_per_s)} = connected / hop ${l.hop_s?.toFixed(4)} s); /metrics ${f1(
        r.metrics?.windows_measured !== null && r.metrics?.windows_measured !== undefined ? r.metrics.windows_measured / l.measure_s : null,
      )}`,
      `  latency ms           p50 ${f1(l.latency_ms.p50)}  p90 ${f1(l.latency_ms.p90)}  p99 ${f1(l.latency_ms.p99)}  max ${f1(l.latency_ms.max)}  mean ${f1(l.latency_ms.mean)} over ${l.latency_ms.n} windows`,
      `  after chunk ms       p50 ${f1(l.after_chunk_ms.p50)}  p99 ${f1(l.after_chunk_ms.p99)}  max ${f1(l.after_chunk_ms.max)} (from when the chunk holding t_end was due)`,
      `  overdue / gaps       ${l.overdue} overdue, ${l.seq_gaps} seq gaps, ${l.early_events} early events; dropped ${r.metrics?.dropped_total ?? '—'} (/metrics), ${l.dropped_reported} (events)`,
      `  send lag ms          p50 ${f1(l.send_lag_ms.p50)}  p99 ${f1(l.send_lag_ms.p99)}  max ${f1(l.send_lag_ms.max)} (limit ${o.lagLimitMs}); timer late p99 ${f1(l.tick_late_ms.p99)} ms; audio ${l.audio_xrt.toFixed(3)} x realtime per stream`,
    );
  }
  if (!l && !s.cpu) return [...lines, `  server               ${s.shutdown}`].join('\n');
  const cpu = (c: typeof s.cpu) => (c ? `${f0(c.corePct)} % of one core (${f0(c.machinePct)} % of the machine)` : '—');
  lines.push(
    `  server CPU           ${cpu(s.cpu)}, highest 1-s ${f0(s.max_core_pct)} %`,
    `  server RSS MB        ${f0(s.rss_mb_start)} at start of measurement, ${f0(s.rss_mb_end)} at end, peak ${f0(s.rss_mb_peak)}, ${f0(s.rss_mb_after_close)} 1 s after the streams closed`,
    `  server               started in ${s.startup_s.toFixed(1)} s; streams gauge ${r.metrics?.streams_peak ?? '—'} at end of measurement, ${r.metrics?.streams_after_close ?? '—'} 1 s after close; shutdown: ${s.shutdown}`,
    `  inference ms/batch   mean ${f1(r.metrics?.inference_ms.mean)}  p50 ${f1(r.metrics?.inference_ms.p50)}  p99 ${f1(r.metrics?.inference_ms.p99)}; ` +
      `${f1(r.metrics?.batch_windows_mean)} windows per batch; queue wait ms p50 ${f1(r.metrics?.queue_ms.p50)} p99 ${f1(r.metrics?.queue_ms.p99)} (/metrics)`,
    `  load generator       CPU ${cpu(r.loadgen.cpu)}, highest 1-s ${f0(r.loadgen.max_core_pct)} %; RSS peak ${f0(r.loadgen.rss_mb_peak)} MB`,
    `  machine              ${f0(r.machine.busy_core_pct)} % of one core busy in all; other processes ${f0(r.machine.others_core_pct)} %`,
  );
  if (l) {
    const series = (xs: (number | null)[]) => xs.map((x) => (x === null ? '—' : x.toFixed(0))).join(' ');
    lines.push(
      `  per second           latency max ms: ${series(l.per_second.latency_max_ms)}`,
      `                       server %core:   ${series(r.timeline.map((t) => t.server))}`,
      `                       others %core:   ${series(r.timeline.map((t) => t.others))}`,
      `                       server RSS MB:  ${series(r.timeline.map((t) => t.server_rss_mb))}`,
    );
  }
  if (l?.first_errors.length) lines.push(`  first errors         ${l.first_errors.slice(0, 5).join(' | ')}`);
  return lines.join('\n');
}

/** The ladder 100, 200, 400, 600, 800, … up to `limit`. */
function ladder(limit: number): number[] {
  const out = [100, 200];
  for (let n = 400; n <= limit; n += 200) out.push(n);
  return out.filter((n) => n <= limit);
}

export async function main(args: string[]): Promise<number> {
  let flags: Map<string, string | true>;
  try {
    flags = parseFlags(args, [...OWN, ...PASSED_TO_LOAD], ['--json', '--find-max']);
  } catch (err) {
    process.stderr.write(`bench engine: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const num = (k: string, d: number) => Number(flags.get(k) ?? d);
  const streams = num('--streams', 100);
  const seconds = num('--seconds', 20);
  const thresholdMs = num('--threshold-ms', 50);
  const lagLimitMs = num('--lag-limit-ms', 20);
  const maxLimit = num('--max-limit', 4000);
  const resolution = num('--resolution', 25);
  const othersLimitPct = num('--others-limit', 25);
  const retries = num('--retries', 3);
  for (const [k, v] of [['--streams', streams], ['--seconds', seconds], ['--threshold-ms', thresholdMs], ['--lag-limit-ms', lagLimitMs], ['--max-limit', maxLimit], ['--resolution', resolution], ['--others-limit', othersLimitPct], ['--retries', retries + 1]] as const) {
    if (!(v > 0)) {
      process.stderr.write(`bench engine: ${k} must be > 0\n${USAGE}\n`);
      return 2;
    }
  }
  const json = flags.has('--json');
  const bundle = String(flags.get('--bundle') ?? path.join(REPO_ROOT, 'models', 'default'));
  const serverScript = path.resolve(String(flags.get('--server') ?? path.join(REPO_ROOT, 'dist', 'src', 'cli', 'earshot.js')));
  const words = (k: string) => (flags.has(k) ? String(flags.get(k)).split(/\s+/).filter(Boolean) : []);
  const extra = words('--server-args');
  // A window overdue by the latency threshold counts against the run (the generator's --overdue-ms).
  const loadArgs = [...PASSED_TO_LOAD.flatMap((k) => (flags.has(k) ? [k, String(flags.get(k))] : [])), '--overdue-ms', String(thresholdMs)];
  const warmupS = num('--warmup', LOAD_DEFAULTS.warmupS);
  const openS = num('--open-ms', LOAD_DEFAULTS.openMs) / 1000;
  const base: Omit<StepOptions, 'streams'> = {
    seconds,
    serverScript,
    serverArgs: ['serve', '--bundle', bundle, '--host', '127.0.0.1', '--port', '0', '--json', ...extra],
    serverNodeArgs: words('--server-node-args'),
    loadArgs,
    setupS: openS + warmupS + 60,
    thresholdMs,
    lagLimitMs,
    othersLimitPct,
  };

  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`bench engine — ${hardwareLine()}; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  out(`server: node ${[...base.serverNodeArgs, path.relative(process.cwd(), serverScript)].join(' ')} ${base.serverArgs.join(' ')} --max-streams max(1000, N)  (OMP_WAIT_POLICY=PASSIVE)`);
  const str = (k: string, d: string | number) => String(flags.get(k) ?? d);
  out(
    `load: ${str('--encoding', LOAD_DEFAULTS.encoding)} ${str('--rate', LOAD_DEFAULTS.sampleRateHz)} Hz x ${str('--channels', LOAD_DEFAULTS.channels)} ch, ` +
      `${str('--chunk-ms', LOAD_DEFAULTS.chunkMs)}-ms chunks, hop ${str('--hop', LOAD_DEFAULTS.hopS)} s, k ${str('--k', LOAD_DEFAULTS.k)}; ` +
      `streams opened over ${openS} s, warm-up ${warmupS} s, measured ${seconds} s; p99 threshold ${thresholdMs} ms, send-lag limit ${lagLimitMs} ms`,
  );

  /**
   * One step, on a machine as quiet as it gets: wait (up to 3 min) for the other processes on this shared
   * VM to go idle first, and run a step that was 'disturbed' by them again, up to --retries times.
   */
  const measure = async (b: Omit<StepOptions, 'streams'>, n: number): Promise<StepResult> => {
    for (let attempt = 0; ; attempt++) {
      const busy = await waitQuiet(othersLimitPct, 5000, 180_000);
      if (busy !== null && busy >= othersLimitPct) out(`(machine still ${busy.toFixed(0)} % busy after waiting 3 min; running anyway)`);
      const r = await runStep({ ...b, streams: n });
      if (r.status !== 'disturbed' || attempt >= retries) return r;
      out(`streams ${n}: disturbed (${r.reasons[r.reasons.length - 1]}); running it again`);
    }
  };

  const baseline = flags.has('--baseline') ? words('--baseline') : null;
  if (baseline) out(`baseline: the same with ${baseline.join(' ')} added to the server's arguments, measured after the first`);
  const variants: { name: string; base: Omit<StepOptions, 'streams'> }[] = [{ name: baseline ? 'candidate' : '', base }];
  if (baseline) variants.push({ name: 'baseline', base: { ...base, serverArgs: [...base.serverArgs, ...baseline] } });

  if (!flags.has('--find-max')) {
    const results: StepResult[] = [];
    for (const v of variants) {
      const r = await measure(v.base, streams);
      results.push(r);
      if (r.load && results.length === 1) out(`clips: ${r.load.clips} (decoded in ${r.load.clip_decode_s.toFixed(1)} s)`);
      out('');
      if (v.name) out(`[${v.name}] server ${v.base.serverArgs.slice(1).join(' ')}`);
      out(describe(r, { ...v.base, streams }));
    }
    if (baseline) out(`\n${compareStep(results[0], results[1])}`);
    if (json) out(JSON.stringify(baseline ? { candidate: results[0], baseline: results[1] } : results[0]));
    return results.some((r) => r.status === 'error') ? 1 : 0;
  }

  const found: FindMax[] = [];
  for (const v of variants) {
    if (v.name) out(`\n[${v.name}] server ${v.base.serverArgs.slice(1).join(' ')}`);
    const f = await findMax((n) => measure(v.base, n), maxLimit, resolution, (r) => out(describe(r, { ...v.base, streams: r.streams })));
    found.push(f);
    out('');
    out(formatTable(STEP_HEADER, [...f.steps].sort((a, b) => a.streams - b.streams).map(stepRow)));
    const failed = f.hi === null ? null : f.steps.find((x) => x.streams === f.hi) ?? null;
    out(
      f.hi === null
        ? `${v.name ? `[${v.name}] ` : ''}every step up to --max-limit ${maxLimit} held: max held >= ${f.lo} streams`
        : `${v.name ? `[${v.name}] ` : ''}max held in realtime: ${f.lo} streams (${f.hi} did not: ${failed?.status}: ${failed?.reasons.join('; ')})`,
    );
  }
  if (baseline) out(compareFindMax(found[0], found[1]));
  const summary = (f: FindMax) => ({ max_streams: f.lo, first_not_held: f.hi, limited_by: f.hi === null ? null : f.steps.find((x) => x.streams === f.hi)?.status ?? null, steps: f.steps });
  if (json) out(JSON.stringify(baseline ? { candidate: summary(found[0]), baseline: summary(found[1]), max_streams_ratio: found[1].lo > 0 ? found[0].lo / found[1].lo : null } : summary(found[0])));
  return 0;
}

interface FindMax {
  /** Most streams held, and the fewest not held (null: every step held). */
  lo: number;
  hi: number | null;
  steps: StepResult[];
}

/** The ladder until a step is not held, then bisection down to `resolution` streams. */
async function findMax(measure: (n: number) => Promise<StepResult>, maxLimit: number, resolution: number, report: (r: StepResult) => void): Promise<FindMax> {
  const steps: StepResult[] = [];
  const run = async (n: number) => {
    const r = await measure(n);
    steps.push(r);
    report(r);
    return r.status === 'pass';
  };
  let lo = 0;
  let hi: number | null = null;
  for (const n of ladder(maxLimit)) {
    if (await run(n)) lo = n;
    else {
      hi = n;
      break;
    }
  }
  while (hi !== null && hi - lo > resolution) {
    const mid = Math.round((lo + hi) / 2 / 5) * 5;
    if (mid <= lo || mid >= hi) break;
    if (await run(mid)) lo = mid;
    else hi = mid;
  }
  return { lo, hi, steps };
}

const ratio = (a: number | null | undefined, b: number | null | undefined): string => (a && b ? `${(a / b).toFixed(2)}x` : '—');

/** One stream count, both servers: p99 latency and server CPU side by side. */
function compareStep(c: StepResult, b: StepResult): string {
  return (
    `comparison at ${c.streams} streams: p99 latency ${f1(c.load?.latency_ms.p99)} ms (candidate) vs ${f1(b.load?.latency_ms.p99)} ms (baseline), baseline/candidate ${ratio(b.load?.latency_ms.p99, c.load?.latency_ms.p99)}; ` +
    `server CPU ${f0(c.server.cpu?.corePct)} % vs ${f0(b.server.cpu?.corePct)} % of a core; inference ms/batch ${f1(c.metrics?.inference_ms.mean)} vs ${f1(b.metrics?.inference_ms.mean)}; status ${c.status} vs ${b.status}`
  );
}

/** Max held streams of both servers, and p99 at the largest stream count both measured. */
function compareFindMax(c: FindMax, b: FindMax): string {
  const common = c.steps.map((x) => x.streams).filter((n) => b.steps.some((y) => y.streams === n)).sort((x, y) => y - x)[0];
  const at = (f: FindMax) => f.steps.find((x) => x.streams === common);
  const lines = [`max held streams: ${c.lo} (candidate) vs ${b.lo} (baseline): candidate/baseline ${ratio(c.lo, b.lo)}`];
  if (common !== undefined) lines.push(compareStep(at(c)!, at(b)!));
  return lines.join('\n');
}
