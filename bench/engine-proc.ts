/**
 * Child processes of the `engine` benchmark: spawning with stdout read as JSON lines, a tail of stderr
 * kept for error reports, killing every child however the benchmark ends, and per-process CPU and RSS
 * read from /proc (Linux). Knows nothing of the protocol or of what the children do.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';

const live = new Set<ChildProcess>();
let hooksInstalled = false;

/** SIGKILLs every child still running: on normal exit, on an uncaught error and on SIGINT/SIGTERM. */
function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const killAll = () => {
    for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      killAll();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** The last lines the child wrote to stderr (and non-JSON stdout), for error messages. */
  tail(): string;
  /** Resolves when the child has exited, with its code or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
}

/**
 * Spawns `node [nodeArgs…] script args…`; every stdout line that parses as a JSON object goes to `onJson`, the rest
 * (and stderr) to a 40-line tail. stdin is closed.
 */
export function spawnNode(script: string, args: string[], env: NodeJS.ProcessEnv, onJson: (msg: Record<string, unknown>) => void, nodeArgs: string[] = []): Child {
  installHooks();
  const proc = spawn(process.execPath, [...nodeArgs, script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  const lines: string[] = [];
  const keep = (line: string) => {
    if (!line) return;
    lines.push(line);
    if (lines.length > 40) lines.shift();
  };
  let pending = '';
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      let msg: unknown = null;
      if (line.startsWith('{')) {
        try {
          msg = JSON.parse(line);
        } catch {
          msg = null;
        }
      }
      if (msg && typeof msg === 'object') onJson(msg as Record<string, unknown>);
      else keep(line);
    }
  });
  let errPending = '';
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    errPending += chunk;
    const parts = errPending.split('\n');
    errPending = parts.pop() ?? '';
    for (const p of parts) keep(p.trimEnd());
  });
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('exit', (code, signal) => {
      done = true;
      live.delete(proc);
      resolve({ code, signal });
    });
    proc.on('error', (err) => {
      keep(`spawn error: ${err.message}`);
      done = true;
      live.delete(proc);
      resolve({ code: null, signal: null });
    });
  });
  return {
    proc,
    pid: proc.pid ?? -1,
    tail: () => [...lines, errPending].filter(Boolean).slice(-15).join('\n'),
    exited,
    hasExited: () => done,
  };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves to how it ended and how long it took. */
export async function stopChild(
  child: Child,
  graceMs: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number; killed: boolean; exitedBefore: boolean }> {
  const t0 = Date.now();
  if (child.hasExited()) return { ...(await child.exited), ms: 0, killed: false, exitedBefore: true };
  child.proc.kill('SIGTERM');
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.proc.kill('SIGKILL');
  }, graceMs);
  const r = await child.exited;
  clearTimeout(timer);
  return { ...r, ms: Date.now() - t0, killed, exitedBefore: false };
}

let clockTicks = 0;
function clockTicksPerS(): number {
  if (!clockTicks) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    clockTicks = Number(r.stdout?.trim()) || 100;
  }
  return clockTicks;
}

export interface ProcSample {
  /** performance-clock ms (Date.now() is fine too: only differences are used). */
  tMs: number;
  /** utime + stime of all the process's threads, s. */
  cpuS: number;
  /** cutime + cstime: its children that have exited and been waited for (an engine's ffmpeg decoders), s. */
  childrenCpuS: number;
  rssBytes: number;
}

/** One reading of /proc/PID/stat and /proc/PID/status; null once the process is gone (or off Linux). */
export function readProc(pid: number): ProcSample | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15 (proc(5)).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuS = (Number(f[11]) + Number(f[12])) / clockTicksPerS();
    const childrenCpuS = (Number(f[13]) + Number(f[14])) / clockTicksPerS();
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return { tMs: Date.now(), cpuS, childrenCpuS, rssBytes: rss ? Number(rss[1]) * 1024 : 0 };
  } catch {
    return null;
  }
}

