/**
 * Garbage collections of a process, counted from inside it: preload with `node --require
 * dist/bench/gc-observer.js …` and set EARSHOT_GC_OUT=PREFIX; at exit each thread writes
 * PREFIX.<pid>.<threadId>.json (a worker that is terminated writes none) with the collections by kind (count, pause ms) in all and per second since
 * the thread started. Used for the engine benchmark's "event loop per stream" figures:
 *
 *   EARSHOT_GC_OUT=/tmp/gc/run npm run bench -- engine --streams 500 --server-node-args "--require dist/bench/gc-observer.js"
 *
 * `node dist/bench/gc-observer.js PREFIX.*.json [--from-s S] [--to-s S]` sums a span of seconds (e.g. the
 * measurement period). Pause time is wall time on the thread (V8's own figure, as --trace-gc prints it); a "minor" is a
 * scavenge of the young generation, "major" a mark-compact, "incremental" the marking steps between.
 */
import * as fs from 'node:fs';
import { constants, performance, PerformanceObserver } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';

const KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

interface Tally {
  count: number;
  ms: number;
}

/** PerformanceEntry of type 'gc': its kind is in `detail` (node ≥ 16). */
interface GcEntry {
  startTime: number;
  duration: number;
  detail?: { kind?: number };
}

function start(prefix: string): void {
  const total: Record<string, Tally> = {};
  /** [second since start] → kind → tally */
  const perSecond: Record<string, Tally>[] = [];
  const t0 = performance.now();
  const add = (to: Record<string, Tally>, kind: string, ms: number) => {
    const t = (to[kind] ??= { count: 0, ms: 0 });
    t.count++;
    t.ms += ms;
  };
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries() as unknown as GcEntry[]) {
      const kind = KINDS[e.detail?.kind ?? -1] ?? 'other';
      add(total, kind, e.duration);
      const s = Math.max(0, Math.floor((e.startTime - t0) / 1000));
      add((perSecond[s] ??= {}), kind, e.duration);
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  process.on('exit', () => {
    const round = (r: Record<string, Tally>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, { count: v.count, ms: Math.round(v.ms * 10) / 10 }]));
    const doc = { pid: process.pid, threadId, seconds: Math.round((performance.now() - t0) / 100) / 10, total: round(total), perSecond: Array.from(perSecond, (s) => round(s ?? {})) };
    fs.writeFileSync(`${prefix}.${process.pid}.${threadId}.json`, `${JSON.stringify(doc)}\n`);
  });
}

/** `node dist/bench/gc-observer.js FILE… [--from-s S] [--to-s S]`: each file's collections in that span of seconds. */
function summarize(argv: string[]): void {
  let from = 0;
  let to = Infinity;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--from-s') from = Number(argv[++i]);
    else if (argv[i] === '--to-s') to = Number(argv[++i]);
    else files.push(argv[i]);
  }
  if (files.length === 0 || !Number.isFinite(from) || Number.isNaN(to)) throw new Error('usage: gc-observer FILE... [--from-s S] [--to-s S]');
  for (const f of files) {
    const doc = JSON.parse(fs.readFileSync(f, 'utf8')) as { threadId: number; seconds: number; perSecond: Record<string, Tally>[] };
    const span: Record<string, Tally> = {};
    const last = Math.min(to, doc.seconds);
    doc.perSecond.forEach((sec, s) => {
      if (s < from || s >= last) return;
      for (const [kind, t] of Object.entries(sec)) {
        const a = (span[kind] ??= { count: 0, ms: 0 });
        a.count += t.count;
        a.ms += t.ms;
      }
    });
    const secs = Math.max(1e-9, last - from);
    const all = Object.values(span).reduce((a, t) => a + t.ms, 0);
    const kinds = Object.entries(span).map(([k, t]) => `${k} ${t.count} (${t.ms.toFixed(0)} ms)`).join(', ');
    process.stdout.write(`${f} (thread ${doc.threadId}), s ${from}..${last.toFixed(0)}: ${kinds || 'none'}; pauses ${all.toFixed(0)} ms = ${((100 * all) / (secs * 1000)).toFixed(1)} % of the span\n`);
  }
}

if (require.main === module) summarize(process.argv.slice(2));
else if (process.env.EARSHOT_GC_OUT) start(process.env.EARSHOT_GC_OUT);
