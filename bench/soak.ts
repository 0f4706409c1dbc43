/**
 * `npm run bench -- soak [--streams 500] [--minutes 60] [--out DIR] [--json]`: a long run of the engine
 * under churn. Starts `earshot serve` on a private copy of the bundle (catalogue additions persisted, as
 * a station's server would) and the load generator (bench/soak-load.ts: streams that connect, play
 * 20–60 s, finalize and reconnect; an analysis every 5 s; a catalogue add every 10 s). Samples the
 * server's RSS every second. Prints a table per minute (streams, windows, latency p50/p99, RSS, uploads)
 * and writes soak.png (RSS and p99 over time) and soak.json to --out (default tmp/soak).
 *
 * "Ends flat": over the second half of the run, the least-squares slope of the per-minute mean RSS and
 * of p99 latency, and the last 10 minutes against the 10 minutes around the middle.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeLineChartPng } from './line-chart-png';
import { REPO_ROOT } from './clip';
import { readProc, spawnNode, stopChild } from './engine-proc';
import { formatTable, hardwareLine, parseFlags } from './harness';

interface MinuteLine {
  minute: number;
  streams_open: number;
  opened: number;
  closed_clean: number;
  closed_other: Record<string, number>;
  errors: Record<string, number>;
  windows: number;
  latency_ms: { p50: number; p99: number; max: number };
  analyses: Record<string, number>;
  analyze_ms_p50: number;
  adds: Record<string, number>;
  timer_late_p99_ms: number;
}

interface Row extends MinuteLine {
  rss_mb_mean: number;
  rss_mb_max: number;
  server_core_pct: number;
}

const USAGE = 'usage: npm run bench -- soak [--streams 500] [--minutes 60] [--out tmp/soak] [--json] [--bundle models/default] [--clips DIR] [--seed N]';

/** Least-squares slope of y over x. */
function slope(x: number[], y: number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : 0;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const fmtCounts = (m: Record<string, number>): string => Object.entries(m).map(([k, v]) => `${k}:${v}`).join(' ') || '—';

export async function main(args: string[]): Promise<number> {
  if (args.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const f = parseFlags(args, ['--streams', '--minutes', '--out', '--bundle', '--clips', '--seed'], ['--json']);
  const streams = Number(f.get('--streams') ?? 500);
  const minutes = Number(f.get('--minutes') ?? 60);
  const out = path.resolve(String(f.get('--out') ?? path.join(REPO_ROOT, 'tmp', 'soak')));
  fs.mkdirSync(out, { recursive: true });
  const bundle = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-soak-bundle-'));
  fs.cpSync(path.resolve(String(f.get('--bundle') ?? path.join(REPO_ROOT, 'models', 'default'))), bundle, { recursive: true });

  let url = '';
  const server = spawnNode(path.join(REPO_ROOT, 'dist', 'src', 'cli', 'earshot.js'), ['serve', '--port', '0', '--json', '--bundle', bundle, '--max-streams', String(streams + 100)], { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' }, (m) => {
    if (m.type === 'listening') url = String(m.url);
  });
  for (let i = 0; i < 600 && !url && !server.hasExited(); i++) await new Promise((r) => setTimeout(r, 100));
  if (!url) throw new Error(`the server did not start: ${server.tail()}`);

  // RSS and CPU of the server, sampled every second, grouped by the load generator's minutes.
  const samples: { t: number; rssMb: number; cpuS: number }[] = [];
  const sampler = setInterval(() => {
    const p = readProc(server.pid);
    if (p) samples.push({ t: Date.now(), rssMb: p.rssBytes / 2 ** 20, cpuS: p.cpuS });
  }, 1000);
  const rows: Row[] = [];
  let minuteStart = Date.now();
  const json = f.get('--json') === true;
  const header = ['min', 'streams', 'opened', 'windows', 'p50 ms', 'p99 ms', 'max ms', 'RSS MB', 'RSS max', 'srv %core', 'analyses', 'adds', 'closes (other)', 'errors'];
  if (!json) process.stdout.write(`${hardwareLine()}\nsoak: ${streams} streams with churn for ${minutes} min against ${url}; figures per minute\n${header.join(' | ')}\n`);
  let done = false;
  const load = spawnNode(
    path.join(REPO_ROOT, 'dist', 'bench', 'soak-load.js'),
    ['--url', url, '--streams', String(streams), '--seconds', String(minutes * 60), ...(f.get('--clips') ? ['--clips', String(f.get('--clips'))] : []), '--seed', String(f.get('--seed') ?? 1)],
    process.env,
    (m) => {
      if (m.type === 'done') done = true;
      if (m.type !== 'minute') return;
      const now = Date.now();
      const win = samples.filter((s) => s.t > minuteStart && s.t <= now);
      const cpu = win.length > 1 ? (100 * (win[win.length - 1].cpuS - win[0].cpuS)) / ((win[win.length - 1].t - win[0].t) / 1000) : 0;
      minuteStart = now;
      const row: Row = { ...(m as unknown as MinuteLine), rss_mb_mean: mean(win.map((s) => s.rssMb)), rss_mb_max: Math.max(0, ...win.map((s) => s.rssMb)), server_core_pct: cpu };
      rows.push(row);
      if (!json) process.stdout.write(`${[row.minute, row.streams_open, row.opened, row.windows, row.latency_ms.p50.toFixed(1), row.latency_ms.p99.toFixed(1), row.latency_ms.max.toFixed(0), row.rss_mb_mean.toFixed(0), row.rss_mb_max.toFixed(0), row.server_core_pct.toFixed(0), fmtCounts(row.analyses), fmtCounts(row.adds), fmtCounts(row.closed_other), fmtCounts(row.errors)].join(' | ')}\n`);
    },
  );
  const r = await load.exited;
  clearInterval(sampler);
  const stopped = await stopChild(server, 15_000);
  fs.rmSync(bundle, { recursive: true, force: true });
  if (r.code !== 0 || !done) throw new Error(`the load generator failed (${r.code}): ${load.tail()}`);

  const half = rows.slice(Math.floor(rows.length / 2));
  const mins = half.map((x) => x.minute);
  const rssSlope = slope(mins, half.map((x) => x.rss_mb_mean)) * 60; // MB per hour
  const p99Slope = slope(mins, half.map((x) => x.latency_ms.p99)) * 60;
  const mid = rows.slice(Math.max(0, Math.floor(rows.length / 2) - 5), Math.floor(rows.length / 2) + 5);
  const last = rows.slice(-10);
  const summary = {
    streams, minutes: rows.length, hardware: hardwareLine(),
    rss_mb: { first_minute: rows[0]?.rss_mb_mean, middle_10: mean(mid.map((x) => x.rss_mb_mean)), last_10: mean(last.map((x) => x.rss_mb_mean)), max: Math.max(...rows.map((x) => x.rss_mb_max)), slope_second_half_mb_per_h: rssSlope },
    p99_ms: { middle_10: mean(mid.map((x) => x.latency_ms.p99)), last_10: mean(last.map((x) => x.latency_ms.p99)), slope_second_half_ms_per_h: p99Slope },
    windows: rows.reduce((a, x) => a + x.windows, 0),
    streams_opened: rows.reduce((a, x) => a + x.opened, 0),
    server_shutdown: stopped,
  };
  fs.writeFileSync(path.join(out, 'soak.json'), JSON.stringify({ summary, rows }, null, 1));
  writeLineChartPng(path.join(out, 'soak.png'), `earshot soak: ${streams} streams with churn, ${rows.length} min`, 'minute', [
    { name: 'server RSS (MB, mean per minute)', points: rows.map((x) => [x.minute, x.rss_mb_mean] as [number, number]) },
    { name: 'window latency p99 (ms)', points: rows.map((x) => [x.minute, x.latency_ms.p99] as [number, number]) },
  ]);
  if (json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    process.stdout.write(
      `\n${formatTable(['', 'first min', 'middle 10 min', 'last 10 min', 'max', 'slope, 2nd half'], [
        ['RSS MB', summary.rss_mb.first_minute?.toFixed(0) ?? '—', summary.rss_mb.middle_10.toFixed(0), summary.rss_mb.last_10.toFixed(0), summary.rss_mb.max.toFixed(0), `${rssSlope.toFixed(1)} MB/h`],
        ['p99 ms', rows[0]?.latency_ms.p99.toFixed(1) ?? '—', summary.p99_ms.middle_10.toFixed(1), summary.p99_ms.last_10.toFixed(1), Math.max(...rows.map((x) => x.latency_ms.p99)).toFixed(1), `${p99Slope.toFixed(1)} ms/h`],
      ])}\n${summary.streams_opened} streams opened, ${summary.windows} windows; plot ${path.join(out, 'soak.png')}, data ${path.join(out, 'soak.json')}\n`,
    );
  }
  return 0;
}