/** Whole-machine CPU time from /proc/stat's first line, s: busy (all but idle and iowait) and total. */
export interface MachineSample {
  busyS: number;
  totalS: number;
}

export function readMachine(): MachineSample | null {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already inside user/nice)
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = v[3] + v[4];
    return { busyS: (total - idle) / clockTicksPerS(), totalS: total / clockTicksPerS() };
  } catch {
    return null;
  }
}

/** Busy CPU of the whole machine between two readings, as % of one core (0..100 × cores). */
export function machineBusyPct(a: MachineSample | null, b: MachineSample | null): number | null {
  if (!a || !b || b.totalS <= a.totalS) return null;
  return ((b.busyS - a.busyS) / (b.totalS - a.totalS)) * os.cpus().length * 100;
}

export interface CpuFigures {
  /** Mean CPU between two readings as % of one core (200 = both cores of this VM busy). */
  corePct: number;
  /** The same as % of the whole machine (all logical cores). */
  machinePct: number;
}

export function cpuBetween(a: ProcSample | null, b: ProcSample | null): CpuFigures | null {
  if (!a || !b || b.tMs <= a.tMs) return null;
  const corePct = ((b.cpuS - a.cpuS) / ((b.tMs - a.tMs) / 1000)) * 100;
  return { corePct, machinePct: corePct / os.cpus().length };
}

/** One interval of the sampler: each process's CPU and the whole machine's busy CPU, % of one core. */
export interface SamplerTick {
  tMs: number;
  corePct: (number | null)[];
  rssBytes: (number | null)[];
  busyPct: number | null;
}

/**
 * Reads a few processes and the machine together every `intervalMs` (one timer, so the intervals line
 * up and "everything else" = machine − ours is meaningful): per-interval CPU, highest 1-s CPU, peak RSS.
 */
export class Sampler {
  readonly peakRssBytes: number[];
  readonly maxCorePct: number[];
  readonly ticks: SamplerTick[] = [];
  private prev: (ProcSample | null)[];
  private prevMachine: MachineSample | null;
  private timer: NodeJS.Timeout;

  constructor(
    readonly pids: number[],
    intervalMs = 1000,
  ) {
    this.peakRssBytes = pids.map(() => 0);
    this.maxCorePct = pids.map(() => 0);
    this.prev = pids.map((_, i) => this.read(i));
    this.prevMachine = readMachine();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  /** A reading of process i now (the measurement's marks); counts towards its peak RSS. */
  read(i: number): ProcSample | null {
    const s = readProc(this.pids[i]);
    if (s) this.peakRssBytes[i] = Math.max(this.peakRssBytes[i], s.rssBytes);
    return s;
  }

  private sample(): void {
    const now = this.pids.map((_, i) => this.read(i));
    const machine = readMachine();
    const corePct = now.map((s, i) => cpuBetween(this.prev[i], s)?.corePct ?? null);
    corePct.forEach((c, i) => {
      if (c !== null) this.maxCorePct[i] = Math.max(this.maxCorePct[i], c);
    });
    this.ticks.push({ tMs: Date.now(), corePct, rssBytes: now.map((p) => p?.rssBytes ?? null), busyPct: machineBusyPct(this.prevMachine, machine) });
    this.prev = now.map((s, i) => s ?? this.prev[i]);
    this.prevMachine = machine;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/**
 * Waits until the machine has been nearly idle (busy < `busyPct` % of one core) over one `windowMs`
 * window, or `maxWaitMs` passed; resolves to the busy figure of the last window (null off Linux).
 */
export async function waitQuiet(busyPct: number, windowMs: number, maxWaitMs: number): Promise<number | null> {
  const t0 = Date.now();
  for (;;) {
    const a = readMachine();
    await new Promise((r) => setTimeout(r, windowMs));
    const busy = machineBusyPct(a, readMachine());
    if (busy === null || busy < busyPct || Date.now() - t0 >= maxWaitMs) return busy;
  }
}
