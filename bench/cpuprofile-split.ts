/**
 * Where a process's CPU went, from V8 `.cpuprofile` files (`node --cpu-prof --cpu-prof-dir=DIR`): self time
 * by function and by source file, with the garbage collector, native code reached from JS ("(program)")
 * and idle time as their own rows. Used for the engine benchmark's "event loop per stream" profile:
 *
 *   node dist/bench/cpuprofile-split.js DIR|FILE... [--top 25] [--from-s S] [--to-s S] [--json]
 *
 * Each file is one thread (node writes the main thread and every worker apart); the report is per file.
 * `--from-s/--to-s` keep only samples in that span of seconds since the profile started (e.g. the
 * measurement period, leaving out start-up and the streams' opening).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  /** µs since the previous sample; timeDeltas[i] is the time charged to samples[i]. */
  timeDeltas: number[];
}

export interface SplitRow {
  name: string;
  ms: number;
  /** % of the samples' whole time, and of the busy (non-idle) time (NaN for the idle row). */
  pctAll: number;
  pctBusy: number;
}

export interface ProfileSplit {
  file: string;
  seconds: number;
  idlePct: number;
  gcPct: number;
  gcPctBusy: number;
  byFunction: SplitRow[];
  byFile: SplitRow[];
}

/** Self time (µs) per key, over the samples whose time lies in [fromUs, toUs) since the profile start. */
function selfTimes(p: CpuProfile, key: (n: ProfileNode) => string, fromUs: number, toUs: number): Map<string, number> {
  const byId = new Map<number, ProfileNode>();
  for (const n of p.nodes) byId.set(n.id, n);
  const out = new Map<string, number>();
  let t = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    t += dt;
    if (t < fromUs || t >= toUs) continue;
    const node = byId.get(p.samples[i]);
    if (!node) continue;
    const k = key(node);
    out.set(k, (out.get(k) ?? 0) + Math.max(0, dt));
  }
  return out;
}

function functionKey(n: ProfileNode): string {
  const f = n.callFrame;
  if (!f.url) return f.functionName || '(anonymous)';
  return `${f.functionName || '(anonymous)'} ${shortUrl(f.url)}:${f.lineNumber + 1}`;
}

function fileKey(n: ProfileNode): string {
  const f = n.callFrame;
  return f.url ? shortUrl(f.url) : f.functionName;
}

/** node_modules/<pkg>/…, dist/<dir>/<file>, node:<module>: enough to say whose code it is. */
function shortUrl(url: string): string {
  const u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) return u.slice(nm);
  const d = u.lastIndexOf('/dist/');
  if (d >= 0) return u.slice(d + 1);
  return u.startsWith('node:') ? u : path.basename(u);
}

function rows(m: Map<string, number>, totalUs: number, busyUs: number, top: number): SplitRow[] {
  return [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, pctAll: pct(us, totalUs), pctBusy: name === '(idle)' ? NaN : pct(us, busyUs) }));
}

function pct(part: number, whole: number): number {
  return whole > 0 ? Math.round((1000 * part) / whole) / 10 : 0;
}

export function splitProfile(file: string, o: { top: number; fromS: number; toS: number }): ProfileSplit {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const fromUs = o.fromS * 1e6;
  const toUs = o.toS * 1e6;
  const fn = selfTimes(p, functionKey, fromUs, toUs);
  const total = [...fn.values()].reduce((a, b) => a + b, 0);
  const idle = fn.get('(idle)') ?? 0;
  const gc = fn.get('(garbage collector)') ?? 0;
  const busy = total - idle;
  return {
    file: path.basename(file),
    seconds: Math.round(total / 1e4) / 100,
    idlePct: pct(idle, total),
    gcPct: pct(gc, total),
    gcPctBusy: pct(gc, busy),
    byFunction: rows(fn, total, busy, o.top),
    byFile: rows(selfTimes(p, fileKey, fromUs, toUs), total, busy, o.top),
  };
}

function print(s: ProfileSplit): void {
  const w = (r: SplitRow) => `  ${r.pctAll.toFixed(1).padStart(5)} %  ${(Number.isNaN(r.pctBusy) ? '-' : r.pctBusy.toFixed(1)).padStart(5)} %  ${r.ms.toFixed(0).padStart(7)} ms  ${r.name}`;
  process.stdout.write(`${s.file}: ${s.seconds} s sampled, idle ${s.idlePct} %, GC ${s.gcPct} % (${s.gcPctBusy} % of busy)\n`);
  process.stdout.write('  self by function (% of all, % of busy):\n');
  for (const r of s.byFunction) process.stdout.write(`${w(r)}\n`);
  process.stdout.write('  self by file:\n');
  for (const r of s.byFile) process.stdout.write(`${w(r)}\n`);
}

function main(argv: string[]): number {
  const files: string[] = [];
  let top = 25;
  let fromS = 0;
  let toS = Infinity;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < 0) throw new Error(`${a} needs a number >= 0, got ${String(argv[i])}`);
      return v;
    };
    if (a === '--top') top = num();
    else if (a === '--from-s') fromS = num();
    else if (a === '--to-s') toS = num();
    else if (a === '--json') json = true;
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else if (fs.statSync(a).isDirectory()) files.push(...fs.readdirSync(a).filter((f) => f.endsWith('.cpuprofile')).sort().map((f) => path.join(a, f)));
    else files.push(a);
  }
  if (files.length === 0) throw new Error('usage: cpuprofile-split DIR|FILE... [--top N] [--from-s S] [--to-s S] [--json]');
  const splits = files.map((f) => splitProfile(f, { top, fromS, toS }));
  if (json) process.stdout.write(`${JSON.stringify(splits)}\n`);
  else splits.forEach(print);
  return 0;
}

if (require.main === module) {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err; // `| head` closed the pipe: nothing more to say
  });
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`cpuprofile-split: ${(err as Error).message}\n`);
    process.exitCode = 2;
  }
}
